// Command deny-internet prints, for a backend, the manifests of one scenario: production
// workloads reach private ranges and DNS only.
//
//	go run ./examples/deny-internet -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.DenyInternet.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.DenyInternet) }
