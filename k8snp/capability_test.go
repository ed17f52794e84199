package k8snp_test

import (
	"net/netip"
	"testing"

	"github.com/netintent/netintent/internal/capability"
	"github.com/netintent/netintent/k8snp"
)

// TestCapabilities checks every declaration of Capabilities against the outcome of
// compiling the feature's probe Set.
func TestCapabilities(t *testing.T) {
	capability.Check(t, k8snp.Capabilities(), k8snp.Compile, map[string]k8snp.Option{
		"k8snp.WidenL7()":         k8snp.WidenL7(),
		"k8snp.WorldAsIPBlock()":  k8snp.WorldAsIPBlock(),
		"k8snp.ClusterCIDRs(...)": k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("fd00:10:244::/56")),
	})
}
