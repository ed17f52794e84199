package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mirror implements design rule 4.4: an allow written at one end of an edge also opens the
// other end where that end is isolated. For every allow rule of a policy P (tiered or not:
// a tiered allow must not be cut at the other end by untiered isolation) and every
// in-cluster pod peer X of it, each untiered policy Q that isolates X's side gets (through
// the subject Q ∩ X) an L3/L4 allow back to P's subject. Nothing is emitted where the
// peer's side is not isolated: a mirrored rule never isolates anything by itself.
//
// The mirrored rule is audited (it goes into an Audit policy) when P or Q is in audit mode:
// an audited allow must not open enforced traffic, and an audited isolation must still
// show what enforcing it would keep allowed.
//
// The mirrored subject ignores X's service account: it may open the peer's side for a few
// more of Q's pods, but only towards P's subject, whose own side still admits only X, so
// no flow is widened.
func (b *modelBuilder) mirror(policies []*Policy) []*Policy {
	idx := newIsolationIndex(b.set.serviceLabel, policies)
	bySubject := map[string]*Policy{}
	names := map[string]bool{}
	for _, p := range policies {
		bySubject[mirrorKey(p.Subject, p.Mode, p.Tier)] = p
		names[p.Subject.Namespace+"/"+p.Name] = true
	}
	var derived []*Policy
	seen := map[string]bool{}
	for _, p := range policies {
		if p.Subject.Scope == ScopeHost {
			continue
		}
		for _, d := range []Direction{Ingress, Egress} {
			other := opposite(d)
			for _, r := range p.Rules(d) {
				if r.Action != Allow || r.Mirrored {
					continue
				}
				for _, x := range r.Peers {
					if !x.IsInCluster() {
						continue
					}
					for _, q := range idx.candidates(other, x) {
						subj, ok := b.intersect(q.Subject, x)
						if !ok {
							continue
						}
						mr := Rule{Action: Allow, Peers: []Peer{peerOf(p.Subject)}, Ports: r.Ports, ICMP: r.ICMP, Mirrored: true, Path: r.Path}
						mode := p.Mode
						if q.Mode == Audit {
							mode = Audit
						}
						key := mirrorKey(subj, mode, "")
						target, found := bySubject[key]
						if !found {
							target = &Policy{
								Name:    derivedName(subj, q, key, names),
								Subject: subj,
								Mode:    mode,
								Labels:  copyMap(q.Labels),
								Path:    q.Path,
								Derived: true,
							}
							bySubject[key] = target
							derived = append(derived, target)
						}
						if !target.Isolates(other) {
							target.Isolate = append(target.Isolate, other)
							sortDirections(target.Isolate)
						}
						// One edge declared from several places needs one rule.
						ruleKey := key + "|" + string(other) + "|" + mirrorKey(p.Subject, "", "") + "|" + trafficKey(r.Ports, r.ICMP)
						if seen[ruleKey] {
							continue
						}
						seen[ruleKey] = true
						if other == Ingress {
							target.Ingress = append(target.Ingress, mr)
						} else {
							target.Egress = append(target.Egress, mr)
						}
					}
				}
			}
		}
	}
	return append(policies, derived...)
}

func opposite(d Direction) Direction {
	if d == Ingress {
		return Egress
	}
	return Ingress
}

func sortDirections(ds []Direction) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] == Ingress && ds[j] == Egress })
}

// peerOf is the pod peer standing for a subject's pods.
func peerOf(s Subject) Peer {
	pods := *s.Pods.DeepCopy()
	p := Peer{Kind: PeerPods, PodSelector: &pods, Service: s.Service}
	if s.Scope == ScopeNamespace {
		p.Namespace = s.Namespace
	} else if s.NamespaceSelector != nil {
		p.NamespaceSelector = s.NamespaceSelector.DeepCopy()
	} else {
		p.AllNamespaces = true
	}
	return p
}

// intersect returns the subject of q's pods that x selects, and false when there are none
// (as far as the Set's namespace labels tell).
func (b *modelBuilder) intersect(q Subject, x Peer) (Subject, bool) {
	pods, ok := intersectSelectors(&q.Pods, x.PodSelector)
	if !ok {
		return Subject{}, false
	}
	out := Subject{Scope: q.Scope, Pods: *pods}
	switch q.Scope {
	case ScopeNamespace:
		out.Namespace = q.Namespace
		switch {
		case x.AllNamespaces:
		case x.Namespace != "":
			if x.Namespace != q.Namespace {
				return Subject{}, false
			}
		default:
			if !selectorMatches(x.NamespaceSelector, b.nsLabels[q.Namespace]) {
				return Subject{}, false
			}
		}
	case ScopeCluster:
		var xs *metav1.LabelSelector
		switch {
		case x.Namespace != "":
			xs = &metav1.LabelSelector{MatchLabels: map[string]string{NamespaceNameLabel: x.Namespace}}
		case x.NamespaceSelector != nil:
			xs = x.NamespaceSelector
		}
		if q.NamespaceSelector != nil || xs != nil {
			ns, ok := intersectSelectors(q.NamespaceSelector, xs)
			if !ok {
				return Subject{}, false
			}
			out.NamespaceSelector = ns
		}
	default:
		return Subject{}, false
	}
	if svc, ok := out.Pods.MatchLabels[b.set.serviceLabel]; ok && len(out.Pods.MatchLabels) == 1 && len(out.Pods.MatchExpressions) == 0 {
		out.Service = svc
	}
	return out, true
}

// mirrorKey identifies a subject (with mode and tier) so that rules for the same pods
// share one policy.
func mirrorKey(s Subject, m Mode, tier string) string {
	var b strings.Builder
	b.WriteString(string(s.Scope))
	b.WriteByte('|')
	b.WriteString(s.Namespace)
	b.WriteByte('|')
	writeSelectorKey(&b, s.NamespaceSelector)
	b.WriteByte('|')
	writeSelectorKey(&b, &s.Pods)
	b.WriteByte('|')
	writeSelectorKey(&b, &s.Nodes)
	b.WriteByte('|')
	b.WriteString(string(m))
	b.WriteByte('|')
	b.WriteString(tier)
	return b.String()
}

// writeSelectorKey writes a canonical text of sel: equal selectors give equal text.
func writeSelectorKey(b *strings.Builder, sel *metav1.LabelSelector) {
	if sel == nil {
		b.WriteString("nil")
		return
	}
	keys := make([]string, 0, len(sel.MatchLabels))
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(sel.MatchLabels[k])
		b.WriteByte(',')
	}
	exprs := make([]string, len(sel.MatchExpressions))
	for i, r := range sel.MatchExpressions {
		exprs[i] = requirementKey(r)
	}
	sort.Strings(exprs)
	for _, e := range exprs {
		b.WriteByte(';')
		b.WriteString(e)
	}
}

// trafficKey is a canonical text of a rule's ports and ICMP matches.
func trafficKey(ports []Port, icmp []ICMP) string {
	var b strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&b, "%s/%d-%d/%s,", p.Protocol, p.Port, p.EndPort, p.Name)
	}
	for _, m := range icmp {
		fmt.Fprintf(&b, "%s/%d", m.Family, m.Type)
		if m.Code != nil {
			fmt.Fprintf(&b, "/%d", *m.Code)
		}
		b.WriteByte(',')
	}
	return b.String()
}

// derivedName names a policy that exists only for mirrored rules: after the service when
// the subject is one service of a namespace and the name is free, else after the isolating
// policy plus a stable hash of the subject.
func derivedName(s Subject, q *Policy, key string, used map[string]bool) string {
	name := s.Service
	if s.Scope != ScopeNamespace || name == "" || used[s.Namespace+"/"+name] {
		sum := sha256.Sum256([]byte(key))
		base := q.Name
		if len(base) > 50 {
			base = base[:50]
		}
		name = base + "-" + hex.EncodeToString(sum[:])[:8]
	}
	used[s.Namespace+"/"+name] = true
	return name
}

// isolationIndex finds the untiered policies that isolate a direction and may select a
// peer's pods, without scanning every policy for every peer.
type isolationIndex struct {
	label string
	// byNS[d][namespace] holds namespaced policies; byService narrows those whose pod
	// selector is one service label value.
	byNS      [2]map[string][]*Policy
	byService [2]map[string]map[string][]*Policy
	cluster   [2][]*Policy
}

func newIsolationIndex(label string, policies []*Policy) *isolationIndex {
	idx := &isolationIndex{label: label}
	for i := range idx.byNS {
		idx.byNS[i] = map[string][]*Policy{}
		idx.byService[i] = map[string]map[string][]*Policy{}
	}
	for _, q := range policies {
		if q.Tier != "" {
			continue
		}
		for _, d := range q.Isolate {
			i := dirIndex(d)
			switch q.Subject.Scope {
			case ScopeCluster:
				idx.cluster[i] = append(idx.cluster[i], q)
			case ScopeNamespace:
				if v, ok := q.Subject.Pods.MatchLabels[label]; ok {
					m := idx.byService[i][q.Subject.Namespace]
					if m == nil {
						m = map[string][]*Policy{}
						idx.byService[i][q.Subject.Namespace] = m
					}
					m[v] = append(m[v], q)
				} else {
					idx.byNS[i][q.Subject.Namespace] = append(idx.byNS[i][q.Subject.Namespace], q)
				}
			}
		}
	}
	return idx
}

// candidates returns the policies isolating direction d that might select x's pods; the
// caller intersects to decide.
func (idx *isolationIndex) candidates(d Direction, x Peer) []*Policy {
	i := dirIndex(d)
	out := append([]*Policy(nil), idx.cluster[i]...)
	add := func(ns string) {
		out = append(out, idx.byNS[i][ns]...)
		bySvc := idx.byService[i][ns]
		if x.PodSelector != nil && x.PodSelector.MatchLabels[idx.label] != "" {
			v := x.PodSelector.MatchLabels[idx.label]
			out = append(out, bySvc[v]...)
			return
		}
		keys := make([]string, 0, len(bySvc))
		for k := range bySvc {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, bySvc[k]...)
		}
	}
	if x.Namespace != "" {
		add(x.Namespace)
		return out
	}
	nss := make([]string, 0, len(idx.byNS[i])+len(idx.byService[i]))
	seen := map[string]bool{}
	for ns := range idx.byNS[i] {
		seen[ns] = true
		nss = append(nss, ns)
	}
	for ns := range idx.byService[i] {
		if !seen[ns] {
			nss = append(nss, ns)
		}
	}
	sort.Strings(nss)
	for _, ns := range nss {
		add(ns)
	}
	return out
}
