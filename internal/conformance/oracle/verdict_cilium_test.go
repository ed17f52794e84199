package oracle

import (
	"slices"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/u8proto"
	"k8s.io/apimachinery/pkg/runtime"
)

func ciliumEngine(t *testing.T, objs []runtime.Object, u Universe) *CiliumEngine {
	t.Helper()
	e, err := NewCiliumEngine(objs, u)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Seed 05: api-server in production takes TCP 8080 from app=frontend pods of
// its own namespace, with HTTP rules. The HTTP rules make it an L7 policy; at
// L4 the port is allowed (the proxy then filters requests).
func TestCiliumSeed05(t *testing.T) {
	e := ciliumEngine(t, loadSeed(t, "05-l7-api-policy.yaml"), prodUniverse())
	api, fe := pod("production", "api"), pod("production", "frontend")
	checkFlows(t, e, []flowCase{
		allow(tcp(fe, api, 8080), "fromEndpoints app=frontend, L7 rules count as L4 allow"),
		deny(tcp(fe, api, 9090), "ingress default-deny, only 8080"),
		deny(udp(fe, api, 8080), "TCP only"),
		deny(tcp(pod("production", "other"), api, 8080), "not app=frontend"),
		deny(tcp(pod("staging", "frontend"), api, 8080), "a CNP scopes fromEndpoints to its namespace"),
		deny(tcp(ext("192.0.2.1"), api, 8080), "world is not app=frontend"),
		allow(tcp(HostEndpoint(), api, 9090), "the node may always reach local pods (allow-localhost in k8s mode)"),
		allow(tcp(api, fe, 80), "api's egress has no policy"),
	})
}

// Seed 06: payment-service may only send DNS (port 53, any protocol) to
// kube-dns, and HTTPS to names the DNS proxy resolves.
func TestCiliumSeed06(t *testing.T) {
	e := ciliumEngine(t, loadSeed(t, "06-dns-based-egress.yaml"), prodUniverse())
	pay, dns := pod("production", "payment"), pod("kube-system", "coredns")
	checkFlows(t, e, []flowCase{
		allow(udp(pay, dns, 53), "toEndpoints kube-dns port 53 ANY"),
		allow(tcp(pay, dns, 53), "protocol ANY covers TCP"),
		deny(udp(pay, dns, 5353), "only 53"),
		deny(tcp(pay, pod("production", "other"), 443), "egress default-deny; toFQDNs never selects a pod"),
		allow(tcp(pod("production", "other"), ext("1.2.3.4"), 443), "other pods are not selected"),
		deny(tcp(pay, ext("1.2.3.4"), 443), "no name resolves to the address: no toFQDNs selects it"),
	})
}

// toFQDNs selects the addresses the DNS proxy saw answered for a name its pattern
// matches, by the name manager's fqdn: labels; Cilium's matcher decides the wildcards:
// "*.example.com" needs exactly one label before example.com, names match in any case.
// Where the source's own DNS rules do not let it look a selected name up, the verdict
// depends on other endpoints' lookups.
func TestCiliumFQDN(t *testing.T) {
	objs, err := DecodeYAML([]byte(`apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: wildcard, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: payment-service}}
  egress:
  - toEndpoints: [{matchLabels: {k8s-app: kube-dns, io.kubernetes.pod.namespace: kube-system}}]
    toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*"}]}}]
  - toFQDNs: [{matchPattern: "*.example.com"}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: exact, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: other}}
  egress:
  - toEndpoints: [{matchLabels: {k8s-app: kube-dns, io.kubernetes.pod.namespace: kube-system}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}], rules: {dns: [{matchName: example.com}]}}]
  - toFQDNs: [{matchName: example.com}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toFQDNs: [{matchPattern: "*.example.com"}]
    toPorts: [{ports: [{port: "8443", protocol: TCP}]}]
`))
	if err != nil {
		t.Fatal(err)
	}
	u := prodUniverse()
	u.Externals = []External{
		{IP: ip("203.0.113.10"), DNSNames: []string{"api.example.com"}},
		{IP: ip("203.0.113.11"), DNSNames: []string{"example.com"}},
		{IP: ip("203.0.113.12"), DNSNames: []string{"a.b.example.com"}},
		{IP: ip("203.0.113.13"), DNSNames: []string{"WWW.Example.COM."}},
		{IP: ip("203.0.113.14"), DNSNames: []string{"example.com.evil.test"}},
		{IP: ip("203.0.113.15")},
	}
	e := ciliumEngine(t, objs, u)
	pay, other, fe := pod("production", "payment"), pod("production", "other"), pod("production", "frontend")
	checkFlows(t, e, []flowCase{
		allow(tcp(pay, ext("203.0.113.10"), 443), "*.example.com matches api.example.com"),
		deny(tcp(pay, ext("203.0.113.10"), 80), "toFQDNs on 443 only"),
		deny(tcp(pay, ext("203.0.113.11"), 443), "*.example.com needs a label before example.com"),
		deny(tcp(pay, ext("203.0.113.12"), 443), "* matches within one label"),
		allow(tcp(pay, ext("203.0.113.13"), 443), "names match in any case, with or without the root dot"),
		deny(tcp(pay, ext("203.0.113.14"), 443), "the pattern is anchored"),
		deny(tcp(pay, ext("203.0.113.15"), 443), "no name resolves to the address"),
		deny(tcp(pay, ext("192.0.2.1"), 443), "an address the universe does not list has no name"),
		allow(udp(pay, pod("kube-system", "coredns"), 53), "the DNS rule's port"),
		allow(tcp(other, ext("203.0.113.11"), 443), "matchName example.com"),
		deny(tcp(other, ext("203.0.113.11"), 8443), "*.example.com does not match example.com"),
		allow(tcp(fe, ext("203.0.113.11"), 8443), "no egress policy"),
	})
	// other's DNS rule admits only example.com: it cannot learn api.example.com itself,
	// which its *.example.com selects.
	checkCannotJudge(t, e, tcp(other, ext("203.0.113.10"), 8443))
}

// Seed 07, as written, has an egressDeny rule and no enableDefaultDeny: in
// Cilium any rule in a direction, deny rules included, switches the selected
// endpoints to default-deny for that direction. So this CCNP, meant as a
// guardrail, blocks all egress of every pod. With enableDefaultDeny.egress:
// false it is the guardrail it means to be: only 169.254.169.254:80/TCP is
// denied.
func TestCiliumSeed07(t *testing.T) {
	u := prodUniverse()
	api, other := pod("production", "api"), pod("staging", "worker")
	imds := ext("169.254.169.254")

	e := ciliumEngine(t, loadSeed(t, "07-block-metadata-access.yaml"), u)
	checkFlows(t, e, []flowCase{
		deny(tcp(api, imds, 80), "egressDeny"),
		deny(tcp(api, imds, 443), "not denied by the rule, but the deny rule made egress default-deny"),
		deny(tcp(api, ext("192.0.2.1"), 80), "default-deny egress"),
		deny(tcp(api, other, 80), "default-deny egress"),
		allow(tcp(ext("192.0.2.1"), api, 80), "ingress untouched"),
	})

	guard := loadSeed(t, "07-block-metadata-access.yaml")[0].(*ciliumv2.CiliumClusterwideNetworkPolicy).DeepCopy()
	no := false
	guard.Spec.EnableDefaultDeny.Egress = &no
	if err := ValidateCilium(guard); err != nil {
		t.Fatal(err)
	}
	g := ciliumEngine(t, []runtime.Object{guard}, u)
	checkFlows(t, g, []flowCase{
		deny(tcp(api, imds, 80), "egressDeny always wins"),
		allow(tcp(api, imds, 443), "only port 80 is denied"),
		allow(udp(api, imds, 80), "only TCP is denied"),
		allow(tcp(api, ext("169.254.169.253"), 80), "only the /32"),
		allow(tcp(api, other, 80), "enableDefaultDeny.egress=false keeps other egress open"),
	})
	// Deny wins over an explicit allow of the same traffic.
	allowIMDS := decodeOne[*ciliumv2.CiliumNetworkPolicy](t, `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-imds, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: api-server}}
  egress:
  - toCIDR: [169.254.169.254/32]
`)
	both := ciliumEngine(t, []runtime.Object{guard, allowIMDS}, u)
	checkFlows(t, both, []flowCase{
		deny(tcp(api, imds, 80), "deny wins over allow"),
		allow(tcp(api, imds, 443), "allowed by toCIDR"),
		deny(tcp(api, ext("192.0.2.1"), 80), "allow-imds made api's egress default-deny"),
		allow(tcp(pod("production", "other"), ext("192.0.2.1"), 80), "other is only under the guardrail"),
	})
}

// Seed 10: every pod in staging may only talk to and from the host. The
// audit-mode annotation is not a Cilium OSS feature: the policy enforces.
func TestCiliumSeed10(t *testing.T) {
	e := ciliumEngine(t, loadSeed(t, "10-audit-default-deny.yaml"), prodUniverse())
	w, f := pod("staging", "worker"), pod("staging", "frontend")
	checkFlows(t, e, []flowCase{
		deny(tcp(w, f, 80), "egress and ingress default-deny"),
		deny(tcp(pod("production", "api"), w, 80), "ingress only from reserved:host"),
		deny(tcp(w, ext("192.0.2.1"), 443), "egress only to reserved:host"),
		allow(tcp(HostEndpoint(), w, 8080), "fromEndpoints reserved:host"),
		allow(tcp(w, HostEndpoint(), 10250), "toEndpoints reserved:host"),
		allow(tcp(pod("production", "api"), pod("production", "db"), 5432), "production not selected"),
	})
}

// Seed 11: order-service takes POST/GET on 8080 from api-gateway (L7) and may
// reach inventory and payment on 8080 and kube-dns on 53.
func TestCiliumSeed11(t *testing.T) {
	u := Universe{
		Namespaces: []Namespace{{Name: "ecommerce"}, {Name: "shop"}, {Name: "kube-system"}},
		Pods: []Pod{
			{Namespace: "ecommerce", Name: "order", Labels: lbl("app", "order-service")},
			{Namespace: "ecommerce", Name: "gw", Labels: lbl("app", "api-gateway")},
			{Namespace: "ecommerce", Name: "inventory", Labels: lbl("app", "inventory-service")},
			{Namespace: "ecommerce", Name: "payment", Labels: lbl("app", "payment-service")},
			{Namespace: "shop", Name: "inventory", Labels: lbl("app", "inventory-service")},
			{Namespace: "shop", Name: "gw", Labels: lbl("app", "api-gateway")},
			{Namespace: "kube-system", Name: "coredns", Labels: lbl("k8s-app", "kube-dns")},
		},
	}
	e := ciliumEngine(t, loadSeed(t, "11-microservice-pattern.yaml"), u)
	order := pod("ecommerce", "order")
	checkFlows(t, e, []flowCase{
		allow(tcp(pod("ecommerce", "gw"), order, 8080), "L7 HTTP rule, L4 allow"),
		deny(tcp(pod("ecommerce", "gw"), order, 9090), "only 8080"),
		deny(tcp(pod("shop", "gw"), order, 8080), "namespace-scoped fromEndpoints"),
		deny(tcp(pod("ecommerce", "inventory"), order, 8080), "not api-gateway"),
		allow(tcp(order, pod("ecommerce", "inventory"), 8080), "egress rule 1"),
		allow(tcp(order, pod("ecommerce", "payment"), 8080), "egress rule 2"),
		deny(tcp(order, pod("ecommerce", "payment"), 8443), "only 8080"),
		deny(tcp(order, pod("shop", "inventory"), 8080), "namespace-scoped toEndpoints"),
		allow(udp(order, pod("kube-system", "coredns"), 53), "explicit namespace label reaches kube-system"),
		allow(tcp(order, pod("kube-system", "coredns"), 53), "ANY"),
		deny(tcp(order, ext("1.1.1.1"), 443), "egress default-deny"),
		deny(tcp(order, pod("ecommerce", "gw"), 8080), "egress default-deny"),
	})
}

// Seed 13: shared-database takes 5432 from app=backend of shared-services in
// cluster-east or cluster-west. The local cluster is cluster-east.
func TestCiliumSeed13(t *testing.T) {
	u := Universe{
		ClusterName: "cluster-east",
		Namespaces:  []Namespace{{Name: "shared-services"}, {Name: "other"}},
		Pods: []Pod{
			{Namespace: "shared-services", Name: "db", Labels: lbl("app", "shared-database")},
			{Namespace: "shared-services", Name: "backend-east", Labels: lbl("app", "backend")},
			{Namespace: "shared-services", Name: "backend-west", Labels: lbl("app", "backend"), Cluster: "cluster-west"},
			{Namespace: "shared-services", Name: "backend-north", Labels: lbl("app", "backend"), Cluster: "cluster-north"},
			{Namespace: "other", Name: "backend", Labels: lbl("app", "backend")},
		},
	}
	e := ciliumEngine(t, loadSeed(t, "13-cross-cluster-policy.yaml"), u)
	db := pod("shared-services", "db")
	checkFlows(t, e, []flowCase{
		allow(tcp(pod("shared-services", "backend-east"), db, 5432), "rule 1"),
		allow(tcp(pod("shared-services", "backend-west"), db, 5432), "rule 2 (remote source: only db's ingress is judged)"),
		deny(tcp(pod("shared-services", "backend-north"), db, 5432), "cluster-north not listed"),
		deny(tcp(pod("shared-services", "backend-east"), db, 5433), "only 5432"),
		deny(tcp(pod("other", "backend"), db, 5432), "namespace-scoped"),
	})
	// Without a cluster label in the peer, Parse scopes it to the local cluster
	// (policy-default-local-cluster).
	local := decodeOne[*ciliumv2.CiliumNetworkPolicy](t, `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: local, namespace: shared-services}
spec:
  endpointSelector: {matchLabels: {app: shared-database}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: backend}}]
`)
	e2 := ciliumEngine(t, []runtime.Object{local}, u)
	checkFlows(t, e2, []flowCase{
		allow(tcp(pod("shared-services", "backend-east"), db, 5432), "local cluster"),
		deny(tcp(pod("shared-services", "backend-west"), db, 5432), "remote cluster, no cluster label"),
	})
}

// Named ports, port ranges, entities, namespace-label selectors, identity
// label filtering and the toServices limit.
func TestCiliumConstructs(t *testing.T) {
	u := prodUniverse()
	u.Pods = append(u.Pods, Pod{Namespace: "staging", Name: "templated",
		Labels: lbl("app", "worker", "pod-template-hash", "abc123")})
	doc := `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: db, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: database}}
  ingress:
  - fromEndpoints:
    - matchLabels: {io.kubernetes.pod.namespace: staging}
    toPorts: [{ports: [{port: postgres, protocol: TCP}]}]
  - fromEndpoints:
    - matchLabels: {io.cilium.k8s.namespace.labels.environment: production}
    toPorts: [{ports: [{port: "6000", endPort: 6010, protocol: UDP}]}]
  - fromEntities: [world]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - fromEndpoints:
    - matchLabels: {pod-template-hash: abc123}
    toPorts: [{ports: [{port: "7000", protocol: TCP}]}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: svc, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: payment-service}}
  egress:
  - toServices: [{k8sService: {serviceName: api, namespace: production}}]
`
	objs, err := DecodeYAML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	e := ciliumEngine(t, objs, u)
	db := pod("production", "db")
	checkFlows(t, e, []flowCase{
		allow(tcp(pod("staging", "worker"), db, 5432), "named port postgres on the destination"),
		deny(tcp(pod("staging", "worker"), db, 5433), "postgres is 5432"),
		deny(tcp(pod("production", "api"), db, 5432), "production pods only get 6000-6010/UDP"),
		allow(udp(pod("production", "api"), db, 6005), "namespace label selector, port range"),
		deny(udp(pod("production", "api"), db, 6011), "past endPort"),
		allow(tcp(ext("203.0.113.7"), db, 443), "world entity matches a CIDR identity"),
		deny(tcp(pod("staging", "worker"), db, 443), "world does not match pods"),
		deny(tcp(pod("staging", "templated"), db, 7000), "pod-template-hash is filtered out of identities"),
	})
	checkCannotJudge(t, e, tcp(pod("production", "payment"), pod("production", "api"), 80))
}

// The engine caches each endpoint's distilled policy (lookupFlow); policy.LookupFlow
// recomputes it for every flow. Both must give the same verdict and deciding rules on
// every flow between the pods, the host and a few external addresses of a universe,
// for every Cilium seed manifest together and for TestCiliumConstructs' policies.
func TestCiliumLookupMatchesLookupFlow(t *testing.T) {
	u := prodUniverse()
	u.Externals = []External{{IP: ip("192.0.2.1")}, {IP: ip("169.254.169.254")}, {IP: ip("2001:db8::1")}}
	var objs []runtime.Object
	for _, n := range []string{"05-l7-api-policy.yaml", "07-block-metadata-access.yaml", "10-audit-default-deny.yaml",
		"11-microservice-pattern.yaml"} {
		objs = append(objs, loadSeed(t, n)...)
	}
	e := ciliumEngine(t, objs, u)
	ends := []Endpoint{HostEndpoint(), ext("192.0.2.1"), ext("169.254.169.254"), ext("2001:db8::1"), ext("198.51.100.9")}
	for _, p := range u.Pods {
		ends = append(ends, pod(p.Namespace, p.Name))
	}
	n := 0
	for _, from := range ends {
		for _, to := range ends {
			if from == to || (!from.IsPod() && !to.IsPod()) {
				continue
			}
			for _, proto := range []string{"TCP", "UDP"} {
				for _, port := range []int32{53, 80, 443, 5432, 8080, 9090} {
					f := Flow{From: from, To: to, Protocol: proto, Port: port}
					flow, _, _, ports, err := e.ciliumFlow(f)
					if err != nil {
						t.Fatalf("%v: %v", f, err)
					}
					got, gotE, gotI, err := e.lookupFlow(flow, flow.From, flow.To, ports)
					if err != nil {
						t.Fatal(err)
					}
					// policy.LookupFlow takes TCP and UDP named ports.
					flow.NamedPortsTCP, flow.NamedPortsUDP = map[string]uint16{}, map[string]uint16{}
					for name, pp := range ports {
						switch pp.Proto {
						case u8proto.TCP:
							flow.NamedPortsTCP[name] = pp.Port
						case u8proto.UDP:
							flow.NamedPortsUDP[name] = pp.Port
						}
					}
					want, wantE, wantI, err := policy.LookupFlow(quietLogger, e.repo, e.idMgr, flow)
					if err != nil {
						t.Fatal(err)
					}
					if got != want || !slices.Equal(ruleNames(gotE), ruleNames(wantE)) || !slices.Equal(ruleNames(gotI), ruleNames(wantI)) {
						t.Errorf("%v: cached lookup %+v (%v, %v), LookupFlow %+v (%v, %v)", f, got, ruleNames(gotE), ruleNames(gotI),
							want, ruleNames(wantE), ruleNames(wantI))
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d flows compared", n)
	}
}

// Reserved identities as flow ends: the cluster entity covers every reserved identity
// but world (pkg/policy/api InitEntities), the remote-node entity also covers the
// kube-apiserver identity (which carries reserved:remote-node), and each other entity
// only its own identity. Other engines refuse reserved ends.
func TestCiliumReservedIdentities(t *testing.T) {
	cnp := decodeOne[*ciliumv2.CiliumNetworkPolicy](t, `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: reserved, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: api-server}}
  enableDefaultDeny: {ingress: false, egress: false}
  ingressDeny:
  - fromEntities: [cluster]
    toPorts: [{ports: [{port: "23", protocol: TCP}]}]
  - fromEntities: [health]
    toPorts: [{ports: [{port: "24", protocol: TCP}]}]
  - fromEntities: [remote-node]
    toPorts: [{ports: [{port: "25", protocol: TCP}]}]
  egressDeny:
  - toEntities: [all]
    toPorts: [{ports: [{port: "26", protocol: TCP}]}]
`)
	e := ciliumEngine(t, []runtime.Object{cnp}, prodUniverse())
	api := pod("production", "api")
	var cases []flowCase
	for _, r := range ReservedIdentities {
		cases = append(cases,
			deny(tcp(ReservedEndpoint(r), api, 23), "cluster covers "+r),
			deny(tcp(api, ReservedEndpoint(r), 26), "all covers "+r),
			allow(tcp(ReservedEndpoint(r), api, 22), "no rule on port 22"))
	}
	cases = append(cases,
		deny(tcp(ReservedEndpoint("health"), api, 24), "health"),
		allow(tcp(ReservedEndpoint("ingress"), api, 24), "health is not ingress"),
		deny(tcp(ReservedEndpoint("kube-apiserver"), api, 25), "the kube-apiserver identity is also a remote node"),
		allow(tcp(ReservedEndpoint("unmanaged"), api, 25), "unmanaged is not a remote node"),
		allow(tcp(ext("192.0.2.1"), api, 23), "world is not in the cluster"))
	checkFlows(t, e, cases)

	np := ciliumEngine(t, nil, prodUniverse())
	checkFlows(t, np, []flowCase{allow(tcp(ReservedEndpoint("init"), api, 23), "no policy")})
	k8s, err := NewNetworkPolicyEngine(nil, prodUniverse())
	if err != nil {
		t.Fatal(err)
	}
	checkCannotJudge(t, k8s, tcp(ReservedEndpoint("health"), api, 80))
}

// ICMP flows: Cilium matches ICMP rules by family and type, and ports rules never match
// ICMP.
func TestCiliumICMP(t *testing.T) {
	cnp := decodeOne[*ciliumv2.CiliumNetworkPolicy](t, `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: icmp, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: api-server}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: frontend}}]
    icmps: [{fields: [{type: 8}, {family: IPv6, type: EchoRequest}]}]
  - fromEndpoints: [{matchLabels: {app: frontend}}]
    toPorts: [{ports: [{port: "80", protocol: TCP}]}]
`)
	e := ciliumEngine(t, []runtime.Object{cnp}, prodUniverse())
	api, fe := pod("production", "api"), pod("production", "frontend")
	icmp := func(from, to Endpoint, family string, typ uint8) Flow {
		return Flow{From: from, To: to, ICMP: &ICMP{Family: family, Type: typ}}
	}
	checkFlows(t, e, []flowCase{
		allow(icmp(fe, api, "IPv4", 8), "echo request"),
		allow(icmp(fe, api, "IPv6", 128), "ICMPv6 echo request by name"),
		deny(icmp(fe, api, "IPv4", 13), "another type"),
		deny(icmp(fe, api, "IPv6", 8), "type 8 of the other family"),
		deny(icmp(pod("production", "other"), api, "IPv4", 8), "another peer"),
		allow(icmp(api, fe, "IPv4", 13), "no egress policy"),
	})
	checkCannotJudge(t, e, icmp(fe, api, "IPv4", 0))
	k8s, err := NewNetworkPolicyEngine(nil, prodUniverse())
	if err != nil {
		t.Fatal(err)
	}
	checkCannotJudge(t, k8s, icmp(fe, api, "IPv4", 8))
}

// The host firewall: a CCNP with a nodeSelector is the policy of the host endpoint of
// every node whose labels it selects (reserved:host plus the node's labels, through the
// identity filter), ingress and egress, and only of host endpoints. The local node's
// policy decides at the host end; the remote node's own policy decides at the
// remote-node end, where the other end is seen by its identity. Pods still take
// everything from their own node (allow-localhost), and with the host firewall on
// ICMPv6 other than echo never reaches the host policies.
func TestCiliumHostFirewall(t *testing.T) {
	ccnp := decodeOne[*ciliumv2.CiliumClusterwideNetworkPolicy](t, `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: workers}
spec:
  nodeSelector: {matchLabels: {role: worker}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: frontend, k8s:io.kubernetes.pod.namespace: production}}]
    toPorts: [{ports: [{port: "10250", protocol: TCP}]}]
  - fromEntities: [world]
    toPorts: [{ports: [{port: "22", protocol: TCP}]}]
  - fromEndpoints: [{matchLabels: {app: frontend}}]
    icmps: [{fields: [{family: IPv6, type: EchoRequest}]}]
  egress:
  - toEndpoints: [{matchLabels: {app: database}}]
    toPorts: [{ports: [{port: "5432", protocol: TCP}]}]
  - toCIDR: [192.0.2.0/24]
`)
	zoned := decodeOne[*ciliumv2.CiliumClusterwideNetworkPolicy](t, `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: zoned}
spec:
  nodeSelector: {matchLabels: {topology.kubernetes.io/zone: a}}
  ingress: [{fromEntities: [world]}]
`)
	u := prodUniverse()
	u.HostLabels = lbl("role", "worker", "topology.kubernetes.io/zone", "a")
	u.RemoteNodeLabels = lbl("role", "worker")
	e := ciliumEngine(t, []runtime.Object{ccnp, zoned}, u)
	host, remote := HostEndpoint(), ReservedEndpoint("remote-node")
	fe, db, api := pod("production", "frontend"), pod("production", "db"), pod("production", "api")
	icmp6 := func(from, to Endpoint, typ uint8) Flow {
		return Flow{From: from, To: to, ICMP: &ICMP{Family: "IPv6", Type: typ}}
	}
	checkFlows(t, e, []flowCase{
		allow(tcp(fe, host, 10250), "host ingress from production frontends"),
		deny(tcp(fe, host, 8080), "host ingress: default deny"),
		deny(tcp(pod("staging", "frontend"), host, 10250), "another namespace"),
		allow(tcp(ext("198.51.100.1"), host, 22), "world may ssh"),
		deny(tcp(ext("198.51.100.1"), host, 80), "world only on 22"),
		allow(tcp(host, db, 5432), "host egress to the database"),
		deny(tcp(host, api, 80), "host egress to a local pod: the host policy applies"),
		allow(tcp(host, ext("192.0.2.7"), 443), "toCIDR"),
		deny(tcp(host, ext("198.51.100.1"), 443), "host egress: default deny"),
		allow(tcp(fe, remote, 10250), "the remote node's own policy admits the frontend"),
		deny(tcp(api, remote, 10250), "at the remote node, the source is the api pod"),
		allow(tcp(remote, db, 5432), "remote node egress to the database"),
		deny(tcp(remote, api, 80), "remote node egress: default deny"),
		allow(icmp6(fe, host, 128), "ICMPv6 echo reaches the host policy"),
		deny(icmp6(api, host, 128), "not a frontend"),
	})
	checkCannotJudge(t, e, icmp6(api, host, 135))

	// Node labels the identity filter drops select nothing: the zone label does not
	// make the local node's policy admit all of world.
	if d, err := e.Decide(tcp(ext("198.51.100.1"), host, 80)); err != nil || d.Allowed {
		t.Errorf("topology.kubernetes.io/zone is not an identity label: %+v, %v", d, err)
	}

	// Nodes the nodeSelector does not select, and pods, are not subject to it.
	u.HostLabels, u.RemoteNodeLabels = lbl("role", "control-plane"), nil
	e = ciliumEngine(t, []runtime.Object{ccnp}, u)
	checkFlows(t, e, []flowCase{
		allow(tcp(fe, host, 8080), "host not selected"),
		allow(tcp(host, api, 80), "host not selected"),
		allow(tcp(api, remote, 80), "remote node not selected"),
		allow(tcp(remote, api, 80), "remote node not selected"),
		allow(tcp(api, fe, 80), "pods are not selected by a nodeSelector"),
	})
	// The host firewall is on for every node, selected or not.
	checkCannotJudge(t, e, icmp6(api, host, 135))
}

// Named ports of every protocol: the agent resolves a rule's port name against the
// destination pod's container ports of the rule's protocol (pkg/endpoint
// GetIngressNamedPort, types.NamedPortMap.GetNamedPort), SCTP included, at ingress from
// the pod's own ports and at egress from the ports of the selected pods.
func TestCiliumNamedPortsSCTP(t *testing.T) {
	cnp := decodeOne[*ciliumv2.CiliumNetworkPolicy](t, `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: diameter, namespace: production}
spec:
  endpointSelector: {matchLabels: {app: database}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: frontend}}]
    toPorts: [{ports: [{port: diameter, protocol: SCTP}]}]
  egress:
  - toEndpoints: [{matchLabels: {app: api-server}}]
    toPorts: [{ports: [{port: diameter, protocol: SCTP}]}]
`)
	u := prodUniverse()
	for i, p := range u.Pods {
		if p.Name == "db" || p.Name == "api" {
			u.Pods[i].NamedPorts = map[string]NamedPort{"diameter": {Protocol: "SCTP", Port: 3868}, "postgres": {Port: 5432}}
		}
	}
	e := ciliumEngine(t, []runtime.Object{cnp}, u)
	db, api, fe := pod("production", "db"), pod("production", "api"), pod("production", "frontend")
	sctp := func(from, to Endpoint, port int32) Flow {
		return Flow{From: from, To: to, Protocol: "SCTP", Port: port}
	}
	checkFlows(t, e, []flowCase{
		allow(sctp(fe, db, 3868), "ingress: db's SCTP port named diameter"),
		deny(tcp(fe, db, 3868), "the name is an SCTP port"),
		deny(sctp(fe, db, 5432), "another port"),
		allow(sctp(db, api, 3868), "egress: api's SCTP port named diameter"),
		deny(sctp(db, fe, 3868), "frontend is not selected"),
	})
}
