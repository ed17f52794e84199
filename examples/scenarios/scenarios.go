// Package scenarios holds the intent behind every example program and every seed manifest
// of the guide, as functions that build a policy.Set. The example programs print them for
// any backend; the backends' golden tests compile all of them.
package scenarios

import "github.com/netintent/netintent/policy"

// Scenario is one example: a Set and where it comes from.
type Scenario struct {
	// Name is the example's directory under examples/ and the base name of golden files.
	Name string
	// Summary says in one line what the intent is.
	Summary string
	// Seed is the file name of the seed manifest (a copy of each is in k8snp/testdata/seed)
	// this scenario expresses, or empty.
	Seed string
	// Build returns a fresh Set.
	Build func() *policy.Set
	// Refused declares, per backend ("k8snp", "cilium", "calico"), the constructs it
	// refuses in the Set with default options, sorted; a backend not named compiles it.
	// The backends' tests assert it, so that a change of capability shows.
	Refused map[string][]string
}

// All returns every scenario, sorted by name.
func All() []Scenario {
	return []Scenario{
		{Name: "api-server", Summary: "ingress from frontends and an address range, egress to the database and DNS", Seed: "01-api-server-policy.yaml", Build: APIServer,
			Refused: map[string][]string{"k8snp": {"CIDR peers"}, "calico": {"CIDR peers"}}},
		{Name: "audit-rollout", Summary: "namespace default-deny rolled out in audit mode first", Seed: "10-audit-default-deny.yaml", Build: AuditRollout,
			Refused: map[string][]string{"k8snp": {"audit mode"}, "cilium": {"audit mode"}}},
		{Name: "block-external", Summary: "cluster guardrail: no egress outside 10.0.0.0/8", Seed: "12-security-block-external.yaml", Build: BlockExternal,
			Refused: map[string][]string{"k8snp": {"cluster scope"}, "calico": {"CIDR peers"}}},
		{Name: "block-metadata", Summary: "cluster guardrail: no pod reaches the cloud metadata service", Seed: "07-block-metadata-access.yaml", Build: BlockMetadata,
			Refused: map[string][]string{"k8snp": {"cluster scope"}, "calico": {"CIDR peers"}}},
		{Name: "cross-cluster", Summary: "cluster-mesh backends of two clusters reach a shared database", Seed: "13-cross-cluster-policy.yaml", Build: CrossCluster,
			Refused: map[string][]string{"k8snp": {"cluster-mesh peers"}, "calico": {"cluster-mesh peers"}}},
		{Name: "default-deny", Summary: "namespace default-deny that keeps DNS working", Seed: "02-default-deny-all.yaml", Build: DefaultDeny},
		{Name: "deny-internet", Summary: "production workloads reach private ranges and DNS only", Seed: "08-deny-egress-to-internet.yaml", Build: DenyInternet,
			Refused: map[string][]string{"k8snp": {"cluster scope"}, "calico": {"CIDR peers"}}},
		{Name: "dns-egress", Summary: "egress to external APIs by DNS name", Seed: "06-dns-based-egress.yaml", Build: DNSEgress,
			Refused: map[string][]string{"k8snp": {"FQDN peers", "L7 DNS rules"}, "calico": {"DNS lookup rules", "FQDN peers"}}},
		{Name: "ecommerce", Summary: "the design card: microservices, HTTP rules, default-deny, a guardrail", Build: Ecommerce,
			Refused: map[string][]string{"k8snp": {"L7 HTTP rules", "cluster scope"}, "calico": {"CIDR peers", "L7 HTTP rules"}}},
		{Name: "federation", Summary: "frontends reach API gateways in every namespace over TCP", Seed: "14-federated-service-access.yaml", Build: Federation,
			Refused: map[string][]string{"k8snp": {"cluster scope"}}},
		{Name: "l7-api", Summary: "HTTP method, path and header rules for an API", Seed: "05-l7-api-policy.yaml", Build: L7API,
			Refused: map[string][]string{"k8snp": {"L7 HTTP rules"}, "calico": {"L7 HTTP rules"}}},
		{Name: "microservice", Summary: "one service's ingress at L7 and its egress to two services", Seed: "11-microservice-pattern.yaml", Build: Microservice,
			Refused: map[string][]string{"k8snp": {"L7 HTTP rules"}, "calico": {"L7 HTTP rules"}}},
		{Name: "microservice-l4", Summary: "the L3/L4 part of the microservice pattern", Seed: "11-microservice-pattern.yaml", Build: MicroserviceL4},
		{Name: "namespace-isolation", Summary: "pods of a namespace accept traffic only from the namespace", Seed: "04-namespace-isolation.yaml", Build: NamespaceIsolation},
		{Name: "tiers", Summary: "a security tier drops known threats and passes the rest on", Seed: "09-security.block-known-threats.yaml", Build: Tiers,
			Refused: map[string][]string{"k8snp": {"cluster scope"}, "cilium": {"pass rules", "tiers"}, "calico": {"CIDR peers"}}},
	}
}

// Ecommerce is the design card: order-service accepts two HTTP calls from api-gateway and
// calls inventory and payment; the namespace is default-deny (DNS stays open) and no pod
// may reach the cloud metadata service.
func Ecommerce() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	set.Service("order-service").
		AllowFrom("api-gateway").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
		AllowTo("inventory-service").TCP(8080).
		AllowTo("payment-service").TCP(8080)
	set.Namespace("ecommerce").DefaultDeny()
	set.Cluster("block-metadata-access").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
	return set
}

// APIServer is seed 01. api-server accepts TCP 8080 from frontend pods of namespaces
// labelled environment=production and from 10.0.0.0/8 except 10.0.1.0/24; it sends to the
// database on TCP 5432 and UDP 53 to any pod.
//
// The seed opens UDP 53 to every pod of every namespace, not only to kube-dns, and no TCP
// 53 (large answers fall back to TCP). The intent keeps the seed's rule and opts out of
// the automatic kube-dns allowance. An allow to every pod of every namespace is not
// mirrored (it names no workloads), and the seed's ingress rule is one-sided: frontend
// pods whose own egress is isolated must allow the edge themselves. One difference
// remains, by design: the CIDR peer means addresses outside the cluster, while the seed's
// ipBlock also admits the cluster's own pods and nodes in 10.0.0.0/8 where ipBlocks match
// them (Calico, iptables-based CNIs), so backends except the cluster's ranges
// (k8snp.ClusterCIDRs).
func APIServer() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("production"))
	set.Service("api-server").Named("api-server-policy").WithoutDNS().
		AllowFrom(
			policy.Namespaces(policy.MatchLabels{"environment": "production"}).Pods(policy.MatchLabels{"role": "frontend"}),
			policy.CIDR("10.0.0.0/8", "10.0.1.0/24"),
		).TCP(8080).OneSided(). // the seed guards the api-server's side only
		AllowTo("database").TCP(5432).
		AllowTo(policy.AllNamespaces()).UDP(53)
	return set
}

// DefaultDeny is seeds 02 and 03: every pod of production is isolated in both directions,
// and keeps DNS.
//
// Seed 03 lets pods reach port 53 of any pod in any namespace; the intent keeps that scope
// through the DNSService option. The default (policy.KubeDNS) is tighter and preferable.
// The seeds are two objects; the output folds the DNS allowance into the object that
// isolates, so that the namespace is never isolated without DNS, not even between two
// kubectl applies.
func DefaultDeny() *policy.Set {
	set := policy.NewSet(policy.DNSService(policy.AllNamespaces(),
		policy.Port{Protocol: policy.UDP, Port: 53}, policy.Port{Protocol: policy.TCP, Port: 53}))
	set.Namespace("production").Named("default-deny-all").DefaultDeny()
	return set
}

// NamespaceIsolation is seed 04: pods of team-alpha accept traffic only from pods of
// team-alpha. Egress stays open.
func NamespaceIsolation() *policy.Set {
	set := policy.NewSet()
	set.Namespace("team-alpha").AllowSameNamespace().Named("namespace-isolation")
	return set
}

// L7API is seed 05: api-server accepts from frontend on TCP 8080 only three HTTP calls;
// the POST must carry Content-Type: application/json.
//
// Cilium matches paths as regular expressions over the whole path; the seed's literal
// paths contain no metacharacters except '.', none here, so they mean exact paths. The
// intent states exact paths and the Cilium backend escapes them.
func L7API() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("production"))
	set.Service("api-server").Named("l7-api-policy").
		AllowFrom("frontend").TCP(8080).
		HTTP("GET", "/api/v1/products").
		HTTPRequest(policy.HTTPMatch{Method: "POST", Path: "/api/v1/orders",
			Headers: []policy.Header{{Name: "Content-Type", Value: "application/json"}}}).
		HTTP("GET", "/healthz")
	return set
}

// DNSEgress is seed 06: payment-service reaches *.stripe.com and *.amazonaws.com on TCP
// 443, and may look up only those names.
//
// The seed allows DNS with protocol ANY (UDP, TCP and SCTP); the intent allows UDP and TCP
// 53, which is what DNS uses. "*.stripe.com" matches one label before stripe.com
// (api.stripe.com), not stripe.com itself nor deeper names.
func DNSEgress() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("production"))
	set.Service("payment-service").Named("dns-based-egress").WithoutDNS().
		AllowTo(policy.FQDN("*.stripe.com"), policy.FQDN("*.amazonaws.com")).TCP(443)
	return set
}

// BlockMetadata is seed 07: no pod may reach the cloud metadata service on TCP 80.
//
// In Cilium 1.20 a policy with only deny rules still puts every endpoint it selects into
// default-deny for that direction unless enableDefaultDeny says otherwise: the seed, as
// written, cuts all egress of every pod in the cluster. The emitted policy sets
// enableDefaultDeny.egress to false, so the guardrail denies only what it names.
func BlockMetadata() *policy.Set {
	set := policy.NewSet()
	set.Cluster("block-metadata-access").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
	return set
}

// DenyInternet is seed 08: workloads labelled environment=production may send only to
// private ranges and to UDP 53 anywhere.
//
// Calico's nets match pod addresses too, so the seed's private ranges also stand for the
// cluster's pods; the intent says so with AllNamespaces. The seed's final deny of
// everything outside the private ranges is implied: the allows isolate the workloads.
func DenyInternet() *policy.Set {
	set := policy.NewSet()
	set.Cluster("deny-egress-to-internet").Select(policy.MatchLabels{"environment": "production"}).WithoutDNS().
		AllowTo(policy.AllNamespaces(), policy.CIDR("10.0.0.0/8"), policy.CIDR("172.16.0.0/12"), policy.CIDR("192.168.0.0/16")).
		AllowTo(policy.Any()).UDP(53)
	return set
}

// Tiers is seed 09: a security tier drops traffic from and to a known-bad range and
// passes everything else to the next tier; a platform tier follows.
func Tiers() *policy.Set {
	set := policy.NewSet()
	set.Tier("security", 100)
	set.Tier("platform", 200)
	set.Cluster("block-known-threats").InTier("security", 10).
		DenyFrom(policy.CIDR("198.51.100.0/24")).
		PassFrom(policy.Any()).
		DenyTo(policy.CIDR("198.51.100.0/24")).
		PassTo(policy.Any())
	return set
}

// AuditRollout is seed 10: staging becomes default-deny (DNS stays open), first in audit
// mode so that would-be drops are reported, not dropped.
//
// Cilium 1.20 has no per-policy audit mode: the seed's policy.cilium.io/audit-mode
// annotation is read by nothing, so the seed enforces default-deny at once. The Cilium
// backend refuses audit intent; Calico emits a staged policy. The seed also allows the
// node in both directions: from the node needs no rule (a pod's own node always reaches
// it, kubelet probes included), and egress to host-network services is better named by
// their ports once the audit shows which are used.
func AuditRollout() *policy.Set {
	set := policy.NewSet()
	set.Namespace("staging").Named("audit-default-deny").DefaultDeny().Audit()
	return set
}

// Microservice is seed 11: order-service accepts POST /orders and GET /orders/<id> from
// api-gateway on TCP 8080 and calls inventory-service and payment-service on TCP 8080.
//
// The seed's DNS rule uses protocol ANY; the automatic DNS allowance uses UDP and TCP 53.
func Microservice() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	set.Service("order-service").Named("microservice-pattern").
		AllowFrom("api-gateway").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
		AllowTo("inventory-service").TCP(8080).
		AllowTo("payment-service").TCP(8080)
	return set
}

// MicroserviceL4 is the L3/L4 part of seed 11, which plain NetworkPolicy can express.
func MicroserviceL4() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	set.Service("order-service").Named("microservice-pattern").
		AllowFrom("api-gateway").TCP(8080).
		AllowTo("inventory-service").TCP(8080).
		AllowTo("payment-service").TCP(8080)
	return set
}

// BlockExternal is seed 12: no pod sends to addresses outside 10.0.0.0/8.
//
// The seed is a GlobalNetworkPolicy in Calico's default tier whose only rule is a deny: a
// tier that selects an endpoint and decides nothing drops at its end, so the seed drops
// all egress of every pod, DNS included. The intent is a guardrail: deny outside
// 10.0.0.0/8 (IPv4 and IPv6), nothing else.
func BlockExternal() *policy.Set {
	set := policy.NewSet()
	set.Cluster("security-block-external").
		DenyTo(policy.CIDR("0.0.0.0/0", "10.0.0.0/8"), policy.CIDR("::/0"))
	return set
}

// CrossCluster is seed 13: shared-database accepts TCP 5432 from backend pods of the same
// namespace in the cluster-mesh clusters cluster-east and cluster-west.
func CrossCluster() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("shared-services"))
	set.Service("shared-database").Named("cross-cluster-policy").
		AllowFrom(
			policy.Service("backend").InCluster("cluster-east"),
			policy.Service("backend").InCluster("cluster-west"),
		).TCP(5432)
	return set
}

// Federation is seed 14: frontend workloads reach api-gateway workloads over TCP.
//
// The seed's namespaceSelector global() selects non-namespaced endpoints (host endpoints
// and global network sets), not pods of federated clusters: it matches no api-gateway pod
// at all. The intent is what the prose asks for, within the cluster: api-gateway pods of
// every namespace. Egress isolation of the frontends keeps DNS, which the seed forgets.
func Federation() *policy.Set {
	set := policy.NewSet()
	set.Cluster("federated-service-access").Select(policy.MatchLabels{"app": "frontend"}).
		AllowTo(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "api-gateway"})).AllPorts(policy.TCP)
	return set
}
