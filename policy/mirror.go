package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// mirror implements "Both ends" (docs/semantics.md): an allow written at one end of an
// edge also opens the other end where that end is isolated. For every allow rule of a
// policy P (tiered or not: a tiered allow must not be cut at the other end by untiered
// isolation) and every peer X of it that mirrorPeers kept (in-cluster peers naming
// workloads, AllowSameNamespace's, the DNS service of P's DNS allowance), each untiered
// policy Q that isolates X's side gets (through the subject Q ∩ X) an L3/L4 allow back to
// P's subject. Nothing is emitted where the peer's side is not isolated: a mirrored rule
// never isolates anything by itself.
//
// The mirrored rule is audited (it goes into an Audit policy) when P or Q is in audit mode:
// an audited allow must not open enforced traffic, and an audited isolation must still
// show what enforcing it would keep allowed.
//
// subjects[i] is what mirror uses of the subject of policies[i] (see subjectInfo).
func (b *modelBuilder) mirror(policies []*Policy, subjects []subjectInfo) []*Policy {
	m := newMirrorer(b, policies, subjects)
	pending := m.edges(subjects)
	m.open(pending, m.standIns(pending, subjects))
	return append(policies, m.derived...)
}

// newMirrorer numbers the policies' subjects and lists the untiered policies as targets.
func newMirrorer(b *modelBuilder, policies []*Policy, subjects []subjectInfo) *mirrorer {
	m := &mirrorer{b: b, idx: newIsolationIndex(b.set.serviceLabel, policies), policies: policies,
		subjects:    make(map[string]int32, len(policies)),
		subjectKeys: make([]string, 0, len(policies)),
		bySubject:   make(map[targetKey]int32, len(policies)),
		byPeer:      map[peerKey][2]int32{},
		traffic:     map[string]int32{},
		targets:     make([]target, 0, len(policies)),
		from:        make([]int32, len(policies)),
	}
	for i, p := range policies {
		m.from[i] = m.keyID(subjects[i].key)
		if p.Tier == "" { // a tiered policy never receives mirrored rules
			m.bySubject[targetKey{m.from[i], p.Mode == Audit}] = int32(len(m.targets))
			m.targets = append(m.targets, target{policy: p})
		}
	}
	return m
}

// edges finds, for every mirrored peer of every policy, the isolated other ends, and
// returns the rules to add there. The rules are added once all are known (see open), so
// that each policy's rules take one allocation rather than a series of growing ones.
//
// One edge declared from several places needs one rule: a rule mirrored from a policy is
// dropped when one with the same target, direction, traffic and peer (the subject of the
// policy) is pending. Most subjects are one policy's, whose pending rules are found among
// its own; seen holds the others.
func (m *mirrorer) edges(subjects []subjectInfo) []pendingRule {
	policiesOf := make([]int32, len(m.subjectKeys))
	for _, id := range m.from {
		policiesOf[id]++
	}
	seen := map[ruleKey]bool{}
	var pending []pendingRule
	for pi, p := range m.policies {
		if p.Subject.Scope == ScopeHost {
			continue
		}
		mine := len(pending)                 // the first pending rule of p
		alone := policiesOf[m.from[pi]] == 1 // and the rules of p's subject are p's
		var r *Rule
		traffic := int32(-1) // of r
		for _, src := range subjects[pi].sources {
			other := Ingress
			if src.ingress {
				other = Egress
			}
			var matches []mirrorMatch
			var undecided []string
			if src.service != nil {
				matches = m.serviceMatches(other, src.service)
			} else {
				matches, undecided = m.matches(other, src.peer)
			}
			if len(undecided) > 0 {
				m.undecidedLabels(m.sourceRule(p, src).Path, src.peer, undecided)
			}
			if len(matches) == 0 {
				continue
			}
			if want := m.sourceRule(p, src); r != want {
				r, traffic = want, m.trafficID(want)
			}
			for k := range matches {
				t := m.target(&matches[k], p.Mode == Audit || matches[k].q.Mode == Audit)
				m.targets[t].isolate[dirIndex(other)] = true
				if tp, q := m.targets[t].policy, matches[k].q; tp.Derived && !slices.Contains(tp.Isolators, q) {
					tp.Isolators = append(tp.Isolators, q)
				}
				pr := pendingRule{target: t, from: int32(pi), traffic: traffic, ingress: other == Ingress, rule: r}
				if alone && len(pending)-mine > 16 {
					// Too many to search: p's pending rules go to seen.
					for _, o := range pending[mine:] {
						seen[o.key(m.from)] = true
					}
					alone = false
				}
				if alone && slices.ContainsFunc(pending[mine:], pr.same) {
					continue
				}
				if !alone {
					if seen[pr.key(m.from)] {
						continue
					}
					seen[pr.key(m.from)] = true
				}
				m.targets[t].rules[dirIndex(other)]++
				pending = push(pending, pr)
			}
		}
	}
	return pending
}

// standIns returns, by policy, the peer standing for its pods in the rules mirrored from
// it, which they share: the service's shared peer (see sharedPeer), or one of own.
func (m *mirrorer) standIns(pending []pendingRule, subjects []subjectInfo) [][]Peer {
	fromPeer := make([][]Peer, len(m.policies))
	var own []Peer
	var ownFrom []int32
	for _, pr := range pending {
		if fromPeer[pr.from] != nil {
			continue
		}
		var x Peer
		setPeerOf(&x, &m.policies[pr.from].Subject, subjects[pr.from].selector)
		if svc := subjects[pr.from].service; svc != nil {
			fromPeer[pr.from] = svc.sharedPeer(&x)
		}
		if fromPeer[pr.from] == nil {
			fromPeer[pr.from] = []Peer{} // until own is complete
			own, ownFrom = append(own, x), append(ownFrom, pr.from)
		}
	}
	for i, from := range ownFrom {
		fromPeer[from] = own[i : i+1 : i+1]
	}
	return fromPeer
}

// open changes each target once: isolated, then given its rules in the order found
// (pending, grouped by target with a counting sort). fromPeer holds standIns.
func (m *mirrorer) open(pending []pendingRule, fromPeer [][]Peer) {
	first := make([]int32, len(m.targets)+1) // of each target's rules in byTarget
	for _, pr := range pending {
		first[pr.target+1]++
	}
	for i := 1; i < len(first); i++ {
		first[i] += first[i-1]
	}
	byTarget := make([]int32, len(pending))
	next := slices.Clone(first[:len(m.targets)])
	for i, pr := range pending {
		byTarget[next[pr.target]] = int32(i)
		next[pr.target]++
	}
	for ti := range m.targets {
		t := &m.targets[ti]
		if !t.isolate[0] && !t.isolate[1] {
			continue // and no rules
		}
		p := t.policy
		for i, d := range [...]Direction{Ingress, Egress} {
			if t.isolate[i] && !p.Isolates(d) {
				p.Isolate = append(p.Isolate, d)
				sortDirections(p.Isolate)
			}
		}
		p.Ingress = slices.Grow(p.Ingress, t.rules[0])
		p.Egress = slices.Grow(p.Egress, t.rules[1])
		for _, i := range byTarget[first[ti]:first[ti+1]] {
			pr := &pending[i]
			r := pr.rule
			mr := Rule{Action: Allow, Peers: fromPeer[pr.from], Ports: r.Ports, ICMP: r.ICMP, Mirrored: true, Path: r.Path}
			if pr.ingress {
				p.Ingress = append(p.Ingress, mr)
			} else {
				p.Egress = append(p.Egress, mr)
			}
		}
	}
}

// dnsRule is the index of a mirrorSource standing for its policy's DNS allowance, which
// is mirrored like an allow rule to the DNS service.
const dnsRule = -1

// sourceRule returns the allow rule of p that src belongs to. The DNS allowance, which
// is no rule of p, gets one made for it: few policies have their DNS allowance
// mirrored.
func (m *mirrorer) sourceRule(p *Policy, src mirrorSource) *Rule {
	if src.rule == dnsRule {
		if m.dnsRules == nil {
			m.dnsRules = map[*Policy]*Rule{}
		}
		r := m.dnsRules[p]
		if r == nil {
			r = &Rule{Action: Allow, Peers: m.b.dns, Ports: m.b.dnsPorts, Path: p.Path.Child("dns")}
			m.dnsRules[p] = r
		}
		return r
	}
	if src.ingress {
		return &p.Ingress[src.rule]
	}
	return &p.Egress[src.rule]
}

// undecidedLabels reports an allow whose side in the isolated namespaces listed cannot be
// derived: its peer selects namespaces by labels those namespaces do not declare, and
// guessing either way would widen or narrow the edge.
func (m *mirrorer) undecidedLabels(rule *field.Path, x *Peer, namespaces []string) {
	for _, ns := range namespaces {
		m.b.add(field.Required(field.NewPath("namespaces").Key(ns).Child("labels"), fmt.Sprintf(
			"%s allows pods of the namespaces %s; deriving the side of isolated namespace %q (mirroring) needs its labels: declare them with set.Namespace(%q).Labels(...) (nil if it has none), or make the rule OneSided()",
			rule, selectorString(x.NamespaceSelector), ns, ns)))
	}
}

// pendingRule is a mirrored rule to add to a target (see mirror).
type pendingRule struct {
	target, from, traffic int32 // indexes in mirrorer.targets and the policies, trafficID's
	ingress               bool
	rule                  *Rule // mirrored
}

// same reports whether o is the same rule as pr, both mirrored from one policy.
func (pr *pendingRule) same(o pendingRule) bool {
	return o.target == pr.target && o.traffic == pr.traffic && o.ingress == pr.ingress
}

// key is pr's key in seen, from being the subjects of the policies.
func (pr *pendingRule) key(from []int32) ruleKey {
	return ruleKey{target: pr.target, from: from[pr.from], traffic: pr.traffic, ingress: pr.ingress}
}

// mirrorer holds the state of mirror. Subjects, kinds of traffic and the policies that can
// receive mirrored rules are numbered, so that the maps consulted for every rule and peer
// have small keys rather than long strings built for each lookup.
type mirrorer struct {
	b        *modelBuilder
	idx      *isolationIndex
	policies []*Policy // declared
	from     []int32   // the number of each policy's subject
	// subjects numbers subjects by their key (appendSubjectKey); subjectKeys are the keys.
	subjects    map[string]int32
	subjectKeys []string
	// targets are the untiered policies, declared or derived; bySubject finds them by
	// subject and mode.
	targets   []target
	bySubject map[targetKey]int32
	derived   []*Policy
	// names holds the names of the policies by namespace, once a policy is derived.
	names map[[2]string]bool
	// byPeer caches matches by direction and peer, as ranges of found: a peer recurs in
	// many rules.
	byPeer map[peerKey][2]int32
	found  []mirrorMatch
	// traffic numbers the kinds of traffic of rules (ports and ICMP) by their key.
	traffic    map[string]int32
	key        []byte
	candidates []*Policy
	// undecided collects, in match, the namespaces it cannot tell about (see matches);
	// undecidedBy keeps them by peer.
	undecided   []string
	undecidedBy map[peerKey][]string
	// dnsRules holds the rules made for policies' DNS allowances (see sourceRule).
	dnsRules map[*Policy]*Rule
}

// target is a policy that may receive mirrored rules, with how many it receives in each
// direction and whether it isolates that direction for them.
type target struct {
	policy  *Policy
	rules   [2]int
	isolate [2]bool
}

// targetKey identifies an untiered policy by subject and mode (Enforce or Audit).
type targetKey struct {
	subject int32
	audit   bool
}

// ruleKey identifies a mirrored rule: its policy, direction, peer (the subject of the
// policy it mirrors) and traffic.
type ruleKey struct {
	target, from, traffic int32
	ingress               bool
}

// peerKey is what matches depends on of a peer. Pointers stand for selectors: the Model
// shares one selector between equal peers (see modelBuilder.intern), so that a peer
// recurring in many rules has one key; equal selectors behind different pointers only
// cost a second computation.
type peerKey struct {
	ingress     bool
	namespace   string
	all         bool
	nsSel, pods *metav1.LabelSelector
}

// mirrorMatch is an untiered policy q that isolates a direction and has pods that peer x
// selects, with the number of the subject of those pods (see intersect).
type mirrorMatch struct {
	q  *Policy
	x  *Peer
	id int32
	// targets caches the index+1 in mirrorer.targets of the policy receiving the rules
	// mirrored through the match, by mode (enforced, audited); 0 until known.
	targets [2]int32
}

// mirrorSource is an in-cluster pod peer of an allow rule, which mirror reads: the peer,
// the service whose shared peer it is (if any: see sharedPeer), and the rule, as its index
// among the rules of its direction.
type mirrorSource struct {
	peer    *Peer
	service *serviceSelector
	rule    int32
	ingress bool
}

// matches returns the matches of a peer for mirrored rules in direction d. The caller may
// update the targets of the matches returned.
//
// It also returns the isolated namespaces for which it cannot tell: x selects namespaces by
// labels that those namespaces do not declare.
func (m *mirrorer) matches(d Direction, x *Peer) ([]mirrorMatch, []string) {
	k := peerKey{ingress: d == Ingress, namespace: x.Namespace, all: x.AllNamespaces, nsSel: x.NamespaceSelector, pods: x.PodSelector}
	r, ok := m.byPeer[k]
	if !ok {
		m.undecided = nil
		r = m.match(d, x)
		m.byPeer[k] = r
		if m.undecided != nil {
			if m.undecidedBy == nil {
				m.undecidedBy = map[peerKey][]string{}
			}
			m.undecidedBy[k] = m.undecided
		}
	}
	var undecided []string
	if x.NamespaceSelector != nil {
		undecided = m.undecidedBy[k]
	}
	return m.found[r[0]:r[1]], undecided
}

// serviceMatches is matches of the shared peer of a service, cached with its selector,
// which is cheaper to reach than a map.
func (m *mirrorer) serviceMatches(d Direction, svc *serviceSelector) []mirrorMatch {
	c := &svc.matches[dirIndex(d)]
	if !c.known {
		c.found, c.known = m.match(d, &svc.peer[0]), true
	}
	return m.found[c.found[0]:c.found[1]]
}

// match finds the matches of a peer in direction d, and returns their range in m.found.
func (m *mirrorer) match(d Direction, x *Peer) [2]int32 {
	start := len(m.found)
	m.candidates = m.idx.candidates(m.candidates[:0], d, x)
	for _, q := range m.candidates {
		if q.Subject.Scope == ScopeNamespace && x.NamespaceSelector != nil && !m.b.nsDeclared[q.Subject.Namespace] {
			_, pods := intersectSelectors(&q.Subject.Pods, x.PodSelector)
			if _, decided := nameDecides(x.NamespaceSelector, q.Subject.Namespace); pods && !decided {
				if !slices.Contains(m.undecided, q.Subject.Namespace) {
					m.undecided = append(m.undecided, q.Subject.Namespace)
				}
				continue
			}
		}
		if s, ok := m.b.intersectPeer(q, x); ok {
			m.found = push(m.found, mirrorMatch{q: q, x: x, id: m.subjectID(&s)})
		}
	}
	return [2]int32{int32(start), int32(len(m.found))}
}

// target returns the index in m.targets of the policy that receives the rules mirrored
// through mt in the given mode, deriving one for a subject without a policy.
func (m *mirrorer) target(mt *mirrorMatch, audit bool) int32 {
	mi := 0
	if audit {
		mi = 1
	}
	if t := mt.targets[mi]; t > 0 {
		return t - 1
	}
	k := targetKey{mt.id, audit}
	t, found := m.bySubject[k]
	if !found {
		mode := Enforce
		if audit {
			mode = Audit
		}
		subj, _ := m.b.intersectPeer(mt.q, mt.x) // again: matches keeps only its number
		if m.names == nil {
			m.names = make(map[[2]string]bool, len(m.policies))
			for _, p := range m.policies {
				m.names[[2]string{p.Subject.Namespace, p.Name}] = true
			}
		}
		p := &Policy{
			Name:    derivedName(subj, mt.q, m.subjectKeys[mt.id]+"|"+string(mode)+"|", m.names),
			Subject: subj,
			Mode:    mode,
			Labels:  copyMap(mt.q.Labels),
			Path:    mt.q.Path,
			Derived: true,
		}
		t = int32(len(m.targets))
		m.bySubject[k] = t
		m.targets = append(m.targets, target{policy: p})
		m.derived = append(m.derived, p)
	}
	mt.targets[mi] = t + 1
	return t
}

// subjectID returns the number of a subject.
func (m *mirrorer) subjectID(s *Subject) int32 {
	m.key = appendSubjectKey(m.key[:0], s, m.b.set.serviceLabel)
	if id, ok := m.subjects[string(m.key)]; ok { // looked up without allocating the key
		return id
	}
	return m.keyID(string(m.key))
}

// keyID returns the number of the subject with the given key (see appendSubjectKey).
func (m *mirrorer) keyID(key string) int32 {
	if id, ok := m.subjects[key]; ok {
		return id
	}
	id := int32(len(m.subjectKeys))
	m.subjectKeys = append(m.subjectKeys, key)
	m.subjects[key] = id
	return id
}

// trafficID returns the number of a rule's kind of traffic.
func (m *mirrorer) trafficID(r *Rule) int32 {
	m.key = appendTrafficKey(m.key[:0], r.Ports, r.ICMP)
	if id, ok := m.traffic[string(m.key)]; ok {
		return id
	}
	id := int32(len(m.traffic))
	m.traffic[string(m.key)] = id
	return id
}

// intersectPeer returns the subject of q's pods that x selects (see intersect), and false
// when there are none. The subject may share x's selectors.
func (b *modelBuilder) intersectPeer(q *Policy, x *Peer) (Subject, bool) {
	if q.Subject.Scope == ScopeNamespace && x.Namespace != "" && x.NamespaceSelector == nil && !x.AllNamespaces &&
		x.PodSelector != nil && len(x.PodSelector.MatchExpressions) == 0 && isEmptySelector(&q.Subject.Pods) {
		// The common case, the defaults of a namespace and a peer that names it: the
		// peer's pods, or nothing.
		if x.Namespace != q.Subject.Namespace {
			return Subject{}, false
		}
		s := Subject{Scope: ScopeNamespace, Namespace: x.Namespace, Pods: *x.PodSelector}
		if svc, ok := x.PodSelector.MatchLabels[b.set.serviceLabel]; ok && len(x.PodSelector.MatchLabels) == 1 {
			s.Service = svc
		}
		return s, true
	}
	return b.intersect(&q.Subject, x)
}

// push appends v to s, doubling its capacity when full: append grows large slices by a
// quarter at a time, which allocates about five times their final size in all.
func push[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s), 16))
	}
	return append(s, v)
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

// setPeerOf sets *p, a zero Peer, to the pod peer standing for a subject's pods, which pods
// selects.
func setPeerOf(p *Peer, s *Subject, pods *metav1.LabelSelector) {
	p.Kind, p.PodSelector, p.Service = PeerPods, pods, s.Service
	if s.Scope == ScopeNamespace {
		p.Namespace = s.Namespace
	} else if s.NamespaceSelector != nil {
		p.NamespaceSelector = s.NamespaceSelector
	} else {
		p.AllNamespaces = true
	}
}

// intersect returns the subject of q's pods that x selects, and false when there are none
// (as far as the Set's namespace labels tell).
func (b *modelBuilder) intersect(q *Subject, x *Peer) (Subject, bool) {
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

// appendSubjectKey appends a key identifying a subject to dst, so that rules for the same
// pods share one policy. label is the service label.
func appendSubjectKey(dst []byte, s *Subject, label string) []byte {
	dst = append(dst, s.Scope...)
	dst = append(dst, '|')
	dst = append(dst, s.Namespace...)
	dst = append(dst, '|')
	dst = appendSelectorKey(dst, s.NamespaceSelector)
	dst = append(dst, '|')
	if s.Service != "" {
		// The pods are exactly the service's (see Subject.Service): the text of their
		// selector, without iterating over its map.
		dst = append(dst, label...)
		dst = append(dst, '=')
		dst = append(dst, s.Service...)
		dst = append(dst, ',')
	} else {
		dst = appendSelectorKey(dst, &s.Pods)
	}
	dst = append(dst, '|')
	return appendSelectorKey(dst, &s.Nodes)
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
// peer's pods, without scanning every policy for every peer. It reflects the policies
// as they were when it was made, before mirroring isolated some of them.
type isolationIndex struct {
	label string
	// isolating[d] lists the policies, from which the maps of direction d are made when
	// first needed: often only one direction has mirrored rules.
	isolating [2][]*Policy
	indexed   [2]bool
	// byNS[d][namespace] holds the namespaced policies of direction d.
	byNS    [2]map[string]*nsIsolation
	cluster [2][]*Policy
}

// nsIsolation holds the policies of one namespace isolating one direction. They are split
// by service label value when a peer first needs them (often only the DNS service's
// namespace is asked about).
type nsIsolation struct {
	all   []*Policy
	split bool
	nsPolicies
}

func newIsolationIndex(label string, policies []*Policy) *isolationIndex {
	idx := &isolationIndex{label: label}
	for _, q := range policies {
		if q.Tier != "" {
			continue
		}
		for _, d := range q.Isolate {
			idx.isolating[dirIndex(d)] = push(idx.isolating[dirIndex(d)], q)
		}
	}
	return idx
}

// index makes the maps of direction i.
func (idx *isolationIndex) index(i int) {
	idx.indexed[i] = true
	idx.byNS[i] = map[string]*nsIsolation{}
	for _, q := range idx.isolating[i] {
		switch q.Subject.Scope {
		case ScopeCluster:
			idx.cluster[i] = append(idx.cluster[i], q)
		case ScopeNamespace:
			n := idx.byNS[i][q.Subject.Namespace]
			if n == nil {
				n = &nsIsolation{}
				idx.byNS[i][q.Subject.Namespace] = n
			}
			n.all = push(n.all, q)
		}
	}
}

// splitBy splits n's policies by the service label.
func (n *nsIsolation) splitBy(label string) {
	n.split = true
	for _, q := range n.all {
		n.add(q, label)
	}
}

// candidates returns the policies isolating direction d that might select x's pods; the
// caller intersects to decide.
func (idx *isolationIndex) candidates(out []*Policy, d Direction, x *Peer) []*Policy {
	i := dirIndex(d)
	if !idx.indexed[i] {
		idx.index(i)
	}
	out = append(out, idx.cluster[i]...)
	add := func(ns string) {
		n := idx.byNS[i][ns]
		if n == nil {
			return
		}
		if !n.split {
			n.splitBy(idx.label)
		}
		var v string
		if x.PodSelector != nil {
			v = x.PodSelector.MatchLabels[idx.label]
		}
		out = n.appendTo(out, v, v != "")
	}
	if x.Namespace != "" {
		add(x.Namespace)
		return out
	}
	nss := make([]string, 0, len(idx.byNS[i]))
	for ns := range idx.byNS[i] {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		add(ns)
	}
	return out
}
