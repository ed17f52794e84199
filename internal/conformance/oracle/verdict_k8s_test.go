package oracle

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

func npEngine(t *testing.T, nps []*networkingv1.NetworkPolicy, u Universe) *NetworkPolicyEngine {
	t.Helper()
	e, err := NewNetworkPolicyEngine(nps, u)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Seed 01: api-server in production takes TCP 8080 from frontends of
// environment=production namespaces and from 10.0.0.0/8 minus 10.0.1.0/24,
// and may only reach the database on TCP 5432 and any pod on UDP 53.
func TestNetworkPolicySeed01(t *testing.T) {
	e := npEngine(t, networkPolicies(t, loadSeed(t, "01-api-server-policy.yaml")), prodUniverse())
	api, fe, db := pod("production", "api"), pod("production", "frontend"), pod("production", "db")
	checkFlows(t, e, []flowCase{
		allow(tcp(fe, api, 8080), "namespaceSelector AND podSelector in one peer both match"),
		deny(tcp(pod("staging", "frontend"), api, 8080), "role=frontend but namespace environment=staging"),
		deny(tcp(pod("production", "other"), api, 8080), "not role=frontend"),
		deny(tcp(fe, api, 9090), "only 8080 is opened"),
		deny(udp(fe, api, 8080), "only TCP"),
		allow(tcp(ext("10.0.5.5"), api, 8080), "in ipBlock 10.0.0.0/8"),
		deny(tcp(ext("10.0.1.7"), api, 8080), "in except 10.0.1.0/24"),
		deny(tcp(ext("192.0.2.10"), api, 8080), "outside the ipBlock"),
		allow(tcp(api, db, 5432), "egress rule 1"),
		deny(tcp(api, db, 5433), "egress rule 1 is port 5432 only"),
		allow(udp(api, pod("kube-system", "coredns"), 53), "egress rule 2: any namespace, UDP 53"),
		deny(tcp(api, pod("kube-system", "coredns"), 53), "egress rule 2 is UDP only"),
		deny(udp(api, ext("8.8.8.8"), 53), "namespaceSelector {} matches pods only"),
		deny(tcp(api, ext("192.0.2.10"), 443), "egress isolated"),
		allow(tcp(pod("production", "other"), db, 5432), "neither end is selected by a policy"),
		deny(tcp(api, pod("staging", "worker"), 53), "egress rule 2 is UDP only"),
		allow(udp(api, pod("staging", "worker"), 53), "egress rule 2: any pod in any namespace"),
	})
	// A pod whose IP lies in an ipBlock is not judged: implementations differ.
	u := prodUniverse()
	u.Pods[1].IP = ip("10.2.0.5") // production/frontend
	e2 := npEngine(t, networkPolicies(t, loadSeed(t, "01-api-server-policy.yaml")), u)
	checkCannotJudge(t, e2, tcp(fe, api, 8080))
	checkCannotJudge(t, e, tcp(HostEndpoint(), api, 8080))
}

// Seeds 02 and 03: production is default-deny in both directions; seed 03 then
// lets every production pod send DNS (UDP and TCP 53) to pods of any namespace.
func TestNetworkPolicySeeds02And03(t *testing.T) {
	u := prodUniverse()
	api, fe, dns := pod("production", "api"), pod("production", "frontend"), pod("kube-system", "coredns")
	deny02 := npEngine(t, networkPolicies(t, seeds(t, "02-default-deny-all.yaml")), u)
	checkFlows(t, deny02, []flowCase{
		deny(tcp(fe, api, 8080), "both ends isolated, nothing allowed"),
		deny(udp(api, dns, 53), "egress isolated"),
		deny(tcp(pod("staging", "worker"), api, 80), "ingress isolated"),
		deny(tcp(api, pod("staging", "worker"), 80), "egress isolated"),
		deny(tcp(ext("203.0.113.1"), api, 443), "ingress isolated"),
		allow(tcp(pod("staging", "worker"), pod("staging", "frontend"), 80), "staging has no policy"),
	})
	both := npEngine(t, networkPolicies(t, seeds(t, "02-default-deny-all.yaml", "03-allow-dns-egress.yaml")), u)
	checkFlows(t, both, []flowCase{
		allow(udp(api, dns, 53), "seed 03: UDP 53 to any pod"),
		allow(tcp(fe, dns, 53), "seed 03: TCP 53 to any pod"),
		deny(tcp(api, dns, 80), "only port 53"),
		deny(udp(api, ext("8.8.8.8"), 53), "namespaceSelector {} never matches external addresses"),
		deny(udp(fe, api, 53), "egress is open on 53, but api's ingress is isolated by seed 02"),
		deny(tcp(fe, api, 8080), "still default-deny"),
	})
}

// Seed 04: team-alpha accepts ingress only from its own pods.
func TestNetworkPolicySeed04(t *testing.T) {
	u := Universe{
		Namespaces: []Namespace{{Name: "team-alpha"}, {Name: "team-beta"}},
		Pods: []Pod{
			{Namespace: "team-alpha", Name: "a", Labels: lbl("app", "a")},
			{Namespace: "team-alpha", Name: "b", Labels: lbl("app", "b")},
			{Namespace: "team-beta", Name: "x", Labels: lbl("app", "a")},
		},
	}
	e := npEngine(t, networkPolicies(t, loadSeed(t, "04-namespace-isolation.yaml")), u)
	checkFlows(t, e, []flowCase{
		allow(tcp(pod("team-alpha", "a"), pod("team-alpha", "b"), 80), "same namespace"),
		allow(udp(pod("team-alpha", "b"), pod("team-alpha", "a"), 9999), "any port"),
		deny(tcp(pod("team-beta", "x"), pod("team-alpha", "a"), 80), "other namespace, even with equal labels"),
		deny(tcp(ext("198.51.100.1"), pod("team-alpha", "a"), 80), "external"),
		allow(tcp(pod("team-alpha", "a"), pod("team-beta", "x"), 80), "egress not isolated"),
	})
}

// Named ports resolve on the destination pod; endPort ranges; defaulting of
// policyTypes when the object omits them.
func TestNetworkPolicyNamedPortsAndRanges(t *testing.T) {
	var nps []*networkingv1.NetworkPolicy
	doc := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-db, namespace: production}
spec:
  podSelector: {matchLabels: {app: api-server}}
  egress:
  - ports: [{port: postgres}]
  - ports: [{protocol: UDP, port: 5000, endPort: 5010}]
`
	nps = append(nps, decodeOne[*networkingv1.NetworkPolicy](t, doc))
	e := npEngine(t, nps, prodUniverse())
	api := pod("production", "api")
	checkFlows(t, e, []flowCase{
		allow(tcp(api, pod("production", "db"), 5432), "db names 5432/TCP postgres"),
		deny(tcp(api, pod("production", "other"), 5432), "other has no port named postgres"),
		allow(udp(api, pod("production", "other"), 5005), "in 5000-5010/UDP"),
		deny(udp(api, pod("production", "other"), 5011), "past endPort"),
		deny(tcp(api, pod("production", "other"), 5005), "range is UDP"),
		// policyTypes omitted with egress rules: defaulted to Ingress+Egress,
		// so api is also isolated for ingress.
		deny(tcp(pod("production", "frontend"), api, 8080), "defaulted policyTypes include Ingress"),
	})
}

func TestNetworkPolicyRejectsInvalid(t *testing.T) {
	doc := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: production}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: 90, endPort: 80}]
`
	if _, err := NewNetworkPolicyEngine([]*networkingv1.NetworkPolicy{decodeOne[*networkingv1.NetworkPolicy](t, doc)}, prodUniverse()); err == nil {
		t.Error("engine accepted an invalid policy")
	}
	if _, err := NetworkPolicyVerdict(nil, prodUniverse(), tcp(pod("production", "nope"), pod("production", "api"), 80)); err == nil {
		t.Error("unknown pod accepted")
	}
	if ok, err := NetworkPolicyVerdict(nil, prodUniverse(), tcp(pod("production", "api"), pod("production", "db"), 80)); err != nil || !ok {
		t.Errorf("no policies: got %v, %v", ok, err)
	}
}

// cyclonus evaluates "key NotIn (values)" as false for labels without the key, where
// Kubernetes matches them: flows whose pod or namespace lacks such a key are refused,
// the others judged.
func TestNetworkPolicyNotIn(t *testing.T) {
	doc := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: production}
spec:
  podSelector: {matchLabels: {app: database}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions: [{key: environment, operator: NotIn, values: [staging]}]
      podSelector:
        matchExpressions: [{key: role, operator: NotIn, values: [frontend]}]
`
	u := prodUniverse()
	u.Pods = append(u.Pods, Pod{Namespace: "production", Name: "worker", Labels: lbl("app", "worker", "role", "batch")},
		Pod{Namespace: "staging", Name: "batch", Labels: lbl("app", "batch", "role", "batch")})
	e := npEngine(t, []*networkingv1.NetworkPolicy{decodeOne[*networkingv1.NetworkPolicy](t, doc)}, u)
	db := pod("production", "db")
	checkFlows(t, e, []flowCase{
		allow(tcp(pod("production", "worker"), db, 5432), "role batch NotIn (frontend), environment production NotIn (staging)"),
		deny(tcp(pod("production", "frontend"), db, 5432), "role frontend"),
		deny(tcp(pod("staging", "batch"), db, 5432), "environment staging"),
	})
	checkCannotJudge(t, e, tcp(pod("production", "api"), db, 5432))    // no role label
	checkCannotJudge(t, e, tcp(pod("kube-system", "coredns"), db, 53)) // no environment label
	checkCannotJudge(t, e, tcp(db, pod("production", "worker"), 80))   // db has no role label
}
