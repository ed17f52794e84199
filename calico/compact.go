package calico

import (
	"cmp"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/api/pkg/lib/numorstring"
)

// run translates a run of rules with one action, appending to pairs, so that the output
// has as few rules as Calico's one-protocol-per-rule model allows: see runMerged, and
// runOne for a run of one rule.
func (c *compiler) run(pairs []rulePair, e *emitted, d policy.Direction, rs []*policy.Rule) []rulePair {
	if len(rs) == 1 {
		return c.runOne(pairs, e, d, rs[0])
	}
	return c.runMerged(pairs, e, d, rs)
}

// runOne is runMerged for a run of one rule, the commonest, without its grouping of pairs
// by peer and by traffic: every peer of one rule has the same traffic, which needs no
// merging (traffics yields one traffic per protocol, with its ports joined, per ICMP
// message and per HTTP match), and no peer is left for absorbAny to drop once
// mergeEntities has merged them (the peer for every peer absorbs the rest). TestRunOne
// checks that it agrees with runMerged.
func (c *compiler) runOne(pairs []rulePair, e *emitted, d policy.Direction, r *policy.Rule) []rulePair {
	action := calicov3.Action(r.Action)
	s := &c.scratch
	s.ents = c.entities(s.ents[:0], e, d, r)
	es := mergeEntities(s.ents)
	s.trs = c.traffics(s.trs[:0], e, d, r)
	for _, t := range s.trs {
		for _, en := range es {
			pairs = append(pairs, rulePair{action, en, t})
		}
	}
	return pairs
}

// runMerged translates a run of rules with one action, appending to pairs: each (peer,
// traffic) pair of every rule is collected, traffic is merged per peer (ports of one
// protocol join), then peers are merged per traffic (selectors of pods in the same
// namespaces join with ||, nets of the same family and exceptions join).
func (c *compiler) runMerged(pairs []rulePair, e *emitted, d policy.Direction, rs []*policy.Rule) []rulePair {
	action := calicov3.Action(rs[0].Action)
	s := &c.scratch
	s.entNums.reset()
	s.distinct, s.trs, s.byEnt = s.distinct[:0], s.trs[:0], s.byEnt[:0]
	for _, r := range rs {
		s.ents = c.entities(s.ents[:0], e, d, r)
		first := len(s.trs)
		s.trs = c.traffics(s.trs, e, d, r)
		for _, en := range s.ents {
			i, isNew := s.entNums.number(en.key())
			if isNew {
				s.distinct = append(s.distinct, en)
			}
			for t := first; t < len(s.trs); t++ {
				s.byEnt = append(s.byEnt, entTraffic{i, t})
			}
		}
	}
	// Stable sorts group the pairs by peer, then by traffic, keeping the order of the rules.
	slices.SortStableFunc(s.byEnt, func(a, b entTraffic) int { return cmp.Compare(a.ent, b.ent) })
	s.trNums.reset()
	s.trOrder, s.byTr = s.trOrder[:0], s.byTr[:0]
	for lo := 0; lo < len(s.byEnt); {
		ent, hi := s.byEnt[lo].ent, lo+1
		for hi < len(s.byEnt) && s.byEnt[hi].ent == ent {
			hi++
		}
		trs := s.trs[s.byEnt[lo].tr : s.byEnt[lo].tr+1]
		if hi-lo > 1 {
			trs = s.group[:0]
			for _, x := range s.byEnt[lo:hi] {
				trs = append(trs, s.trs[x.tr])
			}
			s.group = trs
		}
		for _, t := range mergeTraffic(trs) {
			j, isNew := s.trNums.number(t.key())
			if isNew {
				s.trOrder = append(s.trOrder, t)
			}
			s.byTr = append(s.byTr, entTraffic{ent, j})
		}
		lo = hi
	}
	slices.SortStableFunc(s.byTr, func(a, b entTraffic) int { return cmp.Compare(a.tr, b.tr) })
	start := len(pairs)
	for lo := 0; lo < len(s.byTr); {
		tr, hi := s.byTr[lo].tr, lo+1
		for hi < len(s.byTr) && s.byTr[hi].tr == tr {
			hi++
		}
		es := s.distinct[s.byTr[lo].ent : s.byTr[lo].ent+1]
		if hi-lo > 1 {
			es = s.ents[:0]
			for _, x := range s.byTr[lo:hi] {
				es = append(es, s.distinct[x.ent])
			}
			s.ents = es
		}
		for _, en := range mergeEntities(es) {
			pairs = append(pairs, rulePair{action, en, s.trOrder[tr]})
		}
		lo = hi
	}
	return append(pairs[:start], absorbAny(pairs[start:])...)
}

// absorbAny drops from the pairs of one run (a union) those that a pair for every peer
// admits already: with the same traffic, all ports of the protocol, or every protocol.
// Pairs with HTTP matches are left alone.
func absorbAny(pairs []rulePair) []rulePair {
	var anyTraffic []traffic
	for _, p := range pairs {
		if p.entity.any {
			anyTraffic = append(anyTraffic, p.traffic)
		}
	}
	if len(anyTraffic) == 0 {
		return pairs
	}
	out := pairs[:0]
	for _, p := range pairs {
		if !p.entity.any && slices.ContainsFunc(anyTraffic, func(t traffic) bool { return t.covers(p.traffic) }) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// covers reports whether t admits all that u does.
func (t traffic) covers(u traffic) bool {
	switch {
	case t.http != nil || u.http != nil:
		return false
	case t.proto == "":
		return true
	case t.proto != u.proto || t.icmp != nil:
		return t.key() == u.key()
	}
	return t.ports == nil && u.icmp == nil
}

// mergeTraffic merges what one peer may do: every protocol absorbs the rest; all ports of
// a protocol absorb its single ports; single ports of one protocol (and one HTTP match)
// join into one list.
func mergeTraffic(ts []traffic) []traffic {
	if len(ts) == 1 {
		return ts
	}
	for _, t := range ts {
		if t.proto == "" && t.http == nil {
			return []traffic{t}
		}
	}
	var out []traffic
	type group struct {
		at    int
		ports []numorstring.Port
		all   bool
	}
	groups := map[trafficKey]*group{}
	seenICMP := map[trafficKey]bool{}
	allPorts := map[string]bool{}
	for _, t := range ts {
		if t.ports == nil && t.icmp == nil && t.http == nil {
			allPorts[t.proto] = true
		}
	}
	for _, t := range ts {
		switch {
		case t.icmp != nil:
			if !seenICMP[t.key()] {
				seenICMP[t.key()] = true
				out = append(out, t)
			}
		case allPorts[t.proto] && (t.http != nil || t.ports != nil):
			// Covered by the rule for every port of the protocol.
		default:
			k := (traffic{proto: t.proto, http: t.http}).key()
			g, ok := groups[k]
			if !ok {
				g = &group{at: len(out)}
				groups[k] = g
				out = append(out, traffic{proto: t.proto, http: t.http})
			}
			g.ports = append(g.ports, t.ports...)
			g.all = g.all || t.ports == nil
		}
	}
	for _, g := range groups {
		if !g.all {
			out[g.at].ports = sortPorts(g.ports)
		}
	}
	return out
}

// sortPorts sorts numbers and ranges before names and drops duplicates.
func sortPorts(ps []numorstring.Port) []numorstring.Port {
	slices.SortFunc(ps, func(a, b numorstring.Port) int {
		if (a.PortName == "") != (b.PortName == "") {
			if a.PortName == "" {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.MinPort, b.MinPort), cmp.Compare(a.MaxPort, b.MaxPort), strings.Compare(a.PortName, b.PortName))
	})
	out := ps[:0]
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return out
}

// mergeEntities merges the peers that share one traffic: the empty entity (every peer)
// absorbs the rest; pods of the same namespaces and service account join their selectors;
// nets of one family with the same exceptions join; then pods with the same selector in
// namespaces named one by one join their namespaces.
func mergeEntities(es []entity) []entity {
	if len(es) == 1 {
		return es
	}
	for _, e := range es {
		if e.any {
			return []entity{e}
		}
	}
	var out []entity
	sels := map[int][]string{}
	at := map[entityClass]int{}
	for _, e := range es {
		i, ok := at[e.class()]
		if !ok {
			i = len(out)
			at[e.class()] = i
			out = append(out, e)
		} else if !e.pods {
			out[i].nets = append(out[i].nets, e.nets...)
		}
		if e.pods {
			sels[i] = append(sels[i], e.sel)
		}
	}
	for i := range out {
		if out[i].pods {
			out[i].sel = orExpr(sels[i])
		} else {
			out[i].nets = sortedPrefixes(out[i].nets)
		}
	}
	return mergeNamespaces(out)
}

// mergeNamespaces joins pod entities that differ only in the namespace they name.
func mergeNamespaces(es []entity) []entity {
	var out []entity
	type podsKey struct{ sel, sa string }
	at := map[podsKey]int{}
	names := map[int][]string{}
	for _, e := range es {
		k, _, named := parseEquality(e.nsSel)
		if !e.pods || !named || k != namespaceNameLabel {
			out = append(out, e)
			continue
		}
		key := podsKey{e.sel, e.sa}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, e)
		}
		names[i] = append(names[i], e.nsSel)
	}
	for i, ns := range names {
		out[i].nsSel = orExpr(ns)
	}
	return out
}

// sortedPrefixes sorts CIDRs by address and length and drops those inside another.
func sortedPrefixes(cidrs []string) []string {
	ps := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	sort.Slice(ps, func(i, j int) bool {
		if c := ps[i].Addr().Compare(ps[j].Addr()); c != 0 {
			return c < 0
		}
		return ps[i].Bits() < ps[j].Bits()
	})
	out := make([]string, 0, len(ps))
	var last netip.Prefix
	for _, p := range ps {
		if last.IsValid() && last.Bits() <= p.Bits() && last.Contains(p.Addr()) {
			continue
		}
		last = p
		out = append(out, p.String())
	}
	return out
}

// entTraffic pairs the index of a peer in scratch.distinct with the index of a traffic.
type entTraffic struct{ ent, tr int }

// numbering numbers distinct keys in order of first appearance. The few keys of a
// typical run are searched linearly, which costs less than hashing them; a map indexes
// more.
type numbering[K comparable] struct {
	keys []K
	at   map[K]int
}

// maxLinear is the most keys numbering searches linearly.
const maxLinear = 8

// number returns the number of k and whether k is new.
func (n *numbering[K]) number(k K) (int, bool) {
	if len(n.keys) < maxLinear {
		for i := range n.keys {
			if n.keys[i] == k {
				return i, false
			}
		}
	} else {
		if len(n.at) == 0 {
			if n.at == nil {
				n.at = map[K]int{}
			}
			for i, k := range n.keys {
				n.at[k] = i
			}
		}
		if i, ok := n.at[k]; ok {
			return i, false
		}
		n.at[k] = len(n.keys)
	}
	n.keys = append(n.keys, k)
	return len(n.keys) - 1, true
}

// reset forgets every key.
func (n *numbering[K]) reset() {
	n.keys = n.keys[:0]
	if len(n.at) > 0 {
		clear(n.at)
	}
}
