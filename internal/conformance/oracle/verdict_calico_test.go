package oracle

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

func calicoEngine(t *testing.T, objs []runtime.Object, u Universe) *CalicoEngine {
	t.Helper()
	e, err := NewCalicoEngine(objs, u)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func calicoObjs(t *testing.T, doc string) []runtime.Object {
	t.Helper()
	objs, err := DecodeYAML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// podNetUniverse puts pods in 10.0.0.0/8, as the Calico seeds assume.
func podNetUniverse() Universe {
	u := prodUniverse()
	for i := range u.Pods {
		u.Pods[i].IP = ip("10.1.0.10").Next()
		for j := 0; j < i; j++ {
			u.Pods[i].IP = u.Pods[i].IP.Next()
		}
	}
	u.Pods = append(u.Pods, Pod{Namespace: "production", Name: "prod-labeled",
		Labels: lbl("environment", "production"), IP: ip("10.1.1.1")})
	return u
}

// Seed 08: workloads labeled environment=production may send to private
// ranges and UDP 53 anywhere; everything else egress is denied.
func TestCalicoSeed08(t *testing.T) {
	u := podNetUniverse()
	e := calicoEngine(t, loadSeed(t, "08-deny-egress-to-internet.yaml"), u)
	prod := pod("production", "prod-labeled")
	checkFlows(t, e, []flowCase{
		allow(tcp(prod, pod("production", "api"), 80), "rule 0: destination 10.1.0.11 in 10.0.0.0/8"),
		allow(tcp(prod, ext("192.168.4.4"), 443), "rule 0: 192.168.0.0/16"),
		allow(udp(prod, ext("8.8.8.8"), 53), "rule 1: UDP 53 anywhere"),
		deny(tcp(prod, ext("8.8.8.8"), 53), "rule 1 is UDP; rule 2 notNets matches"),
		deny(tcp(prod, ext("203.0.113.9"), 443), "rule 2"),
		allow(tcp(pod("production", "api"), ext("203.0.113.9"), 443), "the selector is a pod label, api lacks it (namespace labels do not count)"),
		allow(tcp(ext("203.0.113.9"), prod, 443), "egress-only policy"),
	})
	// Calico matches nets against pod IPs: with pods outside the private ranges
	// (the universe's automatic 100.64.0.0/10), pod-to-pod egress is denied by
	// rule 2.
	u2 := prodUniverse()
	u2.Pods = append(u2.Pods, Pod{Namespace: "production", Name: "prod-labeled", Labels: lbl("environment", "production")})
	e2 := calicoEngine(t, loadSeed(t, "08-deny-egress-to-internet.yaml"), u2)
	checkFlows(t, e2, []flowCase{
		deny(tcp(prod, pod("production", "api"), 80), "100.64.0.1 is in notNets' complement"),
	})
}

// Seed 09: tier security (order 100) denies 198.51.100.0/24 both ways and
// passes everything else; tier platform is empty. Passed traffic reaches the
// namespace profile, which allows.
func TestCalicoSeed09(t *testing.T) {
	e := calicoEngine(t, loadSeed(t, "09-security.block-known-threats.yaml"), podNetUniverse())
	api := pod("production", "api")
	checkFlows(t, e, []flowCase{
		deny(tcp(api, ext("198.51.100.7"), 443), "security tier egress Deny"),
		deny(tcp(ext("198.51.100.7"), api, 8080), "security tier ingress Deny"),
		allow(tcp(api, ext("203.0.113.5"), 443), "Pass, no later tier selects api, profile allows"),
		allow(tcp(ext("203.0.113.5"), api, 8080), "Pass"),
		allow(tcp(api, pod("production", "db"), 5432), "Pass both sides"),
	})
}

// Seed 12 is a deny-only policy in the default tier that selects all(): by
// Calico's end-of-tier rule it denies every egress flow, not only traffic
// leaving 10.0.0.0/8. Together with seed 09 the security tier decides first.
func TestCalicoSeed12(t *testing.T) {
	u := podNetUniverse()
	api, db := pod("production", "api"), pod("production", "db")
	e := calicoEngine(t, loadSeed(t, "12-security-block-external.yaml"), u)
	checkFlows(t, e, []flowCase{
		deny(tcp(api, ext("203.0.113.5"), 443), "rule 0: destination outside 10.0.0.0/8"),
		deny(tcp(api, db, 5432), "no rule matches: end of default tier denies"),
		deny(udp(api, pod("kube-system", "coredns"), 53), "end of default tier, DNS included"),
		allow(tcp(ext("203.0.113.5"), api, 8080), "egress-only policy"),
	})
	both := calicoEngine(t, seeds(t, "09-security.block-known-threats.yaml", "12-security-block-external.yaml"), u)
	checkFlows(t, both, []flowCase{
		deny(tcp(api, ext("198.51.100.7"), 443), "security tier first"),
		deny(tcp(api, ext("203.0.113.5"), 443), "passed to default tier, rule 0"),
		allow(tcp(ext("203.0.113.5"), api, 8080), "ingress: security passes, default tier has no ingress policy"),
	})
}

// Seed 14: namespaceSelector global() selects only non-namespaced endpoints
// (GlobalNetworkSets, host endpoints), never pods. The rule therefore does
// not match the api-gateway pods, and frontend egress ends in the default
// tier's deny.
func TestCalicoSeed14(t *testing.T) {
	u := podNetUniverse()
	u.Pods = append(u.Pods, Pod{Namespace: "production", Name: "gateway", Labels: lbl("app", "api-gateway"), IP: ip("10.1.2.2")})
	objs := append(loadSeed(t, "14-federated-service-access.yaml"), calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: federated-gateways, labels: {app: api-gateway}}
spec: {nets: [203.0.113.0/24]}
`)...)
	e := calicoEngine(t, objs, u)
	fe := pod("production", "frontend") // app=frontend
	checkFlows(t, e, []flowCase{
		deny(tcp(fe, pod("production", "gateway"), 8080), "global() never selects a workload"),
		allow(tcp(fe, ext("203.0.113.9"), 443), "the GlobalNetworkSet labeled app=api-gateway"),
		deny(udp(fe, ext("203.0.113.9"), 443), "TCP only"),
		deny(tcp(fe, ext("192.0.2.1"), 443), "end of default tier"),
		allow(tcp(pod("production", "api"), pod("production", "gateway"), 8080), "api is not app=frontend"),
	})
}

// Hand-made policies for the rest of the documented semantics: policy order
// and name tie-break, Pass, tier defaultAction Pass, tier order, namespaced
// scoping of NetworkPolicy selectors, namespaceSelector, serviceAccounts,
// named ports, notPorts, NetworkSets, Log, staged policies.
func TestCalicoSemantics(t *testing.T) {
	u := podNetUniverse()
	u.Pods = append(u.Pods,
		Pod{Namespace: "staging", Name: "svc", Labels: lbl("app", "svc"), ServiceAccount: "robot", IP: ip("10.2.0.1"),
			NamedPorts: map[string]NamedPort{"metrics": {Protocol: "TCP", Port: 9100}}},
		Pod{Namespace: "production", Name: "svc", Labels: lbl("app", "svc"), IP: ip("10.2.0.2")},
	)
	u.ServiceAccounts = []ServiceAccount{{Namespace: "staging", Name: "robot", Labels: lbl("team", "bots")}}
	objs := calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: first}
spec: {order: 10, defaultAction: Pass}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: second}
spec: {order: 20}
---
# first tier: selects app=svc but decides nothing for most flows; its
# defaultAction Pass hands over to tier second.
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: first.log-then-deny-9999}
spec:
  tier: first
  selector: app == 'svc'
  types: [Ingress]
  ingress:
  - action: Log
  - action: Deny
    protocol: TCP
    destination: {ports: [9999]}
---
# second tier, same order: name breaks the tie, "a" before "b".
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: second.b-allow, namespace: staging}
spec:
  tier: second
  order: 5
  selector: app == 'svc'
  types: [Ingress]
  ingress:
  - action: Deny
    source: {selector: app == 'svc'}
  - action: Allow
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: second.a-deny-prod, namespace: staging}
spec:
  tier: second
  order: 5
  selector: app == 'svc'
  types: [Ingress]
  ingress:
  - action: Deny
    source: {namespaceSelector: environment == 'production'}
  - action: Pass
    source: {serviceAccounts: {selector: team == 'bots'}}
  - action: Allow
    protocol: TCP
    source: {selector: app == 'worker'}
    destination: {ports: [metrics]}
  - action: Deny
    source: {selector: app == 'worker'}
---
# A lower order runs first even in a later-named policy.
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: second.z-first, namespace: staging}
spec:
  tier: second
  order: 1
  selector: app == 'svc'
  types: [Ingress]
  ingress:
  - action: Deny
    protocol: UDP
    destination: {notPorts: [53]}
  - action: Allow
    source: {selector: has(trusted)}
---
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: partners, namespace: staging, labels: {trusted: "yes"}}
spec: {nets: [192.0.2.0/24]}
---
# Staged policies are never enforced.
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: default.staged-deny-all}
spec: {selector: all(), types: [Ingress, Egress], ingress: [{action: Deny}], egress: [{action: Deny}]}
`)
	e := calicoEngine(t, objs, u)
	svc := pod("staging", "svc")
	checkFlows(t, e, []flowCase{
		deny(tcp(pod("staging", "worker"), svc, 9999), "tier first: Log continues, Deny 9999"),
		deny(tcp(pod("production", "api"), svc, 80), "tier second: a-deny-prod (name before b-allow) rule 0"),
		allow(tcp(pod("staging", "worker"), svc, 9100), "a-deny-prod rule 2: named port metrics on the destination"),
		deny(tcp(pod("staging", "worker"), svc, 9101), "a-deny-prod rule 3"),
		allow(tcp(pod("staging", "frontend"), svc, 80), "a-deny-prod decides nothing, b-allow allows"),
		deny(udp(pod("staging", "frontend"), svc, 80), "z-first (order 1) runs first: UDP not 53"),
		allow(udp(pod("staging", "frontend"), svc, 53), "notPorts excludes 53; b-allow"),
		allow(tcp(ext("192.0.2.44"), svc, 443), "z-first rule 1: NetworkSet labeled trusted"),
		allow(tcp(svc, svc, 80), "serviceAccounts selector pcsa.team: Pass skips b-allow's Deny; no later tier: profile"),
	})
	// The namespaced policies select app=svc in staging only.
	checkFlows(t, e, []flowCase{
		allow(tcp(pod("production", "api"), pod("production", "svc"), 80), "tier first passes; tier second's policies are namespaced to staging"),
		deny(tcp(pod("production", "api"), pod("production", "svc"), 9999), "tier first is global"),
		allow(tcp(svc, pod("production", "api"), 80), "no egress policy; the staged deny-all is not enforced"),
	})
	checkCannotJudge(t, e, tcp(HostEndpoint(), svc, 80))
}

func TestCalicoLimits(t *testing.T) {
	objs := calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: src-ports}
spec:
  selector: all()
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {ports: [1024]}
    destination: {ports: [80]}
`)
	e := calicoEngine(t, objs, podNetUniverse())
	checkCannotJudge(t, e, tcp(pod("production", "api"), pod("production", "db"), 80))
	checkFlows(t, e, []flowCase{
		deny(tcp(pod("production", "api"), pod("production", "db"), 81), "destination port rules the rule out first"),
	})
	if _, err := NewCalicoEngine(calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.p}
spec: {tier: security, selector: all(), types: [Ingress]}
`), podNetUniverse()); err == nil {
		t.Error("engine accepted a policy in a missing tier")
	}
	if _, err := NewCalicoEngine(loadSeed(t, "01-api-server-policy.yaml"), podNetUniverse()); err == nil {
		t.Error("engine accepted a Kubernetes NetworkPolicy")
	}
}

// TestCalicoHostEndpoints checks what selectors do with host endpoints and network sets:
// a GlobalNetworkPolicy whose selector matches a host endpoint polices its node's own
// traffic (failsafe ports aside, default-allow profile behind), rule selectors match a
// host endpoint's expected IPs and network sets' nets, and a node's traffic to its own
// pods is never policed.
func TestCalicoHostEndpoints(t *testing.T) {
	u := podNetUniverse()
	u.Nodes = []Node{
		{Name: "n1", IP: ip("192.168.0.1"), Labels: lbl("app", "api-server"), AutoHostEndpoint: true},
		{Name: "n2", IP: ip("192.168.0.2"), Labels: lbl("app", "api-server")},
		{Name: "n3", IP: ip("192.168.0.3")},
	}
	u.Pods[0].Node = "n2" // production/api
	objs := calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: n3-all, labels: {app: database}}
spec: {node: n3, interfaceName: "*", expectedIPs: [192.168.0.3]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partners, labels: {app: frontend}}
spec: {nets: [203.0.113.0/24]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: api-lockdown}
spec:
  selector: app == 'api-server'
  types: [Ingress, Egress]
  ingress:
  - action: Allow
    source: {selector: app == 'frontend'}
  egress:
  - action: Allow
    destination: {selector: app == 'database'}
`)
	e := calicoEngine(t, objs, u)
	n1, n2, n3 := ext("192.168.0.1"), ext("192.168.0.2"), ext("192.168.0.3")
	api := pod("production", "api")
	checkFlows(t, e, []flowCase{
		deny(tcp(n1, ext("8.8.8.8"), 443), "n1's automatic host endpoint carries app=api-server: the policy polices it"),
		allow(udp(n1, ext("8.8.8.8"), 53), "outbound failsafe port"),
		allow(tcp(ext("203.0.113.9"), n1, 80), "the GlobalNetworkSet app=frontend holds the source"),
		deny(tcp(ext("198.51.100.1"), n1, 80), "no rule matches the source"),
		allow(tcp(ext("198.51.100.1"), n1, 22), "inbound failsafe port"),
		allow(tcp(n2, ext("8.8.8.8"), 443), "n2 has no host endpoint: not policed"),
		allow(tcp(api, n3, 22), "n3's host endpoint is app=database by its expected IP; inbound failsafe port"),
		deny(tcp(api, n3, 80), "n3's host endpoint has no profile and no policy selects it: dropped"),
		deny(tcp(api, ext("192.168.0.4"), 22), "not a host endpoint's address"),
		deny(tcp(n3, ext("8.8.8.8"), 443), "n3's host endpoint has no profile"),
		allow(tcp(n2, api, 8080), "api runs on n2: Felix never polices a node's traffic to its own pods"),
		deny(tcp(ext("198.51.100.1"), api, 8080), "other sources are policed"),
		allow(tcp(pod("production", "frontend"), api, 8080), "frontend's workload matches"),
	})
	bad := calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: n1-eth0}
spec: {node: n1, interfaceName: eth0, expectedIPs: [192.168.0.1]}
`)
	if _, err := NewCalicoEngine(bad, u); err == nil {
		t.Error("engine accepted a host endpoint of a named interface")
	}
	fwd := calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: fwd}
spec: {selector: has(app), applyOnForward: true, types: [Ingress]}
`)
	checkCannotJudge(t, calicoEngine(t, fwd, u), tcp(api, ext("8.8.8.8"), 443))
}
