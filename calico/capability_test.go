package calico_test

import (
	"net/netip"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/capability"
	"github.com/netintent/netintent/policy"
)

// TestCapabilities checks every declaration of Capabilities against the outcome of
// compiling the feature's probe Set.
func TestCapabilities(t *testing.T) {
	compile := func(set *policy.Set, opts ...calico.Option) ([]policy.Warning, error) {
		res, err := calico.Compile(set, opts...)
		if err != nil {
			return nil, err
		}
		return res.Warnings(), nil
	}
	capability.Check(t, calico.Capabilities(), compile, map[string]calico.Option{
		"calico.ClusterCIDRs(...)":        calico.ClusterCIDRs(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")),
		"calico.ApplicationLayerPolicy()": calico.ApplicationLayerPolicy(),
		"calico.WidenL7()":                calico.WidenL7(),
	})
}
