// Command l7-api prints, for a backend, the manifests of one scenario: HTTP method, path
// and header rules for an API.
//
//	go run ./examples/l7-api -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.L7API.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.L7API) }
