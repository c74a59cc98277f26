package bridge

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kmbridge/kmbridge/formatting"
)

// The inbox's JSON form of an event. It is a stored format, read back after a
// restart or by another replica: add fields, never rename one. Rich text uses
// formatting.Rich's own tagged form.

// Event kinds of the JSON form.
const (
	evMessage = "message"
	evClick   = "click"
	evCommand = "command"
)

type eventJSON struct {
	Kind string   `json:"kind"`
	Key  ConvKey  `json:"key"`
	User UserInfo `json:"user"`

	// Message.
	Text    string          `json:"text,omitempty"`
	ID      string          `json:"id,omitempty"`
	Rich    formatting.Rich `json:"rich,omitempty"`
	Files   []Attachment    `json:"files,omitempty"`
	ReplyTo string          `json:"reply_to,omitempty"`

	// Click.
	Token string  `json:"token,omitempty"`
	Ref   *MsgRef `json:"ref,omitempty"`

	// Command.
	Name string `json:"name,omitempty"`
	Arg  string `json:"arg,omitempty"`
}

// encodeEvent gives an event's inbox form.
func encodeEvent(ev Event) (json.RawMessage, error) {
	var j eventJSON
	switch e := ev.(type) {
	case Message:
		j = eventJSON{Kind: evMessage, Key: e.Key, User: e.User, Text: e.Text, ID: e.ID,
			Rich: e.Rich, Files: e.Files, ReplyTo: e.ReplyTo}
	case Click:
		j = eventJSON{Kind: evClick, Key: e.Key, User: e.User, Token: e.Token}
		if e.Ref != (MsgRef{}) {
			j.Ref = &e.Ref
		}
	case Command:
		j = eventJSON{Kind: evCommand, Key: e.Key, User: e.User, Name: e.Name, Arg: e.Arg}
	default:
		return nil, fmt.Errorf("bridge: encode event: unknown event type %T", ev)
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("bridge: encode %s: %w", j.Kind, err)
	}
	return b, nil
}

var errEventKind = errors.New("bridge: decode event: unknown kind")

// decodeEvent reads an event from its inbox form.
func decodeEvent(b []byte) (Event, error) {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("bridge: decode event: %w", err)
	}
	switch j.Kind {
	case evMessage:
		return Message{Key: j.Key, User: j.User, Text: j.Text, ID: j.ID, Rich: j.Rich, Files: j.Files, ReplyTo: j.ReplyTo}, nil
	case evClick:
		c := Click{Key: j.Key, User: j.User, Token: j.Token}
		if j.Ref != nil {
			c.Ref = *j.Ref
		}
		return c, nil
	case evCommand:
		return Command{Key: j.Key, User: j.User, Name: j.Name, Arg: j.Arg}, nil
	}
	return nil, fmt.Errorf("%w %q", errEventKind, j.Kind)
}
