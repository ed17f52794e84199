// Command namespace-isolation prints, for a backend, the manifests of one scenario: pods
// of a namespace accept traffic only from the namespace.
//
//	go run ./examples/namespace-isolation -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.NamespaceIsolation.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.NamespaceIsolation) }
