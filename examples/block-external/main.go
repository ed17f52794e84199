// Command block-external prints, for a backend, the manifests of one scenario: cluster
// guardrail: no egress outside 10.0.0.0/8.
//
//	go run ./examples/block-external -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.BlockExternal.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.BlockExternal) }
