package main

import (
	"context"
)

const kmUsage = `Usage: kmbridge [-config FILE] km COMMAND [ARGS]

Talks to the KM API with the bridge's configuration (the km section of the file,
KMBRIDGE_KM_* in the environment). In demo mode (no km.base_url and no platform, or
km.demo: true) each command runs against a built-in simulator with the sample
knowledge base.

Commands:
  ask [-raw] [-stream] QUESTION                       ask the robot and print its answer
  faq search|get|create|update|delete                 FAQ questions
  similar list|add|update|delete                      similar questions of an FAQ question
  datum get|create|update|delete|templates|categories knowledge points (datums)
  sessions list|logs                                  conversation records, as JSON lines
  sim -listen ADDR [-kb FILE]                         run the KM simulator

Data goes to standard output, errors to standard error. Exit status: 0 success,
1 KM refused or could not be reached (KM's message is printed), 2 usage error,
3 invalid configuration.

Run "kmbridge km COMMAND -h" for a command's flags.
`

// kmCmd is "kmbridge km …": the operators' KM API tool.
func (a *app) kmCmd(ctx context.Context, args []string) int {
	return a.group(ctx, "km", kmUsage, args, []subcommand{
		{"ask", a.kmAsk},
		{"faq", a.kmFAQ},
		{"similar", a.kmSimilar},
		{"datum", a.kmDatum},
		{"sessions", a.kmSessions},
		{"sim", a.kmSim},
	})
}
