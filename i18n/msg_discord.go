package i18n

// discordMessages are the Discord adapter's strings: the descriptions of its
// application commands (shown in Discord's command picker, at most 100
// characters), the name of a thread started for a question without text, and
// the notes it sends itself (send_again: a message the bridge could not take,
// which Discord will not deliver again). %[1]s in thread_name is the user's name.
func discordMessages() map[MsgID]Entry {
	return map[MsgID]Entry{
		"discord.cmd_ask": {
			EN: "Ask the knowledge base a question",
			ZH: "向知识库提问",
			JA: "ナレッジベースに質問する",
		},
		"discord.cmd_ask_question": {
			EN: "Your question (suggestions appear as you type)",
			ZH: "您的问题（输入时会显示建议）",
			JA: "ご質問（入力中に候補が表示されます）",
		},
		"discord.cmd_faq": {
			EN: "Show the frequently asked questions",
			ZH: "查看常见问题",
			JA: "よくある質問を表示する",
		},
		"discord.cmd_hot": {
			EN: "Show the popular questions",
			ZH: "查看热门问题",
			JA: "人気の質問を表示する",
		},
		"discord.cmd_human": {
			EN: "Talk to a person",
			ZH: "转人工客服",
			JA: "担当者と話す",
		},
		"discord.cmd_reset": {
			EN: "Start a new conversation",
			ZH: "开始新的对话",
			JA: "新しい会話を始める",
		},
		"discord.cmd_help": {
			EN: "How to use this bot",
			ZH: "使用说明",
			JA: "このボットの使い方",
		},
		"discord.thread_name": {
			EN: "Question from %[1]s",
			ZH: "%[1]s 的提问",
			JA: "%[1]s さんの質問",
		},
		"discord.text_only": {
			EN: "I can only read text. Please type your question.",
			ZH: "我只能读取文字，请直接输入您的问题。",
			JA: "テキストのみ読み取れます。ご質問を文字で入力してください。",
		},
		"discord.unavailable": {
			EN: "Sorry, I can't take questions right now. Please try again in a moment.",
			ZH: "抱歉，我暂时无法接收问题，请稍后再试。",
			JA: "申し訳ありません。現在ご質問を受け付けられません。しばらくしてからもう一度お試しください。",
		},
		"discord.send_again": {
			EN: "Sorry, I couldn't take your message just now. Please send it again in a moment.",
			ZH: "抱歉，刚才未能接收您的消息，请稍后重新发送。",
			JA: "申し訳ありません。ただいまメッセージを受け取れませんでした。しばらくしてからもう一度送信してください。",
		},
		"discord.not_here": {
			EN: "I don't answer questions in this server.",
			ZH: "我不在此服务器中回答问题。",
			JA: "このサーバーではご質問にお答えしていません。",
		},
	}
}
