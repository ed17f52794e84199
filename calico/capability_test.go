package calico_test

import (
	"net/netip"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/capability"
)

// TestCapabilities checks every declaration of Capabilities against the outcome of
// compiling the feature's probe Set.
func TestCapabilities(t *testing.T) {
	capability.Check(t, calico.Capabilities(), calico.Compile, map[string]calico.Option{
		"calico.ClusterCIDRs(...)":        calico.ClusterCIDRs(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")),
		"calico.ApplicationLayerPolicy()": calico.ApplicationLayerPolicy(),
		"calico.WidenL7()":                calico.WidenL7(),
		"calico.WorldAsNets()":            calico.WorldAsNets(),
	})
}
