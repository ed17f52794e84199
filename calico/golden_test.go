package calico_test

import (
	"errors"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestGolden compiles every example scenario with default options and compares the YAML
// (or, where Calico refuses, the error) with testdata/<scenario>.yaml (.error.txt).
func TestGolden(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) { assertScenario(t, sc, sc.Name) })
	}
}

// assertScenario compiles sc with opts and compares the YAML (or the refusal) with
// testdata/<base>.yaml (.error.txt).
func assertScenario(t *testing.T, sc scenarios.Scenario, base string, opts ...calico.Option) {
	t.Helper()
	res, err := calico.Compile(sc.Build(), opts...)
	var ce *policy.CompileError
	switch {
	case errors.As(err, &ce):
		golden.Assert(t, filepath.Join("testdata", base+".error.txt"), []byte(err.Error()+"\n"))
	case err != nil:
		t.Fatal(err)
	default:
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, filepath.Join("testdata", base+".yaml"), y)
		golden.RoundTrip(t, y, newObject)
	}
}

// goldenClusterCIDRs are the cluster's ranges declared for TestGoldenClusterCIDRs: a
// kubeadm-style pod range, the nodes' range and an IPv6 pod range.
var goldenClusterCIDRs = calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("10.0.0.0/24"),
	netip.MustParsePrefix("fd00:10:244::/56"))

// TestGoldenClusterCIDRs compiles every scenario with CIDR peers, which default options
// refuse, with the cluster's ranges declared, and compares the YAML (or the error) with
// testdata/<scenario>.cluster-cidrs.yaml (.cluster-cidrs.error.txt).
func TestGoldenClusterCIDRs(t *testing.T) {
	for _, sc := range scenarios.All() {
		m, err := sc.Build().Model()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(m.Policies, hasCIDRPeer) {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) { assertScenario(t, sc, sc.Name+".cluster-cidrs", goldenClusterCIDRs) })
	}
}

// hasCIDRPeer reports whether a rule of p has a CIDR peer.
func hasCIDRPeer(p *policy.Policy) bool {
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		for _, r := range p.Rules(d) {
			if slices.ContainsFunc(r.Peers, func(x policy.Peer) bool { return x.Kind == policy.PeerCIDR }) {
				return true
			}
		}
	}
	return false
}
