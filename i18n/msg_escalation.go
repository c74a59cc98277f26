package i18n

// escalationMessages are the escalation component's strings: the card human
// agents see in the agent channel, in the agent channel's language. Role labels
// carry their own colon because Chinese and Japanese use the full-width one.
func escalationMessages() map[MsgID]Entry {
	return map[MsgID]Entry{
		"escalation.title": {
			EN: "🙋 Conversation handed to a human",
			ZH: "🙋 会话已转人工",
			JA: "🙋 有人対応への引き継ぎ",
		},
		"escalation.reason_user": {
			EN: "The user asked to talk to a human.",
			ZH: "用户要求转人工客服。",
			JA: "ユーザーがオペレーターとの会話を希望しました。",
		},
		"escalation.reason_km_transfer": {
			EN: "The knowledge base recognised a request for a human (transfer intent).",
			ZH: "知识库识别到转人工意图。",
			JA: "ナレッジベースが有人対応の希望(転送インテント)を検出しました。",
		},
		"escalation.reason_switch_staff": {
			EN: "A knowledge-base rule hands this question to a human.",
			ZH: "知识库的转人工规则将此问题转交人工处理。",
			JA: "ナレッジベースの有人切替ルールにより、この質問は有人対応になります。",
		},
		"escalation.reason_other": {
			EN: "Handed over for another reason (%s).",
			ZH: "因其他原因转交(%s)。",
			JA: "その他の理由で引き継がれました(%s)。",
		},
		"escalation.field_user": {
			EN: "User",
			ZH: "用户",
			JA: "ユーザー",
		},
		"escalation.field_user_id": {
			EN: "User ID",
			ZH: "用户 ID",
			JA: "ユーザー ID",
		},
		"escalation.field_email": {
			EN: "Email",
			ZH: "邮箱",
			JA: "メール",
		},
		"escalation.field_language": {
			EN: "User's language",
			ZH: "用户语言",
			JA: "ユーザーの言語",
		},
		"escalation.field_platform": {
			EN: "Platform",
			ZH: "平台",
			JA: "プラットフォーム",
		},
		"escalation.field_workspace": {
			EN: "Workspace",
			ZH: "工作区",
			JA: "ワークスペース",
		},
		"escalation.field_channel": {
			EN: "Channel",
			ZH: "频道",
			JA: "チャンネル",
		},
		"escalation.field_thread": {
			EN: "Thread",
			ZH: "话题",
			JA: "スレッド",
		},
		"escalation.field_session": {
			EN: "KM session",
			ZH: "KM 会话",
			JA: "KM セッション",
		},
		"escalation.no_name": {
			EN: "(no name given)",
			ZH: "(未提供名称)",
			JA: "(名前なし)",
		},
		"escalation.no_session": {
			EN: "none yet",
			ZH: "尚未建立",
			JA: "まだありません",
		},
		"escalation.lang_en": {
			EN: "English",
			ZH: "英语",
			JA: "英語",
		},
		"escalation.lang_zh": {
			EN: "Chinese",
			ZH: "中文",
			JA: "中国語",
		},
		"escalation.lang_ja": {
			EN: "Japanese",
			ZH: "日语",
			JA: "日本語",
		},
		"escalation.unknown": {
			EN: "not known",
			ZH: "未知",
			JA: "不明",
		},
		"escalation.platform_web": {
			EN: "Web chat",
			ZH: "网页聊天",
			JA: "Web チャット",
		},
		"escalation.platform_slack": {
			EN: "Slack",
			ZH: "Slack",
			JA: "Slack",
		},
		"escalation.platform_telegram": {
			EN: "Telegram",
			ZH: "Telegram",
			JA: "Telegram",
		},
		"escalation.platform_discord": {
			EN: "Discord",
			ZH: "Discord",
			JA: "Discord",
		},
		"escalation.transcript_title": {
			EN: "Conversation so far",
			ZH: "对话记录",
			JA: "これまでの会話",
		},
		"escalation.transcript_all": {
			EN:    "All %[1]d turns, oldest first. Times are %[2]s.",
			EnOne: "One turn. Time is %[2]s.",
			ZH:    "共 %[1]d 条,最早的在前。时间为 %[2]s。",
			JA:    "全 %[1]d 件、古い順。時刻は %[2]s。",
		},
		"escalation.transcript_last": {
			EN:    "The last %[1]d of %[2]d turns, oldest first; earlier ones are not shown. Times are %[3]s.",
			EnOne: "The last of %[2]d turns; earlier ones are not shown. Time is %[3]s.",
			ZH:    "共 %[2]d 条,显示最近 %[1]d 条,最早的在前;更早的未显示。时间为 %[3]s。",
			JA:    "全 %[2]d 件のうち直近 %[1]d 件、古い順(それ以前は省略)。時刻は %[3]s。",
		},
		"escalation.transcript_empty": {
			EN: "Nothing was said before the hand-over.",
			ZH: "转交前没有对话记录。",
			JA: "引き継ぎ前の会話記録はありません。",
		},
		"escalation.role_user": {
			EN: "User:",
			ZH: "用户:",
			JA: "ユーザー:",
		},
		"escalation.role_bot": {
			EN: "Bot:",
			ZH: "机器人:",
			JA: "ボット:",
		},
		"escalation.role_click": {
			EN: "Clicked:",
			ZH: "点击:",
			JA: "クリック:",
		},
		"escalation.role_note": {
			EN: "Note:",
			ZH: "备注:",
			JA: "メモ:",
		},
		"escalation.note_silent": {
			EN: "the bot stayed silent",
			ZH: "机器人未回复",
			JA: "ボットは応答しませんでした",
		},
		"escalation.note_asked_human": {
			EN: "the user asked for a human",
			ZH: "用户要求转人工",
			JA: "ユーザーが有人対応を希望",
		},
		"escalation.note_reset": {
			EN: "the user started over",
			ZH: "用户重新开始了会话",
			JA: "ユーザーが会話をリセット",
		},
		"escalation.note_escalated": {
			EN: "handed to a human before",
			ZH: "此前已转人工",
			JA: "以前に有人対応へ引き継ぎ済み",
		},
	}
}
