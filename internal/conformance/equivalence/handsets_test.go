package equivalence

import (
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// expr is a selector with one expression.
func expr(key string, op metav1.LabelSelectorOperator, values ...string) policy.LabelSelector {
	return policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

// handSets are Sets written for this test, beyond the scenarios and randset: the L7 and
// ICMP forms that the structural checks compare (exact, prefix and regex paths with regex
// metacharacters, any method, hosts, headers, gRPC, DNS lookups next to FQDN peers),
// tiers with Pass and audit mode, and selector expressions. Backends that refuse them
// count a refusal.
var handSets = []struct {
	name  string
	code  string
	build func() *policy.Set
}{
	{"cidr-peers-and-cluster-ranges", `set := policy.NewSet(policy.DefaultNamespace("net"))
set.Service("gw").
	AllowFrom(policy.CIDR("10.244.7.0/24")).TCP(80).
	AllowFrom("web", policy.CIDR("10.0.0.0/8", "10.0.1.0/24")).TCP(443).
	AllowTo(policy.CIDR("10.244.0.0/16"), "db").TCP(5432)
set.Service("db").DefaultDenyIngress()`, func() *policy.Set {
		// Pods take addresses in 10.244.0.0/16 where the backend is told the cluster's
		// ranges: gw's TCP 80 rule then names no address and must admit nothing, the
		// 10.0.0.0/8 block must except the pods.
		set := policy.NewSet(policy.DefaultNamespace("net"))
		set.Service("gw").
			AllowFrom(policy.CIDR("10.244.7.0/24")).TCP(80).
			AllowFrom("web", policy.CIDR("10.0.0.0/8", "10.0.1.0/24")).TCP(443).
			AllowTo(policy.CIDR("10.244.0.0/16"), "db").TCP(5432)
		set.Service("db").DefaultDenyIngress()
		return set
	}},
	{"l7-methods-and-paths", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Namespace("shop").DefaultDeny()
set.Service("api").
	AllowFrom("web").TCP(8080).HTTP("GET", "/v1.0/items").HTTPPrefix("POST", "/v1.0/orders/").HTTP("", "/health").HTTP("DELETE", "").
	AllowFrom("admin").TCP(8080, 9090).HTTPPrefix("", "/admin/").
	AllowFrom("probe").ICMP(8).ICMPv6(128)
set.Service("web").AllowTo("api").TCP(8080)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Namespace("shop").DefaultDeny()
		set.Service("api").
			AllowFrom("web").TCP(8080).HTTP("GET", "/v1.0/items").HTTPPrefix("POST", "/v1.0/orders/").HTTP("", "/health").HTTP("DELETE", "").
			AllowFrom("admin").TCP(8080, 9090).HTTPPrefix("", "/admin/").
			AllowFrom("probe").ICMP(8).ICMPv6(128)
		set.Service("web").AllowTo("api").TCP(8080)
		return set
	}},
	{"l7-requests-restricted", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Service("api").
	AllowFrom("web").TCP(8080).HTTP("GET", "/v1.0/items").HTTP("POST", "/orders").HTTP("", "/health").
	AllowFrom("admin").TCP(8080, 9090).HTTPPrefix("DELETE", "/admin/")`, func() *policy.Set {
		// Unlike l7-methods-and-paths, no L4 rule admits these clients too: every
		// request they send is judged by the HTTP matches alone.
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Service("api").
			AllowFrom("web").TCP(8080).HTTP("GET", "/v1.0/items").HTTP("POST", "/orders").HTTP("", "/health").
			AllowFrom("admin").TCP(8080, 9090).HTTPPrefix("DELETE", "/admin/")
		return set
	}},
	{"l7-hosts-headers-grpc-dns", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Service("gw").DefaultDenyEgress().
	AllowTo(policy.ServiceIn("pay", "billing")).TCP(443).
	HTTPRequest(policy.HTTPMatch{Method: "PUT", Path: "/a+b", Host: "billing.pay.svc", Headers: []policy.Header{{Name: "X-Env", Value: "prod"}}}).
	GRPC("shop.v1.Orders", "Get").
	AllowTo(policy.FQDN("api.stripe.com"), policy.FQDN("**.example.com")).TCP(443).
	AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com", "api.stripe.com")
set.ServiceIn("pay", "billing").AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "gw"})).TCP(443).HTTPRegex("GET", "/invoices/[0-9]+")
set.ServiceIn("pay", "billing").DenyFrom(policy.Namespace("ops")).ICMP(8)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Service("gw").DefaultDenyEgress().
			AllowTo(policy.ServiceIn("pay", "billing")).TCP(443).
			HTTPRequest(policy.HTTPMatch{Method: "PUT", Path: "/a+b", Host: "billing.pay.svc", Headers: []policy.Header{{Name: "X-Env", Value: "prod"}}}).
			GRPC("shop.v1.Orders", "Get").
			AllowTo(policy.FQDN("api.stripe.com"), policy.FQDN("**.example.com")).TCP(443).
			AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com", "api.stripe.com")
		set.ServiceIn("pay", "billing").AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "gw"})).TCP(443).HTTPRegex("GET", "/invoices/[0-9]+")
		set.ServiceIn("pay", "billing").DenyFrom(policy.Namespace("ops")).ICMP(8)
		return set
	}},
	{"tiers-pass-audit", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Tier("security", 100)
set.Tier("platform", 200).DefaultPass()
set.Namespace("shop").Labels(map[string]string{"env": "prod"}).DefaultDeny()
set.Namespace("lab").Labels(map[string]string{"env": "dev"})
set.Cluster("quarantine").InTier("security", 10).Select(policy.MatchLabels{"quarantine": "true"}).
	DenyFrom(policy.AllNamespaces()).DenyTo(policy.AllNamespaces())
set.Cluster("dev-only-dev").InTier("security", 20).InNamespaces(policy.MatchLabels{"env": "dev"}).
	PassFrom(policy.Namespaces(policy.MatchLabels{"env": "dev"})).DenyFrom(policy.AllNamespaces()).TCP(22)
set.Cluster("platform-baseline").InTier("platform", 10).
	AllowTo(policy.KubeDNS()).UDP(53).PassTo(policy.Any())
set.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "dev"})).TCP(80).AllowTo("api").TCP(8080)
set.ServiceIn("lab", "probe").Audit().DefaultDeny()
set.ServiceIn("lab", "probe").AllowTo(policy.ServiceIn("shop", "web")).TCP(80)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Tier("security", 100)
		set.Tier("platform", 200).DefaultPass()
		set.Namespace("shop").Labels(map[string]string{"env": "prod"}).DefaultDeny()
		set.Namespace("lab").Labels(map[string]string{"env": "dev"})
		set.Cluster("quarantine").InTier("security", 10).Select(policy.MatchLabels{"quarantine": "true"}).
			DenyFrom(policy.AllNamespaces()).DenyTo(policy.AllNamespaces())
		set.Cluster("dev-only-dev").InTier("security", 20).InNamespaces(policy.MatchLabels{"env": "dev"}).
			PassFrom(policy.Namespaces(policy.MatchLabels{"env": "dev"})).DenyFrom(policy.AllNamespaces()).TCP(22)
		set.Cluster("platform-baseline").InTier("platform", 10).
			AllowTo(policy.KubeDNS()).UDP(53).PassTo(policy.Any())
		set.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "dev"})).TCP(80).AllowTo("api").TCP(8080)
		set.ServiceIn("lab", "probe").Audit().DefaultDeny()
		set.ServiceIn("lab", "probe").AllowTo(policy.ServiceIn("shop", "web")).TCP(80)
		return set
	}},
	{"merged-pod-peers", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Service("db").AllowFrom(policy.Pods(policy.MatchLabels{"app": "web", "tier": "front"}),
	policy.Pods(policy.MatchLabels{"role": "batch"})).TCP(5432)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Service("db").AllowFrom(policy.Pods(policy.MatchLabels{"app": "web", "tier": "front"}),
			policy.Pods(policy.MatchLabels{"role": "batch"})).TCP(5432)
		return set
	}},
	{"remote-nodes-and-api-server", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Service("agent").AllowTo(policy.RemoteNodes()).TCP(10250).AllowFrom(policy.RemoteNodes()).TCP(9100)
set.Service("ctl").AllowTo(policy.KubeAPIServer()).TCP(6443).DenyTo(policy.RemoteNodes()).TCP(22)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Service("agent").AllowTo(policy.RemoteNodes()).TCP(10250).AllowFrom(policy.RemoteNodes()).TCP(9100)
		set.Service("ctl").AllowTo(policy.KubeAPIServer()).TCP(6443).DenyTo(policy.RemoteNodes()).TCP(22)
		return set
	}},
	{"deny-any-and-cluster", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Service("db").DenyFrom(policy.Any()).TCP(22).DenyFrom(policy.WholeCluster()).TCP(23).
	DenyTo(policy.Any()).TCP(25).DenyTo(policy.WholeCluster()).TCP(26)
set.Service("api").AllowFrom(policy.ServiceIn("shop", "web").InCluster("east")).TCP(8080).
	DenyFrom(policy.Any()).TCP(8081)
set.Cluster("no-telnet").DenyFrom(policy.WholeCluster()).TCP(23)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Service("db").DenyFrom(policy.Any()).TCP(22).DenyFrom(policy.WholeCluster()).TCP(23).
			DenyTo(policy.Any()).TCP(25).DenyTo(policy.WholeCluster()).TCP(26)
		set.Service("api").AllowFrom(policy.ServiceIn("shop", "web").InCluster("east")).TCP(8080).
			DenyFrom(policy.Any()).TCP(8081)
		set.Cluster("no-telnet").DenyFrom(policy.WholeCluster()).TCP(23)
		return set
	}},
	// Cilium's identities drop namespace labels whose key matches .*beta\.kubernetes\.io:
	// the cilium backend must refuse this Set.
	{"filtered-namespace-label-key", `set := policy.NewSet(policy.DefaultNamespace("shop"))
set.Namespace("edge").Labels(map[string]string{"failure-domain.beta.kubernetes.io/zone": "a"})
set.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"failure-domain.beta.kubernetes.io/zone": "a"})).TCP(80)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		set.Namespace("edge").Labels(map[string]string{"failure-domain.beta.kubernetes.io/zone": "a"})
		set.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"failure-domain.beta.kubernetes.io/zone": "a"})).TCP(80)
		return set
	}},
	{"selector-expressions", `set := policy.NewSet()
set.Namespace("shop").Labels(map[string]string{"env": "prod", "team": "web"})
set.Namespace("ops").Labels(map[string]string{"env": "dev"})
set.Pods("shop", "frontends", expr("tier", metav1.LabelSelectorOpIn, "web", "edge")).
	AllowFrom(policy.Namespaces(expr("env", metav1.LabelSelectorOpNotIn, "prod"))).TCP(443).
	AllowFrom(policy.AllNamespaces().Pods(expr("app", metav1.LabelSelectorOpDoesNotExist))).UDP(5353).
	AllowTo(policy.PodsIn("ops", expr("monitoring", metav1.LabelSelectorOpExists))).PortRange(policy.TCP, 9000, 9100)
set.ServiceIn("ops", "db").DefaultDenyIngress().AllowFrom(policy.Namespace("shop").Pods(expr("tier", metav1.LabelSelectorOpExists))).NamedPort("pg")`, func() *policy.Set {
		set := policy.NewSet()
		set.Namespace("shop").Labels(map[string]string{"env": "prod", "team": "web"})
		set.Namespace("ops").Labels(map[string]string{"env": "dev"})
		set.Pods("shop", "frontends", expr("tier", metav1.LabelSelectorOpIn, "web", "edge")).
			AllowFrom(policy.Namespaces(expr("env", metav1.LabelSelectorOpNotIn, "prod"))).TCP(443).
			AllowFrom(policy.AllNamespaces().Pods(expr("app", metav1.LabelSelectorOpDoesNotExist))).UDP(5353).
			AllowTo(policy.PodsIn("ops", expr("monitoring", metav1.LabelSelectorOpExists))).PortRange(policy.TCP, 9000, 9100)
		set.ServiceIn("ops", "db").DefaultDenyIngress().AllowFrom(policy.Namespace("shop").Pods(expr("tier", metav1.LabelSelectorOpExists))).NamedPort("pg")
		return set
	}},
	// Host policies: the local node's and the remote node's own policies decide at their
	// ends, ingress and egress, towards pods, addresses, the API server and each other's
	// entities (Cilium's host firewall).
	{"host-firewall", `set := policy.NewSet(policy.DefaultNamespace("ops"))
set.Host("workers").Select(policy.MatchLabels{"node-role.kubernetes.io/worker": ""}).
	AllowFrom(policy.CIDR("203.0.113.0/24")).TCP(22).
	AllowFrom(policy.ServiceIn("ops", "prometheus")).TCP(9100).
	AllowFrom(policy.KubeAPIServer()).TCP(10250).
	AllowFrom(policy.Any()).ICMPv6(128).
	AllowTo(policy.World()).TCP(443).
	AllowTo(policy.ServiceIn("ops", "registry")).TCP(5000)
set.Host("workers-no-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
set.Service("registry").DefaultDenyIngress()
set.Service("prometheus").DefaultDenyEgress().AllowTo(policy.Host()).TCP(9100)`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("ops"))
		set.Host("workers").Select(policy.MatchLabels{"node-role.kubernetes.io/worker": ""}).
			AllowFrom(policy.CIDR("203.0.113.0/24")).TCP(22).
			AllowFrom(policy.ServiceIn("ops", "prometheus")).TCP(9100).
			AllowFrom(policy.KubeAPIServer()).TCP(10250).
			AllowFrom(policy.Any()).ICMPv6(128).
			AllowTo(policy.World()).TCP(443).
			AllowTo(policy.ServiceIn("ops", "registry")).TCP(5000)
		set.Host("workers-no-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
		set.Service("registry").DefaultDenyIngress()
		set.Service("prometheus").DefaultDenyEgress().AllowTo(policy.Host()).TCP(9100)
		return set
	}},
	// Named ports of SCTP next to TCP ones: every pod of the Universe carries both.
	{"sctp-named-ports", `set := policy.NewSet(policy.DefaultNamespace("telco"))
set.Service("hss").
	AllowFrom("mme").Port(policy.Port{Protocol: policy.SCTP, Name: "diameter"}).
	AllowFrom("web").NamedPort("http")
set.Service("mme").DefaultDenyEgress()`, func() *policy.Set {
		set := policy.NewSet(policy.DefaultNamespace("telco"))
		set.Service("hss").
			AllowFrom("mme").Port(policy.Port{Protocol: policy.SCTP, Name: "diameter"}).
			AllowFrom("web").NamedPort("http")
		set.Service("mme").DefaultDenyEgress()
		return set
	}},
}
