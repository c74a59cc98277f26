package kmsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"gopkg.in/yaml.v3"
)

// msgTypeKind reports whether a knowledge base may use msgType and whether its
// ansContent is an object.
func msgTypeKind(msgType string) (known, structured bool) {
	switch kmclient.NormalizeMsgType(msgType) {
	case kmclient.MsgRich, kmclient.MsgPlain, kmclient.MsgImage, kmclient.MsgAudio:
		return true, false
	}
	s := structuredTarget(msgType) != nil
	return s, s
}

func msgTypeNames() string {
	return "rich, plain, image, audio, selective_list, selective_table, show_product, " +
		"selective_product, wechat_image, link, custom_card, task_button, map, mini_apps_card " +
		"(each also with the ans_ prefix of its structure's name)"
}

// structuredTarget returns a pointer to the kmclient type that msgType's ansContent
// decodes into, so the simulator validates content with the client's own types.
func structuredTarget(msgType string) any {
	switch kmclient.NormalizeMsgType(msgType) {
	case kmclient.MsgSelectiveList:
		return &kmclient.SelectiveList{}
	case kmclient.MsgSelectiveTable:
		return &kmclient.SelectiveTable{}
	case kmclient.MsgShowProduct, kmclient.MsgSelectiveProduct:
		return &kmclient.ProductList{}
	case kmclient.MsgWechatImage:
		return &kmclient.WechatImage{}
	case kmclient.MsgLink:
		return &kmclient.Link{}
	case kmclient.MsgCustomCard:
		return &kmclient.CustomCard{}
	case kmclient.MsgTaskButton:
		return &kmclient.TaskButtons{}
	case kmclient.MsgMap:
		return &kmclient.Map{}
	case kmclient.MsgMiniAppsCard:
		return &kmclient.MiniAppCard{}
	}
	return nil
}

// nodeJSON turns a YAML content node into a JSON object: a mapping is converted, a
// scalar is taken as JSON text.
func nodeJSON(n *yaml.Node) (json.RawMessage, error) {
	if n.Kind == yaml.ScalarNode {
		t := bytes.TrimSpace([]byte(n.Value))
		if !json.Valid(t) || len(t) == 0 || t[0] != '{' {
			return nil, errors.New("want a mapping, or a JSON object as text")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, t); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("want a mapping, got %s", nodeKind(n))
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// jsonable converts what yaml.v3 decodes into what encoding/json can marshal.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonable(e)
		}
		return t
	case time.Time:
		return t.Format(time.RFC3339)
	}
	return v
}

// validateStructured checks structured content against the kmclient type, refusing
// unknown keys, and checks what a client needs to render it.
func validateStructured(msgType string, raw json.RawMessage) error {
	dst := structuredTarget(msgType)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%s content: %w", msgType, err)
	}
	switch c := dst.(type) {
	case *kmclient.SelectiveList:
		if len(c.OptionList) == 0 {
			return fmt.Errorf("%s content: optionList is empty", msgType)
		}
	case *kmclient.SelectiveTable:
		if len(c.OptionList) == 0 {
			return fmt.Errorf("%s content: optionList is empty", msgType)
		}
		if c.ColumnNumber <= 0 {
			return fmt.Errorf("%s content: columnNumber must be at least 1", msgType)
		}
	case *kmclient.ProductList:
		if len(c.ProductList) == 0 {
			return fmt.Errorf("%s content: productList is empty", msgType)
		}
		for i, p := range c.ProductList {
			if p.ID == 0 || p.Name == "" {
				return fmt.Errorf("%s content: productList[%d] needs an id and a name", msgType, i)
			}
		}
	case *kmclient.WechatImage:
		if c.AnswerURL == "" {
			return fmt.Errorf("%s content: answerUrl is required", msgType)
		}
	case *kmclient.Link:
		if c.AnswerURL == "" {
			return fmt.Errorf("%s content: answerUrl is required", msgType)
		}
	case *kmclient.CustomCard:
		if len(c.CardList) == 0 {
			return fmt.Errorf("%s content: cardList is empty", msgType)
		}
		for i, card := range c.CardList {
			switch {
			case card.Type != kmclient.CardRich && card.Type != kmclient.CardFAQList:
				return fmt.Errorf("%s content: cardList[%d].type must be 1 (rich card) or 2 (FAQ list)", msgType, i)
			case card.Type == kmclient.CardRich && card.IsHit == 1 && (card.HitType < 1 || card.HitType > 3):
				return fmt.Errorf("%s content: cardList[%d].hitType must be 1, 2 or 3", msgType, i)
			case card.Type == kmclient.CardRich && card.IsHit == 1 && card.HitType != kmclient.CardHitSendContent && card.HitContent == "":
				return fmt.Errorf("%s content: cardList[%d].hitContent is required", msgType, i)
			case card.Type == kmclient.CardFAQList && len(card.SuggestList) == 0:
				return fmt.Errorf("%s content: cardList[%d].suggestList is empty", msgType, i)
			}
		}
	case *kmclient.TaskButtons:
		if len(c.Buttons) == 0 {
			return fmt.Errorf("%s content: buttons is empty", msgType)
		}
		for i, b := range c.Buttons {
			switch {
			case b.ButtonName == "":
				return fmt.Errorf("%s content: buttons[%d].buttonName is required", msgType, i)
			case b.NextActionType != kmclient.NextNode && b.NextActionType != kmclient.OpenLink:
				return fmt.Errorf("%s content: buttons[%d].nextActionType must be NEXT_NODE or OPEN_LINK", msgType, i)
			case b.NextActionType == kmclient.OpenLink && b.LinkAddress == "":
				return fmt.Errorf("%s content: buttons[%d] is OPEN_LINK without linkAddress", msgType, i)
			case b.DisplayLocationType != "" && b.DisplayLocationType != kmclient.DefaultPos && b.DisplayLocationType != kmclient.InputBoxAbove:
				return fmt.Errorf("%s content: buttons[%d].displayLocationType must be DEFAULT_POSITION or INPUT_BOX_ABOVE", msgType, i)
			}
		}
	case *kmclient.Map:
		if _, _, ok := c.LatLng(); !ok {
			return fmt.Errorf("%s content: location %q is not \"lat,lng\"", msgType, c.Location)
		}
	case *kmclient.MiniAppCard:
		if c.AppID == "" {
			return fmt.Errorf("%s content: appId is required", msgType)
		}
	}
	return nil
}

// contentText is the text form of string content, for logs and streaming.
func contentText(msgType, text, msgbox string) string {
	switch msgType {
	case kmclient.MsgRich:
		return plainText(text)
	case kmclient.MsgAudio:
		if msgbox != "" {
			return msgbox
		}
	}
	return strings.TrimSpace(text)
}
