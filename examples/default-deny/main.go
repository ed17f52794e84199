// Command default-deny prints, for a backend, the manifests of one scenario: namespace
// default-deny that keeps DNS working.
//
//	go run ./examples/default-deny -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.DefaultDeny.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.DefaultDeny) }
