// Command audit-rollout prints, for a backend, the manifests of one scenario: namespace
// default-deny rolled out in audit mode first.
//
//	go run ./examples/audit-rollout -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.AuditRollout.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.AuditRollout) }
