package cilium

import (
	"maps"
	"slices"
	"sort"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
)

// Limits that Sanitize enforces.
const (
	maxPorts      = 40
	maxICMPFields = 40
)

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

// ingressCommon and egressCommon emit the peers of a group. The peers of emitted rules
// have memory of their own: a peer's translation is shared by every group that holds it,
// so all but one of the rules emitting it get a copy (see emitEndpoint).
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
