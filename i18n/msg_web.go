package i18n

// webMessages are the web chat's strings: the page's own words and the error
// frames its socket sends.
func webMessages() map[MsgID]Entry {
	return map[MsgID]Entry{
		"web.title": {
			EN: "Help chat",
			ZH: "在线帮助",
			JA: "ヘルプチャット",
		},
		"web.log_label": {
			EN: "Conversation",
			ZH: "对话",
			JA: "会話",
		},
		"web.placeholder": {
			EN: "Type your question…",
			ZH: "请输入您的问题…",
			JA: "ご質問を入力してください…",
		},
		"web.send": {
			EN: "Send",
			ZH: "发送",
			JA: "送信",
		},
		"web.you": {
			EN: "You",
			ZH: "您",
			JA: "あなた",
		},
		"web.bot": {
			EN: "Assistant",
			ZH: "助手",
			JA: "アシスタント",
		},
		"web.typing": {
			EN: "The assistant is typing…",
			ZH: "助手正在输入…",
			JA: "アシスタントが入力中です…",
		},
		"web.connecting": {
			EN: "Connecting…",
			ZH: "正在连接…",
			JA: "接続しています…",
		},
		"web.reconnecting": {
			EN: "Connection lost. Reconnecting…",
			ZH: "连接已断开，正在重新连接…",
			JA: "接続が切れました。再接続しています…",
		},
		"web.open_chat": {
			EN: "Open chat",
			ZH: "打开聊天",
			JA: "チャットを開く",
		},
		"web.close_chat": {
			EN: "Close chat",
			ZH: "关闭聊天",
			JA: "チャットを閉じる",
		},
		"web.noscript": {
			EN: "This chat needs JavaScript. Please turn it on and reload the page.",
			ZH: "此聊天需要 JavaScript，请启用后重新加载页面。",
			JA: "このチャットには JavaScript が必要です。有効にしてからページを再読み込みしてください。",
		},
		"web.too_long": {
			EN: "That message is too long. Please shorten it and send it again.",
			ZH: "消息太长了，请缩短后重新发送。",
			JA: "メッセージが長すぎます。短くしてからもう一度送信してください。",
		},
		"web.too_fast": {
			EN: "You're sending messages a little too quickly. Please wait a moment and try again.",
			ZH: "您发送消息的速度有点快，请稍等片刻再试。",
			JA: "メッセージの送信が速すぎます。少し待ってからもう一度お試しください。",
		},
		"web.too_many_new": {
			EN: "Too many new conversations have started from your network just now. Please wait a minute and try again.",
			ZH: "您所在的网络刚刚发起了过多新对话，请稍等一分钟后再试。",
			JA: "お使いのネットワークから新しい会話が短時間に多く始まりました。1 分ほど待ってからもう一度お試しください。",
		},
		"web.busy": {
			EN: "We're very busy right now. Please try again in a moment.",
			ZH: "当前咨询较多，请稍后再试。",
			JA: "ただいま大変混み合っています。しばらくしてからもう一度お試しください。",
		},
		"web.failed": {
			EN: "Sorry, something went wrong. Please try again.",
			ZH: "抱歉，出了点问题，请重试。",
			JA: "申し訳ありません。問題が発生しました。もう一度お試しください。",
		},
		"web.unavailable": {
			EN: "The assistant is not available right now. Please try again shortly.",
			ZH: "助手暂时不可用，请稍后再试。",
			JA: "現在アシスタントをご利用いただけません。しばらくしてからもう一度お試しください。",
		},
		"web.bad_request": {
			EN: "Sorry, that could not be read. Please try again.",
			ZH: "抱歉，无法读取该消息，请重试。",
			JA: "申し訳ありません。メッセージを読み取れませんでした。もう一度お試しください。",
		},
	}
}
