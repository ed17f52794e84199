package oracle

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// DefaultClusterName is the cluster name used when Universe.ClusterName is
// empty. It is Cilium's default --cluster-name.
const DefaultClusterName = "default"

// ErrCannotJudge is wrapped by every error an engine adapter returns for a flow
// or a construct whose verdict the engine cannot compute faithfully offline
// (for example Cilium toFQDNs, Calico service matches, source ports). Callers
// that generate random inputs skip such cases with errors.Is(err,
// ErrCannotJudge); every other error is a bug in the inputs or the adapter.
var ErrCannotJudge = errors.New("oracle cannot judge")

func cannotJudge(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCannotJudge, fmt.Sprintf(format, args...))
}

// autoPodPrefix is where pods without an explicit IP get their address.
// 100.64.0.0/10 is the RFC 6598 shared address space: no seed manifest and no
// reasonable ipBlock/toCIDR/nets in a test uses it, so an auto-assigned pod IP
// never decides a verdict by accident (see NetworkPolicyEngine for the check
// that enforces this for ipBlocks).
var autoPodPrefix = netip.MustParsePrefix("100.64.0.0/10")

// Universe is a small, engine-neutral description of a cluster: namespaces,
// pods and (optionally) service accounts and external addresses. Every engine
// adapter translates it into its own notion of endpoints:
//
//   - Kubernetes NetworkPolicy (cyclonus): pod labels, namespace labels, IP.
//   - Cilium: one security identity per pod with k8s:-source labels (pod labels,
//     io.kubernetes.pod.namespace, io.cilium.k8s.namespace.labels.<key>,
//     io.cilium.k8s.policy.cluster, io.cilium.k8s.policy.serviceaccount),
//     filtered by Cilium's default identity-label filter; one CIDR identity per
//     external address.
//   - Calico: one workload endpoint per pod with the labels Calico adds
//     (projectcalico.org/namespace, projectcalico.org/orchestrator,
//     projectcalico.org/serviceaccount) and the labels inherited from the
//     namespace and service-account profiles (pcns.*, pcsa.*).
//
// Every namespace automatically carries kubernetes.io/metadata.name=<name>, as
// the API server guarantees.
type Universe struct {
	// ClusterName is the local cluster (Cilium cluster mesh); "" means
	// DefaultClusterName.
	ClusterName string
	Namespaces  []Namespace
	Pods        []Pod
	// ServiceAccounts only carries service-account labels (used by Calico
	// serviceAccounts.selector). A pod's service account need not be listed.
	ServiceAccounts []ServiceAccount
	// Externals pre-registers addresses outside the cluster. Flows may also name
	// addresses that are not listed; listing them only saves work.
	Externals []External
	// Nodes are the cluster's nodes, for the Calico engine: a flow end whose address
	// is a node's is that node, policed at its host endpoint (see CalicoEngine). The
	// other engines see a node's address as any address.
	Nodes []Node
	// HostLabels and RemoteNodeLabels are the node labels of the local node (the
	// host end, HostEndpoint) and of the remote node (the remote-node end), for the
	// Cilium engine: they decide which host policies (nodeSelector) apply at those
	// ends.
	HostLabels, RemoteNodeLabels map[string]string
}

// Node is a cluster node with the address flows use.
type Node struct {
	Name   string
	IP     netip.Addr
	Labels map[string]string
	// AutoHostEndpoint says that Calico's kube-controllers gave the node its automatic
	// host endpoint (interfaceName "*", the node's labels plus
	// projectcalico.org/created-by: calico-kube-controllers, profile
	// projectcalico-default-allow).
	AutoHostEndpoint bool
}

// Namespace is a Kubernetes namespace.
type Namespace struct {
	Name   string
	Labels map[string]string
}

// Pod is a workload. Pods are identified by Namespace/Name.
type Pod struct {
	Namespace, Name string
	Labels          map[string]string
	// ServiceAccount is the pod's service account; "" means "default".
	ServiceAccount string
	// IP is the pod address. When unset, the universe assigns one from
	// 100.64.0.0/10 in pod order. Calico matches nets/notNets against pod IPs
	// (so a test about Calico nets should set IPs explicitly); Cilium never
	// matches CIDR selectors against pods (default policy-cidr-match-mode); for
	// Kubernetes NetworkPolicy a pod IP inside any ipBlock makes the flow
	// unjudgeable (implementations differ).
	IP netip.Addr
	// NamedPorts maps container port names to protocol and number.
	NamedPorts map[string]NamedPort
	// Cluster is the pod's cluster for Cilium cluster-mesh flows; "" means the
	// universe's cluster. Engines other than Cilium cannot judge remote pods.
	Cluster string
	// Node is the node the pod runs on, one of Universe.Nodes or "": the Calico
	// engine never polices a node's traffic to its own pods.
	Node string
}

// NamedPort is a named container port.
type NamedPort struct {
	// Protocol is "TCP", "UDP" or "SCTP"; "" means "TCP".
	Protocol string
	Port     int32
}

// ServiceAccount carries the labels of a service account.
type ServiceAccount struct {
	Namespace, Name string
	Labels          map[string]string
}

// External is an address outside the cluster.
type External struct {
	IP netip.Addr
	// DNSNames are the names that resolve to the address: a client that looks one up
	// gets this address in the answer. Only the Cilium engine reads them (toFQDNs, see
	// CiliumEngine).
	DNSNames []string
}

// Endpoint is one end of a flow: a pod of the universe (Pod set), the node the
// pod runs on (Host, Cilium's reserved:host; only the Cilium engine judges it),
// another of Cilium's reserved identities (Reserved set; only the Cilium engine
// judges it), or an address outside the cluster (IP set, Pod empty).
type Endpoint struct {
	Namespace, Pod string
	IP             netip.Addr
	Host           bool
	// Reserved names a reserved identity of Cilium 1.20 other than host and world
	// (pkg/identity): one of ReservedIdentities.
	Reserved string
}

// ReservedIdentities are the reserved identities an Endpoint can name: the other
// nodes, the API server's nodes, and the endpoints that are neither pods nor nodes.
var ReservedIdentities = []string{"remote-node", "kube-apiserver", "health", "ingress", "init", "unmanaged"}

// ReservedEndpoint names a reserved identity (one of ReservedIdentities).
func ReservedEndpoint(name string) Endpoint { return Endpoint{Reserved: name} }

// PodEndpoint names a pod of the universe.
func PodEndpoint(namespace, name string) Endpoint {
	return Endpoint{Namespace: namespace, Pod: name}
}

// ExternalEndpoint names an address outside the cluster. It panics on an
// invalid address (it is meant for literals in tests).
func ExternalEndpoint(ip string) Endpoint {
	return Endpoint{IP: netip.MustParseAddr(ip)}
}

// HostEndpoint names the local node (Cilium's reserved:host identity).
func HostEndpoint() Endpoint { return Endpoint{Host: true} }

// isNode reports whether e is the local node or the remote node (Cilium's host and
// remote-node endpoints), which host policies apply to.
func (e Endpoint) isNode() bool { return e.Host || e.Reserved == "remote-node" }

// IsPod reports whether e names a pod.
func (e Endpoint) IsPod() bool { return e.Pod != "" }

func (e Endpoint) String() string {
	switch {
	case e.Host:
		return "host"
	case e.Reserved != "":
		return "reserved:" + e.Reserved
	case e.IsPod():
		return e.Namespace + "/" + e.Pod
	default:
		return e.IP.String()
	}
}

// Flow is a connection attempt: From opens a connection to To on
// Protocol/Port, or sends an ICMP message. There is no source port and no L7
// request: every engine is asked for its L3/L4 verdict.
type Flow struct {
	From, To Endpoint
	// Protocol is "TCP", "UDP" or "SCTP".
	Protocol string
	Port     int32
	// ICMP, when set, makes this an ICMP flow (Protocol and Port unused); only the
	// Cilium engine judges it.
	ICMP *ICMP
}

// ICMP is the ICMP part of a flow.
type ICMP struct {
	// Family is "IPv4" (ICMP) or "IPv6" (ICMPv6).
	Family string
	Type   uint8
}

func (f Flow) String() string {
	if f.ICMP != nil {
		return fmt.Sprintf("%s -> %s ICMP %s/%d", f.From, f.To, f.ICMP.Family, f.ICMP.Type)
	}
	return fmt.Sprintf("%s -> %s %s/%d", f.From, f.To, f.Protocol, f.Port)
}

// Decision is an engine's verdict on a flow, per side. A side that enforces no
// policy in the engine (an external address; a node, except where the engine
// models host policies) is reported as allowed.
type Decision struct {
	Allowed        bool
	EgressAllowed  bool // at the source
	IngressAllowed bool // at the destination
	// Reason is a short, engine-specific explanation for humans.
	Reason string
}

// universe is the checked, defaulted form of a Universe shared by the engines.
type universe struct {
	cluster    string
	namespaces map[string]*Namespace
	pods       map[string]*Pod // key namespace/name
	podOrder   []*Pod
	sas        map[string]*ServiceAccount // key namespace/name
	externals  []netip.Addr
	// dnsNames are the Externals' DNS names by address.
	dnsNames map[netip.Addr][]string
	nodes    map[netip.Addr]*Node
	// hostLabels and remoteNodeLabels are Universe.HostLabels and RemoteNodeLabels.
	hostLabels, remoteNodeLabels map[string]string
}

func podKey(ns, name string) string { return ns + "/" + name }

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// normProto upper-cases and checks a protocol name; "" means TCP.
func normProto(p string) (string, error) {
	switch strings.ToUpper(p) {
	case "", "TCP":
		return "TCP", nil
	case "UDP":
		return "UDP", nil
	case "SCTP":
		return "SCTP", nil
	}
	return "", fmt.Errorf("unsupported protocol %q (want TCP, UDP or SCTP)", p)
}

func (u Universe) compile() (*universe, error) {
	out := &universe{
		cluster:    u.ClusterName,
		namespaces: map[string]*Namespace{},
		pods:       map[string]*Pod{},
		sas:        map[string]*ServiceAccount{},
		// Node labels: only the Cilium engine reads them.
		hostLabels:       copyLabels(u.HostLabels),
		remoteNodeLabels: copyLabels(u.RemoteNodeLabels),
	}
	if out.cluster == "" {
		out.cluster = DefaultClusterName
	}
	for _, ns := range u.Namespaces {
		if ns.Name == "" {
			return nil, errors.New("universe: namespace without name")
		}
		if _, dup := out.namespaces[ns.Name]; dup {
			return nil, fmt.Errorf("universe: duplicate namespace %q", ns.Name)
		}
		n := Namespace{Name: ns.Name, Labels: copyLabels(ns.Labels)}
		n.Labels["kubernetes.io/metadata.name"] = ns.Name
		out.namespaces[ns.Name] = &n
	}
	used := map[netip.Addr]string{}
	for _, p := range u.Pods {
		if p.IP.IsValid() {
			if other, dup := used[p.IP]; dup {
				return nil, fmt.Errorf("universe: pods %s and %s share IP %s", other, podKey(p.Namespace, p.Name), p.IP)
			}
			used[p.IP] = podKey(p.Namespace, p.Name)
		}
	}
	next := autoPodPrefix.Addr().Next()
	for _, p := range u.Pods {
		if p.Name == "" {
			return nil, errors.New("universe: pod without name")
		}
		key := podKey(p.Namespace, p.Name)
		if _, ok := out.namespaces[p.Namespace]; !ok {
			return nil, fmt.Errorf("universe: pod %s is in unknown namespace %q", key, p.Namespace)
		}
		if _, dup := out.pods[key]; dup {
			return nil, fmt.Errorf("universe: duplicate pod %s", key)
		}
		c := p
		c.Labels = copyLabels(p.Labels)
		if c.ServiceAccount == "" {
			c.ServiceAccount = "default"
		}
		if c.Cluster == "" {
			c.Cluster = out.cluster
		}
		if !c.IP.IsValid() {
			for {
				if _, taken := used[next]; !taken {
					break
				}
				next = next.Next()
			}
			if !autoPodPrefix.Contains(next) {
				return nil, errors.New("universe: too many pods for automatic IPs")
			}
			c.IP = next
			used[next] = key
			next = next.Next()
		}
		c.NamedPorts = map[string]NamedPort{}
		for name, np := range p.NamedPorts {
			proto, err := normProto(np.Protocol)
			if err != nil {
				return nil, fmt.Errorf("universe: pod %s named port %q: %w", key, name, err)
			}
			if np.Port < 1 || np.Port > 65535 {
				return nil, fmt.Errorf("universe: pod %s named port %q: port %d out of range", key, name, np.Port)
			}
			c.NamedPorts[name] = NamedPort{Protocol: proto, Port: np.Port}
		}
		out.pods[key] = &c
		out.podOrder = append(out.podOrder, &c)
	}
	for _, sa := range u.ServiceAccounts {
		s := ServiceAccount{Namespace: sa.Namespace, Name: sa.Name, Labels: copyLabels(sa.Labels)}
		out.sas[podKey(sa.Namespace, sa.Name)] = &s
	}
	out.nodes = map[netip.Addr]*Node{}
	names := map[string]bool{}
	for _, n := range u.Nodes {
		switch {
		case n.Name == "" || !n.IP.IsValid():
			return nil, fmt.Errorf("universe: node %q without name or address", n.Name)
		case names[n.Name]:
			return nil, fmt.Errorf("universe: duplicate node %q", n.Name)
		case out.nodes[n.IP] != nil:
			return nil, fmt.Errorf("universe: nodes %s and %s share IP %s", out.nodes[n.IP].Name, n.Name, n.IP)
		}
		if who, isPod := used[n.IP]; isPod {
			return nil, fmt.Errorf("universe: node %s has pod %s's IP", n.Name, who)
		}
		c := n
		c.Labels = copyLabels(n.Labels)
		names[n.Name] = true
		out.nodes[n.IP] = &c
	}
	for _, p := range out.podOrder {
		if p.Node != "" && !names[p.Node] {
			return nil, fmt.Errorf("universe: pod %s runs on unknown node %q", podKey(p.Namespace, p.Name), p.Node)
		}
	}
	for _, e := range u.Externals {
		if !e.IP.IsValid() {
			return nil, errors.New("universe: external without IP")
		}
		if who, isPod := used[e.IP]; isPod {
			return nil, fmt.Errorf("universe: external %s is pod %s's IP", e.IP, who)
		}
		out.externals = append(out.externals, e.IP)
		if len(e.DNSNames) > 0 {
			if out.dnsNames == nil {
				out.dnsNames = map[netip.Addr][]string{}
			}
			out.dnsNames[e.IP] = append(out.dnsNames[e.IP], e.DNSNames...)
		}
	}
	return out, nil
}

// pod resolves a pod endpoint.
func (u *universe) pod(e Endpoint) (*Pod, error) {
	p, ok := u.pods[podKey(e.Namespace, e.Pod)]
	if !ok {
		return nil, fmt.Errorf("flow names unknown pod %s", podKey(e.Namespace, e.Pod))
	}
	return p, nil
}

// checkFlow validates the shape of a flow against the universe and returns the
// normalized protocol. Reserved ends and ICMP flows are refused with
// ErrCannotJudge: only the Cilium engine models them (see checkCiliumFlow).
func (u *universe) checkFlow(f Flow) (string, error) {
	return u.checkEnds(f, false)
}

// checkCiliumFlow is checkFlow accepting reserved ends and ICMP flows (protocol "").
func (u *universe) checkCiliumFlow(f Flow) (string, error) {
	return u.checkEnds(f, true)
}

func (u *universe) checkEnds(f Flow, cilium bool) (proto string, err error) {
	switch {
	case f.ICMP == nil:
		proto, err = normProto(f.Protocol)
		if err != nil {
			return "", err
		}
		if f.Port < 1 || f.Port > 65535 {
			return "", fmt.Errorf("flow port %d out of range", f.Port)
		}
	case !cilium:
		return "", cannotJudge("ICMP flows are not modeled by this engine")
	case f.ICMP.Family != "IPv4" && f.ICMP.Family != "IPv6":
		return "", fmt.Errorf("flow %v: ICMP family %q (want IPv4 or IPv6)", f, f.ICMP.Family)
	}
	if !f.From.IsPod() && !f.To.IsPod() && u.nodes[f.From.IP] == nil && u.nodes[f.To.IP] == nil &&
		!(cilium && (f.From.isNode() || f.To.isNode())) {
		return "", fmt.Errorf("flow %v: at least one end must be a pod or a node", f)
	}
	for _, e := range []Endpoint{f.From, f.To} {
		switch {
		case e.Reserved != "":
			if e.Host || e.IsPod() || e.IP.IsValid() || !slices.Contains(ReservedIdentities, e.Reserved) {
				return "", fmt.Errorf("endpoint %+v: a reserved endpoint names one of %v and nothing else", e, ReservedIdentities)
			}
			if !cilium {
				return "", cannotJudge("reserved identity %s is not modeled by this engine", e.Reserved)
			}
		case e.Host:
			if e.IsPod() || e.IP.IsValid() {
				return "", fmt.Errorf("endpoint %v: host endpoint must not name a pod or an IP", e)
			}
		case e.IsPod():
			if e.IP.IsValid() {
				return "", fmt.Errorf("endpoint %v: pod endpoint must not carry an IP (set Pod.IP in the universe)", e)
			}
			if _, err := u.pod(e); err != nil {
				return "", err
			}
		default:
			if !e.IP.IsValid() {
				return "", errors.New("endpoint names neither a pod, the host nor an IP")
			}
			for _, p := range u.podOrder {
				if p.IP == e.IP {
					return "", fmt.Errorf("external endpoint %s is the IP of pod %s; use PodEndpoint", e.IP, podKey(p.Namespace, p.Name))
				}
			}
		}
	}
	return proto, nil
}

// namedPortAt returns the name of the destination pod's named port for
// proto/port, if exactly one exists.
func namedPortAt(p *Pod, proto string, port int32) (string, error) {
	var names []string
	for name, np := range p.NamedPorts {
		if np.Protocol == proto && np.Port == port {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return "", nil
	case 1:
		return names[0], nil
	}
	return "", cannotJudge("pod %s has several named ports for %s/%d: %v", podKey(p.Namespace, p.Name), proto, port, names)
}
