package oracle

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	k8sConst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	slimnetworkingv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/networking/v1"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/netintent/netintent/internal/conformance/oracle/internal/ciliumk8s"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NetworkPolicyCiliumEngine answers what Kubernetes NetworkPolicy allows on Cilium
// v1.20, with Cilium's own code: each policy is validated and defaulted as the API
// server stores it (ValidateNetworkPolicy, policyTypes and protocol filled in), read
// into Cilium's slim NetworkPolicy type, translated by the agent's
// pkg/k8s.ParseNetworkPolicy (compiled from a verbatim copy: see package ciliumk8s)
// into policy entries (policyTypes become default-deny
// entries, every peer a selector, ipBlocks CIDR selectors), and added to a policy
// repository over the same identities as CiliumEngine, which then resolves each flow
// (see CiliumEngine for the identities, the host and the lookup). It is independent of
// NetworkPolicyEngine (cyclonus): another implementation's reading of the same objects.
//
// Where the two readings of NetworkPolicy part:
//   - ipBlock: Cilium gives pods and nodes identities of their own, and its CIDR
//     selectors select only CIDR and world identities (policy-cidr-match-mode unset,
//     the default), so an ipBlock never matches a pod, a node or the API server, which
//     is the intent's meaning of a CIDR peer. Unlike NetworkPolicyEngine it judges
//     flows whose pod addresses lie inside an ipBlock; it cannot tell whether the
//     objects are also exact where ipBlocks do match pods (Calico, iptables-based
//     CNIs): that reading is NetworkPolicyEngine's.
//   - Label selectors are Cilium's: NotIn on an absent key matches, and
//     matchLabels {k: ""} requires the key, as in Kubernetes (cyclonus gets both
//     wrong).
//   - The host: the node reaches its local pods whatever the policies say
//     (allow-localhost), as NetworkPolicy requires; a pod's traffic to its node is
//     judged by its egress policy, where no peer but an empty one matches the node.
//   - Pods of a remote cluster are outside every peer: Parse scopes pod selectors to
//     the local cluster.
//
// Limits, inherited from CiliumEngine: L3/L4 only.
// Label keys that Cilium's default identity filter drops (".*beta.kubernetes.io", as a
// pod or a namespace label) are matched by no Cilium identity, where NetworkPolicy
// matches them: every flow of objects selecting on one is ErrCannotJudge, Cilium's
// reading being a known departure from NetworkPolicy there.
type NetworkPolicyCiliumEngine struct {
	e *CiliumEngine
	// filtered is a selector key the identity filter drops, if any.
	filtered string
}

// NewNetworkPolicyCiliumEngine validates nps and loads Cilium's translation of them into
// a policy repository over u.
func NewNetworkPolicyCiliumEngine(nps []*networkingv1.NetworkPolicy, u Universe) (*NetworkPolicyCiliumEngine, error) {
	var slim []*slimnetworkingv1.NetworkPolicy
	for _, np := range nps {
		d, err := storedNetworkPolicy(np)
		if err != nil {
			return nil, err
		}
		// The slim types are the agent's view of the API objects: the same JSON.
		b, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", describe(np), err)
		}
		s := &slimnetworkingv1.NetworkPolicy{}
		if err := json.Unmarshal(b, s); err != nil {
			return nil, fmt.Errorf("%s: to Cilium's slim type: %w", describe(np), err)
		}
		slim = append(slim, s)
	}
	e, err := newCiliumRepository(u)
	if err != nil {
		return nil, err
	}
	n := &NetworkPolicyCiliumEngine{e: e}
	for _, np := range nps {
		if k := filteredKey(np); k != "" && n.filtered == "" {
			n.filtered = k
		}
	}
	ciliumGlobalMu.Lock()
	defer ciliumGlobalMu.Unlock()
	for i, s := range slim {
		entries, err := ciliumk8s.ParseNetworkPolicy(quietLogger, e.u.cluster, s)
		if err != nil {
			return nil, fmt.Errorf("%s: cilium: %w", describe(nps[i]), err)
		}
		e.repo.MustAddPolicyEntries(entries)
	}
	return n, nil
}

// filteredKey returns a key of np's selectors that Cilium's identity filter drops from
// pod labels (pod selectors) or namespace labels (namespace selectors), if any.
func filteredKey(np *networkingv1.NetworkPolicy) string {
	dropped := func(prefix string, sel *metav1.LabelSelector) string {
		if sel == nil {
			return ""
		}
		keys := slices.Collect(maps.Keys(sel.MatchLabels))
		for _, r := range sel.MatchExpressions {
			keys = append(keys, r.Key)
		}
		slices.Sort(keys)
		for _, k := range keys {
			l := labels.NewLabel(prefix+k, "x", labels.LabelSourceK8s)
			if kept, _ := labelsfilter.Filter(labels.Labels{l.Key: l}); len(kept) == 0 {
				return k
			}
		}
		return ""
	}
	if k := dropped("", &np.Spec.PodSelector); k != "" {
		return k
	}
	var peers []networkingv1.NetworkPolicyPeer
	for _, r := range np.Spec.Ingress {
		peers = append(peers, r.From...)
	}
	for _, r := range np.Spec.Egress {
		peers = append(peers, r.To...)
	}
	for _, p := range peers {
		if k := dropped("", p.PodSelector); k != "" {
			return k
		}
		if k := dropped(k8sConst.PodNamespaceMetaLabelsPrefix, p.NamespaceSelector); k != "" {
			return k
		}
	}
	return ""
}

// Decide returns the verdict on f with the per-direction results.
func (n *NetworkPolicyCiliumEngine) Decide(f Flow) (Decision, error) {
	if n.filtered != "" {
		return Decision{}, cannotJudge("selector key %q is dropped by Cilium's identity filter: Cilium's NetworkPolicy never matches it", n.filtered)
	}
	return n.e.Decide(f)
}

// Verdict reports whether f is allowed.
func (n *NetworkPolicyCiliumEngine) Verdict(f Flow) (bool, error) {
	d, err := n.Decide(f)
	return d.Allowed, err
}
