package k8snp

import (
	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/internal/reuse"
	"github.com/netintent/netintent/k8snp/internal/handoff"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
)

// Name is the name this backend uses in errors and warnings.
const Name = "k8snp"

// The options that change the outcome of refused intent, as policy.Fix names them.
const (
	optWidenL7        = "k8snp.WidenL7()"
	optWorldAsIPBlock = "k8snp.WorldAsIPBlock()"
	optClusterCIDRs   = "k8snp.ClusterCIDRs(...)"
	// optClusterNetworkPolicies is not an Option but another Compile: k8snp/clusternp's,
	// which emits ClusterNetworkPolicies beside the NetworkPolicies.
	optClusterNetworkPolicies = "k8snp/clusternp.Compile"
	// optClusterNetworkPoliciesNodes is that Compile with its Nodes option.
	optClusterNetworkPoliciesNodes = "k8snp/clusternp.Compile with k8snp/clusternp.Nodes()"
)

// Compile translates the Set into one NetworkPolicy per namespaced subject that isolates
// something. It returns the Set's *policy.ValidationError unchanged when the Set is
// invalid, and a *policy.CompileError listing every intent NetworkPolicy cannot express
// exactly (unless an Option allows a lossy translation, which is then reported in
// Result.Warnings() and on the object).
func Compile(set *policy.Set, opts ...Option) (*Result, error) {
	t, err := backend.Compile(Name, set, opts, func(m *policy.Model, o options) func() *compiler {
		if o.Share != nil {
			o.Share(m)
		}
		audit := backend.NewAudit(m)
		return func() *compiler {
			return &compiler{model: m, opts: o, audit: audit, portKeys: map[policy.Port]string{}}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := t.Refusals.Err(Name); err != nil {
		return nil, err
	}
	res := &Result{}
	var warnings []policy.Warning
	for _, c := range t.Chunks {
		res.NetworkPolicies = append(res.NetworkPolicies, c.nps...)
		warnings = append(warnings, c.warnings...)
	}
	res.Output = backend.NewOutput(Header, warnings, res.objects)
	return res, nil
}

type compiler struct {
	backend.Refusals
	model    *policy.Model
	opts     options
	warnings []policy.Warning
	// audit tells where audit mode was asked for.
	audit backend.Audit
	// portKeys holds the keys of numbered ports, made once (see portOf).
	portKeys map[policy.Port]string
	// nps holds the objects translated.
	nps []*networkingv1.NetworkPolicy
	// pool holds the rules of the policy being translated, with their peers and ports;
	// dirs holds the lists of rules of its directions. All are reused from policy to
	// policy: emission copies what it keeps.
	pool reuse.Pool[rule]
	dirs [2][]*rule
}

// newRule returns an empty rule, with the slices of one the compiler reuses.
func (c *compiler) newRule() *rule {
	r := c.pool.Next()
	*r = rule{peers: r.peers[:0], ports: r.ports[:0]}
	return r
}

// Translate translates p, keeping the object it yields.
func (c *compiler) Translate(p *policy.Policy) {
	if np := c.policy(p); np != nil {
		c.nps = append(c.nps, np)
	}
}

// policy translates one Policy, or returns nil when it isolates nothing (NetworkPolicy
// only ever restricts what it selects, so a policy without isolation has nothing to say)
// or cannot be translated.
func (c *compiler) policy(p *policy.Policy) *networkingv1.NetworkPolicy {
	switch p.Subject.Scope {
	case policy.ScopeCluster:
		switch {
		case c.opts.ClusterNetworkPolicies && handoff.Tiered(p):
		case !handoff.Clusterwide(p):
			c.Refuse(p.Path, constructClusterScope,
				"NetworkPolicy is namespaced and cannot select pods in every namespace, and has no tiers; k8snp/clusternp "+
					"expresses tiers as Admin-tier ClusterNetworkPolicies where ClusterNetworkPolicy's one Admin tier can hold them")
		case !c.opts.ClusterNetworkPolicies:
			why := "NetworkPolicy is namespaced and cannot select pods in every namespace"
			switch {
			case p.Mode == policy.Audit || p.Isolates(policy.Ingress):
				// k8snp/clusternp refuses them too: ClusterNetworkPolicy has no audit mode
				// and cannot isolate ingress.
				c.Refuse(p.Path, constructClusterScope, why)
			case p.Isolates(policy.Egress):
				c.Refuse(p.Path, constructClusterScope, why+"; ClusterNetworkPolicies of the Admin and Baseline tiers express it "+
					"with the experimental channel's nodes peers, except Cilium's health, ingress, unmanaged and init endpoints",
					backend.Lossy(optClusterNetworkPoliciesNodes))
			default:
				c.Refuse(p.Path, constructClusterScope, why+"; a ClusterNetworkPolicy of the Admin tier expresses this guardrail "+
					"exactly where its CRD and an implementation are installed",
					backend.Exact(optClusterNetworkPolicies))
			}
		}
		return nil
	case policy.ScopeHost:
		c.Refuse(p.Path, constructHostScope,
			"NetworkPolicy selects pods, never nodes; no upstream Kubernetes API selects nodes as subjects "+
				"(ClusterNetworkPolicy, the upstream answer for cluster scope, names nodes only as egress peers)")
		return nil
	}
	if p.Tier != "" && c.opts.ClusterNetworkPolicies {
		return nil // k8snp/clusternp translates it (handoff.Tiered)
	}
	if p.Tier != "" {
		c.Refuse(p.Path.Child("tier"), constructTiers,
			"NetworkPolicy has no tiers or priorities: all policies selecting a pod are unioned")
	}
	if p.Mode == policy.Audit && c.audit.Origin(p) {
		c.Refuse(p.Path, constructAudit, "NetworkPolicy is always enforced; it has no audit or staged mode")
	}
	t := backend.NewNotes(Name, p.Subject.Namespace, p.Name)
	c.pool.Reset()
	ingress := c.rules(p, policy.Ingress, &t, c.dirs[0][:0])
	egress := c.rules(p, policy.Egress, &t, c.dirs[1][:0])
	if p.DNS {
		if r, ok := c.dnsRule(p.Subject.Namespace); ok {
			egress = append(egress, r)
		}
	}
	c.dirs = [2][]*rule{ingress, egress}
	if len(p.Isolate) == 0 || c.Any() {
		return nil
	}
	np := networkPolicy(p, backend.Meta(p.Name, p.Subject.Namespace, p, c.model.RolloutStage(p), &t), ingress, egress)
	c.warnings = append(c.warnings, t.Warnings()...)
	return np
}
