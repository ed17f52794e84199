package explain_test

import (
	"errors"
	"github.com/netintent/netintent/cilium"
	"net/netip"
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/explain"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"

	_ "github.com/netintent/netintent/internal/golden" // defines -update, as in every test package
)

func TestFlow(t *testing.T) {
	external := func(ip string) policy.Endpoint {
		return policy.Endpoint{Kind: policy.EndpointExternal, IP: netip.MustParseAddr(ip)}
	}
	production := policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"environment": "production"}}
	kubeDNS := policy.Endpoint{Kind: policy.EndpointPod, Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}}
	tests := []struct {
		name     string
		set      func() *policy.Set
		flow     policy.Flow
		backends []policy.Backend
		want     []string
	}{
		{
			name: "isolated, no rule",
			set: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("orders").AllowFrom("web").TCP(8080)
				s.Namespace("shop").DefaultDeny()
				return s
			},
			flow:     policy.Flow{From: pod("web"), To: pod("orders"), Protocol: policy.TCP, Port: 9090},
			backends: []policy.Backend{k8snp.Backend(), calico.Backend(calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))},
			want: []string{
				"TCP/9090 from pod shop{app=web} to pod shop{app=orders}: denied\n",
				"destination, ingress: isolated for ingress and no allow rule matches\n" +
					"  intent: isolated by policy shop/namespace-defaults, shop/orders\n" +
					"  k8snp: isolated by NetworkPolicy shop/namespace-defaults, NetworkPolicy shop/orders\n" +
					"  calico: isolated by NetworkPolicy shop/namespace-defaults, NetworkPolicy shop/orders\n",
			},
		},
		{
			name: "DNS allowance",
			set: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("orders").AllowTo("payments").TCP(8443)
				return s
			},
			flow:     policy.Flow{From: pod("orders"), To: kubeDNS, Protocol: policy.UDP, Port: 53},
			backends: []policy.Backend{k8snp.Backend(), cilium.Backend(), calico.Backend(calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))},
			want: []string{
				"source, egress: allowed: DNS stays open for egress-isolated workloads\n" +
					"  intent: the DNS allowance of policy shop/orders\n" +
					"  k8snp: NetworkPolicy shop/orders spec.egress[1]\n" +
					"  cilium: CiliumNetworkPolicy shop/orders spec.egress[1]\n" +
					"  calico: NetworkPolicy shop/orders spec.egress[2]\n", // UDP; TCP 53 is egress[1]
				"destination, ingress: not isolated for ingress\n",
			},
		},
		{
			name: "tier",
			set: func() *policy.Set {
				s := policy.NewSet()
				s.Tier("security", 100)
				s.Cluster("partners").InTier("security", 10).AllowFrom(policy.CIDR("203.0.113.0/24")).TCP(443)
				return s
			},
			flow:     policy.Flow{From: external("198.51.100.7"), To: pod("orders"), Protocol: policy.TCP, Port: 443},
			backends: []policy.Backend{calico.Backend(calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))},
			want: []string{
				"destination, ingress: denied at the end of tier security\n" +
					"  intent: end of tier security, after policy partners\n" +
					"  calico: Tier security\n",
			},
		},
		{
			name: "allowed in a tier",
			set: func() *policy.Set {
				s := policy.NewSet()
				s.Tier("security", 100)
				s.Cluster("partners").InTier("security", 10).AllowFrom(policy.CIDR("203.0.113.0/24")).TCP(443)
				return s
			},
			flow:     policy.Flow{From: external("203.0.113.9"), To: pod("orders"), Protocol: policy.TCP, Port: 443},
			backends: []policy.Backend{calico.Backend(calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))},
			want: []string{
				"destination, ingress: allowed in tier security\n" +
					"  intent: cluster[partners].ingress[0] in policy partners\n" +
					"  calico: GlobalNetworkPolicy security.partners spec.ingress[0]\n",
			},
		},
		{
			name: "rule not determined",
			set: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("orders").AllowFrom("web", policy.WholeCluster()).TCP(8080)
				return s
			},
			flow:     policy.Flow{From: pod("web"), To: pod("orders"), Protocol: policy.TCP, Port: 8080},
			backends: []policy.Backend{cilium.Backend()},
			want: []string{
				"  intent: services[shop/orders].ingress[0] in policy shop/orders\n" +
					"  cilium: CiliumNetworkPolicy shop/orders (rule not determined: spec.ingress[0], spec.ingress[1] may match)\n",
			},
		},
		{
			name: "address peers",
			set: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("orders").AllowFrom("web", policy.CIDR("10.0.0.0/8", "10.1.0.0/16")).TCP(8080)
				return s
			},
			flow: policy.Flow{From: external("10.2.0.1"), To: pod("orders"), Protocol: policy.TCP, Port: 8080},
			backends: []policy.Backend{k8snp.Backend(k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"))),
				cilium.Backend(), calico.Backend(calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))},
			want: []string{
				"source: no policy applies (10.2.0.1)\n",
				"  k8snp: NetworkPolicy shop/orders spec.ingress[0]\n" + // web and the range share a rule
					"  cilium: CiliumNetworkPolicy shop/orders spec.ingress[1]\n" + // one kind of peer a rule
					"  calico: NetworkPolicy shop/orders spec.ingress[1]\n",
			},
		},
		{
			name:     "ClusterNetworkPolicy accept",
			set:      scenarios.DenyInternet,
			flow:     policy.Flow{From: production, To: external("8.8.8.8"), Protocol: policy.UDP, Port: 53},
			backends: []policy.Backend{clusternp.Backend(k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")), clusternp.Nodes())},
			want: []string{
				"  intent: cluster[deny-egress-to-internet].egress[1] in policy deny-egress-to-internet\n" +
					"  k8snp: ClusterNetworkPolicy deny-egress-to-internet spec.egress[1]\n",
			},
		},
		{
			name:     "ClusterNetworkPolicy isolation",
			set:      scenarios.DenyInternet,
			flow:     policy.Flow{From: production, To: external("8.8.8.8"), Protocol: policy.TCP, Port: 443},
			backends: []policy.Backend{clusternp.Backend(k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")), clusternp.Nodes())},
			want: []string{
				"  k8snp: isolated by ClusterNetworkPolicy deny-egress-to-internet-isolation\n",
			},
		},
		{
			name: "ClusterNetworkPolicy of a namespaced deny",
			set: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("orders").DenyTo(policy.CIDR("203.0.113.0/24")).TCP(443)
				return s
			},
			flow:     policy.Flow{From: pod("orders"), To: external("203.0.113.9"), Protocol: policy.TCP, Port: 443},
			backends: []policy.Backend{clusternp.Backend(k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))},
			want: []string{
				"  k8snp: ClusterNetworkPolicy shop.orders spec.egress[0]\n",
			},
		},
		{
			name: "ClusterNetworkPolicy of a tier",
			set: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Tier("security", 100).DefaultPass()
				s.Cluster("threats").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
				return s
			},
			flow:     policy.Flow{From: pod("orders"), To: external("198.51.100.7"), Protocol: policy.TCP, Port: 443},
			backends: []policy.Backend{clusternp.Backend(k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")), clusternp.Nodes())},
			want: []string{
				"  k8snp: ClusterNetworkPolicy tier.security.threats spec.egress[0]\n",
			},
		},
		{
			name: "audit",
			set: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Namespace("shop").DefaultDeny().Audit()
				return s
			},
			flow: policy.Flow{From: pod("web"), To: pod("orders"), Protocol: policy.TCP, Port: 8080},
			want: []string{
				": allowed\n",
				"audit: would be denied: isolated for egress and no allow rule matches\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := explain.Flow(tt.set(), tt.flow, tt.backends...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("explanation lacks\n%s\n----- explanation:\n%s", w, out)
				}
			}
		})
	}
}

func TestFlowInvalidSet(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("orders").AllowFrom("web").TCP(70000)
	_, err := explain.Flow(set, policy.Flow{From: pod("web"), To: pod("orders"), Protocol: policy.TCP, Port: 80}, cilium.Backend())
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("error %v, want a *policy.ValidationError", err)
	}
}

// TestFlowInvalidFlow checks that a flow without ends is an error, not a verdict printed
// as "/0 from  to :".
func TestFlowInvalidFlow(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowFrom("gw").TCP(80)
	out, err := explain.Flow(set, policy.Flow{})
	if err == nil || !strings.Contains(err.Error(), "from.kind: Required") {
		t.Errorf("Flow(set, Flow{}) = %q, %v; want an invalid-flow error", out, err)
	}
}

func TestFlowNilSet(t *testing.T) {
	if _, err := explain.Flow(nil, policy.Flow{}); err == nil || err.Error() != "explain: Flow needs a policy.Set, got nil" {
		t.Errorf("Flow(nil): %v", err)
	}
}

// other is a backend whose objects Flow cannot locate.
type other struct{ policy.Backend }

func (other) Name() string { return "other" }

// Compile compiles with the wrapped backend and hides the type of its Result.
func (o other) Compile(set *policy.Set) (policy.Result, error) {
	res, err := o.Backend.Compile(set)
	return struct{ policy.Result }{res}, err
}

// TestFlowUnknownBackend checks that a backend Flow does not know is listed as such,
// while the others are explained.
func TestFlowUnknownBackend(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("orders").AllowFrom("web").TCP(80)
	out, err := explain.Flow(set, policy.Flow{From: pod("web"), To: pod("orders"), Protocol: policy.TCP, Port: 80},
		other{cilium.Backend()}, cilium.Backend())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "other: cannot locate the objects of this backend\n") || !strings.Contains(out, "cilium: CiliumNetworkPolicy shop/orders") || strings.Contains(out, "other: CiliumNetworkPolicy") {
		t.Errorf("explanation:\n%s", out)
	}
}
