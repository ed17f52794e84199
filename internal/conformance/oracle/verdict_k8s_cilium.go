package oracle

import (
	"encoding/json"
	"fmt"

	slimnetworkingv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/networking/v1"
	"github.com/netintent/netintent/internal/conformance/oracle/internal/ciliumk8s"
	networkingv1 "k8s.io/api/networking/v1"
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
// Limits, inherited from CiliumEngine: SCTP named ports are not resolved; L3/L4 only.
type NetworkPolicyCiliumEngine struct {
	e *CiliumEngine
}

// NewNetworkPolicyCiliumEngine validates nps and loads Cilium's translation of them into
// a policy repository over u.
func NewNetworkPolicyCiliumEngine(nps []*networkingv1.NetworkPolicy, u Universe) (*NetworkPolicyCiliumEngine, error) {
	var slim []*slimnetworkingv1.NetworkPolicy
	for _, np := range nps {
		if fe := ValidateNetworkPolicy(np); len(fe) > 0 {
			return nil, fmt.Errorf("%s: %w", describe(np), fe.ToAggregate())
		}
		d, err := defaultedNetworkPolicy(np)
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
	ciliumGlobalMu.Lock()
	defer ciliumGlobalMu.Unlock()
	for i, s := range slim {
		entries, err := ciliumk8s.ParseNetworkPolicy(quietLogger, e.u.cluster, s)
		if err != nil {
			return nil, fmt.Errorf("%s: cilium: %w", describe(nps[i]), err)
		}
		e.repo.MustAddPolicyEntries(entries)
	}
	return &NetworkPolicyCiliumEngine{e: e}, nil
}

// Decide returns the verdict on f with the per-direction results.
func (n *NetworkPolicyCiliumEngine) Decide(f Flow) (Decision, error) { return n.e.Decide(f) }

// Verdict reports whether f is allowed.
func (n *NetworkPolicyCiliumEngine) Verdict(f Flow) (bool, error) { return n.e.Verdict(f) }
