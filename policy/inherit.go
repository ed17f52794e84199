package policy

import (
	"reflect"
	"slices"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// inherit makes every enforced, untiered pod policy N repeat the allows of the policies Q
// whose subjects contain N's, in each direction both isolate, and Q's DNS allowance
// (Policy.Inherits). Verdicts do not change: Q selects N's pods and admits those flows
// anyway. What changes is the rollout: every engine isolates a pod as soon as one object
// selecting it is applied, so N's object, applied before Q's, would cut what only Q admits
// until Q comes. With the copies, N's object admits alone all that the policies
// containing it admit, and applying narrower objects first (Model.RolloutOrder, with
// Policy.Level within a stage) never cuts a flow the Set allows, except at pods that two
// objects select without either subject containing the other.
func inherit(m *Model) {
	policies, label := m.Policies, m.ServiceLabel
	type container struct {
		q     *Policy
		rules [2][]Rule // the allows of q before inheriting, by direction
	}
	var containers []container
	byNS := map[string][]*Policy{} // the policies of each namespace
	var cluster []*Policy          // and the cluster-scoped ones
	for _, p := range policies {
		if p.Tier != "" || p.Mode != Enforce || (p.Subject.Scope != ScopeNamespace && p.Subject.Scope != ScopeCluster) || len(p.Isolate) == 0 {
			continue
		}
		if p.Subject.Scope == ScopeNamespace {
			byNS[p.Subject.Namespace] = append(byNS[p.Subject.Namespace], p)
		} else {
			cluster = append(cluster, p)
		}
		c := container{q: p}
		for i, dir := range [...]Direction{Ingress, Egress} {
			if !p.Isolates(dir) {
				continue
			}
			for _, r := range p.Rules(dir) {
				if r.Action == Allow {
					c.rules[i] = append(c.rules[i], r)
				}
			}
		}
		containers = append(containers, c)
	}
	var all []*Policy // every namespaced and cluster-scoped policy, when a cluster one asks
	for _, c := range containers {
		q := c.q
		candidates := byNS[q.Subject.Namespace]
		if q.Subject.Scope == ScopeCluster {
			if all == nil {
				all = append(append([]*Policy(nil), cluster...), allOf(byNS)...)
			}
			candidates = all
		}
		svc, bySvc := q.Subject.Pods.MatchLabels[label]
		for _, n := range candidates {
			if n == q || (bySvc && n.Subject.Pods.MatchLabels[label] != svc) || !contains(&q.Subject, &n.Subject) {
				continue
			}
			shares := false
			for i, dir := range [...]Direction{Ingress, Egress} {
				if !n.Isolates(dir) || !q.Isolates(dir) {
					continue
				}
				shares = true
				for _, r := range c.rules[i] {
					if slices.ContainsFunc(n.Rules(dir), r.sameMatch) {
						continue // declared twice, or inherited already
					}
					r.Inherited = true
					if dir == Ingress {
						n.Ingress = append(n.Ingress, r)
					} else {
						n.Egress = append(n.Egress, r)
					}
				}
				if dir == Egress && q.DNS && !n.DNS {
					n.DNS, n.DNSInherited = true, true
				}
			}
			if shares {
				n.Inherits = append(n.Inherits, q)
			}
		}
	}
	levels(m)
}

// levels sets the Level of m's policies: within one rollout stage, a policy whose
// subject strictly contains another's (Policy.Inherits) is applied after it.
func levels(m *Model) {
	stage := make(map[*Policy]RolloutStage, len(m.Policies))
	for _, p := range m.Policies {
		stage[p] = m.RolloutStage(p)
	}
	// Narrower before broader: a policy's level is at least one more than that of each
	// narrower policy of its stage it contains; equal subjects (each containing the
	// other) share a level.
	var set func(p *Policy, level int)
	set = func(p *Policy, level int) {
		if level <= p.Level {
			return
		}
		p.Level = level
		for _, q := range p.Inherits {
			if stage[q] == stage[p] && !contains(&p.Subject, &q.Subject) {
				set(q, level+1)
			}
		}
	}
	for _, p := range m.Policies {
		for _, q := range p.Inherits {
			if stage[q] == stage[p] && !contains(&p.Subject, &q.Subject) {
				set(q, p.Level+1)
			}
		}
	}
}

// allOf returns the policies of every namespace, in the order of the namespaces' names.
func allOf(byNS map[string][]*Policy) []*Policy {
	names := make([]string, 0, len(byNS))
	for ns := range byNS {
		names = append(names, ns)
	}
	sort.Strings(names)
	var out []*Policy
	for _, ns := range names {
		out = append(out, byNS[ns]...)
	}
	return out
}

// contains reports whether subject q surely selects every pod that n selects, judging
// selectors by their requirements alone: q's pod labels and expressions are all among
// n's, and q's namespaces include n's (a cluster subject with a namespace selector
// contains only cluster subjects with the same one).
func contains(q, n *Subject) bool {
	switch {
	case q.Scope == ScopeNamespace && (n.Scope != ScopeNamespace || n.Namespace != q.Namespace):
		return false
	case q.Scope == ScopeCluster && q.NamespaceSelector != nil &&
		(n.Scope != ScopeCluster || n.NamespaceSelector == nil || !selectorImplies(n.NamespaceSelector, q.NamespaceSelector)):
		return false
	}
	return selectorImplies(&n.Pods, &q.Pods)
}

// selectorImplies reports whether everything a selects, b selects too, as far as their
// requirements tell: every requirement of b is one of a's.
func selectorImplies(a, b *metav1.LabelSelector) bool {
	for k, v := range b.MatchLabels {
		if have, ok := a.MatchLabels[k]; !ok || have != v {
			return false
		}
	}
	for _, r := range b.MatchExpressions {
		if !slices.ContainsFunc(a.MatchExpressions, func(x metav1.LabelSelectorRequirement) bool {
			return requirementKey(x) == requirementKey(r)
		}) {
			return false
		}
	}
	return true
}

// sameMatch reports whether allow rules r and o match the same traffic.
func (r *Rule) sameMatch(o Rule) bool {
	return o.Action == r.Action && reflect.DeepEqual(o.Peers, r.Peers) && reflect.DeepEqual(o.Ports, r.Ports) &&
		reflect.DeepEqual(o.ICMP, r.ICMP) && reflect.DeepEqual(o.HTTP, r.HTTP) && reflect.DeepEqual(o.DNS, r.DNS)
}
