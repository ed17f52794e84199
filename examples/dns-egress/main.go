// Command dns-egress prints, for a backend, the manifests of one scenario: egress to
// external APIs by DNS name.
//
//	go run ./examples/dns-egress -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.DNSEgress.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.DNSEgress) }
