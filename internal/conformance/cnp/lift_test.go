package cnp_test

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/conformance/cnp"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/lift"
	liftcnp "github.com/netintent/netintent/lift/clusternp"
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// These tests prove lift/clusternp against Cilium's own reading of the objects: the Set
// lifted from NetworkPolicies and ClusterNetworkPolicies, judged by the reference
// evaluator, must decide every flow Cilium judges as Cilium decides it from the objects;
// and where clusternp compiles the lifted Set back (it refuses tiers, so not where an
// Admin-tier policy lifted), the objects it emits must get Cilium's verdicts on the
// original objects.

// liftTally counts what the comparisons saw.
type liftTally struct {
	sets, lifted, recompiled, judged, denied, mismatched int
	// cannot counts the flows the engine cannot judge, by reason.
	cannot     map[string]int
	mismatches []string
}

func (t *liftTally) String() string {
	return fmt.Sprintf("%d sets, %d lifted, %d compiled back; %d flow verdicts judged (%d denied), %d mismatched; cannot judge %v",
		t.sets, t.lifted, t.recompiled, t.judged, t.denied, t.mismatched, t.cannot)
}

// judgeLifted lifts nps and cnps with ranges as the cluster's and compares, on every
// flow of u the engine models, Cilium's verdict on the objects with the lifted Set's
// reference verdict and, where clusternp compiles the lifted Set back, with Cilium's
// verdict on what it emits.
func judgeLifted(t *testing.T, tl *liftTally, name string, nps []*networkingv1.NetworkPolicy, cnps []*v1alpha2.ClusterNetworkPolicy,
	namespaces []*corev1.Namespace, ranges []netip.Prefix, u func(*policy.Model) *policy.Universe) {
	t.Helper()
	tl.sets++
	set, err := liftcnp.NetworkPolicies(nps, cnps, namespaces, lift.ClusterCIDRs(ranges...))
	if err != nil {
		t.Errorf("%s: lift: %v", name, err)
		return
	}
	tl.lifted++
	lm, err := set.Model()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	pu := u(lm)
	eu, flows := engineFlows(pu, newTally())
	orig, err := cnp.NewEngine(nps, cnps, eu)
	if err != nil {
		t.Fatalf("%s: engine: %v", name, err)
	}
	var back *cnp.Engine
	if res, err := clusternp.Compile(set, k8snp.ClusterCIDRs(ranges...), k8snp.WorldAsIPBlock(), clusternp.Nodes()); err == nil {
		tl.recompiled++
		if back, err = cnp.NewEngine(res.NetworkPolicies, res.ClusterNetworkPolicies, eu); err != nil {
			t.Fatalf("%s: engine on the lifted Set's objects: %v", name, err)
		}
	}
	for _, f := range flows {
		want, err := orig.Verdict(f.cnp)
		if errors.Is(err, cnp.ErrCannotJudge) {
			tl.cannot[cannotReason(err)]++
			continue
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !want {
			tl.denied++
		}
		tl.judged++
		if got := lm.Evaluate(f.policy); got.Allowed != want {
			tl.mismatched++
			tl.mismatches = append(tl.mismatches, fmt.Sprintf("%s: %s: Cilium on the objects %v; lifted Set %s", name, f, want, got))
		}
		if back == nil {
			continue
		}
		got, err := back.Verdict(f.cnp)
		if errors.Is(err, cnp.ErrCannotJudge) {
			tl.cannot["compiled back: "+cannotReason(err)]++
			continue
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tl.judged++
		if got != want {
			tl.mismatched++
			tl.mismatches = append(tl.mismatches, fmt.Sprintf("%s: %s: Cilium on the objects %v, on the lifted Set compiled back %v", name, f, want, got))
		}
	}
}

func (t *liftTally) check(tt *testing.T) {
	tt.Helper()
	tt.Logf("%v", t)
	if t.mismatched > 0 {
		tt.Errorf("%d verdicts differ:\n%s", t.mismatched, strings.Join(t.mismatches[:min(10, len(t.mismatches))], "\n"))
	}
	if t.judged == 0 {
		tt.Errorf("nothing judged: %v", t)
	}
}

func namespaceObjects(m *policy.Model) []*corev1.Namespace {
	var out []*corev1.Namespace
	for _, ns := range m.Namespaces {
		out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels}})
	}
	return out
}

// TestLiftVerdicts lifts clusternp's output for the scenarios and random Sets it
// compiles, over the original Set's Universe.
func TestLiftVerdicts(t *testing.T) {
	tl := &liftTally{cannot: map[string]int{}}
	// Few random Sets: each costs two engines over some 15,000 flows, and the module's
	// tests share the default timeout; lift/clusternp's round trip draws many more.
	n := 4
	if testing.Short() {
		n = 0
	}
	sets := randomSets(n)
	names := slices.Sorted(maps.Keys(sets))
	for _, s := range scenarios.All() {
		if slices.Contains(clusterScenarios, s.Name) {
			sets[s.Name] = s.Build()
			names = append(names, s.Name)
		}
	}
	for _, name := range names {
		m, err := sets[name].Model()
		if err != nil {
			t.Fatal(err)
		}
		pu := m.Universe()
		ranges := []netip.Prefix{pu.PodCIDR}
		res, err := clusternp.Compile(sets[name], k8snp.ClusterCIDRs(ranges...), k8snp.WorldAsIPBlock(), clusternp.Nodes())
		if err != nil {
			continue // refused: see TestClusterVerdicts
		}
		judgeLifted(t, tl, name, res.NetworkPolicies, res.ClusterNetworkPolicies, namespaceObjects(m), ranges,
			func(*policy.Model) *policy.Universe { return pu })
	}
	tl.check(t)
	if tl.lifted < len(clusterScenarios) || tl.recompiled < tl.lifted {
		t.Errorf("want every Set lifted and compiled back: %v", tl)
	}
}

// TestLiftCases judges lift/clusternp's hand-written cases (its testdata: every tier and
// action, Baseline isolation and allows, the tiered and the untiered Admin tier) with
// Cilium's engine, over the lifted Set's Universe with its pods moved into the cases'
// cluster range 10.0.0.0/8 (and the external addresses there left out: the range holds
// in-cluster endpoints only).
func TestLiftCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "lift", "clusternp", "testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	ranges := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tl := &liftTally{cannot: map[string]int{}}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := liftcnp.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		judgeLifted(t, tl, filepath.Base(file), objs.NetworkPolicies, objs.ClusterNetworkPolicies, objs.Namespaces, ranges, func(m *policy.Model) *policy.Universe {
			u := m.Universe()
			next := netip.MustParseAddr("10.0.0.1")
			u.Endpoints = slices.DeleteFunc(u.Endpoints, func(s policy.Sample) bool {
				return s.Kind == policy.EndpointExternal && slices.ContainsFunc(ranges, func(r netip.Prefix) bool { return r.Contains(s.IP) })
			})
			for i := range u.Endpoints {
				if u.Endpoints[i].Kind == policy.EndpointPod {
					u.Endpoints[i].IP, next = next, next.Next()
				}
			}
			return u
		})
	}
	tl.check(t)
	if tl.lifted != len(files) || tl.recompiled == 0 {
		t.Errorf("want every case lifted and some compiled back: %v", tl)
	}
}
