package clusternp

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/lift/internal/share"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// worldPrefixes are every address of both families.
var worldPrefixes = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// subject is whom a policy selects: pods matching pods in the namespace named namespace,
// or (namespace empty) in the namespaces namespaces matches (nil: every namespace).
type subject struct {
	namespace  string
	namespaces *metav1.LabelSelector
	pods       *metav1.LabelSelector
}

// subjectOf checks a ClusterNetworkPolicy's subject: exactly one of namespaces and pods.
func (l *lifter) subjectOf(s *v1alpha2.ClusterNetworkPolicySubject, path *field.Path, p problems) (subject, bool) {
	switch {
	case s.Namespaces != nil && s.Pods != nil:
		p.add(field.Forbidden(path, "exactly one of namespaces and pods may be set"))
	case s.Namespaces != nil:
		errs := validSelector(s.Namespaces, path.Child("namespaces"))
		p.add(errs...)
		return subject{namespaces: s.Namespaces, pods: &metav1.LabelSelector{}}, len(errs) == 0
	case s.Pods != nil:
		errs := append(validSelector(&s.Pods.NamespaceSelector, path.Child("pods", "namespaceSelector")),
			validSelector(&s.Pods.PodSelector, path.Child("pods", "podSelector"))...)
		p.add(errs...)
		return subject{namespaces: &s.Pods.NamespaceSelector, pods: &s.Pods.PodSelector}, len(errs) == 0
	default:
		p.add(field.Required(path, "exactly one of namespaces and pods"))
	}
	return subject{}, false
}

// podPeer lifts a namespaces or pods peer: every pod of the namespaces a selector
// matches, narrowed by a pod selector. Exactly one of ns and pods is set.
func podPeer(ns *metav1.LabelSelector, pods *v1alpha2.NamespacedPod, path *field.Path, p problems) (policy.Peer, bool) {
	var podSel *metav1.LabelSelector
	var errs field.ErrorList
	if pods != nil {
		ns, podSel = &pods.NamespaceSelector, &pods.PodSelector
		errs = append(validSelector(ns, path.Child("pods", "namespaceSelector")), validSelector(podSel, path.Child("pods", "podSelector"))...)
	} else {
		errs = validSelector(ns, path.Child("namespaces"))
	}
	p.add(errs...)
	if len(errs) > 0 {
		return policy.Peer{}, false
	}
	out := policy.AllNamespaces()
	if !isEmpty(ns) {
		out = policy.Namespaces(policy.LabelSelector(*ns.DeepCopy()))
	}
	if !isEmpty(podSel) {
		out = out.Pods(policy.LabelSelector(*podSel.DeepCopy()))
	}
	return out, true
}

// ingressPeers lifts a rule's from list: namespaces and pods peers.
func (l *lifter) ingressPeers(peers []v1alpha2.ClusterNetworkPolicyIngressPeer, path *field.Path, p problems) ([]any, bool) {
	if len(peers) == 0 {
		p.add(field.Required(path, "a rule needs at least one peer"))
		return nil, false
	}
	out := make([]any, 0, len(peers))
	ok := tooMany(len(peers), path, p)
	for i, x := range peers {
		ip := path.Index(i)
		if (x.Namespaces != nil) == (x.Pods != nil) {
			p.add(field.Forbidden(ip, "exactly one of namespaces and pods must be set"))
			ok = false
			continue
		}
		peer, pok := podPeer(x.Namespaces, x.Pods, ip, p)
		ok = ok && pok
		out = append(out, peer)
	}
	return out, ok
}

// egressPeers lifts a rule's to list. Peers that together name every destination (every
// pod, every node and every address outside the cluster's ranges) are policy.Any();
// networks naming every address outside the ranges are policy.World(); other networks,
// none of whose addresses may lie in a cluster range (the API applies networks to pod
// and node addresses too, a CIDR peer means addresses outside the cluster), are CIDR
// peers. A nodes peer alone names every node and the API server, which no intent peer
// names exactly.
func (l *lifter) egressPeers(peers []v1alpha2.ClusterNetworkPolicyEgressPeer, path *field.Path, p problems) ([]any, bool) {
	if len(peers) == 0 {
		p.add(field.Required(path, "a rule needs at least one peer"))
		return nil, false
	}
	var out []any
	// nets are the networks of every peer, groups each peer's.
	var nets []netip.Prefix
	var groups [][]netip.Prefix
	var netPaths []*field.Path
	var nodesPath *field.Path
	allPods, ok := false, tooMany(len(peers), path, p)
	for i, x := range peers {
		ip := path.Index(i)
		set := 0
		for _, b := range []bool{x.Namespaces != nil, x.Pods != nil, x.Nodes != nil, x.Networks != nil, x.DomainNames != nil} {
			if b {
				set++
			}
		}
		if set != 1 {
			p.add(field.Forbidden(ip, "exactly one of namespaces, pods, nodes, networks and domainNames must be set"))
			ok = false
			continue
		}
		switch {
		case x.Namespaces != nil || x.Pods != nil:
			peer, pok := podPeer(x.Namespaces, x.Pods, ip, p)
			ok = ok && pok
			out = append(out, peer)
			allPods = allPods || x.Namespaces != nil && isEmpty(x.Namespaces) || x.Pods != nil && isEmpty(&x.Pods.NamespaceSelector) && isEmpty(&x.Pods.PodSelector)
		case x.Nodes != nil:
			if errs := validSelector(x.Nodes, ip.Child("nodes")); len(errs) > 0 {
				p.add(errs...)
				ok = false
			} else if !isEmpty(x.Nodes) {
				p.add(field.Forbidden(ip.Child("nodes"), "the intent selects no nodes by labels: its node peers are the local node "+
					"(policy.Host), every other node (policy.RemoteNodes) and the API server"))
				ok = false
			}
			nodesPath = ip.Child("nodes")
		case x.DomainNames != nil:
			p.add(field.Forbidden(ip.Child("domainNames"), "domainNames peers (experimental channel) are not lifted: which addresses "+
				"they match depends on the implementation's DNS interception"))
			ok = false
		default:
			if len(x.Networks) == 0 {
				p.add(field.Required(ip.Child("networks"), "at least one CIDR"))
				ok = false
			}
			ok = tooMany(len(x.Networks), ip.Child("networks"), p) && ok
			var group []netip.Prefix
			for j, s := range x.Networks {
				np := ip.Child("networks").Index(j)
				n, err := netip.ParsePrefix(string(s))
				switch {
				case err != nil:
					p.add(field.Invalid(np, s, err.Error()))
					ok = false
				case n != n.Masked():
					p.add(field.Invalid(np, s, fmt.Sprintf("host bits are set; write %s", n.Masked())))
					ok = false
				default:
					nets, netPaths = append(nets, n), append(netPaths, np)
					group = append(group, n)
				}
			}
			groups = append(groups, group)
		}
	}
	if !ok {
		return nil, false
	}
	world := l.given && l.coversWorld(nets)
	if allPods && nodesPath != nil && world {
		return []any{policy.Any()}, true
	}
	if nodesPath != nil {
		p.add(field.Forbidden(nodesPath, "nodes {} names every node and the API server, which no intent peer names exactly (policy.Host and "+
			"policy.RemoteNodes are the local and the other nodes); only with namespaces {} and networks naming every address outside "+
			"the cluster in the same rule does it lift, as policy.Any()"))
		return nil, false
	}
	if len(nets) == 0 {
		return out, true
	}
	if !l.given {
		p.add(field.Forbidden(netPaths[0], "a networks peer applies to pod and node addresses too, while a CIDR peer means addresses "+
			"outside the cluster; declare the cluster's ranges with lift.ClusterCIDRs(...) to lift networks that name no in-cluster address"))
		return nil, false
	}
	for i, n := range nets {
		for _, r := range l.ranges {
			if r.Overlaps(n) {
				p.add(field.Forbidden(netPaths[i], fmt.Sprintf("%s overlaps the cluster's range %s: a networks peer applies to the pod and "+
					"node addresses there, which no CIDR peer names; select the pods by labels", n, r)))
				ok = false
			}
		}
	}
	if !ok {
		return nil, false
	}
	if world {
		return append(out, policy.World()), true
	}
	for _, family := range worldPrefixes {
		inFamily := func(ns []netip.Prefix) []netip.Prefix {
			return slices.DeleteFunc(slices.Clone(ns), func(n netip.Prefix) bool { return n.Addr().Is4() != family.Addr().Is4() })
		}
		// One CIDR peer for the rule where that is short (clusternp spreads one over
		// networks peers of 25), else one for each networks peer.
		if x, ok := l.oneCIDR(inFamily(nets)); ok {
			out = append(out, x)
			continue
		}
		for _, group := range groups {
			g := inFamily(group)
			if x, ok := l.oneCIDR(g); ok {
				out = append(out, x)
				continue
			}
			for _, n := range g {
				out = append(out, policy.CIDR(n.String()))
			}
		}
	}
	return out, true
}

// oneCIDR returns one CIDR peer naming nets, networks of one family: the smallest range
// holding them, with as excepts what it holds beyond them, when there are no more
// excepts than networks (clusternp writes a CIDR peer with excepts as the range minus
// its excepts and the cluster's ranges). Its addresses and those of nets differ only
// inside the cluster's ranges, where no network of nets lies.
func (l *lifter) oneCIDR(nets []netip.Prefix) (policy.Peer, bool) {
	if len(nets) == 0 {
		return policy.Peer{}, false
	}
	super := nets[0]
	for _, n := range nets[1:] {
		for !super.Contains(n.Addr()) || super.Bits() > n.Bits() {
			super = netip.PrefixFrom(super.Addr(), super.Bits()-1).Masked()
		}
	}
	except := l.excepts(nil, super, nets)
	if len(except) > len(nets) {
		return policy.Peer{}, false
	}
	ss := make([]string, len(except))
	for i, e := range except {
		ss[i] = e.String()
	}
	return policy.CIDR(super.String(), ss...), true
}

// excepts appends to out the largest prefixes of q that no network of nets overlaps,
// leaving in what nets and the cluster's ranges cover.
func (l *lifter) excepts(out []netip.Prefix, q netip.Prefix, nets []netip.Prefix) []netip.Prefix {
	overlaps := false
	for _, n := range nets {
		overlaps = overlaps || n.Overlaps(q)
	}
	switch {
	case !overlaps:
		return append(out, q)
	case share.Covered(q, append(slices.Clip(nets), l.ranges...)):
		return out
	}
	lo, hi := share.Halves(q)
	return l.excepts(l.excepts(out, lo, nets), hi, nets)
}

// everything reports whether peers name every destination (see egressPeers); its
// problems are egressPeers'.
func (l *lifter) everything(peers []v1alpha2.ClusterNetworkPolicyEgressPeer) bool {
	var discard []lift.Problem
	got, ok := l.egressPeers(peers, field.NewPath(""), problems{out: &discard})
	return ok && len(got) == 1 && got[0].(policy.Peer).Kind == policy.PeerAny
}

// coversWorld reports whether nets and the cluster's ranges together cover every
// address of both families.
func (l *lifter) coversWorld(nets []netip.Prefix) bool {
	have := append(append([]netip.Prefix(nil), nets...), l.ranges...)
	for _, w := range worldPrefixes {
		if !share.Covered(w, have) {
			return false
		}
	}
	return true
}

// ports lifts a rule's protocols; none is every protocol and port.
func (l *lifter) ports(protocols []v1alpha2.ClusterNetworkPolicyProtocol, path *field.Path, p problems) ([]policy.Port, bool) {
	var out []policy.Port
	ok := tooMany(len(protocols), path, p)
	for i, x := range protocols {
		pp := path.Index(i)
		type proto struct {
			name policy.Protocol
			port *v1alpha2.Port
		}
		var ps []proto
		if x.TCP != nil {
			ps = append(ps, proto{policy.TCP, x.TCP.DestinationPort})
		}
		if x.UDP != nil {
			ps = append(ps, proto{policy.UDP, x.UDP.DestinationPort})
		}
		if x.SCTP != nil {
			ps = append(ps, proto{policy.SCTP, x.SCTP.DestinationPort})
		}
		if n := len(ps); n > 1 || n == 1 && x.DestinationNamedPort != "" || n == 0 && x.DestinationNamedPort == "" {
			p.add(field.Forbidden(pp, "exactly one of tcp, udp, sctp and destinationNamedPort must be set"))
			ok = false
			continue
		}
		if x.DestinationNamedPort != "" {
			// The name resolves to the port of whichever protocol the pod declares it for.
			for _, pr := range []policy.Protocol{policy.TCP, policy.UDP, policy.SCTP} {
				out = append(out, policy.Port{Protocol: pr, Name: x.DestinationNamedPort})
			}
			continue
		}
		pt := policy.Port{Protocol: ps[0].name}
		dp := pp.Child(strings.ToLower(string(ps[0].name))).Child("destinationPort")
		switch d := ps[0].port; {
		case d == nil:
			p.add(field.Required(dp, "the CRD requires a port or a range (1-65535 for every port)"))
			ok = false
			continue
		case d.Number != 0 && d.Range != nil || d.Number == 0 && d.Range == nil:
			p.add(field.Forbidden(dp, "exactly one of number and range must be set"))
			ok = false
			continue
		case d.Range != nil:
			r := d.Range
			if r.Start < 1 || r.End > 65535 || r.Start >= r.End {
				p.add(field.Invalid(dp.Child("range"), fmt.Sprintf("%d-%d", r.Start, r.End), "must be 1 <= start < end <= 65535"))
				ok = false
				continue
			}
			if r.Start > 1 || r.End < 65535 {
				pt.Port, pt.EndPort = r.Start, r.End
			}
		default:
			if d.Number < 1 || d.Number > 65535 {
				p.add(field.Invalid(dp.Child("number"), d.Number, "must be between 1 and 65535"))
				ok = false
				continue
			}
			pt.Port = d.Number
		}
		out = append(out, pt)
	}
	return out, ok
}

// maxItems is the most rules per direction, peers per rule, networks per peer and
// protocols per rule the CRD admits.
const maxItems = 25

// tooMany reports a list longer than the CRD admits; it returns whether the list is
// short enough.
func tooMany(n int, path *field.Path, p problems) bool {
	if n > maxItems {
		p.add(field.TooMany(path, n, maxItems))
		return false
	}
	return true
}

// namedPortsWithAddresses reports a named port in an egress rule with networks, nodes
// or domainNames peers, which the CRD forbids (those have no named ports).
func namedPortsWithAddresses(r *v1alpha2.ClusterNetworkPolicyEgressRule, path *field.Path, p problems) bool {
	if !slices.ContainsFunc(r.To, func(x v1alpha2.ClusterNetworkPolicyEgressPeer) bool {
		return x.Networks != nil || x.Nodes != nil || x.DomainNames != nil
	}) {
		return false
	}
	for i, pr := range r.Protocols {
		if pr.DestinationNamedPort != "" {
			p.add(field.Forbidden(path.Child("protocols").Index(i).Child("destinationNamedPort"),
				"the CRD forbids named ports with networks, nodes and domainNames peers, which have no named ports"))
			return true
		}
	}
	return false
}
