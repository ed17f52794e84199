package cilium_test

import (
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestRolloutOrder checks that the rendered objects come in rollout order, the same in
// every rendering and in the lexical order of the WriteDir files (golden.Rollout), and
// that no object isolates egress before DNS is allowed for its pods (golden.DNSFirst).
func TestRolloutOrder(t *testing.T) {
	tests := []struct {
		name  string
		build func(*policy.Set)
		want  []string
	}{
		{
			// Cilium has no audit mode: OmitAudit leaves the audited namespace out.
			name: "every stage Cilium expresses",
			build: func(s *policy.Set) {
				s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
				s.Namespace("shop").DefaultDeny()
				s.Service("web").AllowFrom("gateway").TCP(8080)
				s.Namespace("billing").DefaultDeny().AllowSameNamespace()
				s.Namespace("staging").DefaultDeny().Audit()
			},
			want: []string{
				"CiliumClusterwideNetworkPolicy block-metadata guardrail",
				// gateway's egress to web, mirrored, with the DNS allowance it inherits
				// from the default-deny that contains it: before that default-deny.
				"CiliumNetworkPolicy shop/gateway workload",
				"CiliumNetworkPolicy shop/web workload",
				"CiliumNetworkPolicy billing/namespace-defaults namespace",
				"CiliumNetworkPolicy shop/namespace-defaults namespace",
			},
		},
		{
			name: "a service's own default-deny",
			build: func(s *policy.Set) {
				s.Service("web").DefaultDenyEgress()
				s.Service("api").AllowTo(policy.CIDR("192.0.2.0/24")).TCP(443)
			},
			want: []string{
				"CiliumNetworkPolicy shop/api workload",
				"CiliumNetworkPolicy shop/web workload",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := policy.NewSet(policy.DefaultNamespace("shop"))
			tt.build(set)
			res, err := cilium.Compile(set, cilium.OmitAudit())
			if err != nil {
				t.Fatal(err)
			}
			golden.Rollout(t, res, tt.want)
			golden.DNSFirst(t, res.Objects(), egress)
		})
	}
}

// egress is golden.Egress for both kinds of this backend.
func egress(o netintent.Object) (isolates, dns, wholeNamespace bool) {
	var spec *api.Rule
	switch o := o.(type) {
	case *ciliumv2.CiliumNetworkPolicy:
		spec = o.Spec
	case *ciliumv2.CiliumClusterwideNetworkPolicy:
		spec = o.Spec
	}
	for _, r := range spec.Egress {
		toDNS, udp53 := false, false
		for _, e := range r.ToEndpoints {
			toDNS = toDNS || e.LabelSelector != nil && e.LabelSelector.MatchLabels["k8s-app"] == "kube-dns"
		}
		for _, pr := range r.ToPorts {
			for _, p := range pr.Ports {
				udp53 = udp53 || p.Port == "53" && p.Protocol == api.ProtoUDP
			}
		}
		dns = dns || toDNS && udp53
	}
	isolates = spec.EnableDefaultDeny.Egress != nil && *spec.EnableDefaultDeny.Egress
	sel := spec.EndpointSelector.LabelSelector
	return isolates, dns, sel == nil || len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}
