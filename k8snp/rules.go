package k8snp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/k8snp/internal/handoff"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// rules translates the rules of direction d, appended to out, reporting what cannot be
// expressed.
func (c *compiler) rules(p *policy.Policy, d policy.Direction, t *backend.Notes, out []*rule) []*rule {
	ns := p.Subject.Namespace
	for _, r := range p.Rules(d) {
		switch r.Action {
		case policy.Deny:
			if c.opts.ClusterNetworkPolicies && handoff.Denies(p) {
				// k8snp/clusternp translates it into an Admin-tier Deny.
				continue
			}
			if handoff.Denies(p) {
				c.Refuse(r.Path, constructDeny, "NetworkPolicy is allow-only; an Admin-tier ClusterNetworkPolicy expresses the deny rule exactly",
					backend.Exact(optClusterNetworkPolicies))
			} else {
				c.Refuse(r.Path, constructDeny, "NetworkPolicy is allow-only, and ClusterNetworkPolicy has no tiers or audit mode for this deny rule")
			}
			continue
		case policy.Pass:
			c.Refuse(r.Path, constructPass, "NetworkPolicy has no tiers, so nothing to pass to")
			continue
		}
		nr := c.newRule()
		ok := true
		var widened []string
		onlyNode := true
		for i := range r.Peers {
			if nodeToPod(d, r.Peers[i]) {
				// The reference semantics let a pod's own node always reach it, as
				// NetworkPolicy does: the peer needs no rule.
				continue
			}
			onlyNode = false
			x := &r.Peers[i]
			pp := func() *field.Path { return r.Path.Child("peers").Index(i) }
			switch x.Kind {
			case policy.PeerAny:
				nr.anyPeer = true
			case policy.PeerPods:
				if e, good := c.podPeer(ns, x, pp); good {
					nr.peers = append(nr.peers, e)
				} else {
					ok = false
				}
			case policy.PeerCIDR:
				if !c.opts.Given {
					c.Refuse(pp(), constructCIDR,
						"a CIDR peer means addresses outside the cluster, while whether an ipBlock matches pod and node addresses "+
							"is implementation-defined (Calico and iptables-based CNIs match them, Cilium does not); the ipBlock must except "+
							"the cluster's pod, node and API server ranges, which the backend does not know",
						backend.Exact(optClusterCIDRs))
					ok = false
					continue
				}
				if e, some := c.cidrPeer(x.CIDR, x.Except); some {
					nr.peers = append(nr.peers, e)
				}
			case policy.PeerFQDN:
				c.Refuse(pp(), constructFQDN, fmt.Sprintf("NetworkPolicy has no DNS-name peers, only ipBlock CIDRs; %q cannot be expressed", x.FQDN))
				ok = false
			case policy.PeerEntity:
				if x.Entity == policy.EntityWorld && c.opts.WorldAsIPBlock {
					for _, all := range worldPrefixes {
						if e, some := c.cidrPeer(all, nil); some {
							nr.peers = append(nr.peers, e)
						}
					}
					if !c.opts.Given {
						widened = append(widened, "world is emitted as ipBlock 0.0.0.0/0 and ::/0; implementations may also match pod and node IPs against an ipBlock, so this can admit in-cluster traffic as well")
					}
					continue
				}
				c.refuseEntity(pp(), x.Entity)
				ok = false
			default:
				c.Refuse(pp(), constructUnknownPeer.Of(string(x.Kind)), "unknown peer kind")
				ok = false
			}
		}
		for _, pt := range r.Ports {
			nr.ports = append(nr.ports, c.portOf(pt))
		}
		if len(r.ICMP) > 0 {
			c.Refuse(r.Path.Child("icmp"), constructICMP,
				"NetworkPolicy ports are TCP, UDP or SCTP; ICMP cannot be matched (a rule without ports would admit every protocol)")
			ok = false
		}
		nr.allPorts = len(r.Ports) == 0
		if len(r.HTTP) > 0 {
			if c.opts.WidenL7 {
				widened = append(widened, "the HTTP match is dropped, so every request is admitted, not only "+describeHTTP(r.HTTP))
			} else {
				c.Refuse(r.Path.Child("http"), constructHTTP,
					"NetworkPolicy is L3/L4 only and cannot match HTTP requests", backend.Lossy(optWidenL7))
				ok = false
			}
		}
		if len(r.DNS) > 0 {
			if c.opts.WidenL7 {
				widened = append(widened, "the DNS lookup match is dropped, so lookups of every name are admitted, not only "+strings.Join(r.DNS, ", "))
			} else {
				c.Refuse(r.Path.Child("dns"), constructDNS,
					"NetworkPolicy is L3/L4 only and cannot match DNS lookups", backend.Lossy(optWidenL7))
				ok = false
			}
		}
		// A rule whose peers all name no address (CIDR peers inside the cluster's ranges)
		// admits nothing: emitted without peers it would admit every peer.
		if !ok || onlyNode || !nr.anyPeer && len(nr.peers) == 0 {
			continue
		}
		for _, w := range widened {
			t.Warn(r.Path, describeRule(d, r)+": "+w)
		}
		out = append(out, nr.normalize())
	}
	return out
}

// nodeToPod reports whether x stands for the pod's own node on ingress, which every engine
// admits without a rule.
func nodeToPod(d policy.Direction, x policy.Peer) bool {
	return d == policy.Ingress && x.Kind == policy.PeerEntity && x.Entity == policy.EntityHost
}

func (c *compiler) refuseEntity(path *field.Path, e policy.Entity) {
	switch e {
	case policy.EntityWorld:
		c.Refuse(path, constructWorld,
			"NetworkPolicy has no peer for every address outside the cluster; ipBlock 0.0.0.0/0 and ::/0 approximate it but may also match pod and node IPs "+
				"(where any address is meant, in or outside the cluster, policy.Any() is exact; with k8snp.ClusterCIDRs(...) the option excepts the cluster's ranges and is exact)",
			backend.Lossy(optWorldAsIPBlock))
	case policy.EntityCluster:
		c.Refuse(path, constructClusterEntity,
			"NetworkPolicy can select every pod (policy.AllNamespaces() is exact for them) but not the nodes and the API server that the cluster entity includes")
	default:
		c.Refuse(path, constructEntity.Of(string(e)),
			"NetworkPolicy selects pods by labels and other addresses by ipBlock; it has no portable way to name nodes or the API server")
	}
}

// dnsRule is the egress allowance to the Model's DNS service that an egress-isolated
// subject keeps (docs/semantics.md, "DNS is kept").
func (c *compiler) dnsRule(ns string) (*rule, bool) {
	e, ok := c.podPeer(ns, &c.model.DNS, func() *field.Path { return field.NewPath("options", "dns", "peer") })
	if !ok {
		return nil, false
	}
	r := c.newRule()
	r.peers = append(r.peers, e)
	for _, pt := range c.model.DNSPorts {
		r.ports = append(r.ports, c.portOf(pt))
	}
	r.allPorts = len(r.ports) == 0
	return r.normalize(), true
}

// podPeer translates a pod peer as seen from a policy in namespace ns; path gives the
// peer's path for messages (built only when needed: most peers translate).
func (c *compiler) podPeer(ns string, x *policy.Peer, path func() *field.Path) (peerEntry, bool) {
	ok := true
	if x.ServiceAccount != "" {
		c.Refuse(path().Child("serviceAccount"), constructServiceAccount,
			"NetworkPolicy selects peers by pod and namespace labels only, not by service account")
		ok = false
	}
	if x.Cluster != "" {
		c.Refuse(path().Child("cluster"), constructClusterMesh, "NetworkPolicy selects pods of the local cluster only")
		ok = false
	}
	if !ok {
		return peerEntry{}, false
	}
	if e, ok := servicePeer(ns, x); ok {
		return e, true
	}
	return selectorPeer(ns, x), true
}

// selectorPeer translates a pod peer as seen from a policy in namespace ns.
func selectorPeer(ns string, x *policy.Peer) peerEntry {
	var pods *metav1.LabelSelector
	if !emptySelector(x.PodSelector) {
		pods = canonicalSelector(x.PodSelector)
	}
	switch {
	case x.AllNamespaces:
		return podsPeer(&metav1.LabelSelector{}, pods)
	case x.NamespaceSelector != nil:
		return podsPeer(canonicalSelector(x.NamespaceSelector), pods)
	case x.Namespace == ns:
		if pods == nil {
			pods = &metav1.LabelSelector{}
		}
		return podsPeer(nil, pods)
	default:
		return podsPeer(&metav1.LabelSelector{MatchLabels: map[string]string{policy.NamespaceNameLabel: x.Namespace}}, pods)
	}
}

// servicePeer is selectorPeer for the commonest peer, a service's pods: one label, in a
// namespace named. It writes the key at once, as podsPeer would write it, and reports
// false for every other peer. TestServicePeer checks that it agrees with selectorPeer.
func servicePeer(ns string, x *policy.Peer) (peerEntry, bool) {
	if x.Namespace == "" || x.AllNamespaces || x.NamespaceSelector != nil || x.PodSelector == nil ||
		len(x.PodSelector.MatchLabels) != 1 || len(x.PodSelector.MatchExpressions) != 0 {
		return peerEntry{}, false
	}
	for k, v := range x.PodSelector.MatchLabels {
		pods := &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
		if x.Namespace == ns {
			return peerEntry{key: "0\x01" + k + "=" + v, peer: networkingv1.NetworkPolicyPeer{PodSelector: pods}}, true
		}
		nsSel := &metav1.LabelSelector{MatchLabels: map[string]string{policy.NamespaceNameLabel: x.Namespace}}
		return peerEntry{key: "1\x01" + x.Namespace + "\x01" + k + "=" + v,
			peer: networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel, PodSelector: pods}}, true
	}
	return peerEntry{}, false // not reached: the selector has one label
}

var worldPrefixes = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// cidrPeer is the ipBlock of the addresses of cidr outside the cluster, minus except: the
// declared cluster ranges inside cidr join its except list (NetworkPolicy requires except
// entries to be strict subsets of cidr). It reports false when cidr lies entirely inside
// a declared range, so that the peer names no address. Without ClusterCIDRs it is the
// plain range.
func (c *compiler) cidrPeer(cidr netip.Prefix, except []netip.Prefix) (peerEntry, bool) {
	var ex []netip.Prefix
	for _, cr := range c.opts.Ranges {
		switch {
		case cr.Bits() <= cidr.Bits() && cr.Contains(cidr.Addr()):
			return peerEntry{}, false
		case cidr.Contains(cr.Addr()):
			ex = append(ex, cr)
		}
	}
	if len(ex) == 0 {
		return ipBlockPeer(cidr, except), true
	}
	return ipBlockPeer(cidr, mergePrefixes(append(ex, except...))), true
}

// mergePrefixes sorts prefixes by address and drops those inside another (prefixes are
// nested or disjoint, so after sorting a contained prefix follows the last one kept).
func mergePrefixes(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].Bits() <= p.Bits() && out[n-1].Contains(p.Addr()) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// describeRule names a rule's direction, peers and ports for warning messages.
func describeRule(d policy.Direction, r policy.Rule) string {
	var peers []string
	for _, x := range r.Peers {
		peers = append(peers, describePeer(x))
	}
	word := "ingress from "
	if d == policy.Egress {
		word = "egress to "
	}
	ports := "all ports"
	if len(r.Ports) > 0 {
		var ps []string
		for _, pt := range r.Ports {
			ps = append(ps, describePort(pt))
		}
		ports = strings.Join(ps, ", ")
	}
	return word + strings.Join(peers, ", ") + " on " + ports
}

func describePeer(x policy.Peer) string {
	switch x.Kind {
	case policy.PeerAny:
		return "any peer"
	case policy.PeerCIDR:
		s := x.CIDR.String()
		if len(x.Except) > 0 {
			s += " except " + strings.Join(prefixStrings(x.Except), ", ")
		}
		return s
	case policy.PeerFQDN:
		return x.FQDN
	case policy.PeerEntity:
		return string(x.Entity)
	}
	pods := "all pods"
	if !emptySelector(x.PodSelector) {
		pods = "pods " + metav1.FormatLabelSelector(x.PodSelector)
	}
	switch {
	case x.AllNamespaces:
		return pods + " in all namespaces"
	case x.NamespaceSelector != nil:
		return pods + " in namespaces " + metav1.FormatLabelSelector(x.NamespaceSelector)
	default:
		return pods + " in namespace " + x.Namespace
	}
}

func describePort(pt policy.Port) string {
	switch {
	case pt.Name != "":
		return fmt.Sprintf("%s/%s", pt.Protocol, pt.Name)
	case pt.Port == 0:
		return fmt.Sprintf("all %s ports", pt.Protocol)
	case pt.EndPort != 0:
		return fmt.Sprintf("%s/%d-%d", pt.Protocol, pt.Port, pt.EndPort)
	default:
		return fmt.Sprintf("%s/%d", pt.Protocol, pt.Port)
	}
}

func describeHTTP(ms []policy.HTTPMatch) string {
	var out []string
	for _, m := range ms {
		var parts []string
		if m.Method != "" {
			parts = append(parts, m.Method)
		} else {
			parts = append(parts, "any method")
		}
		switch {
		case m.Path == "":
		case m.PathKind == policy.PathPrefix:
			parts = append(parts, "prefix "+m.Path)
		case m.PathKind == policy.PathRegex:
			parts = append(parts, "regex "+m.Path)
		default:
			parts = append(parts, m.Path)
		}
		if m.Host != "" {
			parts = append(parts, "host "+m.Host)
		}
		for _, h := range m.Headers {
			parts = append(parts, fmt.Sprintf("header %s: %s", h.Name, h.Value))
		}
		out = append(out, strings.Join(parts, " "))
	}
	return strings.Join(out, "; ")
}
