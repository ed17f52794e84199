package calico_test

import (
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
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
			name: "every stage",
			build: func(s *policy.Set) {
				s.Tier("security", 100).DefaultPass()
				s.Cluster("block-threats").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24"))
				s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
				s.Namespace("staging").DefaultDeny().Audit()
				s.Namespace("shop").DefaultDeny()
				s.Service("web").AllowFrom("gateway").TCP(8080).DenyFrom(policy.CIDR("203.0.113.0/24"))
				s.Namespace("billing").DefaultDeny().AllowSameNamespace()
			},
			want: []string{
				"Tier netintent-deny",
				"Tier security",
				"StagedNetworkPolicy staging/namespace-defaults audit",
				"GlobalNetworkPolicy netintent-deny.block-metadata guardrail",
				"GlobalNetworkPolicy security.block-threats guardrail",
				// web's deny, in the deny tier: it isolates nothing, so it is a guardrail,
				// ahead of web's allows.
				"NetworkPolicy shop/netintent-deny.web guardrail",
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
			set := policy.NewSet(policy.DefaultNamespace("shop"))
			tt.build(set)
			res, err := calico.Compile(set, clusterCIDRs())
			if err != nil {
				t.Fatal(err)
			}
			golden.Rollout(t, res, tt.want)
			golden.DNSFirst(t, res.Objects(), egress)
		})
	}
}

// egress is golden.Egress for the enforced policies of this backend; Tiers and staged
// policies enforce nothing. A policy isolates only in the default tier: DenyTier and the
// tiers of these tests pass what their policies leave undecided.
func egress(o netintent.Object) (isolates, dns, wholeNamespace bool) {
	var tier, selector string
	var types []calicov3.PolicyType
	var rules []calicov3.Rule
	switch o := o.(type) {
	case *calicov3.NetworkPolicy:
		tier, selector, types, rules = o.Spec.Tier, o.Spec.Selector, o.Spec.Types, o.Spec.Egress
	case *calicov3.GlobalNetworkPolicy:
		tier, selector, types, rules = o.Spec.Tier, o.Spec.Selector, o.Spec.Types, o.Spec.Egress
	default:
		return false, false, false
	}
	for _, pt := range types {
		isolates = isolates || pt == calicov3.PolicyTypeEgress && (tier == "" || tier == "default")
	}
	for _, r := range rules {
		udp53 := false
		for _, p := range r.Destination.Ports {
			udp53 = udp53 || r.Protocol != nil && r.Protocol.String() == "UDP" && p.MinPort == 53 && p.MaxPort == 53
		}
		dns = dns || r.Action == calicov3.Allow && udp53 && r.Destination.Selector == "projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'"
	}
	// A NetworkPolicy selects its whole namespace with all(), a GlobalNetworkPolicy every
	// workload with the guard alone.
	return isolates, dns, selector == "all()" || selector == "projectcalico.org/orchestrator == 'k8s'"
}
