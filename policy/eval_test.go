package policy_test

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/fqdn/dns"
	"github.com/cilium/cilium/pkg/fqdn/matchpattern"

	"github.com/netintent/netintent/policy"
)

// evalSet is one rich Set covering every feature of the reference semantics; each
// namespace holds one theme so that the themes do not interfere.
func evalSet() *policy.Set {
	s := policy.NewSet(policy.DefaultNamespace("shop"))

	// shop: the design card. Namespace default-deny, L7 on order, mirrored edges.
	s.Service("order").
		AllowFrom("gw").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
		AllowTo("inventory").TCP(8080).
		AllowTo("payment").TCP(8080)
	s.Namespace("shop").Labels(nil).DefaultDeny()
	s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)

	// open: nothing isolates it; a crawler that allows the world but denies 10/8.
	s.ServiceIn("open", "crawler").
		AllowTo(policy.World()).TCP(80, 443).
		DenyTo(policy.CIDR("10.0.0.0/8"))

	// net: CIDRs with except, IPv4 and IPv6.
	s.ServiceIn("net", "proxy").
		AllowTo(policy.CIDR("10.0.0.0/8", "10.1.0.0/16")).TCP(443).
		AllowTo(policy.CIDR("2001:db8::/32", "2001:db8:1::/48")).TCP(443)

	// ent: entities.
	s.ServiceIn("ent", "agent").
		AllowTo(policy.World()).TCP(443).
		AllowTo(policy.KubeAPIServer()).TCP(6443).
		AllowTo(policy.Host()).TCP(10250).
		AllowTo(policy.RemoteNodes()).TCP(10255).
		AllowTo(policy.WholeCluster()).TCP(9100)
	s.ServiceIn("ent", "kubelet-target").AllowFrom(policy.Host()).TCP(8080).AllowFrom(policy.RemoteNodes()).TCP(8081)

	// ports: named ports, ranges, SCTP, ICMP.
	s.ServiceIn("ports", "srv").
		AllowFrom(policy.SameNamespace()).NamedPort("metrics").PortRange(policy.TCP, 30000, 30010).SCTP(3868).UDP(5000).
		Port(policy.Port{Protocol: policy.UDP, Name: "syslog"}).
		AllowFrom(policy.SameNamespace()).ICMP(8, 0).ICMPv6(128)

	// sa: service accounts.
	s.ServiceIn("sa", "vault").
		AllowFrom(policy.ServiceAccount("sa", "reader")).TCP(8200).
		AllowFrom(policy.ServiceIn("sa", "admin").WithServiceAccount("root")).TCP(8201)

	// mesh: cluster mesh peers.
	s.ServiceIn("mesh", "api").
		AllowFrom(policy.ServiceIn("mesh", "web")).TCP(80).
		AllowFrom(policy.ServiceIn("mesh", "web").InCluster("east")).TCP(81)

	// db: namespace selectors, declared labels, the name label.
	s.ServiceIn("db", "pg").
		AllowFrom(policy.Namespaces(policy.MatchLabels{"team": "data"})).TCP(5432).
		AllowFrom(policy.Namespaces(policy.MatchLabels{policy.NamespaceNameLabel: "etl"})).TCP(5433).
		AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"role": "backup"})).TCP(5434).
		AllowFrom(policy.Namespaces(policy.MatchLabels{"team": "data"}).Pods(policy.MatchLabels{"app": "loader"})).TCP(5435)
	s.Namespace("warehouse").Labels(map[string]string{"team": "data"}).DefaultDenyEgress()

	// pay: FQDN and DNS rules.
	s.ServiceIn("pay", "payments").
		AllowTo(policy.FQDN("api.stripe.com")).TCP(443).
		AllowTo(policy.FQDN("*.s3.amazonaws.com")).TCP(443)
	s.ServiceIn("pay", "batch").WithoutDNS().AllowTo(policy.FQDN("*.stripe.com")).TCP(443)
	s.ServiceIn("pay", "resolver").WithoutDNS().AllowTo(policy.KubeDNS()).UDP(53).DNS("*.internal.example.com")
	s.ServiceIn("pay", "offline").WithoutDNS().DefaultDenyEgress()

	// api: HTTP semantics.
	s.ServiceIn("api", "backend").AllowFrom(policy.ServiceIn("api", "frontend")).TCP(8080).
		HTTPPrefix("GET", "/static/").
		HTTPRequest(policy.HTTPMatch{Method: "PUT", Path: "/items", Headers: []policy.Header{{Name: "X-Api-Key", Value: "k1"}}}).
		HTTPRequest(policy.HTTPMatch{Host: "api.example.com", Path: "/host-only"}).
		GRPC("shop.v1.Orders", "Get").
		GRPC("shop.v1.Admin", "")

	// tiered: tiers, Pass, end-of-tier drop, DefaultPass, tiered allow beating an untiered deny.
	tiered := policy.MatchLabels{policy.NamespaceNameLabel: "tiered"}
	s.Tier("security", 10)
	s.Tier("platform", 20).DefaultPass()
	s.Cluster("sec-first").InNamespaces(tiered).InTier("security", 1).
		DenyTo(policy.CIDR("10.0.0.0/8")).TCP(22).
		PassTo(policy.CIDR("10.0.0.0/8")).
		AllowTo(policy.CIDR("192.168.0.0/16")).TCP(443)
	s.Cluster("sec-second").InNamespaces(tiered).InTier("security", 2).
		AllowTo(policy.CIDR("10.0.0.0/8")).TCP(22). // shadowed by sec-first's deny
		AllowTo(policy.CIDR("172.16.0.0/12")).TCP(443).
		PassTo(policy.World())
	s.Cluster("plat").InNamespaces(tiered).InTier("platform", 1).
		AllowTo(policy.CIDR("10.1.0.0/16")).TCP(80).
		DenyTo(policy.CIDR("8.8.8.8/32"))
	s.ServiceIn("tiered", "app").DenyTo(policy.CIDR("192.168.0.0/16")).DenyTo(policy.CIDR("1.1.1.1/32"))

	// staging: audit mode.
	s.Namespace("staging").Labels(nil).DefaultDeny().Audit()
	s.ServiceIn("staging", "web").AllowFrom(policy.ServiceIn("staging", "lb")).TCP(80)
	s.Cluster("audit-deny").Audit().DenyTo(policy.CIDR("9.9.9.9/32"))

	// hosts.
	s.Host("bastion").Select(policy.MatchLabels{"role": "bastion"}).AllowFrom(policy.CIDR("203.0.113.0/24")).TCP(22)
	return s
}

// end is the expected decision of one end of a flow; judged false means not judged.
type end struct {
	judged, allowed   bool
	policy, rule, why string
}

var notJudged = end{}

func isolatedNoMatch(dir string) end {
	return end{judged: true, why: "isolated for " + dir + " and no allow rule matches"}
}

func notIsolated(dir string) end {
	return end{judged: true, allowed: true, why: "not isolated for " + dir}
}

func allowedBy(policy, rule string) end {
	return end{judged: true, allowed: true, policy: policy, rule: rule, why: "allowed"}
}

func mirroredBy(policy, rule string) end {
	return end{judged: true, allowed: true, policy: policy, rule: rule, why: "allowed (mirrored from the other end)"}
}

func deniedBy(policy, rule string) end {
	return end{judged: true, policy: policy, rule: rule, why: "denied"}
}

func dnsBy(policy string) end {
	return end{judged: true, allowed: true, policy: policy, why: "allowed: DNS stays open for egress-isolated workloads"}
}

func inTier(allowed bool, policy, rule, why string) end {
	return end{judged: true, allowed: allowed, policy: policy, rule: rule, why: why}
}

func withHTTP(f policy.Flow, method, path string, headers ...policy.Header) policy.Flow {
	f.HTTP = &policy.HTTPRequest{Method: method, Path: path, Headers: headers}
	return f
}

func withHost(f policy.Flow, host string) policy.Flow {
	f.HTTP.Host = host
	return f
}

func withQuery(f policy.Flow, name string) policy.Flow {
	f.DNSQuery = name
	return f
}

func withNamedPorts(e policy.Endpoint, ports map[string]policy.Port) policy.Endpoint {
	e.NamedPorts = ports
	return e
}

func withSA(e policy.Endpoint, sa string) policy.Endpoint {
	e.ServiceAccount = sa
	return e
}

func inCluster(e policy.Endpoint, cluster string) policy.Endpoint {
	e.Cluster = cluster
	return e
}

func withNSLabels(e policy.Endpoint, labels map[string]string) policy.Endpoint {
	e.NamespaceLabels = labels
	return e
}

func icmp(from, to policy.Endpoint, fam policy.IPFamily, typ int32, code *int32) policy.Flow {
	return policy.Flow{From: from, To: to, ICMP: &policy.ICMP{Family: fam, Type: typ, Code: code}}
}

func node(kind policy.EndpointKind, role string) policy.Endpoint {
	return policy.Endpoint{Kind: kind, Labels: map[string]string{"role": role}}
}

func TestEvaluate(t *testing.T) {
	m := mustModel(t, evalSet())
	const (
		order    = "services[shop/order]"
		crawler  = "services[open/crawler]"
		proxy    = "services[net/proxy]"
		agent    = "services[ent/agent]"
		kubelet  = "services[ent/kubelet-target]"
		srv      = "services[ports/srv]"
		vault    = "services[sa/vault]"
		meshAPI  = "services[mesh/api]"
		pg       = "services[db/pg]"
		payments = "services[pay/payments]"
		batch    = "services[pay/batch]"
		resolver = "services[pay/resolver]"
		backend  = "services[api/backend]"
	)
	gw, ord, inv := pod("shop", "gw"), pod("shop", "order"), pod("shop", "inventory")
	stranger := pod("shop", "stranger")
	client := pod("open", "client")
	crawl := pod("open", "crawler")
	prx := pod("net", "proxy")
	agt := pod("ent", "agent")
	srvPod := withNamedPorts(pod("ports", "srv"), map[string]policy.Port{
		"metrics": {Protocol: policy.TCP, Port: 9090}, "syslog": {Protocol: policy.UDP, Port: 514}})
	portsClient := pod("ports", "client")
	vaultPod := pod("sa", "vault")
	meshAPIPod := pod("mesh", "api")
	pgPod := pod("db", "pg")
	fe := pod("api", "frontend")
	be := pod("api", "backend")
	app := pod("tiered", "app")
	bastion := node(policy.EndpointHost, "bastion")
	dnsPod := kubeDNSPod()

	cases := []struct {
		name     string
		flow     policy.Flow
		allowed  bool
		src, dst end
	}{
		// Design card, isolation by allow, both ends, mirroring.
		{"mirroring lets the isolated gateway send", tcp(gw, ord, 8080), true,
			mirroredBy("shop/gw", order+".ingress[0]"), allowedBy("shop/order", order+".ingress[0]")},
		{"wrong port is denied at both ends", tcp(gw, ord, 8081), false,
			isolatedNoMatch("egress"), isolatedNoMatch("ingress")},
		{"order reaches inventory (mirrored into inventory)", tcp(ord, inv, 8080), true,
			allowedBy("shop/order", order+".egress[0]"), mirroredBy("shop/inventory", order+".egress[0]")},
		{"inventory cannot call order back", tcp(inv, ord, 8080), false,
			isolatedNoMatch("egress"), isolatedNoMatch("ingress")},
		{"namespace default deny isolates other pods", tcp(stranger, gw, 80), false,
			isolatedNoMatch("egress"), isolatedNoMatch("ingress")},
		{"both ends: open source, closed destination", tcp(client, ord, 8080), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"both ends: closed source, open destination", tcp(ord, client, 80), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"nothing isolates open pods", tcp(client, pod("open", "other"), 1234), true,
			notIsolated("egress"), notIsolated("ingress")},

		// L7.
		{"HTTP exact match", withHTTP(tcp(gw, ord, 8080), "POST", "/orders"), true,
			mirroredBy("shop/gw", order+".ingress[0]"), allowedBy("shop/order", order+".ingress[0]")},
		{"HTTP exact is exact", withHTTP(tcp(gw, ord, 8080), "POST", "/orders/"), false,
			mirroredBy("shop/gw", order+".ingress[0]"), isolatedNoMatch("ingress")},
		{"HTTP method must match", withHTTP(tcp(gw, ord, 8080), "DELETE", "/orders"), false,
			mirroredBy("shop/gw", order+".ingress[0]"), isolatedNoMatch("ingress")},
		{"HTTP regex match", withHTTP(tcp(gw, ord, 8080), "GET", "/orders/12"), true,
			mirroredBy("shop/gw", order+".ingress[0]"), allowedBy("shop/order", order+".ingress[0]")},
		{"HTTP regex is anchored at the end", withHTTP(tcp(gw, ord, 8080), "GET", "/orders/1/x"), false,
			mirroredBy("shop/gw", order+".ingress[0]"), isolatedNoMatch("ingress")},
		{"HTTP regex is anchored at the start", withHTTP(tcp(gw, ord, 8080), "GET", "/v1/orders/1"), false,
			mirroredBy("shop/gw", order+".ingress[0]"), isolatedNoMatch("ingress")},
		{"HTTP regex no match", withHTTP(tcp(gw, ord, 8080), "GET", "/orders/ab"), false,
			mirroredBy("shop/gw", order+".ingress[0]"), isolatedNoMatch("ingress")},
		{"HTTP prefix", withHTTP(tcp(fe, be, 8080), "GET", "/static/app.js"), true,
			notIsolated("egress"), allowedBy("api/backend", backend+".ingress[0]")},
		{"HTTP prefix needs the whole prefix", withHTTP(tcp(fe, be, 8080), "GET", "/static"), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"HTTP prefix with other method", withHTTP(tcp(fe, be, 8080), "POST", "/static/x"), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"header names are case-insensitive", withHTTP(tcp(fe, be, 8080), "PUT", "/items", policy.Header{Name: "x-api-key", Value: "k1"}), true,
			notIsolated("egress"), allowedBy("api/backend", backend+".ingress[0]")},
		{"header values are exact", withHTTP(tcp(fe, be, 8080), "PUT", "/items", policy.Header{Name: "X-Api-Key", Value: "K1"}), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"missing header", withHTTP(tcp(fe, be, 8080), "PUT", "/items"), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"extra headers are fine", withHTTP(tcp(fe, be, 8080), "PUT", "/items", policy.Header{Name: "A", Value: "b"}, policy.Header{Name: "X-API-KEY", Value: "k1"}), true,
			notIsolated("egress"), allowedBy("api/backend", backend+".ingress[0]")},
		{"host matches", withHost(withHTTP(tcp(fe, be, 8080), "DELETE", "/host-only"), "api.example.com"), true,
			notIsolated("egress"), allowedBy("api/backend", backend+".ingress[0]")},
		{"host differs", withHost(withHTTP(tcp(fe, be, 8080), "GET", "/host-only"), "other.example.com"), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"gRPC method", withHTTP(tcp(fe, be, 8080), "POST", "/shop.v1.Orders/Get"), true,
			notIsolated("egress"), allowedBy("api/backend", backend+".ingress[0]")},
		{"gRPC other method", withHTTP(tcp(fe, be, 8080), "POST", "/shop.v1.Orders/List"), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"gRPC whole service", withHTTP(tcp(fe, be, 8080), "POST", "/shop.v1.Admin/Reset"), true,
			notIsolated("egress"), allowedBy("api/backend", backend+".ingress[0]")},
		{"gRPC is POST", withHTTP(tcp(fe, be, 8080), "GET", "/shop.v1.Orders/Get"), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"no HTTP info: the connection is admitted", tcp(fe, be, 8080), true,
			notIsolated("egress"), allowedBy("api/backend", backend+".ingress[0]")},
		{"L7 rule does not open other ports", tcp(fe, be, 8081), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},

		// Deny wins, deny never isolates.
		{"guardrail denies even isolated pods", tcp(ord, ext("169.254.169.254"), 80), false,
			deniedBy("block-metadata", "cluster[block-metadata].egress[0]"), notJudged},
		{"guardrail wins over an allow", tcp(crawl, ext("169.254.169.254"), 80), false,
			deniedBy("block-metadata", "cluster[block-metadata].egress[0]"), notJudged},
		{"guardrail is port-specific", tcp(crawl, ext("169.254.169.254"), 443), true,
			allowedBy("open/crawler", crawler+".egress[0]"), notJudged},
		{"deny-only guardrail leaves other egress open", tcp(client, ext("1.1.1.1"), 443), true,
			notIsolated("egress"), notJudged},
		{"deny-only guardrail on the guarded port", tcp(client, ext("169.254.169.254"), 80), false,
			deniedBy("block-metadata", "cluster[block-metadata].egress[0]"), notJudged},
		{"service deny wins over its own earlier allow", tcp(crawl, ext("10.1.2.3"), 443), false,
			deniedBy("open/crawler", crawler+".egress[1]"), notJudged},
		{"service deny never isolates ingress", tcp(client, crawl, 8080), true,
			notIsolated("egress"), notIsolated("ingress")},
		{"allow isolates: other ports closed", tcp(crawl, ext("1.1.1.1"), 22), false,
			isolatedNoMatch("egress"), notJudged},

		// DNS.
		{"DNS over UDP to kube-dns", udp(ord, dnsPod, 53), true,
			dnsBy("shop/namespace-defaults"), notIsolated("ingress")},
		{"DNS over TCP to kube-dns", tcp(ord, dnsPod, 53), true,
			dnsBy("shop/namespace-defaults"), notIsolated("ingress")},
		{"DNS allowance is not L7-restricted", withQuery(udp(ord, dnsPod, 53), "anything.example.org"), true,
			dnsBy("shop/namespace-defaults"), notIsolated("ingress")},
		{"DNS allowance for a service's own isolation", udp(pod("net", "proxy"), dnsPod, 53), true,
			dnsBy("net/proxy"), notIsolated("ingress")},
		{"not to other DNS servers", udp(ord, ext("8.8.8.8"), 53), false,
			isolatedNoMatch("egress"), notJudged},
		{"not to other kube-system pods", udp(ord, podL("kube-system", map[string]string{"k8s-app": "other"}), 53), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"not on other ports", udp(ord, dnsPod, 54), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"not over SCTP", policy.Flow{From: ord, To: dnsPod, Protocol: policy.SCTP, Port: 53}, false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"WithoutDNS removes the allowance", udp(pod("pay", "offline"), dnsPod, 53), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"WithoutDNS keeps the lookups FQDN rules need", withQuery(udp(pod("pay", "batch"), dnsPod, 53), "api.stripe.com"), true,
			allowedBy("pay/batch", batch+".egress[0]"), notIsolated("ingress")},
		{"WithoutDNS: lookups of other names denied", withQuery(udp(pod("pay", "batch"), dnsPod, 53), "evil.com"), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"WithoutDNS: lookup pattern is one label", withQuery(tcp(pod("pay", "batch"), dnsPod, 53), "a.b.stripe.com"), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"DNS rule: matching query", withQuery(udp(pod("pay", "resolver"), dnsPod, 53), "db.internal.example.com"), true,
			allowedBy("pay/resolver", resolver+".egress[0]"), notIsolated("ingress")},
		{"DNS rule: the bare domain is not a subdomain", withQuery(udp(pod("pay", "resolver"), dnsPod, 53), "internal.example.com"), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"DNS rule: other names", withQuery(udp(pod("pay", "resolver"), dnsPod, 53), "google.com"), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},
		{"DNS rule: no query info admits the connection", udp(pod("pay", "resolver"), dnsPod, 53), true,
			allowedBy("pay/resolver", resolver+".egress[0]"), notIsolated("ingress")},

		// FQDN.
		{"FQDN exact", tcp(pod("pay", "payments"), extName("1.2.3.4", "api.stripe.com"), 443), true,
			allowedBy("pay/payments", payments+".egress[0]"), notJudged},
		{"FQDN compares case-insensitively", tcp(pod("pay", "payments"), extName("1.2.3.4", "API.Stripe.COM."), 443), true,
			allowedBy("pay/payments", payments+".egress[0]"), notJudged},
		{"FQDN other name", tcp(pod("pay", "payments"), extName("1.2.3.4", "evil.com"), 443), false,
			isolatedNoMatch("egress"), notJudged},
		{"FQDN needs the name", tcp(pod("pay", "payments"), ext("1.2.3.4"), 443), false,
			isolatedNoMatch("egress"), notJudged},
		{"FQDN wildcard one label", tcp(pod("pay", "payments"), extName("1.2.3.4", "bucket.s3.amazonaws.com"), 443), true,
			allowedBy("pay/payments", payments+".egress[1]"), notJudged},
		{"FQDN wildcard not two labels", tcp(pod("pay", "payments"), extName("1.2.3.4", "a.bucket.s3.amazonaws.com"), 443), false,
			isolatedNoMatch("egress"), notJudged},
		{"FQDN wildcard not the bare domain", tcp(pod("pay", "payments"), extName("1.2.3.4", "s3.amazonaws.com"), 443), false,
			isolatedNoMatch("egress"), notJudged},
		{"FQDN never matches pods", tcp(pod("pay", "payments"), withNSLabels(pod("x", "api"), nil), 443), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},

		// CIDR with except.
		{"IPv4 inside", tcp(prx, ext("10.2.3.4"), 443), true, allowedBy("net/proxy", proxy+".egress[0]"), notJudged},
		{"IPv4 network address", tcp(prx, ext("10.0.0.0"), 443), true, allowedBy("net/proxy", proxy+".egress[0]"), notJudged},
		{"IPv4 last address", tcp(prx, ext("10.255.255.255"), 443), true, allowedBy("net/proxy", proxy+".egress[0]"), notJudged},
		{"IPv4 in the except", tcp(prx, ext("10.1.2.3"), 443), false, isolatedNoMatch("egress"), notJudged},
		{"IPv4 outside", tcp(prx, ext("11.0.0.1"), 443), false, isolatedNoMatch("egress"), notJudged},
		{"IPv6 inside", tcp(prx, ext("2001:db8:2::1"), 443), true, allowedBy("net/proxy", proxy+".egress[1]"), notJudged},
		{"IPv6 in the except", tcp(prx, ext("2001:db8:1::1"), 443), false, isolatedNoMatch("egress"), notJudged},
		{"IPv6 outside", tcp(prx, ext("2001:db9::1"), 443), false, isolatedNoMatch("egress"), notJudged},
		{"IPv4-mapped address is not IPv4", tcp(prx, ext("::ffff:10.2.3.4"), 443), false, isolatedNoMatch("egress"), notJudged},
		{"CIDR never matches pods", tcp(prx, func() policy.Endpoint { e := pod("x", "y"); e.IP = ext("10.2.3.4").IP; return e }(), 443), false,
			isolatedNoMatch("egress"), notIsolated("ingress")},

		// Entities.
		{"world", tcp(agt, ext("8.8.8.8"), 443), true, allowedBy("ent/agent", agent+".egress[0]"), notJudged},
		{"world is not pods", tcp(agt, pod("x", "y"), 443), false, isolatedNoMatch("egress"), notIsolated("ingress")},
		{"kube-apiserver", tcp(agt, policy.Endpoint{Kind: policy.EndpointKubeAPIServer}, 6443), true, allowedBy("ent/agent", agent+".egress[1]"), notJudged},
		{"kube-apiserver is not world", tcp(agt, policy.Endpoint{Kind: policy.EndpointKubeAPIServer}, 443), false, isolatedNoMatch("egress"), notJudged},
		{"host", tcp(agt, policy.Endpoint{Kind: policy.EndpointHost}, 10250), true, allowedBy("ent/agent", agent+".egress[2]"), notJudged},
		{"host is not remote-node", tcp(agt, policy.Endpoint{Kind: policy.EndpointRemoteNode}, 10250), false, isolatedNoMatch("egress"), notJudged},
		{"remote-node", tcp(agt, policy.Endpoint{Kind: policy.EndpointRemoteNode}, 10255), true, allowedBy("ent/agent", agent+".egress[3]"), notJudged},
		{"remote-node includes the API server's nodes", tcp(agt, policy.Endpoint{Kind: policy.EndpointKubeAPIServer}, 10255), true,
			allowedBy("ent/agent", agent+".egress[3]"), notJudged},
		{"cluster includes pods", tcp(agt, pod("x", "y"), 9100), true, allowedBy("ent/agent", agent+".egress[4]"), notIsolated("ingress")},
		{"cluster includes nodes", tcp(agt, policy.Endpoint{Kind: policy.EndpointRemoteNode}, 9100), true, allowedBy("ent/agent", agent+".egress[4]"), notJudged},
		{"cluster includes the API server", tcp(agt, policy.Endpoint{Kind: policy.EndpointKubeAPIServer}, 9100), true, allowedBy("ent/agent", agent+".egress[4]"), notJudged},
		{"cluster includes system endpoints", tcp(agt, policy.Endpoint{Kind: policy.EndpointSystem, Component: policy.ComponentHealth}, 9100), true,
			allowedBy("ent/agent", agent+".egress[4]"), notJudged},
		{"system endpoints are not world", tcp(agt, policy.Endpoint{Kind: policy.EndpointSystem, Component: policy.ComponentIngress}, 443), false,
			isolatedNoMatch("egress"), notJudged},
		{"system endpoints are not nodes", tcp(agt, policy.Endpoint{Kind: policy.EndpointSystem, Component: policy.ComponentInit}, 10250), false,
			isolatedNoMatch("egress"), notJudged},
		{"system endpoints are not the API server", tcp(agt, policy.Endpoint{Kind: policy.EndpointSystem, Component: policy.ComponentUnmanaged}, 6443), false,
			isolatedNoMatch("egress"), notJudged},
		{"cluster excludes the world", tcp(agt, ext("8.8.8.8"), 9100), false, isolatedNoMatch("egress"), notJudged},
		{"cluster excludes mesh peers", tcp(agt, inCluster(pod("x", "y"), "east"), 9100), false, isolatedNoMatch("egress"), notIsolated("ingress")},
		{"from host", tcp(policy.Endpoint{Kind: policy.EndpointHost}, pod("ent", "kubelet-target"), 8080), true,
			notJudged, end{judged: true, allowed: true, why: "the pod's own node always reaches it"}},
		{"from host on any port", tcp(policy.Endpoint{Kind: policy.EndpointHost}, pod("ent", "kubelet-target"), 9999), true,
			notJudged, end{judged: true, allowed: true, why: "the pod's own node always reaches it"}},
		{"from remote node on the host port", tcp(policy.Endpoint{Kind: policy.EndpointRemoteNode}, pod("ent", "kubelet-target"), 8080), false,
			notJudged, isolatedNoMatch("ingress")},
		{"from remote node", tcp(policy.Endpoint{Kind: policy.EndpointRemoteNode}, pod("ent", "kubelet-target"), 8081), true,
			notJudged, allowedBy("ent/kubelet-target", kubelet+".ingress[1]")},

		// Ports.
		{"named port", tcp(portsClient, srvPod, 9090), true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[0]")},
		{"named port unknown at destination", tcp(portsClient, pod("ports", "srv"), 9090), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"named port: other number", tcp(portsClient, srvPod, 9091), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"named port: protocol must match", udp(portsClient, srvPod, 9090), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"named UDP port", udp(portsClient, srvPod, 514), true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[0]")},
		{"range start", tcp(portsClient, srvPod, 30000), true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[0]")},
		{"range end", tcp(portsClient, srvPod, 30010), true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[0]")},
		{"below range", tcp(portsClient, srvPod, 29999), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"above range", tcp(portsClient, srvPod, 30011), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"range is per protocol", udp(portsClient, srvPod, 30005), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"SCTP", policy.Flow{From: portsClient, To: srvPod, Protocol: policy.SCTP, Port: 3868}, true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[0]")},
		{"SCTP port over TCP", tcp(portsClient, srvPod, 3868), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"UDP", udp(portsClient, srvPod, 5000), true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[0]")},
		{"ICMP type and code", icmp(portsClient, srvPod, policy.IPv4, 8, i32(0)), true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[1]")},
		{"ICMP other code", icmp(portsClient, srvPod, policy.IPv4, 8, i32(1)), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"ICMP without code vs rule with code", icmp(portsClient, srvPod, policy.IPv4, 8, nil), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"ICMP other type", icmp(portsClient, srvPod, policy.IPv4, 0, i32(0)), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"ICMPv6 any code", icmp(portsClient, srvPod, policy.IPv6, 128, i32(5)), true, notIsolated("egress"), allowedBy("ports/srv", srv+".ingress[1]")},
		{"ICMP family must match", icmp(portsClient, srvPod, policy.IPv4, 128, i32(0)), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"ICMP does not match port rules", icmp(portsClient, srvPod, policy.IPv6, 8, i32(0)), false, notIsolated("egress"), isolatedNoMatch("ingress")},

		// Service accounts.
		{"service account", tcp(withSA(pod("sa", "x"), "reader"), vaultPod, 8200), true, notIsolated("egress"), allowedBy("sa/vault", vault+".ingress[0]")},
		{"other service account", tcp(withSA(pod("sa", "x"), "writer"), vaultPod, 8200), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"no service account", tcp(pod("sa", "x"), vaultPod, 8200), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"service account in another namespace", tcp(withSA(pod("other", "x"), "reader"), vaultPod, 8200), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"service and account", tcp(withSA(pod("sa", "admin"), "root"), vaultPod, 8201), true, notIsolated("egress"), allowedBy("sa/vault", vault+".ingress[1]")},
		{"service with other account", tcp(withSA(pod("sa", "admin"), "reader"), vaultPod, 8201), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"account without the service", tcp(withSA(pod("sa", "other"), "root"), vaultPod, 8201), false, notIsolated("egress"), isolatedNoMatch("ingress")},

		// Cluster mesh.
		{"local peer", tcp(pod("mesh", "web"), meshAPIPod, 80), true, notIsolated("egress"), allowedBy("mesh/api", meshAPI+".ingress[0]")},
		{"Cluster \"\" is the local cluster only", tcp(inCluster(pod("mesh", "web"), "east"), meshAPIPod, 80), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"named mesh cluster", tcp(inCluster(pod("mesh", "web"), "east"), meshAPIPod, 81), true, notIsolated("egress"), allowedBy("mesh/api", meshAPI+".ingress[1]")},
		{"named mesh cluster excludes local", tcp(pod("mesh", "web"), meshAPIPod, 81), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"named mesh cluster excludes others", tcp(inCluster(pod("mesh", "web"), "west"), meshAPIPod, 81), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"policies select local pods only", tcp(pod("mesh", "web"), inCluster(meshAPIPod, "east"), 9999), true, notIsolated("egress"), notIsolated("ingress")},

		// Namespace selectors.
		{"namespace labels from the flow", tcp(withNSLabels(pod("analytics", "x"), map[string]string{"team": "data"}), pgPod, 5432), true,
			notIsolated("egress"), allowedBy("db/pg", pg+".ingress[0]")},
		{"namespace without the label", tcp(pod("analytics", "x"), pgPod, 5432), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"a peer selecting only namespaces is not mirrored", tcp(pod("warehouse", "x"), pgPod, 5432), false,
			isolatedNoMatch("egress"), allowedBy("db/pg", pg+".ingress[0]")},
		{"declared namespace labels", tcp(pod("warehouse", "loader"), pgPod, 5435), true,
			mirroredBy("warehouse/loader", pg+".ingress[3]"), allowedBy("db/pg", pg+".ingress[3]")},
		{"kubernetes.io/metadata.name is added", tcp(pod("etl", "x"), pgPod, 5433), true, notIsolated("egress"), allowedBy("db/pg", pg+".ingress[1]")},
		{"kubernetes.io/metadata.name is the real name", tcp(withNSLabels(pod("etlx", "x"), map[string]string{policy.NamespaceNameLabel: "etl"}), pgPod, 5433), false,
			notIsolated("egress"), isolatedNoMatch("ingress")},
		{"all namespaces with pod labels", tcp(podL("anywhere", map[string]string{"role": "backup"}), pgPod, 5434), true,
			notIsolated("egress"), allowedBy("db/pg", pg+".ingress[2]")},
		{"all namespaces: pod labels still apply", tcp(pod("anywhere", "x"), pgPod, 5434), false, notIsolated("egress"), isolatedNoMatch("ingress")},

		// Tiers.
		{"tier deny", tcp(app, ext("10.1.1.1"), 22), false,
			inTier(false, "sec-first", "cluster[sec-first].egress[0]", "denied in tier security"), notJudged},
		{"earlier policy of the tier wins", tcp(app, ext("10.9.9.9"), 22), false,
			inTier(false, "sec-first", "cluster[sec-first].egress[0]", "denied in tier security"), notJudged},
		{"Pass goes to the next tier", tcp(app, ext("10.1.1.1"), 80), true,
			inTier(true, "plat", "cluster[plat].egress[0]", "allowed in tier platform"), notJudged},
		{"Pass then DefaultPass then untiered", tcp(app, ext("10.2.1.1"), 80), true, notIsolated("egress"), notJudged},
		{"tiered allow beats an untiered deny", tcp(app, ext("192.168.1.1"), 443), true,
			inTier(true, "sec-first", "cluster[sec-first].egress[2]", "allowed in tier security"), notJudged},
		{"untiered deny after the tiers pass", tcp(app, ext("1.1.1.1"), 443), false,
			deniedBy("tiered/app", "services[tiered/app].egress[1]"), notJudged},
		{"second policy of a tier", tcp(app, ext("172.16.0.1"), 443), true,
			inTier(true, "sec-second", "cluster[sec-second].egress[1]", "allowed in tier security"), notJudged},
		{"deny in a later tier", tcp(app, ext("8.8.8.8"), 53), false,
			inTier(false, "plat", "cluster[plat].egress[1]", "denied in tier platform"), notJudged},
		{"end of tier drops", tcp(app, pod("other", "x"), 80), false,
			end{judged: true, policy: "sec-second", why: "denied at the end of tier security"}, notIsolated("ingress")},
		{"DNS stays open in a tier that isolates", udp(app, dnsPod, 53), true,
			inTier(true, "sec-first", "", "allowed in tier security: DNS stays open for egress-isolated workloads"), notIsolated("ingress")},
		{"tiers apply per direction", tcp(pod("other", "x"), app, 80), true, notIsolated("egress"), notIsolated("ingress")},
		{"tiers select by namespace", tcp(pod("other", "x"), ext("10.1.1.1"), 22), true, notIsolated("egress"), notJudged},

		// Hosts.
		{"host policy allows", tcp(ext("203.0.113.5"), bastion, 22), true, notJudged, allowedBy("bastion", "hosts[bastion].ingress[0]")},
		{"host policy isolates", tcp(ext("198.51.100.1"), bastion, 22), false, notJudged, isolatedNoMatch("ingress")},
		{"host policy: pods are not the CIDR", tcp(pod("x", "y"), bastion, 22), false, notIsolated("egress"), isolatedNoMatch("ingress")},
		{"host policy selects by node labels", tcp(ext("198.51.100.1"), node(policy.EndpointHost, "worker"), 22), true, notJudged, notJudged},
		{"host policy covers remote nodes too", tcp(ext("198.51.100.1"), node(policy.EndpointRemoteNode, "bastion"), 22), false, notJudged, isolatedNoMatch("ingress")},
		{"host policy egress not isolated", tcp(bastion, ext("1.1.1.1"), 443), true, notIsolated("egress"), notJudged},
		{"nothing judged between externals", tcp(ext("1.1.1.1"), ext("2.2.2.2"), 443), true, notJudged, notJudged},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			v := m.Evaluate(c.flow)
			if v.Allowed != c.allowed {
				t.Errorf("Allowed = %v, want %v: %s", v.Allowed, c.allowed, v)
			}
			checkEnd(t, "source", v.Source, c.src)
			checkEnd(t, "destination", v.Destination, c.dst)
			if v.AuditDenied {
				t.Errorf("AuditDenied: %s", v.Audit)
			}
		})
	}
}

func checkEnd(t *testing.T, which string, got policy.Decision, want end) {
	t.Helper()
	if got.Judged != want.judged || got.Allowed != want.allowed || got.Policy != want.policy || got.Rule != want.rule || got.Why != want.why {
		t.Errorf("%s = {judged:%v allowed:%v policy:%q rule:%q why:%q}\n  want {judged:%v allowed:%v policy:%q rule:%q why:%q}",
			which, got.Judged, got.Allowed, got.Policy, got.Rule, got.Why,
			want.judged, want.allowed, want.policy, want.rule, want.why)
	}
}

// TestEvaluateAudit: the enforced verdict ignores audit policies; AuditDenied reports what
// they would deny.
func TestEvaluateAudit(t *testing.T) {
	m := mustModel(t, evalSet())
	lb, web := pod("staging", "lb"), pod("staging", "web")
	cases := []struct {
		name         string
		flow         policy.Flow
		allowed      bool
		auditDenied  bool
		auditContain string
	}{
		{"intended edge: allowed, audit agrees (mirrored into the audited isolation)", tcp(lb, web, 80), true, false, ""},
		{"enforced deny is not an audit finding", tcp(lb, web, 81), false, false, ""},
		{"audited default deny reports would-be denies", tcp(lb, ext("1.1.1.1"), 443), true, true,
			"would be denied: isolated for egress and no allow rule matches"},
		{"audited default deny, ingress", tcp(pod("open", "client"), lb, 80), true, true,
			"would be denied: isolated for ingress and no allow rule matches"},
		{"audited guardrail", tcp(pod("open", "client"), ext("9.9.9.9"), 53), true, true,
			"would be denied: denied by cluster[audit-deny].egress[0]"},
		{"audited DNS allowance", udp(lb, kubeDNSPod(), 53), true, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := m.Evaluate(c.flow)
			if v.Allowed != c.allowed || v.AuditDenied != c.auditDenied || v.Audit != c.auditContain {
				t.Errorf("got allowed=%v auditDenied=%v audit=%q\nwant allowed=%v auditDenied=%v audit=%q",
					v.Allowed, v.AuditDenied, v.Audit, c.allowed, c.auditDenied, c.auditContain)
			}
			if c.auditDenied && !strings.Contains(v.String(), "; audit: "+c.auditContain) {
				t.Errorf("String() = %q lacks the audit finding", v)
			}
		})
	}
	// With everything audited, nothing is enforced, and the audit finds exactly what
	// enforcing the same Set would deny.
	small := func(opts ...policy.SetOption) *policy.Model {
		s := policy.NewSet(append([]policy.SetOption{policy.DefaultNamespace("shop")}, opts...)...)
		s.Service("order").AllowFrom("gw").TCP(8080)
		s.Service("gw").AllowTo(policy.World()).TCP(443)
		s.Namespace("shop").DefaultDeny()
		return mustModel(t, s)
	}
	enforced, audited := small(), small(policy.AuditAll())
	for _, f := range []policy.Flow{
		tcp(pod("shop", "gw"), pod("shop", "order"), 8080),
		tcp(pod("shop", "gw"), pod("shop", "order"), 8081),
		tcp(pod("shop", "gw"), ext("1.1.1.1"), 443),
		tcp(pod("shop", "gw"), ext("1.1.1.1"), 80),
		udp(pod("shop", "order"), kubeDNSPod(), 53),
	} {
		v := audited.Evaluate(f)
		if !v.Allowed {
			t.Errorf("AuditAll enforced %s", v)
		}
		if want := !enforced.Evaluate(f).Allowed; v.AuditDenied != want {
			t.Errorf("AuditAll: AuditDenied=%v, want %v (what enforcing would deny) for %s", v.AuditDenied, want, v)
		}
	}
}

// TestEvaluateFromSet covers Set.Evaluate: it validates first.
func TestEvaluateFromSet(t *testing.T) {
	v, err := evalSet().Evaluate(tcp(pod("shop", "gw"), pod("shop", "order"), 8080))
	if err != nil || !v.Allowed {
		t.Errorf("Evaluate = %v, %v", v, err)
	}
	bad := policy.NewSet()
	bad.Service("x")
	if _, err := bad.Evaluate(policy.Flow{}); err == nil {
		t.Error("Evaluate of an invalid Set: no error")
	} else {
		problems(t, err)
	}
}

// TestEndpointConstructors checks that each constructor makes the endpoint it names and
// that flows built from them are valid.
func TestEndpointConstructors(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.7")
	web := policy.PodEndpoint("shop", map[string]string{"app": "web"})
	for _, c := range []struct {
		end  policy.Endpoint
		want policy.Endpoint
	}{
		{web, policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": "web"}}},
		{policy.AddressEndpoint(ip), policy.Endpoint{Kind: policy.EndpointExternal, IP: ip}},
		{policy.NamedAddressEndpoint(ip, "api.example.com"), policy.Endpoint{Kind: policy.EndpointExternal, IP: ip, DNSName: "api.example.com"}},
		{policy.NodeEndpoint(map[string]string{"zone": "a"}), policy.Endpoint{Kind: policy.EndpointHost, Labels: map[string]string{"zone": "a"}}},
		{policy.RemoteNodeEndpoint(nil), policy.Endpoint{Kind: policy.EndpointRemoteNode}},
		{policy.KubeAPIServerEndpoint(), policy.Endpoint{Kind: policy.EndpointKubeAPIServer}},
	} {
		if !reflect.DeepEqual(c.end, c.want) {
			t.Errorf("got %+v, want %+v", c.end, c.want)
		}
		f := policy.NewFlow(web, c.end, policy.TCP, 443)
		if err := f.Validate(); err != nil {
			t.Errorf("%+v: %v", c.end, err)
		}
		if f.From.Kind != policy.EndpointPod || f.To.Kind != c.want.Kind || f.Protocol != policy.TCP || f.Port != 443 {
			t.Errorf("NewFlow: %+v", f)
		}
	}
}

// TestEvaluateInvalidFlow checks that flows no cluster carries are rejected with every
// problem and its path, never judged.
func TestEvaluateInvalidFlow(t *testing.T) {
	code := int32(300)
	cases := []struct {
		name string
		flow policy.Flow
		want []string
	}{
		{"empty", policy.Flow{}, []string{"from.kind: Required", "to.kind: Required", `protocol: Unsupported value: ""`, "port: Invalid value: 0"}},
		{"pod without namespace", tcp(policy.Endpoint{Kind: policy.EndpointPod}, pod("shop", "order"), 8080), []string{"from.namespace: Required"}},
		{"external without address", tcp(pod("shop", "gw"), policy.Endpoint{Kind: policy.EndpointExternal}, 443), []string{"to.ip: Required"}},
		{"unknown kind", tcp(pod("shop", "gw"), policy.Endpoint{Kind: "Printer"}, 443), []string{`to.kind: Unsupported value: "Printer"`}},
		{"unknown component", tcp(policy.Endpoint{Kind: policy.EndpointSystem, Component: "kubelet"}, pod("shop", "gw"), 443),
			[]string{`from.component: Unsupported value: "kubelet"`}},
		{"port out of range", tcp(pod("shop", "gw"), pod("shop", "order"), 70000), []string{"port: Invalid value: 70000"}},
		{"ICMP", policy.Flow{From: pod("shop", "gw"), To: pod("shop", "order"), ICMP: &policy.ICMP{Family: "IPv5", Type: 8, Code: &code},
			HTTP: &policy.HTTPRequest{Method: "GET", Path: "/"}}, []string{"icmp.family: Unsupported", "icmp.code: Invalid value: 300", "icmp: Forbidden"}},
	}
	for _, c := range cases {
		_, err := evalSet().Evaluate(c.flow)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.name, err, w)
			}
		}
	}
}

func TestVerdictString(t *testing.T) {
	m := mustModel(t, evalSet())
	cases := []struct {
		flow policy.Flow
		want string
	}{
		{tcp(pod("shop", "gw"), pod("shop", "order"), 8080),
			"allowed (source: allowed (mirrored from the other end) by services[shop/order].ingress[0]; destination: allowed by services[shop/order].ingress[0])"},
		{tcp(pod("shop", "order"), ext("169.254.169.254"), 80),
			"denied (source: denied by cluster[block-metadata].egress[0])"},
		{udp(pod("shop", "order"), kubeDNSPod(), 53),
			"allowed (source: allowed: DNS stays open for egress-isolated workloads by shop/namespace-defaults; destination: not isolated for ingress)"},
		{tcp(ext("1.1.1.1"), ext("2.2.2.2"), 1), "allowed"},
		{tcp(pod("open", "client"), ext("9.9.9.9"), 1),
			"allowed (source: not isolated for egress); audit: would be denied: denied by cluster[audit-deny].egress[0]"},
	}
	for _, c := range cases {
		if got := m.Evaluate(c.flow).String(); got != c.want {
			t.Errorf("String() = %q\nwant        %q", got, c.want)
		}
	}
}

func TestEndpointDescribe(t *testing.T) {
	for _, c := range []struct {
		e    policy.Endpoint
		want string
	}{
		{pod("shop", "gw"), "pod shop map[app:gw]"},
		{ext("1.2.3.4"), "1.2.3.4"},
		{extName("1.2.3.4", "api.stripe.com"), "1.2.3.4 (api.stripe.com)"},
		{policy.Endpoint{Kind: policy.EndpointHost}, "Host"},
	} {
		if got := c.e.Describe(); got != c.want {
			t.Errorf("Describe() = %q, want %q", got, c.want)
		}
	}
}

// TestHTTPMatch states how an HTTP match admits a request; paths are judged without the
// query string and fragment (policy.RequestPath).
func TestHTTPMatch(t *testing.T) {
	cases := []struct {
		m    policy.HTTPMatch
		r    policy.HTTPRequest
		want bool
	}{
		{policy.HTTPMatch{}, policy.HTTPRequest{Method: "GET", Path: "/x"}, true},
		{policy.HTTPMatch{Path: "/a"}, policy.HTTPRequest{Path: "/a"}, true}, // empty kind is exact
		{policy.HTTPMatch{Path: "/a"}, policy.HTTPRequest{Path: "/a/b"}, false},
		{policy.HTTPMatch{Path: "/a", PathKind: policy.PathPrefix}, policy.HTTPRequest{Path: "/a/b"}, true},
		{policy.HTTPMatch{Path: "/a", PathKind: policy.PathPrefix}, policy.HTTPRequest{Path: "/"}, false},
		{policy.HTTPMatch{Path: "/a|/b", PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "/b"}, true}, // alternation stays anchored
		{policy.HTTPMatch{Path: "/a|/b", PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "/bc"}, false},
		{policy.HTTPMatch{Path: "/orders/[0-9]+", PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "/orders/1/x"}, false},
		{policy.HTTPMatch{Path: "/orders/[0-9]+", PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "x/orders/1"}, false},
		{policy.HTTPMatch{Path: "[", PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "["}, false}, // invalid never matches
		{policy.HTTPMatch{Method: "GET"}, policy.HTTPRequest{Method: "get"}, false},
		{policy.HTTPMatch{Host: "a.example.com"}, policy.HTTPRequest{Host: "b.example.com"}, false},
		{policy.HTTPMatch{Headers: []policy.Header{{Name: "X-A", Value: "1"}, {Name: "X-B", Value: "2"}}},
			policy.HTTPRequest{Headers: []policy.Header{{Name: "x-b", Value: "2"}, {Name: "X-a", Value: "1"}}}, true},
		{policy.HTTPMatch{Headers: []policy.Header{{Name: "X-A", Value: "1"}, {Name: "X-B", Value: "2"}}},
			policy.HTTPRequest{Headers: []policy.Header{{Name: "X-A", Value: "1"}}}, false},
		// Paths are matched without the query string and fragment.
		{policy.HTTPMatch{Path: "/orders"}, policy.HTTPRequest{Path: "/orders?page=2"}, true},
		{policy.HTTPMatch{Path: "/orders"}, policy.HTTPRequest{Path: "/orders#top"}, true},
		{policy.HTTPMatch{Path: "/orders"}, policy.HTTPRequest{Path: "/ordersx?page=2"}, false},
		{policy.HTTPMatch{Path: "/orders"}, policy.HTTPRequest{Path: "/?/orders"}, false},
		{policy.HTTPMatch{Path: "/a/", PathKind: policy.PathPrefix}, policy.HTTPRequest{Path: "/a?/"}, false},
		{policy.HTTPMatch{Path: "/a/", PathKind: policy.PathPrefix}, policy.HTTPRequest{Path: "/a/b?c"}, true},
		{policy.HTTPMatch{Path: "/orders/[0-9]+", PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "/orders/1?x=y"}, true},
		{policy.HTTPMatch{Path: "/a.*", PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "/ab?c"}, true},
		{policy.HTTPMatch{Path: `/a\?b`, PathKind: policy.PathRegex}, policy.HTTPRequest{Path: "/a?b"}, false},
	}
	for i, c := range cases {
		if got := c.m.Matches(c.r); got != c.want {
			t.Errorf("%d: %+v.Matches(%+v) = %v, want %v", i, c.m, c.r, got, c.want)
		}
	}
}

// ciliumMatches is Cilium's own FQDN matching, as its DNS proxy and FQDN selectors apply it
// (FQDNSelector.ToRegex with a MatchPattern, matched against the fully qualified name).
func ciliumMatches(pattern, name string) (matched, valid bool) {
	re, err := matchpattern.ValidateWithoutCache(matchpattern.Sanitize(pattern))
	if err != nil {
		return false, false
	}
	return re.MatchString(dns.FQDN(name)), true
}

var fqdnPatterns = []string{
	"*", "**", "***", "*.", "**.", "api.stripe.com", "API.Stripe.COM", "api.stripe.com.", "*.stripe.com", "**.stripe.com",
	"***.stripe.com", "*stripe.com", "a*.stripe.com", "*-api.stripe.com", "*.*.com", "a.*.com", "a.**.com", "sub.*",
	"_srv._tcp.example.com", "", ".", "x..y", "**..", "stripe.com", "*.co.uk", "**.*.stripe.com", "*a*b*", "1.2.3.4",
	"*.stripe.com.", "**.stripe.com.",
}

var fqdnNames = []string{
	"api.stripe.com", "API.STRIPE.COM.", "stripe.com", "a.b.stripe.com", ".stripe.com", "apistripe.com", "api.stripe.com.evil.com",
	"evil-api.stripe.com", "a.x.com", "a.b.c.com", "foo", "", ".", "..", "a..b", "x_y.stripe.com", "a b.com", "api.stripe.comm",
	"xstripe.com", "a.stripe.com..", "ab", "aXXb", "b.a", "sub.domain", "sub.a.b", "_srv._tcp.example.com", "1.2.3.4", "x.co.uk",
	"a.b.co.uk", "api-stripe.com", "a.b.c.stripe.com", "a+b.stripe.com",
}

// TestMatchFQDNAgreesWithCilium compares MatchFQDN with Cilium's matchpattern on every
// pattern × name of a table, plus the cases the design spells out.
func TestMatchFQDNAgreesWithCilium(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"*.stripe.com", "api.stripe.com", true},
		{"*.stripe.com", "stripe.com", false},
		{"*.stripe.com", "a.b.stripe.com", false},
		{"**.stripe.com", "api.stripe.com", true},
		{"**.stripe.com", "a.b.stripe.com", true},
		{"**.stripe.com", "stripe.com", false},
		{"*", "api.stripe.com", true},
		{"*", "com", true},
		{"api.stripe.com", "API.stripe.com.", true},
	} {
		if got := policy.MatchFQDN(c.pattern, c.name); got != c.want {
			t.Errorf("MatchFQDN(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
		if cil, _ := ciliumMatches(c.pattern, c.name); cil != c.want {
			t.Errorf("the oracle disagrees with the design on (%q, %q)", c.pattern, c.name)
		}
	}
	compared := 0
	for _, p := range fqdnPatterns {
		for _, n := range fqdnNames {
			want, valid := ciliumMatches(p, n)
			if !valid {
				t.Fatalf("pattern %q is invalid for Cilium; keep the table to valid patterns", p)
			}
			compared++
			if got := policy.MatchFQDN(p, n); got != want {
				t.Errorf("MatchFQDN(%q, %q) = %v, Cilium says %v", p, n, got, want)
			}
		}
	}
	if compared < 500 {
		t.Errorf("compared only %d pairs", compared)
	}
}
