package clusternp_test

import (
	"errors"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/render"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// goldenClusterCIDRs are the cluster's ranges of the golden files, k8snp's.
var goldenClusterCIDRs = []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("fd00:10:244::/56")}

// TestGolden compiles every scenario with a cluster-scoped policy or a deny rule, with
// ClusterCIDRs and Nodes, and tieredGolden (with DomainNames too), and
// compares the YAML with testdata/<scenario>.yaml or the error with
// testdata/<scenario>.error.txt. Every emitted manifest must survive a strict round trip
// through the upstream types.
func TestGolden(t *testing.T) {
	want := map[string]bool{}
	for _, s := range scenarios.All() {
		m, err := s.Build().Model()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(m.Policies, func(p *policy.Policy) bool {
			return p.Subject.Scope == policy.ScopeCluster || slices.ContainsFunc(append(p.Ingress, p.Egress...), func(r policy.Rule) bool { return r.Action == policy.Deny })
		}) {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			res, err := clusternp.Compile(s.Build(), k8snp.ClusterCIDRs(goldenClusterCIDRs...), clusternp.Nodes())
			if err != nil {
				var ce *policy.CompileError
				if !errors.As(err, &ce) {
					t.Fatalf("not a CompileError: %v", err)
				}
				want[s.Name+".error.txt"] = true
				golden.Assert(t, filepath.Join("testdata", s.Name+".error.txt"), []byte(err.Error()+"\n"))
				return
			}
			y, err := res.YAML()
			if err != nil {
				t.Fatal(err)
			}
			want[s.Name+".yaml"] = true
			golden.Assert(t, filepath.Join("testdata", s.Name+".yaml"), y)
			golden.RoundTrip(t, y, newObject)
		})
	}
	// Tiered Sets the scenarios do not have (seed 09 is refused for its ingress CIDR
	// deny), with DomainNames.
	for _, tc := range tieredGolden() {
		t.Run(tc.name, func(t *testing.T) {
			res, err := clusternp.Compile(tc.set, k8snp.ClusterCIDRs(goldenClusterCIDRs...), clusternp.Nodes(), clusternp.DomainNames())
			if err != nil {
				t.Fatal(err)
			}
			y, err := res.YAML()
			if err != nil {
				t.Fatal(err)
			}
			want[tc.name+".yaml"] = true
			golden.Assert(t, filepath.Join("testdata", tc.name+".yaml"), y)
			golden.RoundTrip(t, y, newObject)
		})
	}
	golden.Stale(t, want)
}

// tieredGolden are the tiered Sets of TestGolden: the egress half of seed 09 (a
// security tier denies a known-bad range and passes the rest on), and a platform tier
// whose allowlist for web pods (a service, a name, DNS) ends in a Deny, before an
// untiered deny.
func tieredGolden() []struct {
	name string
	set  *policy.Set
} {
	threats := policy.NewSet()
	threats.Tier("security", 100)
	threats.Cluster("block-known-threats").InTier("security", 10).
		DenyTo(policy.CIDR("198.51.100.0/24")).
		PassTo(policy.Any())
	allowlist := policy.NewSet()
	allowlist.Tier("platform", 200)
	allowlist.Cluster("web-egress").InTier("platform", 10).Select(policy.MatchLabels{"app": "web"}).
		AllowTo(policy.ServiceIn("pay", "api")).TCP(443).
		AllowTo(policy.FQDN("api.example.com"), policy.FQDN("**.example.org")).TCP(443)
	allowlist.ServiceIn("shop", "web").DenyTo(policy.ServiceIn("pay", "db"))
	return []struct {
		name string
		set  *policy.Set
	}{{"tiers-egress", threats}, {"tiers-allowlist", allowlist}}
}

func newObject(apiVersion, kind string) (render.Object, bool) {
	switch {
	case apiVersion == "networking.k8s.io/v1" && kind == "NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case apiVersion == v1alpha2.GroupVersion.String() && kind == "ClusterNetworkPolicy":
		return &v1alpha2.ClusterNetworkPolicy{}, true
	}
	return nil, false
}
