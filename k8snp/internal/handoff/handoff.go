// Package handoff holds the k8snp backend's options, so that k8snp/clusternp, which
// translates cluster-wide policies and deny rules into ClusterNetworkPolicies, can ask
// k8snp to leave them to it: options no caller outside the module can set, since a
// Compile of k8snp alone would then emit nothing for them.
package handoff

import (
	"github.com/netintent/netintent/internal/clusterrange"
	"github.com/netintent/netintent/policy"
)

// Options are k8snp's options (see the k8snp options that set them).
type Options struct {
	WidenL7        bool
	WorldAsIPBlock bool
	// ClusterNetworkPolicies is set by k8snp/clusternp, which translates every policy
	// Clusterwide or Tiered accepts and the deny rules of every policy Denies accepts:
	// k8snp then leaves them out.
	ClusterNetworkPolicies bool
	// Share, set by k8snp/clusternp, is called with the Model before k8snp translates its
	// policies (and lets go of each as it goes), so that clusternp does not build the
	// Model a second time.
	Share func(*policy.Model)
	// Nodes is k8snp/clusternp's Nodes option: it may emit the experimental channel's
	// nodes peers. k8snp ignores it.
	Nodes bool
	// DomainNames is k8snp/clusternp's DomainNames option: it may emit the experimental
	// channel's domainNames peers. k8snp ignores it.
	DomainNames bool
	// Declared holds the ClusterCIDRs option; its Check makes Options a backend.Checker.
	clusterrange.Declared
}

// Clusterwide reports whether p is a cluster-scoped, untiered policy, which
// k8snp/clusternp translates (or refuses) as a whole: its deny rules as Admin-tier Deny
// rules, its allows as Admin-tier Accept rules and its isolation as a Baseline-tier Deny.
func Clusterwide(p *policy.Policy) bool {
	return p.Subject.Scope == policy.ScopeCluster && p.Tier == ""
}

// Denies reports whether k8snp/clusternp translates the deny rules of the namespaced
// policy p (as Admin-tier Deny rules for its namespace): p is enforced and untiered.
// k8snp translates the rest of p.
func Denies(p *policy.Policy) bool {
	return p.Subject.Scope == policy.ScopeNamespace && p.Tier == "" && p.Mode == policy.Enforce
}

// Tiered reports whether k8snp/clusternp translates (or refuses) the tiered policy p as a
// whole, as Admin-tier ClusterNetworkPolicies: p selects pods, cluster-wide or in a
// namespace.
func Tiered(p *policy.Policy) bool {
	return p.Tier != "" && (p.Subject.Scope == policy.ScopeCluster || p.Subject.Scope == policy.ScopeNamespace)
}
