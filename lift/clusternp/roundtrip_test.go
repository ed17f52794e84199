package clusternp_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	emit "github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/lift"
	liftcnp "github.com/netintent/netintent/lift/clusternp"
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// These tests lift what k8snp/clusternp emits and judge the lifted Set with the reference
// evaluator against the Set it was compiled from, flow by flow: clusternp is proven to
// express the Set (internal/conformance/cnp), so the lifted Set must mean the same.

// namespaceObjects returns the Namespace objects of the namespaces m declares.
func namespaceObjects(m *policy.Model) []*corev1.Namespace {
	var out []*corev1.Namespace
	for _, ns := range m.Namespaces {
		out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels}})
	}
	return out
}

// roundTrip is what the round trips judged.
type roundTrip struct {
	sets, refused, lifted, cnps, recompiled, identical, flows, mismatches int
	// liftRefusals counts the Sets clusternp compiles that lifting refuses.
	liftRefusals []string
	samples      []string
}

// check compiles set with clusternp (ranges as the cluster's, the Universe's pod range
// if none, and Nodes), lifts the objects with the same ranges and compares the reference
// verdicts of both Sets on every flow of the original's Universe.
func (rt *roundTrip) check(t *testing.T, name string, set *policy.Set, ranges ...netip.Prefix) {
	t.Helper()
	rt.sets++
	m, err := set.Model()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	u := m.Universe()
	if len(ranges) == 0 {
		ranges = []netip.Prefix{u.PodCIDR}
	}
	res, err := emit.Compile(set, k8snp.ClusterCIDRs(ranges...), k8snp.WorldAsIPBlock(), emit.Nodes())
	var ce *policy.CompileError
	if errors.As(err, &ce) {
		rt.refused++
		return
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	lifted, err := liftcnp.NetworkPolicies(res.NetworkPolicies, res.ClusterNetworkPolicies, namespaceObjects(m), lift.ClusterCIDRs(ranges...))
	if err != nil {
		rt.liftRefusals = append(rt.liftRefusals, fmt.Sprintf("%s: %v", name, err))
		return
	}
	rt.lifted++
	rt.cnps += len(res.ClusterNetworkPolicies)
	// What clusternp emits lifts back into a Set it compiles: Admin-tier denies before
	// the accepts of the Baseline-isolated subjects lift untiered.
	back, err := emit.Compile(lifted, k8snp.ClusterCIDRs(ranges...), k8snp.WorldAsIPBlock(), emit.Nodes())
	if err != nil {
		t.Errorf("%s: the lifted Set does not compile: %v", name, err)
	} else {
		rt.recompiled++
		y1, err1 := res.YAML()
		y2, err2 := back.YAML()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if string(y1) == string(y2) {
			rt.identical++
		}
	}
	lm, err := lifted.Model()
	if err != nil {
		t.Fatalf("%s: lifted: %v", name, err)
	}
	for _, f := range u.Flows() {
		if f.HTTP != nil || f.DNSQuery != "" {
			continue // ClusterNetworkPolicy and NetworkPolicy have no L7
		}
		rt.flows++
		want, got := m.Evaluate(f), lm.Evaluate(f)
		if want.Allowed != got.Allowed {
			rt.mismatches++
			if len(rt.samples) < 10 {
				rt.samples = append(rt.samples, fmt.Sprintf("%s: %v: original %s; lifted %s", name, f, want, got))
			}
		}
	}
}

func (rt *roundTrip) report(t *testing.T) {
	t.Helper()
	t.Logf("%d sets, %d refused by clusternp, %d lifted (%d ClusterNetworkPolicies), %d compiled back (%d to the same objects), %d flows, %d mismatches",
		rt.sets, rt.refused, rt.lifted, rt.cnps, rt.recompiled, rt.identical, rt.flows, rt.mismatches)
	if rt.mismatches > 0 {
		t.Errorf("%d flows differ:\n%s", rt.mismatches, strings.Join(rt.samples, "\n"))
	}
	if len(rt.liftRefusals) > 0 {
		t.Errorf("%d compiled Sets not lifted:\n%s", len(rt.liftRefusals), strings.Join(rt.liftRefusals, "\n"))
	}
}

// goldenRanges are the cluster's ranges of k8snp/clusternp's golden files.
var goldenRanges = []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("fd00:10:244::/56")}

// TestRoundTripScenarios lifts clusternp's output for every scenario it compiles, with
// the ranges of its golden files and with the Universe's pod range.
func TestRoundTripScenarios(t *testing.T) {
	var rt roundTrip
	for _, s := range scenarios.All() {
		rt.check(t, s.Name, s.Build(), goldenRanges...)
		rt.check(t, s.Name, s.Build())
	}
	rt.report(t)
	if rt.lifted < 8 {
		t.Errorf("only %d scenario round trips lifted", rt.lifted)
	}
	// The scenarios have no namespaced denies (whose <namespace>.<name> objects lift under
	// a cleaned-up name) and no named ports (which lift for every protocol): lifting
	// restores what clusternp compiled, object for object.
	if rt.identical != rt.lifted {
		t.Errorf("%d of %d lifted scenarios compile back to other objects", rt.lifted-rt.identical, rt.lifted)
	}
}

// TestRoundTripRandom lifts clusternp's output for random Sets with deny rules and
// cluster-wide policies (see RandomSet).
func TestRoundTripRandom(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 15
	}
	var rt roundTrip
	for seed := range uint64(n) {
		rt.check(t, fmt.Sprint("seed ", seed), RandomSet(seed))
	}
	rt.report(t)
	if rt.lifted < n/3 {
		t.Errorf("only %d of %d random Sets lifted", rt.lifted, n)
	}
}

// RandomSet is randset.ClusterNetworkPolicies: cluster-wide guardrails and egress allows
// drawn from what ClusterNetworkPolicy expresses.
func RandomSet(seed uint64) *policy.Set { return randset.ClusterNetworkPolicies(seed, 16) }
