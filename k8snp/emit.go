package k8snp

import (
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// networkPolicy emits the NetworkPolicy of p, an isolating policy, with the given metadata
// and the rules of its directions, which it compacts.
func networkPolicy(p *policy.Policy, meta metav1.ObjectMeta, ingress, egress []*rule) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "NetworkPolicy"},
		ObjectMeta: meta,
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: *canonicalSelector(&p.Subject.Pods)},
	}
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		if !p.Isolates(d) {
			continue
		}
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyType(d))
		if d == policy.Ingress {
			rs := compact(ingress)
			if len(rs) > 0 {
				np.Spec.Ingress = make([]networkingv1.NetworkPolicyIngressRule, 0, len(rs))
			}
			for _, r := range rs {
				np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: r.emitPeers(), Ports: r.emitPorts()})
			}
		} else {
			rs := compact(egress)
			if len(rs) > 0 {
				np.Spec.Egress = make([]networkingv1.NetworkPolicyEgressRule, 0, len(rs))
			}
			for _, r := range rs {
				np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: r.emitPeers(), Ports: r.emitPorts()})
			}
		}
	}
	return np
}

// emitPeers and emitPorts return the rule's peers and ports. Every entry was built for
// this rule alone (translation copies what it takes from the Model, and merging moves
// entries rather than sharing them), so the emitted objects share no memory.
func (r *rule) emitPeers() []networkingv1.NetworkPolicyPeer {
	if r.anyPeer {
		return nil
	}
	out := make([]networkingv1.NetworkPolicyPeer, len(r.peers))
	for i, p := range r.peers {
		out[i] = p.peer
	}
	return out
}

func (r *rule) emitPorts() []networkingv1.NetworkPolicyPort {
	if r.allPorts {
		return nil
	}
	out := make([]networkingv1.NetworkPolicyPort, len(r.ports))
	for i, p := range r.ports {
		out[i] = p.port
	}
	return out
}
