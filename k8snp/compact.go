package k8snp

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// A NetworkPolicy rule admits the product of its peers and its ports, and a direction admits
// the union of its rules. So two rules with the same ports are one rule with the union of
// their peers, and two rules with the same peers one rule with the union of their ports:
// compact applies both until nothing changes, which also drops duplicates. Peers and ports
// are sets (any one matches), so sorting them by a canonical key changes nothing but makes
// the output independent of the order in which the intent was written.

// peerEntry is a translated peer with its canonical key.
type peerEntry struct {
	key  string
	peer networkingv1.NetworkPolicyPeer
}

// portEntry is a translated port with its canonical key; proto and all let normalize drop
// ports that an all-ports entry of their protocol already covers.
type portEntry struct {
	key   string
	proto corev1.Protocol
	all   bool
	port  networkingv1.NetworkPolicyPort
}

// rule is a rule of one direction before emission.
type rule struct {
	// anyPeer: the rule has no from/to and matches every peer; peers is then empty.
	anyPeer bool
	peers   []peerEntry
	// allPorts: the rule has no ports and matches all traffic; ports is then empty.
	allPorts bool
	ports    []portEntry
	// peersKey and portsKey identify the peer and port sets, for merging.
	peersKey, portsKey string
}

// normalize sorts and deduplicates peers and ports, applies absorption (any peer covers
// every peer, all ports covers every port, all ports of a protocol cover its other ports)
// and computes the keys.
func (r *rule) normalize() *rule {
	if r.anyPeer {
		r.peers = nil
		r.peersKey = "*"
	} else {
		if len(r.peers) > 1 {
			// Entries with equal keys are equal: which one stays does not matter.
			slices.SortFunc(r.peers, func(a, b peerEntry) int { return strings.Compare(a.key, b.key) })
			r.peers = slices.CompactFunc(r.peers, func(a, b peerEntry) bool { return a.key == b.key })
		}
		r.peersKey = joinKeys(r.peers, func(p peerEntry) string { return p.key })
	}
	if r.allPorts {
		r.ports = nil
		r.portsKey = "*"
		return r
	}
	var allOf []corev1.Protocol
	for _, p := range r.ports {
		if p.all {
			allOf = append(allOf, p.proto)
		}
	}
	if len(r.ports) > 1 {
		slices.SortFunc(r.ports, func(a, b portEntry) int { return strings.Compare(a.key, b.key) })
	}
	ports := r.ports[:0]
	for i, p := range r.ports {
		if (i == 0 || p.key != r.ports[i-1].key) && (p.all || !slices.Contains(allOf, p.proto)) {
			ports = append(ports, p)
		}
	}
	r.ports = ports
	r.portsKey = joinKeys(r.ports, func(p portEntry) string { return p.key })
	return r
}

// joinKeys joins the keys of items with newlines, as strings.Join would, without a slice
// of the keys.
func joinKeys[T any](items []T, key func(T) string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return key(items[0])
	}
	n := len(items) - 1
	for _, it := range items {
		n += len(key(it))
	}
	var b strings.Builder
	b.Grow(n)
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(key(it))
	}
	return b.String()
}

// compact merges the rules of one direction (see the comment at the top of this file),
// drops what the rule for every peer or the rule for all ports already admits, and returns
// the rules in canonical order: by peers, the rule for every peer last.
func compact(rules []*rule) []*rule {
	for {
		n := len(rules)
		// Peers first: intent is mostly written per peer, and a peer's all-ports rule then
		// absorbs its narrower ones before they are spread over other peers' rules.
		rules = mergeBy(rules, func(r *rule) string { return r.peersKey }, func(into, from *rule) {
			into.allPorts = into.allPorts || from.allPorts
			into.ports = append(into.ports, from.ports...)
		})
		rules = mergeBy(rules, func(r *rule) string { return r.portsKey }, func(into, from *rule) {
			into.anyPeer = into.anyPeer || from.anyPeer
			into.peers = append(into.peers, from.peers...)
		})
		var pruned bool
		rules, pruned = prune(rules)
		if len(rules) == n && !pruned {
			break
		}
	}
	slices.SortFunc(rules, func(a, b *rule) int {
		if a.anyPeer != b.anyPeer {
			if b.anyPeer {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(a.peersKey, b.peersKey), strings.Compare(a.portsKey, b.portsKey))
	})
	return rules
}

// prune removes from each rule the ports that the rule for every peer admits and the peers
// that the rule for all ports admits (after merging there is at most one of each), and
// drops rules left with nothing. It reports whether it changed anything.
func prune(rules []*rule) ([]*rule, bool) {
	var anyPeer, allPorts *rule
	for _, r := range rules {
		if r.anyPeer {
			anyPeer = r
		}
		if r.allPorts {
			allPorts = r
		}
	}
	if anyPeer == nil && allPorts == nil {
		return rules, false
	}
	changed := false
	out := rules[:0]
	for _, r := range rules {
		if r == anyPeer || r == allPorts {
			out = append(out, r)
			continue
		}
		if anyPeer != nil && !r.allPorts {
			ports := r.ports[:0]
			for _, p := range r.ports {
				if !anyPeer.admitsPort(p) {
					ports = append(ports, p)
				}
			}
			changed = changed || len(ports) < len(r.ports)
			r.ports = ports
		}
		if allPorts != nil && !r.anyPeer {
			peers := r.peers[:0]
			for _, p := range r.peers {
				if !allPorts.admitsPeer(p) {
					peers = append(peers, p)
				}
			}
			changed = changed || len(peers) < len(r.peers)
			r.peers = peers
		}
		if !r.allPorts && len(r.ports) == 0 || !r.anyPeer && len(r.peers) == 0 ||
			anyPeer != nil && anyPeer.allPorts || allPorts != nil && allPorts.anyPeer {
			changed = true
			continue
		}
		out = append(out, r.normalize())
	}
	return out, changed
}

func (r *rule) admitsPort(p portEntry) bool {
	if r.allPorts {
		return true
	}
	for _, have := range r.ports {
		if have.key == p.key || have.all && have.proto == p.proto {
			return true
		}
	}
	return false
}

func (r *rule) admitsPeer(p peerEntry) bool {
	if r.anyPeer {
		return true
	}
	for _, have := range r.peers {
		if have.key == p.key {
			return true
		}
	}
	return false
}

// mergeBy merges rules with equal keys. The result, as a set, does not depend on the order
// of rules.
func mergeBy(rules []*rule, key func(*rule) string, merge func(into, from *rule)) []*rule {
	// Policies have few rules per direction: a linear search beats a map until many.
	const linear = 16
	var first map[string]*rule
	if len(rules) > linear {
		first = make(map[string]*rule, len(rules))
	}
	find := func(out []*rule, k string) *rule {
		if first != nil {
			return first[k]
		}
		for _, r := range out {
			if key(r) == k {
				return r
			}
		}
		return nil
	}
	out := rules[:0] // in place: a slot is written only once it has been read
	var merged []*rule
	for _, r := range rules {
		k := key(r)
		if into := find(out, k); into != nil {
			merge(into, r)
			merged = append(merged, into)
			continue
		}
		if first != nil {
			first[k] = r
		}
		out = append(out, r)
	}
	for _, r := range merged {
		r.normalize()
	}
	return out
}

// Peer keys sort pods of the policy's namespace first, then pods of namespaces named,
// then of namespaces selected by labels, then IPv4 and IPv6 blocks by address. Their parts
// are separated by \x01, which sorts before every character of a label, so that a shorter
// selector sorts before a longer one it is a prefix of.

func podsPeer(ns, pods *metav1.LabelSelector) peerEntry {
	var b strings.Builder
	b.Grow(64)
	switch {
	case ns == nil:
		b.WriteString("0\x01")
	case len(ns.MatchLabels) == 1 && len(ns.MatchExpressions) == 0 && ns.MatchLabels[policy.NamespaceNameLabel] != "":
		b.WriteString("1\x01")
		b.WriteString(ns.MatchLabels[policy.NamespaceNameLabel])
		b.WriteByte('\x01')
	default:
		b.WriteString("2\x01")
		writeSelectorKey(&b, ns)
		b.WriteByte('\x01')
	}
	writeSelectorKey(&b, pods)
	return peerEntry{key: b.String(), peer: networkingv1.NetworkPolicyPeer{NamespaceSelector: ns, PodSelector: pods}}
}

func ipBlockPeer(cidr netip.Prefix, except []netip.Prefix) peerEntry {
	family := "6"
	if cidr.Addr().Is4() {
		family = "4"
	}
	addr := cidr.Addr().As16()
	ex := prefixStrings(except)
	key := fmt.Sprintf("3\x01%s\x01%s\x01%03d\x01%s", family, hex.EncodeToString(addr[:]), cidr.Bits(), strings.Join(ex, ","))
	return peerEntry{key: key, peer: networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr.String(), Except: ex}}}
}

func prefixStrings(ps []netip.Prefix) []string {
	if len(ps) == 0 {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// portOf translates a port. Keys sort by protocol, then all ports, numbers and ranges by
// number, named ports by name.
func (c *compiler) portOf(pt policy.Port) portEntry {
	// The values the port points to, in one allocation.
	v := new(struct {
		proto corev1.Protocol
		port  intstr.IntOrString
		end   int32
	})
	v.proto = corev1.Protocol(pt.Protocol)
	e := portEntry{proto: v.proto, port: networkingv1.NetworkPolicyPort{Protocol: &v.proto}}
	switch {
	case pt.Name != "":
		v.port = intstr.FromString(pt.Name)
		e.port.Port = &v.port
		e.key = string(v.proto) + "|2|" + pt.Name
	case pt.Port == 0:
		e.all = true
		e.key = string(v.proto) + "|0"
	default:
		v.port = intstr.FromInt32(pt.Port)
		e.port.Port = &v.port
		if pt.EndPort != 0 {
			v.end = pt.EndPort
			e.port.EndPort = &v.end
		}
		// The same ports recur across the Set: their keys are made once.
		key, ok := c.portKeys[pt]
		if !ok {
			var buf [24]byte
			k := append(buf[:0], v.proto...)
			k = append(k, "|1|"...)
			k = appendPort(k, pt.Port)
			k = append(k, '|')
			key = string(appendPort(k, pt.EndPort))
			c.portKeys[pt] = key
		}
		e.key = key
	}
	return e
}

// appendPort appends a port number in five digits, so that keys sort numerically.
func appendPort(b []byte, n int32) []byte {
	for d := int32(10000); d > 0; d /= 10 {
		b = append(b, byte('0'+n/d%10))
	}
	return b
}
