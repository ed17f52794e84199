package equivalence

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/runtime"
)

// An engine with an application layer checker (Calico's app-policy checker) judges HTTP
// requests itself: for every flow on a port that carries HTTP rules, the requests
// httpSamples builds for every HTTP match of the Model (exact request, near misses,
// query strings and fragments) are judged by the engine and by the reference evaluator.

// httpDecider is an engine that judges HTTP requests.
type httpDecider interface {
	DecideHTTP(f oracle.Flow, method, path string) (oracle.Decision, error)
}

// httpPorts returns the HTTP matches of m's allow rules and the TCP ports they apply to
// (numbers; named ports resolve per pod and are left out, as are rules without ports).
func httpPorts(m *policy.Model) ([]policy.HTTPMatch, map[int32]bool) {
	var matches []policy.HTTPMatch
	ports := map[int32]bool{}
	for _, p := range m.Policies {
		for _, d := range directions {
			for _, r := range allowRules(p, d) {
				if len(r.HTTP) == 0 {
					continue
				}
				for _, h := range r.HTTP {
					if !slices.ContainsFunc(matches, func(x policy.HTTPMatch) bool { return fmt.Sprint(x) == fmt.Sprint(h) }) {
						matches = append(matches, h)
					}
				}
				for _, pt := range r.Ports {
					if pt.Protocol != policy.TCP || pt.Name != "" {
						continue
					}
					for n := pt.Port; n <= max(pt.Port, pt.EndPort); n++ {
						ports[n] = true
					}
				}
			}
		}
	}
	return matches, ports
}

// compareRequests judges the sampled HTTP requests of every flow of pu on a port that
// carries HTTP rules with b's engine and the reference evaluator, adding the counts to
// st and reporting mismatches on t.
func compareRequests(t *testing.T, b backend, m *policy.Model, pu *policy.Universe, us map[int]*Universe, objs []runtime.Object, it item, st *stats) {
	matches, ports := httpPorts(m)
	if len(matches) == 0 {
		return
	}
	engines := map[int]httpDecider{}
	for fam, u := range us {
		e, err := b.newEngine(append(objs[:len(objs):len(objs)], u.Extra...), u.Oracle)
		if err != nil {
			t.Fatalf("engine (IPv%d pods): %v", fam, err)
		}
		hd, ok := e.(httpDecider)
		if !ok {
			t.Fatalf("%s: engine %T judges no HTTP requests", b.name, e)
		}
		engines[fam] = hd
	}
	var reqs []policy.HTTPRequest
	seen := map[string]bool{}
	for _, h := range matches {
		for _, q := range httpSamples(h) {
			if k := q.Method + " " + q.Path; !seen[k] {
				seen[k] = true
				reqs = append(reqs, policy.HTTPRequest{Method: q.Method, Path: q.Path})
			}
		}
	}
	cs := &tally{skipped: map[string]int{}}
	var mismatches []string
	for _, c := range Cases(pu) {
		if c.Probe.ICMP != nil || c.Probe.Protocol != policy.TCP || !ports[c.Probe.Port] || c.To.Kind != policy.EndpointPod {
			continue
		}
		fam, of, _, why := b.oracleFlow(m, us, c)
		if why != "" {
			cs.asked += len(reqs)
			cs.skipped[why] += len(reqs)
			continue
		}
		for _, q := range reqs {
			cs.asked++
			f := c.Flow()
			f.HTTP = &q
			ref := m.Evaluate(f)
			d, err := engines[fam].DecideHTTP(of, q.Method, q.Path)
			if errors.Is(err, oracle.ErrCannotJudge) {
				cs.skipped[Reason(err)]++
				continue
			}
			if err != nil {
				t.Fatalf("%s %s %s: engine error: %v\n%s", c, q.Method, q.Path, err, it.repro)
			}
			cs.judged++
			if d.Allowed != ref.Allowed {
				cs.mismatched++
				mismatches = append(mismatches, fmt.Sprintf("  %s  %s %s\n    %s: allowed=%v: %s\n    reference: %s", c, q.Method, q.Path, b.name, d.Allowed, d.Reason, ref))
			}
		}
	}
	st.mu.Lock()
	st.http.add(cs)
	st.mu.Unlock()
	if n := len(mismatches); n > 0 {
		const show = 8
		t.Errorf("%s: %d of %d judged HTTP requests differ from the reference evaluator (first %d below).\nReproduce: %s\nRequests:\n%s",
			b.name, n, cs.judged, min(n, show), it.repro, strings.Join(mismatches[:min(n, show)], "\n"))
	}
}
