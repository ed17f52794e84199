// Command federation prints, for a backend, the manifests of one scenario: frontends reach
// API gateways in every namespace over TCP.
//
//	go run ./examples/federation -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.Federation.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.Federation) }
