// Command ecommerce prints, for a backend, the manifests of one scenario: the design card:
// microservices, HTTP rules, default-deny, a guardrail.
//
//	go run ./examples/ecommerce -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.Ecommerce.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.Ecommerce) }
