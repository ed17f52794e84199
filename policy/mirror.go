package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"

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
	bySubject := make(map[string]*Policy, len(policies))
	names := make(map[[2]string]bool, len(policies))
	var key, from, traffic []byte
	for _, p := range policies {
		key = appendMirrorKey(key[:0], p.Subject, p.Mode, p.Tier)
		bySubject[string(key)] = p
		names[[2]string{p.Subject.Namespace, p.Name}] = true
	}
	var derived []*Policy
	// seen holds the mirrored rules made: one edge declared from several places needs one
	// rule. Keys are built in key and looked up without copying.
	seen := map[string]bool{}
	var candidates []*Policy
	// The rules are added once all are known, so that each policy's rules take one
	// allocation rather than a series of growing ones.
	type pendingRule struct {
		target, from *Policy
		rule         *Rule
		dir          Direction
	}
	var pending []pendingRule
	inter := intersections{}
	for _, p := range policies {
		if p.Subject.Scope == ScopeHost {
			continue
		}
		from = appendMirrorKey(from[:0], p.Subject, "", "")
		for _, d := range []Direction{Ingress, Egress} {
			other := opposite(d)
			rules := p.Rules(d)
			for i := range rules {
				r := &rules[i]
				if r.Action != Allow || r.Mirrored {
					continue
				}
				traffic = traffic[:0]
				for _, x := range r.Peers {
					if !x.IsInCluster() {
						continue
					}
					candidates = idx.candidates(candidates[:0], other, x)
					for _, q := range candidates {
						in := inter.get(b, q, &x, &key)
						if !in.ok {
							continue
						}
						mode := p.Mode
						if q.Mode == Audit {
							mode = Audit
						}
						key = append(key, '|')
						key = append(key, mode...)
						key = append(key, '|')
						target, found := bySubject[string(key)]
						if !found {
							k := string(key)
							subj := in.subject.deepCopy()
							target = &Policy{
								Name:    derivedName(subj, q, k, names),
								Subject: subj,
								Mode:    mode,
								Labels:  copyMap(q.Labels),
								Path:    q.Path,
								Derived: true,
							}
							bySubject[k] = target
							derived = append(derived, target)
						}
						if !target.Isolates(other) {
							target.Isolate = append(target.Isolate, other)
							sortDirections(target.Isolate)
						}
						if target.Derived && !slices.Contains(target.Isolators, q) {
							target.Isolators = append(target.Isolators, q)
						}
						if len(traffic) == 0 {
							traffic = appendTrafficKey(append(traffic, '|'), r.Ports, r.ICMP)
						}
						key = append(key, '|')
						key = append(key, other...)
						key = append(key, '|')
						key = append(key, from...)
						key = append(key, traffic...)
						if seen[string(key)] {
							continue
						}
						seen[string(key)] = true
						pending = append(pending, pendingRule{target: target, from: p, rule: r, dir: other})
					}
				}
			}
		}
	}
	counts := make(map[*Policy][2]int, len(pending)/2)
	for _, pr := range pending {
		c := counts[pr.target]
		c[dirIndex(pr.dir)]++
		counts[pr.target] = c
	}
	for t, c := range counts {
		t.Ingress = slices.Grow(t.Ingress, c[0])
		t.Egress = slices.Grow(t.Egress, c[1])
	}
	peers := make([]Peer, len(pending)) // one allocation for the peers of all the rules
	for i, pr := range pending {
		r := pr.rule
		setPeerOf(&peers[i], pr.from.Subject)
		mr := Rule{Action: Allow, Peers: peers[i : i+1 : i+1], Ports: r.Ports, ICMP: r.ICMP, Mirrored: true, Path: r.Path}
		if pr.dir == Ingress {
			pr.target.Ingress = append(pr.target.Ingress, mr)
		} else {
			pr.target.Egress = append(pr.target.Egress, mr)
		}
	}
	return append(policies, derived...)
}

// intersection is the subject of an isolating policy's pods that a peer selects (see
// intersect), with the start of its appendMirrorKey key, which lacks the mode and tier.
type intersection struct {
	subject Subject
	key     string
	ok      bool
}

// intersections caches intersect by isolating policy and peer: a peer recurs in many
// rules, and a policy isolates many peers.
type intersections map[*Policy]map[string]intersection

// get returns the intersection of q's subject and x, and sets buf to the start of its key
// (see intersection). The subject may share x's selectors.
func (c intersections) get(b *modelBuilder, q *Policy, x *Peer, buf *[]byte) intersection {
	if q.Subject.Scope == ScopeNamespace && x.Namespace != "" && x.NamespaceSelector == nil && !x.AllNamespaces &&
		x.PodSelector != nil && len(x.PodSelector.MatchExpressions) == 0 && isEmptySelector(&q.Subject.Pods) {
		// The common case, the defaults of a namespace and a peer that names it: the
		// peer's pods, or nothing.
		if x.Namespace != q.Subject.Namespace {
			return intersection{}
		}
		in := intersection{subject: Subject{Scope: ScopeNamespace, Namespace: x.Namespace, Pods: *x.PodSelector}, ok: true}
		if svc, ok := x.PodSelector.MatchLabels[b.set.serviceLabel]; ok && len(x.PodSelector.MatchLabels) == 1 && len(x.PodSelector.MatchExpressions) == 0 {
			in.subject.Service = svc
		}
		key := appendMirrorKey((*buf)[:0], in.subject, "", "")
		*buf = key[:len(key)-2] // without the separators of mode and tier
		return in
	}
	k := append((*buf)[:0], x.Namespace...)
	if x.AllNamespaces {
		k = append(k, "|*|"...)
	} else {
		k = append(k, "||"...)
	}
	k = appendSelectorKey(k, x.NamespaceSelector)
	k = append(k, '|')
	k = appendSelectorKey(k, x.PodSelector)
	*buf = k
	byPeer := c[q]
	if in, ok := byPeer[string(k)]; ok {
		*buf = append((*buf)[:0], in.key...)
		return in
	}
	if byPeer == nil {
		byPeer = map[string]intersection{}
		c[q] = byPeer
	}
	var in intersection
	in.subject, in.ok = b.intersect(q.Subject, *x)
	if in.ok {
		key := appendMirrorKey(nil, in.subject, "", "")
		in.key = string(key[:len(key)-2]) // without the separators of mode and tier
	}
	byPeer[string(k)] = in
	*buf = append((*buf)[:0], in.key...)
	return in
}

// deepCopy returns s with its own copies of selectors.
func (s Subject) deepCopy() Subject {
	s.NamespaceSelector = s.NamespaceSelector.DeepCopy()
	s.Pods = *s.Pods.DeepCopy()
	s.Nodes = *s.Nodes.DeepCopy()
	return s
}

func opposite(d Direction) Direction {
	if d == Ingress {
		return Egress
	}
	return Ingress
}

// sortDirections puts Ingress before Egress in a list of distinct directions.
func sortDirections(ds []Direction) {
	if len(ds) == 2 && ds[0] == Egress {
		ds[0], ds[1] = ds[1], ds[0]
	}
}

// setPeerOf sets *p, a zero Peer, to the pod peer standing for a subject's pods.
func setPeerOf(p *Peer, s Subject) {
	pods := new(metav1.LabelSelector)
	s.Pods.DeepCopyInto(pods)
	p.Kind, p.PodSelector, p.Service = PeerPods, pods, s.Service
	if s.Scope == ScopeNamespace {
		p.Namespace = s.Namespace
	} else if s.NamespaceSelector != nil {
		p.NamespaceSelector = s.NamespaceSelector.DeepCopy()
	} else {
		p.AllNamespaces = true
	}
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

// appendMirrorKey appends a key identifying a subject (with mode and tier) to dst, so that
// rules for the same pods share one policy.
func appendMirrorKey(dst []byte, s Subject, m Mode, tier string) []byte {
	dst = append(dst, s.Scope...)
	dst = append(dst, '|')
	dst = append(dst, s.Namespace...)
	dst = append(dst, '|')
	dst = appendSelectorKey(dst, s.NamespaceSelector)
	dst = append(dst, '|')
	dst = appendSelectorKey(dst, &s.Pods)
	dst = append(dst, '|')
	dst = appendSelectorKey(dst, &s.Nodes)
	dst = append(dst, '|')
	dst = append(dst, m...)
	dst = append(dst, '|')
	return append(dst, tier...)
}

// appendSelectorKey appends a canonical text of sel to dst: equal selectors give equal
// text.
func appendSelectorKey(dst []byte, sel *metav1.LabelSelector) []byte {
	if sel == nil {
		return append(dst, "nil"...)
	}
	if len(sel.MatchLabels) == 1 {
		// The common case (a service's pods), without sorting.
		for k, v := range sel.MatchLabels {
			dst = append(dst, k...)
			dst = append(dst, '=')
			dst = append(dst, v...)
			dst = append(dst, ',')
		}
	} else if len(sel.MatchLabels) > 1 {
		keys := make([]string, 0, len(sel.MatchLabels))
		for k := range sel.MatchLabels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			dst = append(dst, k...)
			dst = append(dst, '=')
			dst = append(dst, sel.MatchLabels[k]...)
			dst = append(dst, ',')
		}
	}
	if len(sel.MatchExpressions) == 0 {
		return dst
	}
	exprs := make([]string, len(sel.MatchExpressions))
	for i, r := range sel.MatchExpressions {
		exprs[i] = requirementKey(r)
	}
	sort.Strings(exprs)
	for _, e := range exprs {
		dst = append(dst, ';')
		dst = append(dst, e...)
	}
	return dst
}

// appendTrafficKey appends a canonical text of a rule's ports and ICMP matches to dst.
func appendTrafficKey(dst []byte, ports []Port, icmp []ICMP) []byte {
	for _, p := range ports {
		dst = append(dst, p.Protocol...)
		dst = append(dst, '/')
		dst = strconv.AppendInt(dst, int64(p.Port), 10)
		dst = append(dst, '-')
		dst = strconv.AppendInt(dst, int64(p.EndPort), 10)
		dst = append(dst, '/')
		dst = append(dst, p.Name...)
		dst = append(dst, ',')
	}
	for _, m := range icmp {
		dst = append(dst, m.Family...)
		dst = append(dst, '/')
		dst = strconv.AppendInt(dst, int64(m.Type), 10)
		if m.Code != nil {
			dst = append(dst, '/')
			dst = strconv.AppendInt(dst, int64(*m.Code), 10)
		}
		dst = append(dst, ',')
	}
	return dst
}

// derivedName names a policy that exists only for mirrored rules: after the service when
// the subject is one service of a namespace and the name is free, else after the isolating
// policy plus a stable hash of the subject.
func derivedName(s Subject, q *Policy, key string, used map[[2]string]bool) string {
	name := s.Service
	if s.Scope != ScopeNamespace || name == "" || used[[2]string{s.Namespace, name}] {
		sum := sha256.Sum256([]byte(key))
		base := q.Name
		if len(base) > 50 {
			base = base[:50]
		}
		name = base + "-" + hex.EncodeToString(sum[:])[:8]
	}
	used[[2]string{s.Namespace, name}] = true
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
func (idx *isolationIndex) candidates(out []*Policy, d Direction, x Peer) []*Policy {
	i := dirIndex(d)
	out = append(out, idx.cluster[i]...)
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
