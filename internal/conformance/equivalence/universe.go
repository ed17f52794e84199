package equivalence

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/runtime"
)

// Coverage says how pod addresses must stay clear of a Model's CIDR peers. The intent
// never lets a CIDR peer match a pod (docs/semantics.md, Peers; policy.Universe.PodCIDR), so pod
// addresses are chosen where no engine could read a CIDR rule as matching them.
type Coverage int

const (
	// AvoidRanges keeps pod addresses outside the whole range of every CIDR peer, except
	// ranges included. The NetworkPolicy engine needs it: it refuses a flow whose pod IP
	// lies in any ipBlock cidr, because whether ipBlocks match pods is
	// implementation-defined.
	AvoidRanges Coverage = iota
	// AvoidPeers keeps pod addresses outside what every CIDR peer matches (its range minus
	// its except ranges). Calico needs it: its nets and notNets match pod addresses too.
	AvoidPeers
	// Declared ignores CIDR peers, and prefers ranges they reach: the pod ranges are
	// declared to the backend (as with calico.ClusterCIDRs), which must keep them out of
	// every CIDR peer itself. External samples inside the chosen range are in-cluster
	// addresses there: their flows are skipped (SkipInPool).
	Declared
)

// ErrNoPool is returned by NewUniverse when every candidate pod range of the family
// collides with a CIDR peer or an external sample.
var ErrNoPool = errors.New("no pod address range clear of the Model's CIDR peers")

// poolCandidates are the ranges pod addresses may come from, per IP family, tried in
// order after the policy.Universe's own PodCIDR.
var poolCandidates = map[int][]netip.Prefix{
	4: {
		netip.MustParsePrefix("100.64.0.0/16"),
		netip.MustParsePrefix("10.244.0.0/16"),
		netip.MustParsePrefix("172.31.0.0/16"),
		netip.MustParsePrefix("192.168.250.0/24"),
	},
	6: {
		netip.MustParsePrefix("fd00:10:244::/112"),
		netip.MustParsePrefix("fd00:ffff:1::/112"),
	},
}

// Skip reasons for flows that no engine can be asked about (an oracle.Flow is TCP, UDP
// or SCTP with a pod end, see package oracle), or that an engine without Cilium's
// reserved identities cannot be asked about (see Unmodeled).
const (
	SkipICMP       = "ICMP probe: not modeled by this engine"
	SkipICMPCode   = "ICMP probe with a code: oracle flows carry ICMP types only"
	SkipHost       = "host end: not modeled by this engine"
	SkipRemoteNode = "remote-node end: not an oracle endpoint"
	SkipAPIServer  = "kube-apiserver end: not an oracle endpoint"
	SkipSystem     = "system end (health, ingress, init, unmanaged): not an oracle endpoint"
	SkipInPool     = "external sample inside the declared pod range: an in-cluster address there"
)

// Unmodeled returns why an engine cannot be asked about the flow end s, or "": an engine
// with Cilium's reserved identities (reserved) judges every end, one that models the
// nodes by their addresses (nodes: Calico's host endpoints) the local and remote nodes
// too, and the others pods and addresses only.
func Unmodeled(s policy.Sample, reserved, nodes bool) string {
	if reserved {
		return ""
	}
	switch s.Kind {
	case policy.EndpointHost:
		if !nodes {
			return SkipHost
		}
	case policy.EndpointRemoteNode:
		if !nodes {
			return SkipRemoteNode
		}
	case policy.EndpointKubeAPIServer:
		return SkipAPIServer
	case policy.EndpointSystem:
		return SkipSystem
	}
	return ""
}

// Universe is a policy.Universe translated for the oracle engines: the same namespaces
// (with the labels the reference evaluator sees), one oracle pod per pod sample (labels,
// service account, cluster, named ports) and the external addresses, with pod
// addresses of one IP family from a range no CIDR peer of the Model reaches.
type Universe struct {
	// Oracle is what the engines are built over.
	Oracle oracle.Universe
	// Pool is the range the pods' addresses come from.
	Pool netip.Prefix
	// Extra are objects the engine is given besides the backend's output: the network
	// sets and host endpoints around the pods (Calico backends, see Surround).
	Extra []runtime.Object
	// ends maps sample names to oracle endpoints.
	ends map[string]oracle.Endpoint
}

// Normalize returns a copy of pu whose samples carry what Kubernetes would fill in, so
// that the reference evaluator and the engines judge the same facts: a pod without a
// service account runs as "default".
func Normalize(pu *policy.Universe) *policy.Universe {
	out := *pu
	out.Endpoints = make([]policy.Sample, len(pu.Endpoints))
	for i, s := range pu.Endpoints {
		if s.Kind == policy.EndpointPod && s.ServiceAccount == "" {
			s.ServiceAccount = "default"
		}
		out.Endpoints[i] = s
	}
	return &out
}

// CIDRPeers returns every CIDR peer of the Model's rules.
func CIDRPeers(m *policy.Model) []policy.Peer {
	var out []policy.Peer
	for _, p := range m.Policies {
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			for _, r := range p.Rules(d) {
				for _, x := range r.Peers {
					if x.Kind == policy.PeerCIDR {
						out = append(out, x)
					}
				}
			}
		}
	}
	return out
}

// clearOf reports whether no address of pool is reached by the peer under cov.
func clearOf(pool netip.Prefix, peer policy.Peer, cov Coverage) bool {
	if cov == Declared || !peer.CIDR.Overlaps(pool) {
		return true
	}
	if cov == AvoidRanges {
		return false
	}
	for _, x := range peer.Except {
		if x.Bits() <= pool.Bits() && x.Contains(pool.Addr()) {
			return true
		}
	}
	return false
}

// pickPool returns the first candidate range of the family that no CIDR peer reaches
// (under cov) and that holds no external sample. Candidates are the Universe's PodCIDR
// and poolCandidates, in that order (under Declared, those CIDR peers reach first).
func pickPool(m *policy.Model, pu *policy.Universe, family int, cov Coverage) (netip.Prefix, error) {
	var candidates []netip.Prefix
	if pu.PodCIDR.IsValid() && (pu.PodCIDR.Addr().Is4() == (family == 4)) {
		candidates = append(candidates, pu.PodCIDR)
	}
	candidates = append(candidates, poolCandidates[family]...)
	peers := CIDRPeers(m)
	if cov == Declared {
		// Prefer ranges that CIDR peers reach: that the backend keeps declared ranges
		// out of its CIDR rules is then put to the test.
		reached := func(pool netip.Prefix) bool {
			return slices.ContainsFunc(peers, func(x policy.Peer) bool { return !clearOf(pool, x, AvoidPeers) })
		}
		sort.SliceStable(candidates, func(i, j int) bool { return reached(candidates[i]) && !reached(candidates[j]) })
	}
next:
	for _, pool := range candidates {
		for _, x := range peers {
			if !clearOf(pool, x, cov) {
				continue next
			}
		}
		for _, s := range pu.Endpoints {
			if cov != Declared && s.Kind == policy.EndpointExternal && pool.Contains(s.IP) {
				continue next
			}
		}
		return pool, nil
	}
	return netip.Prefix{}, fmt.Errorf("IPv%d: %w", family, ErrNoPool)
}

// NewUniverse translates pu (normalized, see Normalize) into an oracle universe whose
// pods take addresses of the given family (4 or 6) from a range chosen under cov. It
// returns an error wrapping ErrNoPool when no such range exists, and an error when the
// samples disagree on a namespace's labels (the oracle universe has one label set per
// namespace) or on the DNS name of an address. External samples keep their DNS names
// (External.DNSNames), which Cilium's toFQDNs selects by.
func NewUniverse(m *policy.Model, pu *policy.Universe, family int, cov Coverage) (*Universe, error) {
	pool, err := pickPool(m, pu, family, cov)
	if err != nil {
		return nil, err
	}
	u := &Universe{Pool: pool, ends: map[string]oracle.Endpoint{}}
	nsLabels := map[string]map[string]string{}
	for _, n := range pu.Namespaces {
		l := maps.Clone(n.Labels)
		if l == nil {
			l = map[string]string{}
		}
		l[policy.NamespaceNameLabel] = n.Name
		nsLabels[n.Name] = l
		u.Oracle.Namespaces = append(u.Oracle.Namespaces, oracle.Namespace{Name: n.Name, Labels: l})
	}
	declared := map[string]map[string]string{}
	for _, n := range m.Namespaces {
		declared[n.Name] = n.Labels
	}
	ip := pool.Addr()
	// seen maps the external addresses to their first sample: samples sharing an address
	// must agree on its DNS name, which the oracle universe keeps per address.
	seen := map[netip.Addr]policy.Sample{}
	for i, s := range pu.Endpoints {
		switch s.Kind {
		case policy.EndpointPod:
			have, ok := nsLabels[s.Namespace]
			if !ok {
				return nil, fmt.Errorf("sample %s: namespace %q is not in the universe", s.Name, s.Namespace)
			}
			// What the reference evaluator sees (Model.withNamespaceLabels): the declared
			// labels of a local namespace, the sample's own, and the name label.
			want := map[string]string{}
			if s.Cluster == "" {
				maps.Copy(want, declared[s.Namespace])
			}
			maps.Copy(want, s.NamespaceLabels)
			want[policy.NamespaceNameLabel] = s.Namespace
			if !maps.Equal(want, have) {
				return nil, fmt.Errorf("sample %s: namespace labels %v differ from the universe's %v", s.Name, want, have)
			}
			ip = ip.Next()
			if !pool.Contains(ip) {
				return nil, fmt.Errorf("pod range %s is too small", pool)
			}
			named := map[string]oracle.NamedPort{}
			for name, p := range s.NamedPorts {
				named[name] = oracle.NamedPort{Protocol: string(p.Protocol), Port: p.Port}
			}
			name := fmt.Sprintf("p%d", i)
			u.Oracle.Pods = append(u.Oracle.Pods, oracle.Pod{
				Namespace:      s.Namespace,
				Name:           name,
				Labels:         maps.Clone(s.Labels),
				ServiceAccount: s.ServiceAccount,
				IP:             ip,
				NamedPorts:     named,
				Cluster:        s.Cluster,
			})
			u.ends[s.Name] = oracle.PodEndpoint(s.Namespace, name)
		case policy.EndpointExternal:
			if !s.IP.IsValid() {
				return nil, fmt.Errorf("sample %s: external without an address", s.Name)
			}
			if pool.Contains(s.IP) {
				// Only under Declared: an address of the cluster's range, not external.
				continue
			}
			if first, ok := seen[s.IP]; !ok {
				seen[s.IP] = s
				x := oracle.External{IP: s.IP}
				if s.DNSName != "" {
					x.DNSNames = []string{s.DNSName}
				}
				u.Oracle.Externals = append(u.Oracle.Externals, x)
			} else if first.DNSName != s.DNSName {
				return nil, fmt.Errorf("samples %s and %s share address %s but not its DNS name", first.Name, s.Name, s.IP)
			}
			u.ends[s.Name] = oracle.Endpoint{IP: s.IP}
		case policy.EndpointHost:
			u.ends[s.Name] = oracle.HostEndpoint()
			u.Oracle.HostLabels = maps.Clone(s.Labels)
		case policy.EndpointRemoteNode:
			u.ends[s.Name] = oracle.ReservedEndpoint("remote-node")
			u.Oracle.RemoteNodeLabels = maps.Clone(s.Labels)
		case policy.EndpointKubeAPIServer:
			u.ends[s.Name] = oracle.ReservedEndpoint("kube-apiserver")
		case policy.EndpointSystem:
			u.ends[s.Name] = oracle.ReservedEndpoint(s.Component)
		}
	}
	return u, nil
}

// Case is one flow of a policy.Universe with the samples at its ends.
type Case struct {
	From, To policy.Sample
	Probe    policy.Probe
}

// Flow returns the flow the reference evaluator judges.
func (c Case) Flow() policy.Flow {
	return policy.Flow{From: c.From.Endpoint, To: c.To.Endpoint, Protocol: c.Probe.Protocol, Port: c.Probe.Port, ICMP: c.Probe.ICMP}
}

// String names the flow by its samples: "pod:shop/app=web -> ip:192.0.2.1 TCP/443".
func (c Case) String() string {
	return c.From.Name + " -> " + c.To.Name + " " + c.Probe.String()
}

// ExternalFamily returns 4 or 6 when an end of the flow is an external address of that
// family, and 0 when neither end is external.
func (c Case) ExternalFamily() int {
	for _, s := range []policy.Sample{c.From, c.To} {
		if s.Kind == policy.EndpointExternal && s.IP.IsValid() {
			if s.IP.Is4() {
				return 4
			}
			return 6
		}
	}
	return 0
}

// judgedKind mirrors policy.Universe.Flows: flows are generated when one end is subject
// to policy.
func judgedKind(k policy.EndpointKind) bool {
	return k == policy.EndpointPod || k == policy.EndpointHost || k == policy.EndpointRemoteNode
}

// isNode mirrors policy.Universe.Flows: flows between two nodes are left out.
func isNode(k policy.EndpointKind) bool {
	return k == policy.EndpointHost || k == policy.EndpointRemoteNode
}

// Cases returns every flow of pu, in the order and number of pu.Flows.
func Cases(pu *policy.Universe) []Case {
	var out []Case
	for _, src := range pu.Endpoints {
		for _, dst := range pu.Endpoints {
			if src.Name == dst.Name || (!judgedKind(src.Kind) && !judgedKind(dst.Kind)) || (isNode(src.Kind) && isNode(dst.Kind)) {
				continue
			}
			for _, p := range pu.Probes {
				out = append(out, Case{From: src, To: dst, Probe: p})
			}
		}
	}
	return out
}

// Flow translates c into an oracle flow, or returns the reason (one of the Skip
// constants) why no engine can be asked about it. Every Case has a pod or a node end
// (Cases), which the engines judge. Remote nodes, the API server and
// system endpoints become Cilium's reserved identities, or, in a universe with nodes
// (Surround), the nodes become their addresses; ICMP probes become ICMP flows, which
// only the Cilium engine judges: callers skip what an engine does not model (Unmodeled,
// SkipICMP). A node's traffic to its own pods is skipped where nodes are addresses:
// Calico never polices it.
func (u *Universe) Flow(c Case) (oracle.Flow, string) {
	var icmp *oracle.ICMP
	if m := c.Probe.ICMP; m != nil {
		if m.Code != nil {
			return oracle.Flow{}, SkipICMPCode
		}
		icmp = &oracle.ICMP{Family: string(m.Family), Type: uint8(m.Type)}
	}
	var ends [2]oracle.Endpoint
	for i, s := range []policy.Sample{c.From, c.To} {
		e, ok := u.ends[s.Name]
		if !ok && s.Kind == policy.EndpointExternal && u.Pool.Contains(s.IP) {
			return oracle.Flow{}, SkipInPool
		}
		if !ok {
			return oracle.Flow{}, "sample " + s.Name + " unknown to the oracle universe"
		}
		ends[i] = e
	}
	if len(u.Oracle.Nodes) > 0 && c.From.Kind == policy.EndpointHost && c.To.Kind == policy.EndpointPod && c.To.Cluster == "" {
		return oracle.Flow{}, SkipOwnNode
	}
	if icmp != nil {
		return oracle.Flow{From: ends[0], To: ends[1], ICMP: icmp}, ""
	}
	return oracle.Flow{From: ends[0], To: ends[1], Protocol: string(c.Probe.Protocol), Port: c.Probe.Port}, ""
}

// reasons maps words of the engines' oracle.ErrCannotJudge messages to skip reasons.
var reasons = []struct{ word, reason string }{
	{"toFQDNs", "toFQDNs: the source cannot look the name up through the DNS proxy"},
	{"identity filter", "selector key Cilium's identity filter drops: Cilium's NetworkPolicy departs from the API there"},
	{"ICMP type 0", "ICMP type 0: port 0 in Cilium's policy keys"},
	{"toServices", "toServices/toGroups: needs agent service state"},
	{"RFC 4890", "ICMPv6 other than echo at a node: the host firewall decides it before host policies"},
	{"ipBlock", ReasonIPBlock},
	{"remote cluster", "pod of a remote cluster"},
	{"host", "host endpoint: not modeled by the engine"},
	{"NotIn", "NotIn requirement on labels without the key (cyclonus)"},
	{"matchLabels", `matchLabels {key: ""} on labels without the key (cyclonus)`},
	{"named ports", "ambiguous named port"},
	{"source ports", "rule matches source ports"},
	{"Kubernetes service", "rule matches a Kubernetes service"},
}

// ReasonIPBlock is the skip reason of flows whose pod address an ipBlock matches, which
// the NetworkPolicy engine refuses (implementations differ there).
const ReasonIPBlock = "ipBlock covers a pod address"

// Reason names the class of an engine's oracle.ErrCannotJudge error, for counting skips.
func Reason(err error) string {
	msg := err.Error()
	for _, r := range reasons {
		if strings.Contains(msg, r.word) {
			return r.reason
		}
	}
	return "cannot judge: " + msg
}

// SortedReasons returns the keys of a skip count map, most frequent first.
func SortedReasons(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
