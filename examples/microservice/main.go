// Command microservice prints, for a backend, the manifests of one scenario: one service's
// ingress at L7 and its egress to two services.
//
//	go run ./examples/microservice -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.Microservice.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.Microservice) }
