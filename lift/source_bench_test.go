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

// BenchmarkSource renders the Set lifted from 20,000 NetworkPolicies over 200 namespaces:
// chains of 100 services, each accepting the one before it and sending to the one after
// it (19,800 edges to merge), and to a namespace selector and an ipBlock, which stay
// one-sided.
func BenchmarkSource(b *testing.B) {
	port := intstr.FromInt32(8080)
	app := func(j int) map[string]string { return map[string]string{"app": fmt.Sprintf("svc-%d", j)} }
	var nps []*networkingv1.NetworkPolicy
	for i := range 20000 {
		ns, j := fmt.Sprintf("ns-%d", i%200), i/200
		np := &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("svc-%d", j)},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: app(j)},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To: []networkingv1.NetworkPolicyPeer{
						{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "data"}}},
						{IPBlock: &networkingv1.IPBlock{CIDR: "203.0.113.0/24"}},
					},
				}},
			},
		}
		if j > 0 {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: app(j - 1)}}},
				Ports: []networkingv1.NetworkPolicyPort{{Port: &port}},
			})
		}
		if j < 99 {
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
				To:    []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: app(j + 1)}}},
				Ports: []networkingv1.NetworkPolicyPort{{Port: &port}},
			})
		}
		nps = append(nps, np)
	}
	set, err := lift.NetworkPolicies(nps, nil, lift.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lift.Source(set); err != nil {
			b.Fatal(err)
		}
	}
}
