package kmclient

import (
	"errors"
	"reflect"
	"testing"
)

// ans_selective_table (the structure's name in 001) and selective_table are one
// msgType, as is any msgType with its structure's ans_ prefix.
func TestMsgTypeSpellings(t *testing.T) {
	table := NewAnsContent([]byte(`{"title":"Leave","rowNumber":1,"columnNumber":2,"optionList":[{"id":1,"value":"Annual"},{"id":2,"value":"Sick"}]}`))
	var want Content
	for _, mt := range []string{"ans_selective_table", "selective_table", " ANS_Selective_Table "} {
		c, err := table.Decode(mt)
		if err != nil {
			t.Fatalf("%q: %v", mt, err)
		}
		if _, ok := c.(*SelectiveTable); !ok {
			t.Fatalf("%q decoded to %T", mt, c)
		}
		if want != nil && !reflect.DeepEqual(c, want) {
			t.Errorf("%q: %+v, want %+v", mt, c, want)
		}
		want = c
	}
	list := NewAnsContent([]byte(`{"title":"Pick","optionList":[{"id":1,"value":"A"}]}`))
	for mt, typ := range map[string]Content{"ans_selective_list": &SelectiveList{}, "ans_show_product": &ProductList{}, "ans_map": &Map{}} {
		c, err := list.Decode(mt)
		if err != nil || reflect.TypeOf(c) != reflect.TypeOf(typ) {
			t.Errorf("%q: %T %v", mt, c, err)
		}
	}
}

// An expired session is recognised by KM's message however KM words its case,
// spacing, punctuation or field prefix, never by code 400 alone.
func TestSessionExpiredMatch(t *testing.T) {
	for msg, want := range map[string]bool{
		"sessionId does not exist! Please reinitialize":             true,
		"SessionId does not exist. please reinitialize":             true,
		"SESSIONID DOES NOT EXIST!":                                 true,
		"【sessionId】sessionId  does not exist! Please reinitialize": true,
		"sessionid does not exist":                                  true,
		"Question content cannot be empty":                          false,
		"session does not exist":                                    false,
		"":                                                          false,
	} {
		err := error(&APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Code: 400, Message: msg})
		if got := errors.Is(err, ErrSessionExpired); got != want {
			t.Errorf("%q: expired = %v, want %v", msg, got, want)
		}
	}
	if !SameMessage("this reply has been evaluated", "This reply has been evaluated!") {
		t.Error("SameMessage is not case- and punctuation-blind")
	}
}
