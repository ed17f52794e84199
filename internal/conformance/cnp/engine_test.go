package cnp

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// testUniverse: namespaces a and b (label team) and mon; a/web serves named port
// http (TCP 8080).
func testUniverse() Universe {
	return Universe{
		Namespaces: []Namespace{
			{Name: "a", Labels: map[string]string{"team": "a"}},
			{Name: "b", Labels: map[string]string{"team": "b"}},
			{Name: "mon"},
		},
		Pods: []Pod{
			{Namespace: "a", Name: "web", Labels: map[string]string{"app": "web"},
				NamedPorts: map[string]NamedPort{"http": {Protocol: "TCP", Port: 8080}}},
			{Namespace: "a", Name: "db", Labels: map[string]string{"app": "db"}},
			{Namespace: "b", Name: "client", Labels: map[string]string{"app": "client"}},
			{Namespace: "mon", Name: "prom", Labels: map[string]string{"app": "prom"}},
		},
		Externals: []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("192.0.2.10")},
	}
}

var (
	web    = PodEndpoint("a", "web")
	db     = PodEndpoint("a", "db")
	client = PodEndpoint("b", "client")
	prom   = PodEndpoint("mon", "prom")
)

func tcp(from, to Endpoint, port int32) Flow {
	return Flow{From: from, To: to, Protocol: "TCP", Port: port}
}

func ns(name string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": name}}
}

func podsIn(namespace string, labels map[string]string) *v1alpha2.NamespacedPod {
	return &v1alpha2.NamespacedPod{NamespaceSelector: *ns(namespace), PodSelector: metav1.LabelSelector{MatchLabels: labels}}
}

// cnp builds a ClusterNetworkPolicy on the pods of namespace subjectNS.
func cnp(name string, tier v1alpha2.Tier, priority int32, subjectNS string) *v1alpha2.ClusterNetworkPolicy {
	return &v1alpha2.ClusterNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha2.ClusterNetworkPolicySpec{
			Tier: tier, Priority: priority,
			Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: ns(subjectNS)},
		},
	}
}

func ingressRule(action v1alpha2.ClusterNetworkPolicyRuleAction, from ...v1alpha2.ClusterNetworkPolicyIngressPeer) v1alpha2.ClusterNetworkPolicyIngressRule {
	return v1alpha2.ClusterNetworkPolicyIngressRule{Action: action, From: from}
}

func fromNS(name string) v1alpha2.ClusterNetworkPolicyIngressPeer {
	return v1alpha2.ClusterNetworkPolicyIngressPeer{Namespaces: ns(name)}
}

// allNamespaces is the peer of every pod of the cluster.
var allNamespaces = v1alpha2.ClusterNetworkPolicyIngressPeer{Namespaces: &metav1.LabelSelector{}}

func withIngress(c *v1alpha2.ClusterNetworkPolicy, rules ...v1alpha2.ClusterNetworkPolicyIngressRule) *v1alpha2.ClusterNetworkPolicy {
	c.Spec.Ingress = append(c.Spec.Ingress, rules...)
	return c
}

func withEgress(c *v1alpha2.ClusterNetworkPolicy, rules ...v1alpha2.ClusterNetworkPolicyEgressRule) *v1alpha2.ClusterNetworkPolicy {
	c.Spec.Egress = append(c.Spec.Egress, rules...)
	return c
}

const (
	accept = v1alpha2.ClusterNetworkPolicyRuleActionAccept
	deny   = v1alpha2.ClusterNetworkPolicyRuleActionDeny
	pass   = v1alpha2.ClusterNetworkPolicyRuleActionPass
)

// webIngressFrom is a NetworkPolicy isolating a/web for ingress, admitting the pods
// of namespace a with the given app label.
func webIngressFrom(app string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "web-from-" + app, Namespace: "a"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
			}}},
		},
	}
}

// webIngressFromNS admits namespace name's pods to a/web.
func webIngressFromNS(name string) *networkingv1.NetworkPolicy {
	np := webIngressFrom("x")
	np.Name = "web-from-ns-" + name
	np.Spec.Ingress[0].From[0] = networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(name)}
	return np
}

// webEgressTo is a NetworkPolicy isolating a/web for egress, admitting the pods of
// namespace a with the given app label.
func webEgressTo(app string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "web-to-" + app, Namespace: "a"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
			}}},
		},
	}
}

type want struct {
	flow    Flow
	allowed bool
}

// mismatches returns the flows whose verdict differs from the expectation.
func mismatches(e *Engine, wants []want) []string {
	var out []string
	for _, w := range wants {
		d, err := e.Decide(w.flow)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("%v: %v", w.flow, err))
		case d.Allowed != w.allowed:
			out = append(out, fmt.Sprintf("%v: allowed=%v, want %v (%s)", w.flow, d.Allowed, w.allowed, d.Reason))
		}
	}
	return out
}

// TestEngine checks Cilium's verdicts against the API's documented semantics
// (network-policy-api v1alpha2 ClusterNetworkPolicy): the Admin tier before
// NetworkPolicy, NetworkPolicy before the Baseline tier, the Baseline tier only for
// pods no NetworkPolicy isolates in that direction, lower priority first and rules in
// order within a policy, Pass skipping the rest of the Admin tier.
func TestEngine(t *testing.T) {
	tests := []struct {
		name  string
		nps   []*networkingv1.NetworkPolicy
		cnps  []*v1alpha2.ClusterNetworkPolicy
		wants []want
	}{
		{"nothing selects: all allowed", nil, nil, []want{
			{tcp(client, web, 80), true}, {tcp(web, client, 80), true}, {tcp(web, ExternalEndpoint("8.8.8.8"), 53), true},
		}},
		{"admin deny from a namespace", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("deny-b", v1alpha2.AdminTier, 10, "a"), ingressRule(deny, fromNS("b"))),
		}, []want{
			{tcp(client, web, 80), false}, {tcp(client, db, 80), false}, {tcp(prom, web, 80), true}, {tcp(web, client, 80), true},
		}},
		{"admin accept does not isolate", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("accept-mon", v1alpha2.AdminTier, 10, "a"), ingressRule(accept, fromNS("mon"))),
		}, []want{
			{tcp(prom, web, 80), true}, {tcp(client, web, 80), true},
		}},
		{"admin accept before NetworkPolicy isolation", []*networkingv1.NetworkPolicy{webIngressFrom("db")}, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("accept-mon", v1alpha2.AdminTier, 10, "a"), ingressRule(accept, fromNS("mon"))),
		}, []want{
			{tcp(prom, web, 80), true}, {tcp(client, web, 80), false}, {tcp(db, web, 80), true}, {tcp(client, db, 80), true},
		}},
		{"admin deny before a NetworkPolicy allow", []*networkingv1.NetworkPolicy{webIngressFromNS("b")}, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("deny-b", v1alpha2.AdminTier, 10, "a"), ingressRule(deny, fromNS("b"))),
		}, []want{
			{tcp(client, web, 80), false}, {tcp(prom, web, 80), false}, {tcp(prom, db, 80), true},
		}},
		{"lower priority first: deny at 5 over accept at 10", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("accept-all", v1alpha2.AdminTier, 10, "a"), ingressRule(accept, allNamespaces)),
			withIngress(cnp("deny-b", v1alpha2.AdminTier, 5, "a"), ingressRule(deny, fromNS("b"))),
			withIngress(cnp("deny-all", v1alpha2.AdminTier, 20, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), false}, {tcp(prom, web, 80), true},
		}},
		{"lower priority first: accept at 5 over deny at 10", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("accept-b", v1alpha2.AdminTier, 5, "a"), ingressRule(accept, fromNS("b"))),
			withIngress(cnp("deny-all", v1alpha2.AdminTier, 10, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), true}, {tcp(prom, web, 80), false},
		}},
		{"rules in order within a policy", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("ordered", v1alpha2.AdminTier, 10, "a"),
				ingressRule(accept, fromNS("b")), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), true}, {tcp(prom, web, 80), false}, {tcp(db, web, 80), false},
		}},
		{"pass skips the admin tier to NetworkPolicy", []*networkingv1.NetworkPolicy{webIngressFromNS("b")}, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("pass-b", v1alpha2.AdminTier, 1, "a"), ingressRule(pass, fromNS("b"))),
			withIngress(cnp("deny-all", v1alpha2.AdminTier, 2, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), true}, {tcp(prom, web, 80), false},
			// a/db: no NetworkPolicy, no baseline: passed traffic is allowed.
			{tcp(client, db, 80), true}, {tcp(prom, db, 80), false},
		}},
		{"pass then NetworkPolicy isolation denies", []*networkingv1.NetworkPolicy{webIngressFrom("db")}, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("pass-b", v1alpha2.AdminTier, 1, "a"), ingressRule(pass, fromNS("b"))),
		}, []want{
			{tcp(client, web, 80), false}, {tcp(db, web, 80), true},
		}},
		{"pass reaches the baseline", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("pass-b", v1alpha2.AdminTier, 1, "a"), ingressRule(pass, fromNS("b"))),
			withIngress(cnp("baseline-deny-b", v1alpha2.BaselineTier, 1, "a"), ingressRule(deny, fromNS("b"))),
		}, []want{
			{tcp(client, web, 80), false}, {tcp(prom, web, 80), true},
		}},
		{"baseline deny for pods no NetworkPolicy isolates", []*networkingv1.NetworkPolicy{webIngressFromNS("b")}, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("baseline-deny-all", v1alpha2.BaselineTier, 1, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), true}, {tcp(prom, web, 80), false},
			{tcp(client, db, 80), false}, {tcp(prom, db, 80), false},
		}},
		{"baseline for pods NetworkPolicy isolates: NetworkPolicy decides", []*networkingv1.NetworkPolicy{webIngressFrom("db")}, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("baseline-accept-b", v1alpha2.BaselineTier, 1, "a"), ingressRule(accept, fromNS("b"))),
			withIngress(cnp("baseline-deny-all", v1alpha2.BaselineTier, 2, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			// b/client -> a/web: TestEngineCannotJudge.
			{tcp(db, web, 80), true}, {tcp(prom, web, 80), false},
			{tcp(client, db, 80), true}, {tcp(prom, db, 80), false},
		}},
		// clusternp's mapping of a cluster-wide policy: its allows as Admin Accepts, its
		// isolation as a Baseline Deny. A pod a NetworkPolicy isolates gets the union of
		// both allows (the Baseline Deny never overrides a NetworkPolicy allow), a pod only
		// the cluster-wide policy isolates its allows alone.
		{"admin accept, NetworkPolicy allow and baseline deny: the union", []*networkingv1.NetworkPolicy{webIngressFromNS("b")}, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("accept-mon", v1alpha2.AdminTier, 1, "a"), ingressRule(accept, fromNS("mon"))),
			withIngress(cnp("baseline-deny-all", v1alpha2.BaselineTier, 1, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), true}, {tcp(prom, web, 80), true}, {tcp(db, web, 80), false},
			{tcp(client, db, 80), false}, {tcp(prom, db, 80), true},
		}},
		{"egress baseline deny of pods, nodes and networks", []*networkingv1.NetworkPolicy{webEgressTo("db")}, []*v1alpha2.ClusterNetworkPolicy{
			withEgress(cnp("baseline-deny-all", v1alpha2.BaselineTier, 1, "a"), v1alpha2.ClusterNetworkPolicyEgressRule{
				Action: deny, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{
					{Namespaces: &metav1.LabelSelector{}}, {Nodes: &metav1.LabelSelector{}}, {Networks: []v1alpha2.CIDR{"8.0.0.0/8"}},
				},
			}),
		}, []want{
			{tcp(web, db, 80), true}, {tcp(web, prom, 80), false}, {tcp(db, prom, 80), false}, {tcp(db, ExternalEndpoint("8.8.8.8"), 53), false},
			{tcp(web, ExternalEndpoint("8.8.8.8"), 53), false},
		}},
		{"baseline priorities", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("baseline-accept-b", v1alpha2.BaselineTier, 1, "a"), ingressRule(accept, fromNS("b"))),
			withIngress(cnp("baseline-deny-all", v1alpha2.BaselineTier, 2, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), true}, {tcp(prom, web, 80), false},
		}},
		{"baseline pass skips the rest of the baseline", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("baseline-pass-b", v1alpha2.BaselineTier, 1, "a"), ingressRule(pass, fromNS("b"))),
			withIngress(cnp("baseline-deny-all", v1alpha2.BaselineTier, 2, "a"), ingressRule(deny, allNamespaces)),
		}, []want{
			{tcp(client, web, 80), true}, {tcp(prom, web, 80), false},
		}},
		{"pod subject", nil, []*v1alpha2.ClusterNetworkPolicy{{
			ObjectMeta: metav1.ObjectMeta{Name: "web-only"},
			Spec: v1alpha2.ClusterNetworkPolicySpec{
				Tier: v1alpha2.AdminTier, Priority: 1,
				Subject: v1alpha2.ClusterNetworkPolicySubject{Pods: podsIn("a", map[string]string{"app": "web"})},
				Ingress: []v1alpha2.ClusterNetworkPolicyIngressRule{ingressRule(deny, allNamespaces)},
			},
		}}, []want{
			{tcp(client, web, 80), false}, {tcp(client, db, 80), true},
		}},
		{"pod peer", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("deny-prom", v1alpha2.AdminTier, 1, "a"), ingressRule(deny,
				v1alpha2.ClusterNetworkPolicyIngressPeer{Pods: podsIn("mon", map[string]string{"app": "prom"})})),
		}, []want{
			{tcp(prom, web, 80), false}, {tcp(client, web, 80), true},
		}},
		{"ports, ranges and named ports", nil, []*v1alpha2.ClusterNetworkPolicy{
			withIngress(cnp("ports", v1alpha2.AdminTier, 1, "a"), v1alpha2.ClusterNetworkPolicyIngressRule{
				Action: deny, From: []v1alpha2.ClusterNetworkPolicyIngressPeer{allNamespaces},
				Protocols: []v1alpha2.ClusterNetworkPolicyProtocol{
					{UDP: &v1alpha2.ClusterNetworkPolicyProtocolUDP{DestinationPort: &v1alpha2.Port{Number: 53}}},
					{TCP: &v1alpha2.ClusterNetworkPolicyProtocolTCP{DestinationPort: &v1alpha2.Port{Range: &v1alpha2.PortRange{Start: 1000, End: 2000}}}},
					{DestinationNamedPort: "http"},
				},
			}),
		}, []want{
			{Flow{From: client, To: web, Protocol: "UDP", Port: 53}, false}, {tcp(client, web, 53), true},
			{tcp(client, web, 1000), false}, {tcp(client, web, 2000), false}, {tcp(client, web, 2001), true},
			{tcp(client, web, 8080), false}, {tcp(client, db, 8080), true}, {tcp(client, web, 9090), true},
		}},
		{"egress networks", nil, []*v1alpha2.ClusterNetworkPolicy{
			withEgress(cnp("deny-dns", v1alpha2.AdminTier, 1, "a"), v1alpha2.ClusterNetworkPolicyEgressRule{
				Action: deny, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Networks: []v1alpha2.CIDR{"8.8.8.0/24"}}},
			}),
		}, []want{
			{tcp(web, ExternalEndpoint("8.8.8.8"), 53), false}, {tcp(web, ExternalEndpoint("8.8.4.4"), 53), true},
			{tcp(web, ExternalEndpoint("192.0.2.10"), 53), true}, {tcp(client, ExternalEndpoint("8.8.8.8"), 53), true},
			// The external end enforces nothing: ingress from it is the subject's.
			{tcp(ExternalEndpoint("8.8.8.8"), web, 53), true},
		}},
		{"admin egress accept before NetworkPolicy egress isolation", []*networkingv1.NetworkPolicy{webEgressTo("db")}, []*v1alpha2.ClusterNetworkPolicy{
			withEgress(cnp("to-mon", v1alpha2.AdminTier, 1, "a"), v1alpha2.ClusterNetworkPolicyEgressRule{
				Action: accept, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Namespaces: ns("mon")}},
			}),
		}, []want{
			{tcp(web, prom, 80), true}, {tcp(web, db, 80), true}, {tcp(web, client, 80), false}, {tcp(db, client, 80), true},
		}},
		{"NetworkPolicy port without protocol is TCP", []*networkingv1.NetworkPolicy{{
			ObjectMeta: metav1.ObjectMeta{Name: "web-80", Namespace: "a"},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{
					{Port: &intstr.IntOrString{IntVal: 80}},
				}}},
			},
		}}, nil, []want{
			{tcp(client, web, 80), true}, {Flow{From: client, To: web, Protocol: "UDP", Port: 80}, false}, {tcp(client, web, 81), false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEngine(tt.nps, tt.cnps, testUniverse())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mismatches(e, tt.wants) {
				t.Error(m)
			}
		})
	}
}

// TestEngineCatchesWrongExpectation checks that the comparison in TestEngine can fail:
// an expectation contradicting the API's semantics (Admin Deny overruled by a
// NetworkPolicy allow) is reported.
func TestEngineCatchesWrongExpectation(t *testing.T) {
	e, err := NewEngine([]*networkingv1.NetworkPolicy{webIngressFromNS("b")}, []*v1alpha2.ClusterNetworkPolicy{
		withIngress(cnp("deny-b", v1alpha2.AdminTier, 10, "a"), ingressRule(deny, fromNS("b"))),
	}, testUniverse())
	if err != nil {
		t.Fatal(err)
	}
	if m := mismatches(e, []want{{tcp(client, web, 80), true}}); len(m) != 1 {
		t.Errorf("wrong expectation not reported: %v", m)
	}
}

// TestEngineCannotJudge covers the constructs where Cilium's reading departs from the
// API or needs agent state.
func TestEngineCannotJudge(t *testing.T) {
	coveringPods := withEgress(cnp("deny-shared", v1alpha2.AdminTier, 1, "a"), v1alpha2.ClusterNetworkPolicyEgressRule{
		Action: deny, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Networks: []v1alpha2.CIDR{"100.64.0.0/10"}}},
	})
	e, err := NewEngine(nil, []*v1alpha2.ClusterNetworkPolicy{coveringPods}, testUniverse())
	if err != nil {
		t.Fatal(err)
	}
	// The API denies a/web -> b/client (networks hold pod traffic); Cilium allows it.
	if _, err := e.Decide(tcp(web, client, 80)); !errors.Is(err, ErrCannotJudge) {
		t.Errorf("networks holding a pod IP: want ErrCannotJudge, got %v", err)
	}
	// b/client is not a subject: judged.
	if ok, err := e.Verdict(tcp(client, web, 80)); err != nil || !ok {
		t.Errorf("flow from a non-subject: %v, %v", ok, err)
	}

	filtered := withIngress(cnp("filtered", v1alpha2.AdminTier, 1, "a"), ingressRule(deny,
		v1alpha2.ClusterNetworkPolicyIngressPeer{Pods: podsIn("b", map[string]string{"pod-template-hash": "x"})}))
	e, err = NewEngine(nil, []*v1alpha2.ClusterNetworkPolicy{filtered}, testUniverse())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Decide(tcp(client, web, 80)); !errors.Is(err, ErrCannotJudge) {
		t.Errorf("filtered label key: want ErrCannotJudge, got %v", err)
	}

	// The API: a/web is isolated by a NetworkPolicy admitting a/db only, which decides;
	// the Baseline Accept does not apply. Cilium v1.20.2 allows the flow.
	e, err = NewEngine([]*networkingv1.NetworkPolicy{webIngressFrom("db")}, []*v1alpha2.ClusterNetworkPolicy{
		withIngress(cnp("baseline-accept-b", v1alpha2.BaselineTier, 1, "a"), ingressRule(accept, fromNS("b"))),
	}, testUniverse())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Decide(tcp(client, web, 80)); !errors.Is(err, ErrCannotJudge) {
		t.Errorf("baseline accept through NetworkPolicy isolation: want ErrCannotJudge, got %v", err)
	}
	// The same Baseline Accept on a pod no NetworkPolicy isolates is judged.
	if ok, err := e.Verdict(tcp(client, db, 80)); err != nil || !ok {
		t.Errorf("baseline accept without isolation: %v, %v", ok, err)
	}

	// The same at egress: a/web may only reach a/db by its NetworkPolicy.
	e, err = NewEngine([]*networkingv1.NetworkPolicy{webEgressTo("db")}, []*v1alpha2.ClusterNetworkPolicy{
		withEgress(cnp("baseline-to-mon", v1alpha2.BaselineTier, 1, "a"), v1alpha2.ClusterNetworkPolicyEgressRule{
			Action: accept, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Namespaces: ns("mon")}},
		}),
	}, testUniverse())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Decide(tcp(web, prom, 80)); !errors.Is(err, ErrCannotJudge) {
		t.Errorf("baseline egress accept through NetworkPolicy isolation: want ErrCannotJudge, got %v", err)
	}
	if ok, err := e.Verdict(tcp(db, prom, 80)); err != nil || !ok {
		t.Errorf("baseline egress accept without isolation: %v, %v", ok, err)
	}

	domains := withEgress(cnp("domains", v1alpha2.AdminTier, 1, "a"), v1alpha2.ClusterNetworkPolicyEgressRule{
		Action: accept, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{DomainNames: []v1alpha2.DomainName{"example.com"}}},
	})
	e, err = NewEngine(nil, []*v1alpha2.ClusterNetworkPolicy{domains}, testUniverse())
	if err != nil {
		t.Fatal(err)
	}
	// Cilium decides addresses and lookups of the pods it selects by its DNS proxy.
	for _, f := range []Flow{tcp(web, Endpoint{IP: netip.MustParseAddr("192.0.2.10")}, 443), {From: web, To: prom, Protocol: "UDP", Port: 53}} {
		if _, err := e.Decide(f); !errors.Is(err, ErrCannotJudge) {
			t.Errorf("domainNames, %v: want ErrCannotJudge, got %v", f, err)
		}
	}
	// Other flows of those pods, and flows of other pods, are judged.
	for _, f := range []Flow{tcp(web, prom, 80), tcp(client, Endpoint{IP: netip.MustParseAddr("192.0.2.10")}, 443)} {
		if ok, err := e.Verdict(f); err != nil || !ok {
			t.Errorf("domainNames, %v: %v, %v", f, ok, err)
		}
	}
}

// TestEngineRefusesInvalid checks that objects the API server refuses are errors, not
// verdicts.
func TestEngineRefusesInvalid(t *testing.T) {
	bad := withIngress(cnp("bad", v1alpha2.AdminTier, 1001, "a"), ingressRule(deny, allNamespaces))
	if _, err := NewEngine(nil, []*v1alpha2.ClusterNetworkPolicy{bad}, testUniverse()); err == nil || errors.Is(err, ErrCannotJudge) {
		t.Errorf("priority 1001: want a validation error, got %v", err)
	}
	np := webIngressFrom("db")
	np.Namespace = ""
	if _, err := NewEngine([]*networkingv1.NetworkPolicy{np}, nil, testUniverse()); err == nil {
		t.Error("NetworkPolicy without namespace accepted")
	}
}
