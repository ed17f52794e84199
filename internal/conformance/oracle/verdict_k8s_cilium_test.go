package oracle

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

func npCiliumEngine(t *testing.T, nps []*networkingv1.NetworkPolicy, u Universe) *NetworkPolicyCiliumEngine {
	t.Helper()
	e, err := NewNetworkPolicyCiliumEngine(nps, u)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Seed 01 as Cilium reads it: the same verdicts as cyclonus where cyclonus judges, and a
// verdict where a pod address lies inside the ipBlock: Cilium never matches pods with
// ipBlocks.
func TestNetworkPolicyCiliumSeed01(t *testing.T) {
	u := prodUniverse()
	u.Pods[4].IP = ip("10.2.0.5") // production/other, inside 10.0.0.0/8
	nps := networkPolicies(t, loadSeed(t, "01-api-server-policy.yaml"))
	e := npCiliumEngine(t, nps, u)
	api, fe, db := pod("production", "api"), pod("production", "frontend"), pod("production", "db")
	checkFlows(t, e, []flowCase{
		allow(tcp(fe, api, 8080), "namespaceSelector AND podSelector in one peer both match"),
		deny(tcp(pod("staging", "frontend"), api, 8080), "role=frontend but namespace environment=staging"),
		deny(tcp(pod("production", "other"), api, 8080), "not role=frontend; its address is in the ipBlock, which never matches a pod"),
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
		allow(tcp(HostEndpoint(), api, 8080), "the node reaches its local pods"),
	})
	checkCannotJudge(t, npEngine(t, nps, u), tcp(pod("production", "other"), api, 8080))
}

// Selectors cyclonus misreads: NotIn on an absent key matches, and matchLabels {k: ""}
// requires k. Cilium judges both as Kubernetes does.
func TestNetworkPolicyCiliumSelectors(t *testing.T) {
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
  - from:
    - podSelector: {matchLabels: {canary: ""}}
    ports: [{port: 9187}]
`
	u := prodUniverse()
	u.Pods = append(u.Pods, Pod{Namespace: "production", Name: "worker", Labels: lbl("app", "worker", "role", "batch")},
		Pod{Namespace: "staging", Name: "batch", Labels: lbl("app", "batch", "role", "batch")},
		Pod{Namespace: "production", Name: "canary", Labels: lbl("app", "frontend", "role", "frontend", "canary", "")})
	np := decodeOne[*networkingv1.NetworkPolicy](t, doc)
	e := npCiliumEngine(t, []*networkingv1.NetworkPolicy{np}, u)
	db := pod("production", "db")
	checkFlows(t, e, []flowCase{
		allow(tcp(pod("production", "worker"), db, 5432), "role batch NotIn (frontend), environment production NotIn (staging)"),
		allow(tcp(pod("production", "api"), db, 5432), "no role label: NotIn matches"),
		allow(tcp(pod("kube-system", "coredns"), db, 53), "namespace without environment label: NotIn matches"),
		deny(tcp(pod("production", "frontend"), db, 5432), "role frontend"),
		deny(tcp(pod("staging", "batch"), db, 5432), "environment staging"),
		allow(tcp(pod("production", "canary"), db, 9187), "canary: \"\" present"),
		deny(tcp(pod("production", "frontend"), db, 9187), "no canary label: {canary: \"\"} does not match"),
	})
	cyclonus := npEngine(t, []*networkingv1.NetworkPolicy{np}, u)
	checkCannotJudge(t, cyclonus, tcp(pod("production", "api"), db, 5432))
	checkCannotJudge(t, cyclonus, tcp(pod("production", "frontend"), db, 9187))
}

// Isolation without rules, rules without peers or ports, and an egress ipBlock that
// excepts the pods' range.
func TestNetworkPolicyCiliumIsolation(t *testing.T) {
	doc := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: production}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports: [{port: 80}]
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.244.0.0/16]}
`
	u := prodUniverse()
	for i := range u.Pods {
		u.Pods[i].IP = ip("10.244.0.0")
		for range i + 1 {
			u.Pods[i].IP = u.Pods[i].IP.Next()
		}
	}
	nps := []*networkingv1.NetworkPolicy{decodeOne[*networkingv1.NetworkPolicy](t, doc)}
	fe := pod("production", "frontend")
	for _, e := range []decider{npCiliumEngine(t, nps, u), npEngine(t, nps, u)} {
		checkFlows(t, e, []flowCase{
			allow(tcp(pod("staging", "worker"), fe, 80), "a rule without from admits every peer"),
			allow(tcp(ext("203.0.113.9"), fe, 80), "a rule without from admits every peer"),
			deny(tcp(pod("staging", "worker"), fe, 81), "port 80 only"),
			allow(tcp(fe, ext("10.1.2.3"), 5432), "a rule without ports admits every port"),
			deny(tcp(fe, pod("production", "db"), 5432), "the pods' range is excepted"),
			deny(tcp(fe, ext("192.0.2.1"), 443), "outside the ipBlock"),
		})
	}
}
