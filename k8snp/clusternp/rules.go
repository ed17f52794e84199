package clusternp

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// The options that change the outcome of refused intent, as policy.Fix names them.
const (
	optClusterCIDRs = "k8snp.ClusterCIDRs(...)"
	optNodes        = "k8snp/clusternp.Nodes()"
	optDomainNames  = "k8snp/clusternp.DomainNames()"
)

// domainNamePattern is the CRD's pattern of a DomainName (v1alpha2.DomainName).
var domainNamePattern = regexp.MustCompile(`^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$`)

// subdomains is the intent's leading "**." (two stars or more): one or more labels
// (policy.MatchFQDN).
var subdomains = regexp.MustCompile(`^\*{2,}\.`)

// domainName returns the domainNames entry that matches exactly the names the FQDN
// pattern matches, if there is one: the API's "*." matches one or more whole labels, as
// the intent's leading "**." does; the intent's "*" elsewhere spans one label, or part of
// one, which no entry expresses. The entry may still be one the CRD rejects (a single
// label).
func domainName(pattern string) (v1alpha2.DomainName, bool) {
	name := strings.TrimSuffix(strings.ToLower(pattern), ".")
	if loc := subdomains.FindStringIndex(name); loc != nil {
		name = "*." + name[loc[1]:]
		return v1alpha2.DomainName(name), !strings.Contains(name[2:], "*")
	}
	return v1alpha2.DomainName(name), !strings.Contains(name, "*")
}

// worldPrefixes are every address of both families.
var worldPrefixes = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// systemEndpoints is the warning on every object with a nodes peer (see Nodes).
const systemEndpoints = "Cilium matches no ClusterNetworkPolicy peer to its health, ingress, unmanaged and init endpoints, " +
	"which the intent counts among everything: traffic to them is decided there as if this rule did not exist"

// actionOf is the ClusterNetworkPolicy action of a rule's.
func actionOf(a policy.Action) v1alpha2.ClusterNetworkPolicyRuleAction {
	switch a {
	case policy.Deny:
		return v1alpha2.ClusterNetworkPolicyRuleActionDeny
	case policy.Pass:
		return v1alpha2.ClusterNetworkPolicyRuleActionPass
	}
	return v1alpha2.ClusterNetworkPolicyRuleActionAccept
}

// anyAction asks ingress and egress for the rules of every action, in order: a tiered
// policy's.
const anyAction policy.Action = ""

// ingress translates p's ingress rules of action a (anyAction: all); a rule whose peers
// name nothing is left out.
func (c *compiler) ingress(p *policy.Policy, a policy.Action) []v1alpha2.ClusterNetworkPolicyIngressRule {
	var out []v1alpha2.ClusterNetworkPolicyIngressRule
	for _, r := range p.Ingress {
		if a != anyAction && r.Action != a {
			continue
		}
		var from []v1alpha2.ClusterNetworkPolicyIngressPeer
		for i, x := range r.Peers {
			path := r.Path.Child("peers").Index(i)
			if x.Kind != policy.PeerPods {
				c.Refuse(path, constructIngressPeer.Of(describeKind(x)),
					"a ClusterNetworkPolicy's ingress peers are pods and namespaces only: it cannot match traffic from addresses outside the cluster or from nodes")
				continue
			}
			if ns, pods, ok := c.podPeer(x, path, p.Subject.Namespace); ok {
				from = append(from, v1alpha2.ClusterNetworkPolicyIngressPeer{Namespaces: ns, Pods: pods})
			}
		}
		protocols := c.traffic(r, false, false)
		if len(from) > maxItems {
			c.Refuse(r.Path.Child("peers"), constructPeers, fmt.Sprintf("the rule needs %d peers, a ClusterNetworkPolicy rule holds 25", len(from)))
		}
		if c.Any() || len(from) == 0 {
			continue
		}
		out = append(out, v1alpha2.ClusterNetworkPolicyIngressRule{Action: actionOf(r.Action), From: from, Protocols: protocols})
	}
	return out
}

// egress translates p's egress rules of action a (anyAction: all); a rule whose peers
// name nothing (CIDRs inside the cluster's ranges) is left out.
func (c *compiler) egress(p *policy.Policy, a policy.Action, t *backend.Notes) []v1alpha2.ClusterNetworkPolicyEgressRule {
	var out []v1alpha2.ClusterNetworkPolicyEgressRule
	for _, r := range p.Egress {
		if a != anyAction && r.Action != a {
			continue
		}
		var to []v1alpha2.ClusterNetworkPolicyEgressPeer
		var domains []v1alpha2.DomainName
		networks := false
		for i, x := range r.Peers {
			path := r.Path.Child("peers").Index(i)
			var ranges []netip.Prefix
			switch x.Kind {
			case policy.PeerPods:
				if ns, pods, ok := c.podPeer(x, path, p.Subject.Namespace); ok {
					to = append(to, v1alpha2.ClusterNetworkPolicyEgressPeer{Namespaces: ns, Pods: pods})
				}
				continue
			case policy.PeerAny:
				if all, ok := c.everything(path, constructAny, "every peer includes the nodes and the API server (policy.World() and policy.AllNamespaces() together do not)", t); ok {
					to = append(to, all...)
					networks = true
				}
				continue
			case policy.PeerCIDR:
				ranges = []netip.Prefix{x.CIDR}
			case policy.PeerEntity:
				if x.Entity != policy.EntityWorld {
					c.Refuse(path, constructEntity.Of(string(x.Entity)),
						"a ClusterNetworkPolicy's nodes peer (experimental channel) names every node, never the local node or the other nodes alone, "+
							"and it has no peer for the API server or for every endpoint of the cluster")
					continue
				}
				ranges = worldPrefixes
			case policy.PeerFQDN:
				if d, ok := c.fqdnPeer(p, r, x, path); ok {
					domains = append(domains, d)
				}
				continue
			default:
				c.Refuse(path, constructUnknownPeer.Of(string(x.Kind)), "unknown peer kind")
				continue
			}
			if !c.opts.Given {
				c.Refuse(path, constructCIDR,
					"a networks peer applies to pod and node traffic too, while a CIDR or world peer means addresses outside the cluster; "+
						"the networks must leave out the cluster's pod, node and API server ranges, which the backend does not know",
					backend.Exact(optClusterCIDRs))
				continue
			}
			var holes []netip.Prefix
			holes = append(holes, x.Except...)
			holes = append(holes, c.opts.Ranges...)
			var cidrs []netip.Prefix
			for _, rg := range ranges {
				cidrs = subtract(cidrs, rg, holes)
			}
			if len(cidrs) > 0 {
				networks = true
				to = appendNetworks(to, cidrs)
			}
		}
		for lo := 0; lo < len(domains); lo += maxItems {
			to = append(to, v1alpha2.ClusterNetworkPolicyEgressPeer{DomainNames: domains[lo:min(lo+maxItems, len(domains)):min(lo+maxItems, len(domains))]})
		}
		protocols := c.traffic(r, networks, len(domains) > 0)
		if len(to) > maxItems {
			c.Refuse(r.Path.Child("peers"), constructPeers, fmt.Sprintf("the rule needs %d peers (networks peers hold 25 CIDRs each), a ClusterNetworkPolicy rule holds 25", len(to)))
		}
		if c.Any() || len(to) == 0 {
			continue
		}
		out = append(out, v1alpha2.ClusterNetworkPolicyEgressRule{Action: actionOf(r.Action), To: to, Protocols: protocols})
	}
	return out
}

// denyAfter reports whether a deny rule follows r in rules.
func denyAfter(rules []policy.Rule, r policy.Rule) bool {
	after := false
	for _, x := range rules {
		switch {
		case x.Path.String() == r.Path.String():
			after = true
		case after && x.Action == policy.Deny:
			return true
		}
	}
	return false
}

// fqdnPeer translates the FQDN peer x of the egress rule r of p (see DomainNames).
func (c *compiler) fqdnPeer(p *policy.Policy, r policy.Rule, x policy.Peer, path *field.Path) (v1alpha2.DomainName, bool) {
	if r.Action != policy.Allow {
		c.Refuse(path, constructFQDNAction.Of(strings.ToLower(string(r.Action))),
			"a ClusterNetworkPolicy's domainNames peers are for Accept rules only (the API forbids them in Deny and Pass rules)")
		return "", false
	}
	if p.Tier != "" && denyAfter(p.Egress, r) {
		// Untiered denies are objects before every Accept; a tiered policy's rules keep
		// their order.
		c.Refuse(path, constructFQDNBeforeDeny,
			"Cilium admits the lookups of a domainNames rule's names at that rule's own priority, so a later Deny of the same "+
				"policy would not drop them as the intent does; state the denies first")
		return "", false
	}
	d, ok := domainName(x.FQDN)
	if !ok {
		c.Refuse(path, constructFQDNPattern, fmt.Sprintf("%q matches other names than any domainNames entry: "+
			"a domainNames entry is a name, matching itself only, or *. and a name, matching one or more whole labels before it "+
			"(the intent's leading **.), while the intent's * elsewhere matches one label or part of one", x.FQDN))
		return "", false
	}
	if !domainNamePattern.MatchString(string(d)) {
		c.Refuse(path, constructFQDNPattern, fmt.Sprintf("%q would be the domainNames entry %q, which the CRD rejects: it wants two labels or more", x.FQDN, d))
		return "", false
	}
	if !c.opts.DomainNames {
		c.Refuse(path, constructFQDN, fmt.Sprintf("domainNames peers are on the experimental channel of ClusterNetworkPolicy; %q is %q there", x.FQDN, d),
			backend.Exact(optDomainNames))
		return "", false
	}
	return d, true
}

// everything returns the egress peers that together name every destination: every pod
// (namespaces {}), every node and with them the API server (nodes {}, experimental
// channel) and every address outside the cluster (networks: 0.0.0.0/0 and ::/0 minus
// the cluster's ranges). Without Nodes or ClusterCIDRs it refuses construct at path,
// why saying what needs every destination.
func (c *compiler) everything(path *field.Path, construct backend.Construct, why string, t *backend.Notes) ([]v1alpha2.ClusterNetworkPolicyEgressPeer, bool) {
	if !c.opts.Nodes {
		c.Refuse(path, construct,
			why+": it needs a peer for every node and the API server, which the standard channel does not have (Cilium 1.20 does not match nodes by networks); "+
				"the experimental channel's nodes peer names them",
			backend.Lossy(optNodes))
		return nil, false
	}
	if !c.opts.Given {
		c.Refuse(path, construct,
			why+": the networks must name every address outside the cluster and leave out the cluster's pod, node and API server ranges, which the backend does not know",
			backend.Exact(optClusterCIDRs))
		return nil, false
	}
	t.Warn(path, systemEndpoints)
	to := []v1alpha2.ClusterNetworkPolicyEgressPeer{{Namespaces: &metav1.LabelSelector{}}, {Nodes: &metav1.LabelSelector{}}}
	var cidrs []netip.Prefix
	for _, rg := range worldPrefixes {
		cidrs = subtract(cidrs, rg, c.opts.Ranges)
	}
	return appendNetworks(to, cidrs), true
}

// dnsAccept is the Accept rule of p's DNS allowance: to the Model's DNS service on its
// ports.
func (c *compiler) dnsAccept(p *policy.Policy) []v1alpha2.ClusterNetworkPolicyEgressRule {
	path := field.NewPath("options", "dns", "peer")
	ns, pods, ok := c.podPeer(c.model.DNS, path, "")
	if !ok {
		return nil
	}
	protocols := c.traffic(policy.Rule{Ports: c.model.DNSPorts, Path: p.Path.Child("dns")}, false, false)
	return []v1alpha2.ClusterNetworkPolicyEgressRule{{Action: v1alpha2.ClusterNetworkPolicyRuleActionAccept,
		To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Namespaces: ns, Pods: pods}}, Protocols: protocols}}
}

// appendNetworks appends networks peers holding cidrs, 25 to a peer.
func appendNetworks(to []v1alpha2.ClusterNetworkPolicyEgressPeer, cidrs []netip.Prefix) []v1alpha2.ClusterNetworkPolicyEgressPeer {
	for lo := 0; lo < len(cidrs); lo += maxItems {
		var ns []v1alpha2.CIDR
		for _, p := range cidrs[lo:min(lo+maxItems, len(cidrs))] {
			ns = append(ns, v1alpha2.CIDR(p.String()))
		}
		to = append(to, v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: ns})
	}
	return to
}

// subtract appends to out the addresses of p outside every hole, as disjoint prefixes in
// address order: p itself if no hole overlaps it, nothing if one holds it, else the
// subtraction from each half of p.
func subtract(out []netip.Prefix, p netip.Prefix, holes []netip.Prefix) []netip.Prefix {
	overlaps := false
	for _, h := range holes {
		if h.Bits() <= p.Bits() && h.Contains(p.Addr()) {
			return out
		}
		overlaps = overlaps || h.Overlaps(p)
	}
	if !overlaps {
		return append(out, p)
	}
	lo := netip.PrefixFrom(p.Addr(), p.Bits()+1)
	hi := netip.PrefixFrom(lastAddr(lo).Next(), p.Bits()+1)
	return subtract(subtract(out, lo, holes), hi, holes)
}

// lastAddr is the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(a)*8; i++ {
		a[i/8] |= 1 << (7 - i%8)
	}
	out, _ := netip.AddrFromSlice(a)
	return out
}

// podPeer translates a pod peer of a policy in namespace ns ("" for a cluster-scoped
// policy, whose peers always name their namespaces).
func (c *compiler) podPeer(x policy.Peer, path *field.Path, ns string) (*metav1.LabelSelector, *v1alpha2.NamespacedPod, bool) {
	ok := true
	if x.ServiceAccount != "" {
		c.Refuse(path.Child("serviceAccount"), constructServiceAccount, "ClusterNetworkPolicy selects peers by pod and namespace labels only, not by service account")
		ok = false
	}
	if x.Cluster != "" {
		c.Refuse(path.Child("cluster"), constructClusterMesh, "ClusterNetworkPolicy selects pods of the local cluster only")
		ok = false
	}
	if !ok {
		return nil, nil, false
	}
	sel := metav1.LabelSelector{}
	switch {
	case x.AllNamespaces:
	case x.NamespaceSelector != nil:
		sel = *x.NamespaceSelector.DeepCopy()
	case x.Namespace != "":
		sel.MatchLabels = map[string]string{policy.NamespaceNameLabel: x.Namespace}
	default:
		sel.MatchLabels = map[string]string{policy.NamespaceNameLabel: ns}
	}
	if emptySelector(x.PodSelector) {
		return &sel, nil, true
	}
	return nil, &v1alpha2.NamespacedPod{NamespaceSelector: sel, PodSelector: *x.PodSelector.DeepCopy()}, true
}

// traffic translates the ports of a rule, refusing what ClusterNetworkPolicy cannot
// match; networks and domains say whether the rule has networks (or nodes) and
// domainNames peers, which the CRD forbids named ports with. No ports is every protocol
// and port (nil protocols).
func (c *compiler) traffic(r policy.Rule, networks, domains bool) []v1alpha2.ClusterNetworkPolicyProtocol {
	if len(r.ICMP) > 0 {
		c.Refuse(r.Path.Child("icmp"), constructICMP, "ClusterNetworkPolicy protocols are TCP, UDP or SCTP; ICMP cannot be matched")
	}
	if len(r.HTTP) > 0 {
		c.Refuse(r.Path.Child("http"), constructHTTP, "ClusterNetworkPolicy is L3/L4 only and cannot match HTTP requests")
	}
	if len(r.DNS) > 0 {
		c.Refuse(r.Path.Child("dns"), constructDNS, "ClusterNetworkPolicy is L3/L4 only and cannot match DNS lookups")
	}
	if len(r.Ports) > maxItems {
		c.Refuse(r.Path.Child("ports"), constructPorts, fmt.Sprintf("the rule has %d ports, a ClusterNetworkPolicy rule holds 25", len(r.Ports)))
		return nil
	}
	var out []v1alpha2.ClusterNetworkPolicyProtocol
	for i, pt := range r.Ports {
		if pt.Name != "" {
			if networks {
				c.Refuse(r.Path.Child("ports").Index(i), constructNamedPortNetworks,
					"the CRD forbids named ports in a rule with networks peers (networks have no named ports); state the CIDR peers in a rule of their own")
				continue
			}
			if domains {
				c.Refuse(r.Path.Child("ports").Index(i), constructNamedPortDomains,
					"the CRD forbids named ports in a rule with domainNames peers (names have no named ports); state the FQDN peers in a rule of their own")
				continue
			}
			out = append(out, v1alpha2.ClusterNetworkPolicyProtocol{DestinationNamedPort: pt.Name})
			continue
		}
		port := &v1alpha2.Port{Number: pt.Port}
		switch {
		case pt.Port == 0:
			// Every port of the protocol: the CRD wants a port, and flows have ports 1-65535.
			port = &v1alpha2.Port{Range: &v1alpha2.PortRange{Start: 1, End: 65535}}
		case pt.EndPort > pt.Port:
			port = &v1alpha2.Port{Range: &v1alpha2.PortRange{Start: pt.Port, End: pt.EndPort}}
		}
		switch pt.Protocol {
		case policy.TCP:
			out = append(out, v1alpha2.ClusterNetworkPolicyProtocol{TCP: &v1alpha2.ClusterNetworkPolicyProtocolTCP{DestinationPort: port}})
		case policy.UDP:
			out = append(out, v1alpha2.ClusterNetworkPolicyProtocol{UDP: &v1alpha2.ClusterNetworkPolicyProtocolUDP{DestinationPort: port}})
		case policy.SCTP:
			out = append(out, v1alpha2.ClusterNetworkPolicyProtocol{SCTP: &v1alpha2.ClusterNetworkPolicyProtocolSCTP{DestinationPort: port}})
		default:
			c.Refuse(r.Path.Child("ports").Index(i), constructProtocol.Of(string(pt.Protocol)), "ClusterNetworkPolicy protocols are TCP, UDP and SCTP")
		}
	}
	return out
}

// describeKind names a peer's kind for the ingress refusal.
func describeKind(x policy.Peer) string {
	if x.Kind == policy.PeerEntity {
		return string(x.Entity) + " entity"
	}
	return string(x.Kind)
}
