package calico_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// checkEquivalent compiles set and asserts that the engine's verdict on the emitted objects,
// among the surroundings sur, equals the reference evaluator's for every flow. It reports
// false, checking nothing, when the backend refuses the Set or translates it with
// warnings.
func checkEquivalent(t *testing.T, name string, set *policy.Set, sur *surroundings, flows []policy.Flow, opts ...calico.Option) bool {
	t.Helper()
	m, err := set.Model()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	res, err := calico.Compile(set, opts...)
	var ce *policy.CompileError
	if errors.As(err, &ce) {
		return false
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res.Warnings()) > 0 {
		return false
	}
	e, err := newEngine(res, sur)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	failures := 0
	for _, f := range flows {
		want := m.Evaluate(f)
		if got := e.verdict(f); got != want.Allowed {
			failures++
			if failures <= 5 {
				t.Errorf("%s: %s: Calico allows=%v, intent: %s", name, describeFlow(f), got, want)
			}
		}
	}
	if failures > 0 {
		y, _ := res.YAML()
		t.Errorf("%s: %d flows differ; the objects:\n%s", name, failures, y)
	}
	return true
}

// TestEquivalence checks every Set of the hand-written corpus on every flow of the
// universe: with the cluster's address ranges declared, and also without them, where the
// backend must refuse CIDR peers (plain nets would match pods and nodes).
func TestEquivalence(t *testing.T) {
	u := newUniverse()
	flows := u.flows(nil, 0)
	compared := 0
	for _, c := range handCorpus() {
		if checkEquivalent(t, c.name, c.build(), u.sur, flows, append([]calico.Option{clusterCIDRs()}, c.opts...)...) {
			compared++
		}
		checkEquivalent(t, c.name+"-undeclared", c.build(), u.sur, flows, c.opts...)
	}
	t.Logf("%d Sets compared", compared)
	// Scenarios that Calico refuses (cluster mesh, FQDN, HTTP without ALP, host egress)
	// are skipped; everything written for this test must compile.
	if want := 22; compared < want {
		t.Errorf("only %d Sets compiled without warnings, want at least %d", compared, want)
	}
}

// TestEquivalenceRandom checks random Sets on a sample of flows, with the cluster's
// address ranges declared, and without them.
func TestEquivalenceRandom(t *testing.T) {
	u := newUniverse()
	rng := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testing.Short() {
		n = 60
	}
	compared := 0
	for i := range n {
		ops := randomSet(rng)
		build := func() *policy.Set {
			s := withNamespaces(policy.NewSet())
			for _, op := range ops {
				op(s)
			}
			return s
		}
		if err := build().Validate(); err != nil {
			continue
		}
		flows := u.flows(rng, 1000)
		name := fmt.Sprintf("random-%d", i)
		if checkEquivalent(t, name, build(), u.sur, flows, clusterCIDRs(), calico.ApplicationLayerPolicy()) {
			compared++
		}
		checkEquivalent(t, name+"-undeclared", build(), u.sur, flows, calico.ApplicationLayerPolicy())
	}
	t.Logf("%d of %d random Sets compared", compared, n)
	if compared < n/3 {
		t.Errorf("only %d of %d random Sets compiled without warnings", compared, n)
	}
}

// TestDeterminism builds each random Set in two declaration orders and expects
// byte-identical YAML (or the same error).
func TestDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		ops := randomSet(rng)
		forward := withNamespaces(policy.NewSet())
		for _, op := range ops {
			op(forward)
		}
		backward := policy.NewSet()
		for j := len(ops) - 1; j >= 0; j-- {
			ops[j](backward)
		}
		withNamespaces(backward)
		a, errA := compileYAML(forward)
		b, errB := compileYAML(backward)
		if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
			t.Fatalf("set %d: errors differ:\n%v\n%v", i, errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("set %d: output depends on declaration order:\n%s\n---- vs ----\n%s", i, a, b)
		}
	}
}

func compileYAML(set *policy.Set) ([]byte, error) {
	res, err := calico.Compile(set, clusterCIDRs(), calico.ApplicationLayerPolicy(), calico.WidenL7())
	if err != nil {
		return nil, err
	}
	return res.YAML()
}

// TestEquivalenceRandset checks the shared random Sets (internal/randset) on a sample of
// the flows of the Model's own Universe, which the other backends are judged on too.
// Flows from a node to a pod are left out: Calico never polices them.
func TestEquivalenceRandset(t *testing.T) {
	n := uint64(80)
	if testing.Short() {
		n = 20
	}
	features := randset.Features{Deny: true, Cluster: true, L7: true, L7IngressOnly: true, ICMP: true, ServiceAccounts: true}
	compared := 0
	for seed := range n {
		c := randset.New(seed, 6, features)
		m, err := c.Set.Model()
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var flows []policy.Flow
		all := m.Universe().Flows()
		rng := rand.New(rand.NewPCG(seed, 0))
		for range 2000 {
			if f := all[rng.IntN(len(all))]; f.From.Kind != policy.EndpointHost || f.To.Kind != policy.EndpointPod {
				flows = append(flows, f)
			}
		}
		// The pods' range is the cluster's (the universe's nodes have no addresses).
		opts := []calico.Option{calico.ClusterCIDRs(m.Universe().PodCIDR), calico.ApplicationLayerPolicy()}
		if checkEquivalent(t, fmt.Sprintf("randset seed %d\n%s", seed, c.Code), c.Set, newSurroundings(), flows, opts...) {
			compared++
		}
	}
	t.Logf("%d of %d Sets compared", compared, n)
	if compared < int(n)/4 {
		t.Errorf("only %d of %d random Sets compiled without warnings", compared, n)
	}
}
