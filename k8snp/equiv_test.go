package k8snp_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// equivalence is the outcome of comparing the engine with the reference evaluator over a
// universe.
type equivalence struct {
	flows int
	// mismatches describes flows where a side's decision differs.
	mismatches []string
}

// compare judges every flow of u with the engine and with the reference evaluator, side by
// side: the source's egress decision and the destination's ingress decision must each agree.
func compare(m *policy.Model, e *engine, u *universe) equivalence {
	var out equivalence
	u.eachFlow(func(f policy.Flow) {
		out.flows++
		ref := m.Evaluate(f)
		refEgress := !ref.Source.Judged || ref.Source.Allowed
		refIngress := !ref.Destination.Judged || ref.Destination.Allowed
		egress, ingress, _ := e.verdict(f)
		if egress != refEgress || ingress != refIngress {
			out.mismatches = append(out.mismatches, fmt.Sprintf("%s: NetworkPolicy egress=%v ingress=%v; reference %s", describeFlow(f), egress, ingress, ref))
		}
	})
	return out
}

func describeFlow(f policy.Flow) string {
	what := fmt.Sprintf("%s/%d", f.Protocol, f.Port)
	if f.ICMP != nil {
		what = fmt.Sprintf("ICMP %s type %d", f.ICMP.Family, f.ICMP.Type)
	}
	if f.HTTP != nil {
		what += fmt.Sprintf(" %s %s", f.HTTP.Method, f.HTTP.Path)
	}
	return fmt.Sprintf("%s -> %s %s", f.From.Describe(), f.To.Describe(), what)
}

// assertEquivalent compiles set with ClusterCIDRs (the universe's clusterRange) and opts
// and checks the output against the reference evaluator. Without further options the Set
// must compile without warnings. With WidenL7 the comparison still holds, because the
// universe's flows carry no L7 request (the reference judges connections then);
// TestWidenL7Equivalence covers requests. The engine lets ipBlocks match pod and node
// addresses, so every in-cluster address a CIDR peer covers must be excepted.
func assertEquivalent(t *testing.T, set *policy.Set, stride int, opts ...k8snp.Option) {
	t.Helper()
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	res, err := k8snp.Compile(set, append([]k8snp.Option{clusterCIDRs()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) == 0 && len(res.Warnings()) > 0 {
		t.Fatalf("unexpected warnings: %v", res.Warnings())
	}
	u := buildUniverse(t, m, res.NetworkPolicies)
	u.stride = stride
	reportMismatches(t, compare(m, newEngine(res.NetworkPolicies), u))
}

func reportMismatches(t *testing.T, eq equivalence) {
	t.Helper()
	if len(eq.mismatches) == 0 {
		return
	}
	n := min(len(eq.mismatches), 10)
	t.Errorf("%d of %d flows differ from the reference evaluator; first %d:\n%s",
		len(eq.mismatches), eq.flows, n, strings.Join(eq.mismatches[:n], "\n"))
}

// corpus holds Sets that k8snp compiles without warnings, chosen to exercise every
// construct it translates and their interplay: mirroring onto isolated peers, namespace
// defaults, DNS, merging, named ports, CIDRs.
var corpus = []struct {
	name  string
	build func() *policy.Set
}{
	{"ecommerce at L4", func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
		set.Service("order-service").
			AllowFrom("api-gateway").TCP(8080).
			AllowTo("inventory-service").TCP(8080).
			AllowTo("payment-service").TCP(8080)
		set.Namespace("ecommerce").DefaultDeny()
		return set
	}},
	{"cross-namespace edges with isolated peers", func() *policy.Set {
		set := policy.NewSet()
		set.Namespace("shop").Labels(map[string]string{"team": "web"}).DefaultDeny()
		set.Namespace("data").Labels(map[string]string{"team": "data"}).DefaultDenyIngress()
		set.ServiceIn("shop", "web").
			AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "ingress"})).TCP(443).
			AllowTo(policy.ServiceIn("data", "db")).TCP(5432).
			AllowTo(policy.Namespaces(policy.MatchLabels{"team": "data"}).Pods(policy.MatchLabels{"app": "cache"})).TCP(6379)
		set.ServiceIn("data", "db").AllowFrom(policy.Namespace("shop")).TCP(5432).AllowFrom("migrator").TCP(5432)
		return set
	}},
	{"namespace isolation and same-namespace traffic", func() *policy.Set {
		set := policy.NewSet()
		set.Namespace("team-alpha").AllowSameNamespace()
		set.Namespace("team-beta").AllowSameNamespace().AllowTo(policy.SameNamespace())
		set.ServiceIn("team-beta", "api").AllowFrom(policy.Namespace("team-alpha")).TCP(80)
		return set
	}},
	{"CIDRs and any", func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("edge"))
		set.Service("proxy").
			AllowFrom(policy.CIDR("203.0.113.0/24", "203.0.113.128/25"), policy.CIDR("2001:db8::/32", "2001:db8:ff::/48")).TCP(443).
			AllowFrom(policy.Any()).TCP(80).
			AllowTo(policy.CIDR("10.0.0.0/8", "10.0.1.0/24")).PortRange(policy.TCP, 8000, 8100).
			AllowTo(policy.Any()).UDP(123)
		set.Service("client").DefaultDenyEgress()
		return set
	}},
	{"CIDR peers over and inside the cluster's range", func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("net"))
		set.Service("gw").
			AllowFrom(policy.CIDR("10.0.0.0/8", "10.0.1.0/24")).TCP(443).
			AllowFrom(policy.CIDR("10.244.7.0/24")).TCP(80).
			AllowTo(policy.CIDR("10.244.0.0/16"), "db").TCP(5432).
			AllowTo(policy.CIDR("0.0.0.0/0", "192.168.0.0/16")).UDP(123)
		set.Service("db").DefaultDenyIngress()
		return set
	}},
	{"named ports, all ports of a protocol, all traffic", func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("mon"))
		set.Service("prometheus").
			AllowTo(policy.AllNamespaces()).NamedPort("metrics").Port(policy.Port{Protocol: policy.UDP, Name: "statsd"}).
			AllowTo("alertmanager").
			AllowFrom("grafana").AllPorts(policy.TCP).UDP(9)
		set.Service("alertmanager").DefaultDenyIngress()
		set.Namespace("apps").DefaultDenyIngress()
		return set
	}},
	{"expression selectors and pod groups", func() *policy.Set {
		set := policy.NewSet()
		set.Namespace("prod").Labels(map[string]string{"env": "prod", "tier": "gold"})
		set.Namespace("dev").Labels(map[string]string{"env": "dev"})
		set.Pods("prod", "backends", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{"api", "worker"}},
			{Key: "canary", Operator: metav1.LabelSelectorOpDoesNotExist},
		}}).
			AllowFrom(policy.Namespaces(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}},
			}})).TCP(8080).
			AllowTo(policy.Pods(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "role", Operator: metav1.LabelSelectorOpExists},
			}})).TCP(9000)
		set.Pods("prod", "workers", policy.MatchLabels{"role": "worker"}).DefaultDeny().WithoutDNS()
		return set
	}},
	{"custom DNS service", func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("apps"), policy.DNSService(policy.ServiceIn("dns", "coredns"),
			policy.Port{Protocol: policy.UDP, Port: 5353}, policy.Port{Protocol: policy.TCP, Port: 5353}))
		set.Namespace("apps").DefaultDeny()
		set.Service("web").AllowFrom(policy.Namespace("ingress")).TCP(80)
		return set
	}},
}

// TestEquivalence checks every Set of the corpus against the reference evaluator.
func TestEquivalence(t *testing.T) {
	for _, c := range corpus {
		t.Run(c.name, func(t *testing.T) { assertEquivalent(t, c.build(), 1) })
	}
}

// refusedWithEveryOption declares the constructs k8snp refuses in each scenario with
// WidenL7, WorldAsIPBlock and the cluster's ranges (see golden.Refusal); a scenario not
// named compiles.
var refusedWithEveryOption = map[string][]string{
	"audit-rollout":  {"audit mode"},
	"block-external": {"cluster scope"},
	"block-metadata": {"cluster scope"},
	"cross-cluster":  {"cluster-mesh peers"},
	"deny-internet":  {"cluster scope"},
	"dns-egress":     {"FQDN peers"},
	"ecommerce":      {"cluster scope"},
	"federation":     {"cluster scope"},
	"tiers":          {"cluster scope"},
}

// TestScenarioEquivalence checks every scenario that k8snp compiles, exactly or with the
// lossy options, against the reference evaluator (for connections: see assertEquivalent);
// the others must be refused as refusedWithEveryOption declares.
func TestScenarioEquivalence(t *testing.T) {
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			var opts []k8snp.Option
			if _, err := k8snp.Compile(s.Build(), clusterCIDRs()); err != nil {
				opts = []k8snp.Option{k8snp.WidenL7(), k8snp.WorldAsIPBlock()}
				_, err := k8snp.Compile(s.Build(), append([]k8snp.Option{clusterCIDRs()}, opts...)...)
				if golden.Refusal(t, err, refusedWithEveryOption[s.Name]) {
					t.Logf("refused as declared (%q): no output to compare", refusedWithEveryOption[s.Name])
					return
				}
			}
			assertEquivalent(t, s.Build(), 1, opts...)
		})
	}
}

// TestEquivalenceRandom checks random Sets of the constructs k8snp translates exactly,
// each over a quarter of its universe's flows (the reference evaluator is the cost).
func TestEquivalenceRandom(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 10
	}
	for i := range n {
		seed := uint64(i)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ops := randomOps(rand.New(rand.NewPCG(seed, 1)))
			assertEquivalent(t, buildOps(ops), 4)
		})
	}
}

// TestNodeReachesPods checks that a pod's own node reaches it although the pod is
// isolated, in NetworkPolicy and in the reference alike, and that AllowFrom(Host()) needs
// no rule.
func TestNodeReachesPods(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowFrom("gateway", policy.Host()).TCP(80)
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	res, err := k8snp.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(res.NetworkPolicies)
	eq := compare(m, e, buildUniverse(t, m, res.NetworkPolicies))
	reportMismatches(t, eq)
	web := policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": "web"}}
	f := policy.Flow{From: policy.Endpoint{Kind: policy.EndpointHost}, To: web, Protocol: policy.TCP, Port: 10250}
	if _, ingress, _ := e.verdict(f); !ingress || !m.Evaluate(f).Allowed {
		t.Errorf("node → isolated pod: NetworkPolicy %v, reference %s; both must allow", ingress, m.Evaluate(f))
	}
}

// TestWidenL7Equivalence checks that with WidenL7 the output still equals the reference
// for connections (flows without an L7 request), and admits exactly the requests the
// warning says it does beyond the intent.
func TestWidenL7Equivalence(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	set.Service("order-service").
		AllowFrom("api-gateway").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
		AllowTo("inventory-service").TCP(8080)
	set.Namespace("ecommerce").DefaultDeny()
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	res, err := k8snp.Compile(set, k8snp.WidenL7())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings()) != 1 {
		t.Fatalf("warnings: %v", res.Warnings())
	}
	u := buildUniverse(t, m, res.NetworkPolicies)
	reportMismatches(t, compare(m, newEngine(res.NetworkPolicies), u))

	pod := func(app string) policy.Endpoint {
		return policy.Endpoint{Kind: policy.EndpointPod, Namespace: "ecommerce", Labels: map[string]string{"app": app}}
	}
	e := newEngine(res.NetworkPolicies)
	for _, req := range []policy.HTTPRequest{{Method: "POST", Path: "/orders"}, {Method: "GET", Path: "/orders/12"}, {Method: "DELETE", Path: "/orders/12"}, {Method: "GET", Path: "/admin"}} {
		f := policy.Flow{From: pod("api-gateway"), To: pod("order-service"), Protocol: policy.TCP, Port: 8080, HTTP: &req}
		_, _, got := e.verdict(f)
		ref := m.Evaluate(f)
		intended := req.Path != "/admin" && req.Method != "DELETE"
		if !got || ref.Allowed != intended {
			t.Errorf("%s: NetworkPolicy %v (want true), reference %v (want %v)", describeFlow(f), got, ref.Allowed, intended)
		}
	}
}

// TestWorldAsIPBlockEquivalence checks that WorldAsIPBlock with ClusterCIDRs is exact,
// and that without ClusterCIDRs its output differs from the reference (ipBlocks matching
// in-cluster addresses, as the engine and Calico read them) exactly for in-cluster peers:
// what the warning says.
func TestWorldAsIPBlockEquivalence(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowTo(policy.World()).TCP(443).AllowFrom(policy.World()).TCP(80)
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	res, err := k8snp.Compile(set, k8snp.WorldAsIPBlock(), clusterCIDRs())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings()) > 0 {
		t.Errorf("warnings with the cluster's ranges declared: %v", res.Warnings())
	}
	u := buildUniverse(t, m, res.NetworkPolicies)
	reportMismatches(t, compare(m, newEngine(res.NetworkPolicies), u))

	res, err = k8snp.Compile(set, k8snp.WorldAsIPBlock())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings()) != 2 {
		t.Errorf("warnings without the cluster's ranges: %v; want one per rule", res.Warnings())
	}
	e := newEngine(res.NetworkPolicies)
	if eq := compare(m, e, u); len(eq.mismatches) == 0 {
		t.Fatal("no difference where ipBlocks match in-cluster addresses; the warning would be wrong")
	}
	u.eachFlow(func(f policy.Flow) {
		egress, ingress, _ := e.verdict(f)
		ref := m.Evaluate(f)
		differs := egress != (!ref.Source.Judged || ref.Source.Allowed) ||
			ingress != (!ref.Destination.Judged || ref.Destination.Allowed)
		if differs && (f.From.Kind == policy.EndpointExternal || f.To.Kind == policy.EndpointExternal) {
			t.Errorf("%s differs although its peer is outside the cluster", describeFlow(f))
		}
	})
}

// TestPolicyUniverseEquivalence checks every scenario and corpus Set over the Model's own
// policy.Universe, with its pod range declared as the cluster's: whatever range the
// Universe picks, CIDR peers over it must except it.
func TestPolicyUniverseEquivalence(t *testing.T) {
	type refusable struct {
		build   func() *policy.Set
		refused []string
	}
	sets := map[string]refusable{}
	for _, s := range scenarios.All() {
		sets["scenario "+s.Name] = refusable{s.Build, refusedWithEveryOption[s.Name]}
	}
	for _, c := range corpus {
		sets[c.name] = refusable{build: c.build}
	}
	for name, r := range sets {
		t.Run(name, func(t *testing.T) {
			m, err := r.build().Model()
			if err != nil {
				t.Fatal(err)
			}
			u := m.Universe()
			res, err := k8snp.Compile(r.build(), k8snp.ClusterCIDRs(u.PodCIDR), k8snp.WidenL7(), k8snp.WorldAsIPBlock())
			if golden.Refusal(t, err, r.refused) {
				t.Logf("refused as declared (%q): no output to compare", r.refused)
				return
			}
			e := newEngine(res.NetworkPolicies)
			var eq equivalence
			for _, f := range u.Flows() {
				if f.HTTP != nil || f.DNSQuery != "" {
					continue
				}
				eq.flows++
				ref := m.Evaluate(f)
				egress, ingress, _ := e.verdict(f)
				if egress != (!ref.Source.Judged || ref.Source.Allowed) || ingress != (!ref.Destination.Judged || ref.Destination.Allowed) {
					eq.mismatches = append(eq.mismatches, fmt.Sprintf("%s: NetworkPolicy egress=%v ingress=%v; reference %s", describeFlow(f), egress, ingress, ref))
				}
			}
			reportMismatches(t, eq)
		})
	}
}

// op is one builder call of a random Set. Ops commute (except labels of one object, which
// the generator never repeats), so the same ops in another order build the same intent.
type op func(*policy.Set)

var (
	randNamespaces = []string{"alpha", "beta", "gamma"}
	randServices   = []string{"web", "api", "db", "cache"}
	randNSLabels   = []map[string]string{{"env": "prod"}, {"env": "dev", "team": "x"}, {"env": "prod", "team": "x"}}
)

// randomOps returns the ops of a random Set that k8snp translates exactly.
func randomOps(r *rand.Rand) []op {
	var ops []op
	for i, ns := range randNamespaces {
		labels := randNSLabels[i]
		ops = append(ops, func(s *policy.Set) { s.Namespace(ns).Labels(labels) })
		switch r.IntN(5) {
		case 0:
			ops = append(ops, func(s *policy.Set) { s.Namespace(ns).DefaultDeny() })
		case 1:
			ops = append(ops, func(s *policy.Set) { s.Namespace(ns).DefaultDenyIngress() })
		case 2:
			ops = append(ops, func(s *policy.Set) { s.Namespace(ns).DefaultDenyEgress().WithoutDNS() })
		case 3:
			ops = append(ops, func(s *policy.Set) { s.Namespace(ns).AllowSameNamespace() })
		}
	}
	for range 2 + r.IntN(6) {
		ns := randNamespaces[r.IntN(len(randNamespaces))]
		svc := randServices[r.IntN(len(randServices))]
		peers := randomPeers(r)
		ports := randomPorts(r)
		ingress := r.IntN(2) == 0
		ops = append(ops, func(s *policy.Set) {
			w := s.ServiceIn(ns, svc)
			var rb *policy.RuleBuilder
			if ingress {
				rb = w.AllowFrom(peers...)
			} else {
				rb = w.AllowTo(peers...)
			}
			for _, p := range ports {
				rb.Port(p)
			}
		})
		switch r.IntN(6) {
		case 0:
			ops = append(ops, func(s *policy.Set) { s.ServiceIn(ns, svc).DefaultDenyEgress() })
		case 1:
			ops = append(ops, func(s *policy.Set) { s.ServiceIn(ns, svc).DefaultDenyIngress() })
		case 2:
			ops = append(ops, func(s *policy.Set) { s.ServiceIn(ns, svc).WithoutDNS() })
		}
	}
	return ops
}

func randomPeers(r *rand.Rand) []any {
	var out []any
	for range 1 + r.IntN(3) {
		ns := randNamespaces[r.IntN(len(randNamespaces))]
		svc := randServices[r.IntN(len(randServices))]
		sel := policy.MatchLabels{"app": svc}
		switch r.IntN(13) {
		case 0:
			out = append(out, svc)
		case 1:
			out = append(out, policy.ServiceIn(ns, svc))
		case 2:
			out = append(out, policy.Namespace(ns))
		case 3:
			out = append(out, policy.Namespaces(policy.MatchLabels{"env": "prod"}).Pods(sel))
		case 4:
			out = append(out, policy.Namespaces(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "team", Operator: metav1.LabelSelectorOpExists}}}))
		case 5:
			out = append(out, policy.AllNamespaces().Pods(sel))
		case 6:
			out = append(out, policy.SameNamespace())
		case 7:
			out = append(out, policy.Pods(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{svc}}}}))
		case 8:
			out = append(out, policy.CIDR("192.0.2.0/24", "192.0.2.128/25"))
		case 9:
			out = append(out, policy.CIDR("2001:db8::/32"))
		case 10:
			// Over the cluster's range: the backend must except it.
			out = append(out, policy.CIDR("10.0.0.0/8", "10.0.1.0/24"))
		case 11:
			// Inside the cluster's range: names no address.
			out = append(out, policy.CIDR("10.244.8.0/24"))
		default:
			out = append(out, policy.Any())
		}
	}
	return out
}

func randomPorts(r *rand.Rand) []policy.Port {
	var out []policy.Port
	protos := []policy.Protocol{policy.TCP, policy.TCP, policy.UDP, policy.SCTP}
	for range r.IntN(3) {
		proto := protos[r.IntN(len(protos))]
		switch r.IntN(5) {
		case 0:
			out = append(out, policy.Port{Protocol: proto})
		case 1:
			from := int32(8000 + r.IntN(4))
			out = append(out, policy.Port{Protocol: proto, Port: from, EndPort: from + int32(r.IntN(3))})
		case 2:
			out = append(out, policy.Port{Protocol: policy.TCP, Name: "http"})
		default:
			out = append(out, policy.Port{Protocol: proto, Port: int32(80 + r.IntN(3))})
		}
	}
	return out
}

func buildOps(ops []op) *policy.Set {
	set := policy.NewSet()
	for _, o := range ops {
		o(set)
	}
	return set
}
