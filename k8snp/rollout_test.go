package k8snp_test

import (
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
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
			// NetworkPolicy has no audit mode and no deny, so no audit or guardrail stage.
			name: "every stage NetworkPolicy expresses",
			build: func(s *policy.Set) {
				s.Namespace("shop").DefaultDeny()
				s.Service("web").AllowFrom("gateway").TCP(8080)
				s.Namespace("billing").DefaultDeny().AllowSameNamespace()
			},
			want: []string{
				// gateway's egress to web, mirrored, with the DNS allowance it inherits
				// from the default-deny that contains it: before that default-deny.
				"NetworkPolicy shop/gateway workload",
				"NetworkPolicy shop/web workload",
				"NetworkPolicy billing/namespace-defaults namespace",
				"NetworkPolicy shop/namespace-defaults namespace",
			},
		},
		{
			name: "a service's own default-deny",
			build: func(s *policy.Set) {
				s.Service("web").DefaultDenyEgress()
				s.Service("api").AllowTo(policy.CIDR("192.0.2.0/24")).TCP(443)
			},
			want: []string{
				"NetworkPolicy shop/api workload",
				"NetworkPolicy shop/web workload",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := newSet()
			tt.build(set)
			res, err := k8snp.Compile(set, clusterCIDRs())
			if err != nil {
				t.Fatal(err)
			}
			golden.Rollout(t, res, tt.want)
			golden.DNSFirst(t, res.Objects(), egress)
		})
	}
}

// egress is golden.Egress for NetworkPolicies.
func egress(o netintent.Object) (isolates, dns, wholeNamespace bool) {
	np := o.(*networkingv1.NetworkPolicy)
	for _, pt := range np.Spec.PolicyTypes {
		isolates = isolates || pt == networkingv1.PolicyTypeEgress
	}
	for _, r := range np.Spec.Egress {
		toDNS, udp53 := false, false
		for _, p := range r.To {
			toDNS = toDNS || p.PodSelector != nil && p.PodSelector.MatchLabels["k8s-app"] == "kube-dns"
		}
		for _, p := range r.Ports {
			udp53 = udp53 || p.Protocol != nil && *p.Protocol == "UDP" && p.Port != nil && p.Port.IntValue() == 53
		}
		dns = dns || toDNS && udp53
	}
	sel := np.Spec.PodSelector
	return isolates, dns, len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}
