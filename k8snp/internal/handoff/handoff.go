// Package handoff holds the k8snp backend's options, so that k8snp/clusternp, which
// translates cluster-wide guardrails into ClusterNetworkPolicies, can ask k8snp to leave
// them to it: an option no caller outside the module can set, since a Compile of k8snp
// alone would then emit nothing for the guardrails.
package handoff

import (
	"github.com/netintent/netintent/internal/clusterrange"
	"github.com/netintent/netintent/policy"
)

// Options are k8snp's options (see the k8snp options that set them).
type Options struct {
	WidenL7        bool
	WorldAsIPBlock bool
	// Guardrails is set by k8snp/clusternp, which translates every policy Guardrail
	// accepts: k8snp then leaves them out.
	Guardrails bool
	// Declared holds the ClusterCIDRs option; its Check makes Options a backend.Checker.
	clusterrange.Declared
}

// Guardrail reports whether p is a cluster-wide guardrail: an enforced, untiered,
// cluster-scoped policy with deny rules only, which isolates nothing. A ClusterNetworkPolicy
// of the Admin tier with Deny rules means exactly that: it decides before NetworkPolicy,
// and never isolates.
func Guardrail(p *policy.Policy) bool {
	if p.Subject.Scope != policy.ScopeCluster || p.Tier != "" || p.Mode != policy.Enforce || len(p.Isolate) > 0 || p.DNS {
		return false
	}
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		for _, r := range p.Rules(d) {
			if r.Action != policy.Deny {
				return false
			}
		}
	}
	return len(p.Ingress)+len(p.Egress) > 0
}
