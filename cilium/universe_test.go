package cilium_test

import (
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

func TestMain(m *testing.M) {
	// The cluster entity selects the local cluster's endpoints; the agent initializes it
	// with its cluster name at startup.
	api.InitEntities(clusterName)
	// The agent's default identity label filter (--labels and --label-prefix-file unset).
	if err := labelsfilter.ParseLabelPrefixCfg(slog.New(slog.DiscardHandler), nil, nil, ""); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// corpusSet is a Set of the equivalence corpus.
type corpusSet struct {
	name string
	set  *policy.Set
}

// corpus returns every Set the equivalence test judges: the example scenarios, the unit
// cases and random Sets.
func corpus() []corpusSet {
	var out []corpusSet
	for _, s := range scenarios.All() {
		out = append(out, corpusSet{"scenario/" + s.Name, s.Build()})
	}
	for _, c := range unitCases() {
		out = append(out, corpusSet{"unit/" + c.name, c.build()})
	}
	// Sets the backend must refuse: were it to compile them, the comparison would show
	// what it got wrong.
	filtered := policy.NewSet(policy.DefaultNamespace("shop"))
	filtered.Namespace("edge").Labels(map[string]string{"failure-domain.beta.kubernetes.io/zone": "a"})
	filtered.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"failure-domain.beta.kubernetes.io/zone": "a"})).TCP(80)
	out = append(out, corpusSet{"refused/filtered-namespace-label-key", filtered})
	echoReply := shop()
	echoReply.Service("web").AllowFrom("api").ICMP(8).AllowFrom("batch").ICMP(0)
	out = append(out, corpusSet{"refused/icmp-type-0", echoReply})
	for seed := uint64(1); seed <= 40; seed++ {
		c := randset.New(seed, 5, randset.All)
		out = append(out, corpusSet{fmt.Sprintf("randset/%d", seed), c.Set})
	}
	return out
}

// TestEquivalence checks, for every Set of the corpus that compiles without warnings, that
// the emitted objects admit exactly the flows the reference evaluator admits, over a
// universe of endpoints and traffic sampled from the Set (policy.Model.Universe) plus HTTP
// requests and DNS lookups built from its L7 rules.
//
// The engine runs with the agent's defaults on Kubernetes; TestAllowLocalhost covers
// --allow-localhost=policy.
func TestEquivalence(t *testing.T) {
	compiled := 0
	for _, cs := range corpus() {
		res, err := cilium.Compile(cs.set)
		if err != nil || len(res.Warnings()) > 0 {
			continue
		}
		compiled++
		t.Run(cs.name, func(t *testing.T) {
			t.Parallel()
			m, err := cs.set.Model()
			if err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, res)
			mismatches := 0
			for _, f := range flows(m) {
				if isNode(f.From) && isNode(f.To) {
					// The reference evaluator judges node peers absolutely: the
					// sender of Host -> RemoteNode is "Host" at both ends. Each
					// node's agent sees the other node as remote-node, so host
					// policies naming Host or RemoteNodes differ on node-to-node
					// traffic; the intent model cannot say it yet.
					continue
				}
				want := m.Evaluate(f).Allowed
				if got := e.allowed(f); got != want {
					mismatches++
					if mismatches <= 10 {
						t.Errorf("%s: cilium %v, reference %v (%s)", describeFlow(f), got, want, m.Evaluate(f))
					}
				}
			}
			if mismatches > 10 {
				t.Errorf("... %d mismatches in all", mismatches)
			}
		})
	}
	if compiled < 30 {
		t.Errorf("only %d Sets of the corpus compiled; the test judges too little", compiled)
	}
}

// flows returns the universe's flows plus, on TCP flows, every HTTP request built from the
// model's HTTP matches, and on flows to DNS ports, every lookup built from its names.
func flows(m *policy.Model) []policy.Flow {
	base := m.Universe().Flows()
	reqs, httpPorts, namedHTTP := httpRequests(m)
	queries, dnsPorts := dnsQueries(m)
	out := base
	for _, f := range base {
		if f.ICMP != nil {
			continue
		}
		if f.Protocol == policy.TCP && (httpPorts[f.Port] || namedHTTP) {
			for i := range reqs {
				g := f
				g.HTTP = &reqs[i]
				out = append(out, g)
			}
		}
		if dnsPorts[fmt.Sprintf("%s/%d", f.Protocol, f.Port)] {
			for _, q := range queries {
				g := f
				g.DNSQuery = q
				out = append(out, g)
			}
		}
	}
	return out
}

// httpRequests builds requests that match each HTTP match of the model and requests that
// miss it in one field, and returns the TCP ports HTTP rules apply to (and whether some
// apply to named ports), where requests are worth trying.
func httpRequests(m *policy.Model) (reqs []policy.HTTPRequest, ports map[int32]bool, named bool) {
	ports = map[int32]bool{}
	seen := map[string]bool{}
	add := func(r policy.HTTPRequest) {
		k := fmt.Sprint(r)
		if !seen[k] {
			seen[k] = true
			reqs = append(reqs, r)
		}
	}
	for _, p := range m.Policies {
		for _, r := range append(append([]policy.Rule(nil), p.Ingress...), p.Egress...) {
			for _, pt := range r.Ports {
				if len(r.HTTP) == 0 {
					break
				}
				named = named || pt.Name != ""
				for p := pt.Port; p <= max(pt.Port, pt.EndPort) && pt.Port != 0; p++ {
					ports[p] = true
				}
			}
			for _, h := range r.HTTP {
				var paths []string
				switch h.PathKind {
				case policy.PathRegex:
					paths = []string{"/orders/42", "/orders/x", "/orders/", "/api/v1/products", "/orders/4?2"}
				case policy.PathPrefix:
					paths = []string{h.Path, h.Path + "more/x", strings.TrimSuffix(h.Path, "/")}
				default:
					paths = []string{h.Path, h.Path + "x", h.Path + "/", strings.ReplaceAll(h.Path, ".", "x")}
				}
				if h.Path == "" {
					paths = []string{"/"}
				}
				method := h.Method
				if method == "" {
					method = "GET"
				}
				// The proxy sees the query string and fragment, the intent does not.
				for _, p := range paths {
					paths = append(paths, p+"?page=2", p+"#top", p+"x?y")
				}
				for _, path := range paths {
					ok := policy.HTTPRequest{Method: method, Path: path, Host: h.Host, Headers: h.Headers}
					add(ok)
					other := ok
					other.Method = "DELETE"
					add(other)
					if h.Host != "" {
						other = ok
						other.Host = "x" + h.Host
						add(other)
					}
					if len(h.Headers) > 0 {
						other = ok
						other.Headers = nil
						add(other)
						other.Headers = []policy.Header{{Name: h.Headers[0].Name, Value: h.Headers[0].Value + "; charset=utf-8"}}
						add(other)
					}
				}
			}
		}
	}
	return reqs, ports, named
}

// dnsQueries returns names to look up (those of the model's FQDN peers and DNS rules, and
// one no rule names) and the protocol/port pairs of DNS traffic.
func dnsQueries(m *policy.Model) ([]string, map[string]bool) {
	ports := map[string]bool{}
	for _, p := range m.DNSPorts {
		ports[fmt.Sprintf("%s/%d", p.Protocol, p.Port)] = true
	}
	names := map[string]bool{"netintent-unlisted.example": true}
	for _, p := range m.Policies {
		for _, r := range p.Egress {
			for _, x := range r.Peers {
				if x.Kind == policy.PeerFQDN {
					names[exampleName(x.FQDN)] = true
				}
			}
			for _, n := range r.DNS {
				names[exampleName(n)] = true
			}
			if len(r.DNS) > 0 {
				for _, pt := range r.Ports {
					ports[fmt.Sprintf("%s/%d", pt.Protocol, pt.Port)] = true
				}
			}
		}
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, ports
}

func exampleName(pattern string) string {
	n := strings.TrimPrefix(pattern, "**.")
	if n != pattern {
		n = "a.b." + n
	}
	n = strings.ReplaceAll(n, "*", "x")
	if n == "x" {
		return "anything.example"
	}
	return n
}

func isNode(e policy.Endpoint) bool {
	return e.Kind == policy.EndpointHost || e.Kind == policy.EndpointRemoteNode
}

func describeFlow(f policy.Flow) string {
	s := fmt.Sprintf("%s -> %s", f.From.Describe(), f.To.Describe())
	switch {
	case f.ICMP != nil:
		s += fmt.Sprintf(" ICMP %s/%d", f.ICMP.Family, f.ICMP.Type)
	default:
		s += fmt.Sprintf(" %s/%d", f.Protocol, f.Port)
	}
	if f.HTTP != nil {
		s += fmt.Sprintf(" %s %s host=%q headers=%v", f.HTTP.Method, f.HTTP.Path, f.HTTP.Host, f.HTTP.Headers)
	}
	if f.DNSQuery != "" {
		s += " lookup " + f.DNSQuery
	}
	return s
}
