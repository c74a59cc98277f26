// Package bridge is kmbridge's core. It imports no platform SDK: adapters hand it
// neutral events (Message, Click, Command) through Handle, and it owns everything
// between them and KM: one ordered queue per conversation, KM sessions (first
// contact, expiry, idle re-initialisation), the action table behind every button,
// answers (silent, quota, rating, hand-over to a human), bridge commands, the
// transcript kept for escalation, caching of FAQ and hot-question lists, and the
// user-facing apologies when KM fails. Adapters that build buttons or lists of
// their own (a home screen, a typeahead) take tokens and lists from the core
// (Tokens, SuggestionTokens, FAQ, Hot), so every button is an ordinary Click.
//
// Wiring: build a Store (bridge/memstore), a KM (*kmclient.Client), an
// *i18n.Catalog, then New(cfg, deps), Register adapters, Run until the process is
// told to stop, and Shutdown to drain the queues and persist the store.
package bridge
