// Command api-server prints, for a backend, the manifests of one scenario: ingress from
// frontends and an address range, egress to the database and DNS.
//
//	go run ./examples/api-server -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.APIServer.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.APIServer) }
