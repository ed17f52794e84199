package policy

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Universe is a finite sample of the endpoints and traffic a Model talks about: a pod for
// every subject and pod peer (and one that nothing selects), addresses inside, outside and
// in the holes of every CIDR, names that do and do not match every FQDN, the DNS service,
// nodes, the API server and one system endpoint per component (EndpointSystem); and a
// probe for every port, range edge and ICMP type. Judging every flow of a Universe is how
// diagrams, reviews and the backends' equivalence tests see what a Set means.
type Universe struct {
	// Namespaces are the model's namespaces plus any synthesized to satisfy a namespace
	// selector, sorted by name.
	Namespaces []NamespaceInfo
	// Endpoints are the samples, sorted by name.
	Endpoints []Sample
	// Probes are the kinds of traffic tried between endpoints.
	Probes []Probe
	// PodCIDR is the range pod addresses were drawn from: where the model has CIDR peers,
	// one whose first addresses a CIDR peer covers, so that a backend whose CIDR rules
	// also match pod addresses (which the intent never means) is caught; a backend that
	// must be told the cluster's ranges to keep pods out of its CIDR rules is told this
	// one.
	PodCIDR netip.Prefix
}

// Sample is a named endpoint of a Universe.
type Sample struct {
	// Name identifies the sample ("pod:ecommerce/app=order-service", "ip:192.0.2.1", ...).
	Name string
	Endpoint
}

// Probe is the protocol part of a flow.
type Probe struct {
	Protocol Protocol
	Port     int32
	ICMP     *ICMP
}

// String renders the probe as "TCP/8080", "ICMP/8" or "ICMPv6/128".
func (p Probe) String() string {
	if p.ICMP != nil {
		s := fmt.Sprintf("ICMP/%d", p.ICMP.Type)
		if p.ICMP.Family == IPv6 {
			s = fmt.Sprintf("ICMPv6/%d", p.ICMP.Type)
		}
		if p.ICMP.Code != nil {
			s += fmt.Sprintf("/%d", *p.ICMP.Code)
		}
		return s
	}
	return fmt.Sprintf("%s/%d", p.Protocol, p.Port)
}

// Flows returns every flow between two different endpoints of which at least one is
// subject to policy (a pod or a node) and at most one is a node, for every probe, in a
// stable order.
func (u *Universe) Flows() []Flow {
	var out []Flow
	for _, src := range u.Endpoints {
		for _, dst := range u.Endpoints {
			if src.Name == dst.Name || (!judged(src.Endpoint) && !judged(dst.Endpoint)) || (isNode(src.Endpoint) && isNode(dst.Endpoint)) {
				continue
			}
			for _, p := range u.Probes {
				out = append(out, Flow{From: src.Endpoint, To: dst.Endpoint, Protocol: p.Protocol, Port: p.Port, ICMP: p.ICMP})
			}
		}
	}
	return out
}

// isNode reports whether e is a node. Flows between two nodes are left out: each node sees
// the other as a remote node, which EndpointHost (the node of the other end) cannot say.
func isNode(e Endpoint) bool { return e.Kind == EndpointHost || e.Kind == EndpointRemoteNode }

func judged(e Endpoint) bool {
	return e.Kind == EndpointPod || e.Kind == EndpointHost || e.Kind == EndpointRemoteNode
}

// podPools are candidate ranges for pod addresses, tried in order.
var podPools = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/16"),
	netip.MustParsePrefix("10.244.0.0/16"),
	netip.MustParsePrefix("172.31.0.0/16"),
	netip.MustParsePrefix("192.168.250.0/24"),
	netip.MustParsePrefix("fd00:10:244::/112"),
}

// Universe samples the model's endpoints and traffic.
func (m *Model) Universe() *Universe {
	g := &universeGen{m: m, pods: map[string]Sample{}, ns: map[string]map[string]string{}, named: map[string]Port{}}
	for _, n := range m.Namespaces {
		g.ns[n.Name] = n.Labels
	}
	g.collect()
	u := &Universe{PodCIDR: g.podPool()}
	g.addPods(u)
	g.addExternals(u)
	u.Endpoints = append(u.Endpoints,
		Sample{Name: "node:local", Endpoint: Endpoint{Kind: EndpointHost, Labels: g.nodeLabels}},
		Sample{Name: "node:remote", Endpoint: Endpoint{Kind: EndpointRemoteNode, Labels: g.nodeLabels}},
		Sample{Name: "kube-apiserver", Endpoint: Endpoint{Kind: EndpointKubeAPIServer}},
	)
	for _, c := range []string{ComponentHealth, ComponentIngress, ComponentInit, ComponentUnmanaged} {
		u.Endpoints = append(u.Endpoints, Sample{Name: "system:" + c, Endpoint: Endpoint{Kind: EndpointSystem, Component: c}})
	}
	sort.Slice(u.Endpoints, func(i, j int) bool { return u.Endpoints[i].Name < u.Endpoints[j].Name })
	for name, labels := range g.ns {
		u.Namespaces = append(u.Namespaces, NamespaceInfo{Name: name, Labels: labels})
	}
	sort.Slice(u.Namespaces, func(i, j int) bool { return u.Namespaces[i].Name < u.Namespaces[j].Name })
	u.Probes = g.probes()
	return u
}

type universeGen struct {
	m          *Model
	pods       map[string]Sample
	ns         map[string]map[string]string
	named      map[string]Port
	cidrs      []Peer
	fqdns      []string
	ports      []Port
	icmp       []ICMP
	nodeLabels map[string]string
}

func (g *universeGen) collect() {
	for _, p := range g.m.Policies {
		switch p.Subject.Scope {
		case ScopeNamespace:
			g.pod(Peer{Kind: PeerPods, Namespace: p.Subject.Namespace, PodSelector: &p.Subject.Pods})
		case ScopeCluster:
			g.pod(Peer{Kind: PeerPods, NamespaceSelector: p.Subject.NamespaceSelector, AllNamespaces: p.Subject.NamespaceSelector == nil, PodSelector: &p.Subject.Pods})
		case ScopeHost:
			if l, ok := satisfy(&p.Subject.Nodes); ok && g.nodeLabels == nil {
				g.nodeLabels = l
			}
		}
		for _, r := range append(append([]Rule(nil), p.Ingress...), p.Egress...) {
			for _, peer := range r.Peers {
				switch peer.Kind {
				case PeerPods:
					g.pod(peer)
				case PeerCIDR:
					g.cidrs = append(g.cidrs, peer)
				case PeerFQDN:
					g.fqdns = append(g.fqdns, peer.FQDN)
				}
			}
			g.fqdns = append(g.fqdns, r.DNS...)
			g.ports = append(g.ports, r.Ports...)
			g.icmp = append(g.icmp, r.ICMP...)
		}
	}
	g.pod(g.m.DNS)
	g.ports = append(g.ports, g.m.DNSPorts...)
	for name := range g.ns {
		g.pod(Peer{Kind: PeerPods, Namespace: name, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{g.m.ServiceLabel: "netintent-unselected"}}})
	}
	g.pod(Peer{Kind: PeerPods, Namespace: "netintent-elsewhere", PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{g.m.ServiceLabel: "netintent-unselected"}}})
}

// pod adds a pod that the peer selects (when one can be built).
func (g *universeGen) pod(peer Peer) {
	labels, ok := satisfy(peer.PodSelector)
	if !ok {
		return
	}
	var nss []string
	switch {
	case peer.Namespace != "":
		nss = []string{peer.Namespace}
	case peer.AllNamespaces:
		nss = []string{"netintent-elsewhere"}
	default:
		nss = g.namespacesFor(peer.NamespaceSelector)
	}
	for _, ns := range nss {
		if _, known := g.ns[ns]; !known {
			g.ns[ns] = map[string]string{NamespaceNameLabel: ns}
		}
		e := Endpoint{Kind: EndpointPod, Namespace: ns, NamespaceLabels: g.ns[ns], Labels: labels,
			ServiceAccount: peer.ServiceAccount, Cluster: peer.Cluster}
		name := "pod:" + ns + "/" + labelString(labels)
		if e.ServiceAccount != "" {
			name += "/sa=" + e.ServiceAccount
		}
		if e.Cluster != "" {
			name = "pod@" + e.Cluster + ":" + strings.TrimPrefix(name, "pod:")
		}
		g.pods[name] = Sample{Name: name, Endpoint: e}
	}
}

// namespacesFor returns the known namespaces a selector matches, or a synthesized one.
func (g *universeGen) namespacesFor(sel *metav1.LabelSelector) []string {
	var out []string
	for name, labels := range g.ns {
		if selectorMatches(sel, labels) {
			out = append(out, name)
		}
	}
	if len(out) > 0 {
		sort.Strings(out)
		return out[:1]
	}
	labels, ok := satisfy(sel)
	if !ok {
		return nil
	}
	name := "ns-" + strings.NewReplacer("=", "-", ",", "-", "/", "-", ".", "-", "_", "-").Replace(labelString(labels))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	labels[NamespaceNameLabel] = name
	g.ns[name] = labels
	return []string{name}
}

// satisfy returns labels that sel matches, and false if it found none.
func satisfy(sel *metav1.LabelSelector) (map[string]string, bool) {
	labels := map[string]string{}
	if sel == nil {
		return labels, true
	}
	for k, v := range sel.MatchLabels {
		labels[k] = v
	}
	for _, r := range sel.MatchExpressions {
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			if _, set := labels[r.Key]; !set && len(r.Values) > 0 {
				labels[r.Key] = r.Values[0]
			}
		case metav1.LabelSelectorOpExists:
			if _, set := labels[r.Key]; !set {
				labels[r.Key] = "x"
			}
		}
	}
	return labels, selectorMatches(sel, labels)
}

func labelString(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ",")
}

// podPool picks the first pool whose first pod address a CIDR peer covers, or else the
// first pool.
func (g *universeGen) podPool() netip.Prefix {
	for _, pool := range podPools {
		if g.covered(pool.Addr().Next()) {
			return pool
		}
	}
	return podPools[0]
}

func (g *universeGen) covered(a netip.Addr) bool {
	for _, c := range g.cidrs {
		if (Peer{Kind: PeerCIDR, CIDR: c.CIDR, Except: c.Except}).matches(Endpoint{Kind: EndpointExternal, IP: a}) {
			return true
		}
	}
	return false
}

func (g *universeGen) addPods(u *Universe) {
	names := make([]string, 0, len(g.pods))
	for name := range g.pods {
		names = append(names, name)
	}
	sort.Strings(names)
	next := u.PodCIDR.Addr().Next()
	for _, name := range names {
		s := g.pods[name]
		s.IP = next
		next = next.Next()
		s.NamedPorts = g.namedPorts()
		u.Endpoints = append(u.Endpoints, s)
	}
}

// namedPorts gives every pod every named port of the model, each at its own number.
func (g *universeGen) namedPorts() map[string]Port {
	if len(g.named) == 0 {
		var names []string
		seen := map[string]bool{}
		for _, p := range g.ports {
			if p.Name != "" && !seen[p.Name+string(p.Protocol)] {
				seen[p.Name+string(p.Protocol)] = true
				names = append(names, p.Name+"\x00"+string(p.Protocol))
			}
		}
		sort.Strings(names)
		for i, n := range names {
			name, proto, _ := strings.Cut(n, "\x00")
			if _, dup := g.named[name]; !dup {
				g.named[name] = Port{Protocol: Protocol(proto), Port: int32(20000 + i)}
			}
		}
	}
	if len(g.named) == 0 {
		return nil
	}
	out := make(map[string]Port, len(g.named))
	for k, v := range g.named {
		out[k] = v
	}
	return out
}

// The addresses outside the cluster that every Universe samples, one per family, from the
// documentation ranges (RFC 5737, RFC 3849): they stand for "some address outside the
// cluster" in diagrams and reviews, and name no real host.
var (
	ExampleIPv4 = netip.MustParseAddr("192.0.2.1")
	ExampleIPv6 = netip.MustParseAddr("2001:db8::1")
)

func (g *universeGen) addExternals(u *Universe) {
	addrs := map[netip.Addr]bool{ExampleIPv4: true, ExampleIPv6: true}
	for _, c := range g.cidrs {
		addrs[c.CIDR.Addr()] = true
		addrs[lastAddr(c.CIDR)] = true
		if after := lastAddr(c.CIDR).Next(); after.IsValid() && after.Is4() == c.CIDR.Addr().Is4() {
			addrs[after] = true
		}
		if before := c.CIDR.Addr().Prev(); before.IsValid() {
			addrs[before] = true
		}
		for _, x := range c.Except {
			addrs[x.Addr()] = true
		}
	}
	for a := range addrs {
		if u.PodCIDR.Contains(a) {
			continue
		}
		u.Endpoints = append(u.Endpoints, Sample{Name: "ip:" + a.String(), Endpoint: Endpoint{Kind: EndpointExternal, IP: a}})
	}
	seen := map[string]bool{}
	ip := netip.MustParseAddr("203.0.113.10")
	for _, pat := range g.fqdns {
		for _, name := range []string{exampleName(pat), "netintent-unlisted.example"} {
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			u.Endpoints = append(u.Endpoints, Sample{Name: "dns:" + name, Endpoint: Endpoint{Kind: EndpointExternal, IP: ip, DNSName: name}})
			ip = ip.Next()
		}
	}
}

// exampleName returns a DNS name the pattern matches.
func exampleName(pattern string) string {
	n := strings.TrimPrefix(pattern, "**.")
	if n != pattern {
		n = "a.b." + n
	}
	n = strings.ReplaceAll(n, "*", "x")
	if n == "x" {
		return "anything.example"
	}
	return n
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	b := a.AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	out, _ := netip.AddrFromSlice(b)
	return out
}

func (g *universeGen) probes() []Probe {
	set := map[string]Probe{}
	add := func(p Probe) { set[p.String()] = p }
	add(Probe{Protocol: TCP, Port: 7777})
	add(Probe{Protocol: UDP, Port: 7777})
	for _, p := range g.ports {
		switch {
		case p.Name != "":
			if np, ok := g.named[p.Name]; ok {
				add(Probe{Protocol: np.Protocol, Port: np.Port})
			}
		case p.Port == 0:
			add(Probe{Protocol: p.Protocol, Port: 7777})
		default:
			add(Probe{Protocol: p.Protocol, Port: p.Port})
			if p.EndPort != 0 {
				add(Probe{Protocol: p.Protocol, Port: p.EndPort})
				if p.EndPort < 65535 {
					add(Probe{Protocol: p.Protocol, Port: p.EndPort + 1})
				}
			}
			if p.Port > 1 {
				add(Probe{Protocol: p.Protocol, Port: p.Port - 1})
			}
		}
	}
	for _, m := range g.icmp {
		add(Probe{ICMP: &ICMP{Family: m.Family, Type: m.Type, Code: m.Code}})
	}
	if len(g.icmp) > 0 {
		add(Probe{ICMP: &ICMP{Family: IPv4, Type: 8}})
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Probe, len(keys))
	for i, k := range keys {
		out[i] = set[k]
	}
	return out
}
