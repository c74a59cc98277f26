// Package webfmt renders formatting Messages for kmbridge's web chat as a JSON
// document. HTML fields are safe to insert with innerHTML: every string is escaped
// and the only markup is webfmt's own (see Validate). All other string fields are
// plain text, for textContent, never for innerHTML. URLs are absolute http/https
// (links also mailto/tel). No inline script, style attribute or event handler is
// ever produced.
package webfmt

// Msg is one bot message for the browser.
type Msg struct {
	// HTML is the whole message as static HTML (text, images, cards, products,
	// places, audio and files as links, URL buttons as links; action buttons are
	// left out): for transcripts and clients without widgets.
	HTML string `json:"html"`
	// Parts is the message in order, for the live widget: "html" parts to insert
	// as they are and structured parts to build interactive elements from.
	Parts []Part `json:"parts"`
	// InputHints are buttons to show above the input box.
	InputHints []Button `json:"inputHints,omitempty"`
}

// Part kinds.
const (
	KindHTML     = "html"
	KindButtons  = "buttons"
	KindSelect   = "select"
	KindCard     = "card"
	KindProducts = "products"
	KindLocation = "location"
	KindAudio    = "audio"
	KindFile     = "file"
	KindDivider  = "divider"
)

// Part is one part of a message; Kind says which field is set.
type Part struct {
	Kind string `json:"kind"`
	// HTML is set for kind "html" (text and images).
	HTML string `json:"html,omitempty"`
	// Context marks secondary text to show small.
	Context  bool      `json:"context,omitempty"`
	Buttons  *Buttons  `json:"buttons,omitempty"`
	Select   *Select   `json:"select,omitempty"`
	Card     *Card     `json:"card,omitempty"`
	Products *Products `json:"products,omitempty"`
	Location *Location `json:"location,omitempty"`
	Audio    *Audio    `json:"audio,omitempty"`
	File     *File     `json:"file,omitempty"`
}

// Button is an action button (Token, posted back on click) or a link (URL).
type Button struct {
	Label string `json:"label"`
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty"`
	// Style is "", "primary" or "danger".
	Style string `json:"style,omitempty"`
}

// Buttons is a group of buttons with an optional title; Columns suggests a grid.
type Buttons struct {
	Title       string   `json:"title,omitempty"`
	Items       []Button `json:"items"`
	Columns     int      `json:"columns,omitempty"`
	Placeholder string   `json:"placeholder,omitempty"`
}

// Select is a choice menu.
type Select struct {
	Placeholder string   `json:"placeholder,omitempty"`
	Options     []Button `json:"options"`
}

// Card is a titled box; BodyHTML and field values are safe HTML.
type Card struct {
	Title    string   `json:"title,omitempty"`
	Subtitle string   `json:"subtitle,omitempty"`
	URL      string   `json:"url,omitempty"`
	ImageURL string   `json:"imageUrl,omitempty"`
	IconURL  string   `json:"iconUrl,omitempty"`
	BodyHTML string   `json:"bodyHtml,omitempty"`
	Fields   []Field  `json:"fields,omitempty"`
	Buttons  []Button `json:"buttons,omitempty"`
}

// Field is a label and a safe-HTML value.
type Field struct {
	Label     string `json:"label"`
	ValueHTML string `json:"valueHtml"`
}

// Products is one page of a product list with its paging buttons.
type Products struct {
	Title     string  `json:"title,omitempty"`
	Items     []Card  `json:"items"`
	Page      int     `json:"page"`
	Pages     int     `json:"pages"`
	PageLabel string  `json:"pageLabel,omitempty"`
	Prev      *Button `json:"prev,omitempty"`
	Next      *Button `json:"next,omitempty"`
}

// Location is a place; MapURL opens it in a web map.
type Location struct {
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	Lat       float64 `json:"lat,omitempty"`
	Lng       float64 `json:"lng,omitempty"`
	HasCoords bool    `json:"hasCoords,omitempty"`
	MapURL    string  `json:"mapUrl,omitempty"`
}

// Audio is a playable sound.
type Audio struct {
	URL     string `json:"url"`
	Caption string `json:"caption,omitempty"`
}

// File is an attachment; URL is empty when KM gave no usable address.
type File struct {
	Name     string `json:"name"`
	URL      string `json:"url,omitempty"`
	Size     int64  `json:"size,omitempty"`
	SizeText string `json:"sizeText,omitempty"`
}
