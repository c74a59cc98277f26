package i18n

// formattingMessages are the formatting component's strings: headings, button labels
// and notices that formatting adds around KM's own content.
func formattingMessages() map[MsgID]Entry {
	return map[MsgID]Entry{
		"formatting.related_questions": {
			EN: "Related questions",
			ZH: "相关问题",
			JA: "関連する質問",
		},
		"formatting.did_you_mean": {
			EN: "Did you mean:",
			ZH: "您是不是想问:",
			JA: "もしかして:",
		},
		"formatting.hot_questions": {
			EN: "Popular questions",
			ZH: "热门问题",
			JA: "よくある人気の質問",
		},
		"formatting.rate_prompt": {
			EN: "Was this answer helpful?",
			ZH: "这个回答对您有帮助吗?",
			JA: "この回答は役に立ちましたか?",
		},
		"formatting.rate_up": {
			EN: "👍 Helpful",
			ZH: "👍 有帮助",
			JA: "👍 役に立った",
		},
		"formatting.rate_down": {
			EN: "👎 Not helpful",
			ZH: "👎 没帮助",
			JA: "👎 役に立たなかった",
		},
		"formatting.talk_to_human": {
			EN: "Talk to a human",
			ZH: "转人工客服",
			JA: "オペレーターと話す",
		},
		"formatting.prev_page": {
			EN: "◀ Previous",
			ZH: "◀ 上一页",
			JA: "◀ 前へ",
		},
		"formatting.next_page": {
			EN: "Next ▶",
			ZH: "下一页 ▶",
			JA: "次へ ▶",
		},
		"formatting.page_of": {
			EN: "Page %d of %d",
			ZH: "第 %d 页,共 %d 页",
			JA: "%[2]d ページ中 %[1]d ページ目",
		},
		"formatting.choose": {
			EN: "Choose",
			ZH: "选择",
			JA: "選択",
		},
		"formatting.choose_placeholder": {
			EN: "Choose…",
			ZH: "请选择…",
			JA: "選択してください…",
		},
		"formatting.open_link": {
			EN: "Open link",
			ZH: "打开链接",
			JA: "リンクを開く",
		},
		"formatting.more_items": {
			EN: "…and %d more",
			ZH: "……还有 %d 项",
			JA: "…ほか %d 件",
		},
		"formatting.unsupported": {
			EN: "This message (%s) can't be shown here.",
			ZH: "此消息(%s)无法在这里显示。",
			JA: "このメッセージ(%s)はここでは表示できません。",
		},
	}
}
