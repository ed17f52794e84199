package diagram

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netintent/netintent/policy"
)

// allFeatures builds a Set that uses every construct the diagrams draw. With reverse set,
// it declares the same intent in the opposite order.
func allFeatures(reverse bool) *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	decls := []func(){
		func() { set.Tier("security", 100) },
		func() {
			set.Namespace("shop").Labels(map[string]string{"team": "retail"}).DefaultDeny()
		},
		func() { set.Namespace("monitoring").Labels(map[string]string{"role": "observability"}) },
		func() {
			set.Service("web").
				AllowFrom(policy.World()).TCP(443).
				AllowFrom(policy.Namespaces(policy.MatchLabels{"role": "observability"}).Pods(policy.MatchLabels{"app": "prometheus"})).NamedPort("metrics").
				AllowTo("api").TCP(8080).GRPC("shop.v1.Orders", "").
				HTTPRequest(policy.HTTPMatch{Method: "GET", Path: "/items", Host: "api.shop.example",
					Headers: []policy.Header{{Name: "X-Tenant", Value: "blue"}}})
		},
		func() {
			set.Service("api").
				AllowTo(policy.FQDN("api.stripe.com")).TCP(443).
				AllowTo(policy.CIDR("10.20.0.0/16", "10.20.1.0/24")).PortRange(policy.TCP, 8000, 8100).
				AllowFrom(policy.ServiceAccount("ops", "debugger")).ICMP(8).ICMPv6(128, 0).
				DenyFrom(policy.KubeAPIServer()).Port(policy.Port{Protocol: policy.UDP, Name: "syslog"})
		},
		func() {
			set.Pods("shop", "batch", policy.MatchLabels{"tier": "batch"}).Audit().
				AllowTo(policy.ServiceIn("payments", "ledger")).TCP(5432)
		},
		func() {
			set.ServiceIn("payments", "ledger").
				AllowFrom(policy.ServiceIn("shop", "api").InCluster("east")).TCP(5432).
				AllowFrom(policy.Namespace("shop").Pods(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"batch", "cron"}}}})).TCP(5432)
		},
		func() { set.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80) },
		func() {
			set.Cluster("retail-baseline").InNamespaces(policy.MatchLabels{"team": "retail"}).
				AllowFrom(policy.Host()).AllPorts(policy.TCP)
		},
		func() {
			set.Cluster("threats").InTier("security", 10).
				DenyFrom(policy.CIDR("198.51.100.0/24")).
				PassFrom(policy.Any())
		},
		func() {
			set.Host("workers").Select(policy.MatchLabels{"node-role.kubernetes.io/worker": ""}).
				AllowFrom(policy.RemoteNodes()).TCP(10250)
		},
	}
	if reverse {
		slices.Reverse(decls)
	}
	for _, d := range decls {
		d()
	}
	return set
}

// nastyPath and nastyValue carry every character that means something in Mermaid, DOT or
// Markdown, and text that looks like their escapes.
const (
	nastyPath  = `/a"b|c#d<e>f\[g]{2}%%{init: {"theme":"dark"}}%%` + "`x`;end #quot; \\\\N&lt;"
	nastyValue = `v"1" <br/>|&amp; ]` + "\t#35; \"\\"
)

// nastySet is a Set whose labels need escaping.
func nastySet() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowFrom("client").TCP(8080).
		HTTPRequest(policy.HTTPMatch{Method: "GET", Path: nastyPath, PathKind: policy.PathRegex,
			Headers: []policy.Header{{Name: "X-Tenant", Value: nastyValue}}})
	return set
}
