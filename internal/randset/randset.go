// Package randset generates random, valid policy Sets for property tests, together with
// the Go code that builds them, so that a failing case can be pasted into a test.
package randset

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/netintent/netintent/policy"
)

// Features selects the constructs a generated Set may use, so that a test can stay within
// what one backend expresses.
type Features struct {
	// Deny allows deny rules (service-level and cluster guardrails).
	Deny bool
	// Cluster allows cluster-wide policies.
	Cluster bool
	// L7 allows HTTP rules with exact and prefix paths.
	L7 bool
	// HTTPRegex allows HTTP regex paths too (with L7).
	HTTPRegex bool
	// L7IngressOnly keeps HTTP rules (with L7) to ingress allows, where Calico's
	// application layer policy enforces them.
	L7IngressOnly bool
	// FQDN allows FQDN peers.
	FQDN bool
	// Entities allows entity peers.
	Entities bool
	// ICMP allows ICMP matches.
	ICMP bool
	// ServiceAccounts allows service-account peers.
	ServiceAccounts bool
	// Broad allows the peers Any and WholeCluster, in allow and deny rules.
	Broad bool
}

// All enables every feature.
var All = Features{Deny: true, Cluster: true, L7: true, HTTPRegex: true, FQDN: true, Entities: true, ICMP: true, ServiceAccounts: true, Broad: true}

// Case is one generated Set and the code that builds it.
type Case struct {
	// Seed reproduces the case with New.
	Seed uint64
	// Set is the generated Set.
	Set *policy.Set
	// Code is Go source that builds an identical Set.
	Code string
}

var (
	namespaces = []string{"shop", "pay", "ops"}
	nsLabels   = map[string]map[string]string{
		"shop": {"env": "prod", "team": "web"},
		"pay":  {"env": "prod", "team": "fin"},
		"ops":  {"env": "dev"},
	}
	services = []string{"web", "api", "db", "cache", "worker"}
	cidrs    = [][]string{
		{"203.0.113.0/24"},
		{"198.51.100.0/24", "198.51.100.128/25"},
		{"192.0.2.0/24", "192.0.2.0/28", "192.0.2.64/26"},
		{"2001:db8::/32", "2001:db8:1::/48"},
		{"0.0.0.0/0", "10.0.0.0/8"},
	}
)

// New generates a Set of roughly size services from seed, using only the given features.
func New(seed uint64, size int, f Features) Case {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), f: f, set: policy.NewSet()}
	g.code.WriteString("set := policy.NewSet()\n")
	for _, ns := range namespaces {
		n := g.set.Namespace(ns).Labels(nsLabels[ns])
		g.linef("set.Namespace(%q).Labels(%#v)", ns, nsLabels[ns])
		switch g.r.IntN(6) {
		case 0:
			n.DefaultDeny()
			g.linef("set.Namespace(%q).DefaultDeny()", ns)
		case 1:
			n.DefaultDenyIngress()
			g.linef("set.Namespace(%q).DefaultDenyIngress()", ns)
		case 2:
			n.AllowSameNamespace()
			g.linef("set.Namespace(%q).AllowSameNamespace()", ns)
		}
	}
	for i := 0; i < size; i++ {
		ns := namespaces[g.r.IntN(len(namespaces))]
		svc := services[g.r.IntN(len(services))]
		w := g.set.ServiceIn(ns, svc)
		target := fmt.Sprintf("set.ServiceIn(%q, %q)", ns, svc)
		if g.r.IntN(8) == 0 {
			w.WithoutDNS()
			g.linef("%s.WithoutDNS()", target)
		}
		for n := g.r.IntN(3) + 1; n > 0; n-- {
			g.rule(w, target, ns)
		}
	}
	if f.Cluster {
		for i := g.r.IntN(3); i > 0; i-- {
			name := fmt.Sprintf("guard-%d", i)
			w := g.set.Cluster(name)
			target := fmt.Sprintf("set.Cluster(%q)", name)
			if g.r.IntN(2) == 0 {
				sel := map[string]string{"app": services[g.r.IntN(len(services))]}
				w.Select(policy.MatchLabels(sel))
				g.linef("%s.Select(policy.MatchLabels(%#v))", target, sel)
			}
			g.rule(w, target, "")
		}
	}
	return Case{Seed: seed, Set: g.set, Code: g.code.String()}
}

type gen struct {
	r    *rand.Rand
	f    Features
	set  *policy.Set
	code strings.Builder
}

func (g *gen) linef(format string, args ...any) {
	fmt.Fprintf(&g.code, format, args...)
	g.code.WriteString("\n")
}

// rule adds one rule to w; ns is w's namespace, empty for cluster-wide policies.
func (g *gen) rule(w *policy.Workload, target, ns string) {
	deny := g.f.Deny && g.r.IntN(5) == 0
	ingress := g.r.IntN(2) == 0
	var peers []policy.Peer
	var codes []string
	for n := g.r.IntN(2) + 1; n > 0; n-- {
		p, c := g.peer(ns, ingress, deny)
		peers = append(peers, p)
		codes = append(codes, c)
	}
	args := make([]any, len(peers))
	for i, p := range peers {
		args[i] = p
	}
	var rb *policy.RuleBuilder
	var verb string
	switch {
	case ingress && deny:
		rb, verb = w.DenyFrom(args...), "DenyFrom"
	case ingress:
		rb, verb = w.AllowFrom(args...), "AllowFrom"
	case deny:
		rb, verb = w.DenyTo(args...), "DenyTo"
	default:
		rb, verb = w.AllowTo(args...), "AllowTo"
	}
	call := fmt.Sprintf("%s.%s(%s)", target, verb, strings.Join(codes, ", "))
	if !deny && g.r.IntN(6) == 0 {
		rb.OneSided()
		call += ".OneSided()"
	}
	switch g.r.IntN(9) {
	case 0: // all traffic
	case 1:
		rb.PortRange(policy.TCP, 8000, 8100)
		call += ".PortRange(policy.TCP, 8000, 8100)"
	case 2:
		rb.NamedPort("http")
		call += `.NamedPort("http")`
	case 3:
		rb.UDP(53, 5353)
		call += ".UDP(53, 5353)"
	case 4:
		rb.SCTP(3868)
		call += ".SCTP(3868)"
	case 5:
		if g.f.ICMP {
			rb.ICMP(8)
			call += ".ICMP(8)"
			break
		}
		fallthrough
	default:
		port := []int{80, 443, 8080, 5432}[g.r.IntN(4)]
		rb.TCP(port)
		call += fmt.Sprintf(".TCP(%d)", port)
		if g.f.L7 && !deny && (ingress || !g.f.L7IngressOnly) && g.r.IntN(4) == 0 {
			switch n := g.r.IntN(3); {
			case n == 1:
				rb.HTTP("POST", "/orders")
				call += `.HTTP("POST", "/orders")`
			case n == 2 && g.f.HTTPRegex:
				// [^/] would match the query string's '?' in a proxy that sees it.
				rb.HTTPRegex("GET", "/users/[^/]+/orders")
				call += `.HTTPRegex("GET", "/users/[^/]+/orders")`
			default:
				rb.HTTPPrefix("GET", "/api/")
				call += `.HTTPPrefix("GET", "/api/")`
			}
		}
	}
	g.linef("%s", call)
}

// peer returns a random peer and its code; ns is the rule owner's namespace, empty for
// cluster-wide policies, which cannot use namespace-relative peers.
func (g *gen) peer(ns string, ingress, deny bool) (policy.Peer, string) {
	for {
		switch g.r.IntN(11) {
		case 0, 1:
			if ns == "" {
				continue
			}
			s := services[g.r.IntN(len(services))]
			return policy.Service(s), fmt.Sprintf("policy.Service(%q)", s)
		case 2, 3:
			n, s := namespaces[g.r.IntN(len(namespaces))], services[g.r.IntN(len(services))]
			return policy.ServiceIn(n, s), fmt.Sprintf("policy.ServiceIn(%q, %q)", n, s)
		case 4:
			n := namespaces[g.r.IntN(len(namespaces))]
			return policy.Namespace(n), fmt.Sprintf("policy.Namespace(%q)", n)
		case 5:
			sel := map[string]string{"env": []string{"prod", "dev"}[g.r.IntN(2)]}
			return policy.Namespaces(policy.MatchLabels(sel)), fmt.Sprintf("policy.Namespaces(policy.MatchLabels(%#v))", sel)
		case 6:
			s := services[g.r.IntN(len(services))]
			return policy.AllNamespaces().Pods(policy.MatchLabels{"app": s}),
				fmt.Sprintf("policy.AllNamespaces().Pods(policy.MatchLabels{\"app\": %q})", s)
		case 7:
			c := cidrs[g.r.IntN(len(cidrs))]
			return policy.CIDR(c[0], c[1:]...), fmt.Sprintf("policy.CIDR(%s)", quoteAll(c))
		case 8:
			if !g.f.FQDN || ingress {
				continue
			}
			p := []string{"api.example.com", "*.example.org"}[g.r.IntN(2)]
			return policy.FQDN(p), fmt.Sprintf("policy.FQDN(%q)", p)
		case 9:
			if !g.f.Entities {
				continue
			}
			// Drawn only with Broad, so that Sets without it stay as they were.
			if g.f.Broad && g.r.IntN(2) == 0 {
				if g.r.IntN(2) == 0 {
					return policy.Any(), "policy.Any()"
				}
				return policy.WholeCluster(), "policy.WholeCluster()"
			}
			// A pod's own node always reaches it: denying it on ingress is invalid.
			if g.r.IntN(2) == 0 || (ingress && deny) {
				return policy.World(), "policy.World()"
			}
			return policy.Host(), "policy.Host()"
		default:
			if !g.f.ServiceAccounts {
				continue
			}
			n := namespaces[g.r.IntN(len(namespaces))]
			return policy.ServiceAccount(n, "robot"), fmt.Sprintf("policy.ServiceAccount(%q, \"robot\")", n)
		}
	}
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
