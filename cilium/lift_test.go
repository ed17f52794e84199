package cilium_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
)

// These tests check lift.Cilium against the Set the objects were compiled from: cilium is
// proven to express it exactly (the conformance tests judge its output with Cilium's own
// engine), so the Set lifted from its output must decide every flow, at both ends and at
// L7, as the original does. internal/conformance/equivalence/lift_cilium_test.go judges
// the lifted Set with Cilium's engine directly.

// roundTrip compiles build's Set, lifts the output and compares the two Sets on every flow
// of the original's universe. It returns the number of flows compared, or -1 when cilium
// refuses the Set.
func roundTrip(t *testing.T, build func() *policy.Set) int {
	t.Helper()
	m, err := build().Model()
	if err != nil {
		t.Fatal(err)
	}
	res, err := cilium.Compile(build())
	var ce *policy.CompileError
	if errors.As(err, &ce) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	set, err := lift.Cilium(res.CiliumNetworkPolicies, res.CiliumClusterwideNetworkPolicies, golden.Namespaces(m),
		lift.LocalCluster(clusterName))
	if err != nil {
		y, _ := res.YAML()
		t.Fatalf("lift: %v\n%s", err, y)
	}
	lifted, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	var mismatches []string
	flows := m.Universe().Flows()
	for _, f := range flows {
		want, got := m.Evaluate(f), lifted.Evaluate(f)
		wantEgress, gotEgress := !want.Source.Judged || want.Source.Allowed, !got.Source.Judged || got.Source.Allowed
		wantIngress, gotIngress := !want.Destination.Judged || want.Destination.Allowed, !got.Destination.Judged || got.Destination.Allowed
		if want.Allowed != got.Allowed || wantEgress != gotEgress || wantIngress != gotIngress {
			mismatches = append(mismatches, fmt.Sprintf("  %v\n    original: %s\n    lifted:   %s", f, want, got))
		}
	}
	if n := len(mismatches); n > 0 {
		y, _ := res.YAML()
		t.Errorf("%d of %d flows differ (first %d):\n%s\nobjects:\n%s", n, len(flows), min(n, 5), strings.Join(mismatches[:min(n, 5)], "\n"), y)
	}
	return len(flows)
}

// TestLiftRoundTripScenarios lifts the output of every scenario cilium compiles.
func TestLiftRoundTripScenarios(t *testing.T) {
	sets, flows := 0, 0
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			if n := roundTrip(t, s.Build); n >= 0 {
				sets++
				flows += n
			}
		})
	}
	if sets == 0 {
		t.Fatal("no scenario compiled")
	}
	t.Logf("scenarios: %d round trips, %d flows", sets, flows)
}

// TestLiftRoundTripRandom lifts the output of random Sets with every feature cilium
// translates.
func TestLiftRoundTripRandom(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 15
	}
	sets, flows := 0, 0
	for seed := range uint64(n) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			build := func() *policy.Set { return randset.New(seed, 3+int(seed%6), randset.All).Set }
			if n := roundTrip(t, build); n >= 0 {
				sets++
				flows += n
			}
		})
	}
	if sets < n/2 {
		t.Errorf("only %d of %d random Sets compiled", sets, n)
	}
	t.Logf("random: %d round trips, %d flows", sets, flows)
}

// seedDir holds the published manifests the scenarios reproduce.
const seedDir = "../k8snp/testdata/seed"

// liftSeeds says what lifting each Cilium seed gives: nothing when it lifts, or the field
// path and a part of the reason of each refusal. localCluster is the option the seed is
// lifted with, if any.
var liftSeeds = map[string]struct {
	localCluster string
	problems     [][2]string
}{
	// The paths are regexes matched against the whole request target: they admit no
	// query string, which no intent path says.
	"05-l7-api-policy.yaml": {problems: [][2]string{
		{"spec.ingress[0].toPorts[0].rules.http[0].path", "admits /api/v1/products with no query string only"},
		{"spec.ingress[0].toPorts[0].rules.http[1].path", "admits /api/v1/orders with no query string only"},
		{"spec.ingress[0].toPorts[0].rules.http[2].path", "admits /healthz with no query string only"},
	}},
	// DNS rules on protocol ANY also apply to SCTP.
	"06-dns-based-egress.yaml": {problems: [][2]string{
		{"spec.egress[0].toPorts[0].ports[0].protocol", "protocol ANY with rules.dns"},
		// And with that rule refused, nothing sends the lookups through the DNS proxy,
		// from which toFQDNs learns the names' addresses.
		{"spec.egress[1].toFQDNs[0]", "lift needs the same policy to allow egress to kube-dns"},
		{"spec.egress[2].toFQDNs[0]", "lift needs the same policy to allow egress to kube-dns"},
	}},
	// An empty endpointSelector of a clusterwide policy selects the reserved endpoints
	// too (and, with the egress deny and enableDefaultDeny unset, isolates their egress).
	"07-block-metadata-access.yaml": {problems: [][2]string{
		{"spec.endpointSelector", "also selects Cilium's reserved endpoints (health, ingress, init)"},
	}},
	// Lifts: the policy.cilium.io/audit-mode annotation is read by no part of Cilium
	// (audit mode is the agent's policy-audit-mode or an endpoint's setting), so it
	// decides nothing; the reserved:host selectors are the node (policy.Host).
	"10-audit-default-deny.yaml": {},
	"11-microservice-pattern.yaml": {problems: [][2]string{
		{"spec.ingress[0].toPorts[0].rules.http[0].path", "admits /orders with no query string only"},
		{"spec.ingress[0].toPorts[0].rules.http[1].path", "admits /orders/[0-9]+ with no query string only"},
	}},
	// Lifts once the local cluster is named: cluster-east and cluster-west are then
	// cluster-mesh clusters.
	"13-cross-cluster-policy.yaml": {localCluster: "cluster-central"},
}

// TestLiftSeeds lifts every Cilium seed manifest: it lifts, or is refused as liftSeeds
// says. The seed of a cluster label is also refused without lift.LocalCluster.
func TestLiftSeeds(t *testing.T) {
	files, err := os.ReadDir(seedDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, file := range files {
		f, err := os.Open(filepath.Join(seedDir, file.Name()))
		if err != nil {
			t.Fatal(err)
		}
		objs, err := lift.Decode(f)
		f.Close()
		if err != nil || len(objs.CiliumNetworkPolicies)+len(objs.CiliumClusterwideNetworkPolicies) == 0 {
			if _, listed := liftSeeds[file.Name()]; listed {
				t.Errorf("%s: decode: %v, and no Cilium object", file.Name(), err)
			}
			continue
		}
		seen++
		t.Run(file.Name(), func(t *testing.T) {
			want, ok := liftSeeds[file.Name()]
			if !ok {
				t.Fatalf("Cilium seed %s is missing from liftSeeds", file.Name())
			}
			var opts []lift.Option
			if want.localCluster != "" {
				opts = append(opts, lift.LocalCluster(want.localCluster))
				_, err := lift.Lift(objs)
				assertProblems(t, err, [][2]string{{"spec.ingress[0].fromEndpoints[0].matchLabels[io.cilium.k8s.policy.cluster]", "declare the local cluster's name"},
					{"spec.ingress[1].fromEndpoints[0].matchLabels[io.cilium.k8s.policy.cluster]", "declare the local cluster's name"}})
			}
			set, err := lift.Lift(objs, opts...)
			if len(want.problems) > 0 {
				assertProblems(t, err, want.problems)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := set.Model(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if seen != len(liftSeeds) {
		t.Errorf("%d Cilium seeds; liftSeeds lists %d", seen, len(liftSeeds))
	}
}

// assertProblems checks that err is a *lift.Error with exactly the problems want (field
// path, part of the reason), in order.
func assertProblems(t *testing.T, err error, want [][2]string) {
	t.Helper()
	var le *lift.Error
	if !errors.As(err, &le) {
		t.Fatalf("got %v; want a *lift.Error", err)
	}
	if len(le.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(le.Problems), len(want), err)
	}
	for i, w := range want {
		if got := le.Problems[i].Err; got.Field != w[0] || !strings.Contains(got.Error(), w[1]) {
			t.Errorf("problem %d: got %s: %v; want %s: ...%s...", i, got.Field, got, w[0], w[1])
		}
	}
}
