// Command block-metadata prints, for a backend, the manifests of one scenario: cluster
// guardrail: no pod reaches the cloud metadata service.
//
//	go run ./examples/block-metadata -backend cilium
//
// The intent, and how it differs from the guide's manifest, is documented on
// scenarios.BlockMetadata.
package main

import (
	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/examples/scenarios"
)

func main() { cli.Main(scenarios.BlockMetadata) }
