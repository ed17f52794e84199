package policy_test

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netintent/netintent/policy"
)

// fuzzInput is one fuzzed Set: strings go everywhere a user types a name, numbers
// everywhere a user types a port, and flag bits choose which parts of the API are used.
type fuzzInput struct {
	ns, name, peer, key, val, cidr, except, fqdn, method, path string
	port, endPort, icmpType                                    int
	flags                                                      uint32
}

func (in fuzzInput) on(bit uint) bool { return in.flags&(1<<bit) != 0 }

func (in fuzzInput) build() *policy.Set {
	opts := []policy.SetOption{policy.DefaultNamespace(in.ns)}
	if in.on(0) {
		opts = append(opts, policy.ServiceLabel(in.key))
	}
	if in.on(1) {
		opts = append(opts, policy.AuditAll())
	}
	if in.on(2) {
		opts = append(opts, policy.DNSService(policy.PodsIn(in.ns, policy.MatchLabels{in.key: in.val}),
			policy.Port{Protocol: policy.UDP, Port: int32(in.port)}))
	}
	s := policy.NewSet(opts...)
	w := s.Service(in.name)
	if in.on(3) {
		w.Select(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: in.key, Operator: metav1.LabelSelectorOperator(in.method), Values: []string{in.val}}}})
	}
	if in.on(4) {
		s.Tier(in.val, float64(in.endPort)).DefaultPass()
		w.InTier(in.val, float64(in.port))
	}
	if in.on(5) {
		w.Audit()
	}
	if in.on(6) {
		w.WithoutDNS()
	}

	peers := []any{in.peer}
	switch (in.flags >> 7) & 7 {
	case 1:
		peers = append(peers, policy.ServiceIn(in.ns, in.peer).WithServiceAccount(in.val))
	case 2:
		peers = append(peers, policy.Namespaces(policy.MatchLabels{in.key: in.val}).Pods(policy.MatchLabels{"app": in.peer}))
	case 3:
		peers = append(peers, policy.AllNamespaces(), policy.Namespace(in.ns))
	case 4:
		peers = append(peers, s.Service(in.peer), s.Namespace(in.ns))
	case 5:
		peers = append(peers, policy.Service(in.peer).InCluster(in.val))
	case 6:
		peers = []any{policy.CIDR(in.cidr, in.except), policy.World(), policy.Host()}
	case 7:
		peers = append(peers, in.port, nil)
	}
	var r *policy.RuleBuilder
	switch (in.flags >> 10) & 3 {
	case 0:
		r = w.AllowFrom(peers...)
	case 1:
		r = w.AllowTo(peers...)
	case 2:
		r = w.DenyFrom(peers...)
	default:
		r = w.PassTo(peers...)
	}
	switch (in.flags >> 12) & 3 {
	case 0:
		r.TCP(in.port)
	case 1:
		r.PortRange(policy.UDP, in.port, in.endPort)
	case 2:
		r.NamedPort(in.val).SCTP(in.endPort)
	default:
		r.ICMP(in.icmpType, in.port).ICMPv6(in.icmpType)
	}
	switch (in.flags >> 14) & 3 {
	case 1:
		r.HTTP(in.method, in.path).HTTPRequest(policy.HTTPMatch{Host: in.val, Headers: []policy.Header{{Name: in.key, Value: in.val}}})
	case 2:
		r.HTTPRegex(in.method, in.path).GRPC(in.peer, in.method)
	case 3:
		r.DNS(in.fqdn)
	}
	if in.on(16) {
		w.AllowTo(policy.FQDN(in.fqdn), policy.CIDR(in.cidr, in.except)).TCP(443)
	}
	if in.on(17) {
		s.Namespace(in.ns).Labels(map[string]string{in.key: in.val}).DefaultDeny()
	}
	if in.on(18) {
		s.Service(in.peer).AllowTo(policy.World()).TCP(in.endPort) // an isolated peer: mirroring
	}
	if in.on(19) {
		s.Cluster(in.name).InNamespaces(policy.MatchLabels{in.key: in.val}).DenyTo(policy.CIDR(in.cidr)).TCP(in.port)
	}
	if in.on(20) {
		s.Host(in.name).Select(policy.MatchLabels{in.key: in.val}).AllowFrom(policy.CIDR(in.cidr, in.except)).TCP(in.port)
	}
	if in.on(21) {
		w.Named(in.val).WithLabels(map[string]string{in.key: in.val}).WithAnnotations(map[string]string{in.key: in.path})
	}
	if in.on(22) {
		s.Pods(in.ns, in.peer, policy.MatchLabels{in.key: in.val}).DefaultDenyEgress()
	}
	return s
}

func (in fuzzInput) flows() []policy.Flow {
	var addr netip.Addr
	if p, err := netip.ParsePrefix(in.cidr); err == nil {
		addr = p.Addr()
	}
	a := pod(in.ns, in.name)
	b := pod(in.ns, in.peer)
	c := podL(in.ns, map[string]string{in.key: in.val})
	c.ServiceAccount = in.val
	c.NamedPorts = map[string]policy.Port{in.val: {Protocol: policy.TCP, Port: int32(in.port)}}
	x := policy.Endpoint{Kind: policy.EndpointExternal, IP: addr, DNSName: in.fqdn}
	h := policy.Endpoint{Kind: policy.EndpointHost, Labels: map[string]string{in.key: in.val}}
	port := int32(in.port)
	var out []policy.Flow
	for _, pair := range [][2]policy.Endpoint{{a, b}, {b, a}, {a, c}, {c, a}, {a, x}, {x, a}, {x, h}, {a, kubeDNSPod()}, {b, b}} {
		for _, proto := range []policy.Protocol{policy.TCP, policy.UDP, policy.SCTP} {
			out = append(out, policy.Flow{From: pair[0], To: pair[1], Protocol: proto, Port: port})
		}
		out = append(out,
			policy.Flow{From: pair[0], To: pair[1], Protocol: policy.TCP, Port: port,
				HTTP: &policy.HTTPRequest{Method: in.method, Path: in.path, Host: in.val, Headers: []policy.Header{{Name: in.key, Value: in.val}}}},
			policy.Flow{From: pair[0], To: pair[1], Protocol: policy.UDP, Port: 53, DNSQuery: in.fqdn},
			policy.Flow{From: pair[0], To: pair[1], ICMP: &policy.ICMP{Family: policy.IPv4, Type: int32(in.icmpType)}})
	}
	return out
}

func FuzzBuilder(f *testing.F) {
	// flags bits: 0 service label, 1 AuditAll, 2 DNS service, 3 selector expression, 4 tier,
	// 5 audit, 6 WithoutDNS, 7-9 peer forms, 10-11 direction/action, 12-13 ports, 14-15 L7,
	// 16 FQDN+CIDR egress, 17 namespace default deny, 18 isolated peer, 19 cluster guardrail,
	// 20 host policy, 21 metadata, 22 pod group.
	f.Add("shop", "order", "gw", "app", "v", "10.0.0.0/8", "10.1.0.0/16", "*.stripe.com", "GET", "/orders/[0-9]+",
		8080, 0, 8, uint32(1<<14|1<<16|1<<17|1<<18))
	f.Add("shop", "order", "gw", "team", "a", "169.254.169.254/32", "", "api.stripe.com", "POST", "/orders",
		443, 450, 0, uint32(1<<10|1<<12|1<<19|1<<20|1<<21))
	f.Add("edge", "gw", "web", "env", "prod", "2001:db8::/32", "2001:db8:1::/48", "**.example.com", "In", "/x",
		53, 53, 128, uint32(1<<3|2<<7|1<<10|3<<14|1<<16|1<<17))
	f.Add("", "", "", "", "", "", "", "", "", "", 0, 0, 0, uint32(0))
	f.Add("Bad NS", "Web_1", "a b", "bad key", "a b", "10.0.0.1/8", "11.0.0.0/8", "a..b", "GE T", "[", 70000, -1, 300, uint32(0xffffffff))
	f.Add("a", "b", "c", "d", "e", "0.0.0.0/0", "::/0", "*", "*", "*", -1<<40, 1<<40, -1, uint32(7<<7|3<<10|3<<12|2<<14))
	f.Add("t", "svc", "svc", "k", "tier-a", "192.168.0.0/16", "192.168.1.0/24", "x.y", "GET", "/", 80, 90, 3,
		uint32(1<<1|1<<4|1<<5|1<<6|4<<7|1<<12|1<<22))
	f.Add("ns", "a", "b", "kubernetes.io/metadata.name", "ns", "10.0.0.0/8", "", "*.b", "PUT", "/p", 1, 65535, 0,
		uint32(1<<0|1<<2|5<<7|6<<7|1<<11|1<<18))
	f.Fuzz(func(t *testing.T, ns, name, peer, key, val, cidr, except, fqdn, method, path string,
		port, endPort, icmpType int, flags uint32) {
		in := fuzzInput{ns, name, peer, key, val, cidr, except, fqdn, method, path, port, endPort, icmpType, flags}
		m1, err1 := in.build().Model()
		m2, err2 := in.build().Model()
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("two builds disagree: %v / %v", err1, err2)
		}
		if err1 != nil {
			problems(t, err1)
			if err1.Error() != err2.Error() {
				t.Fatalf("problems differ between builds:\n%v\n%v", err1, err2)
			}
			for _, fe := range problems(t, err1) {
				if fe.Field == "" {
					t.Errorf("problem without a path: %v", fe)
				}
			}
			return
		}
		if !reflect.DeepEqual(m1, m2) {
			t.Fatal("two builds of the same Set gave different Models")
		}
		j1 := mustJSON(t, m1)
		if j2 := mustJSON(t, m2); j1 != j2 {
			t.Fatalf("JSON differs:\n%s\n%s", j1, j2)
		}
		for _, p := range m1.Policies {
			if p.Name == "" || p.Path == nil {
				t.Errorf("policy without name or path: %+v", p)
			}
			for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
				for _, r := range p.Rules(d) {
					if len(r.Peers) == 0 {
						t.Errorf("%s: rule without peers (it would match everything in some engines): %+v", policyID(p), r)
					}
					if r.Mirrored && (r.HasL7() || r.Action != policy.Allow) {
						t.Errorf("%s: mirrored rule with L7 or not an allow: %+v", policyID(p), r)
					}
				}
			}
		}
		for _, fl := range in.flows() {
			v1, v2 := m1.Evaluate(fl), m2.Evaluate(fl)
			if v1 != v2 {
				t.Fatalf("evaluation is not deterministic: %s / %s", v1, v2)
			}
			if v1.Allowed && ((v1.Source.Judged && !v1.Source.Allowed) || (v1.Destination.Judged && !v1.Destination.Allowed)) {
				t.Fatalf("allowed although one end denies: %s", v1)
			}
			_ = v1.String()
		}
		if j := mustJSON(t, m1); j != j1 {
			t.Fatal("Evaluate changed the Model")
		}
	})
}

// FuzzMatchFQDN compares MatchFQDN with Cilium's matchpattern for every pattern Cilium
// accepts.
func FuzzMatchFQDN(f *testing.F) {
	for _, p := range fqdnPatterns {
		for _, n := range []string{"api.stripe.com", "a.b.stripe.com", "stripe.com", "", "."} {
			f.Add(p, n)
		}
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if strings.Contains(name, `\`) {
			// Cilium treats a backslash before the final dot as an escape (miekg/dns);
			// such names never match a valid pattern's characters anyway.
			t.Skip()
		}
		want, valid := ciliumMatches(pattern, name)
		got := policy.MatchFQDN(pattern, name)
		if valid && got != want {
			t.Errorf("MatchFQDN(%q, %q) = %v, Cilium says %v", pattern, name, got, want)
		}
	})
}
