package i18n

// bridgeMessages are the bridge component's strings: the core's notices,
// apologies and command texts. %[1]s in help and unknown_command is how a command
// is typed on the user's platform ("/" or "/kb ").
func bridgeMessages() map[MsgID]Entry {
	return map[MsgID]Entry{
		"bridge.welcome": {
			EN: "Hello! How can I help you today?",
			ZH: "您好!请问有什么可以帮您?",
			JA: "こんにちは!ご用件をどうぞ。",
		},
		"bridge.help": {
			EN: "Ask me anything in your own words. Commands:\n%[1]sfaq — frequently asked questions\n%[1]shot — popular questions\n%[1]shuman — talk to a person\n%[1]sreset — start over\n%[1]shelp — this help",
			ZH: "直接用您自己的话提问即可。命令:\n%[1]sfaq — 常见问题\n%[1]shot — 热门问题\n%[1]shuman — 转人工客服\n%[1]sreset — 重新开始\n%[1]shelp — 查看帮助",
			JA: "ご質問をそのまま入力してください。コマンド:\n%[1]sfaq — よくある質問\n%[1]shot — 人気の質問\n%[1]shuman — オペレーターと話す\n%[1]sreset — 最初からやり直す\n%[1]shelp — このヘルプ",
		},
		"bridge.unknown_command": {
			EN: "I don't know the command \"%[1]s\". Send %[2]shelp to see the commands.",
			ZH: "没有“%[1]s”这个命令。发送 %[2]shelp 查看可用命令。",
			JA: "「%[1]s」というコマンドはありません。%[2]shelp でコマンド一覧を表示します。",
		},
		"bridge.home_faq": {
			EN: "Frequently asked questions",
			ZH: "常见问题",
			JA: "よくある質問",
		},
		"bridge.home_hot": {
			EN: "Popular questions",
			ZH: "热门问题",
			JA: "人気の質問",
		},
		"bridge.busy": {
			EN: "I'm still working on your earlier messages. Please wait a moment and try again.",
			ZH: "我还在处理您之前的消息,请稍等片刻再试。",
			JA: "前のメッセージを処理しています。少し待ってからもう一度お試しください。",
		},
		"bridge.km_unavailable": {
			EN: "Sorry, the knowledge base is unavailable right now. Please try again in a few minutes.",
			ZH: "抱歉,知识库暂时无法访问,请几分钟后再试。",
			JA: "申し訳ありません。ただいまナレッジベースに接続できません。数分後にもう一度お試しください。",
		},
		"bridge.inbox_expired": {
			EN: "Sorry, your earlier message was delayed and could not be answered in time. Please send it again if you still need help.",
			ZH: "抱歉,您之前的消息被延误,未能及时回复。如仍需帮助,请重新发送。",
			JA: "申し訳ありません。先ほどのメッセージは処理が遅れ、時間内にお答えできませんでした。まだお困りでしたら、もう一度送信してください。",
		},
		"bridge.km_timeout": {
			EN: "Sorry, the knowledge base is taking too long to answer. Please try again.",
			ZH: "抱歉,知识库响应超时,请再试一次。",
			JA: "申し訳ありません。ナレッジベースの応答に時間がかかりすぎています。もう一度お試しください。",
		},
		"bridge.km_malformed": {
			EN: "Sorry, I got an answer I could not read. Please try again or rephrase your question.",
			ZH: "抱歉,收到的回答无法解析,请重试或换个说法。",
			JA: "申し訳ありません。回答を読み取れませんでした。もう一度お試しいただくか、言い方を変えてください。",
		},
		"bridge.km_error": {
			EN: "Sorry, something went wrong while asking the knowledge base. Please try again.",
			ZH: "抱歉,查询知识库时出错了,请再试一次。",
			JA: "申し訳ありません。ナレッジベースへの問い合わせでエラーが発生しました。もう一度お試しください。",
		},
		"bridge.internal_error": {
			EN: "Sorry, something went wrong on my side. Please try again.",
			ZH: "抱歉,系统出了点问题,请再试一次。",
			JA: "申し訳ありません。システムで問題が発生しました。もう一度お試しください。",
		},
		"bridge.no_answer": {
			EN: "Sorry, I don't have an answer to that.",
			ZH: "抱歉,我暂时无法回答这个问题。",
			JA: "申し訳ありません。その質問にはお答えできません。",
		},
		"bridge.quota_exceeded": {
			EN: "Sorry, this assistant has reached its usage limit, so it cannot answer more questions right now. Please try again later.",
			ZH: "抱歉,本助手的使用次数已达上限,暂时无法回答更多问题,请稍后再试。",
			JA: "申し訳ありません。このアシスタントは利用上限に達したため、現在これ以上お答えできません。しばらくしてからお試しください。",
		},
		"bridge.already_rated": {
			EN: "You have already rated this answer. Thank you!",
			ZH: "您已经评价过这个回答了,谢谢!",
			JA: "この回答はすでに評価済みです。ありがとうございます!",
		},
		"bridge.rated_thanks": {
			EN: "Thanks for your feedback!",
			ZH: "感谢您的反馈!",
			JA: "フィードバックありがとうございます!",
		},
		"bridge.session_rated_thanks": {
			EN: "Thank you for rating this conversation!",
			ZH: "感谢您对本次对话的评价!",
			JA: "この会話を評価していただき、ありがとうございます!",
		},
		"bridge.foreign_click": {
			EN: "Sorry, this button belongs to someone else's conversation. Ask your own question and you will get buttons of your own.",
			ZH: "抱歉,这个按钮属于其他人的对话。请直接提问,您会收到自己的按钮。",
			JA: "申し訳ありません。このボタンは他の方の会話のものです。ご自身で質問していただくと、専用のボタンが表示されます。",
		},
		// A message with files and no text, outside a hand-over: the robot
		// reads text only.
		"bridge.files_only": {
			EN: "I can only read text. Please type your question.",
			ZH: "我只能阅读文字消息。请输入您的问题。",
			JA: "テキストのメッセージしか読めません。質問を入力してください。",
		},
		"bridge.expired_button": {
			EN: "Sorry, this button has expired. Please ask your question again.",
			ZH: "抱歉,该按钮已失效,请重新提问。",
			JA: "申し訳ありません。このボタンは有効期限が切れています。もう一度ご質問ください。",
		},
		// Shown in place of a clicked group of buttons whose tokens expired
		// (the choice made shows as "✓ " and the button's label, no words).
		"bridge.retired_expired": {
			EN: "⌛ These buttons have expired.",
			ZH: "⌛ 这些按钮已失效。",
			JA: "⌛ これらのボタンは有効期限が切れています。",
		},
		"bridge.no_agents": {
			EN: "Sorry, no human agent channel is set up, so I can't connect you to a person. I'm happy to keep helping, though.",
			ZH: "抱歉,目前没有配置人工客服渠道,无法为您转接人工。我可以继续为您解答。",
			JA: "申し訳ありません。オペレーター窓口が設定されていないため、担当者におつなぎできません。引き続き私がお手伝いします。",
		},
		"bridge.escalating": {
			EN: "I'm connecting you to a human agent. A person will answer you here; until then, what you write goes to them.",
			ZH: "正在为您转接人工客服。稍后会有人在这里回复您;在此之前,您发送的内容都会转给客服。",
			JA: "オペレーターにおつなぎします。担当者がこちらで返信します。それまでの間、お送りいただいた内容は担当者に届きます。",
		},
		"bridge.offer_human": {
			EN: "I can't seem to answer that. Would you like to talk to a person?",
			ZH: "这个问题我好像答不上来。需要为您转接人工客服吗?",
			JA: "うまくお答えできないようです。担当者とお話しになりますか?",
		},
		"bridge.escalation_failed": {
			EN: "Sorry, I couldn't reach a human agent just now. Please try again in a moment.",
			ZH: "抱歉,暂时无法转接人工客服,请稍后再试。",
			JA: "申し訳ありません。ただいまオペレーターにおつなぎできませんでした。しばらくしてからもう一度お試しください。",
		},
		"bridge.reset_done": {
			EN: "Starting a new conversation.",
			ZH: "已为您开始新的对话。",
			JA: "新しい会話を始めます。",
		},
		"bridge.faq_title": {
			EN: "Frequently asked questions",
			ZH: "常见问题",
			JA: "よくある質問",
		},
		"bridge.faq_empty": {
			EN: "There are no frequently asked questions yet.",
			ZH: "暂无常见问题。",
			JA: "よくある質問はまだありません。",
		},
		"bridge.hot_title": {
			EN: "Popular questions",
			ZH: "热门问题",
			JA: "人気の質問",
		},
		"bridge.hot_empty": {
			EN: "There are no popular questions yet.",
			ZH: "暂无热门问题。",
			JA: "人気の質問はまだありません。",
		},
	}
}
