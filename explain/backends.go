package explain

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// locate returns the locator of what a backend emitted, by the type of its Result: false
// for a backend this package does not know.
func locate(res policy.Result) (locator, bool) {
	switch res.(type) {
	case *k8snp.Result:
		return k8snpLocator{index(res.Objects())}, true
	case *cilium.Result:
		return ciliumLocator{index(res.Objects())}, true
	case *calico.Result:
		return calicoLocator{index(res.Objects())}, true
	case *clusternp.Result:
		objs := index(res.Objects())
		return clusternpLocator{k8snpLocator{objs}, objs}, true
	}
	return nil, false
}

// locator finds, in what one backend emitted, the objects and rules that implement the
// intent.
type locator interface {
	// object returns the object that carries the rules of p with action a, or nil.
	object(p *policy.Policy, a policy.Action) netintent.Object
	// rules returns the field path of obj's rules of direction d, and those of its rules
	// there that have action a.
	rules(obj netintent.Object, d policy.Direction, a policy.Action) (string, []rule)
	// tier returns the object of the named tier, or nil.
	tier(name string) netintent.Object
}

// isolator returns the object that isolates p's subject: the one with p's allows, unless
// the locator keeps isolation apart (clusternp's Baseline objects).
func isolator(l locator, p *policy.Policy) netintent.Object {
	if il, ok := l.(interface {
		isolator(*policy.Policy) netintent.Object
	}); ok {
		return il.isolator(p)
	}
	return l.object(p, policy.Allow)
}

// tierEnd returns the object that drops, at the end of p's tier, what the tier leaves
// undecided: the tier's, unless the locator emits one per policy (clusternp's).
func tierEnd(l locator, p *policy.Policy) netintent.Object {
	if tl, ok := l.(interface {
		tierEnd(*policy.Policy) netintent.Object
	}); ok {
		return tl.tierEnd(p)
	}
	return l.tier(p.Tier)
}

// rule is one rule of an emitted object.
type rule struct {
	// index is the rule's position in its list.
	index int
	// mayMatch reports whether the rule's traffic and kind of peer can match the flow f
	// whose other end is peer. It errs on the side of true: a rule it rules out cannot
	// match.
	mayMatch func(peer policy.Endpoint, f policy.Flow) bool
}

// objects indexes emitted objects by kind, namespace and name.
type objects map[string]netintent.Object

func index(objs []netintent.Object) objects {
	out := make(objects, len(objs))
	for _, o := range objs {
		out[o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetNamespace()+"/"+o.GetName()] = o
	}
	return out
}

func (o objects) get(kind, namespace, name string) netintent.Object {
	return o[kind+"/"+namespace+"/"+name]
}

// section is the field path of the rules of direction d, with suffix for denies.
func section(d policy.Direction, deny bool) string {
	s := "spec." + strings.ToLower(string(d))
	if deny {
		s += "Deny"
	}
	return s
}

type k8snpLocator struct{ objs objects }

func (l k8snpLocator) object(p *policy.Policy, a policy.Action) netintent.Object {
	if a != policy.Allow {
		return nil
	}
	return l.objs.get("NetworkPolicy", p.Subject.Namespace, p.Name)
}

func (l k8snpLocator) rules(obj netintent.Object, d policy.Direction, _ policy.Action) (string, []rule) {
	np := obj.(*networkingv1.NetworkPolicy)
	var out []rule
	if d == policy.Ingress {
		for i, r := range np.Spec.Ingress {
			out = append(out, rule{i, func(peer policy.Endpoint, f policy.Flow) bool {
				return k8sPorts(r.Ports, f) && k8sPeers(r.From, np.Namespace, peer)
			}})
		}
	} else {
		for i, r := range np.Spec.Egress {
			out = append(out, rule{i, func(peer policy.Endpoint, f policy.Flow) bool {
				return k8sPorts(r.Ports, f) && k8sPeers(r.To, np.Namespace, peer)
			}})
		}
	}
	return section(d, false), out
}

func (k8snpLocator) tier(string) netintent.Object { return nil }

// k8sPorts reports whether NetworkPolicy ports admit the flow's traffic.
func k8sPorts(ports []networkingv1.NetworkPolicyPort, f policy.Flow) bool {
	if len(ports) == 0 {
		return true
	}
	if f.ICMP != nil {
		return false
	}
	for _, p := range ports {
		proto := "TCP"
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		if proto != string(f.Protocol) {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String:
			if namedPort(p.Port.StrVal, f) {
				return true
			}
		case p.EndPort != nil:
			if p.Port.IntVal <= f.Port && f.Port <= *p.EndPort {
				return true
			}
		case p.Port.IntVal == f.Port:
			return true
		}
	}
	return false
}

// k8sPeers reports whether NetworkPolicy peers, in namespace ns, match the endpoint.
func k8sPeers(peers []networkingv1.NetworkPolicyPeer, ns string, e policy.Endpoint) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if p.IPBlock != nil {
			if e.Kind == policy.EndpointExternal && inNets(e.IP, []string{p.IPBlock.CIDR}, p.IPBlock.Except) {
				return true
			}
			continue
		}
		if e.Kind != policy.EndpointPod || e.Cluster != "" {
			continue
		}
		inNamespace := e.Namespace == ns
		if p.NamespaceSelector != nil {
			inNamespace = matches(p.NamespaceSelector, e.NamespaceLabels)
		}
		if inNamespace && matches(p.PodSelector, e.Labels) {
			return true
		}
	}
	return false
}

// clusternpLocator finds NetworkPolicies as k8snpLocator does, and the
// ClusterNetworkPolicies of cluster-wide policies and of deny rules, named as
// k8snp/clusternp names them: a cluster-wide policy's Accepts in <name>, its denies in
// <name>-deny (<name> when it has no allows); a namespaced policy's denies in
// <namespace>.<name>. Rules split into <name>-2, ... are not followed.
type clusternpLocator struct {
	k8snpLocator
	objs objects
}

const kindCNP = "ClusterNetworkPolicy"

func (l clusternpLocator) object(p *policy.Policy, a policy.Action) netintent.Object {
	switch {
	case p.Tier != "":
		return l.tiered(p, a)
	case p.Subject.Scope == policy.ScopeNamespace && a == policy.Deny:
		return l.objs.get(kindCNP, "", p.Subject.Namespace+"."+p.Name)
	case p.Subject.Scope == policy.ScopeNamespace:
		return l.k8snpLocator.object(p, a)
	case a == policy.Deny:
		if o := l.objs.get(kindCNP, "", p.Name+"-deny"); o != nil {
			return o
		}
	}
	return l.objs.get(kindCNP, "", p.Name)
}

// tierName is the name of the objects of the tiered policy p: tier.<tier>.<name>, or
// tier.<tier>.<namespace>.<name>; its rules are split into runs of denies and of other
// actions, <name>, <name>-2, ...
func tierName(p *policy.Policy) string {
	if p.Subject.Scope == policy.ScopeNamespace {
		return "tier." + p.Tier + "." + p.Subject.Namespace + "." + p.Name
	}
	return "tier." + p.Tier + "." + p.Name
}

// tiered returns the first object of the tiered policy p with a rule of action a, or its
// first object when none has one.
func (l clusternpLocator) tiered(p *policy.Policy, a policy.Action) netintent.Object {
	want := cnpAction(a)
	first := l.objs.get(kindCNP, "", tierName(p))
	for k := 1; ; k++ {
		name := tierName(p)
		if k > 1 {
			name += "-" + strconv.Itoa(k)
		}
		o, ok := l.objs.get(kindCNP, "", name).(*v1alpha2.ClusterNetworkPolicy)
		if !ok {
			return first
		}
		for _, r := range o.Spec.Ingress {
			if r.Action == want {
				return o
			}
		}
		for _, r := range o.Spec.Egress {
			if r.Action == want {
				return o
			}
		}
	}
}

// cnpAction is the ClusterNetworkPolicy action of a rule with the intent's action a.
func cnpAction(a policy.Action) v1alpha2.ClusterNetworkPolicyRuleAction {
	switch a {
	case policy.Deny:
		return v1alpha2.ClusterNetworkPolicyRuleActionDeny
	case policy.Pass:
		return v1alpha2.ClusterNetworkPolicyRuleActionPass
	}
	return v1alpha2.ClusterNetworkPolicyRuleActionAccept
}

// tierEnd returns the object that drops what p's tier leaves undecided for p's subject.
func (l clusternpLocator) tierEnd(p *policy.Policy) netintent.Object {
	return l.objs.get(kindCNP, "", tierName(p)+"-end")
}

// isolator returns the NetworkPolicy of a namespaced policy, and the Baseline-tier
// <name>-isolation of a cluster-wide one.
func (l clusternpLocator) isolator(p *policy.Policy) netintent.Object {
	if p.Subject.Scope == policy.ScopeNamespace {
		return l.k8snpLocator.object(p, policy.Allow)
	}
	return l.objs.get(kindCNP, "", p.Name+"-isolation")
}

func (l clusternpLocator) rules(obj netintent.Object, d policy.Direction, a policy.Action) (string, []rule) {
	cnp, ok := obj.(*v1alpha2.ClusterNetworkPolicy)
	if !ok {
		return l.k8snpLocator.rules(obj, d, a)
	}
	action := cnpAction(a)
	var out []rule
	if d == policy.Ingress {
		for i, r := range cnp.Spec.Ingress {
			if r.Action == action {
				out = append(out, rule{i, func(peer policy.Endpoint, f policy.Flow) bool {
					return cnpProtocols(r.Protocols, f) && slices.ContainsFunc(r.From, func(x v1alpha2.ClusterNetworkPolicyIngressPeer) bool {
						return cnpPods(x.Namespaces, x.Pods, peer)
					})
				}})
			}
		}
	} else {
		for i, r := range cnp.Spec.Egress {
			if r.Action == action {
				out = append(out, rule{i, func(peer policy.Endpoint, f policy.Flow) bool {
					return cnpProtocols(r.Protocols, f) && slices.ContainsFunc(r.To, func(x v1alpha2.ClusterNetworkPolicyEgressPeer) bool {
						return cnpPods(x.Namespaces, x.Pods, peer) || cnpOther(x, peer)
					})
				}})
			}
		}
	}
	return section(d, false), out
}

// cnpPods reports whether a ClusterNetworkPolicy peer's namespaces or pods match the
// endpoint: pods of the local cluster.
func cnpPods(namespaces *metav1.LabelSelector, pods *v1alpha2.NamespacedPod, e policy.Endpoint) bool {
	if e.Kind != policy.EndpointPod || e.Cluster != "" {
		return false
	}
	switch {
	case namespaces != nil:
		return matches(namespaces, e.NamespaceLabels)
	case pods != nil:
		return matches(&pods.NamespaceSelector, e.NamespaceLabels) && matches(&pods.PodSelector, e.Labels)
	}
	return false
}

// cnpOther reports whether an egress peer's networks or nodes can match the endpoint:
// networks by address (they would match pods too, which the backend leaves out), nodes
// any node, and the API server, which runs on nodes.
func cnpOther(x v1alpha2.ClusterNetworkPolicyEgressPeer, e policy.Endpoint) bool {
	if x.Nodes != nil && (e.Kind == policy.EndpointHost || e.Kind == policy.EndpointRemoteNode || e.Kind == policy.EndpointKubeAPIServer) {
		return true
	}
	nets := make([]string, len(x.Networks))
	for i, n := range x.Networks {
		nets[i] = string(n)
	}
	return len(nets) > 0 && e.Kind == policy.EndpointExternal && inNets(e.IP, nets, nil)
}

// cnpProtocols reports whether ClusterNetworkPolicy protocols admit the flow's traffic;
// none admit every protocol and port.
func cnpProtocols(ps []v1alpha2.ClusterNetworkPolicyProtocol, f policy.Flow) bool {
	if len(ps) == 0 {
		return true
	}
	if f.ICMP != nil {
		return false
	}
	for _, p := range ps {
		var port *v1alpha2.Port
		switch {
		case p.DestinationNamedPort != "":
			if namedPort(p.DestinationNamedPort, f) {
				return true
			}
			continue
		case p.TCP != nil && f.Protocol == policy.TCP:
			port = p.TCP.DestinationPort
		case p.UDP != nil && f.Protocol == policy.UDP:
			port = p.UDP.DestinationPort
		case p.SCTP != nil && f.Protocol == policy.SCTP:
			port = p.SCTP.DestinationPort
		default:
			continue
		}
		switch {
		case port == nil:
			return true
		case port.Range != nil:
			if port.Range.Start <= f.Port && f.Port <= port.Range.End {
				return true
			}
		case port.Number == f.Port:
			return true
		}
	}
	return false
}

type ciliumLocator struct{ objs objects }

func (l ciliumLocator) object(p *policy.Policy, _ policy.Action) netintent.Object {
	if p.Subject.Scope == policy.ScopeNamespace {
		return l.objs.get("CiliumNetworkPolicy", p.Subject.Namespace, p.Name)
	}
	return l.objs.get("CiliumClusterwideNetworkPolicy", "", p.Name)
}

func (l ciliumLocator) rules(obj netintent.Object, d policy.Direction, a policy.Action) (string, []rule) {
	var spec *api.Rule
	switch o := obj.(type) {
	case *ciliumv2.CiliumNetworkPolicy:
		spec = o.Spec
	case *ciliumv2.CiliumClusterwideNetworkPolicy:
		spec = o.Spec
	}
	deny := a == policy.Deny
	var out []rule
	add := func(i int, ports []api.PortProtocol, hasPorts bool, icmps api.ICMPRules, ps ciliumPeers) {
		out = append(out, rule{i, func(peer policy.Endpoint, f policy.Flow) bool {
			return ciliumTraffic(ports, hasPorts, icmps, f) && ps.mayMatch(peer)
		}})
	}
	switch {
	case spec == nil:
	case d == policy.Ingress && !deny:
		for i, r := range spec.Ingress {
			ports, has := portRules(r.ToPorts)
			add(i, ports, has, r.ICMPs, ciliumPeers{len(r.FromEndpoints) > 0, len(r.FromEntities) > 0, r.FromCIDRSet, nil})
		}
	case d == policy.Ingress:
		for i, r := range spec.IngressDeny {
			ports, has := portDenyRules(r.ToPorts)
			add(i, ports, has, r.ICMPs, ciliumPeers{len(r.FromEndpoints) > 0, len(r.FromEntities) > 0, r.FromCIDRSet, nil})
		}
	case !deny:
		for i, r := range spec.Egress {
			ports, has := portRules(r.ToPorts)
			add(i, ports, has, r.ICMPs, ciliumPeers{len(r.ToEndpoints) > 0, len(r.ToEntities) > 0, r.ToCIDRSet, r.ToFQDNs})
		}
	default:
		for i, r := range spec.EgressDeny {
			ports, has := portDenyRules(r.ToPorts)
			add(i, ports, has, r.ICMPs, ciliumPeers{len(r.ToEndpoints) > 0, len(r.ToEntities) > 0, r.ToCIDRSet, nil})
		}
	}
	return section(d, deny), out
}

func (ciliumLocator) tier(string) netintent.Object { return nil }

func portRules(rs api.PortRules) ([]api.PortProtocol, bool) {
	var out []api.PortProtocol
	for _, r := range rs {
		out = append(out, r.Ports...)
	}
	return out, len(rs) > 0
}

func portDenyRules(rs api.PortDenyRules) ([]api.PortProtocol, bool) {
	var out []api.PortProtocol
	for _, r := range rs {
		out = append(out, r.Ports...)
	}
	return out, len(rs) > 0
}

// ciliumTraffic reports whether a Cilium rule's toPorts (hasPorts) or icmps can admit the
// flow's traffic; a rule with neither admits all traffic.
func ciliumTraffic(ports []api.PortProtocol, hasPorts bool, icmps api.ICMPRules, f policy.Flow) bool {
	if !hasPorts && len(icmps) == 0 {
		return true
	}
	if f.ICMP != nil {
		for _, r := range icmps {
			for _, field := range r.Fields {
				family := field.Family
				if family == "" {
					family = api.IPv4Family
				}
				if family != string(f.ICMP.Family) || field.Type == nil {
					continue
				}
				// A type given by name is not resolved here: it may match.
				if field.Type.Type == intstr.String || field.Type.IntVal == f.ICMP.Type {
					return true
				}
			}
		}
		return false
	}
	for _, p := range ports {
		if p.Protocol != "" && p.Protocol != api.ProtoAny && string(p.Protocol) != string(f.Protocol) {
			continue
		}
		if p.Port == "" || p.Port == "0" {
			return true
		}
		n, err := strconv.ParseInt(p.Port, 10, 32)
		switch {
		case err != nil:
			if namedPort(p.Port, f) {
				return true
			}
		case p.EndPort > 0:
			if int32(n) <= f.Port && f.Port <= p.EndPort {
				return true
			}
		case int32(n) == f.Port:
			return true
		}
	}
	return false
}

// ciliumPeers is the peer side of a Cilium rule: whether it has endpoint selectors and
// entities, and its CIDR sets and FQDN selectors.
type ciliumPeers struct {
	endpoints, entities bool
	cidrs               api.CIDRRuleSlice
	fqdns               api.FQDNSelectorSlice
}

// mayMatch reports whether the peers can match the endpoint, by kind: endpoint selectors
// only pods, CIDR sets and FQDNs only addresses outside the cluster (the API server and
// nodes are left possible), entities anything.
func (c ciliumPeers) mayMatch(e policy.Endpoint) bool {
	switch e.Kind {
	case policy.EndpointPod:
		return c.endpoints || c.entities
	case policy.EndpointExternal:
		if c.entities {
			return true
		}
		for _, r := range c.cidrs {
			if r.Cidr == "" {
				return true // a CIDR group is not resolved here
			}
			var except []string
			for _, x := range r.ExceptCIDRs {
				except = append(except, string(x))
			}
			if inNets(e.IP, []string{string(r.Cidr)}, except) {
				return true
			}
		}
		for _, s := range c.fqdns {
			pattern := s.MatchPattern
			if pattern == "" {
				pattern = s.MatchName
			}
			if e.DNSName != "" && policy.MatchFQDN(pattern, e.DNSName) {
				return true
			}
		}
		return false
	default:
		return c.entities || len(c.cidrs) > 0
	}
}

type calicoLocator struct{ objs objects }

func (l calicoLocator) object(p *policy.Policy, a policy.Action) netintent.Object {
	name := p.Name
	switch {
	case p.Tier != "":
		name = p.Tier + "." + p.Name
	case a == policy.Deny:
		name = calico.DenyTier + "." + p.Name
	}
	kind := "NetworkPolicy"
	if p.Subject.Scope != policy.ScopeNamespace {
		kind = "GlobalNetworkPolicy"
	}
	if p.Mode == policy.Audit {
		kind = "Staged" + kind
	}
	return l.objs.get(kind, p.Subject.Namespace, name)
}

func (l calicoLocator) rules(obj netintent.Object, d policy.Direction, a policy.Action) (string, []rule) {
	var ingress, egress []calicov3.Rule
	switch o := obj.(type) {
	case *calicov3.NetworkPolicy:
		ingress, egress = o.Spec.Ingress, o.Spec.Egress
	case *calicov3.GlobalNetworkPolicy:
		ingress, egress = o.Spec.Ingress, o.Spec.Egress
	case *calicov3.StagedNetworkPolicy:
		ingress, egress = o.Spec.Ingress, o.Spec.Egress
	case *calicov3.StagedGlobalNetworkPolicy:
		ingress, egress = o.Spec.Ingress, o.Spec.Egress
	}
	rs := ingress
	if d == policy.Egress {
		rs = egress
	}
	var out []rule
	for i, r := range rs {
		if r.Action != calicov3.Action(a) {
			continue
		}
		peer := r.Source
		if d == policy.Egress {
			peer = r.Destination
		}
		out = append(out, rule{i, func(e policy.Endpoint, f policy.Flow) bool {
			return calicoTraffic(r, f) && calicoPeer(peer, e)
		}})
	}
	return section(d, false), out
}

func (l calicoLocator) tier(name string) netintent.Object { return l.objs.get("Tier", "", name) }

// calicoTraffic reports whether a Calico rule's protocol, ports and ICMP match can admit
// the flow's traffic.
func calicoTraffic(r calicov3.Rule, f policy.Flow) bool {
	if r.Protocol == nil {
		return true
	}
	switch proto := r.Protocol.String(); proto {
	case "ICMP", "ICMPv6":
		if f.ICMP == nil || (proto == "ICMP") != (f.ICMP.Family == policy.IPv4) {
			return false
		}
		m := r.ICMP
		return m == nil || (m.Type == nil || int32(*m.Type) == f.ICMP.Type) &&
			(m.Code == nil || f.ICMP.Code != nil && int32(*m.Code) == *f.ICMP.Code)
	default:
		if f.ICMP != nil || !strings.EqualFold(proto, string(f.Protocol)) {
			return false
		}
		if len(r.Destination.Ports) == 0 {
			return true
		}
		for _, p := range r.Destination.Ports {
			if p.PortName != "" {
				if namedPort(p.PortName, f) {
					return true
				}
				continue
			}
			if int32(p.MinPort) <= f.Port && f.Port <= max(int32(p.MaxPort), int32(p.MinPort)) {
				return true
			}
		}
		return false
	}
}

// calicoPeer reports whether a Calico entity rule can match the endpoint: selectors never
// match addresses outside the cluster, nets match only their addresses; anything else may
// match (nets also match pod and node addresses).
func calicoPeer(er calicov3.EntityRule, e policy.Endpoint) bool {
	if e.Kind != policy.EndpointExternal {
		return true
	}
	if er.Selector != "" || er.NamespaceSelector != "" || er.ServiceAccounts != nil {
		return false
	}
	if len(er.Nets) > 0 {
		return inNets(e.IP, er.Nets, er.NotNets)
	}
	return len(er.NotNets) == 0 || inNets(e.IP, []string{"0.0.0.0/0", "::/0"}, er.NotNets)
}

// namedPort reports whether the flow's destination has a container port of that name on
// the flow's protocol and port.
func namedPort(name string, f policy.Flow) bool {
	p, ok := f.To.NamedPorts[name]
	return ok && p.Protocol == f.Protocol && p.Port == f.Port
}

// inNets reports whether ip is in one of nets and in none of except.
func inNets(ip netip.Addr, nets, except []string) bool {
	if !ip.IsValid() {
		return false
	}
	contains := func(cidrs []string) bool {
		for _, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil && p.Contains(ip) {
				return true
			}
		}
		return false
	}
	return contains(nets) && !contains(except)
}
