package bridge

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
)

// The adapter layer's one contract.
//
// Every adapter is built as New(cfg, host, opts…) and talks to the core only
// through Host: it hands over what the platform delivered (Deliver), asks for
// what it shows outside an answer (Mint, Suggest, Home) and asks whether a
// thread is one the bridge takes part in (Joined). The core talks back through
// the Adapter interface and the optional abilities below (Typer, Editor,
// Retirer, ThreadStarter, CommandPrefixer). Nothing else crosses: no adapter
// reads the store, imports kmclient or builds lists from KM itself.
//
// Delivery rules, the same on every platform:
//   - Deliver claims the delivery id (dedupe), makes the event durable and
//     queues it, before it returns. The adapter acknowledges the platform only
//     when Ack(err) is true.
//   - A redelivery of an accepted id returns ErrDuplicate: acknowledge, do
//     nothing else.
//   - ErrBusy: refused, and the user has been told; acknowledge (a redelivery
//     would be refused again).
//   - ErrClosed (shutting down) or any other error: not accepted, and the claim
//     has been released; do not acknowledge, so the platform delivers again
//     (Slack: HTTP 503; Telegram: do not confirm the update / answer 503;
//     Discord: do not answer the interaction; web: tell the browser to resend).

// Host is the core as every adapter sees it. *Core implements it;
// bridgetest.Host is a recording fake for adapter unit tests.
type Host interface {
	// Deliver hands one inbound event to the core; see the delivery rules above.
	// It returns once the event is safe (claimed, durable, queued), never after
	// it has been answered, and within Config.SeenTimeout plus the store's
	// write: adapters call it before they acknowledge.
	Deliver(ctx context.Context, d Delivery) error

	// Mint gives tokens for buttons an adapter builds itself (a home screen, a
	// typeahead's own option). tokens only mints, so rendering stays pure; save
	// stores what was minted since the last save: call it before the message
	// carrying the buttons leaves, and do not send the message when it fails. A
	// click on such a button is an ordinary Click, refused outside key and, when
	// owner is set, from anyone but owner. A key of only the Platform with no
	// owner mints shared buttons, which any conversation of the platform may
	// click (the web chat's welcome, shown to every visitor).
	Mint(key ConvKey, owner string, life TokenLife) (tokens formatting.Tokens, save func(context.Context) error)

	// Suggest returns typeahead suggestions (KM smartHint) as buttons whose
	// tokens are already stored. It is request/response, not queued.
	Suggest(ctx context.Context, key ConvKey, user UserInfo, query string) ([]formatting.Button, error)

	// Home is what a home screen shows the user (Slack App Home, assistant
	// prompts): the FAQ categories and hot questions as shared buttons (the
	// same for everyone of key's platform), already stored. Parts KM could not give are empty; err is
	// set only when nothing at all could be built.
	Home(ctx context.Context, key ConvKey, user UserInfo) (HomeContent, error)

	// Joined reports whether the bridge takes part in the thread of key (the
	// bot answered there, or it is a hand-over case thread), so a message there
	// is for the bridge without a mention. It survives restarts and is shared by
	// replicas.
	Joined(ctx context.Context, key ConvKey) (bool, error)
}

// Delivery is one inbound event as the platform delivered it.
type Delivery struct {
	// ID is the platform's id of this delivery, unique per platform (Slack
	// event_id or the interaction's trigger, Telegram update_id, Discord message
	// or interaction id, the web client's message id). "" turns dedupe off for
	// this event (a platform that never redelivers).
	ID string
	// Event is what happened.
	Event Event
}

// ErrDuplicate is Deliver's answer to a redelivery of an accepted event.
var ErrDuplicate = errors.New("bridge: duplicate delivery")

// Ack reports whether an adapter should acknowledge a delivery to the platform
// after Deliver returned err: true for success, ErrDuplicate and ErrBusy.
func Ack(err error) bool {
	return err == nil || errors.Is(err, ErrDuplicate) || errors.Is(err, ErrBusy)
}

// TokenLife is how long minted buttons keep working.
type TokenLife int

// Token lives.
const (
	LifeButton     TokenLife = iota // Config.ActionTTL: buttons in messages
	LifeSuggestion                  // Config.SuggestTTL: typeahead options, minted per keystroke
)

// HomeContent is what Host.Home builds.
type HomeContent struct {
	FAQ formatting.Message // FAQ categories as buttons; empty when there are none
	Hot formatting.Message // hot questions as buttons; empty when there are none
	// Prompts are the hot questions as plain text, for platforms that offer
	// them as suggested prompts rather than buttons.
	Prompts []string
}

// Retirer is an optional Adapter ability, the one retirement policy's
// mechanics. After a click the core decides (from the action's kind and the
// click's outcome, see ClickStatus) whether the clicked group of buttons is
// retired; the adapter only finds the group that holds r.Token in the message
// at r.Ref and replaces it, through its renderer, with r.Shown, leaving every
// other group usable. Retire runs on the conversation's worker: be quick, and
// treat "nothing to change" as success.
type Retirer interface {
	Retire(ctx context.Context, r Retirement) error
}

// Retirement says how to retire one clicked group of buttons.
type Retirement struct {
	Ref   MsgRef // the message that carried the clicked button
	Token string // the clicked button's token: it names the group
	// Shown replaces the group: "✓ <label>" for a choice, the catalogue's
	// "expired" words for an expired click. Already in the user's language.
	Shown string
	// Expired is set when the click was on an expired or unknown button.
	Expired bool
}

// ThreadStarter is an optional Adapter ability: post m as the root of a new
// thread and return the thread's conversation key (Slack: thread_ts = the
// post's ts; Discord: a thread started from the post; Telegram: a forum topic
// named title when the chat is a forum, else a reply chain under the post).
// Messages sent to the returned key land in that thread, and messages people
// write there arrive as events with that key. The hand-over uses it for case
// threads in the agents' channel.
type ThreadStarter interface {
	StartThread(ctx context.Context, in ConvKey, title string, m formatting.Message) (thread ConvKey, root MsgRef, err error)
}

// Greeter is an optional Adapter ability: the adapter greets every new user
// itself before they write (the web chat's shared welcome, built from Home),
// so the core sends no KM welcome at a conversation's first contact. A reset
// still shows KM's.
type Greeter interface {
	Greets() bool
}

// Router is where adapters mount their HTTP endpoints; *httpserver.Server
// implements it.
type Router interface {
	Handle(pattern string, h http.Handler)
	HandleLimit(pattern string, h http.Handler, maxBodyBytes int64)
}

// RouteMounter is an optional Adapter ability: an adapter with HTTP endpoints
// (webhooks, interactions, the web chat) mounts them on the shared server.
type RouteMounter interface {
	Routes(r Router)
}

// Attachment is a file or image a user sent with a message, as a link the
// bridge can show to agents. URL must not carry a credential (a Telegram file
// URL holds the bot token: adapters link through the bridge instead).
type Attachment struct {
	Name string // file name, when the platform gives one
	MIME string // content type, when known
	URL  string // where it can be fetched; "" when there is no safe link
	Size int64  // bytes, 0 when unknown
}

// DefaultDeliverTimeout bounds Deliver when the caller's context has no
// deadline: platforms want an acknowledgement within a few seconds.
const DefaultDeliverTimeout = 2 * time.Second
