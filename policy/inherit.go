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
// Policy.Level within a stage) never cuts a flow the Set allows. Where two subjects
// overlap without either containing the other, overlaps first adds a policy for the
// pods both select, which inherits from both.
func (b *modelBuilder) inherit(m *Model) {
	idx := newOverlapIndex(m.ServiceLabel)
	b.overlaps(m, idx)
	type container struct {
		q *Policy
		// rules are q's rules before inheriting, by direction: appending to them
		// reallocates, so they stay what they were.
		rules [2][]Rule
	}
	var containers []container
	for _, p := range m.Policies {
		if rolloutCandidate(p) {
			containers = append(containers, container{q: p, rules: [2][]Rule{
				p.Ingress[:len(p.Ingress):len(p.Ingress)], p.Egress[:len(p.Egress):len(p.Egress)]}})
		}
	}
	var candidates []*Policy
	for _, c := range containers {
		q := c.q
		candidates = idx.candidates(candidates[:0], q)
		for _, n := range candidates {
			if n == q || !contains(&q.Subject, &n.Subject) {
				continue
			}
			shares := false
			for i, dir := range [...]Direction{Ingress, Egress} {
				if !n.Isolates(dir) || !q.Isolates(dir) {
					continue
				}
				shares = true
				for _, r := range c.rules[i] {
					if r.Action != Allow || slices.ContainsFunc(n.Rules(dir), r.sameMatch) {
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

// overlaps adds to m, for every two enforced, untiered pod policies whose subjects
// overlap without either containing the other and that isolate a common direction, a
// policy for their intersection isolating the directions both isolate (Derived, with no
// rules of its own), unless policies of that subject isolate them already; and so on for
// the policies added, until every such intersection has one. inherit then gives each the
// allows of both, and the rollout applies it before them: the pods both select are never
// isolated by one without the other's allows. It changes no verdict, since both isolate
// those pods anyway. It fills idx with the candidates, those it adds included.
//
// A namespace selector is judged by the labels the Set declares for a namespace; where
// an undeclared label would make a cluster-wide subject overlap a namespaced one, no
// intersection is added, and applying them can cut at those pods until both are in place.
func (b *modelBuilder) overlaps(m *Model, idx *overlapIndex) {
	var pool []*Policy // the candidates, new ones appended
	for _, p := range m.Policies {
		if rolloutCandidate(p) {
			pool = append(pool, p)
		}
	}
	// isolated holds, by subject, the directions its policies isolate; used, the names
	// taken. Both are made when the first overlap is found: most Sets have none.
	var isolated map[string][2]bool
	var used map[[2]string]bool
	isolate := func(key string, p *Policy) {
		i := isolated[key]
		i[0], i[1] = i[0] || p.Isolates(Ingress), i[1] || p.Isolates(Egress)
		isolated[key] = i
	}
	for _, p := range pool {
		idx.add(p)
	}
	var others []*Policy
	for i := 0; i < len(pool); i++ {
		a := pool[i]
		others = idx.candidates(others[:0], a)
		for _, o := range others {
			if o == a || !sharesIsolation(a, o) || contains(&a.Subject, &o.Subject) || contains(&o.Subject, &a.Subject) {
				continue
			}
			// The pods both select, as a namespaced subject where either is one.
			x, y := a, o
			if x.Subject.Scope != ScopeNamespace {
				x, y = y, x
			}
			var peer Peer
			setPeerOf(&peer, &y.Subject, &y.Subject.Pods)
			s, ok := b.intersect(&x.Subject, &peer)
			if !ok {
				continue
			}
			// The intersection needs a policy isolating the directions both isolate, where
			// applying one cuts what only the other admits; one of the Set's own may do.
			if isolated == nil {
				isolated, used = map[string][2]bool{}, map[[2]string]bool{}
				for _, p := range m.Policies {
					used[[2]string{p.Subject.Namespace, p.Name}] = true
					if rolloutCandidate(p) {
						isolate(string(appendSubjectKey(nil, &p.Subject, m.ServiceLabel)), p)
					}
				}
			}
			key := string(appendSubjectKey(nil, &s, m.ServiceLabel))
			have := isolated[key]
			d := &Policy{
				Subject: s,
				Mode:    Enforce,
				Labels:  copyMap(a.Labels),
				Path:    a.Path,
				Derived: true,
			}
			for i, dir := range [...]Direction{Ingress, Egress} {
				if a.Isolates(dir) && o.Isolates(dir) && !have[i] {
					d.Isolate = append(d.Isolate, dir)
				}
			}
			if len(d.Isolate) == 0 {
				continue
			}
			d.Name = derivedName(s, a, key+"|"+o.Name, used)
			isolate(key, d)
			m.Policies = append(m.Policies, d)
			pool = append(pool, d)
			idx.add(d)
		}
	}
}

// overlapIndex finds the policies whose subjects may overlap a policy's: those of its
// namespace (any namespace, for a cluster-wide one) and the cluster-wide ones, narrowed
// by the service label, whose different values never overlap.
type overlapIndex struct {
	label string
	byNS  map[string]*nsPolicies
	// cluster are the cluster-wide policies; names the namespaces in order of creation.
	cluster []*Policy
	names   []string
}

// nsPolicies are a namespace's policies: by service label value, and the others. Two
// subjects with different values of the service label never share a pod.
type nsPolicies struct {
	bySvc map[string][]*Policy
	other []*Policy
}

// add files p under the value of label in its pod selector, if any.
func (n *nsPolicies) add(p *Policy, label string) {
	if v, ok := p.Subject.Pods.MatchLabels[label]; ok {
		if n.bySvc == nil {
			n.bySvc = map[string][]*Policy{}
		}
		n.bySvc[v] = append(n.bySvc[v], p)
	} else {
		n.other = append(n.other, p)
	}
}

// appendTo appends to out the policies that may share pods with a selector whose value of
// the service label is v (when one; any value otherwise): the others, then those of v, or
// of every value in order.
func (n *nsPolicies) appendTo(out []*Policy, v string, one bool) []*Policy {
	out = append(out, n.other...)
	if one {
		return append(out, n.bySvc[v]...)
	}
	keys := make([]string, 0, len(n.bySvc))
	for k := range n.bySvc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, n.bySvc[k]...)
	}
	return out
}

func newOverlapIndex(label string) *overlapIndex {
	return &overlapIndex{label: label, byNS: map[string]*nsPolicies{}}
}

func (x *overlapIndex) add(p *Policy) {
	if p.Subject.Scope != ScopeNamespace {
		x.cluster = append(x.cluster, p)
		return
	}
	n := x.byNS[p.Subject.Namespace]
	if n == nil {
		n = &nsPolicies{}
		x.byNS[p.Subject.Namespace] = n
		x.names = append(x.names, p.Subject.Namespace)
	}
	n.add(p, x.label)
}

// candidates appends to out the policies that may overlap p, in a stable order.
func (x *overlapIndex) candidates(out []*Policy, p *Policy) []*Policy {
	v, one := p.Subject.Pods.MatchLabels[x.label]
	out = append(out, x.cluster...)
	if p.Subject.Scope == ScopeNamespace {
		if n := x.byNS[p.Subject.Namespace]; n != nil {
			out = n.appendTo(out, v, one)
		}
		return out
	}
	for _, ns := range x.names {
		out = x.byNS[ns].appendTo(out, v, one)
	}
	return out
}

// rolloutCandidate reports whether p takes part in inheritance: an enforced, untiered
// policy of pods that isolates something.
func rolloutCandidate(p *Policy) bool {
	return p.Tier == "" && p.Mode == Enforce && (p.Subject.Scope == ScopeNamespace || p.Subject.Scope == ScopeCluster) && len(p.Isolate) > 0
}

// sharesIsolation reports whether a and b isolate a common direction.
func sharesIsolation(a, b *Policy) bool {
	return a.Isolates(Ingress) && b.Isolates(Ingress) || a.Isolates(Egress) && b.Isolates(Egress)
}
