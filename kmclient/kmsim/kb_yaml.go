package kmsim

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The YAML knowledge base, as an operator writes it. Every mapping is decoded
// strictly: an unknown key is an error naming its line, so typos do not silently
// drop content. sample.yaml documents every key.

type yamlKB struct {
	Robot      yamlRobot      `yaml:"robot"`
	Matching   yamlMatching   `yaml:"matching"`
	Greeting   yamlPhrases    `yaml:"greeting"`
	Sensitive  yamlSensitive  `yaml:"sensitive"`
	Transfer   yamlPhrases    `yaml:"transfer"`
	Unknown    yamlUnknown    `yaml:"unknown"`
	Survey     yamlSurvey     `yaml:"survey"`
	Quota      yamlQuota      `yaml:"quota"`
	Limits     yamlLimits     `yaml:"limits"`
	Shortcuts  []yamlShortcut `yaml:"shortcuts"`
	Categories []yamlCategory `yaml:"categories"`
	Flows      []yamlFlow     `yaml:"flows"`
	// DatumCategories are the categories of POST /v1/datumCategories/search, which
	// datums are filed under.
	DatumCategories []yamlDatumCategory `yaml:"datumCategories"`
	Line            int                 `yaml:"-"`
}

type yamlDatumCategory struct {
	ID       int64  `yaml:"id"`
	Name     string `yaml:"name"`
	ParentID int64  `yaml:"parentId"`
	Line     int    `yaml:"-"`
}

type yamlRobot struct {
	ID               int64  `yaml:"id"`
	Name             string `yaml:"name"`
	ChannelID        int64  `yaml:"channelId"`
	ChannelName      string `yaml:"channelName"`
	ModelID          int64  `yaml:"modelId"`
	ModelKey         string `yaml:"modelKey"`
	ModelName        string `yaml:"modelName"`
	ModelDescription string `yaml:"modelDescription"`
	Welcome          string `yaml:"welcome"`
	LeadingWord      string `yaml:"leadingWord"`
	Line             int    `yaml:"-"`
}

type yamlMatching struct {
	AnswerAbove    *float64 `yaml:"answerAbove"`
	SuggestAbove   *float64 `yaml:"suggestAbove"`
	SuggestPrompt  string   `yaml:"suggestPrompt"`
	MaxSuggestions int      `yaml:"maxSuggestions"`
	Line           int      `yaml:"-"`
}

type yamlPhrases struct {
	Phrases           []string `yaml:"phrases"`
	Reply             string   `yaml:"reply"`
	SwitchStaffType   int      `yaml:"switchStaffType"`
	SwitchStaffAnswer string   `yaml:"switchStaffAnswer"`
	Line              int      `yaml:"-"`
}

type yamlSensitive struct {
	Words []string `yaml:"words"`
	Reply string   `yaml:"reply"`
	Line  int      `yaml:"-"`
}

type yamlUnknown struct {
	Reply string `yaml:"reply"`
	Line  int    `yaml:"-"`
}

type yamlSurvey struct {
	UnsatisfiedSwitchStaffType int    `yaml:"unsatisfiedSwitchStaffType"`
	UnsatisfiedTips            string `yaml:"unsatisfiedTips"`
	Line                       int    `yaml:"-"`
}

type yamlQuota struct {
	Used  int64 `yaml:"used"`
	Total int64 `yaml:"total"`
	Line  int   `yaml:"-"`
}

type yamlLimits struct {
	MaxQuestions int `yaml:"maxQuestions"`
	Line         int `yaml:"-"`
}

type yamlShortcut struct {
	Name    string `yaml:"name"`
	Type    string `yaml:"type"` // text or link
	Content string `yaml:"content"`
	Pic     string `yaml:"pic"`
	Default bool   `yaml:"default"`
	Line    int    `yaml:"-"`
}

type yamlCategory struct {
	ID        int64          `yaml:"id"`
	Name      string         `yaml:"name"`
	Hidden    bool           `yaml:"hidden"`
	Questions []yamlQuestion `yaml:"questions"`
	Line      int            `yaml:"-"`
}

type yamlQuestion struct {
	ID       int64       `yaml:"id"`
	Content  string      `yaml:"content"`
	Type     string      `yaml:"type"` // question (default) or chat
	Similar  []string    `yaml:"similar"`
	Keywords []string    `yaml:"keywords"`
	Suggest  []int64     `yaml:"suggest"`
	Hot      int         `yaml:"hot"`
	Flow     int64       `yaml:"flow"`
	Answer   *yamlAnswer `yaml:"answer"`
	Line     int         `yaml:"-"`
}

type yamlAnswer struct {
	ID                int64            `yaml:"id"`
	MsgType           string           `yaml:"msgType"`
	Content           yaml.Node        `yaml:"content"`
	Msgbox            string           `yaml:"msgbox"`
	Attachments       []yamlAttachment `yaml:"attachments"`
	SwitchStaffType   int              `yaml:"switchStaffType"`
	SwitchStaffAnswer string           `yaml:"switchStaffAnswer"`
	AnsType           int              `yaml:"ansType"`
	EnableAppraise    *bool            `yaml:"enableAppraise"`
	EncodeAsString    bool             `yaml:"encodeAsString"`
	MultipleMessage   []yamlPart       `yaml:"multipleMessage"`
	Line              int              `yaml:"-"`
}

type yamlPart struct {
	MsgType string    `yaml:"msgType"`
	Content yaml.Node `yaml:"content"`
	Line    int       `yaml:"-"`
}

type yamlAttachment struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	Size    int64  `yaml:"size"`
	Line    int    `yaml:"-"`
}

type yamlFlow struct {
	ID      int64  `yaml:"id"`
	Title   string `yaml:"title"`
	Content string `yaml:"content"`
	// Choices lead a /v1/flow call whose flowContent reads as one of the keys (a
	// task button's name) to the flow given as its value.
	Choices map[string]int64 `yaml:"choices"`
	Line    int              `yaml:"-"`
}

// Each UnmarshalYAML records the line and decodes strictly (yaml.v3's KnownFields
// does not reach nested custom unmarshalers, so strictness is done here).

func (v *yamlKB) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlKB
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "knowledge base")
}

func (v *yamlRobot) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlRobot
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "robot")
}

func (v *yamlMatching) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlMatching
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "matching")
}

func (v *yamlPhrases) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlPhrases
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "phrases")
}

func (v *yamlSensitive) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlSensitive
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "sensitive")
}

func (v *yamlUnknown) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlUnknown
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "unknown")
}

func (v *yamlSurvey) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlSurvey
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "survey")
}

func (v *yamlQuota) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlQuota
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "quota")
}

func (v *yamlLimits) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlLimits
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "limits")
}

func (v *yamlShortcut) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlShortcut
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "shortcut")
}

func (v *yamlCategory) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlCategory
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "category")
}

func (v *yamlQuestion) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlQuestion
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "question")
}

func (v *yamlAnswer) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlAnswer
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "answer")
}

func (v *yamlPart) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlPart
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "multipleMessage entry")
}

func (v *yamlAttachment) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlAttachment
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "attachment")
}

func (v *yamlFlow) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlFlow
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "flow")
}

func (v *yamlDatumCategory) UnmarshalYAML(n *yaml.Node) error {
	type plain yamlDatumCategory
	v.Line = n.Line
	return strictDecode(n, (*plain)(v), "flow")
}

// strictDecode decodes a mapping node into out (a pointer to a struct), refusing keys
// the struct does not declare.
func strictDecode(n *yaml.Node, out any, what string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s: want a mapping (key: value lines), got %s", n.Line, what, nodeKind(n))
	}
	known := yamlKeys(reflect.TypeOf(out).Elem())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Value == "<<" {
			continue
		}
		if !slices.Contains(known, k.Value) {
			return fmt.Errorf("line %d: %s: unknown key %q (known keys: %s)", k.Line, what, k.Value, strings.Join(known, ", "))
		}
	}
	return n.Decode(out)
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys = append(keys, name)
	}
	return keys
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case 0:
		return "nothing"
	}
	return "something else"
}
