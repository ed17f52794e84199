package lift_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// liftCalicoYAML decodes manifests and lifts them with lift.Lift.
func liftCalicoYAML(t *testing.T, manifests string, opts ...lift.Option) (*policy.Set, error) {
	t.Helper()
	objs, err := lift.Decode(strings.NewReader(manifests))
	if err != nil {
		t.Fatal(err)
	}
	return lift.Lift(objs, opts...)
}

// verdictKey is what two Sets must agree on for a flow: the verdict, each end, and what
// audit policies would change.
func verdictKey(v policy.Verdict) string {
	return fmt.Sprintf("allowed=%v egress=%v ingress=%v auditDenied=%v", v.Allowed,
		!v.Source.Judged || v.Source.Allowed, !v.Destination.Judged || v.Destination.Allowed, v.AuditDenied)
}

// sameMeaning compares two Models on flows, returning the number compared and the
// mismatches. L7 flows are left out: the lifted Sets have no L7 rules.
func sameMeaning(want, got *policy.Model, flows []policy.Flow) (int, []string) {
	n := 0
	var bad []string
	for _, f := range flows {
		if f.HTTP != nil || f.DNSQuery != "" {
			continue
		}
		n++
		w, g := want.Evaluate(f), got.Evaluate(f)
		if verdictKey(w) != verdictKey(g) {
			bad = append(bad, fmt.Sprintf("%v:\n    want %s: %s\n    got  %s: %s", f, verdictKey(w), w, verdictKey(g), g))
		}
	}
	return n, bad
}

// assertSameSets compares want and got over the flows of both Models' universes.
func assertSameSets(t *testing.T, want, got *policy.Set) int {
	t.Helper()
	wm, err := want.Model()
	if err != nil {
		t.Fatalf("want: %v", err)
	}
	gm, err := got.Model()
	if err != nil {
		t.Fatalf("got: %v", err)
	}
	flows := append(wm.Universe().Flows(), gm.Universe().Flows()...)
	n, bad := sameMeaning(wm, gm, flows)
	if n == 0 {
		t.Fatal("no flow compared")
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d flows differ; first:\n  %s", len(bad), n, strings.Join(bad[:min(len(bad), 5)], "\n  "))
	}
	return n
}

const shopNamespace = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: b}}
`

var shopLabels = func(s *policy.Set) {
	s.Namespace("shop").Labels(map[string]string{"team": "a"})
	s.Namespace("ops").Labels(map[string]string{"team": "b"})
}

// TestCalicoRules lifts one construct at a time and compares the lifted Set with the
// intent written by hand, flow by flow.
func TestCalicoRules(t *testing.T) {
	app := func(v string) policy.MatchLabels { return policy.MatchLabels{"app": v} }
	for _, tt := range []struct {
		name  string
		yaml  string
		opts  []lift.Option
		want  func(s *policy.Set)
		flows []flowCase
	}{{
		name: "tier: first match, pass, end-of-tier drop, policies by order",
		yaml: `
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: security.a-later, namespace: shop}
spec:
  tier: security
  order: 20
  selector: app == 'web'
  ingress:
  - action: Allow
    source: {selector: "projectcalico.org/orchestrator == 'k8s' && app == 'gateway'"}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: security.b-first, namespace: shop}
spec:
  tier: security
  order: 10
  selector: app == 'web'
  types: [Ingress]
  ingress:
  - action: Deny
    protocol: TCP
    source: {selector: "projectcalico.org/orchestrator == 'k8s' && app == 'gateway'"}
    destination: {ports: [22, "8000:8080", http]}
  - action: Log
  - action: Pass
    protocol: UDP
`,
		want: func(s *policy.Set) {
			s.Tier("security", 100)
			s.Pods("shop", "b-first", app("web")).InTier("security", 10).WithoutDNS().DefaultDenyIngress().
				DenyFrom(policy.PodsIn("shop", app("gateway"))).TCP(22).PortRange(policy.TCP, 8000, 8080).NamedPort("http").
				PassFrom(policy.Any()).AllPorts(policy.UDP)
			s.Pods("shop", "a-later", app("web")).InTier("security", 20).WithoutDNS().DefaultDenyIngress().
				AllowFrom(policy.PodsIn("shop", app("gateway"))).OneSided()
		},
		flows: []flowCase{
			{"denied port", policy.NewFlow(gateway, web, policy.TCP, 22), false},
			{"allowed in the later policy", policy.NewFlow(gateway, web, policy.TCP, 80), true},
			{"passed, then no other tier", policy.NewFlow(kubeDNS, web, policy.UDP, 53), true},
			{"end of tier", policy.NewFlow(kubeDNS, web, policy.TCP, 80), false},
		},
	}, {
		name: "default tier: denies before allows, pass allows, types defaulted, egress isolated without DNS",
		yaml: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  selector: app == 'web'
  ingress:
  - action: Pass
    protocol: TCP
    destination: {ports: [80]}
  egress:
  - action: Deny
    protocol: ICMP
    icmp: {type: 8, code: 0}
  - action: Allow
    destination:
      nets: [0.0.0.0/0]
      notNets: [10.244.0.0/16, 192.0.2.0/24]
  - action: Pass
    protocol: ICMPv6
    icmp: {type: 128}
`,
		opts: []lift.Option{clusterRange},
		want: func(s *policy.Set) {
			s.Pods("shop", "web", app("web")).WithoutDNS().DefaultDeny().
				AllowFrom(policy.Any()).OneSided().TCP(80).
				DenyTo(policy.Any()).ICMP(8, 0).
				AllowTo(policy.CIDR("0.0.0.0/0", "10.244.0.0/16", "192.0.2.0/24")).OneSided().
				AllowTo(policy.Any()).OneSided().ICMPv6(128)
		},
		flows: []flowCase{
			{"DNS is not kept", policy.NewFlow(web, kubeDNS, policy.UDP, 53), false},
			{"passed to the profile", policy.NewFlow(gateway, web, policy.TCP, 80), true},
			{"outside", policy.NewFlow(web, policy.AddressEndpoint(netip.MustParseAddr("203.0.113.1")), policy.TCP, 443), true},
			{"notNets", policy.NewFlow(web, policy.AddressEndpoint(netip.MustParseAddr("192.0.2.1")), policy.TCP, 443), false},
		},
	}, {
		name: "global policy: namespaceSelector, || split into peers, notSelector, service accounts",
		yaml: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: guard}
spec:
  selector: "projectcalico.org/orchestrator == 'k8s' && (tier in {'db', 'cache'})"
  namespaceSelector: team == 'a'
  types: [Ingress]
  ingress:
  - action: Allow
    source:
      selector: "projectcalico.org/orchestrator == 'k8s' && (app == 'web' || has(batch))"
      notSelector: "role == 'test'"
      namespaceSelector: "projectcalico.org/name == 'shop' || team == 'b'"
  - action: Allow
    source:
      serviceAccounts: {names: [api]}
      namespaceSelector: all()
`,
		want: func(s *policy.Set) {
			notTest := metav1.LabelSelectorRequirement{Key: "role", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"test"}}
			web := policy.LabelSelector{MatchLabels: map[string]string{"app": "web"}, MatchExpressions: []metav1.LabelSelectorRequirement{notTest}}
			batch := policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "batch", Operator: metav1.LabelSelectorOpExists}, notTest}}
			shop := policy.MatchLabels{policy.NamespaceNameLabel: "shop"}
			b := policy.MatchLabels{"team": "b"}
			s.Cluster("guard").Select(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"cache", "db"}}}}).
				InNamespaces(policy.MatchLabels{"team": "a"}).WithoutDNS().DefaultDenyIngress().
				AllowFrom(policy.Namespaces(shop).Pods(web), policy.Namespaces(b).Pods(web),
					policy.Namespaces(shop).Pods(batch), policy.Namespaces(b).Pods(batch)).OneSided().
				AllowFrom(policy.AllNamespaces().WithServiceAccount("api")).OneSided()
		},
	}, {
		name: "staged policies are audit",
		yaml: `
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  stagedAction: Set
  selector: app == 'web'
  types: [Ingress]
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
`,
		want: func(s *policy.Set) {
			s.Pods("shop", "web", app("web")).Audit().WithoutDNS().DefaultDenyIngress()
			s.Pods("shop", "api", app("api")).Audit().DefaultDenyIngress()
		},
	}, {
		name: "a last tier that passes and only denies is untiered denies",
		yaml: `
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: guardrails}
spec: {order: 500, defaultAction: Pass}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: guardrails.no-ssh}
spec:
  tier: guardrails
  selector: projectcalico.org/orchestrator == 'k8s'
  namespaceSelector: all()
  types: [Ingress]
  ingress:
  - action: Deny
    protocol: TCP
    destination: {ports: [22]}
`,
		want: func(s *policy.Set) {
			s.Cluster("no-ssh").WithoutDNS().DenyFrom(policy.Any()).TCP(22)
		},
	}, {
		name: "order ties (global policies first: namespaced ones sort by namespace/name) and missing orders (last) keep Calico's order",
		yaml: `
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: a}
spec: {order: 10}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: a.m}
spec:
  tier: a
  order: 5
  selector: projectcalico.org/orchestrator == 'k8s'
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [80]}}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: a.b, namespace: shop}
spec:
  tier: a
  order: 5
  selector: all()
  ingress: [{action: Deny, protocol: TCP, destination: {ports: [80, 443]}}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: a.c, namespace: shop}
spec:
  tier: a
  selector: all()
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [8080]}}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: a.d, namespace: shop}
spec:
  tier: a
  order: 100
  selector: all()
  ingress: [{action: Deny, protocol: TCP, destination: {ports: [8080]}}]
`,
		want: func(s *policy.Set) {
			s.Tier("a", 10)
			s.Cluster("m").InTier("a", 1).WithoutDNS().DefaultDenyIngress().AllowFrom(policy.Any()).OneSided().TCP(80)
			s.Pods("shop", "b", policy.Everything()).InTier("a", 2).WithoutDNS().DefaultDenyIngress().DenyFrom(policy.Any()).TCP(80, 443)
			s.Pods("shop", "d", policy.Everything()).InTier("a", 3).WithoutDNS().DefaultDenyIngress().DenyFrom(policy.Any()).TCP(8080)
			s.Pods("shop", "c", policy.Everything()).InTier("a", 4).WithoutDNS().DefaultDenyIngress().AllowFrom(policy.Any()).OneSided().TCP(8080)
		},
		flows: []flowCase{
			{"the global policy first", policy.NewFlow(gateway, web, policy.TCP, 80), true},
			{"denied", policy.NewFlow(gateway, web, policy.TCP, 443), false},
			{"the policy without an order last", policy.NewFlow(gateway, web, policy.TCP, 8080), false},
		},
	}, {
		name: "nets need no selector guard; || in a peer with the option",
		yaml: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  selector: app == 'web'
  types: [Egress]
  egress:
  - action: Allow
    destination: {selector: "app == 'db' || app == 'cache'"}
  - action: Allow
    ipVersion: 6
    destination: {nets: ["2001:db8::/32", 192.0.2.0/24]}
`,
		opts: []lift.Option{clusterRange, lift.NoHostEndpointsOrNetworkSets()},
		want: func(s *policy.Set) {
			s.Pods("shop", "web", app("web")).WithoutDNS().DefaultDenyEgress().
				AllowTo(policy.PodsIn("shop", app("db")), policy.PodsIn("shop", app("cache"))).OneSided().
				AllowTo(policy.CIDR("2001:db8::/32")).OneSided()
		},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := liftCalicoYAML(t, shopNamespace+"---"+tt.yaml, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			want := policy.NewSet()
			shopLabels(want)
			tt.want(want)
			assertSameSets(t, want, got)
			m, err := got.Model()
			if err != nil {
				t.Fatal(err)
			}
			checkFlows(t, m, tt.flows)
			// The intent's tiers are what other engines refuse: the lifted Set has those
			// the objects need, no more.
			if wm, _ := want.Model(); len(wm.Tiers) != len(m.Tiers) {
				t.Errorf("lifted %d tiers, want %d", len(m.Tiers), len(wm.Tiers))
			}
		})
	}
}

// TestCalicoRefusals checks each construct without an exact intent equivalent: refused
// with the object, the field path and why.
func TestCalicoRefusals(t *testing.T) {
	const pol = `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  selector: app == 'web'
`
	const gpol = `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
`
	guard := "projectcalico.org/orchestrator == 'k8s'"
	for _, tt := range []struct {
		name string
		yaml string
		opts []lift.Option
		want []string
	}{
		{"string match", pol + "  ingress: [{action: Allow, source: {selector: \"" + guard + " && app contains 'w'\"}}]",
			nil, []string{"spec.ingress[0].source.selector", "string matches have no label selector equivalent"}},
		{"|| in the subject", strings.Replace(pol, "app == 'web'", "app == 'web' || app == 'api'", 1) + "  types: [Ingress]",
			nil, []string{"spec.selector", "must be one conjunction"}},
		{"negated conjunction in the subject", strings.Replace(pol, "app == 'web'", "\"!(app == 'web' && tier == 'x')\"", 1) + "  types: [Ingress]",
			nil, []string{"spec.selector", "must be one conjunction"}},
		{"global subject selects host endpoints", gpol + "  selector: app == 'web'\n  types: [Ingress]",
			nil, []string{"spec.selector", "also selects host endpoints"}},
		{"pod peer may be a network set", pol + "  ingress: [{action: Allow, source: {selector: app == 'gw'}}]",
			nil, []string{"spec.ingress[0].source", "also match NetworkSets"}},
		{"nets without the cluster's ranges", pol + "  ingress: [{action: Allow, source: {nets: [192.0.2.0/24]}}]",
			nil, []string{"spec.ingress[0].source", "lift.ClusterCIDRs"}},
		{"nets covering the cluster", pol + "  egress: [{action: Allow, destination: {nets: [10.0.0.0/8]}}]\n  types: [Egress]",
			[]lift.Option{clusterRange}, []string{"spec.egress[0].destination", "covers the cluster's range 10.244.0.0/16"}},
		{"notNets alone reach the cluster", pol + "  egress: [{action: Deny, destination: {notNets: [192.0.2.0/24]}}]\n  types: [Egress]",
			[]lift.Option{clusterRange}, []string{"spec.egress[0].destination", "0.0.0.0/0 covers the cluster's range"}},
		{"nets and selector", pol + "  ingress: [{action: Allow, source: {nets: [192.0.2.0/24], selector: \"" + guard + "\"}}]",
			[]lift.Option{clusterRange}, []string{"spec.ingress[0].source", "addresses and selectors at once"}},
		{"services", pol + "  egress: [{action: Allow, destination: {services: {name: db, namespace: shop}}}]\n  types: [Egress]",
			nil, []string{"spec.egress[0].destination.services", "service's endpoints"}},
		{"source ports", pol + "  ingress: [{action: Allow, protocol: TCP, source: {ports: [80]}}]",
			nil, []string{"spec.ingress[0].source.ports", "source ports"}},
		{"notPorts", pol + "  ingress: [{action: Allow, protocol: TCP, destination: {notPorts: [80]}}]",
			nil, []string{"spec.ingress[0].destination.notPorts", "excluded ports"}},
		{"notProtocol", pol + "  ingress: [{action: Allow, notProtocol: TCP}]",
			nil, []string{"spec.ingress[0].notProtocol", "excluded protocol"}},
		{"notICMP", pol + "  ingress: [{action: Allow, protocol: ICMP, icmp: {type: 8}, notICMP: {type: 0}}]",
			nil, []string{"spec.ingress[0].notICMP", "excluded ICMP"}},
		{"http", pol + "  ingress: [{action: Allow, protocol: TCP, http: {methods: [GET]}}]",
			nil, []string{"spec.ingress[0].http", "Felix ignores http"}},
		{"own end narrowed", pol + "  ingress: [{action: Allow, destination: {selector: app == 'x'}}]",
			nil, []string{"spec.ingress[0].destination", "policy's own endpoint"}},
		{"every ICMP message", pol + "  ingress: [{action: Allow, protocol: ICMP}]",
			nil, []string{"spec.ingress[0].icmp.type", "the intent matches ICMP by type"}},
		{"other protocol", pol + "  ingress: [{action: Allow, protocol: UDPLite}]",
			nil, []string{"spec.ingress[0].protocol", "Unsupported value"}},
		{"service account labels", pol + "  ingress: [{action: Allow, source: {serviceAccounts: {selector: x == 'y'}}}]",
			nil, []string{"spec.ingress[0].source.serviceAccounts.selector", "service accounts by their labels"}},
		{"ipVersion with pods", pol + "  ingress: [{action: Allow, ipVersion: 4}]",
			nil, []string{"spec.ingress[0].ipVersion", "one IP family"}},
		{"rules outside types", pol + "  types: [Ingress]\n  egress: [{action: Allow}]",
			nil, []string{"spec.egress", "no effect when spec.types does not list Egress"}},
		{"Calico's own labels", pol + "  ingress: [{action: Allow, source: {selector: \"" + guard + " && projectcalico.org/namespace == 'x'\"}}]",
			nil, []string{"spec.ingress[0].source.selector", "a label Calico gives endpoints itself"}},
		{"global() namespaces", pol + "  ingress: [{action: Allow, source: {namespaceSelector: global()}}]",
			nil, []string{"spec.ingress[0].source", "also match NetworkSets"}},
		{"serviceAccountSelector", pol + "  serviceAccountSelector: x == 'y'\n  types: [Ingress]",
			nil, []string{"spec.serviceAccountSelector", "service account's labels"}},
		{"doNotTrack", gpol + "  selector: \"" + guard + "\"\n  doNotTrack: true\n  applyOnForward: true\n  types: [Ingress]",
			nil, []string{"spec.doNotTrack", "host endpoints only"}},
		{"staged Delete", `
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: p, namespace: shop}
spec: {stagedAction: Delete, selector: all()}`, nil, []string{"spec.stagedAction", "Unsupported value: \"Delete\""}},
		{"staged replacement", pol + "  types: [Ingress]\n---" + strings.Replace(pol, "kind: NetworkPolicy", "kind: StagedNetworkPolicy", 1) + "  types: [Ingress]",
			nil, []string{"metadata.name", "previews replacing it"}},
		{"missing tier", pol + "  tier: nope", nil, []string{"spec.tier", "Not found: \"nope\""}},
		{"tier without order", "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\n",
			nil, []string{"spec.order", "order 1,000,000"}},
		{"tier after the default tier", "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\nspec: {order: 2000000}\n",
			nil, []string{"spec.order", "at or after the default tier"}},
		{"default tier passes", "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\nspec: {defaultAction: Pass}\n",
			nil, []string{"spec", "the default tier keeps"}},
		{"deny after allow in the default tier", pol + "  ingress: [{action: Allow, protocol: TCP}, {action: Deny}]",
			nil, []string{"spec.ingress[1]", "first match decides, while the intent's untiered denies win"}},
		{"deny after another policy's allow", strings.Replace(pol, "name: p,", "name: a,", 1) + "  order: 1\n  ingress: [{action: Allow}]\n---" +
			gpol + "  order: 2\n  selector: \"" + guard + "\"\n  ingress: [{action: Deny}]",
			nil, []string{"spec.ingress[0]", "comes after NetworkPolicy shop/a"}},
		{"unknown action", pol + "  ingress: [{action: Drop}]", nil, []string{"spec.ingress[0].action", "Unsupported value"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := liftCalicoYAML(t, tt.yaml, tt.opts...)
			checkProblems(t, err, [][]string{tt.want})
		})
	}
}

// TestCalicoMixedEngines checks that Lift refuses objects of two engines.
func TestCalicoMixedEngines(t *testing.T) {
	_, err := liftCalicoYAML(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec: {selector: all()}
`)
	if err == nil || !strings.Contains(err.Error(), "2 engines (networking.k8s.io/v1 NetworkPolicy, projectcalico.org/v3)") {
		t.Fatalf("got %v; want the engines named", err)
	}
}

// calicoObjects returns what res holds as lift's input.
func calicoObjects(res *calico.Result) *lift.CalicoObjects {
	return &lift.CalicoObjects{Tiers: res.Tiers, NetworkPolicies: res.NetworkPolicies, GlobalNetworkPolicies: res.GlobalNetworkPolicies,
		StagedNetworkPolicies: res.StagedNetworkPolicies, StagedGlobalNetworkPolicies: res.StagedGlobalNetworkPolicies}
}

// calicoRoundTrip compiles build's Set with calico (the cluster's ranges declared, and
// WidenL7 where the Set needs it: the comparison leaves L7 flows out), lifts the output
// and compares the lifted Set with the original over the original's universe. It reports
// false when calico refuses the Set as refused says.
func calicoRoundTrip(t *testing.T, build func() *policy.Set, refused []string) (flows int, ok bool) {
	t.Helper()
	m, err := build().Model()
	if err != nil {
		t.Fatal(err)
	}
	pu := m.Universe()
	res, err := calico.Compile(build(), calico.ClusterCIDRs(pu.PodCIDR))
	if err != nil {
		res, err = calico.Compile(build(), calico.ClusterCIDRs(pu.PodCIDR), calico.WidenL7())
		if golden.Refusal(t, err, refused) {
			return 0, false
		}
	}
	set, err := lift.Calico(calicoObjects(res), golden.Namespaces(m), lift.ClusterCIDRs(pu.PodCIDR))
	if err != nil {
		t.Fatalf("lift: %v", err)
	}
	lm, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	n, bad := sameMeaning(m, lm, pu.Flows())
	if len(bad) > 0 {
		y, _ := res.YAML()
		t.Errorf("%d of %d flows differ from the original Set; first:\n  %s\n%s", len(bad), n, strings.Join(bad[:min(len(bad), 5)], "\n  "), y)
	}
	return n, true
}

// TestCalicoRoundTripScenarios lifts calico's output for every scenario it compiles: the
// lifted Set means what the original does, under the reference evaluator.
func TestCalicoRoundTripScenarios(t *testing.T) {
	refused := map[string][]string{"cross-cluster": {"cluster-mesh peers"}, "dns-egress": {"FQDN peers"}}
	sets, flows := 0, 0
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			if n, ok := calicoRoundTrip(t, s.Build, refused[s.Name]); ok {
				sets++
				flows += n
			}
		})
	}
	t.Logf("scenarios: %d round trips, %d flows", sets, flows)
	if sets < len(scenarios.All())-len(refused) {
		t.Errorf("only %d scenarios round-tripped", sets)
	}
}

// TestCalicoRoundTripRandom does the same for random Sets of every feature calico
// compiles with the cluster's ranges.
func TestCalicoRoundTripRandom(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 15
	}
	features := randset.Features{Deny: true, Cluster: true, Entities: true, ICMP: true, ServiceAccounts: true}
	sets, flows, refused := 0, 0, 0
	for seed := range uint64(n) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			build := func() *policy.Set { return randset.New(seed, 5, features).Set }
			m, err := build().Model()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := calico.Compile(build(), calico.ClusterCIDRs(m.Universe().PodCIDR)); err != nil {
				refused++
				return
			}
			k, _ := calicoRoundTrip(t, build, nil)
			sets++
			flows += k
		})
	}
	t.Logf("random: %d round trips, %d flows; %d Sets refused by calico", sets, flows, refused)
	if sets < n/2 {
		t.Errorf("only %d of %d random Sets round-tripped", sets, n)
	}
}

// calicoSeeds says what lifting each Calico seed manifest gives, with the cluster's
// ranges declared (10.244.0.0/16): its problems (field path and reason), without and
// with lift.NoHostEndpointsOrNetworkSets; nil means it lifts, and the Set must then mean
// what the hand-written intent says.
var calicoSeeds = map[string]struct {
	refused, refusedWorkloadsOnly [][]string
	want                          func(s *policy.Set)
}{
	"08-deny-egress-to-internet.yaml": {
		refused: [][]string{
			{"spec.egress[2]", "comes after GlobalNetworkPolicy deny-egress-to-internet, which allows"},
			{"spec.selector", "also selects host endpoints"},
			{"spec.egress[0].destination", "10.0.0.0/8 covers the cluster's range 10.244.0.0/16"},
		},
		refusedWorkloadsOnly: [][]string{
			{"spec.egress[2]", "comes after GlobalNetworkPolicy deny-egress-to-internet, which allows"},
			{"spec.egress[0].destination", "10.0.0.0/8 covers the cluster's range 10.244.0.0/16"},
		},
	},
	"09-security.block-known-threats.yaml": {
		refused: [][]string{{"spec.selector", "also selects host endpoints"}},
		want: func(s *policy.Set) {
			s.Tier("security", 100)
			s.Tier("platform", 200)
			s.Cluster("block-known-threats").InTier("security", 10).WithoutDNS().DefaultDeny().
				DenyFrom(policy.CIDR("198.51.100.0/24")).PassFrom(policy.Any()).
				DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
		},
	},
	"12-security-block-external.yaml": {
		refused: [][]string{{"spec.selector", "also selects host endpoints"}},
		want: func(s *policy.Set) {
			s.Cluster("security-block-external").WithoutDNS().DefaultDenyEgress().
				DenyTo(policy.CIDR("0.0.0.0/0", "10.0.0.0/8"), policy.CIDR("::/0"))
		},
	},
	"14-federated-service-access.yaml": {
		refused: [][]string{{"spec.selector", "also selects host endpoints"}, {"spec.egress[0].destination", "also match NetworkSets"}},
		want: func(s *policy.Set) {
			// global() selects no pod: the allow matches nothing, the isolation stays.
			s.Cluster("federated-service-access").Select(policy.MatchLabels{"app": "frontend"}).WithoutDNS().DefaultDenyEgress()
		},
	},
}

// TestCalicoSeeds lifts the seed manifests of Calico kinds: refused without the option
// declaring that selectors match pods only, and with it lifted (meaning the intent
// written by hand) or refused, as calicoSeeds says.
func TestCalicoSeeds(t *testing.T) {
	for name, want := range calicoSeeds {
		t.Run(name, func(t *testing.T) {
			manifests, err := seedFile(name)
			if err != nil {
				t.Fatal(err)
			}
			_, err = liftCalicoYAML(t, manifests, clusterRange)
			checkProblems(t, err, want.refused)
			got, err := liftCalicoYAML(t, manifests, clusterRange, lift.NoHostEndpointsOrNetworkSets())
			if want.want == nil {
				checkProblems(t, err, want.refusedWorkloadsOnly)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			set := policy.NewSet()
			want.want(set)
			assertSameSets(t, set, got)
		})
	}
}

// seedFile reads a seed manifest of k8snp/testdata/seed.
func seedFile(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "k8snp", "testdata", "seed", name))
	return string(b), err
}

// TestDecodeCalico reads every Calico kind lift reads, strictly, and refuses the others.
func TestDecodeCalico(t *testing.T) {
	objs, err := lift.Decode(strings.NewReader(`
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: t}
spec: {order: 10, defaultAction: Pass}
---
apiVersion: v1
kind: List
items:
- apiVersion: projectcalico.org/v3
  kind: NetworkPolicy
  metadata: {name: t.a, namespace: shop}
  spec: {tier: t, selector: all(), ingress: [{action: Allow, protocol: TCP, destination: {ports: [80, "81:82", http]}}]}
- apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata: {name: g}
  spec: {selector: all()}
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: s, namespace: shop}
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: s}
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: k, namespace: shop}
spec: {podSelector: {}}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := objs.Calico
	if got := []int{len(c.Tiers), len(c.NetworkPolicies), len(c.GlobalNetworkPolicies), len(c.StagedNetworkPolicies),
		len(c.StagedGlobalNetworkPolicies), len(c.StagedKubernetesNetworkPolicies)}; fmt.Sprint(got) != "[1 1 1 1 1 1]" {
		t.Errorf("decoded %v objects of each kind; want one each", got)
	}
	if ports := c.NetworkPolicies[0].Spec.Ingress[0].Destination.Ports; len(ports) != 3 || ports[1].MaxPort != 82 || ports[2].PortName != "http" {
		t.Errorf("ports %v", ports)
	}

	_, err = lift.Decode(strings.NewReader(`
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec: {selectr: all()}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: h}
`))
	for _, want := range []string{`document 1 (GlobalNetworkPolicy): error unmarshaling JSON: while decoding JSON: json: unknown field "selectr"`,
		`document 2: projectcalico.org/v3 "HostEndpoint" is not lifted`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v; want %q", err, want)
		}
	}
}
