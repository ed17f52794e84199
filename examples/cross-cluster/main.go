// Command cross-cluster prints, for a backend, the manifests of one scenario: cluster-mesh
// backends of two clusters reach a shared database.
//
//	go run ./examples/cross-cluster -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.CrossCluster.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.CrossCluster) }
