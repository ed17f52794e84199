package lift_test

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
)

var clusterRange = lift.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"))

// liftYAML decodes manifests and lifts them.
func liftYAML(t *testing.T, manifests string, opts ...lift.Option) (*policy.Set, error) {
	t.Helper()
	objs, err := lift.Decode(strings.NewReader(manifests))
	if err != nil {
		t.Fatal(err)
	}
	return lift.NetworkPolicies(objs.NetworkPolicies, objs.Namespaces, opts...)
}

func mustLift(t *testing.T, manifests string, opts ...lift.Option) *policy.Model {
	t.Helper()
	set, err := liftYAML(t, manifests, opts...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type flowCase struct {
	name    string
	flow    policy.Flow
	allowed bool
}

func checkFlows(t *testing.T, m *policy.Model, cases []flowCase) {
	t.Helper()
	for _, c := range cases {
		if v := m.Evaluate(c.flow); v.Allowed != c.allowed {
			t.Errorf("%s: %s; want allowed=%v", c.name, v, c.allowed)
		}
	}
}

func pod(ns string, labels map[string]string) policy.Endpoint { return policy.PodEndpoint(ns, labels) }

var (
	web     = pod("shop", map[string]string{"app": "web"})
	gateway = pod("shop", map[string]string{"app": "gateway"})
	kubeDNS = pod("kube-system", map[string]string{"k8s-app": "kube-dns"})
)

// TestOneSidedNoDNS checks the two ways NetworkPolicy differs from the intent's defaults:
// an ingress allow does not open the peer's isolated egress (the intent would mirror it
// without OneSided), and an egress-isolated pod gets no DNS (the intent would keep it
// without WithoutDNS).
func TestOneSidedNoDNS(t *testing.T) {
	m := mustLift(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: gateway}}}]
    ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: gateway, namespace: shop}
spec:
  podSelector: {matchLabels: {app: gateway}}
  policyTypes: [Egress]
`)
	checkFlows(t, m, []flowCase{
		{"gateway's egress is isolated and allows nothing", policy.NewFlow(gateway, web, policy.TCP, 80), false},
		{"no DNS for an egress-isolated pod", policy.NewFlow(gateway, kubeDNS, policy.UDP, 53), false},
		{"web's egress is not isolated", policy.NewFlow(web, gateway, policy.TCP, 8080), true},
		{"web's ingress admits only gateway", policy.NewFlow(pod("shop", map[string]string{"app": "db"}), web, policy.TCP, 80), false},
	})
	// The same allow with the gateway's egress open is admitted: the port defaults to TCP.
	m = mustLift(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: gateway}}}]
    ports: [{port: 80}]
`)
	checkFlows(t, m, []flowCase{
		{"allowed", policy.NewFlow(gateway, web, policy.TCP, 80), true},
		{"UDP is not the default protocol", policy.NewFlow(gateway, web, policy.UDP, 80), false},
	})
}

// TestSelectorsCarried checks that matchExpressions and namespace labels keep their
// meaning: NotIn on the subject, Exists on the peer's namespace.
func TestSelectorsCarried(t *testing.T) {
	m := mustLift(t, `
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: scratch}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: not-web, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: NotIn, values: [web]}]
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions: [{key: env, operator: Exists}]
      podSelector: {matchLabels: {role: client}}
    ports: [{protocol: UDP, port: 5000, endPort: 5010}]
`)
	db := pod("shop", map[string]string{"app": "db"})
	client := func(ns string) policy.Endpoint { return pod(ns, map[string]string{"role": "client"}) }
	checkFlows(t, m, []flowCase{
		{"NotIn web: web is not isolated", policy.NewFlow(client("scratch"), web, policy.TCP, 1), true},
		{"a namespace with env", policy.NewFlow(client("prod"), db, policy.UDP, 5007), true},
		{"end of the range", policy.NewFlow(client("prod"), db, policy.UDP, 5010), true},
		{"past the range", policy.NewFlow(client("prod"), db, policy.UDP, 5011), false},
		{"a namespace without env", policy.NewFlow(client("scratch"), db, policy.UDP, 5007), false},
		{"not a client", policy.NewFlow(pod("prod", nil), db, policy.UDP, 5007), false},
	})
}

// TestIPBlocks checks the ipBlock rule: lifted when none of its addresses is in a
// declared cluster range, refused otherwise, and refused without the ranges.
func TestIPBlocks(t *testing.T) {
	const tmpl = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{ipBlock: BLOCK}]
`
	addr := func(s string) policy.Endpoint { return policy.AddressEndpoint(netip.MustParseAddr(s)) }
	tests := []struct {
		name  string
		block string
		noOpt bool
		// want lists the problem's path and a part of its reason; empty when it lifts.
		want  []string
		flows []flowCase
	}{
		{name: "outside the cluster", block: "{cidr: 203.0.113.0/24}", flows: []flowCase{
			{"inside", policy.NewFlow(addr("203.0.113.9"), web, policy.TCP, 1), true},
			{"outside", policy.NewFlow(addr("198.51.100.9"), web, policy.TCP, 1), false},
		}},
		{name: "cluster range excepted in two halves", block: "{cidr: 0.0.0.0/0, except: [10.244.128.0/17, 192.0.2.0/24, 10.244.0.0/17]}", flows: []flowCase{
			{"anywhere", policy.NewFlow(addr("8.8.8.8"), web, policy.TCP, 1), true},
			{"an except", policy.NewFlow(addr("192.0.2.1"), web, policy.TCP, 1), false},
			{"a pod", policy.NewFlow(pod("shop", nil), web, policy.TCP, 1), false},
		}},
		{name: "cluster range half excepted", block: "{cidr: 0.0.0.0/0, except: [10.244.0.0/17]}",
			want: []string{"spec.ingress[0].from[0].ipBlock.except", "covers the cluster's range 10.244.0.0/16"}},
		{name: "cluster range not excepted", block: "{cidr: 10.0.0.0/8}",
			want: []string{"spec.ingress[0].from[0].ipBlock.except", "except 10.244.0.0/16"}},
		{name: "inside the cluster range", block: "{cidr: 10.244.1.0/24}",
			want: []string{"spec.ingress[0].from[0].ipBlock.cidr", "names only in-cluster addresses"}},
		{name: "no cluster ranges", block: "{cidr: 203.0.113.0/24}", noOpt: true,
			want: []string{"spec.ingress[0].from[0].ipBlock", "lift.ClusterCIDRs(...)"}},
		{name: "host bits", block: "{cidr: 203.0.113.1/24}",
			want: []string{"spec.ingress[0].from[0].ipBlock.cidr", "write 203.0.113.0/24"}},
		{name: "except outside", block: "{cidr: 203.0.113.0/24, except: [198.51.100.0/24]}",
			want: []string{"spec.ingress[0].from[0].ipBlock.except[0]", "strict subset"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []lift.Option
			if !tt.noOpt {
				opts = append(opts, clusterRange)
			}
			set, err := liftYAML(t, strings.Replace(tmpl, "BLOCK", tt.block, 1), opts...)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				m, err := set.Model()
				if err != nil {
					t.Fatal(err)
				}
				checkFlows(t, m, tt.flows)
				return
			}
			checkProblems(t, err, [][]string{tt.want})
		})
	}
}

// checkProblems checks that err is an *lift.Error with exactly the problems wanted, in
// order, each given as its field path and a part of its message.
func checkProblems(t *testing.T, err error, want [][]string) {
	t.Helper()
	var le *lift.Error
	if !errors.As(err, &le) {
		t.Fatalf("got %v; want a *lift.Error", err)
	}
	if len(le.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(le.Problems), len(want), err)
	}
	for i, w := range want {
		p := le.Problems[i]
		if p.Err.Field != w[0] || !strings.Contains(p.Object+": "+p.Err.Error(), w[1]) {
			t.Errorf("problem %d: %s: %v; want field %s and %q", i, p.Object, p.Err, w[0], w[1])
		}
	}
}

// TestRefusals checks that every problem of every object is reported at once, with the
// object and the field path.
func TestRefusals(t *testing.T) {
	_, err := liftYAML(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In}]
  policyTypes: [Egress, Sideways]
  ingress:
  - from: [{}]
  egress:
  - to: [{podSelector: {}, ipBlock: {cidr: 203.0.113.0/24}}]
    ports:
    - {protocol: ICMP}
    - {port: http, endPort: 90}
    - {port: 0}
    - {port: 90, endPort: 80}
    - {endPort: 80}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: nameless}
spec: {podSelector: {}}
`, clusterRange)
	checkProblems(t, err, [][]string{
		{"metadata.namespace", "networkPolicies[1]: metadata.namespace: Required value"},
		{"spec.podSelector.matchExpressions[0].values", "NetworkPolicy shop/bad"},
		{"spec.policyTypes[1]", `"Sideways"`},
		{"spec.ingress", "ingress rules have no effect"},
		{"spec.egress[0].to[0]", "may not also have a podSelector"},
		{"spec.egress[0].ports[0].protocol", `"ICMP"`},
		{"spec.egress[0].ports[1].endPort", "named port"},
		{"spec.egress[0].ports[2].port", "between 1 and 65535"},
		{"spec.egress[0].ports[3].endPort", "between port (90) and 65535"},
		{"spec.egress[0].ports[4].endPort", "without port"},
	})
}

// TestDuplicates checks that an object given twice is reported, not merged.
func TestDuplicates(t *testing.T) {
	const np = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {}}
---
`
	const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
	_, err := liftYAML(t, np+np+ns+ns)
	checkProblems(t, err, [][]string{
		{"metadata.name", "namespaces[1]: metadata.name: Duplicate value"},
		{"metadata.name", "NetworkPolicy shop/web: metadata.name: Duplicate value"},
	})
}

// TestIsolation checks policyTypes and its defaulting: a policy without types isolates
// ingress, and egress when it has egress rules; a type without rules denies everything.
func TestIsolation(t *testing.T) {
	m := mustLift(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-in, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-out, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  egress: [{to: [{namespaceSelector: {}}]}]
`)
	other := pod("other", nil)
	checkFlows(t, m, []flowCase{
		{"ingress isolated by a policy without types", policy.NewFlow(other, gateway, policy.TCP, 1), false},
		{"egress of gateway not isolated", policy.NewFlow(gateway, other, policy.TCP, 1), true},
		{"web's egress to any pod, any protocol", policy.NewFlow(web, other, policy.SCTP, 9), true},
		{"web's egress to an address", policy.NewFlow(web, policy.AddressEndpoint(netip.MustParseAddr("8.8.8.8")), policy.TCP, 443), false},
	})
}

// TestNames checks that policy names the Set does not accept (dots, more than 63
// characters) lift under distinct names that keep each policy's subject, also where
// cleaning them up alone would make them equal.
func TestNames(t *testing.T) {
	long := strings.Repeat("x", 70)
	m := mustLift(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow.web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 80}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{ports: [{port: 81}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: `+long+`, namespace: shop}
spec:
  podSelector: {matchLabels: {app: cache}}
  ingress: [{ports: [{port: 82}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all.pods, namespace: shop}
spec:
  podSelector: {}
  egress: [{ports: [{port: 83}]}]
  policyTypes: [Egress]
`)
	db := pod("shop", map[string]string{"app": "db"})
	cache := pod("shop", map[string]string{"app": "cache"})
	checkFlows(t, m, []flowCase{
		{"web not on 83", policy.NewFlow(db, web, policy.TCP, 83), false},
		{"web on 80", policy.NewFlow(pod("x", nil), web, policy.TCP, 80), true},
		{"db on 81", policy.NewFlow(pod("x", nil), db, policy.TCP, 81), true},
		{"db not on 80", policy.NewFlow(pod("x", nil), db, policy.TCP, 80), false},
		{"cache on 82", policy.NewFlow(pod("x", nil), cache, policy.TCP, 82), true},
		{"every pod's egress on 83", policy.NewFlow(db, pod("x", nil), policy.TCP, 83), true},
	})
	var names []string
	for _, p := range m.Policies {
		names = append(names, p.Name)
	}
	want := []string{"all-pods-ee727656", "allow-web", "allow-web-b3e3f022", strings.Repeat("x", 54) + "-77f3c97d"}
	if !slices.Equal(names, want) {
		t.Errorf("policy names %q; want %q", names, want)
	}
}
