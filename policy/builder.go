package policy

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

type workloadKind int

const (
	kindService workloadKind = iota
	kindPods
	kindNamespace
	kindCluster
	kindHost
)

// Workload builds the intent for one subject: a service, a group of pods, all pods of a
// namespace, a cluster-wide policy or a host policy. Its Allow/Deny methods start rules;
// the other methods set properties of the subject and return it for chaining.
type Workload struct {
	set       *Set
	kind      workloadKind
	namespace string
	name      string
	path      *field.Path

	selector   Selector
	nsSelector Selector
	rules      []*RuleBuilder
	isolate    [2]bool // indexed by dirIndex
	mode       Mode
	noDNS      bool
	objName    string
	labels     map[string]string
	annots     map[string]string
	tier       string
	order      float64
	ingressN   int
	egressN    int
}

func dirIndex(d Direction) int {
	if d == Ingress {
		return 0
	}
	return 1
}

// AllowFrom starts an ingress allow rule from the given peers. Each peer is a service name
// (string) in the workload's namespace, a Peer, or another *Workload.
func (w *Workload) AllowFrom(peers ...any) *RuleBuilder { return w.rule(Ingress, Allow, peers) }

// AllowTo starts an egress allow rule to the given peers (see AllowFrom for peer forms).
func (w *Workload) AllowTo(peers ...any) *RuleBuilder { return w.rule(Egress, Allow, peers) }

// DenyFrom starts an ingress deny rule. A deny always wins over allows and never isolates
// the workload by itself.
func (w *Workload) DenyFrom(peers ...any) *RuleBuilder { return w.rule(Ingress, Deny, peers) }

// DenyTo starts an egress deny rule. A deny always wins over allows and never isolates the
// workload by itself.
func (w *Workload) DenyTo(peers ...any) *RuleBuilder { return w.rule(Egress, Deny, peers) }

// PassFrom starts an ingress rule that hands matching traffic to the next tier. Only
// tiered workloads (InTier) can pass.
func (w *Workload) PassFrom(peers ...any) *RuleBuilder { return w.rule(Ingress, Pass, peers) }

// PassTo starts an egress rule that hands matching traffic to the next tier.
func (w *Workload) PassTo(peers ...any) *RuleBuilder { return w.rule(Egress, Pass, peers) }

// DefaultDeny isolates the workload in both directions: only what an allow rule admits
// gets through. DNS stays allowed unless WithoutDNS is set.
func (w *Workload) DefaultDeny() *Workload {
	w.isolate = [2]bool{true, true}
	return w
}

// DefaultDenyIngress isolates the workload for ingress.
func (w *Workload) DefaultDenyIngress() *Workload {
	w.isolate[dirIndex(Ingress)] = true
	return w
}

// DefaultDenyEgress isolates the workload for egress. DNS stays allowed unless WithoutDNS
// is set.
func (w *Workload) DefaultDenyEgress() *Workload {
	w.isolate[dirIndex(Egress)] = true
	return w
}

// WithoutDNS opts out of the automatic DNS allowance when the workload is egress-isolated.
// Without DNS almost every workload fails; use it only when DNS goes elsewhere.
func (w *Workload) WithoutDNS() *Workload {
	w.noDNS = true
	return w
}

// Audit puts the workload's policy in audit mode: what it would deny is reported, not
// dropped.
func (w *Workload) Audit() *Workload {
	w.mode = Audit
	return w
}

// Select replaces the workload's selector: pods for services, pod groups and cluster
// policies, nodes for host policies. For a service it overrides the service label.
func (w *Workload) Select(sel Selector) *Workload {
	if isNilSelector(sel) {
		sel = nil
	}
	w.selector = sel
	return w
}

// InNamespaces narrows a cluster-wide policy to pods in namespaces whose labels match sel.
func (w *Workload) InNamespaces(sel Selector) *Workload {
	if w.kind != kindCluster {
		w.set.errs = append(w.set.errs, field.Forbidden(w.path.Child("namespaceSelector"),
			"only cluster-wide policies can select namespaces"))
		return w
	}
	if isNilSelector(sel) {
		sel = nil
	}
	w.nsSelector = sel
	return w
}

// InTier places the workload's policy in a tier declared with Set.Tier, at the given
// order within the tier (lower first).
func (w *Workload) InTier(tier string, order float64) *Workload {
	w.tier = tier
	w.order = order
	return w
}

// Named sets the name of the emitted object(s); by default a service's policy is named
// after the service and a namespace's defaults "namespace-defaults".
func (w *Workload) Named(name string) *Workload {
	w.objName = name
	return w
}

// WithLabels adds labels to the emitted object(s).
func (w *Workload) WithLabels(labels map[string]string) *Workload {
	w.labels = mergeMaps(w.labels, labels)
	return w
}

// WithAnnotations adds annotations to the emitted object(s).
func (w *Workload) WithAnnotations(annotations map[string]string) *Workload {
	w.annots = mergeMaps(w.annots, annotations)
	return w
}

func mergeMaps(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

func (w *Workload) rule(d Direction, a Action, peers []any) *RuleBuilder {
	var path *field.Path
	if d == Ingress {
		path = w.path.Child("ingress").Index(w.ingressN)
		w.ingressN++
	} else {
		path = w.path.Child("egress").Index(w.egressN)
		w.egressN++
	}
	r := &RuleBuilder{Workload: w, dir: d, action: a, path: path}
	for i, p := range peers {
		switch v := p.(type) {
		case string:
			r.peers = append(r.peers, Service(v))
		case Peer:
			r.peers = append(r.peers, v)
		case *Workload:
			if v == nil {
				r.badPeer(i, p)
				continue
			}
			r.peers = append(r.peers, Peer{Kind: PeerPods, workload: v})
		case *NamespaceDefaults:
			if v == nil || v.Workload == nil {
				r.badPeer(i, p)
				continue
			}
			r.peers = append(r.peers, Peer{Kind: PeerPods, workload: v.Workload})
		default:
			r.badPeer(i, p)
		}
	}
	w.rules = append(w.rules, r)
	return r
}

// badPeer records a peer argument of the wrong type (or a nil pointer) and holds its place,
// so that later peers keep their index in field paths.
func (r *RuleBuilder) badPeer(i int, p any) {
	r.set.errs = append(r.set.errs, field.Invalid(r.path.Child("peers").Index(i), fmt.Sprintf("%T", p),
		"a peer is a service name (string), a policy.Peer or a non-nil *policy.Workload"))
	r.peers = append(r.peers, Peer{Kind: peerWrongType})
}

// NamespaceDefaults builds a namespace's defaults. It is also the Workload of all pods in
// the namespace, so namespace-wide rules read
// set.Namespace("shop").DefaultDeny().AllowFrom(policy.Namespace("monitoring")).TCP(9090).
type NamespaceDefaults struct {
	*Workload
	nsLabels map[string]string
}

// Labels declares the labels the namespace carries in the cluster (nil: none but its
// name). Namespace selectors in the Set (and the evaluator) judge the namespace by these
// labels. Mirroring an allow whose peer selects namespaces by labels into an isolated
// namespace needs them: without them the Set is invalid rather than guessing.
func (n *NamespaceDefaults) Labels(labels map[string]string) *NamespaceDefaults {
	n.nsLabels = mergeMaps(n.nsLabels, labels)
	return n
}

// AllowSameNamespace lets every pod of the namespace receive traffic from every other pod
// of the namespace (and, where their egress is isolated, send it). It isolates the
// namespace's pods for ingress.
func (n *NamespaceDefaults) AllowSameNamespace() *NamespaceDefaults {
	n.AllowFrom(SameNamespace()).sides = bothSides
	return n
}

// The Workload methods that configure the subject are repeated here so that namespace
// settings chain: set.Namespace("shop").DefaultDeny().Labels(...).

// DefaultDeny isolates every pod of the namespace in both directions (DNS stays allowed
// unless WithoutDNS is set).
func (n *NamespaceDefaults) DefaultDeny() *NamespaceDefaults {
	n.Workload.DefaultDeny()
	return n
}

// DefaultDenyIngress isolates every pod of the namespace for ingress.
func (n *NamespaceDefaults) DefaultDenyIngress() *NamespaceDefaults {
	n.Workload.DefaultDenyIngress()
	return n
}

// DefaultDenyEgress isolates every pod of the namespace for egress (DNS stays allowed
// unless WithoutDNS is set).
func (n *NamespaceDefaults) DefaultDenyEgress() *NamespaceDefaults {
	n.Workload.DefaultDenyEgress()
	return n
}

// WithoutDNS opts the namespace's defaults out of the automatic DNS allowance.
func (n *NamespaceDefaults) WithoutDNS() *NamespaceDefaults {
	n.Workload.WithoutDNS()
	return n
}

// Audit puts the namespace's defaults in audit mode.
func (n *NamespaceDefaults) Audit() *NamespaceDefaults {
	n.Workload.Audit()
	return n
}

// Named sets the name of the object(s) emitted for the namespace's defaults.
func (n *NamespaceDefaults) Named(name string) *NamespaceDefaults {
	n.Workload.Named(name)
	return n
}

// WithLabels adds labels to the emitted object(s).
func (n *NamespaceDefaults) WithLabels(labels map[string]string) *NamespaceDefaults {
	n.Workload.WithLabels(labels)
	return n
}

// WithAnnotations adds annotations to the emitted object(s).
func (n *NamespaceDefaults) WithAnnotations(annotations map[string]string) *NamespaceDefaults {
	n.Workload.WithAnnotations(annotations)
	return n
}

// RuleBuilder builds one rule. Its port and L7 methods narrow the rule; the embedded
// Workload's methods start the next rule or configure the workload.
type RuleBuilder struct {
	*Workload
	dir    Direction
	action Action
	peers  []Peer
	ports  []Port
	icmp   []ICMP
	http   []HTTPMatch
	dns    []string
	path   *field.Path
	// sides says which ends the rule opens: its own, or also the other end's side, where
	// the peer's pods are isolated (mirroring).
	sides sides
}

// sides says whether an allow rule is mirrored (docs/semantics.md, "Both ends: mirroring").
type sides uint8

const (
	// bothIfNamed mirrors the rule where its peer names workloads (see namesWorkloads).
	bothIfNamed sides = iota
	// oneSided never mirrors it (RuleBuilder.OneSided).
	oneSided
	// bothSides mirrors it whatever the peer: AllowSameNamespace promises both ends.
	bothSides
)

// OneSided makes an allow rule open only this end: it is not mirrored into the other
// end's side where that end is isolated, so the other end must allow the traffic itself
// (docs/semantics.md, "Both ends: mirroring"). Published policies that each guard one
// side are written this way.
func (r *RuleBuilder) OneSided() *RuleBuilder {
	r.sides = oneSided
	return r
}

// TCP narrows the rule to the given TCP ports; it needs at least one (AllPorts
// admits every TCP port).
func (r *RuleBuilder) TCP(ports ...int) *RuleBuilder { return r.numbered(TCP, ports) }

// UDP narrows the rule to the given UDP ports; it needs at least one (AllPorts
// admits every UDP port).
func (r *RuleBuilder) UDP(ports ...int) *RuleBuilder { return r.numbered(UDP, ports) }

// SCTP narrows the rule to the given SCTP ports; it needs at least one (AllPorts
// admits every SCTP port).
func (r *RuleBuilder) SCTP(ports ...int) *RuleBuilder { return r.numbered(SCTP, ports) }

// PortRange narrows the rule to ports from..to (inclusive) of the protocol.
func (r *RuleBuilder) PortRange(proto Protocol, from, to int) *RuleBuilder {
	return r.number(Port{Protocol: proto, Port: clampPort(from), EndPort: clampPort(to)})
}

// AllPorts narrows the rule to every port of the protocol.
func (r *RuleBuilder) AllPorts(proto Protocol) *RuleBuilder {
	r.ports = append(r.ports, Port{Protocol: proto})
	return r
}

// NamedPort narrows the rule to the destination pods' container port of that name, TCP.
func (r *RuleBuilder) NamedPort(name string) *RuleBuilder {
	return r.Port(Port{Protocol: TCP, Name: name})
}

// Port narrows the rule to any port value (protocol, number or range, or name).
func (r *RuleBuilder) Port(p Port) *RuleBuilder {
	r.ports = append(r.ports, p)
	return r
}

// ICMP narrows the rule to ICMP (IPv4) messages of the type, and of the code if given.
func (r *RuleBuilder) ICMP(typ int, code ...int) *RuleBuilder { return r.icmpMsg(IPv4, typ, code) }

// ICMPv6 narrows the rule to ICMPv6 messages of the type, and of the code if given.
func (r *RuleBuilder) ICMPv6(typ int, code ...int) *RuleBuilder { return r.icmpMsg(IPv6, typ, code) }

// HTTP narrows an allow rule to requests with this method and exact path. An empty method
// or path matches any.
func (r *RuleBuilder) HTTP(method, path string) *RuleBuilder {
	return r.HTTPRequest(HTTPMatch{Method: method, Path: path, PathKind: PathExact})
}

// HTTPPrefix narrows an allow rule to requests with this method and a path starting with
// prefix.
func (r *RuleBuilder) HTTPPrefix(method, prefix string) *RuleBuilder {
	return r.HTTPRequest(HTTPMatch{Method: method, Path: prefix, PathKind: PathPrefix})
}

// HTTPRegex narrows an allow rule to requests with this method and a path fully matched by
// the RE2 regular expression.
func (r *RuleBuilder) HTTPRegex(method, regex string) *RuleBuilder {
	return r.HTTPRequest(HTTPMatch{Method: method, Path: regex, PathKind: PathRegex})
}

// HTTPRequest narrows an allow rule to requests matching m (method, path, host, headers).
// Several HTTP matches on one rule admit requests matching any of them.
func (r *RuleBuilder) HTTPRequest(m HTTPMatch) *RuleBuilder {
	m.Headers = append([]Header(nil), m.Headers...)
	r.http = append(r.http, m)
	return r
}

// GRPC narrows an allow rule to calls of a gRPC method (service is fully qualified, e.g.
// "shop.v1.Orders"); an empty method admits every method of the service. gRPC is HTTP/2
// POST to /<service>/<method>.
func (r *RuleBuilder) GRPC(service, method string) *RuleBuilder {
	if method == "" {
		return r.HTTPPrefix("POST", "/"+service+"/")
	}
	return r.HTTP("POST", GRPCPath(service, method))
}

// DNS narrows an egress allow rule to DNS servers to lookups of names matching the
// patterns (exact names or "*" patterns, as for FQDN).
func (r *RuleBuilder) DNS(patterns ...string) *RuleBuilder {
	r.dns = append(r.dns, patterns...)
	return r
}

// numbered adds numbered ports of proto. No port at all is refused: the rule would keep
// no port and so admit every protocol, and an empty list (typically from configuration)
// must not widen the rule silently; AllPorts says "every port" explicitly.
func (r *RuleBuilder) numbered(proto Protocol, ports []int) *RuleBuilder {
	if len(ports) == 0 {
		r.set.errs = append(r.set.errs, field.Required(r.path.Child("ports").Index(len(r.ports)),
			fmt.Sprintf("%s() names no port; list the ports, or use AllPorts(policy.%s) for every %s port", proto, proto, proto)))
		return r
	}
	for _, p := range ports {
		r.number(Port{Protocol: proto, Port: clampPort(p)})
	}
	return r
}

// number adds a numbered port. Port 0 is refused here: in a Port it means every port of
// the protocol, and TCP(0) (an unset port number, typically) must not widen the rule to
// all ports silently; AllPorts says that explicitly.
func (r *RuleBuilder) number(pt Port) *RuleBuilder {
	if pt.Port == 0 {
		r.set.errs = append(r.set.errs, field.Invalid(r.path.Child("ports").Index(len(r.ports)).Child("port"), 0,
			"must be between 1 and 65535, inclusive (AllPorts admits every port of a protocol)"))
		return r
	}
	r.ports = append(r.ports, pt)
	return r
}

func (r *RuleBuilder) icmpMsg(fam IPFamily, typ int, code []int) *RuleBuilder {
	m := ICMP{Family: fam, Type: clampPort(typ)}
	if len(code) > 1 {
		r.set.errs = append(r.set.errs, field.TooMany(r.path.Child("icmp").Index(len(r.icmp)).Child("code"), len(code), 1))
	}
	if len(code) > 0 {
		c := clampPort(code[0])
		m.Code = &c
	}
	r.icmp = append(r.icmp, m)
	return r
}

// clampPort maps ints outside int32 to -1 so that validation reports them as out of range
// instead of silently wrapping.
func clampPort(p int) int32 {
	if p < -1 || p > 1<<20 {
		return -1
	}
	return int32(p)
}
