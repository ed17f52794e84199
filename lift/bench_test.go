package lift_test

import (
	"fmt"
	"net/netip"
	"testing"

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
