package i18n

// escalationMessages are the escalation component's strings: the card human
// agents see in the agent channel and what the hand-over desk says there, in the
// agent channel's language; and what the desk tells the user, in the user's. Role labels
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
		"escalation.case_title": {
			EN: "🙋 Case #%s: handed to a human",
			ZH: "🙋 工单 #%s:已转人工",
			JA: "🙋 ケース #%s:有人対応へ引き継ぎ",
		},
		"escalation.thread_title": {
			EN: "Case #%[1]s: %[2]s",
			ZH: "工单 #%[1]s:%[2]s",
			JA: "ケース #%[1]s:%[2]s",
		},
		"escalation.field_case": {
			EN: "Case",
			ZH: "工单",
			JA: "ケース",
		},
		"escalation.field_status": {
			EN: "Status",
			ZH: "状态",
			JA: "状態",
		},
		"escalation.field_km_service": {
			EN: "KM customer service",
			ZH: "KM 客服",
			JA: "KM カスタマーサービス",
		},
		"escalation.km_service_status": {
			EN: "(status %d)",
			ZH: "(状态 %d)",
			JA: "(ステータス %d)",
		},
		"escalation.field_km_tips": {
			EN: "KM's transfer note",
			ZH: "KM 转人工提示",
			JA: "KM の転送メモ",
		},
		"escalation.status_open": {
			EN: "Waiting for a person since %s",
			ZH: "自 %s 起等待人工处理",
			JA: "%s から担当者を待っています",
		},
		"escalation.status_claimed": {
			EN: "Claimed by %[1]s at %[2]s",
			ZH: "%[1]s 于 %[2]s 认领",
			JA: "%[1]s が %[2]s に担当",
		},
		"escalation.status_resolved": {
			EN: "Resolved by %[1]s at %[2]s",
			ZH: "%[1]s 于 %[2]s 标记为已解决",
			JA: "%[1]s が %[2]s に解決済みにしました",
		},
		"escalation.status_robot": {
			EN: "Handed back to the robot by %[1]s at %[2]s",
			ZH: "%[1]s 于 %[2]s 转回机器人",
			JA: "%[1]s が %[2]s にボットへ戻しました",
		},
		"escalation.status_closed": {
			EN: "Closed",
			ZH: "已关闭",
			JA: "終了",
		},
		"escalation.an_agent": {
			EN: "an agent",
			ZH: "一位客服",
			JA: "担当者",
		},
		"escalation.the_user": {
			EN: "The user",
			ZH: "用户",
			JA: "ユーザー",
		},
		"escalation.button_claim": {
			EN: "Claim",
			ZH: "认领",
			JA: "担当する",
		},
		"escalation.button_resolve": {
			EN: "Resolve",
			ZH: "已解决",
			JA: "解決済みにする",
		},
		"escalation.button_robot": {
			EN: "Back to the robot",
			ZH: "转回机器人",
			JA: "ボットに戻す",
		},
		"escalation.button_save_faq": {
			EN: "Save as FAQ",
			ZH: "保存为常见问题",
			JA: "FAQ として保存",
		},
		"escalation.button_add_similar": {
			EN: "Add as similar question",
			ZH: "添加为相似问题",
			JA: "類似質問として追加",
		},
		"escalation.button_send_answer": {
			EN: "Send this answer",
			ZH: "发送此回答",
			JA: "この回答を送信",
		},
		"escalation.suggestion": {
			EN: "💡 KM suggests this reply:",
			ZH: "💡 KM 建议的回复:",
			JA: "💡 KM の回答候補:",
		},
		"escalation.from_user": {
			EN: "%s:",
			ZH: "%s:",
			JA: "%s:",
		},
		"escalation.from_user_case": {
			EN: "%[1]s · %[2]s:",
			ZH: "%[1]s · %[2]s:",
			JA: "%[1]s · %[2]s:",
		},
		"escalation.from_agent": {
			EN: "👤 %s:",
			ZH: "👤 %s:",
			JA: "👤 %s:",
		},
		"escalation.clicked": {
			EN: "[clicked: %s]",
			ZH: "[点击了:%s]",
			JA: "[クリック:%s]",
		},
		"escalation.file": {
			EN: "file",
			ZH: "文件",
			JA: "ファイル",
		},
		"escalation.file_no_link": {
			EN: "(no link available)",
			ZH: "(无可用链接)",
			JA: "(リンクなし)",
		},
		"escalation.already_connected": {
			EN: "You're already connected to our team: a person will answer you here.",
			ZH: "您已接入人工客服,客服会在这里回复您。",
			JA: "すでに担当者につながっています。担当者がこちらで返信します。",
		},
		"escalation.relay_failed": {
			EN: "Sorry, your last message could not reach our team. Please send it again in a moment.",
			ZH: "抱歉,您刚才的消息未能送达客服,请稍后重新发送。",
			JA: "申し訳ありません。直前のメッセージを担当者に届けられませんでした。少し待ってからもう一度送信してください。",
		},
		"escalation.still_waiting": {
			EN: "Thanks for waiting. Everyone on our team is busy right now, so you are still waiting for a person. What you write here reaches them, and someone will answer here as soon as they can.",
			ZH: "感谢您的耐心等待。我们的客服目前都在忙,您仍在等待人工接待。您在这里发送的内容都会转给客服,有人空闲时会尽快在这里回复您。",
			JA: "お待たせしています。ただいま担当者が全員対応中のため、引き続き担当者をお待ちいただいています。こちらに書いた内容は担当者に届いており、手が空きしだいこちらで返信します。",
		},
		"escalation.user_claimed": {
			EN: "You're now talking with %s.",
			ZH: "现在由%s为您服务。",
			JA: "%s が対応します。",
		},
		"escalation.user_resolved": {
			EN: "Your request was marked as resolved by %s. From now on the robot answers you again.",
			ZH: "您的问题已由%s标记为已解决。之后将由机器人继续为您解答。",
			JA: "%s がお問い合わせを解決済みにしました。これからはまたボットがお答えします。",
		},
		"escalation.user_robot": {
			EN: "%s handed you back to the robot: ask me anything.",
			ZH: "%s已将您转回机器人,欢迎继续提问。",
			JA: "%s がボットにおつなぎしました。何でも聞いてください。",
		},
		"escalation.rate_prompt": {
			EN: "How was your conversation with our team?",
			ZH: "您对本次人工服务满意吗?",
			JA: "担当者との会話はいかがでしたか?",
		},
		"escalation.rate_satisfied": {
			EN: "😊 Satisfied",
			ZH: "😊 满意",
			JA: "😊 満足",
		},
		"escalation.rate_neutral": {
			EN: "😐 Neutral",
			ZH: "😐 一般",
			JA: "😐 普通",
		},
		"escalation.rate_unsatisfied": {
			EN: "🙁 Unsatisfied",
			ZH: "🙁 不满意",
			JA: "🙁 不満",
		},
		"escalation.rated": {
			EN: "⭐ %[1]s rated the conversation: %[2]s",
			ZH: "⭐ %[1]s 对本次会话的评价:%[2]s",
			JA: "⭐ %[1]s の会話の評価:%[2]s",
		},
		"escalation.rated_not_in_km": {
			EN: "⭐ %[1]s rated the conversation: %[2]s (not recorded in KM: its session had expired)",
			ZH: "⭐ %[1]s 对本次会话的评价:%[2]s(未记入 KM:会话已过期)",
			JA: "⭐ %[1]s の会話の評価:%[2]s(KM には記録されていません:セッションの有効期限切れ)",
		},
		"escalation.closed_not_sent": {
			EN: "Case %[1]s has ended, so this message did not go to the user (nor will later ones here). Start a message with %[2]s to mark it as a note.",
			ZH: "工单 %[1]s 已结束,这条消息没有发送给用户(此后在这里的消息也不会发送)。以 %[2]s 开头的消息会作为内部备注。",
			JA: "ケース %[1]s は終了したため、このメッセージはユーザーに送られていません(以後ここに書いたものも送られません)。%[2]s で始めるとメモになります。",
		},
		"escalation.user_unreachable": {
			EN: "⚠️ This could not be delivered to the user of case %s. Please try again.",
			ZH: "⚠️ 无法送达工单 %s 的用户,请重试。",
			JA: "⚠️ ケース %s のユーザーに届けられませんでした。もう一度お試しください。",
		},
		"escalation.case_gone": {
			EN: "This case is no longer available.",
			ZH: "该工单已不存在。",
			JA: "このケースはもうありません。",
		},
		"escalation.already_claimed": {
			EN: "Case %[1]s is already claimed by %[2]s.",
			ZH: "工单 %[1]s 已由 %[2]s 认领。",
			JA: "ケース %[1]s はすでに %[2]s が担当しています。",
		},
		"escalation.already_closed": {
			EN: "Case %s has already ended.",
			ZH: "工单 %s 已结束。",
			JA: "ケース %s はすでに終了しています。",
		},
		"escalation.answer_sent": {
			EN: "%s sent KM's suggested reply to the user.",
			ZH: "%s 已将 KM 建议的回复发送给用户。",
			JA: "%s が KM の回答候補をユーザーに送信しました。",
		},
		"escalation.answer_already_sent": {
			EN: "This suggested reply has already been sent to the user.",
			ZH: "此建议回复已发送给用户。",
			JA: "この回答候補はすでにユーザーに送信されています。",
		},
		"escalation.capture_after_resolve": {
			EN: "Resolve the case first, then save what it taught us.",
			ZH: "请先将工单标记为已解决,再保存其中的知识。",
			JA: "先にケースを解決済みにしてから、内容を保存してください。",
		},
		"escalation.faq_already": {
			EN: "This case is already saved as FAQ question %d.",
			ZH: "该工单已保存为常见问题 %d。",
			JA: "このケースはすでに FAQ 質問 %d として保存されています。",
		},
		"escalation.faq_nothing": {
			EN: "Nothing to save yet: saving takes the user's question and an agent's answer.",
			ZH: "暂无可保存的内容:需要用户的问题和客服的回答。",
			JA: "保存できる内容がありません。ユーザーの質問と担当者の回答が必要です。",
		},
		"escalation.faq_no_category": {
			EN: "To save cases as FAQ, set escalation.kb_category_id (the KM category for new questions).",
			ZH: "要将工单保存为常见问题,请设置 escalation.kb_category_id(新问题所属的 KM 分类)。",
			JA: "ケースを FAQ として保存するには escalation.kb_category_id(新しい質問の KM カテゴリ)を設定してください。",
		},
		"escalation.faq_saved": {
			EN: "📚 Saved as FAQ question %[1]d: “%[2]s”.",
			ZH: "📚 已保存为常见问题 %[1]d:“%[2]s”。",
			JA: "📚 FAQ 質問 %[1]d として保存しました:「%[2]s」。",
		},
		"escalation.similar_already": {
			EN: "The user's wording is already a similar question of FAQ question %d.",
			ZH: "用户的说法已添加为常见问题 %d 的相似问题。",
			JA: "ユーザーの表現はすでに FAQ 質問 %d の類似質問です。",
		},
		"escalation.similar_no_match": {
			EN: "KM matched no FAQ question before the hand-over: there is nothing to add a similar question to.",
			ZH: "转人工前 KM 没有匹配到常见问题,无法添加相似问题。",
			JA: "引き継ぎ前に KM が一致させた FAQ 質問がないため、類似質問を追加できません。",
		},
		"escalation.similar_not_found": {
			EN: "KM no longer has the FAQ question “%s”.",
			ZH: "KM 中已没有常见问题“%s”。",
			JA: "KM に FAQ 質問「%s」はもうありません。",
		},
		"escalation.similar_added": {
			EN: "📚 Added “%[1]s” as a similar question of “%[2]s” (FAQ question %[3]d).",
			ZH: "📚 已将“%[1]s”添加为“%[2]s”的相似问题(常见问题 %[3]d)。",
			JA: "📚「%[1]s」を「%[2]s」(FAQ 質問 %[3]d)の類似質問として追加しました。",
		},
		"escalation.km_refused": {
			EN: "KM refused: %s",
			ZH: "KM 拒绝了请求:%s",
			JA: "KM に拒否されました:%s",
		},
		"escalation.km_failed": {
			EN: "KM could not be reached. Please try again in a moment.",
			ZH: "无法连接 KM,请稍后重试。",
			JA: "KM に接続できませんでした。少し待ってからもう一度お試しください。",
		},
		"escalation.reminder": {
			EN:    "⏰ Case %[2]s has waited %[1]d minutes for a person. Claim it so that the user knows who is helping.",
			EnOne: "⏰ Case %[2]s has waited a minute for a person. Claim it so that the user knows who is helping.",
			ZH:    "⏰ 工单 %[2]s 已等待人工 %[1]d 分钟。请认领,让用户知道由谁为其服务。",
			JA:    "⏰ ケース %[2]s は %[1]d 分間、担当者を待っています。担当して、誰が対応するかユーザーに知らせてください。",
		},
	}
}
