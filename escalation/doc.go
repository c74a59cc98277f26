// Package escalation hands conversations to human agents: it owns the card agents
// see in the agent channel (Card, a pure function of a bridge.Escalation, written
// entirely in the agent channel's language whatever the user's) and the Notifier,
// the bridge.Escalator that posts that card through the bridge's adapters.
package escalation
