package policy_test

import (
	"math/rand"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netintent/netintent/policy"
)

func sel(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func TestModelServiceSubject(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  []policy.SetOption
		label string
	}{
		{"default label", nil, "app"},
		{"configured label", []policy.SetOption{policy.ServiceLabel("app.kubernetes.io/name")}, "app.kubernetes.io/name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := policy.NewSet(append([]policy.SetOption{policy.DefaultNamespace("shop")}, c.opts...)...)
			s.Service("order").AllowFrom("gw").TCP(8080)
			s.ServiceIn("pay", "ledger").AllowFrom(policy.ServiceIn("shop", "order")).TCP(9000)
			m := mustModel(t, s)
			if m.ServiceLabel != c.label {
				t.Errorf("ServiceLabel = %q, want %q", m.ServiceLabel, c.label)
			}
			order := policyNamed(t, m, "shop/order")
			wantSubj := policy.Subject{Scope: policy.ScopeNamespace, Namespace: "shop",
				Pods: *sel(c.label, "order"), Service: "order"}
			if !reflect.DeepEqual(order.Subject, wantSubj) {
				t.Errorf("order subject = %+v, want %+v", order.Subject, wantSubj)
			}
			wantPeer := policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel(c.label, "gw"), Service: "gw"}
			if got := order.Ingress[0].Peers; !reflect.DeepEqual(got, []policy.Peer{wantPeer}) {
				t.Errorf("order peers = %+v, want %+v", got, wantPeer)
			}
			ledger := policyNamed(t, m, "pay/ledger")
			if ledger.Subject.Namespace != "pay" || ledger.Subject.Pods.MatchLabels[c.label] != "ledger" {
				t.Errorf("ledger subject = %+v", ledger.Subject)
			}
			if got := ledger.Ingress[0].Peers[0]; got.Namespace != "shop" || got.PodSelector.MatchLabels[c.label] != "order" {
				t.Errorf("ledger peer = %+v", got)
			}
		})
	}
}

// TestModelSubjects covers the subject of each kind of workload.
func TestModelSubjects(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("web").Select(policy.MatchLabels{"tier": "web"}).AllowFrom(policy.World()).TCP(443)
	s.Pods("shop", "workers", policy.MatchLabels{"role": "worker"}).DefaultDenyEgress()
	s.Namespace("shop").DefaultDenyIngress()
	s.Cluster("guard").DenyTo(policy.CIDR("169.254.169.254/32"))
	s.Cluster("scoped").Select(policy.MatchLabels{"x": "y"}).InNamespaces(policy.MatchLabels{"env": "prod"}).DenyTo(policy.World())
	s.Host("bastion").Select(policy.MatchLabels{"role": "bastion"}).AllowFrom(policy.World()).TCP(22)
	m := mustModel(t, s)

	// Order: cluster, host, then namespaced by namespace and name.
	if got, want := policyIDs(m), []string{"guard", "scoped", "bastion", "shop/namespace-defaults", "shop/web", "shop/workers"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("policies = %q, want %q", got, want)
	}
	want := map[string]policy.Subject{
		"guard":                   {Scope: policy.ScopeCluster},
		"scoped":                  {Scope: policy.ScopeCluster, NamespaceSelector: sel("env", "prod"), Pods: *sel("x", "y")},
		"bastion":                 {Scope: policy.ScopeHost, Nodes: *sel("role", "bastion")},
		"shop/namespace-defaults": {Scope: policy.ScopeNamespace, Namespace: "shop"},
		"shop/web":                {Scope: policy.ScopeNamespace, Namespace: "shop", Pods: *sel("tier", "web")},
		"shop/workers":            {Scope: policy.ScopeNamespace, Namespace: "shop", Pods: *sel("role", "worker")},
	}
	for id, subj := range want {
		if got := policyNamed(t, m, id).Subject; !reflect.DeepEqual(got, subj) {
			t.Errorf("%s subject = %#v, want %#v", id, got, subj)
		}
	}
}

// TestModelPeers checks how every peer form is resolved in the Model.
func TestModelPeers(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	gw := s.Service("gw")
	fe := s.Pods("shop", "fe", policy.MatchLabels{"tier": "fe"})
	mon := s.Namespace("monitoring")
	scoped := s.Cluster("scoped").InNamespaces(policy.MatchLabels{"env": "prod"}).Select(policy.MatchLabels{"a": "b"})
	everywhere := s.Cluster("everywhere")
	cases := []struct {
		name string
		peer any
		want policy.Peer
	}{
		{"service name", "gw", policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel("app", "gw"), Service: "gw"}},
		{"Service", policy.Service("gw"), policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel("app", "gw"), Service: "gw"}},
		{"ServiceIn", policy.ServiceIn("edge", "gw"), policy.Peer{Kind: policy.PeerPods, Namespace: "edge", PodSelector: sel("app", "gw"), Service: "gw"}},
		{"Pods", policy.Pods(policy.MatchLabels{"tier": "fe"}), policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel("tier", "fe")}},
		{"PodsIn", policy.PodsIn("edge", policy.MatchLabels{"tier": "fe"}), policy.Peer{Kind: policy.PeerPods, Namespace: "edge", PodSelector: sel("tier", "fe")}},
		{"SameNamespace", policy.SameNamespace(), policy.Peer{Kind: policy.PeerPods, Namespace: "shop"}},
		{"Namespace", policy.Namespace("monitoring"), policy.Peer{Kind: policy.PeerPods, Namespace: "monitoring"}},
		{"Namespace.Pods", policy.Namespace("monitoring").Pods(policy.MatchLabels{"app": "prom"}),
			policy.Peer{Kind: policy.PeerPods, Namespace: "monitoring", PodSelector: sel("app", "prom")}},
		{"Namespaces", policy.Namespaces(policy.MatchLabels{"team": "obs"}), policy.Peer{Kind: policy.PeerPods, NamespaceSelector: sel("team", "obs")}},
		{"AllNamespaces.Pods", policy.AllNamespaces().Pods(policy.MatchLabels{"role": "backup"}),
			policy.Peer{Kind: policy.PeerPods, AllNamespaces: true, PodSelector: sel("role", "backup")}},
		{"ServiceAccount", policy.ServiceAccount("pay", "reader"), policy.Peer{Kind: policy.PeerPods, Namespace: "pay", ServiceAccount: "reader"}},
		{"Service with account in a mesh cluster", policy.Service("gw").WithServiceAccount("gw-sa").InCluster("east"),
			policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel("app", "gw"), Service: "gw", ServiceAccount: "gw-sa", Cluster: "east"}},
		{"KubeDNS", policy.KubeDNS(), policy.Peer{Kind: policy.PeerPods, Namespace: "kube-system", PodSelector: sel("k8s-app", "kube-dns")}},
		{"*Workload service", gw, policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel("app", "gw"), Service: "gw"}},
		{"*Workload pods", fe, policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel("tier", "fe")}},
		{"*NamespaceDefaults", mon, policy.Peer{Kind: policy.PeerPods, Namespace: "monitoring", PodSelector: &metav1.LabelSelector{}}},
		{"*Workload cluster scoped", scoped, policy.Peer{Kind: policy.PeerPods, NamespaceSelector: sel("env", "prod"), PodSelector: sel("a", "b")}},
		{"*Workload cluster everywhere", everywhere, policy.Peer{Kind: policy.PeerPods, AllNamespaces: true, PodSelector: &metav1.LabelSelector{}}},
		{"CIDR with except", policy.CIDR("10.0.0.0/8", "10.2.0.0/16", "10.1.0.0/16"),
			policy.Peer{Kind: policy.PeerCIDR, CIDR: netip.MustParsePrefix("10.0.0.0/8"),
				Except: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("10.2.0.0/16")}}},
		{"IPv6 CIDR", policy.CIDR("2001:db8::/32", "2001:db8:1::/48"),
			policy.Peer{Kind: policy.PeerCIDR, CIDR: netip.MustParsePrefix("2001:db8::/32"), Except: []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/48")}}},
		{"FQDN canonical", policy.FQDN("API.Stripe.com."), policy.Peer{Kind: policy.PeerFQDN, FQDN: "api.stripe.com"}},
		{"FQDN pattern", policy.FQDN("**.Stripe.com"), policy.Peer{Kind: policy.PeerFQDN, FQDN: "**.stripe.com"}},
		{"World", policy.World(), policy.Peer{Kind: policy.PeerEntity, Entity: policy.EntityWorld}},
		{"WholeCluster", policy.WholeCluster(), policy.Peer{Kind: policy.PeerEntity, Entity: policy.EntityCluster}},
		{"Host", policy.Host(), policy.Peer{Kind: policy.PeerEntity, Entity: policy.EntityHost}},
		{"RemoteNodes", policy.RemoteNodes(), policy.Peer{Kind: policy.PeerEntity, Entity: policy.EntityRemoteNode}},
		{"KubeAPIServer", policy.KubeAPIServer(), policy.Peer{Kind: policy.PeerEntity, Entity: policy.EntityKubeAPIServer}},
		{"Any", policy.Any(), policy.Peer{Kind: policy.PeerAny}},
	}
	w := s.Service("web")
	for _, c := range cases {
		w.DenyTo(c.peer)
	}
	m := mustModel(t, s)
	web := policyNamed(t, m, "shop/web")
	if len(web.Egress) != len(cases) {
		t.Fatalf("web has %d egress rules, want %d", len(web.Egress), len(cases))
	}
	for i, c := range cases {
		if got := web.Egress[i].Peers; len(got) != 1 || !reflect.DeepEqual(got[0], c.want) {
			t.Errorf("%s: resolved to %+v, want %+v", c.name, got, c.want)
		}
		if got := web.Egress[i].Path.String(); got != "services[shop/web].egress["+strconv.Itoa(i)+"]" {
			t.Errorf("%s: rule path %s", c.name, got)
		}
	}
	if p := policy.Service("gw"); !p.IsInCluster() || p.InCluster("east").IsInCluster() || policy.World().IsInCluster() {
		t.Error("IsInCluster: want true only for pod peers of the local cluster")
	}
}

func TestModelOptionsNamespacesTiers(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("order").AllowFrom(policy.ServiceIn("edge", "gw"), policy.Namespaces(policy.MatchLabels{"x": "y"})).TCP(80)
	s.Namespace("monitoring").Labels(map[string]string{"team": "obs"}).Labels(map[string]string{"env": "prod"})
	s.Tier("platform", 20).DefaultPass()
	s.Tier("security", 10)
	m := mustModel(t, s)

	if want := policy.KubeDNS(); m.DNS.Kind != policy.PeerPods || m.DNS.Namespace != "kube-system" ||
		!reflect.DeepEqual(m.DNS.PodSelector, want.PodSelector) {
		t.Errorf("DNS = %+v, want kube-dns", m.DNS)
	}
	if want := []policy.Port{{Protocol: policy.UDP, Port: 53}, {Protocol: policy.TCP, Port: 53}}; !reflect.DeepEqual(m.DNSPorts, want) {
		t.Errorf("DNSPorts = %+v, want %+v", m.DNSPorts, want)
	}
	wantNS := []policy.NamespaceInfo{
		{Name: "edge", Labels: map[string]string{policy.NamespaceNameLabel: "edge"}},
		{Name: "kube-system", Labels: map[string]string{policy.NamespaceNameLabel: "kube-system"}}, // the DNS service's
		{Name: "monitoring", Labels: map[string]string{policy.NamespaceNameLabel: "monitoring", "team": "obs", "env": "prod"}},
		{Name: "shop", Labels: map[string]string{policy.NamespaceNameLabel: "shop"}},
	}
	if !reflect.DeepEqual(m.Namespaces, wantNS) {
		t.Errorf("Namespaces = %+v, want %+v", m.Namespaces, wantNS)
	}
	if len(m.Tiers) != 2 || m.Tiers[0].Name != "security" || m.Tiers[0].Order != 10 || m.Tiers[0].DefaultAction != policy.Deny ||
		m.Tiers[1].Name != "platform" || m.Tiers[1].DefaultAction != policy.Pass || m.Tiers[1].Path.String() != "tiers[platform]" {
		t.Errorf("Tiers = %+v", m.Tiers)
	}

	custom := policy.NewSet(policy.DefaultNamespace("shop"),
		policy.DNSService(policy.PodsIn("dns", policy.MatchLabels{"app": "coredns"}), policy.Port{Protocol: policy.UDP, Port: 5353}))
	custom.Service("a").DefaultDenyEgress()
	cm := mustModel(t, custom)
	if cm.DNS.Namespace != "dns" || cm.DNS.PodSelector.MatchLabels["app"] != "coredns" ||
		!reflect.DeepEqual(cm.DNSPorts, []policy.Port{{Protocol: policy.UDP, Port: 5353}}) {
		t.Errorf("custom DNS = %+v %+v", cm.DNS, cm.DNSPorts)
	}
}

func TestModelRules(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("api").
		Named("api-policy").WithLabels(map[string]string{"team": "a"}).WithLabels(map[string]string{"env": "prod"}).
		WithAnnotations(map[string]string{"owner": "x"}).
		AllowFrom("gw").TCP(8080, 8080).PortRange(policy.TCP, 9000, 9000).PortRange(policy.UDP, 30000, 30010).
		NamedPort("metrics").AllPorts(policy.SCTP).ICMP(8, 0).ICMPv6(128).
		AllowFrom("web").TCP(80).HTTP("GET", "/a").HTTPPrefix("", "/b/").HTTPRegex("POST", "/c/[0-9]+").
		GRPC("shop.v1.Orders", "Get").GRPC("shop.v1.Admin", "").
		HTTPRequest(policy.HTTPMatch{Host: "api.example.com", Headers: []policy.Header{{Name: "X-Key", Value: "1"}}})
	m := mustModel(t, s)
	p := policyNamed(t, m, "shop/api-policy")
	if !reflect.DeepEqual(p.Labels, map[string]string{"team": "a", "env": "prod"}) || p.Annotations["owner"] != "x" || p.Mode != policy.Enforce {
		t.Errorf("metadata: %+v %+v %s", p.Labels, p.Annotations, p.Mode)
	}
	r := p.Ingress[0]
	wantPorts := []policy.Port{
		{Protocol: policy.TCP, Port: 8080}, // the duplicate is dropped
		{Protocol: policy.TCP, Port: 9000}, // a one-port range is a port
		{Protocol: policy.UDP, Port: 30000, EndPort: 30010},
		{Protocol: policy.TCP, Name: "metrics"},
		{Protocol: policy.SCTP},
	}
	if !reflect.DeepEqual(r.Ports, wantPorts) {
		t.Errorf("ports = %+v, want %+v", r.Ports, wantPorts)
	}
	wantICMP := []policy.ICMP{{Family: policy.IPv4, Type: 8, Code: i32(0)}, {Family: policy.IPv6, Type: 128}}
	if !reflect.DeepEqual(r.ICMP, wantICMP) {
		t.Errorf("icmp = %+v, want %+v", r.ICMP, wantICMP)
	}
	if r.AllTraffic() || r.HasL7() || r.Mirrored || r.Action != policy.Allow {
		t.Errorf("rule flags: all=%v l7=%v mirrored=%v action=%s", r.AllTraffic(), r.HasL7(), r.Mirrored, r.Action)
	}
	wantHTTP := []policy.HTTPMatch{
		{Method: "GET", Path: "/a", PathKind: policy.PathExact},
		{Path: "/b/", PathKind: policy.PathPrefix},
		{Method: "POST", Path: "/c/[0-9]+", PathKind: policy.PathRegex},
		{Method: "POST", Path: "/shop.v1.Orders/Get", PathKind: policy.PathExact},
		{Method: "POST", Path: "/shop.v1.Admin/", PathKind: policy.PathPrefix},
		{Host: "api.example.com", PathKind: policy.PathExact, Headers: []policy.Header{{Name: "X-Key", Value: "1"}}},
	}
	if got := p.Ingress[1].HTTP; !reflect.DeepEqual(got, wantHTTP) {
		t.Errorf("http = %+v\nwant %+v", got, wantHTTP)
	}
	if !p.Ingress[1].HasL7() {
		t.Error("HTTP rule: HasL7 false")
	}
	if got := policy.GRPCPath("a.B", "C"); got != "/a.B/C" {
		t.Errorf("GRPCPath = %q", got)
	}
	if p.Rules(policy.Ingress)[1].Path.String() != "services[shop/api].ingress[1]" || len(p.Rules(policy.Egress)) != 0 {
		t.Error("Rules(direction) returns the wrong rules")
	}
}

func TestModelIsolationAndDNS(t *testing.T) {
	cases := []struct {
		name    string
		build   func(w *policy.Workload)
		isolate []policy.Direction
		dns     bool
	}{
		{"no rules", func(w *policy.Workload) {}, nil, false},
		{"ingress allow isolates ingress", func(w *policy.Workload) { w.AllowFrom("a").TCP(1) }, []policy.Direction{policy.Ingress}, false},
		{"egress allow isolates egress and keeps DNS", func(w *policy.Workload) { w.AllowTo("a").TCP(1) }, []policy.Direction{policy.Egress}, true},
		{"both", func(w *policy.Workload) { w.AllowTo("a").AllowFrom("b") }, []policy.Direction{policy.Ingress, policy.Egress}, true},
		{"deny never isolates", func(w *policy.Workload) { w.DenyFrom("a").DenyTo(policy.World()) }, nil, false},
		{"DefaultDeny", func(w *policy.Workload) { w.DefaultDeny() }, []policy.Direction{policy.Ingress, policy.Egress}, true},
		{"DefaultDenyIngress", func(w *policy.Workload) { w.DefaultDenyIngress() }, []policy.Direction{policy.Ingress}, false},
		{"DefaultDenyEgress", func(w *policy.Workload) { w.DefaultDenyEgress() }, []policy.Direction{policy.Egress}, true},
		{"WithoutDNS", func(w *policy.Workload) { w.DefaultDenyEgress().WithoutDNS() }, []policy.Direction{policy.Egress}, false},
		{"deny plus default deny", func(w *policy.Workload) { w.DenyTo(policy.World()).DefaultDenyIngress() }, []policy.Direction{policy.Ingress}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := policy.NewSet(policy.DefaultNamespace("shop"))
			c.build(s.Service("web"))
			p := policyNamed(t, mustModel(t, s), "shop/web")
			if !reflect.DeepEqual(p.Isolate, c.isolate) {
				t.Errorf("Isolate = %v, want %v", p.Isolate, c.isolate)
			}
			for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
				want := false
				for _, x := range c.isolate {
					want = want || x == d
				}
				if p.Isolates(d) != want {
					t.Errorf("Isolates(%s) = %v", d, !want)
				}
			}
			if p.DNS != c.dns {
				t.Errorf("DNS = %v, want %v", p.DNS, c.dns)
			}
		})
	}
}

// TestModelFQDNLookups: without the general DNS allowance, each FQDN allow brings a DNS
// rule for exactly its names (engines learn the addresses from the lookups).
func TestModelFQDNLookups(t *testing.T) {
	build := func(noDNS bool) *policy.Policy {
		s := policy.NewSet(policy.DefaultNamespace("pay"))
		w := s.Service("batch")
		if noDNS {
			w.WithoutDNS()
		}
		w.AllowTo(policy.FQDN("api.stripe.com"), policy.FQDN("*.S3.amazonaws.com"), policy.World()).TCP(443).
			AllowTo("db").TCP(5432).
			DenyTo(policy.FQDN("evil.com"))
		return policyNamed(t, mustModel(t, s), "pay/batch")
	}
	with := build(false)
	if len(with.Egress) != 3 || !with.DNS {
		t.Fatalf("with DNS: %d egress rules (want 3), DNS=%v", len(with.Egress), with.DNS)
	}
	without := build(true)
	if without.DNS || len(without.Egress) != 4 {
		t.Fatalf("WithoutDNS: %d egress rules (want 4), DNS=%v", len(without.Egress), without.DNS)
	}
	got := without.Egress[3]
	want := policy.Rule{
		Action: policy.Allow,
		Peers:  []policy.Peer{{Kind: policy.PeerPods, Namespace: "kube-system", PodSelector: sel("k8s-app", "kube-dns")}},
		Ports:  []policy.Port{{Protocol: policy.UDP, Port: 53}, {Protocol: policy.TCP, Port: 53}},
		DNS:    []string{"api.stripe.com", "*.s3.amazonaws.com"},
		Path:   without.Egress[0].Path,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lookup rule = %+v\nwant %+v", got, want)
	}
	if got.Path.String() != "services[pay/batch].egress[0]" {
		t.Errorf("lookup rule path = %s", got.Path)
	}
}

// --- Mirroring (docs/semantics.md, "Both ends: mirroring") ---

func mirroredRules(p *policy.Policy, d policy.Direction) []policy.Rule {
	var out []policy.Rule
	for _, r := range p.Rules(d) {
		if r.Mirrored {
			out = append(out, r)
		}
	}
	return out
}

func orderPeer(ns string) policy.Peer {
	return policy.Peer{Kind: policy.PeerPods, Namespace: ns, PodSelector: sel("app", "order"), Service: "order"}
}

func TestMirrorIntoPeerIsolatedByOwnRules(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("order").AllowFrom("gw").TCP(8080).HTTP("POST", "/orders")
	s.Service("gw").AllowTo("catalog").TCP(80)
	m := mustModel(t, s)
	if got, want := policyIDs(m), []string{"shop/gw", "shop/order"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("policies = %q, want %q (catalog is not isolated: nothing for it)", got, want)
	}
	gw := policyNamed(t, m, "shop/gw")
	want := []policy.Rule{
		{Action: policy.Allow, Peers: []policy.Peer{{Kind: policy.PeerPods, Namespace: "shop", PodSelector: sel("app", "catalog"), Service: "catalog"}},
			Ports: []policy.Port{{Protocol: policy.TCP, Port: 80}}, Path: gw.Egress[0].Path},
		// L3/L4 only: the HTTP part is enforced where it was written.
		{Action: policy.Allow, Peers: []policy.Peer{orderPeer("shop")}, Ports: []policy.Port{{Protocol: policy.TCP, Port: 8080}},
			Mirrored: true, Path: policyNamed(t, m, "shop/order").Ingress[0].Path},
	}
	if !reflect.DeepEqual(gw.Egress, want) {
		t.Errorf("gw egress = %+v\nwant %+v", gw.Egress, want)
	}
	if gw.Egress[1].HasL7() || gw.Egress[1].Path.String() != "services[shop/order].ingress[0]" {
		t.Errorf("mirrored rule: L7=%v path=%s", gw.Egress[1].HasL7(), gw.Egress[1].Path)
	}
	if len(gw.Ingress) != 0 || gw.Isolates(policy.Ingress) {
		t.Error("gw ingress touched by mirroring")
	}
	if order := policyNamed(t, m, "shop/order"); len(mirroredRules(order, policy.Egress))+len(mirroredRules(order, policy.Ingress)) != 0 {
		t.Error("order got mirrored rules, but gw → catalog does not involve it")
	}
}

func TestMirrorIntoDerivedPolicyForNamespaceDefaultDeny(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Namespace("shop").DefaultDeny().WithLabels(map[string]string{"owner": "platform"})
	s.Service("order").AllowFrom("gw").TCP(8080).AllowTo("inventory").TCP(9090)
	m := mustModel(t, s)
	if got, want := policyIDs(m), []string{"shop/gw", "shop/inventory", "shop/namespace-defaults", "shop/order"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("policies = %q, want %q", got, want)
	}
	gw := policyNamed(t, m, "shop/gw")
	want := &policy.Policy{
		Name:    "gw",
		Subject: policy.Subject{Scope: policy.ScopeNamespace, Namespace: "shop", Pods: *sel("app", "gw"), Service: "gw"},
		Egress: []policy.Rule{{Action: policy.Allow, Peers: []policy.Peer{orderPeer("shop")},
			Ports: []policy.Port{{Protocol: policy.TCP, Port: 8080}}, Mirrored: true, Path: policyNamed(t, m, "shop/order").Ingress[0].Path}},
		Isolate:      []policy.Direction{policy.Egress},
		DNS:          true, // inherited from the namespace's defaults, which contain gw
		DNSInherited: true,
		Mode:         policy.Enforce,
		Labels:       map[string]string{"owner": "platform"},
		Path:         policyNamed(t, m, "shop/namespace-defaults").Path,
		Derived:      true,
		Isolators:    []*policy.Policy{policyNamed(t, m, "shop/namespace-defaults")},
		Inherits:     []*policy.Policy{policyNamed(t, m, "shop/namespace-defaults")},
	}
	if !reflect.DeepEqual(gw, want) {
		t.Errorf("derived gw = %+v\nwant %+v", gw, want)
	}
	inv := policyNamed(t, m, "shop/inventory")
	if len(inv.Ingress) != 1 || !inv.Ingress[0].Mirrored || !reflect.DeepEqual(inv.Isolate, []policy.Direction{policy.Ingress}) ||
		!reflect.DeepEqual(inv.Ingress[0].Peers, []policy.Peer{orderPeer("shop")}) || inv.Ingress[0].Ports[0].Port != 9090 {
		t.Errorf("derived inventory = %+v", inv)
	}
}

func TestMirrorNothingWhereThePeerIsNotIsolated(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("order").AllowFrom("gw", policy.Namespace("edge")).TCP(8080).
		AllowTo("inventory").TCP(9090)
	s.Service("gw").DenyTo(policy.World())                // deny only: not isolated
	s.Service("inventory").AllowTo(policy.World()).TCP(1) // egress isolated, ingress open
	s.Namespace("edge").DefaultDenyIngress()              // the wrong direction for order's ingress peers
	m := mustModel(t, s)
	if got, want := policyIDs(m), []string{"edge/namespace-defaults", "shop/gw", "shop/inventory", "shop/order"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("policies = %q, want %q", got, want)
	}
	for _, p := range m.Policies {
		if n := len(mirroredRules(p, policy.Ingress)) + len(mirroredRules(p, policy.Egress)); n != 0 {
			t.Errorf("%s got %d mirrored rules", policyID(p), n)
		}
	}
	if gw := policyNamed(t, m, "shop/gw"); len(gw.Isolate) != 0 {
		t.Errorf("gw isolated: %v", gw.Isolate)
	}
}

// TestMirrorNamespaceSelectorNeedsDeclaredLabels: whether an isolated namespace gets its side
// of an edge whose peer selects namespaces by labels depends on its labels; the Set must
// state them rather than have mirroring guess (either guess can be wrong).
func TestMirrorNamespaceSelectorNeedsDeclaredLabels(t *testing.T) {
	build := func(declareOther bool) *policy.Set {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Namespace("monitoring").Labels(map[string]string{"team": "obs"}).DefaultDenyEgress()
		other := s.Namespace("other").DefaultDenyEgress()
		if declareOther {
			other.Labels(nil) // no team=obs label: not selected
		}
		s.Service("order").AllowFrom(policy.Namespaces(policy.MatchLabels{"team": "obs"}).Pods(policy.MatchLabels{"app": "prom"})).TCP(9090).
			// Decided by the name alone: no labels needed.
			AllowFrom(policy.Namespaces(policy.MatchLabels{policy.NamespaceNameLabel: "other"}).Pods(policy.MatchLabels{"app": "agent"})).TCP(9100)
		return s
	}
	_, err := build(false).Model()
	if err == nil || !strings.Contains(err.Error(), `namespaces[other].labels: Required value: services[shop/order].ingress[0] allows pods of the namespaces {team=obs}`) ||
		strings.Contains(err.Error(), "ingress[1]") || strings.Contains(err.Error(), "namespaces[monitoring]") {
		t.Errorf("undeclared labels: error %v, want one naming namespace other and ingress[0]", err)
	}
	m := mustModel(t, build(true))
	if got, want := policyIDs(m), []string{"monitoring/namespace-defaults", "monitoring/prom", "other/agent",
		"other/namespace-defaults", "shop/order"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("policies = %q, want %q", got, want)
	}
	prom := policyNamed(t, m, "monitoring/prom")
	if prom.Subject.Service != "prom" || len(prom.Egress) != 1 || prom.Egress[0].Ports[0].Port != 9090 ||
		!reflect.DeepEqual(prom.Egress[0].Peers, []policy.Peer{orderPeer("shop")}) {
		t.Errorf("prom = %+v", prom)
	}
	if agent := policyNamed(t, m, "other/agent"); len(agent.Egress) != 1 || agent.Egress[0].Ports[0].Port != 9100 {
		t.Errorf("agent (selected through kubernetes.io/metadata.name) = %+v", agent)
	}
}

func TestMirrorClusterScopedIsolation(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Cluster("lockdown").DefaultDenyEgress().WithLabels(map[string]string{"k": "v"})
	s.Service("order").AllowFrom(policy.ServiceIn("edge", "gw")).TCP(8080)
	s.ServiceIn("pay", "ledger").AllowFrom(policy.ServiceIn("west", "gw")).TCP(8080)                                 // same service, other namespace
	s.Cluster("metrics").AllowFrom(policy.Namespace("monitoring").Pods(policy.MatchLabels{"app": "prom"})).TCP(9090) // cluster-scoped P
	m := mustModel(t, s)
	var derived []*policy.Policy
	for _, p := range m.Policies {
		if p.Subject.Scope == policy.ScopeCluster && p.Name != "lockdown" && p.Name != "metrics" {
			if strings.HasPrefix(p.Name, "metrics-") {
				continue // metrics isolates kube-dns too: the DNS allowances are mirrored there
			}
			derived = append(derived, p)
		}
	}
	if len(derived) != 3 {
		t.Fatalf("derived cluster-scoped policies: %q, want 3", policyIDs(m))
	}
	names := map[string]bool{}
	for _, p := range derived {
		names[p.Name] = true
		if !strings.HasPrefix(p.Name, "lockdown-") || p.Labels["k"] != "v" || !p.Isolates(policy.Egress) || len(p.Egress) != 1 {
			t.Errorf("derived %+v", p)
		}
	}
	if len(names) != 3 {
		t.Errorf("derived names collide: %v", names)
	}
	find := func(ns string) *policy.Policy {
		for _, p := range derived {
			if p.Subject.NamespaceSelector != nil && p.Subject.NamespaceSelector.MatchLabels[policy.NamespaceNameLabel] == ns {
				return p
			}
		}
		t.Fatalf("no derived policy for namespace %s", ns)
		return nil
	}
	edge := find("edge")
	if want := (policy.Subject{Scope: policy.ScopeCluster, NamespaceSelector: sel(policy.NamespaceNameLabel, "edge"),
		Pods: *sel("app", "gw"), Service: "gw"}); !reflect.DeepEqual(edge.Subject, want) {
		t.Errorf("edge subject = %+v, want %+v", edge.Subject, want)
	}
	if !reflect.DeepEqual(edge.Egress[0].Peers, []policy.Peer{orderPeer("shop")}) {
		t.Errorf("edge peers = %+v", edge.Egress[0].Peers)
	}
	mon := find("monitoring")
	if want := (policy.Peer{Kind: policy.PeerPods, AllNamespaces: true, PodSelector: &metav1.LabelSelector{}}); !reflect.DeepEqual(mon.Egress[0].Peers, []policy.Peer{want}) {
		t.Errorf("monitoring mirrored peer = %+v, want every pod (the cluster policy's subject)", mon.Egress[0].Peers)
	}
	if find("west").Egress[0].Peers[0].Namespace != "pay" {
		t.Error("west mirrored rule does not point at pay/ledger")
	}
}

func TestMirrorTieredAllowIntoUntieredIsolation(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Tier("security", 10)
	s.Namespace("shop").DefaultDeny()
	s.Service("order").InTier("security", 1).AllowFrom("gw").TCP(8080)
	s.Service("cart").InTier("security", 2).AllowTo("gw").TCP(9000) // isolates cart in the tier only
	m := mustModel(t, s)
	gw := policyNamed(t, m, "shop/gw")
	if gw.Tier != "" || len(gw.Egress) != 1 || gw.Egress[0].Ports[0].Port != 8080 {
		t.Errorf("gw (untiered, isolated by namespace defaults) = %+v; want the tiered allow mirrored", gw)
	}
	if len(gw.Ingress) != 1 || gw.Ingress[0].Ports[0].Port != 9000 {
		t.Errorf("gw ingress = %+v; want cart's tiered egress allow mirrored", gw.Ingress)
	}
	// A tiered policy is never a mirror target: its tier decides on its own rules.
	s2 := policy.NewSet(policy.DefaultNamespace("shop"))
	s2.Tier("security", 10)
	s2.Service("gw").InTier("security", 1).AllowTo("catalog").TCP(80)
	s2.Service("order").AllowFrom("gw").TCP(8080)
	m2 := mustModel(t, s2)
	if got := policyIDs(m2); !reflect.DeepEqual(got, []string{"shop/gw", "shop/order"}) {
		t.Errorf("policies = %q", got)
	}
	if gw := policyNamed(t, m2, "shop/gw"); len(gw.Egress) != 1 {
		t.Errorf("tiered gw got mirrored rules: %+v", gw.Egress)
	}
}

func TestMirrorAuditModes(t *testing.T) {
	t.Run("audited allow, enforced isolation", func(t *testing.T) {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Namespace("shop").DefaultDeny()
		s.Service("gw").AllowTo("catalog").TCP(80)
		s.Service("order").Audit().AllowFrom("gw").TCP(8080)
		m := mustModel(t, s)
		gw := policyNamed(t, m, "shop/gw")
		if len(gw.Egress) != 1 {
			t.Errorf("enforced gw got the audited allow: %+v", gw.Egress)
		}
		var audited []*policy.Policy
		for _, p := range m.Policies {
			if p.Mode == policy.Audit && p.Subject.Service == "gw" {
				audited = append(audited, p)
			}
		}
		if len(audited) != 1 || len(audited[0].Egress) != 1 || !audited[0].Egress[0].Mirrored || audited[0].Name == "gw" {
			t.Fatalf("want one audit policy for gw, not named like the enforced one; policies %q", policyIDs(m))
		}
	})
	t.Run("enforced allow, audited isolation", func(t *testing.T) {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Namespace("shop").DefaultDeny().Audit()
		s.Service("order").AllowFrom("gw").TCP(8080)
		m := mustModel(t, s)
		gw := policyNamed(t, m, "shop/gw")
		if gw.Mode != policy.Audit || len(gw.Egress) != 1 || !gw.Egress[0].Mirrored {
			t.Errorf("gw = %+v; want an audit policy with the mirrored rule", gw)
		}
	})
	t.Run("AuditAll", func(t *testing.T) {
		s := policy.NewSet(policy.DefaultNamespace("shop"), policy.AuditAll())
		s.Namespace("shop").DefaultDeny()
		s.Service("gw").AllowTo("catalog").TCP(80)
		s.Service("order").AllowFrom("gw").TCP(8080)
		m := mustModel(t, s)
		for _, p := range m.Policies {
			if p.Mode != policy.Audit {
				t.Errorf("%s is %s under AuditAll", policyID(p), p.Mode)
			}
		}
		if gw := policyNamed(t, m, "shop/gw"); len(gw.Egress) != 2 || !gw.Egress[1].Mirrored {
			t.Errorf("gw egress = %+v; want its rule and the mirrored one", gw.Egress)
		}
	})
}

func TestMirrorDedupe(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Namespace("shop").DefaultDenyEgress()
	s.Service("gw").AllowTo(policy.World()).TCP(443) // gw isolated by itself and by the namespace
	s.Service("order").AllowFrom("gw").TCP(8080).AllowFrom("gw").TCP(8080).AllowFrom(policy.Service("gw")).TCP(8080)
	s.Service("order").AllowFrom("gw").TCP(9090)
	m := mustModel(t, s)
	gw := policyNamed(t, m, "shop/gw")
	got := mirroredRules(gw, policy.Egress)
	if len(got) != 2 || got[0].Ports[0].Port != 8080 || got[1].Ports[0].Port != 9090 {
		t.Errorf("mirrored rules = %+v; want one per distinct edge (8080, 9090)", got)
	}
	if len(m.Policies) != 3 {
		t.Errorf("policies = %q", policyIDs(m))
	}
}

func TestMirrorAllNamespacesPeer(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("order").AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"role": "probe"})).TCP(8080)
	s.ServiceIn("a", "x").AllowTo(policy.World()).TCP(443) // egress isolated by its own rule
	s.Namespace("b").DefaultDenyEgress()                   // egress isolated by its namespace
	s.Namespace("c").DefaultDenyIngress()                  // the wrong direction: nothing
	m := mustModel(t, s)
	// The mirrored subjects are the isolated pods that are also role=probe pods.
	want := map[string]metav1.LabelSelector{
		"a/x-":                  *sel("app", "x", "role", "probe"),
		"b/namespace-defaults-": *sel("role", "probe"),
	}
	got := map[string]metav1.LabelSelector{}
	for _, p := range m.Policies {
		rs := mirroredRules(p, policy.Egress)
		if len(rs) == 0 {
			continue
		}
		if len(rs) != 1 || rs[0].Peers[0].Service != "order" || rs[0].Ports[0].Port != 8080 {
			t.Errorf("%s: mirrored %+v", policyID(p), rs)
		}
		id := policyID(p)
		got[id[:strings.LastIndex(id, "-")+1]] = p.Subject.Pods
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mirrored into %v, want %v (policies %q)", got, want, policyIDs(m))
	}
}

func TestMirrorIntoSelfAndHostsIgnored(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("peer-sync").AllowFrom("peer-sync").TCP(7000).AllowTo(policy.World()).TCP(443)
	s.Host("nodes").AllowFrom(policy.ServiceIn("shop", "peer-sync")).TCP(22)
	m := mustModel(t, s)
	p := policyNamed(t, m, "shop/peer-sync")
	if got := mirroredRules(p, policy.Egress); len(got) != 1 || got[0].Peers[0].Service != "peer-sync" {
		t.Errorf("self edge: mirrored %+v", got)
	}
	if len(m.Policies) != 2 {
		t.Errorf("host policy produced mirrored policies: %q", policyIDs(m))
	}
}

// --- Determinism ---

// richStatements declares a Set as independent statements: each touches its own
// workloads, so any order of them is the same intent.
func richStatements() []func(s *policy.Set) {
	return []func(s *policy.Set){
		func(s *policy.Set) {
			s.Service("order").AllowFrom("gw").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
				HTTPRequest(policy.HTTPMatch{Path: "/health", Headers: []policy.Header{{Name: "X-Probe", Value: "1"}}}).
				AllowTo("inventory").TCP(8080).AllowTo("payment").TCP(8080).AllowTo(policy.FQDN("*.stripe.com")).TCP(443)
		},
		func(s *policy.Set) {
			s.Namespace("shop").Labels(map[string]string{"env": "prod", "team": "shop"}).DefaultDeny()
		},
		func(s *policy.Set) {
			s.Namespace("monitoring").Labels(map[string]string{"team": "obs"}).DefaultDenyEgress()
		},
		func(s *policy.Set) { s.Namespace("pay").Labels(map[string]string{"team": "pay"}) },
		func(s *policy.Set) {
			s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"), policy.CIDR("fd00:ec2::254/128")).TCP(80)
		},
		func(s *policy.Set) {
			s.Cluster("lockdown").InNamespaces(policy.MatchLabels{"env": "prod"}).DefaultDenyEgress()
		},
		func(s *policy.Set) {
			s.Cluster("scrape").AllowFrom(policy.Namespaces(policy.MatchLabels{"team": "obs"}).Pods(policy.MatchLabels{"app": "prom"})).NamedPort("metrics")
		},
		func(s *policy.Set) { s.Tier("security", 10) },
		func(s *policy.Set) { s.Tier("platform", 20).DefaultPass() },
		func(s *policy.Set) {
			s.Cluster("sec").InTier("security", 1).DenyTo(policy.CIDR("10.0.0.0/8", "10.1.0.0/16")).TCP(22).PassTo(policy.Any())
		},
		func(s *policy.Set) {
			s.ServiceIn("edge", "gw").AllowFrom(policy.World()).TCP(443).AllowTo(policy.ServiceIn("shop", "order")).TCP(8080)
		},
		func(s *policy.Set) {
			s.ServiceIn("pay", "payment").Audit().AllowFrom(policy.ServiceIn("shop", "order")).TCP(8080)
		},
		func(s *policy.Set) {
			s.Pods("pay", "batch", policy.MatchLabels{"role": "batch"}).WithoutDNS().AllowTo(policy.FQDN("api.stripe.com")).TCP(443)
		},
		func(s *policy.Set) {
			s.Host("bastion").Select(policy.MatchLabels{"role": "bastion"}).AllowFrom(policy.CIDR("203.0.113.0/24")).TCP(22)
		},
		func(s *policy.Set) {
			s.ServiceIn("db", "pg").AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"role": "backup"})).TCP(5432)
		},
	}
}

func buildRich(order []int) *policy.Set {
	st := richStatements()
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	for _, i := range order {
		st[i](s)
	}
	return s
}

func TestModelDeterministicAcrossDeclarationOrders(t *testing.T) {
	n := len(richStatements())
	identity := make([]int, n)
	for i := range identity {
		identity[i] = i
	}
	want := mustModel(t, buildRich(identity))
	wantJSON := mustJSON(t, want)
	if len(want.Policies) < 15 {
		t.Fatalf("the rich Set has only %d policies; mirroring did not happen", len(want.Policies))
	}
	rng := rand.New(rand.NewSource(1))
	for k := 0; k < 25; k++ {
		order := rng.Perm(n)
		if k == 0 {
			for i := range order {
				order[i] = n - 1 - i
			}
		}
		got := mustModel(t, buildRich(order))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("order %v: Model differs from declaration order", order)
		}
		if g := mustJSON(t, got); g != wantJSON {
			t.Fatalf("order %v: JSON differs:\n%s\nwant\n%s", order, g, wantJSON)
		}
	}
}

// TestModelIsACopy: a Model shares no memory with its Set. Its users must not change it
// (its policies share selectors), but if one does, that must not change the Set or the
// next Model.
func TestModelIsACopy(t *testing.T) {
	s := buildRich([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	first := mustModel(t, s)
	want := mustJSON(t, first)
	for _, p := range first.Policies {
		p.Subject.Pods.MatchLabels = nil
		if p.Subject.NamespaceSelector != nil {
			p.Subject.NamespaceSelector.MatchLabels["x"] = "y"
		}
		for _, rules := range [][]policy.Rule{p.Ingress, p.Egress} {
			for i := range rules {
				for j := range rules[i].Peers {
					if ps := rules[i].Peers[j].PodSelector; ps != nil {
						if ps.MatchLabels == nil {
							ps.MatchLabels = map[string]string{}
						}
						ps.MatchLabels["mutated"] = "yes"
					}
					if ns := rules[i].Peers[j].NamespaceSelector; ns != nil && ns.MatchLabels != nil {
						ns.MatchLabels["mutated"] = "yes"
					}
					for k := range rules[i].Peers[j].Except {
						rules[i].Peers[j].Except[k] = netip.Prefix{}
					}
				}
				for k := range rules[i].Ports {
					rules[i].Ports[k].Port = 1
				}
				for k := range rules[i].ICMP {
					if rules[i].ICMP[k].Code != nil {
						*rules[i].ICMP[k].Code = 99
					}
				}
				for k := range rules[i].HTTP {
					for h := range rules[i].HTTP[k].Headers {
						rules[i].HTTP[k].Headers[h].Value = "mutated"
					}
				}
			}
		}
		for k := range p.Labels {
			p.Labels[k] = "mutated"
		}
	}
	for i := range first.Namespaces {
		first.Namespaces[i].Labels["mutated"] = "yes"
	}
	first.DNS.PodSelector.MatchLabels["mutated"] = "yes"
	first.DNSPorts[0].Port = 1
	if got := mustJSON(t, mustModel(t, s)); got != want {
		t.Errorf("changing a Model changed the next one:\n%s\nwant\n%s", got, want)
	}
}

func TestModelExceptFromLiteralNotSortedInPlace(t *testing.T) {
	except := []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16"), netip.MustParsePrefix("10.1.0.0/16")}
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("a").AllowTo(policy.Peer{Kind: policy.PeerCIDR, CIDR: netip.MustParsePrefix("10.0.0.0/8"), Except: except}).TCP(1)
	m := mustModel(t, s)
	if got := m.Policies[0].Egress[0].Peers[0].Except; got[0].String() != "10.1.0.0/16" {
		t.Errorf("model except not sorted: %v", got)
	}
	if except[0].String() != "10.2.0.0/16" {
		t.Errorf("Model sorted the caller's slice: %v", except)
	}
}

func TestServiceBuilderIsReused(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	if s.Service("a") != s.ServiceIn("shop", "a") || s.Cluster("c") != s.Cluster("c") || s.Host("h") != s.Host("h") ||
		s.Namespace("n") != s.Namespace("n") || s.Pods("shop", "p", policy.Everything()) != s.Pods("shop", "p", nil) {
		t.Error("builders for the same name differ")
	}
	// Pods re-declared replaces the selector (the last call wins).
	s.Pods("shop", "p", policy.MatchLabels{"x": "1"}).DefaultDeny()
	if got := policyNamed(t, mustModel(t, s), "shop/p").Subject.Pods; !reflect.DeepEqual(got, *sel("x", "1")) {
		t.Errorf("pods selector = %+v", got)
	}
}

// TestNamespaceSettingsChain checks that namespace settings chain with Labels and
// AllowSameNamespace, in any order, and mean the same as separate calls.
func TestNamespaceSettingsChain(t *testing.T) {
	a := policy.NewSet()
	a.Namespace("shop").DefaultDeny().Labels(map[string]string{"env": "prod"}).Named("defaults").AllowSameNamespace()
	b := policy.NewSet()
	n := b.Namespace("shop")
	n.Labels(map[string]string{"env": "prod"})
	n.AllowSameNamespace()
	n.Workload.DefaultDeny()
	n.Workload.Named("defaults")
	ma, mb := mustModel(t, a), mustModel(t, b)
	if !reflect.DeepEqual(ma, mb) {
		t.Errorf("chained and separate calls differ:\n%+v\n%+v", ma.Policies[0], mb.Policies[0])
	}
	if p := ma.Policies[0]; p.Name != "defaults" || !p.Isolates(policy.Ingress) || !p.Isolates(policy.Egress) {
		t.Errorf("policy = %+v", p)
	}
}
