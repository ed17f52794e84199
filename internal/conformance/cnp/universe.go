package cnp

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrCannotJudge is wrapped by every error the engine returns for a flow or a
// construct whose verdict it cannot compute faithfully: where Cilium's reading is a
// known departure from the API, or needs agent state. It plays the role of
// oracle.ErrCannotJudge of the parent conformance module, which this module cannot
// import (see the package documentation).
var ErrCannotJudge = errors.New("oracle cannot judge")

func cannotJudge(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCannotJudge, fmt.Sprintf(format, args...))
}

// DefaultClusterName is the cluster a Universe without ClusterName is in: Cilium's
// default cluster name.
const DefaultClusterName = "default"

// autoPodPrefix is where pods without an explicit IP get their address: the RFC 6598
// shared address space, which no reasonable networks peer of a test uses by accident.
var autoPodPrefix = netip.MustParsePrefix("100.64.0.0/10")

// Universe is the cluster the engine judges flows in: a subset of the parent
// module's oracle.Universe, with the same field names.
type Universe struct {
	// ClusterName defaults to DefaultClusterName.
	ClusterName string
	Namespaces  []Namespace
	Pods        []Pod
	// Externals are addresses outside the cluster that flows may name.
	Externals []netip.Addr
}

// Namespace is a namespace with its labels; kubernetes.io/metadata.name is added.
type Namespace struct {
	Name   string
	Labels map[string]string
}

// Pod is a pod of the universe.
type Pod struct {
	Namespace, Name string
	Labels          map[string]string
	// IP defaults to a free address of 100.64.0.0/10.
	IP netip.Addr
	// NamedPorts are the pod's container ports by name.
	NamedPorts map[string]NamedPort
}

// NamedPort is a named container port: Protocol "TCP" (the default) or "UDP", the
// protocols Cilium's flow lookup resolves named ports for.
type NamedPort struct {
	Protocol string
	Port     int32
}

// Endpoint is a flow's end: a pod of the universe (Namespace and Pod) or an address
// outside the cluster (IP).
type Endpoint struct {
	Namespace, Pod string
	IP             netip.Addr
}

// PodEndpoint names a pod of the universe.
func PodEndpoint(namespace, name string) Endpoint { return Endpoint{Namespace: namespace, Pod: name} }

// ExternalEndpoint names an address outside the cluster. It panics on an invalid
// address (it is meant for literals in tests).
func ExternalEndpoint(ip string) Endpoint { return Endpoint{IP: netip.MustParseAddr(ip)} }

// IsPod reports whether e names a pod.
func (e Endpoint) IsPod() bool { return e.Pod != "" }

func (e Endpoint) String() string {
	if e.IsPod() {
		return e.Namespace + "/" + e.Pod
	}
	return e.IP.String()
}

// Flow is a connection attempt from From to To on Protocol ("TCP", "UDP" or "SCTP";
// "" is TCP) and destination Port.
type Flow struct {
	From, To Endpoint
	Protocol string
	Port     int32
}

func (f Flow) String() string {
	return fmt.Sprintf("%s -> %s %s/%d", f.From, f.To, f.Protocol, f.Port)
}

// Decision is the engine's verdict on a flow, per side; an end that is not a pod
// enforces nothing and is reported as allowed.
type Decision struct {
	Allowed        bool
	EgressAllowed  bool // at the source
	IngressAllowed bool // at the destination
	// Reason names the deciding policies, for humans.
	Reason string
}

// universe is the checked, defaulted form of a Universe.
type universe struct {
	cluster    string
	namespaces map[string]map[string]string // labels by name
	pods       map[string]*Pod              // key namespace/name
	podOrder   []*Pod
	externals  []netip.Addr
}

func podKey(ns, name string) string { return ns + "/" + name }

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
	out := &universe{cluster: u.ClusterName, namespaces: map[string]map[string]string{}, pods: map[string]*Pod{}}
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
		l := map[string]string{"kubernetes.io/metadata.name": ns.Name}
		for k, v := range ns.Labels {
			l[k] = v
		}
		out.namespaces[ns.Name] = l
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
		key := podKey(p.Namespace, p.Name)
		switch {
		case p.Name == "":
			return nil, errors.New("universe: pod without name")
		case out.namespaces[p.Namespace] == nil:
			return nil, fmt.Errorf("universe: pod %s is in unknown namespace %q", key, p.Namespace)
		case out.pods[key] != nil:
			return nil, fmt.Errorf("universe: duplicate pod %s", key)
		}
		c := p
		if !c.IP.IsValid() {
			for used[next] != "" {
				next = next.Next()
			}
			if !autoPodPrefix.Contains(next) {
				return nil, errors.New("universe: too many pods for automatic IPs")
			}
			c.IP, used[next] = next, key
		}
		c.NamedPorts = map[string]NamedPort{}
		for name, np := range p.NamedPorts {
			proto, err := normProto(np.Protocol)
			if err != nil || proto == "SCTP" {
				return nil, fmt.Errorf("universe: pod %s named port %q: protocol %q (want TCP or UDP)", key, name, np.Protocol)
			}
			if np.Port < 1 || np.Port > 65535 {
				return nil, fmt.Errorf("universe: pod %s named port %q: port %d out of range", key, name, np.Port)
			}
			c.NamedPorts[name] = NamedPort{Protocol: proto, Port: np.Port}
		}
		out.pods[key] = &c
		out.podOrder = append(out.podOrder, &c)
	}
	for _, ip := range u.Externals {
		if !ip.IsValid() {
			return nil, errors.New("universe: invalid external address")
		}
		if who := used[ip]; who != "" {
			return nil, fmt.Errorf("universe: external %s is pod %s's IP", ip, who)
		}
		out.externals = append(out.externals, ip)
	}
	return out, nil
}

// checkFlow validates f against the universe and returns its normalized protocol.
func (u *universe) checkFlow(f Flow) (string, error) {
	proto, err := normProto(f.Protocol)
	if err != nil {
		return "", err
	}
	if f.Port < 1 || f.Port > 65535 {
		return "", fmt.Errorf("flow %v: port out of range", f)
	}
	if !f.From.IsPod() && !f.To.IsPod() {
		return "", fmt.Errorf("flow %v: at least one end must be a pod", f)
	}
	for _, e := range []Endpoint{f.From, f.To} {
		switch {
		case e.IsPod() && e.IP.IsValid():
			return "", fmt.Errorf("endpoint %v: a pod endpoint carries no IP (set Pod.IP in the universe)", e)
		case e.IsPod() && u.pods[podKey(e.Namespace, e.Pod)] == nil:
			return "", fmt.Errorf("flow names unknown pod %s", e)
		case !e.IsPod() && !e.IP.IsValid():
			return "", errors.New("endpoint names neither a pod nor an IP")
		}
		for _, p := range u.podOrder {
			if !e.IsPod() && p.IP == e.IP {
				return "", fmt.Errorf("external endpoint %s is the IP of pod %s; use PodEndpoint", e.IP, podKey(p.Namespace, p.Name))
			}
		}
	}
	return proto, nil
}
