// Command tiers prints, for a backend, the manifests of one scenario: a security tier
// drops known threats and passes the rest on.
//
//	go run ./examples/tiers -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.Tiers.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.Tiers) }
