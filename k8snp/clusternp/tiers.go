package clusternp

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/k8snp/internal/handoff"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// tiers translates the tiered policies, which the Model lists in policies, into
// Admin-tier objects that precede every untiered one: the intent's tiers in order, each
// tier's policies by order (then name, as the evaluator takes them), their rules in
// order with Allow as Accept, Deny as Deny and Pass as Pass, each policy's DNS
// allowance after its rules; then, unless the tier passes by default, an end-of-tier
// Deny of every peer for the subject of each policy in each direction it takes part in
// (it has rules there or isolates it). A tier that passes by default needs nothing at
// its end: the next Admin object is the next tier's.
func (c *compiler) tiers(policies []*policy.Policy) {
	for ti, t := range c.model.Tiers {
		var in []*policy.Policy
		for _, p := range policies {
			if p.Tier == t.Name && handoff.Tiered(p) {
				in = append(in, p)
			}
		}
		slices.SortStableFunc(in, func(a, b *policy.Policy) int {
			return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Name, b.Name))
		})
		for _, p := range in {
			c.tierPolicy(ti, p)
		}
		if t.DefaultAction == policy.Pass {
			continue
		}
		for _, p := range in {
			c.tierEnd(ti, t, p)
		}
	}
}

// tierName is the name of the objects of the tiered policy p: tier.<tier>.<name>, or
// tier.<tier>.<namespace>.<name> for a namespaced policy. No other object's name has
// three parts or more.
func tierName(p *policy.Policy) string {
	if p.Subject.Scope == policy.ScopeNamespace {
		return "tier." + p.Tier + "." + p.Subject.Namespace + "." + p.Name
	}
	return "tier." + p.Tier + "." + p.Name
}

// tierSubject is the ClusterNetworkPolicy subject of a tiered policy.
func tierSubject(p *policy.Policy) v1alpha2.ClusterNetworkPolicySubject {
	if p.Subject.Scope == policy.ScopeNamespace {
		return namespacedSubject(p.Subject)
	}
	return subjectOf(p.Subject)
}

// tierPolicy translates the rules of the tiered policy p, of the ti-th tier, and its DNS
// allowance into Admin-tier objects of consecutive priorities, one per run of Deny rules
// and one per run of Accept and Pass rules in each direction (one object when each
// direction is one run of the same kind), so that a rollout can apply every Accept and
// Pass before any Deny (see levels).
func (c *compiler) tierPolicy(ti int, p *policy.Policy) {
	if p.Mode == policy.Audit {
		if c.audit.Origin(p) {
			c.Refuse(p.Path, constructAudit, "ClusterNetworkPolicy is always enforced; it has no audit or staged mode")
		}
		return
	}
	base := tierName(p)
	t := backend.NewNotes(Name, "", base)
	in, eg := c.ingress(p, anyAction), c.egress(p, anyAction, &t)
	if p.DNS {
		eg = append(eg, c.dnsAccept(p)...)
	}
	if c.Any() {
		return
	}
	type segment struct {
		in   []v1alpha2.ClusterNetworkPolicyIngressRule
		eg   []v1alpha2.ClusterNetworkPolicyEgressRule
		deny bool
	}
	var segs []segment
	inRuns := runs(in, func(r v1alpha2.ClusterNetworkPolicyIngressRule) bool {
		return r.Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny
	})
	egRuns := runs(eg, func(r v1alpha2.ClusterNetworkPolicyEgressRule) bool {
		return r.Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny
	})
	if len(inRuns) == 1 && len(egRuns) == 1 && (inRuns[0][0].Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny) == (egRuns[0][0].Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny) {
		segs = append(segs, segment{in: inRuns[0], eg: egRuns[0], deny: inRuns[0][0].Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny})
	} else {
		for _, r := range inRuns {
			segs = append(segs, segment{in: r, deny: r[0].Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny})
		}
		for _, r := range egRuns {
			segs = append(segs, segment{eg: r, deny: r[0].Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny})
		}
	}
	for k, sg := range segs {
		name := base
		if k > 0 {
			name += "-" + strconv.Itoa(k+1)
		}
		n := len(c.tiered)
		c.tiered = c.emit(c.tiered, p, name, "", tierSubject(p), sg.in, sg.eg, policy.StageGuardrail, &t)
		c.noteTiered(c.tiered[n:], ti, p)
		if sg.deny {
			for _, o := range c.tiered[n:] {
				setLevel(o, denyLevel)
			}
		}
	}
	c.warnings = append(c.warnings, t.Warnings()...)
}

// denyLevel is the rollout level (the second digit of the step) of the Deny objects of
// a Set with tiers, tiered and untiered: their guardrail step applies every Accept and
// Pass of the tiers (level 0) first. A Deny applied earlier would drop what an Accept or
// Pass before it (in priority) lets through once both are applied; Deny objects among
// themselves, and Accept and Pass objects among themselves, may come in any order.
const denyLevel = 1

// setLevel raises the rollout level of o to at least l.
func setLevel(o *v1alpha2.ClusterNetworkPolicy, l int) {
	if cur, err := strconv.Atoi(o.Annotations[policy.RolloutLevelAnnotation]); err == nil && cur >= l {
		return
	}
	o.Annotations[policy.RolloutLevelAnnotation] = strconv.Itoa(l)
}

// runs splits rules into runs of consecutive rules of which deny says the same.
func runs[R any](rules []R, deny func(R) bool) [][]R {
	var out [][]R
	for i, r := range rules {
		if i == 0 || deny(r) != deny(rules[i-1]) {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], r)
	}
	return out
}

// tierEnd emits the end of the ti-th tier, t, for the subject of its policy p: a Deny
// of every peer in each direction p takes part in and decides not every flow of (a rule
// matching everything does, and no flow of p's subject gets past it). The standard channel has no peer for
// every source of ingress or destination of egress; the experimental channel's nodes
// peer completes egress (Nodes).
func (c *compiler) tierEnd(ti int, t policy.Tier, p *policy.Policy) {
	if p.Mode == policy.Audit {
		return
	}
	name := tierName(p) + "-end"
	notes := backend.NewNotes(Name, "", name)
	var eg []v1alpha2.ClusterNetworkPolicyEgressRule
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		if len(p.Rules(d)) == 0 && !p.Isolates(d) || catchAll(p.Rules(d)) {
			continue
		}
		why := "tier " + t.Name + " denies at its end the " + strings.ToLower(string(d)) + " traffic its policies leave undecided for the endpoints they select"
		if d == policy.Ingress {
			c.Refuse(p.Path, constructTierEndIngress,
				why+": that takes a Deny from every source, and a ClusterNetworkPolicy's ingress peers are pods and namespaces only "+
					"(nothing denies traffic from addresses outside the cluster or from nodes); a tier declared with DefaultPass() needs no end")
			continue
		}
		if to, ok := c.everything(p.Path, constructTierEndEgress, why, &notes); ok {
			eg = []v1alpha2.ClusterNetworkPolicyEgressRule{{Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny, To: to}}
		}
	}
	if c.Any() {
		return
	}
	n := len(c.tiered)
	c.tiered = c.emit(c.tiered, p, name, "", tierSubject(p), nil, eg, c.model.RolloutStage(p), &notes)
	c.noteTiered(c.tiered[n:], ti, p)
	c.warnings = append(c.warnings, notes.Warnings()...)
}

// noteTiered records that objs carry the tiered policy p of the ti-th tier.
func (c *compiler) noteTiered(objs []*v1alpha2.ClusterNetworkPolicy, ti int, p *policy.Policy) {
	for _, o := range objs {
		c.tierOf[o] = tierObject{tier: ti, policy: p}
	}
}

// tierObject is what an Admin-tier object of a tiered policy carries.
type tierObject struct {
	tier   int
	policy *policy.Policy
}

// checkPasses refuses every Pass that ClusterNetworkPolicy does not express exactly.
// The intent's Pass skips the rest of its tier only; ClusterNetworkPolicy's skips every
// later Admin-tier object: those of the later tiers and the untiered Denies and Accepts.
// The two agree where no such object can apply to a flow the Pass lets through: none
// whose subject may share a pod with the passing object's and that has rules in the
// Pass's direction (subjects are told apart only by a label both select on with
// different values: a conservative test, which refuses rather than guesses).
func (c *compiler) checkPasses(admin []*v1alpha2.ClusterNetworkPolicy) {
	for i, o := range admin {
		own, ok := c.tierOf[o]
		if !ok {
			continue
		}
		passes := [2]bool{
			slices.ContainsFunc(o.Spec.Ingress, func(r v1alpha2.ClusterNetworkPolicyIngressRule) bool {
				return r.Action == v1alpha2.ClusterNetworkPolicyRuleActionPass
			}),
			slices.ContainsFunc(o.Spec.Egress, func(r v1alpha2.ClusterNetworkPolicyEgressRule) bool {
				return r.Action == v1alpha2.ClusterNetworkPolicyRuleActionPass
			}),
		}
		for _, later := range admin[i+1:] {
			if x, ok := c.tierOf[later]; ok && x.tier == own.tier {
				continue // the intent's Pass skips the rest of its own tier too
			}
			if !(passes[0] && len(later.Spec.Ingress) > 0 || passes[1] && len(later.Spec.Egress) > 0) || disjoint(o.Spec.Subject, later.Spec.Subject) {
				continue
			}
			c.Refuse(own.policy.Path, constructPass,
				"a Pass hands traffic to the next tier of the intent, while a ClusterNetworkPolicy's Pass skips every later Admin-tier rule: "+
					"ClusterNetworkPolicy "+later.Name+", of a later tier or untiered, may select the same pods and would no longer apply to what the Pass lets through")
			break
		}
	}
}

// disjoint reports whether no pod can be in both subjects: their namespace or pod
// selectors require different values of one label.
func disjoint(a, b v1alpha2.ClusterNetworkPolicySubject) bool {
	nsA, podA := selectorsOf(a)
	nsB, podB := selectorsOf(b)
	return conflict(nsA, nsB) || conflict(podA, podB)
}

// selectorsOf returns the namespace and pod selectors of a subject (nil: every pod).
func selectorsOf(s v1alpha2.ClusterNetworkPolicySubject) (ns, pods *metav1.LabelSelector) {
	if s.Pods != nil {
		return &s.Pods.NamespaceSelector, &s.Pods.PodSelector
	}
	return s.Namespaces, nil
}

// conflict reports whether no label set matches both selectors because their
// matchLabels require different values of one key.
func conflict(a, b *metav1.LabelSelector) bool {
	if a == nil || b == nil {
		return false
	}
	for k, v := range a.MatchLabels {
		if w, ok := b.MatchLabels[k]; ok && w != v {
			return true
		}
	}
	return false
}

// catchAll reports whether one of rules matches every flow: every peer, every protocol
// and port, no L7 match.
func catchAll(rules []policy.Rule) bool {
	return slices.ContainsFunc(rules, func(r policy.Rule) bool {
		return r.AllTraffic() && !r.HasL7() && slices.ContainsFunc(r.Peers, func(x policy.Peer) bool { return x.Kind == policy.PeerAny })
	})
}
