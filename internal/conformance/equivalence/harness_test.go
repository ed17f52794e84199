package equivalence

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/runtime"
)

// engine is what the three oracle engines have in common.
type engine interface {
	Decide(oracle.Flow) (oracle.Decision, error)
}

// compiled is a backend's output for one Set.
type compiled struct {
	// yaml is Result.YAML(): what a user applies.
	yaml []byte
	// objects is len(Result.Objects()).
	objects int
	// warnings is Result.Warnings().
	warnings []policy.Warning
}

// backend says how to compile for, judge and check one backend.
type backend struct {
	name string
	// features are the randset features the backend supports.
	features randset.Features
	// compile compiles set. pools are the pod ranges of the universes the output is
	// judged in, for backends told about the cluster's ranges (calico.ClusterCIDRs).
	compile func(set *policy.Set, pools []netip.Prefix) (*compiled, error)
	// newEngine builds the backend's engine over the decoded objects.
	newEngine func(objs []runtime.Object, u oracle.Universe) (engine, error)
	// coverage says how pod addresses avoid CIDR peers for this engine.
	coverage Coverage
	// perFamily builds a universe per IP family and judges each flow with an external end
	// in the one of its family (Calico refuses flows that mix families; pods of a
	// dual-stack cluster talk to IPv6 addresses from their IPv6 address).
	perFamily bool
	// modelsReserved is true when the engine judges the local node and Cilium's other
	// reserved identities (remote nodes, the API server, system endpoints) as flow ends.
	modelsReserved bool
	// modelsICMP is true when the engine judges ICMP flows (by type).
	modelsICMP bool
	// modelsHost is true when the engine judges the nodes (local and remote) as flow
	// ends by their addresses: Calico's host endpoints, which surroundings gives the
	// universes. The NetworkPolicy engine refuses nodes (implementation-defined).
	modelsHost bool
	// modelsHostPolicies is true when the engine judges a node end by the host policies
	// that select the node (Cilium's host firewall); otherwise flows whose node end the
	// reference judges are skipped (skipHostFirewall).
	modelsHostPolicies bool
	// optionRefusals are constructs the backend refuses without an option the run does
	// not give (the calico.ClusterCIDRs variant covers them): random Sets refused only
	// for them do not count as barely exercising the backend.
	optionRefusals []string
	// surroundings gives the universes nodes with host endpoints and network sets
	// labelled like the pods (Calico; see Surround).
	surroundings bool
	// exactIPBlocks makes a flow whose pod address an ipBlock matches a mismatch instead
	// of a skip: the backend promises output whose meaning does not depend on whether
	// ipBlocks match pods (k8snp: CIDR peers refused without the cluster's ranges,
	// excepting them with).
	exactIPBlocks bool
	// refusesRandom says why most random Sets are refused, waiving the check that at
	// least half of them compile.
	refusesRandom string
	// unjudgeable lists constructs of m, beyond FQDN peers and host policies, for which
	// the engine refuses flows by design (the judged-share check is then waived).
	unjudgeable func(m *policy.Model) []string
	// structural checks what the engine only judges at L4 (L7 and FQDN rules) against
	// the Model; it returns one line per problem.
	structural func(m *policy.Model, objs []runtime.Object) *structReport
	// requests says that the engine judges HTTP requests itself (an httpDecider):
	// compareRequests asks it about sampled requests.
	requests bool
}

// item is one Set of a corpus.
type item struct {
	// name names the subtest: "scenario=ecommerce", "seed=12".
	name string
	// repro says how to rebuild the Set: its Go code.
	repro string
	// build returns a fresh Set.
	build func() *policy.Set
	// random marks randset Sets.
	random bool
}

// randomSets is the number of random Sets per backend (-short: fewer).
func randomSets() int {
	if testing.Short() {
		return 40
	}
	return 200
}

// randomSize is the number of services of the random Set of seed: 3 to 8.
func randomSize(seed uint64) int { return 3 + int(seed%6) }

// corpus returns every scenario, the hand-written Sets and the random Sets of b's
// features, seeds 0..n-1.
func corpus(b backend, n int) []item {
	var out []item
	for _, sc := range scenarios.All() {
		out = append(out, item{
			name:  "scenario=" + sc.Name,
			repro: fmt.Sprintf("scenarios.All(): %q (examples/scenarios)", sc.Name),
			build: sc.Build,
		})
	}
	for _, h := range handSets {
		out = append(out, item{name: "hand=" + h.name, build: h.build,
			repro: fmt.Sprintf("handSets %q (handsets_test.go):\n%s", h.name, h.code)})
	}
	for seed := range uint64(n) {
		size := randomSize(seed)
		c := randset.New(seed, size, b.features)
		out = append(out, item{
			name:   fmt.Sprintf("seed=%d", seed),
			repro:  fmt.Sprintf("randset.New(%d, %d, %#v), whose code is:\n%s", seed, size, b.features, c.Code),
			build:  func() *policy.Set { return randset.New(seed, size, b.features).Set },
			random: true,
		})
	}
	return out
}

// stats counts what a corpus run did.
type stats struct {
	mu sync.Mutex
	// Sets: all, refused with a CompileError, compiled with warnings, compared flow by
	// flow; randomRefused counts the random Sets refused for more than optionRefusals.
	sets, refused, warned, compared, randomRefused int
	// objects is the number of objects validated.
	objects int
	// structural counts the items checked structurally, by kind.
	structural map[string]int
	// refusals counts the constructs of CompileErrors.
	refusals map[string]int
	// flows counts every flow of the compared Sets' universes.
	flows tally
	// http counts the HTTP requests judged by backends with requests set.
	http tally
}

// tally counts what an engine was asked, flows or HTTP requests: all of them, the ones it
// judged, the judged ones where it disagreed with the reference, and the others by the
// reason they were skipped.
type tally struct {
	asked, judged, mismatched int
	skipped                   map[string]int
}

// add adds o's counts to t.
func (t *tally) add(o *tally) {
	t.asked += o.asked
	t.judged += o.judged
	t.mismatched += o.mismatched
	if t.skipped == nil {
		t.skipped = map[string]int{}
	}
	for k, v := range o.skipped {
		t.skipped[k] += v
	}
}

// inDomain is the number of items asked less those outside every engine's domain
// (outOfDomain).
func (t *tally) inDomain() int {
	n := t.asked
	for why, k := range t.skipped {
		if outOfDomain[why] {
			n -= k
		}
	}
	return n
}

// String renders the counts for the test log.
func (s *stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d Sets: %d refused (CompileError; %d of them random, beyond options the run lacks), %d with warnings, %d compared; %d objects validated\n",
		s.sets, s.refused, s.randomRefused, s.warned, s.compared, s.objects)
	for _, k := range SortedReasons(s.refusals) {
		fmt.Fprintf(&b, "  refused %4d Sets for: %s\n", s.refusals[k], k)
	}
	fmt.Fprintf(&b, "structural checks: %v\n", s.structural)
	pct := func(n int) float64 {
		if s.flows.asked == 0 {
			return 0
		}
		return 100 * float64(n) / float64(s.flows.asked)
	}
	f := &s.flows
	fmt.Fprintf(&b, "%d flows: %d judged (%.1f%%), %d mismatched\n", f.asked, f.judged, pct(f.judged), f.mismatched)
	for _, k := range SortedReasons(f.skipped) {
		fmt.Fprintf(&b, "  skipped %7d (%.1f%%): %s\n", f.skipped[k], pct(f.skipped[k]), k)
	}
	if h := &s.http; h.asked > 0 {
		fmt.Fprintf(&b, "%d HTTP requests: %d judged by the engine's application layer checker, %d mismatched\n", h.asked, h.judged, h.mismatched)
		for _, k := range SortedReasons(h.skipped) {
			fmt.Fprintf(&b, "  skipped %7d: %s\n", h.skipped[k], k)
		}
	}
	return b.String()
}

// Reasons for skipping flows that the harness (not the engine) decides.
const (
	skipHostFirewall = "node end judged by a host policy: the Cilium engine models no host firewall"
	skipNoPool       = "no pod range of the flow's IP family clear of the CIDR peers"
)

// outOfDomain lists the skip reasons that say a flow is outside what an engine can be
// asked at all, whatever the Set: they do not count against the judged share.
var outOfDomain = map[string]bool{
	SkipICMP: true, SkipICMPCode: true, SkipRemoteNode: true, SkipAPIServer: true, SkipSystem: true,
	SkipHost: true, SkipOwnNode: true, SkipInPool: true,
}

// minJudged is the share of a Set's flows inside the engine's domain that must be judged
// when the Set uses no construct an engine cannot judge (FQDN peers, host policies).
const minJudged = 0.8

// minJudgedOverall is the share of a corpus's flows inside the engine's domain (all but
// the outOfDomain skips) that must be judged: what remains unjudged, by reason, is what
// the engine cannot say offline (toFQDNs, cyclonus' selector bugs, ...).
const minJudgedOverall = 0.9

// runCorpus checks every corpus item of b (valid output, and equivalence where it
// compiled without warnings) and logs the counts.
func runCorpus(t *testing.T, b backend) {
	st := &stats{structural: map[string]int{}, refusals: map[string]int{}}
	items := corpus(b, randomSets())
	for _, it := range items {
		t.Run(it.name, func(t *testing.T) { checkSet(t, b, it, st) })
	}
	t.Logf("%s: %s", b.name, st)
	if st.compared == 0 || st.flows.judged == 0 {
		t.Fatalf("%s: nothing compared", b.name)
	}
	if considered := st.flows.inDomain(); float64(st.flows.judged) < minJudgedOverall*float64(considered) {
		t.Errorf("%s: only %d of the %d flows in the engine's domain judged", b.name, st.flows.judged, considered)
	}
	if random := len(items) - len(scenarios.All()) - len(handSets); st.randomRefused > random/2 && b.refusesRandom == "" {
		t.Errorf("%s: %d of %d random Sets refused: the corpus barely exercises the backend", b.name, st.randomRefused, random)
	}
}

// compileSafely calls b.compile, turning a panic into an error.
func compileSafely(b backend, set *policy.Set, pools []netip.Prefix) (c *compiled, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return b.compile(set, pools)
}

// universes builds the oracle universes for b: one per family when b.perFamily, else
// one, of the first family with a clear pod range.
func universes(b backend, m *policy.Model, pu *policy.Universe) (map[int]*Universe, error) {
	out := map[int]*Universe{}
	for _, fam := range []int{4, 6} {
		u, err := NewUniverse(m, pu, fam, b.coverage)
		if errors.Is(err, ErrNoPool) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if b.surroundings {
			if err := u.addSurroundings(pu); err != nil {
				return nil, err
			}
		}
		out[fam] = u
		if !b.perFamily {
			break
		}
	}
	return out, nil
}

// usesUnjudgeable lists the constructs of m that make engines skip flows by design.
func usesUnjudgeable(m *policy.Model) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, p := range m.Policies {
		if p.Subject.Scope == policy.ScopeHost {
			add("host policy")
		}
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			for _, r := range p.Rules(d) {
				for _, x := range r.Peers {
					if x.Kind == policy.PeerFQDN {
						add("FQDN peer")
					}
				}
			}
		}
	}
	return out
}

// checkSet compiles one corpus item, validates the output and, when it compiled without
// warnings, compares the engine with the reference evaluator on every flow of the
// Model's Universe.
func checkSet(t *testing.T, b backend, it item, st *stats) {
	set := it.build()
	m, err := set.Model()
	if err != nil {
		t.Fatalf("invalid Set: %v\n%s", err, it.repro)
	}
	pu := Normalize(m.Universe())
	if b.surroundings {
		pu = Surround(pu)
	}
	us, err := universes(b, m, pu)
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
	out, err := compileSafely(b, set, pools)
	var ce *policy.CompileError
	if errors.As(err, &ce) {
		t.Logf("refused: %v", err)
		st.mu.Lock()
		st.refused++
		if it.random && slices.ContainsFunc(ce.Problems, func(p policy.Unsupported) bool { return !slices.Contains(b.optionRefusals, p.Construct) }) {
			st.randomRefused++
		}
		seen := map[string]bool{}
		for _, p := range ce.Problems {
			if !seen[p.Construct] {
				seen[p.Construct] = true
				st.refusals[p.Construct]++
			}
		}
		st.mu.Unlock()
		return
	}
	if err != nil {
		t.Fatalf("%s.Compile: %v\n%s", b.name, err, it.repro)
	}

	// Validity: what the API servers accept.
	objs, err := oracle.DecodeYAML(out.yaml)
	if err != nil {
		t.Fatalf("decode: %v\n%s\n%s", err, it.repro, out.yaml)
	}
	if len(objs) != out.objects {
		t.Errorf("YAML holds %d objects, Result.Objects() %d", len(objs), out.objects)
	}
	if err := oracle.Validate(objs); err != nil {
		t.Errorf("invalid output: %v\n%s\n%s", err, it.repro, out.yaml)
	}
	st.mu.Lock()
	st.objects += len(objs)
	if len(out.warnings) > 0 {
		st.warned++
	} else {
		st.compared++
	}
	st.mu.Unlock()
	if len(out.warnings) > 0 || t.Failed() {
		return
	}

	// Meaning, part 1: what the engines judge at L4 only.
	if b.structural != nil {
		rep := b.structural(m, objs)
		if len(rep.problems) > 0 {
			t.Errorf("L7/FQDN rules differ from the intent:\n  %s\n%s\n%s", strings.Join(rep.problems, "\n  "), it.repro, out.yaml)
		}
		st.mu.Lock()
		for k, v := range rep.checked {
			st.structural[k] += v
		}
		st.mu.Unlock()
	}

	// Meaning, part 2: every flow.
	ss, mismatches, err := compareFlows(b, m, pu, us, objs)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, it.repro, out.yaml)
	}
	st.mu.Lock()
	st.flows.add(ss)
	st.mu.Unlock()

	if n := len(mismatches); n > 0 {
		const show = 8
		t.Errorf("%s: %d of %d judged flows differ from the reference evaluator (first %d below).\n"+
			"Rerun: go test ./equivalence/ -run '^%s$' (in internal/conformance)\nReproduce: %s\nFlows:\n%s\nObjects:\n%s",
			b.name, n, ss.judged, min(n, show), t.Name(), it.repro, strings.Join(mismatches[:min(n, show)], "\n"), out.yaml)
	}
	if b.requests {
		compareRequests(t, b, m, pu, us, objs, it, st)
	}
	inDomain := ss.inDomain()
	constructs := usesUnjudgeable(m)
	if b.unjudgeable != nil {
		constructs = append(constructs, b.unjudgeable(m)...)
	}
	if b.perFamily && len(us) < 2 {
		constructs = append(constructs, "CIDR peers cover every candidate pod range of an IP family")
	}
	if len(constructs) == 0 && float64(ss.judged) < minJudged*float64(inDomain) {
		t.Errorf("only %d of %d flows in the engine's domain judged (skips: %v)\n%s", ss.judged, inDomain, ss.skipped, it.repro)
	}
}

// compareFlows builds b's engines over objs and judges every flow of pu with them and
// with the reference evaluator. It returns the counts and a description of each
// mismatch; an error means an engine could not be built or failed on a flow.
func compareFlows(b backend, m *policy.Model, pu *policy.Universe, us map[int]*Universe, objs []runtime.Object) (*tally, []string, error) {
	engines := map[int]engine{}
	for fam, u := range us {
		e, err := b.newEngine(append(objs[:len(objs):len(objs)], u.Extra...), u.Oracle)
		if err != nil {
			return nil, nil, fmt.Errorf("engine (IPv%d pods): %w", fam, err)
		}
		engines[fam] = e
	}
	ss := &tally{skipped: map[string]int{}}
	var mismatches []string
	for _, c := range Cases(pu) {
		ss.asked++
		why, ok, err := judge(b, m, us, engines, c, &mismatches)
		if err != nil {
			return nil, nil, err
		}
		if why != "" {
			ss.skipped[why]++
			continue
		}
		ss.judged++
		if !ok {
			ss.mismatched++
		}
	}
	return ss, mismatches, nil
}

// oracleFlow translates c for b's engine: the IP family of the universe (and engine) to
// ask, the oracle flow and the reference verdict, or the reason the engine cannot be asked.
func (b backend) oracleFlow(m *policy.Model, us map[int]*Universe, c Case) (int, oracle.Flow, policy.Verdict, string) {
	for _, s := range []policy.Sample{c.From, c.To} {
		if why := Unmodeled(s, b.modelsReserved, b.modelsHost); why != "" {
			return 0, oracle.Flow{}, policy.Verdict{}, why
		}
	}
	if c.Probe.ICMP != nil && !b.modelsICMP {
		return 0, oracle.Flow{}, policy.Verdict{}, SkipICMP
	}
	fam := c.ExternalFamily()
	if fam == 0 || !b.perFamily {
		fam = 4
		if us[4] == nil {
			fam = 6
		}
	}
	u := us[fam]
	if u == nil {
		return 0, oracle.Flow{}, policy.Verdict{}, skipNoPool
	}
	of, why := u.Flow(c)
	if why != "" {
		return 0, oracle.Flow{}, policy.Verdict{}, why
	}
	ref := m.Evaluate(c.Flow())
	if !b.modelsHostPolicies && ((ref.Source.Judged && c.From.Kind != policy.EndpointPod) || (ref.Destination.Judged && c.To.Kind != policy.EndpointPod)) {
		return 0, oracle.Flow{}, policy.Verdict{}, skipHostFirewall
	}
	return fam, of, ref, ""
}

// judge compares the engine with the reference evaluator on c: the verdicts, and each
// end's decision (the source's egress and the destination's ingress; an end the
// reference does not judge counts as allowing). It returns a skip reason, or "" and
// whether they agree (appending a description to mismatches when not).
func judge(b backend, m *policy.Model, us map[int]*Universe, engines map[int]engine, c Case, mismatches *[]string) (string, bool, error) {
	fam, of, ref, why := b.oracleFlow(m, us, c)
	if why != "" {
		return why, false, nil
	}
	d, err := engines[fam].Decide(of)
	if errors.Is(err, oracle.ErrCannotJudge) && b.exactIPBlocks && Reason(err) == ReasonIPBlock {
		*mismatches = append(*mismatches, fmt.Sprintf("  %s  (oracle flow %s)\n    %s: the verdict depends on the implementation: %v",
			c, of, b.name, err))
		return "", false, nil
	}
	if errors.Is(err, oracle.ErrCannotJudge) {
		return Reason(err), false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("%s: engine error: %w", c, err)
	}
	refEgress := !ref.Source.Judged || ref.Source.Allowed
	refIngress := !ref.Destination.Judged || ref.Destination.Allowed
	if d.Allowed == ref.Allowed && d.EgressAllowed == refEgress && d.IngressAllowed == refIngress {
		return "", true, nil
	}
	*mismatches = append(*mismatches, fmt.Sprintf("  %s  (oracle flow %s)\n    %s: allowed=%v (egress=%v ingress=%v): %s\n    reference: %s",
		c, of, b.name, d.Allowed, d.EgressAllowed, d.IngressAllowed, d.Reason, ref))
	return "", false, nil
}
