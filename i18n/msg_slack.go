package i18n

// slackMessages are the Slack adapter's strings: the Home tab, the typeahead,
// the assistant status and the slash command's notes. %[1]s in home_welcome is
// the slash command ("/ask"); in ask_option it is what the user typed.
func slackMessages() map[MsgID]Entry {
	return map[MsgID]Entry{
		"slack.home_welcome": {
			EN: "👋 Hi! I answer questions from the company knowledge base. Send me a direct message, mention me in a channel, or type %[1]s followed by your question anywhere in Slack.",
			ZH: "👋 您好!我会根据公司知识库回答问题。您可以直接给我发私信、在频道中 @我,或在 Slack 任意位置输入 %[1]s 加上您的问题。",
			JA: "👋 こんにちは!社内ナレッジベースからご質問にお答えします。ダイレクトメッセージを送るか、チャンネルでメンションするか、Slack のどこでも %[1]s に続けてご質問を入力してください。",
		},
		"slack.search_label": {
			EN: "Search the knowledge base",
			ZH: "搜索知识库",
			JA: "ナレッジベースを検索",
		},
		"slack.search_placeholder": {
			EN: "Type a few words…",
			ZH: "输入关键词…",
			JA: "キーワードを入力…",
		},
		"slack.ask_option": {
			EN: "Ask: %[1]s",
			ZH: "提问:%[1]s",
			JA: "質問する:%[1]s",
		},
		"slack.prompts_title": {
			EN: "Popular questions",
			ZH: "热门问题",
			JA: "人気の質問",
		},
		"slack.thinking": {
			EN: "is looking in the knowledge base…",
			ZH: "正在查询知识库…",
			JA: "ナレッジベースを確認しています…",
		},
		"slack.answered_in_dm": {
			EN: "I've answered you in a direct message.",
			ZH: "我已通过私信回复您。",
			JA: "ダイレクトメッセージでお答えしました。",
		},
	}
}
