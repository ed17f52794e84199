package equivalence

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// These tests prove migrations between engines: objects of one engine (compiled from a
// corpus Set), lifted into intent (package lift), compiled for another engine, must be
// judged by that engine as the first engine judges the original objects, flow by flow at
// both ends. The reference evaluator plays no part: the two engines' own code decides.

// migration is one path from engine to engine through lift.
type migration struct {
	name string
	// from compiles the corpus Set and judges its objects; its features pick the random
	// Sets.
	from backend
	// lift lifts from's objects, given the namespaces and the pod ranges.
	lift func(objs []runtime.Object, namespaces []*corev1.Namespace, pools []netip.Prefix) (*policy.Set, error)
	// to compiles the lifted Set and judges its objects.
	to backend
	// toRefuses lists the constructs to may refuse in lifted Sets: intent the objects of
	// from hold and to cannot express. Any other refusal fails the test: the lifted Set
	// should be no harder to compile than the objects require.
	toRefuses []string
}

// calicoLiftable: calico with the cluster's ranges and without application layer policy,
// whose output lift.Calico lifts (it refuses http matches, which Felix ignores). Its
// random Sets use every feature calico compiles so.
var calicoLiftable = backend{
	name:     "calico+ClusterCIDRs",
	features: randset.Features{Deny: true, Cluster: true, Entities: true, ICMP: true, ServiceAccounts: true},
	compile: func(set *policy.Set, pools []netip.Prefix) (*compiled, error) {
		res, err := calico.Compile(set, calico.ClusterCIDRs(pools...))
		if err != nil {
			return nil, err
		}
		return toCompiled(res, len(res.Objects()), res.Warnings(), nil)
	},
	newEngine:    newCalicoEngine,
	coverage:     Declared,
	perFamily:    true,
	modelsHost:   true,
	surroundings: true,
}

// liftNetworkPolicies lifts k8snp's output.
func liftNetworkPolicies(objs []runtime.Object, namespaces []*corev1.Namespace, pools []netip.Prefix) (*policy.Set, error) {
	nps, err := networkPolicies(objs)
	if err != nil {
		return nil, err
	}
	return lift.NetworkPolicies(nps, namespaces, lift.ClusterCIDRs(pools...))
}

// liftCilium lifts cilium's output, in the oracle's local cluster.
func liftCilium(objs []runtime.Object, namespaces []*corev1.Namespace, _ []netip.Prefix) (*policy.Set, error) {
	var cnps []*ciliumv2.CiliumNetworkPolicy
	var ccnps []*ciliumv2.CiliumClusterwideNetworkPolicy
	for _, o := range objs {
		switch x := o.(type) {
		case *ciliumv2.CiliumNetworkPolicy:
			cnps = append(cnps, x)
		case *ciliumv2.CiliumClusterwideNetworkPolicy:
			ccnps = append(ccnps, x)
		default:
			return nil, fmt.Errorf("cilium emitted %T", o)
		}
	}
	return lift.Cilium(cnps, ccnps, namespaces, lift.LocalCluster(oracle.DefaultClusterName))
}

// liftCalico lifts calico's output.
func liftCalico(objs []runtime.Object, namespaces []*corev1.Namespace, pools []netip.Prefix) (*policy.Set, error) {
	var c lift.CalicoObjects
	for _, o := range objs {
		switch x := o.(type) {
		case *calicov3.Tier:
			c.Tiers = append(c.Tiers, x)
		case *calicov3.NetworkPolicy:
			c.NetworkPolicies = append(c.NetworkPolicies, x)
		case *calicov3.GlobalNetworkPolicy:
			c.GlobalNetworkPolicies = append(c.GlobalNetworkPolicies, x)
		case *calicov3.StagedNetworkPolicy:
			c.StagedNetworkPolicies = append(c.StagedNetworkPolicies, x)
		case *calicov3.StagedGlobalNetworkPolicy:
			c.StagedGlobalNetworkPolicies = append(c.StagedGlobalNetworkPolicies, x)
		default:
			return nil, fmt.Errorf("calico emitted %T", o)
		}
	}
	return lift.Calico(&c, namespaces, lift.ClusterCIDRs(pools...))
}

// migrationStats counts what a migration test did.
type migrationStats struct {
	mu sync.Mutex
	// Sets: all, refused by the first backend, lifted, refused by the second backend (by
	// construct), compared.
	sets, refusedFrom, lifted, compared int
	// refusedFromBy and refusedTo count the refusals by construct.
	refusedFromBy, refusedTo map[string]int
	flows                    tally
}

func (s *migrationStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d Sets: %d refused by the first backend (%v), %d lifted, %d compared; refused by the second backend for: %v\n",
		s.sets, s.refusedFrom, s.refusedFromBy, s.lifted, s.compared, s.refusedTo)
	f := &s.flows
	fmt.Fprintf(&b, "%d flows: %d judged by both engines, %d mismatched\n", f.asked, f.judged, f.mismatched)
	for _, k := range SortedReasons(f.skipped) {
		fmt.Fprintf(&b, "  skipped %7d: %s\n", f.skipped[k], k)
	}
	return b.String()
}

// namespaceObjects returns the Namespace objects of the namespaces m declares.
func namespaceObjects(m *policy.Model) []*corev1.Namespace {
	var out []*corev1.Namespace
	for _, ns := range m.Namespaces {
		out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels}})
	}
	return out
}

// runMigration checks mig on every corpus item of mig.from's features.
func runMigration(t *testing.T, mig migration) {
	st := &migrationStats{refusedFromBy: map[string]int{}, refusedTo: map[string]int{}}
	for _, it := range corpus(mig.from, randomSets()/2) {
		t.Run(it.name, func(t *testing.T) { checkMigration(t, mig, it, st) })
	}
	t.Logf("%s: %s", mig.name, st)
	if st.compared == 0 || st.flows.judged == 0 {
		t.Fatalf("%s: nothing compared", mig.name)
	}
}

// engineSide is one engine of a migration over its universes, one per IP family.
type engineSide struct {
	b       backend
	us      map[int]*Universe
	engines map[int]engine
}

// newSide builds b's universes (from the same samples and pod ranges as every side:
// NewUniverse is deterministic) and its engine over objs in each.
func newSide(b backend, m *policy.Model, pu *policy.Universe, objs []runtime.Object) (*engineSide, error) {
	us, err := universes(backend{coverage: Declared, perFamily: true, surroundings: b.surroundings}, m, pu)
	if err != nil {
		return nil, err
	}
	s := &engineSide{b: b, us: us, engines: map[int]engine{}}
	for fam, u := range us {
		e, err := b.newEngine(append(objs[:len(objs):len(objs)], u.Extra...), u.Oracle)
		if err != nil {
			return nil, fmt.Errorf("%s engine (IPv%d pods): %w", b.name, fam, err)
		}
		s.engines[fam] = e
	}
	return s, nil
}

// decide asks the side's engine about c in the universe of family fam; a non-empty
// string says why it cannot be asked or cannot judge.
func (s *engineSide) decide(c Case, fam int) (oracle.Decision, string, error) {
	for _, smp := range []policy.Sample{c.From, c.To} {
		if why := Unmodeled(smp, s.b.modelsReserved, s.b.modelsHost); why != "" {
			return oracle.Decision{}, s.b.name + ": " + why, nil
		}
	}
	if c.Probe.ICMP != nil && !s.b.modelsICMP {
		return oracle.Decision{}, s.b.name + ": " + SkipICMP, nil
	}
	u := s.us[fam]
	of, why := u.Flow(c)
	if why != "" {
		return oracle.Decision{}, s.b.name + ": " + why, nil
	}
	d, err := s.engines[fam].Decide(of)
	if errors.Is(err, oracle.ErrCannotJudge) {
		return oracle.Decision{}, s.b.name + ": " + Reason(err), nil
	}
	if err != nil {
		return oracle.Decision{}, "", fmt.Errorf("%s: %s engine: %w", c, s.b.name, err)
	}
	return d, "", nil
}

// checkMigration compiles one corpus item for mig.from, lifts the objects, compiles the
// lifted Set for mig.to, and compares the two engines on every flow.
func checkMigration(t *testing.T, mig migration, it item, st *migrationStats) {
	set := it.build()
	m, err := set.Model()
	if err != nil {
		t.Fatalf("invalid Set: %v\n%s", err, it.repro)
	}
	pu := Normalize(m.Universe())
	if mig.from.surroundings || mig.to.surroundings {
		pu = Surround(pu)
	}
	us, err := universes(backend{coverage: Declared, perFamily: true}, m, pu)
	if err != nil {
		t.Fatalf("universe: %v\n%s", err, it.repro)
	}
	var pools []netip.Prefix
	for _, fam := range []int{4, 6} {
		if u := us[fam]; u != nil {
			pools = append(pools, u.Pool)
		}
	}
	st.mu.Lock()
	st.sets++
	st.mu.Unlock()

	from, err := compileSafely(mig.from, set, pools)
	var ce *policy.CompileError
	if errors.As(err, &ce) || err == nil && len(from.warnings) > 0 {
		st.mu.Lock()
		st.refusedFrom++
		if ce != nil {
			for _, k := range uniqueConstructs(ce) {
				st.refusedFromBy[k]++
			}
		}
		st.mu.Unlock()
		return
	}
	if err != nil {
		t.Fatalf("%s.Compile: %v\n%s", mig.from.name, err, it.repro)
	}
	fromObjs, err := oracle.DecodeYAML(from.yaml)
	if err != nil {
		t.Fatal(err)
	}
	lifted, err := mig.lift(fromObjs, namespaceObjects(m), pools)
	if err != nil {
		t.Fatalf("lift: %v\n%s\n%s", err, it.repro, from.yaml)
	}
	st.mu.Lock()
	st.lifted++
	st.mu.Unlock()
	to, err := compileSafely(mig.to, lifted, pools)
	if errors.As(err, &ce) {
		st.mu.Lock()
		for _, k := range uniqueConstructs(ce) {
			st.refusedTo[k]++
		}
		st.mu.Unlock()
		for _, p := range ce.Problems {
			if !slices.ContainsFunc(mig.toRefuses, func(c string) bool { return strings.HasPrefix(p.Construct, c) }) {
				t.Errorf("%s refuses the lifted Set for %s: %v\n%s", mig.to.name, p.Construct, err, it.repro)
				break
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("%s.Compile of the lifted Set: %v\n%s", mig.to.name, err, it.repro)
	}
	if len(to.warnings) > 0 {
		t.Fatalf("%s.Compile of the lifted Set warned: %v", mig.to.name, to.warnings)
	}
	toObjs, err := oracle.DecodeYAML(to.yaml)
	if err != nil {
		t.Fatal(err)
	}
	sides := [2]*engineSide{}
	for i, x := range []struct {
		b    backend
		objs []runtime.Object
	}{{mig.from, fromObjs}, {mig.to, toObjs}} {
		if sides[i], err = newSide(x.b, m, pu, x.objs); err != nil {
			t.Fatalf("%v\n%s", err, it.repro)
		}
	}

	ss := &tally{skipped: map[string]int{}}
	var mismatches []string
	for _, c := range Cases(pu) {
		ss.asked++
		fam := c.ExternalFamily()
		if fam == 0 {
			fam = 4
			if us[4] == nil {
				fam = 6
			}
		}
		if us[fam] == nil {
			ss.skipped[skipNoPool]++
			continue
		}
		var ds [2]oracle.Decision
		skipped := false
		for i, s := range sides {
			d, why, err := s.decide(c, fam)
			if err != nil {
				t.Fatal(err)
			}
			if why != "" {
				ss.skipped[why]++
				skipped = true
				break
			}
			ds[i] = d
		}
		if skipped {
			continue
		}
		ss.judged++
		a, b := ds[0], ds[1]
		if a.Allowed != b.Allowed || a.EgressAllowed != b.EgressAllowed || a.IngressAllowed != b.IngressAllowed {
			ss.mismatched++
			mismatches = append(mismatches, fmt.Sprintf("  %s\n    %s: allowed=%v (egress=%v ingress=%v): %s\n    %s: allowed=%v (egress=%v ingress=%v): %s",
				c, mig.from.name, a.Allowed, a.EgressAllowed, a.IngressAllowed, a.Reason, mig.to.name, b.Allowed, b.EgressAllowed, b.IngressAllowed, b.Reason))
		}
	}
	st.mu.Lock()
	st.compared++
	st.flows.add(ss)
	st.mu.Unlock()
	if n := len(mismatches); n > 0 {
		t.Errorf("%s: %d of %d flows judged differently (first %d).\nReproduce: %s\nFlows:\n%s\nOriginal objects:\n%s\nMigrated objects:\n%s",
			mig.name, n, ss.judged, min(n, 8), it.repro, strings.Join(mismatches[:min(n, 8)], "\n"), from.yaml, to.yaml)
	}
}

// uniqueConstructs returns the distinct constructs of ce's problems.
func uniqueConstructs(ce *policy.CompileError) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ce.Problems {
		if !seen[p.Construct] {
			seen[p.Construct] = true
			out = append(out, p.Construct)
		}
	}
	return out
}

// TestMigrateNetworkPolicyToCalico: NetworkPolicies (k8snp's output with the cluster's
// ranges), lifted and compiled for Calico, judged by the Calico engine, must decide every
// flow as cyclonus decides it on the NetworkPolicies.
func TestMigrateNetworkPolicyToCalico(t *testing.T) {
	t.Parallel()
	runMigration(t, migration{name: "NetworkPolicy -> Calico", from: k8snpClusterBackend, lift: liftNetworkPolicies, to: calicoLiftable})
}

// TestMigrateNetworkPolicyToNetworkPolicy: NetworkPolicies lifted and compiled back with
// k8snp mean what they meant, under Cilium's translation of NetworkPolicy. Not parallel:
// the Cilium engine sets process-global Cilium options.
func TestMigrateNetworkPolicyToNetworkPolicy(t *testing.T) {
	runMigration(t, migration{name: "NetworkPolicy -> NetworkPolicy", from: k8snpClusterCiliumBackend, lift: liftNetworkPolicies, to: k8snpClusterCiliumBackend})
}

// TestMigrateNetworkPolicyToCilium: NetworkPolicies lifted and compiled for Cilium,
// judged by Cilium's policy engine, decide every flow as Cilium's translation of the
// NetworkPolicies does. Not parallel, as above.
func TestMigrateNetworkPolicyToCilium(t *testing.T) {
	runMigration(t, migration{name: "NetworkPolicy -> Cilium", from: k8snpClusterCiliumBackend, lift: liftNetworkPolicies, to: ciliumBackend,
		// Cilium's identities drop the beta.kubernetes.io labels.
		toRefuses: []string{"namespace label key failure-domain.beta.kubernetes.io"}})
}

// TestMigrateCiliumToCalico: Cilium objects lifted and compiled for Calico, judged by the
// Calico engine, decide every flow as Cilium's engine does on the original objects. Not
// parallel, as above.
func TestMigrateCiliumToCalico(t *testing.T) {
	runMigration(t, migration{name: "Cilium -> Calico", from: ciliumBackend, lift: liftCilium, to: calicoLiftable,
		// Calico open source has no other clusters' endpoints and no FQDN or DNS rules;
		// without application layer policy it has no HTTP rules; the nodes and the API
		// server are host endpoints to it, which the corpus does not declare.
		toRefuses: []string{"cluster-mesh peers", "FQDN peers", "DNS lookup rules", "L7 HTTP rules", "egress HTTP rules",
			"host entity", "host policies", "kube-apiserver entity", "remote-node entity"}})
}

// TestMigrateCalicoToCalico: Calico objects lifted and compiled back for Calico mean what
// they meant, under the Calico engine.
func TestMigrateCalicoToCalico(t *testing.T) {
	t.Parallel()
	runMigration(t, migration{name: "Calico -> Calico", from: calicoLiftable, lift: liftCalico, to: calicoLiftable})
}

// TestMigrateCalicoToCilium: Calico objects lifted and compiled for Cilium, judged by
// Cilium's policy engine, must decide every flow as the Calico engine decides it on the
// original objects. Not parallel: the Cilium engine sets process-global Cilium options.
func TestMigrateCalicoToCilium(t *testing.T) {
	runMigration(t, migration{name: "Calico -> Cilium", from: calicoLiftable, lift: liftCalico, to: ciliumBackend,
		// Cilium has no audit mode, tiers or pass rules, and its identities drop the
		// beta.kubernetes.io labels.
		toRefuses: []string{"audit mode", "tiers", "pass rules", "namespace label key failure-domain.beta.kubernetes.io"}})
}
