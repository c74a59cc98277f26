package formatting

import (
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

// attachments adds one File block per attachment.
func (c *conv) attachments(list []kmclient.Attachment) {
	for i, at := range list {
		if i == maxAttachments {
			c.more(len(list) - i)
			return
		}
		f := &File{Name: cleanLabel(at.Name), Size: max(at.Size, 0)}
		f.URL, _ = SafeImageURL(at.Address)
		if f.Name == "" && f.URL != "" {
			f.Name = fileName(f.URL)
		}
		if f.Name != "" {
			c.add(f)
		}
	}
}

// fileName is the last path segment of a URL, or the URL itself.
func fileName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if b := path.Base(u.Path); b != "." && b != "/" && b != "" {
		if s, err := url.PathUnescape(b); err == nil {
			return s
		}
		return b
	}
	return raw
}

// switchStaff adds KM's switch-to-human text, and for type 1 (recommend) a "talk to
// a human" button. Type 2 (KM wants a transfer) is the bridge's to act on.
func (c *conv) switchStaff(typ int, answer string) {
	switch typ {
	case kmclient.SwitchStaffRecommend, kmclient.SwitchStaffTransfer, kmclient.SwitchStaffMessage:
	default:
		return
	}
	if strings.TrimSpace(answer) != "" {
		c.html(answer)
	}
	if typ == kmclient.SwitchStaffRecommend {
		b := c.action(c.p.T("formatting.talk_to_human"), Action{Kind: ActEscalate, LogID: c.log})
		b.Style = StylePrimary
		c.add(&Buttons{Items: []Button{b}})
	}
}

// appraise adds the 👍/👎 buttons of surveyQuestion.
func (c *conv) appraise() {
	up := c.action(c.p.T("formatting.rate_up"), Action{Kind: ActRateAnswer, Option: 1, LogID: c.log})
	down := c.action(c.p.T("formatting.rate_down"), Action{Kind: ActRateAnswer, Option: 2, LogID: c.log})
	c.add(&Buttons{Title: c.p.T("formatting.rate_prompt"), Items: []Button{up, down}})
}

// HumanSize formats a byte count with a binary unit (B, KB, MB, GB), for showing
// attachment sizes; the units read the same in every shipped language.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(max(n, 0), 10) + " B"
	}
	units := []string{"KB", "MB", "GB", "TB"}
	v := float64(n) / unit
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if v < 10 {
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + " " + units[i]
	}
	return strconv.FormatInt(int64(v+0.5), 10) + " " + units[i]
}
