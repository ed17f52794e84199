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
// ClusterCIDRs and Nodes, and
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
	golden.Stale(t, want)
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
