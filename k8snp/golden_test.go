package k8snp_test

import (
	"errors"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/render"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
)

// goldenClusterCIDRs are the cluster's ranges of the cluster-cidrs golden files.
var goldenClusterCIDRs = []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("fd00:10:244::/56")}

// TestGolden compiles every scenario and compares the YAML with testdata/<scenario>.yaml,
// or, where k8snp refuses the intent, the error with testdata/<scenario>.error.txt. A
// scenario refused for its CIDR peers is compiled again with ClusterCIDRs, into
// testdata/<scenario>.cluster-cidrs.yaml (or .cluster-cidrs.error.txt). Every emitted
// manifest must also survive a strict round trip through the upstream type.
func TestGolden(t *testing.T) {
	want := map[string]bool{}
	// check compiles set with opts into testdata/<base>.yaml or <base>.error.txt and
	// returns the CompileError, if any.
	check := func(t *testing.T, base string, set *policy.Set, opts ...k8snp.Option) *policy.CompileError {
		res, err := k8snp.Compile(set, opts...)
		if err != nil {
			var ce *policy.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("not a CompileError: %v", err)
			}
			name := base + ".error.txt"
			want[name] = true
			golden.Assert(t, filepath.Join("testdata", name), []byte(err.Error()+"\n"))
			return ce
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		name := base + ".yaml"
		want[name] = true
		golden.Assert(t, filepath.Join("testdata", name), y)
		golden.RoundTrip(t, y, newObject)
		return nil
	}
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			ce := check(t, s.Name, s.Build())
			if ce != nil && slices.ContainsFunc(ce.Problems, func(p policy.Unsupported) bool { return p.Construct == "CIDR peers" }) {
				check(t, s.Name+".cluster-cidrs", s.Build(), k8snp.ClusterCIDRs(goldenClusterCIDRs...))
			}
		})
	}
	golden.Stale(t, want)
}

func newObject(apiVersion, kind string) (render.Object, bool) {
	if apiVersion == "networking.k8s.io/v1" && kind == "NetworkPolicy" {
		return &networkingv1.NetworkPolicy{}, true
	}
	return nil, false
}

// TestRoundTrip checks the strict round trip on the corpus and on widened output, whose
// annotations hold multi-line text.
func TestRoundTrip(t *testing.T) {
	for _, c := range corpus {
		golden.RoundTrip(t, compileYAML(t, c.build(), clusterCIDRs()), newObject)
	}
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowFrom("a").TCP(80).HTTP("GET", "/").HTTP("POST", "/x").AllowTo(policy.World()).TCP(443)
	y := compileYAML(t, set, k8snp.WidenL7(), k8snp.WorldAsIPBlock())
	if !strings.Contains(string(y), policy.WarningsAnnotation) {
		t.Fatalf("no warnings annotation in\n%s", y)
	}
	golden.RoundTrip(t, y, newObject)
}
