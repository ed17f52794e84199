// Command microservice-l4 prints, for a backend, the manifests of one scenario: the L3/L4
// part of the microservice pattern.
//
//	go run ./examples/microservice-l4 -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.MicroserviceL4.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.MicroserviceL4) }
