package lift_test

import (
	"fmt"
	"net/netip"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/lift"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// BenchmarkNetworkPolicies lifts 20,000 NetworkPolicies over 200 namespaces, each
// isolating one service for ingress and egress with a selector peer, a namespace peer and
// an ipBlock (issue 16's scale target); the Set's validation is part of the cost.
func BenchmarkNetworkPolicies(b *testing.B) {
	port := intstr.FromInt32(8080)
	var nps []*networkingv1.NetworkPolicy
	for i := range 20000 {
		ns := fmt.Sprintf("ns-%d", i%200)
		app := map[string]string{"app": fmt.Sprintf("svc-%d", i/200)}
		nps = append(nps, &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("svc-%d", i/200)},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: app},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "gateway"}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: &port}},
				}},
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To: []networkingv1.NetworkPolicyPeer{
						{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "data"}}},
						{IPBlock: &networkingv1.IPBlock{CIDR: "203.0.113.0/24"}},
					},
				}},
			},
		})
	}
	opt := lift.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lift.NetworkPolicies(nps, nil, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCiliumNetworkPolicies lifts 20,000 CiliumNetworkPolicies over 200 namespaces,
// shaped as BenchmarkNetworkPolicies' objects: each isolates one service for ingress and
// egress, with an endpoint selector peer on a port, a namespace-label peer and a CIDR.
func BenchmarkCiliumNetworkPolicies(b *testing.B) {
	var cnps []*ciliumv2.CiliumNetworkPolicy
	for i := range 20000 {
		ns := fmt.Sprintf("ns-%d", i%200)
		cnps = append(cnps, &ciliumv2.CiliumNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("svc-%d", i/200)},
			Spec: &api.Rule{
				EndpointSelector: api.NewESFromMatchRequirements(map[string]string{"app": fmt.Sprintf("svc-%d", i/200)}, nil),
				Ingress: []api.IngressRule{{
					IngressCommonRule: api.IngressCommonRule{FromEndpoints: []api.EndpointSelector{
						api.NewESFromMatchRequirements(map[string]string{"app": "gateway"}, nil)}},
					ToPorts: api.PortRules{{Ports: []api.PortProtocol{{Port: "8080", Protocol: api.ProtoTCP}}}},
				}},
				Egress: []api.EgressRule{
					{EgressCommonRule: api.EgressCommonRule{ToEndpoints: []api.EndpointSelector{
						api.NewESFromMatchRequirements(map[string]string{"io.cilium.k8s.namespace.labels.team": "data"}, nil)}}},
					{EgressCommonRule: api.EgressCommonRule{ToCIDRSet: api.CIDRRuleSlice{{Cidr: "203.0.113.0/24"}}}},
				},
			},
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lift.Cilium(cnps, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
