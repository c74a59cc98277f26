package escalation_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
)

// handOver has the user ask KM, then for a person, and returns the case's
// thread and card.
func (w *world) handOver(t *testing.T, n int) (bridgetest.Thread, bridgetest.Sent) {
	t.Helper()
	userKey, hanako := userOn(w.users.Name())
	// A question first, so that the conversation has a KM session to rate.
	w.say(t, userKey, hanako, "What is the Wi-Fi password?")
	w.handle(t, bridge.Command{Key: userKey, User: hanako, Name: "human"})
	th := w.thread(t, n)
	for _, s := range w.agents.SentTo(w.channel) {
		if s.Ref == th.Root {
			return th, s
		}
	}
	t.Fatal("no card for the thread")
	return th, bridgetest.Sent{}
}

// TestAutoHandoverOnSwitchStaff: KM's switchStaffType 2 hands over without
// the user asking; the card says why.
func TestAutoHandoverOnSwitchStaff(t *testing.T) {
	w := newWorld(t, worldOpts{})
	userKey, hanako := userOn("telegram")
	w.say(t, userKey, hanako, "I want to report harassment")
	th := w.thread(t, 1)
	card := formatting.Dump(w.agents.SentTo(w.channel)[0].Msg)
	if !strings.Contains(card, w.cat.Printer("en").T("escalation.reason_switch_staff")) {
		t.Errorf("card:\n%s", card)
	}
	waitFor(t, w.users, userKey, w.cat.Printer("en").T("bridge.escalating"))
	w.say(t, userKey, hanako, "it happened again today")
	waitFor(t, w.agents, th.Key, "Hanako: it happened again today")
}

// TestUnclaimedReminder: on the desk's clock, an unclaimed case gets one
// reminder in its thread and one honest word to the user; a second pass and a
// second replica (another desk on the same store) send nothing more; a claimed
// case is never reminded of.
func TestUnclaimedReminder(t *testing.T) {
	w := newWorld(t, worldOpts{unclaimed: 5 * time.Minute})
	ctx := context.Background()
	userKey, _ := userOn("telegram")
	th, _ := w.handOver(t, 1)
	waitFor(t, w.users, userKey, w.cat.Printer("en").T("bridge.escalating"))
	if n, err := w.desk.Remind(ctx); n != 0 || err != nil {
		t.Fatalf("reminded at once: %d %v", n, err)
	}
	w.clock.Add(4 * time.Minute)
	if n, _ := w.desk.Remind(ctx); n != 0 {
		t.Fatal("reminded after 4 minutes")
	}
	w.clock.Add(time.Minute)
	// Another replica on the same store races this one: one reminder in all.
	other, err := escalation.NewDesk(escalation.Options{Agents: w.channel, Store: w.store, KM: w.km, Catalog: w.cat, Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	other.Bind(w.core.Outbox())
	var total atomic.Int32
	done := make(chan struct{})
	go func() {
		n, _ := other.Remind(ctx)
		total.Add(int32(n))
		close(done)
	}()
	n, err := w.desk.Remind(ctx)
	<-done
	if err != nil || int(total.Load())+n != 1 {
		t.Fatalf("reminders sent: %d + %d (%v), want 1", n, total.Load(), err)
	}
	waitFor(t, w.agents, th.Key, "has waited 5 minutes")
	waitFor(t, w.users, userKey, w.cat.Printer("en").T("escalation.still_waiting"))
	w.clock.Add(time.Hour)
	if n, _ := w.desk.Remind(ctx); n != 0 {
		t.Error("reminded twice")
	}

	// A claimed case: no reminder.
	w2 := newWorld(t, worldOpts{unclaimed: time.Minute})
	_, card := w2.handOver(t, 1)
	w2.click(t, w2.channel, alice, button(t, card.Msg, "Claim"))
	waitEdit(t, w2.agents, card.Ref, "Claimed by Alice")
	w2.clock.Add(time.Hour)
	if n, _ := w2.desk.Remind(ctx); n != 0 {
		t.Error("a claimed case was reminded of")
	}
}

// TestRunRemindsAndStops: the desk's loop reminds on its ticker and returns
// when its context ends.
func TestRunRemindsAndStops(t *testing.T) {
	w := newWorld(t, worldOpts{unclaimed: time.Minute})
	th, _ := w.handOver(t, 1)
	w.clock.Add(2 * time.Minute)
	d, err := escalation.NewDesk(escalation.Options{Agents: w.channel, Store: w.store, KM: w.km, Catalog: w.cat,
		Now: w.clock.Now, RemindEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d.Bind(w.core.Outbox())
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.Run(ctx) }()
	waitFor(t, w.agents, th.Key, "has waited 2 minutes")
	cancel()
	if err := <-errc; err != nil {
		t.Error(err)
	}
}

// TestRestartKeepsRelay: the memory store's snapshot keeps a case across a
// restart: the user's next message reaches the thread, an agent's reply the
// user, through a new core and desk.
func TestRestartKeepsRelay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st1, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	km := newKM(t)
	w1 := newWorld(t, worldOpts{store: st1, km: km})
	userKey, hanako := userOn("telegram")
	th, _ := w1.handOver(t, 1)
	waitFor(t, w1.users, userKey, w1.cat.Printer("en").T("bridge.escalating"))
	w1.say(t, userKey, hanako, "before the restart")
	waitFor(t, w1.agents, th.Key, "Hanako: before the restart")
	w1.shutdown() // writes the snapshot

	st2, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	w2 := newWorld(t, worldOpts{store: st2, km: km})
	// The relayed message left the inbox: replaying it relays nothing again.
	if n, err := w2.core.Replay(context.Background()); n != 0 || err != nil {
		t.Errorf("replayed %d events (%v) after a clean shutdown", n, err)
	}
	chats := w2.calls(chatRoute)
	if ok, err := w2.core.Joined(context.Background(), th.Key); !ok || err != nil {
		t.Errorf("after the restart the case thread is not joined: %v %v", ok, err)
	}
	w2.say(t, userKey, hanako, "still there?")
	waitFor(t, w2.agents, th.Key, "Hanako: still there?")
	w2.say(t, th.Key, alice, "Yes, looking into it")
	waitFor(t, w2.users, userKey, "Alice: Yes, looking into it")
	if w2.calls(chatRoute) != chats {
		t.Error("KM was asked after the restart")
	}
}

// TestNotHandedOverNeverReachesAgents: a user who was never handed over is
// the robot's; a stranger writing in a thread with a case thread's id in
// another channel is not relayed (the robot answers there as anywhere).
func TestNotHandedOverNeverReachesAgents(t *testing.T) {
	w := newWorld(t, worldOpts{users: "slack", agents: "slack"})
	th, _ := w.handOver(t, 1)
	userKey, _ := userOn("slack")
	waitFor(t, w.users, userKey, w.cat.Printer("en").T("bridge.escalating"))
	before := len(w.users.SentTo(userKey))
	posts := len(w.agents.SentTo(th.Key))
	other, ann := bridge.DMKey("slack", "T1", "D-ANN", "U-ANN"), bridge.UserInfo{ID: "U-ANN", Name: "Ann"}
	w.say(t, other, ann, "How do I reset my password?")
	waitFor(t, w.agents, other, "Reset your password")
	stranger := th.Key
	stranger.Channel = "C-RANDOM"
	w.say(t, stranger, ann, "hello from another channel")
	w.agents.WaitSent(t, stranger, 1, wait) // the robot's answer
	if got := w.users.SentTo(userKey); len(got) != before {
		t.Errorf("the handed-over user got %q", bridgetest.Texts(got[before:]))
	}
	if got := w.agents.SentTo(th.Key); len(got) != posts {
		t.Errorf("the case thread got %q", bridgetest.Texts(got[posts:]))
	}
	for _, s := range w.agents.SentTo(w.channel) {
		if s.Ref != w.agents.Threads()[0].Root {
			t.Errorf("the agents' channel got %q", s.Text())
		}
	}
}

// TestThreadlessAgents: an agents' adapter that cannot start threads gets the
// card as a plain post; agents answer by replying to any of the bridge's
// posts for the case (Telegram reply chains), and messages that reply to
// nothing of a case are the robot's.
func TestThreadlessAgents(t *testing.T) {
	w := newWorld(t, worldOpts{agents: "telegram", users: "web", agentsChannel: "-100777", noThreads: true})
	userKey, hanako := userOn("web")
	w.handle(t, bridge.Command{Key: userKey, User: hanako, Name: "human"})
	card := w.agents.WaitSent(t, w.channel, 1, wait)[0]
	if !strings.Contains(card.Text(), "Case #1") {
		t.Fatalf("card: %s", card.Text())
	}
	w.say(t, userKey, hanako, "my screen is blank")
	relayed := waitFor(t, w.agents, w.channel, "#1 · Hanako: my screen is blank")
	agentsGroup := w.channel
	for i, replyTo := range []string{card.Ref.ID, relayed.Ref.ID} {
		text := []string{"Which screen?", "Try unplugging it"}[i]
		w.handle(t, bridge.Message{Key: agentsGroup, User: alice, Text: text, ReplyTo: replyTo, ID: "a" + text})
		waitFor(t, w.users, userKey, "Alice: "+text)
	}
	// Claim works on the plain card too.
	w.click(t, w.channel, alice, button(t, card.Msg, "Claim"))
	waitEdit(t, w.agents, card.Ref, "Claimed by Alice")
}

// TestPostFailures: a user's message the agents' platform refuses is retried
// with backoff and, when it still fails, the user is told plainly; an agent's
// reply the user's platform refuses is reported in the thread; a card that
// cannot be posted fails the hand-over (the user hears so) and opens nothing.
func TestPostFailures(t *testing.T) {
	w := newWorld(t, worldOpts{})
	userKey, hanako := userOn("telegram")
	th, _ := w.handOver(t, 1)
	var attempts atomic.Int32
	w.agents.SendHook = func(_ context.Context, to bridge.ConvKey, m formatting.Message) error {
		if to == th.Key && strings.Contains(bridge.Summary(m, 1000), "flaky") {
			if attempts.Add(1) < 3 {
				return errors.New("slack: ratelimited")
			}
		}
		if to == th.Key && strings.Contains(bridge.Summary(m, 1000), "doomed") {
			attempts.Add(1)
			return errors.New("slack: channel_not_found")
		}
		return nil
	}
	w.say(t, userKey, hanako, "flaky network")
	waitFor(t, w.agents, th.Key, "Hanako: flaky network")
	if attempts.Load() != 3 {
		t.Errorf("%d attempts, want 3", attempts.Load())
	}
	attempts.Store(0)
	w.say(t, userKey, hanako, "doomed message")
	waitFor(t, w.users, userKey, w.cat.Printer("en").T("escalation.relay_failed"))
	if n := attempts.Load(); n != escalation.DefaultAttempts {
		t.Errorf("%d attempts, want %d", n, escalation.DefaultAttempts)
	}

	w.users.SendHook = func(context.Context, bridge.ConvKey, formatting.Message) error {
		return errors.New("telegram: Forbidden: bot was blocked by the user")
	}
	w.say(t, th.Key, alice, "hello?")
	waitFor(t, w.agents, th.Key, "could not be delivered to the user of case #1")

	// No card, no case.
	w2 := newWorld(t, worldOpts{})
	w2.agents.SendHook = func(context.Context, bridge.ConvKey, formatting.Message) error {
		return errors.New("slack: not_in_channel")
	}
	w2.handle(t, bridge.Command{Key: userKey, User: hanako, Name: "human"})
	waitFor(t, w2.users, userKey, w2.cat.Printer("en").T("bridge.escalation_failed"))
	w2.agents.SendHook = nil
	w2.say(t, userKey, hanako, "What is the Wi-Fi password?")
	w2.users.WaitSent(t, userKey, 2, wait)
	if n := w2.calls(switchStaffRoute); n != 0 {
		t.Errorf("KM switched to staff %d times for a failed hand-over", n)
	}
	if n, _ := w2.desk.Remind(context.Background()); n != 0 {
		t.Error("a case whose card failed is reminded of")
	}
}

// TestNoAgents: without an agents' channel the user is told, as before.
func TestNoAgents(t *testing.T) {
	w := newWorld(t, worldOpts{agentsChannel: "-"})
	d, err := escalation.NewDesk(escalation.Options{Store: w.store, KM: w.km})
	if err != nil {
		t.Fatal(err)
	}
	d.Bind(w.core.Outbox())
	if err := d.Escalate(context.Background(), bridge.Escalation{Key: bridge.DMKey("telegram", "", "1", "1")}); !errors.Is(err, bridge.ErrNoAgents) {
		t.Errorf("Escalate = %v", err)
	}
	if d.OfferHumanAfter() != 0 {
		t.Error("a desk without agents offers them")
	}
	if d.Take(context.Background(), bridge.Message{Key: bridge.DMKey("telegram", "", "1", "1"), Text: "x"}) {
		t.Error("a desk without agents took an event")
	}
}

// TestClaimRaceAndRating: of two agents claiming, one wins and the other is
// told who; a second rating is refused; files go as links.
func TestClaimRaceAndRating(t *testing.T) {
	w := newWorld(t, worldOpts{})
	userKey, hanako := userOn("telegram")
	th, card := w.handOver(t, 1)
	claim := button(t, card.Msg, "Claim")
	w.click(t, w.channel, alice, claim)
	w.click(t, th.Key, bob, claim) // same channel, inside the thread
	// The two clicks run at once (two conversations): either may win.
	lost := waitFor(t, w.agents, th.Key, "Case #1 is already claimed by")
	winner := strings.TrimSuffix(strings.TrimPrefix(lost.Text(), "Case #1 is already claimed by "), ".")
	if winner != "Alice" && winner != "Bob" {
		t.Fatalf("claimed by %q", winner)
	}

	w.handle(t, bridge.Message{Key: userKey, User: hanako, Files: []bridge.Attachment{
		{Name: "error.png", URL: "https://files.example.com/e.png", Size: 2048}, {Name: "secret.pdf"},
	}})
	got := waitFor(t, w.agents, th.Key, "error.png")
	d := formatting.Dump(got.Msg)
	if !strings.Contains(d, "https://files.example.com/e.png") || !strings.Contains(d, "secret.pdf") || !strings.Contains(d, "(2 KB)") {
		t.Errorf("files:\n%s", d)
	}

	claimed := waitEdit(t, w.agents, card.Ref, "Claimed by "+winner)
	if n := len(w.agents.Edits()); n != 1 {
		t.Errorf("the card was edited %d times by two claims, want 1", n)
	}
	w.click(t, w.channel, alice, button(t, claimed.Msg, "Back to the robot"))
	waitEdit(t, w.agents, card.Ref, "Handed back to the robot by Alice")
	rating := waitFor(t, w.users, userKey, "Alice handed you back to the robot")
	unhappy := button(t, rating.Msg, "🙁 Unsatisfied")
	w.click(t, userKey, hanako, unhappy)
	waitFor(t, w.agents, th.Key, "rated the conversation: 🙁 Unsatisfied")
	w.click(t, userKey, hanako, button(t, rating.Msg, "😊 Satisfied"))
	waitFor(t, w.users, userKey, w.cat.Printer("en").T("bridge.already_rated"))
	if n := w.calls(surveyRoute); n != 1 {
		t.Errorf("%d surveySession calls, want 1", n)
	}
	// The rating is the user's: an agent cannot click it.
	w.handle(t, bridge.Click{Key: th.Key, User: alice, Token: unhappy.Token})
	waitFor(t, w.agents, th.Key, w.cat.Printer("en").T("bridge.foreign_click"))
}

// TestOwnCardNeverAnswered: the card coming back into the agents' channel (an
// adapter that lets the bot's own post through) is neither relayed nor
// answered by the robot; a person's question there still is.
func TestOwnCardNeverAnswered(t *testing.T) {
	w := newWorld(t, worldOpts{})
	_, card := w.handOver(t, 1)
	before := len(w.agents.SentTo(w.channel))
	w.handle(t, bridge.Message{Key: w.channel, User: bridge.UserInfo{ID: "B-BOT"}, ID: card.Ref.ID, Text: card.Text()})
	w.say(t, w.channel, alice, "What are the office hours?")
	// One queue: the echo was handled before Alice's question was answered.
	waitFor(t, w.agents, w.channel, "open 07:00–20:00")
	if got := w.agents.SentTo(w.channel)[before:]; len(got) != 2 {
		t.Errorf("the channel got %q, want the robot's welcome and its answer to Alice", bridgetest.Texts(got))
	}
}

// TestTransferIntentAndUnknownOffer: KM's transfer intent (ansType 21) opens
// a case whose question is what the user asked before asking for a person;
// with after_unknown 2, two unknown answers in a row offer a person, and the
// offer's button opens a case.
func TestTransferIntentAndUnknownOffer(t *testing.T) {
	w := newWorld(t, worldOpts{afterUnknown: 2})
	en := w.cat.Printer("en")
	userKey, hanako := userOn("telegram")
	w.say(t, userKey, hanako, "what is the meaning of life")
	w.say(t, userKey, hanako, "why is the sky blue")
	offer := waitFor(t, w.users, userKey, en.T("bridge.offer_human"))
	w.click(t, userKey, hanako, button(t, offer.Msg, en.T("formatting.talk_to_human")))
	th := w.thread(t, 1)
	card := formatting.Dump(w.agents.SentTo(w.channel)[0].Msg)
	if !strings.Contains(card, en.T("escalation.reason_user")) {
		t.Errorf("card:\n%s", card)
	}
	w.click(t, w.channel, alice, button(t, w.agents.SentTo(w.channel)[0].Msg, "Resolve"))
	waitFor(t, w.users, userKey, en.T("escalation.rate_prompt"))

	w.say(t, userKey, hanako, "my laptop fan is very loud since yesterday")
	w.say(t, userKey, hanako, "talk to a human")
	th2 := w.thread(t, 2)
	if th2.Key == th.Key {
		t.Fatal("the second hand-over reused the first case's thread")
	}
	var card2 formatting.Message
	for _, s := range w.agents.SentTo(w.channel) {
		if s.Ref == th2.Root {
			card2 = s.Msg
		}
	}
	d := formatting.Dump(card2)
	if !strings.Contains(d, "Case #2") || !strings.Contains(d, en.T("escalation.reason_km_transfer")) {
		t.Errorf("second card:\n%s", d)
	}
	// Its knowledge capture offers the laptop question, not the request for a person.
	w.say(t, th2.Key, alice, "Restart it, then tell me")
	waitFor(t, w.users, userKey, "Alice: Restart it")
	w.click(t, w.channel, alice, button(t, card2, "Resolve"))
	resolved := waitEdit(t, w.agents, th2.Root, "Resolved by Alice")
	w.click(t, w.channel, alice, button(t, resolved.Msg, "Save as FAQ"))
	waitFor(t, w.agents, th2.Key, "📚")
	if qs := w.sim.CallsTo(questionsRoute); len(qs) != 1 || qs[0].Str("content") != "my laptop fan is very loud since yesterday" {
		t.Errorf("POST /v1/questions: %+v", qs)
	}
}

// chainStarter starts "threads" the way a Telegram group without topics
// might: it posts the card and gives back the chat itself, with no thread.
type chainStarter struct{ noThreads }

func (c chainStarter) StartThread(ctx context.Context, in bridge.ConvKey, _ string, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	ref, err := c.r.Send(ctx, in, m)
	return in, ref, err
}

// TestThreadShapes: agents' messages keyed per author in the thread (an
// adapter with bridge.channel_scope user) still reach the user; a thread
// starter that gives back no thread makes a reply-chain case, and the rest
// of the channel is not relayed to the user.
func TestThreadShapes(t *testing.T) {
	w := newWorld(t, worldOpts{})
	userKey, _ := userOn("telegram")
	th, _ := w.handOver(t, 1)
	perAuthor := th.Key
	perAuthor.User = alice.ID
	if ok, err := w.core.Joined(context.Background(), perAuthor); !ok || err != nil {
		t.Errorf("a per-author key of the case thread is not joined: %v %v", ok, err)
	}
	w.say(t, perAuthor, alice, "I'm on it")
	waitFor(t, w.users, userKey, "Alice: I'm on it")

	agents := bridgetest.New("telegram")
	w2 := newWorld(t, worldOpts{users: "web", agents: "telegram", agentsChannel: "-100555", agentsAdapter: agents})
	w2.core.Register(chainStarter{noThreads{agents}}) // replaces the Recorder as the telegram adapter
	webKey, hanako := userOn("web")
	w2.handle(t, bridge.Command{Key: webKey, User: hanako, Name: "human"})
	card := w2.agents.WaitSent(t, w2.channel, 1, wait)[0]
	w2.say(t, w2.channel, bob, "lunch anyone?") // not a reply: the robot's
	w2.handle(t, bridge.Message{Key: w2.channel, User: alice, Text: "Hello from the desk", ReplyTo: card.Ref.ID, ID: "m-1"})
	waitFor(t, w2.users, webKey, "Alice: Hello from the desk")
	for _, s := range w2.users.SentTo(webKey) {
		if strings.Contains(s.Text(), "lunch") {
			t.Errorf("the channel's chatter reached the user: %q", s.Text())
		}
	}
}

// TestSuggestionSentOnce: two agents clicking one suggestion's "Send this
// answer" (the second on the button as it still showed) send it once; the
// second is told it went already.
func TestSuggestionSentOnce(t *testing.T) {
	w := newWorld(t, worldOpts{})
	en := w.cat.Printer("en")
	userKey, hanako := userOn("telegram")
	th, _ := w.handOver(t, 1)
	w.say(t, userKey, hanako, "How do I reset my password?")
	sugg := waitFor(t, w.agents, th.Key, en.T("escalation.suggestion"))
	send := button(t, sugg.Msg, en.T("escalation.button_send_answer"))
	w.handle(t, bridge.Click{Key: th.Key, User: alice, Ref: sugg.Ref, Token: send.Token})
	w.handle(t, bridge.Click{Key: th.Key, User: bob, Ref: sugg.Ref, Token: send.Token})
	waitFor(t, w.agents, th.Key, en.T("escalation.answer_already_sent"))
	n := 0
	for _, m := range w.users.SentTo(userKey) {
		if strings.Contains(m.Text(), "Reset your password") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the suggestion reached the user %d times, want 1", n)
	}
}

// threadHider is a memory store whose next reads of a case, as many as
// armed, return it without its thread: a click that loaded a card's case in
// the moment between the card's post and the record of its thread.
type threadHider struct {
	*memstore.Store
	armed atomic.Int32
}

func (h *threadHider) Case(ctx context.Context, id string) (bridge.Case, bool, error) {
	c, ok, err := h.Store.Case(ctx, id)
	if h.armed.Add(-1) >= 0 {
		c.Thread = bridge.ConvKey{}
	}
	return c, ok, err
}

// A claim that loses the race on a case it loaded before its thread was
// recorded still tells its thread who won.
func TestLosingClaimOnAFreshCardIsTold(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	h := &threadHider{Store: st}
	w := newWorld(t, worldOpts{store: h})
	th, card := w.handOver(t, 1)
	claim := button(t, card.Msg, "Claim")
	w.click(t, w.channel, alice, claim)
	waitEdit(t, w.agents, card.Ref, "Claimed by Alice")
	h.armed.Store(2) // the reads of the click's turn: the desk's Take, then Do
	w.click(t, th.Key, bob, claim)
	waitFor(t, w.agents, th.Key, "Case #1 is already claimed by Alice")
}
