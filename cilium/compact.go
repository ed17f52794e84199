package cilium

import (
	"cmp"
	"slices"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
)

// A Cilium rule admits (or denies) the product of its peers and its traffic, and the rules
// of a direction and action are a union: allows are unordered, and so are denies. So two
// groups with the same traffic are one group with the union of their peers, and two groups
// with the same peers one group with the union of their traffic; compact applies both until
// nothing changes, which also drops duplicates. A group matching all traffic absorbs every
// narrower traffic of the same peers. Peers, ports and rules are then sorted by canonical
// keys, which changes nothing but makes the output independent of the order in which the
// intent was written.

func (g *group) keys() {
	if g.ordered {
		return
	}
	g.peers = uniqueBy(g.peers, func(p *peerItem) string { return p.key })
	g.pkey = joinKeys(g.peers, func(p *peerItem) string { return p.key })
	if g.all {
		g.atoms = nil
		g.tkey = "*"
	} else {
		g.atoms = uniqueBy(g.atoms, func(a atom) string { return a.key })
		g.tkey = joinKeys(g.atoms, func(a atom) string { return a.key })
	}
	g.ordered = true
}

// joinKeys joins the keys of items, one per line.
func joinKeys[T any](items []T, key func(T) string) string {
	if len(items) == 1 {
		return key(items[0])
	}
	var b strings.Builder
	for _, it := range items {
		b.WriteString(key(it))
		b.WriteByte('\n')
	}
	return b.String()
}

// uniqueBy sorts in by key, in place, and drops duplicates.
func uniqueBy[T any](out []T, key func(T) string) []T {
	if len(out) <= 1 {
		return out
	}
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	n := 0
	for i, v := range out {
		if i > 0 && key(v) == key(out[n-1]) {
			continue
		}
		out[n] = v
		n++
	}
	return out[:n]
}

// compact merges groups as described above, drops what other groups admit already (see
// absorb), and returns them in canonical order.
func compact(gs []*group) []*group {
	if len(gs) == 1 {
		gs[0].keys()
		gs, _ = absorb(gs)
		return gs
	}
	for {
		n := len(gs)
		// Same peers first: a group matching all traffic then absorbs the narrower traffic
		// of its peers before its peers join those of other all-traffic groups.
		gs = mergeBy(gs, func(g *group) string { return g.pkey }, func(into, g *group) {
			into.all = into.all || g.all
			into.atoms = append(into.atoms, g.atoms...)
		})
		gs = mergeBy(gs, func(g *group) string { return g.tkey }, func(into, g *group) {
			into.peers = append(into.peers, g.peers...)
		})
		var absorbed bool
		gs, absorbed = absorb(gs)
		if len(gs) == n && !absorbed {
			break
		}
	}
	slices.SortFunc(gs, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), strings.Compare(a.pkey, b.pkey), strings.Compare(a.tkey, b.tkey))
	})
	return gs
}

// entityAll is the key of the peer for every endpoint (policy.Any).
var entityAll = entityItem(api.EntityAll).key

// absorb drops what the group for every peer (the all entity) admits already from the
// other groups of its list, which form a union (allows are unordered, and so are denies),
// so that nothing they admit changes: the other entities of its group, and its traffic
// from every other group (all of them when it is all traffic). Atoms with L7 rules stay
// unless equal to one of its atoms, and so does the DNS allowance (an implicit group).
// absorb reports whether it changed anything; groups it changed have their keys up to
// date, and may now merge with others.
func absorb(gs []*group) ([]*group, bool) {
	changed := false
	var anyG *group
	for _, g := range gs {
		if g.kind != kindEntities || !slices.ContainsFunc(g.peers, func(p *peerItem) bool { return p.key == entityAll }) {
			continue
		}
		if len(g.peers) > 1 {
			g.peers = slices.DeleteFunc(g.peers, func(p *peerItem) bool { return p.key != entityAll })
			g.ordered = false
			g.keys()
			changed = true
		}
		anyG = g
	}
	if changed {
		// Groups for every peer may now merge: absorb again once they have.
		return gs, true
	}
	if anyG == nil {
		return gs, false
	}
	out := gs[:0]
	for _, g := range gs {
		if g == anyG || g.implicit {
			out = append(out, g)
			continue
		}
		n, m := len(g.peers), len(g.atoms)
		if !g.all {
			// Traffic the group for every peer admits, from every peer.
			g.atoms = slices.DeleteFunc(g.atoms, func(a atom) bool {
				if anyG.all {
					return a.l7 == nil
				}
				return anyG.admits(a)
			})
		} else if anyG.all {
			g.peers = nil // all traffic from every peer: nothing of g remains
		}
		if len(g.peers) == 0 || !g.all && len(g.atoms) == 0 {
			changed = true
			continue
		}
		if len(g.peers) != n || len(g.atoms) != m {
			g.ordered = false
			g.keys()
			changed = true
		}
		out = append(out, g)
	}
	return out, changed
}

// admits reports whether the group admits atom a (with an equal key).
func (g *group) admits(a atom) bool {
	return g.all || slices.ContainsFunc(g.atoms, func(b atom) bool { return b.key == a.key })
}

// mergeBy merges groups of the same kind whose key is equal, keeping the first one's place.
func mergeBy(gs []*group, key func(*group) string, merge func(into, g *group)) []*group {
	out := gs[:0]
	// Directions have few groups: a linear search beats a map until many.
	const linear = 16
	var first map[string]*group
	if len(gs) > linear {
		first = make(map[string]*group, len(gs))
	}
	find := func(g *group) *group {
		if first != nil {
			return first[string(rune('0'+g.kind))+key(g)]
		}
		for _, o := range out {
			if o.kind == g.kind && key(o) == key(g) {
				return o
			}
		}
		return nil
	}
	for _, g := range gs {
		g.keys()
		if into := find(g); into != nil {
			merge(into, g)
			into.ordered = false
			continue
		}
		if first != nil {
			first[string(rune('0'+g.kind))+key(g)] = g
		}
		out = append(out, g)
	}
	for _, g := range out {
		g.keys()
	}
	return out
}
