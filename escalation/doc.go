// Package escalation hands conversations to human agents and back. It owns the
// card agents see (Card and CaseCard, pure functions written entirely in the
// agents' language whatever the user's), the relay renderings, and the Desk: the
// bridge.Escalator that opens a case per hand-over as a thread in the agents'
// channel, relays the user and the agents to each other across platforms, runs
// the case buttons (claim, resolve, back to the robot, send KM's suggested reply,
// save as FAQ, add as similar question, the user's rating) and reminds agents of
// unclaimed cases. It talks to platforms only through the bridge.Outbox and keeps
// every case in the bridge.Store, so restarts and replicas keep the relays.
package escalation
