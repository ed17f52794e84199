package cilium

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"strings"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
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

// Limits that Sanitize enforces.
const (
	maxPorts      = 40
	maxICMPFields = 40
)

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

// emitted is the traffic of one Cilium rule of a group: all traffic (both empty), port
// rules, or ICMP rules (Sanitize rejects toPorts and icmps in one rule).
type emitted struct {
	ports api.PortRules
	icmps api.ICMPRules
}

// emit splits a compacted group into the Cilium rules that express it: one for its ports
// and one for its ICMP types, or one for all traffic. It returns them in an array, which
// costs no allocation, with their number.
func (g *group) emit() (out [2]emitted, n int) {
	if g.all {
		return out, 1
	}
	var plain []api.PortProtocol
	var l7Order []string
	var byL7 map[string][]api.PortProtocol
	var l7s map[string]*l7Spec
	var fields []api.ICMPField
	for _, a := range g.atoms {
		switch {
		case a.icmp != nil:
			fields = append(fields, *a.icmp.DeepCopy())
		case a.l7 != nil:
			if byL7 == nil {
				byL7, l7s = map[string][]api.PortProtocol{}, map[string]*l7Spec{}
			}
			if _, ok := byL7[a.l7.key]; !ok {
				l7Order = append(l7Order, a.l7.key)
				l7s[a.l7.key] = a.l7
			}
			byL7[a.l7.key] = append(byL7[a.l7.key], *a.port)
		default:
			if plain == nil {
				plain = make([]api.PortProtocol, 0, len(g.atoms))
			}
			plain = append(plain, *a.port)
		}
	}
	sort.Strings(l7Order)
	var ports api.PortRules
	for chunk := range slices.Chunk(plain, maxPorts) {
		ports = append(ports, api.PortRule{Ports: chunk})
	}
	for _, k := range l7Order {
		for chunk := range slices.Chunk(byL7[k], maxPorts) {
			ports = append(ports, api.PortRule{Ports: chunk, Rules: l7s[k].rules.DeepCopy()})
		}
	}
	if len(ports) > 0 {
		out[n].ports = ports
		n++
	}
	if len(fields) > 0 {
		var icmps api.ICMPRules
		for chunk := range slices.Chunk(fields, maxICMPFields) {
			icmps = append(icmps, api.ICMPRule{Fields: chunk})
		}
		out[n].icmps = icmps
		n++
	}
	return out, n
}

// The peers of emitted rules have memory of their own: a peer's translation is shared by
// every group that holds it, so all but one of the rules emitting it get a copy (see
// emitEndpoint).

func (g *group) ingressCommon() api.IngressCommonRule {
	var r api.IngressCommonRule
	if g.kind == kindEndpoints {
		r.FromEndpoints = make([]api.EndpointSelector, 0, len(g.peers))
	}
	for _, p := range g.peers {
		switch p.kind {
		case kindEndpoints:
			r.FromEndpoints = append(r.FromEndpoints, p.emitEndpoint())
		case kindEntities:
			r.FromEntities = append(r.FromEntities, p.entity)
		case kindCIDR:
			r.FromCIDRSet = append(r.FromCIDRSet, *p.cidr.DeepCopy())
		}
	}
	return r
}

func (g *group) egressCommon() (api.EgressCommonRule, []api.FQDNSelector) {
	var r api.EgressCommonRule
	var fqdns []api.FQDNSelector
	if g.kind == kindEndpoints {
		r.ToEndpoints = make([]api.EndpointSelector, 0, len(g.peers))
	}
	for _, p := range g.peers {
		switch p.kind {
		case kindEndpoints:
			r.ToEndpoints = append(r.ToEndpoints, p.emitEndpoint())
		case kindEntities:
			r.ToEntities = append(r.ToEntities, p.entity)
		case kindCIDR:
			r.ToCIDRSet = append(r.ToCIDRSet, *p.cidr.DeepCopy())
		case kindFQDN:
			fqdns = append(fqdns, p.fqdn)
		}
	}
	return r, fqdns
}

// emitEndpoint returns the selector of an endpoint peer for an emitted rule: the first
// rule to ask takes the translation's own, later ones a copy. So every emitted selector
// has memory of its own, and the translation is copied once less. Copying it from any
// goroutine is safe: once built, it is only read until Compile returns.
func (p *peerItem) emitEndpoint() api.EndpointSelector {
	if !p.taken.Load() && p.taken.CompareAndSwap(false, true) {
		return p.endpoint
	}
	return copyEndpoint(&p.endpoint)
}

// copyEndpoint is EndpointSelector.DeepCopy by value, with the labels cloned: a small
// map's clone copies its memory at once, where DeepCopy inserts every label again.
func copyEndpoint(es *api.EndpointSelector) api.EndpointSelector {
	out := *es
	if es.LabelSelector != nil {
		out.LabelSelector = &slimv1.LabelSelector{MatchLabels: maps.Clone(es.MatchLabels)}
		if es.MatchExpressions != nil {
			out.MatchExpressions = make([]slimv1.LabelSelectorRequirement, len(es.MatchExpressions))
			for i := range es.MatchExpressions {
				es.MatchExpressions[i].DeepCopyInto(&out.MatchExpressions[i])
			}
		}
	}
	return out
}

func denyPorts(ports api.PortRules) api.PortDenyRules {
	var out api.PortDenyRules
	for _, p := range ports {
		out = append(out, api.PortDenyRule{Ports: p.Ports})
	}
	return out
}

// ingress emits the ingress rules. An isolated direction needs at least one rule: Cilium
// derives default-deny from the rules that select an endpoint, and a rule without peers
// ({}) admits nothing.
func (dr *directionRules) ingress(isolated bool) ([]api.IngressRule, []api.IngressDenyRule) {
	allows, denies := compact(dr.allow), compact(dr.deny)
	allow := make([]api.IngressRule, 0, len(allows))
	deny := make([]api.IngressDenyRule, 0, len(denies))
	for _, g := range allows {
		es, n := g.emit()
		for _, e := range es[:n] {
			allow = append(allow, api.IngressRule{IngressCommonRule: g.ingressCommon(), ToPorts: e.ports, ICMPs: e.icmps})
		}
	}
	for _, g := range denies {
		es, n := g.emit()
		for _, e := range es[:n] {
			deny = append(deny, api.IngressDenyRule{IngressCommonRule: g.ingressCommon(), ToPorts: denyPorts(e.ports), ICMPs: e.icmps})
		}
	}
	if isolated && len(allow) == 0 && len(deny) == 0 {
		allow = []api.IngressRule{{}}
	}
	return nilIfEmpty(allow), nilIfEmpty(deny)
}

// egress emits the egress rules (see ingress).
func (dr *directionRules) egress(isolated bool) ([]api.EgressRule, []api.EgressDenyRule) {
	allows, denies := compact(dr.allow), compact(dr.deny)
	allow := make([]api.EgressRule, 0, len(allows))
	deny := make([]api.EgressDenyRule, 0, len(denies))
	for _, g := range allows {
		es, n := g.emit()
		for _, e := range es[:n] {
			common, fqdns := g.egressCommon()
			allow = append(allow, api.EgressRule{EgressCommonRule: common, ToFQDNs: fqdns, ToPorts: e.ports, ICMPs: e.icmps})
		}
	}
	for _, g := range denies {
		es, n := g.emit()
		for _, e := range es[:n] {
			common, _ := g.egressCommon()
			deny = append(deny, api.EgressDenyRule{EgressCommonRule: common, ToPorts: denyPorts(e.ports), ICMPs: e.icmps})
		}
	}
	if isolated && len(allow) == 0 && len(deny) == 0 {
		allow = []api.EgressRule{{}}
	}
	return nilIfEmpty(allow), nilIfEmpty(deny)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
