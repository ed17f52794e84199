package calico_test

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// corpusSet is a Set of the equivalence corpus and the options it is compiled with.
type corpusSet struct {
	name  string
	build func() *policy.Set
	opts  []calico.Option
	// refused declares the constructs Compile refuses with opts and the cluster's ranges,
	// sorted; see golden.Refusal.
	refused []string
}

// withNamespaces declares the universe's namespaces and their labels in s.
func withNamespaces(s *policy.Set) *policy.Set {
	for _, ns := range []string{"dev", "kube-system", "other", "pay", "shop"} {
		s.Namespace(ns).Labels(testNamespaces[ns])
	}
	return s
}

func clusterCIDRs() calico.Option { return calico.ClusterCIDRs(clusterRange) }

// handCorpus covers every construct the backend translates, alone and in combination.
func handCorpus() []corpusSet {
	set := func(f func(s *policy.Set)) func() *policy.Set {
		return func() *policy.Set {
			s := withNamespaces(policy.NewSet(policy.DefaultNamespace("shop")))
			f(s)
			return s
		}
	}
	expr := func(key string, op metav1.LabelSelectorOperator, values ...string) policy.Selector {
		return policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	out := []corpusSet{
		{name: "service-allow-from", build: set(func(s *policy.Set) {
			s.Service("api").AllowFrom("web").TCP(8080, 9090).AllowTo("db").TCP(5432)
		})},
		{name: "namespace-default-deny", build: set(func(s *policy.Set) {
			s.Namespace("shop").DefaultDeny()
			s.Service("web").AllowTo("api").TCP(9090).AllowFrom(policy.AllNamespaces()).TCP(8080)
		})},
		{name: "default-deny-without-dns", build: set(func(s *policy.Set) {
			s.Namespace("pay").DefaultDenyEgress().WithoutDNS()
		})},
		{name: "peers", build: set(func(s *policy.Set) {
			s.Service("db").
				AllowFrom(policy.ServiceIn("pay", "api"), policy.Namespaces(policy.MatchLabels{"env": "dev"}).Pods(policy.MatchLabels{"tier": "front"})).TCP(5432).
				AllowFrom(policy.ServiceAccount("shop", "api")).NamedPort("pg").
				AllowFrom(policy.PodsIn("pay", expr("tier", metav1.LabelSelectorOpNotIn, "front", "data"))).Port(policy.Port{Protocol: policy.TCP, Name: "http"}).
				AllowFrom(policy.Pods(expr("tier", metav1.LabelSelectorOpExists))).PortRange(policy.TCP, 8000, 8100).
				AllowFrom(policy.AllNamespaces().Pods(expr("app", metav1.LabelSelectorOpDoesNotExist))).AllPorts(policy.UDP).
				AllowFrom(policy.Namespace("other")).SCTP(3868)
		})},
		{name: "same-namespace-and-sa", build: set(func(s *policy.Set) {
			s.Namespace("dev").AllowSameNamespace()
			s.ServiceIn("dev", "api").AllowFrom(policy.SameNamespace().WithServiceAccount("web")).TCP(9090)
		})},
		{name: "cidr-and-icmp", build: set(func(s *policy.Set) {
			s.Service("web").
				AllowTo(policy.CIDR("10.0.0.0/8", "10.0.1.0/24"), policy.CIDR("2001:db8::/32", "2001:db8:1::/48")).TCP(443).
				AllowTo(policy.CIDR("8.8.8.8/32")).UDP(53).
				AllowFrom(policy.CIDR("198.51.100.0/24")).ICMP(8, 0).ICMPv6(128)
		})},
		{name: "guardrails", build: set(func(s *policy.Set) {
			s.Cluster("no-imds").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
			s.Cluster("prod-no-dev").InNamespaces(policy.MatchLabels{"env": "prod"}).
				DenyFrom(policy.Namespaces(policy.MatchLabels{"env": "dev"}))
			s.Service("web").AllowTo(policy.Any()).TCP(80, 443).DenyTo(policy.ServiceIn("pay", "db"))
		})},
		{name: "cluster-baseline", build: set(func(s *policy.Set) {
			s.Cluster("web-everywhere").Select(policy.MatchLabels{"app": "web"}).
				AllowFrom(policy.AllNamespaces()).TCP(8080).
				AllowTo(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "api"})).NamedPort("grpc")
		})},
		{name: "world-and-cluster", build: set(func(s *policy.Set) {
			s.Service("web").AllowTo(policy.World()).TCP(443).AllowFrom(policy.WholeCluster()).TCP(8080)
			s.Cluster("no-outside").Select(policy.MatchLabels{"tier": "data"}).DenyTo(policy.World())
			s.Service("api").AllowTo(policy.CIDR("0.0.0.0/0", "10.0.0.0/8")).TCP(443)
		})},
		{name: "selectors-around-host-endpoints-and-network-sets", build: set(func(s *policy.Set) {
			// The subjects and peers look like the host endpoints and network sets of the
			// universe (newSurroundings): each is kept out by one guard of the backend.
			s.Cluster("untagged-api").Select(policy.MatchLabels{"app": "api"}).
				InNamespaces(expr("team", metav1.LabelSelectorOpDoesNotExist)).DefaultDeny()
			s.Cluster("prod-web").Select(policy.MatchLabels{"app": "web"}).
				InNamespaces(policy.MatchLabels{"env": "prod"}).DefaultDenyEgress()
			s.Service("db").
				AllowFrom(policy.Namespaces(expr("team", metav1.LabelSelectorOpDoesNotExist)).Pods(policy.MatchLabels{"app": "api"})).TCP(5432).
				AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "prod"}).Pods(policy.MatchLabels{"app": "web"})).TCP(8081).
				AllowTo(policy.Service("web"), policy.Namespaces(expr("env", metav1.LabelSelectorOpNotIn, "dev"))).TCP(443)
			s.ServiceIn("pay", "db").AllowFrom(policy.SameNamespace()).TCP(5432)
			// Two pod peers merge into one selector "(a && b) || c": the guard must cover
			// both branches (dev's NetworkSet carries role=batch).
			s.ServiceIn("dev", "db").AllowFrom(policy.Pods(policy.MatchLabels{"app": "web", "tier": "front"}),
				policy.Pods(policy.MatchLabels{"role": "batch"})).TCP(5432)
		})},
		{name: "host-probes", build: set(func(s *policy.Set) {
			s.Service("api").DefaultDeny().AllowFrom(policy.Host()).TCP(9100)
		})},
		{name: "tiers", build: set(func(s *policy.Set) {
			s.Tier("security", 100)
			s.Tier("platform", 200).DefaultPass()
			s.Cluster("threats").InTier("security", 10).
				DenyFrom(policy.CIDR("198.51.100.0/24")).PassFrom(policy.Any()).
				DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
			s.Cluster("dns").InTier("platform", 5).AllowTo(policy.KubeDNS()).UDP(53).TCP(53)
			s.ServiceIn("pay", "db").InTier("platform", 10).AllowFrom(policy.ServiceIn("pay", "api")).TCP(5432).
				PassFrom(policy.Namespace("shop")).DenyFrom(policy.Any())
			s.Service("web").AllowFrom(policy.AllNamespaces()).TCP(8080).DenyTo(policy.CIDR("8.8.8.8/32"))
		})},
		{name: "tier-default-deny", build: set(func(s *policy.Set) {
			s.Tier("strict", 50)
			s.ServiceIn("dev", "web").InTier("strict", 1).DefaultDenyIngress().AllowFrom(policy.Namespace("dev")).TCP(8080)
		})},
		{name: "audit", build: set(func(s *policy.Set) {
			s.Namespace("pay").DefaultDeny().Audit()
			s.Cluster("no-imds").Audit().DenyTo(policy.CIDR("169.254.169.254/32"))
			s.Service("web").AllowTo("api").TCP(9090)
		})},
		{name: "http", opts: []calico.Option{calico.ApplicationLayerPolicy()}, build: set(func(s *policy.Set) {
			s.Service("web").
				AllowFrom("api").TCP(8080).HTTP("GET", "/api").HTTP("POST", "/orders").HTTPPrefix("GET", "/orders/").
				AllowFrom("db").TCP(8080).HTTPPrefix("", "/users/").
				AllowFrom("web").TCP(8080, 443).HTTP("DELETE", "")
		})},
		{name: "dns-service", build: func() *policy.Set {
			s := withNamespaces(policy.NewSet(policy.DNSService(policy.AllNamespaces().Pods(policy.MatchLabels{"k8s-app": "kube-dns"}),
				policy.Port{Protocol: policy.UDP, Port: 53})))
			s.ServiceIn("dev", "db").DefaultDenyEgress()
			return s
		}},
	}
	for _, sc := range scenarios.All() {
		build := sc.Build
		out = append(out, corpusSet{name: "scenario-" + sc.Name, build: func() *policy.Set { return withNamespaces(build()) }, refused: withoutCIDRPeers(sc.Refused["calico"])})
	}
	return out
}

// withoutCIDRPeers returns the constructs of a scenario's declared refusal without "CIDR
// peers", which the cluster's ranges make exact.
func withoutCIDRPeers(constructs []string) []string {
	return slices.DeleteFunc(slices.Clone(constructs), func(c string) bool { return c == "CIDR peers" })
}

// randomSet generates the workloads of a random Set as independent declarations, so that
// the Set can be built in any declaration order. Every workload has its own key.
func randomSet(r *rand.Rand) []func(*policy.Set) {
	var ops []func(*policy.Set)
	used := map[string]bool{}
	namespaces := []string{"shop", "pay", "dev"}
	apps := []string{"web", "api", "db"}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	withTiers := r.IntN(4) == 0
	if withTiers {
		defaultPass := r.IntN(2) == 0
		ops = append(ops, func(s *policy.Set) {
			t := s.Tier("sec", 100)
			if defaultPass {
				t.DefaultPass()
			}
		})
	}
	tierOrder := 0
	for n := 1 + r.IntN(4); n > 0; n-- {
		kind := r.IntN(4)
		var key string
		var ns string
		switch kind {
		case 0:
			ns = pick(namespaces)
			key = "svc/" + ns + "/" + pick(apps)
		case 1:
			ns = pick(namespaces)
			key = "ns/" + ns
		case 2:
			ns = pick(namespaces)
			key = fmt.Sprintf("pods/%s/grp-%d", ns, n)
		default:
			key = fmt.Sprintf("cluster/cl-%d", n)
		}
		if used[key] {
			continue
		}
		used[key] = true
		tiered := withTiers && r.IntN(2) == 0
		tierOrder++
		order := float64(tierOrder)
		isolation := r.IntN(5)
		noDNS := r.IntN(4) == 0
		audit := r.IntN(8) == 0
		var rules []func(w *policy.Workload)
		for k := r.IntN(4); k > 0; k-- {
			rules = append(rules, randomRule(r, kind != 3, tiered))
		}
		podSel := randomSelector(r)
		nsSel := randomNamespaceSelector(r)
		ops = append(ops, func(s *policy.Set) {
			var w *policy.Workload
			switch kind {
			case 0:
				w = s.ServiceIn(ns, key[len("svc/"+ns+"/"):])
			case 1:
				w = s.Namespace(ns).Workload
			case 2:
				w = s.Pods(ns, key[len("pods/"+ns+"/"):], podSel)
			default:
				w = s.Cluster(key[len("cluster/"):]).Select(podSel)
				if nsSel != nil {
					w.InNamespaces(nsSel)
				}
			}
			switch isolation {
			case 0:
				w.DefaultDeny()
			case 1:
				w.DefaultDenyIngress()
			case 2:
				w.DefaultDenyEgress()
			}
			if noDNS {
				w.WithoutDNS()
			}
			if audit {
				w.Audit()
			}
			if tiered {
				w.InTier("sec", order)
			}
			for _, rule := range rules {
				rule(w)
			}
		})
	}
	return ops
}

func randomSelector(r *rand.Rand) policy.Selector {
	switch r.IntN(6) {
	case 0:
		return policy.MatchLabels{"app": []string{"web", "api", "db"}[r.IntN(3)]}
	case 1:
		return policy.MatchLabels{"tier": "back"}
	case 2:
		return policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "db"}}}}
	case 3:
		return policy.LabelSelector{MatchLabels: map[string]string{"tier": "front"}, MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "role", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	case 4:
		return policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"data"}}}}
	}
	return policy.Everything()
}

func randomNamespaceSelector(r *rand.Rand) policy.Selector {
	switch r.IntN(4) {
	case 0:
		return policy.MatchLabels{"env": "prod"}
	case 1:
		return policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpExists}}}
	}
	return nil
}

var randomCIDRs = [][]string{
	{"0.0.0.0/0", "10.0.0.0/8"}, {"10.0.0.0/8", "10.0.1.0/24"}, {"198.51.100.0/24"}, {"169.254.169.254/32"},
	{"2001:db8::/32", "2001:db8:1::/48"}, {"8.8.8.8/32"}, {"::/0"}, {"100.64.0.0/16"},
}

func randomPeer(r *rand.Rand, namespaced bool) policy.Peer {
	for {
		switch r.IntN(14) {
		case 0:
			if namespaced {
				return policy.Service([]string{"web", "api", "db"}[r.IntN(3)])
			}
		case 1:
			return policy.ServiceIn([]string{"shop", "pay", "dev"}[r.IntN(3)], []string{"web", "api", "db"}[r.IntN(3)])
		case 2:
			return policy.Namespace([]string{"shop", "pay", "dev", "kube-system"}[r.IntN(4)])
		case 3:
			return policy.Namespaces(randomNamespaceSelectorNonNil(r))
		case 4:
			return policy.AllNamespaces()
		case 5:
			return policy.AllNamespaces().Pods(randomSelector(r))
		case 6:
			return policy.PodsIn([]string{"shop", "pay"}[r.IntN(2)], randomSelector(r))
		case 7:
			return policy.ServiceAccount([]string{"shop", "dev"}[r.IntN(2)], []string{"web", "api", "default"}[r.IntN(3)])
		case 8:
			if namespaced {
				return policy.SameNamespace()
			}
		case 9, 10:
			c := randomCIDRs[r.IntN(len(randomCIDRs))]
			return policy.CIDR(c[0], c[1:]...)
		case 11:
			return policy.Any()
		case 12:
			return policy.World()
		case 13:
			return policy.WholeCluster()
		}
	}
}

func randomNamespaceSelectorNonNil(r *rand.Rand) policy.Selector {
	if s := randomNamespaceSelector(r); s != nil {
		return s
	}
	return policy.MatchLabels{"env": "dev"}
}

func randomRule(r *rand.Rand, namespaced, tiered bool) func(w *policy.Workload) {
	egress := r.IntN(2) == 0
	action := policy.Allow
	switch n := r.IntN(8); {
	case n < 2:
		action = policy.Deny
	case n < 3 && tiered:
		action = policy.Pass
	}
	var peers []any
	for k := 1 + r.IntN(2); k > 0; k-- {
		peers = append(peers, randomPeer(r, namespaced))
	}
	if !egress && action == policy.Allow && r.IntN(10) == 0 {
		peers = append(peers, policy.Host())
	}
	ports := r.IntN(9)
	http := !egress && action == policy.Allow && r.IntN(5) == 0
	return func(w *policy.Workload) {
		var rb *policy.RuleBuilder
		switch {
		case egress && action == policy.Allow:
			rb = w.AllowTo(peers...)
		case egress && action == policy.Deny:
			rb = w.DenyTo(peers...)
		case egress:
			rb = w.PassTo(peers...)
		case action == policy.Allow:
			rb = w.AllowFrom(peers...)
		case action == policy.Deny:
			rb = w.DenyFrom(peers...)
		default:
			rb = w.PassFrom(peers...)
		}
		if http {
			rb.TCP(8080).HTTP("GET", "/api").HTTPPrefix("POST", "/orders")
			return
		}
		switch ports {
		case 0:
			rb.TCP(80, 8080)
		case 1:
			rb.UDP(53).TCP(53)
		case 2:
			rb.PortRange(policy.TCP, 8000, 8100)
		case 3:
			rb.NamedPort("http")
		case 4:
			rb.AllPorts(policy.TCP)
		case 5:
			rb.ICMP(8).ICMPv6(128, 0)
		case 6:
			rb.SCTP(3868).TCP(5432)
		}
	}
}

// overlapsCluster reports whether a peer of the model names addresses in clusterRange,
// where plain nets (without ClusterCIDRs) would also match pods and nodes.
func overlapsCluster(m *policy.Model) bool {
	for _, p := range m.Policies {
		for _, rs := range [][]policy.Rule{p.Ingress, p.Egress} {
			for _, r := range rs {
				for _, x := range r.Peers {
					if x.Kind == policy.PeerCIDR && x.CIDR.Overlaps(clusterRange) {
						return true
					}
				}
			}
		}
	}
	return false
}
