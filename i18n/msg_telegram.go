package i18n

// telegramMessages are the Telegram adapter's strings: the command menu
// (setMyCommands descriptions, 1–256 characters), the reply to what the bot
// cannot read, the inline panel's button, the notice on a press the bridge
// could not take yet (answerCallbackQuery: at most 200 characters) and the
// last-resort notice.
func telegramMessages() map[MsgID]Entry {
	return map[MsgID]Entry{
		"telegram.cmd_start": {
			EN: "Start: welcome and help",
			ZH: "开始：欢迎和帮助",
			JA: "開始：ようこそとヘルプ",
		},
		"telegram.cmd_faq": {
			EN: "Frequently asked questions",
			ZH: "常见问题",
			JA: "よくある質問",
		},
		"telegram.cmd_hot": {
			EN: "Popular questions",
			ZH: "热门问题",
			JA: "人気の質問",
		},
		"telegram.cmd_human": {
			EN: "Talk to a person",
			ZH: "转人工客服",
			JA: "担当者と話す",
		},
		"telegram.cmd_reset": {
			EN: "Start over with a new conversation",
			ZH: "重新开始对话",
			JA: "新しい会話を始める",
		},
		"telegram.cmd_help": {
			EN: "What I can do",
			ZH: "使用帮助",
			JA: "使い方",
		},
		"telegram.non_text": {
			EN: "I can only read text. Please type your question, or try /faq or /help.",
			ZH: "我只能阅读文字消息。请输入您的问题，或试试 /faq、/help。",
			JA: "テキストのメッセージしか読めません。質問を入力するか、/faq または /help をお試しください。",
		},
		"telegram.inline_open_chat": {
			EN: "Chat with me to get suggestions",
			ZH: "与我对话以获取建议",
			JA: "チャットを開いて候補を表示",
		},
		// A toast on a button press the bridge could not take just now (it is
		// shutting down, its store is unavailable): Telegram delivers the press
		// again, so it will be handled; pressing again would do it twice.
		"telegram.click_pending": {
			EN: "One moment, please: your choice will be taken shortly.",
			ZH: "请稍候，您的选择将很快得到处理。",
			JA: "少々お待ちください。選択はまもなく処理されます。",
		},
		"telegram.unrenderable": {
			EN: "Sorry, this answer cannot be shown here.",
			ZH: "抱歉，此回答无法在此显示。",
			JA: "申し訳ありません。この回答はここでは表示できません。",
		},
	}
}
