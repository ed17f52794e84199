package k8snp_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// These tests check lift.NetworkPolicies against the engine: the Set lifted from
// k8snp's output, judged by the reference evaluator, must decide every flow at both ends
// as the engine decides it from the objects themselves. They also check the lifted Set
// against the Set the objects were compiled from, which k8snp is proven to express.

// liftCount is what a round trip judged.
type liftCount struct{ sets, flows, mismatches int }

// assertLiftRoundTrip lifts nps and compares, over u, the lifted Set's reference verdicts
// with the engine's on nps and, when orig is not nil, with orig's reference verdicts.
func assertLiftRoundTrip(t *testing.T, orig *policy.Model, nps []*networkingv1.NetworkPolicy, namespaces []*corev1.Namespace,
	ranges []netip.Prefix, flows func(func(policy.Flow)), total *liftCount) {
	t.Helper()
	set, err := lift.NetworkPolicies(nps, namespaces, lift.ClusterCIDRs(ranges...))
	if err != nil {
		t.Fatalf("lift: %v", err)
	}
	lifted, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(nps)
	var eq equivalence
	flows(func(f policy.Flow) {
		if f.HTTP != nil || f.DNSQuery != "" {
			return // NetworkPolicy has no L7: the lifted Set has none either
		}
		eq.flows++
		got := lifted.Evaluate(f)
		gotEgress := !got.Source.Judged || got.Source.Allowed
		gotIngress := !got.Destination.Judged || got.Destination.Allowed
		egress, ingress, _ := e.verdict(f)
		if egress != gotEgress || ingress != gotIngress {
			eq.mismatches = append(eq.mismatches, fmt.Sprintf("%s: NetworkPolicy egress=%v ingress=%v; lifted %s", describeFlow(f), egress, ingress, got))
		}
		if orig != nil {
			if want := orig.Evaluate(f); want.Allowed != got.Allowed {
				eq.mismatches = append(eq.mismatches, fmt.Sprintf("%s: original Set %s; lifted %s", describeFlow(f), want, got))
			}
		}
	})
	total.sets++
	total.flows += eq.flows
	total.mismatches += len(eq.mismatches)
	reportMismatches(t, eq)
}

// compileForLift compiles set with the cluster's ranges, and with the lossy options where
// the Set needs them (their losses are L7 requests, which the comparison skips, and none
// with the ranges declared); it reports false when k8snp refuses the Set as refused says.
func compileForLift(t *testing.T, set func() *policy.Set, ranges []netip.Prefix, refused []string) ([]*networkingv1.NetworkPolicy, bool) {
	t.Helper()
	res, err := k8snp.Compile(set(), k8snp.ClusterCIDRs(ranges...))
	if err != nil {
		res, err = k8snp.Compile(set(), k8snp.ClusterCIDRs(ranges...), k8snp.WidenL7(), k8snp.WorldAsIPBlock())
		if golden.Refusal(t, err, refused) {
			return nil, false
		}
	}
	return res.NetworkPolicies, true
}

// TestLiftRoundTripScenarios lifts the output of every scenario k8snp compiles, and
// judges it over the universe derived from the objects and over the Model's own universe.
func TestLiftRoundTripScenarios(t *testing.T) {
	var total liftCount
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			m, err := s.Build().Model()
			if err != nil {
				t.Fatal(err)
			}
			nps, ok := compileForLift(t, s.Build, []netip.Prefix{clusterRange}, refusedWithEveryOption[s.Name])
			if !ok {
				return
			}
			u := buildUniverse(t, m, nps)
			assertLiftRoundTrip(t, m, nps, golden.Namespaces(m), []netip.Prefix{clusterRange}, u.eachFlow, &total)

			pu := m.Universe()
			nps, _ = compileForLift(t, s.Build, []netip.Prefix{pu.PodCIDR}, nil)
			assertLiftRoundTrip(t, m, nps, golden.Namespaces(m), []netip.Prefix{pu.PodCIDR}, func(fn func(policy.Flow)) {
				for _, f := range pu.Flows() {
					fn(f)
				}
			}, &total)
		})
	}
	t.Logf("scenarios: %d round trips, %d flows, %d mismatches", total.sets, total.flows, total.mismatches)
}

// TestLiftRoundTripRandom lifts the output of random Sets: this package's generator of
// what k8snp translates exactly, and randset's with broad peers.
func TestLiftRoundTripRandom(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 10
	}
	var total liftCount
	for i := range n {
		seed := uint64(i)
		t.Run(fmt.Sprint("ops/", seed), func(t *testing.T) {
			build := func() *policy.Set { return buildOps(randomOps(rand.New(rand.NewPCG(seed, 1)))) }
			m, err := build().Model()
			if err != nil {
				t.Fatal(err)
			}
			nps, _ := compileForLift(t, build, []netip.Prefix{clusterRange}, nil)
			u := buildUniverse(t, m, nps)
			u.stride = 4
			assertLiftRoundTrip(t, m, nps, golden.Namespaces(m), []netip.Prefix{clusterRange}, u.eachFlow, &total)
		})
		t.Run(fmt.Sprint("randset/", seed), func(t *testing.T) {
			c := randset.New(seed, 6, randset.Features{Broad: true})
			m, err := c.Set.Model()
			if err != nil {
				t.Fatal(err)
			}
			nps, _ := compileForLift(t, func() *policy.Set { return c.Set }, []netip.Prefix{clusterRange}, nil)
			u := buildUniverse(t, m, nps)
			u.stride = 4
			assertLiftRoundTrip(t, m, nps, golden.Namespaces(m), []netip.Prefix{clusterRange}, u.eachFlow, &total)
		})
	}
	t.Logf("random: %d round trips, %d flows, %d mismatches", total.sets, total.flows, total.mismatches)
}

// liftSeeds says what lifting each NetworkPolicy seed gives, with the cluster's ranges
// declared: nothing, when it lifts, or the field path and reason of its one refusal.
var liftSeeds = map[string][]string{
	"01-api-server-policy.yaml": {"spec.ingress[0].from[1].ipBlock.except",
		"10.0.0.0/8 covers the cluster's range 10.244.0.0/16, which the except list leaves (partly) in"},
	"02-default-deny-all.yaml":    nil,
	"03-allow-dns-egress.yaml":    nil,
	"04-namespace-isolation.yaml": nil,
}

// TestLiftSeeds lifts every seed manifest: the NetworkPolicy ones lift, with the verdicts
// of the engine on every flow of their universe, or are refused as liftSeeds says; the
// Cilium ones are cilium/lift_test.go's, the Calico ones lift/calico_test.go's; the others
// are kinds this package does not lift yet, and Decode says so.
func TestLiftSeeds(t *testing.T) {
	files, err := os.ReadDir(seedDir)
	if err != nil {
		t.Fatal(err)
	}
	var total liftCount
	for _, file := range files {
		t.Run(file.Name(), func(t *testing.T) {
			f, err := os.Open(filepath.Join(seedDir, file.Name()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			objs, err := lift.Decode(f)
			want, isNP := liftSeeds[file.Name()]
			if !isNP {
				switch kind := seedKind(t, file.Name()); kind {
				case "NetworkPolicy":
					t.Fatalf("NetworkPolicy seed %s is missing from liftSeeds", file.Name())
				case "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy":
					return // lifted by lift.Cilium: see cilium/lift_test.go
				}
				if err == nil && len(objs.Calico.GlobalNetworkPolicies) > 0 {
					return // a Calico seed: lift/calico_test.go lifts it
				}
				if err == nil || !strings.Contains(err.Error(), "is not lifted") {
					t.Fatalf("got %v; want the kind refused", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			set, err := lift.NetworkPolicies(objs.NetworkPolicies, nil, lift.ClusterCIDRs(clusterRange))
			if want != nil {
				var le *lift.Error
				if !errors.As(err, &le) || len(le.Problems) != 1 || le.Problems[0].Err.Field != want[0] ||
					!strings.Contains(le.Problems[0].Err.Error(), want[1]) {
					t.Fatalf("got %v; want one problem at %s: %s", err, want[0], want[1])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := set.Model()
			if err != nil {
				t.Fatal(err)
			}
			u := buildUniverse(t, m, objs.NetworkPolicies)
			assertLiftRoundTrip(t, nil, objs.NetworkPolicies, nil, []netip.Prefix{clusterRange}, u.eachFlow, &total)
		})
	}
	t.Logf("seeds: %d lifted, %d flows, %d mismatches", total.sets, total.flows, total.mismatches)
}
