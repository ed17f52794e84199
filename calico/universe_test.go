package calico_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/netintent/netintent/policy"
)

// clusterRange holds every in-cluster address of the test universe: pods, nodes and the
// API server (the RFC 6598 shared address space, as in internal/conformance).
var clusterRange = netip.MustParsePrefix("100.64.0.0/10")

// testNamespaces are the universe's namespaces and their labels; every Set of the corpus
// declares them, so that the Model and the universe agree.
var testNamespaces = map[string]map[string]string{
	"shop":        {"env": "prod", "team": "a"},
	"pay":         {"env": "prod", "team": "b"},
	"dev":         {"env": "dev"},
	"kube-system": {},
	"other":       {},
}

// universe is a small cluster and its surroundings.
type universe struct {
	pods, others []policy.Endpoint
	probes       []probe
	// sur are the host endpoints and network sets that Calico selectors match besides
	// the pods.
	sur *surroundings
}

// Calico selectors match host endpoints and network sets too. The universe has both,
// labelled like its pods, so that a selector the backend leaves unguarded matches them;
// some also carry labels Calico gives workloads (an automatic host endpoint copies its
// node's labels, and network sets' labels are free), each set so that exactly one of the
// backend's guards keeps it out:
//
//   - the local node's host endpoint carries the labels of shop's web pods and those
//     they inherit from namespace shop (pcns.*): only the workload guard
//     (projectcalico.org/orchestrator) keeps it out of selectors with a
//     namespaceSelector (none could keep out an endpoint that also carried
//     projectcalico.org/namespace: every namespaced policy would select it);
//   - the remote node's carries api's labels and projectcalico.org/orchestrator: only
//     namespace selectors (a namespace required) keep it out;
//   - network sets of the pods' namespaces with the pods' labels, which inherit their
//     namespace's labels: only the workload guard keeps them out;
//   - global network sets with the pods' labels, with none (negative-only selectors match
//     it) and with api's labels and projectcalico.org/orchestrator.
//
// Their nets hold external addresses of the universe, which the reference evaluator
// judges as what they are: addresses outside the cluster.
func newSurroundings() *surroundings {
	return &surroundings{
		hostEndpoints: map[netip.Addr]map[string]string{
			netip.MustParseAddr("100.100.0.1"): {"app": "web", "tier": "front", "pcns.projectcalico.org/name": "shop", "pcns." + policy.NamespaceNameLabel: "shop", "pcns.env": "prod", "pcns.team": "a"},
			netip.MustParseAddr("100.100.0.2"): {"app": "api", "tier": "back", "projectcalico.org/orchestrator": "k8s"},
		},
		netSets: []netSet{
			{namespace: "shop", labels: map[string]string{"app": "web", "tier": "front"}, nets: []string{"10.1.2.3/32", "192.168.1.1/32"}},
			{namespace: "pay", labels: map[string]string{"app": "db", "tier": "data"}, nets: []string{"169.254.169.254/32", "2001:db8:1::5/128"}},
			{namespace: "dev", labels: map[string]string{"role": "batch"}, nets: []string{"172.16.5.5/32"}},
			{namespace: "kube-system", labels: map[string]string{"k8s-app": "kube-dns"}, nets: []string{"10.0.1.5/32"}},
			{labels: map[string]string{"app": "web", "tier": "front"}, nets: []string{"8.8.8.8/32", "2001:db8::1/128"}},
			{nets: []string{"198.51.100.7/32"}},
			{labels: map[string]string{"app": "api", "tier": "back", "projectcalico.org/orchestrator": "k8s"}, nets: []string{"203.0.113.9/32"}},
		},
	}
}

// probe is the protocol part of a flow.
type probe struct {
	proto policy.Protocol
	port  int32
	icmp  *policy.ICMP
	http  *policy.HTTPRequest
}

func newUniverse() *universe {
	u := &universe{sur: newSurroundings()}
	ip := netip.MustParseAddr("100.64.0.0")
	pod := func(ns string, labels map[string]string, sa string, named map[string]policy.Port) {
		ip = ip.Next()
		nsLabels := map[string]string{policy.NamespaceNameLabel: ns}
		for k, v := range testNamespaces[ns] {
			nsLabels[k] = v
		}
		u.pods = append(u.pods, policy.Endpoint{Kind: policy.EndpointPod, Namespace: ns, NamespaceLabels: nsLabels,
			Labels: labels, ServiceAccount: sa, IP: ip, NamedPorts: named})
	}
	tcp := func(n int32) policy.Port { return policy.Port{Protocol: policy.TCP, Port: n} }
	for _, ns := range []string{"shop", "pay", "dev"} {
		pod(ns, map[string]string{"app": "web", "tier": "front"}, "web", map[string]policy.Port{"http": tcp(8080)})
		pod(ns, map[string]string{"app": "api", "tier": "back"}, "api", map[string]policy.Port{"grpc": tcp(9090), "metrics": tcp(9100)})
		pod(ns, map[string]string{"app": "db", "tier": "data"}, "default", map[string]policy.Port{"pg": tcp(5432), "http": tcp(8081)})
		pod(ns, map[string]string{"role": "batch"}, "default", nil)
	}
	pod("kube-system", map[string]string{"k8s-app": "kube-dns"}, "coredns",
		map[string]policy.Port{"dns": {Protocol: policy.UDP, Port: 53}, "dns-tcp": tcp(53)})
	pod("other", map[string]string{"app": "web"}, "web", map[string]policy.Port{"http": tcp(8080)})
	for _, e := range []struct {
		kind policy.EndpointKind
		ip   string
	}{
		{policy.EndpointHost, "100.100.0.1"}, {policy.EndpointRemoteNode, "100.100.0.2"}, {policy.EndpointKubeAPIServer, "100.100.0.10"},
		{policy.EndpointExternal, "8.8.8.8"}, {policy.EndpointExternal, "10.1.2.3"}, {policy.EndpointExternal, "10.0.1.5"},
		{policy.EndpointExternal, "169.254.169.254"}, {policy.EndpointExternal, "198.51.100.7"}, {policy.EndpointExternal, "203.0.113.9"},
		{policy.EndpointExternal, "192.168.1.1"}, {policy.EndpointExternal, "172.16.5.5"},
		{policy.EndpointExternal, "2001:db8::1"}, {policy.EndpointExternal, "2001:db8:1::5"},
	} {
		u.others = append(u.others, policy.Endpoint{Kind: e.kind, IP: netip.MustParseAddr(e.ip)})
	}
	for _, p := range []int32{53, 80, 443, 3000, 5432, 8080, 8081, 8100, 9090, 9100} {
		u.probes = append(u.probes, probe{proto: policy.TCP, port: p})
	}
	u.probes = append(u.probes, probe{proto: policy.UDP, port: 53}, probe{proto: policy.UDP, port: 5353},
		probe{proto: policy.SCTP, port: 3868})
	zero := int32(0)
	for _, m := range []policy.ICMP{{Family: policy.IPv4, Type: 8, Code: &zero}, {Family: policy.IPv4, Type: 0, Code: &zero}, {Family: policy.IPv6, Type: 128, Code: &zero}} {
		u.probes = append(u.probes, probe{icmp: &m})
	}
	for _, req := range []policy.HTTPRequest{{Method: "GET", Path: "/api"}, {Method: "POST", Path: "/orders"},
		{Method: "GET", Path: "/orders/12"}, {Method: "DELETE", Path: "/users/1"}, {Method: "GET", Path: "/api?x=/orders"},
		{Method: "POST", Path: "/orders?page=2"}, {Method: "POST", Path: "/orders#top"}, {Method: "GET", Path: "/orders/12?a#b"}} {
		u.probes = append(u.probes, probe{proto: policy.TCP, port: 8080, http: &req})
	}
	return u
}

// flows returns every flow with a pod or a node at one end or both (nothing else is
// policed; a node by its host endpoint), but not between two nodes, or a sample of n of
// them when n > 0. Flows from a node to a pod are left out: Calico never polices them
// (felix/rules/static.go), while the Model judges them like any peer.
func (u *universe) flows(rng *rand.Rand, n int) []policy.Flow {
	all := append(append([]policy.Endpoint(nil), u.pods...), u.others...)
	var pairs [][2]policy.Endpoint
	for _, a := range all {
		for _, b := range all {
			if !policed(a) && !policed(b) || policed(a) && policed(b) && a.Kind != policy.EndpointPod && b.Kind != policy.EndpointPod ||
				a.IP == b.IP || a.Kind == policy.EndpointHost && b.Kind == policy.EndpointPod {
				continue
			}
			pairs = append(pairs, [2]policy.Endpoint{a, b})
		}
	}
	total := len(pairs) * len(u.probes)
	flow := func(i int) policy.Flow {
		pr, p := pairs[i/len(u.probes)], u.probes[i%len(u.probes)]
		return policy.Flow{From: pr[0], To: pr[1], Protocol: p.proto, Port: p.port, ICMP: p.icmp, HTTP: p.http}
	}
	var out []policy.Flow
	if n <= 0 || n >= total {
		for i := range total {
			out = append(out, flow(i))
		}
		return out
	}
	for range n {
		out = append(out, flow(rng.IntN(total)))
	}
	return out
}

func describeFlow(f policy.Flow) string {
	s := fmt.Sprintf("%s -> %s", f.From.Describe(), f.To.Describe())
	switch {
	case f.ICMP != nil:
		s += fmt.Sprintf(" ICMP %s type %d", f.ICMP.Family, f.ICMP.Type)
	default:
		s += fmt.Sprintf(" %s/%d", f.Protocol, f.Port)
	}
	if f.HTTP != nil {
		s += fmt.Sprintf(" %s %s", f.HTTP.Method, f.HTTP.Path)
	}
	return s
}

// policed reports whether policy can apply at e: a pod, or a node (host endpoint).
func policed(e policy.Endpoint) bool {
	return e.Kind == policy.EndpointPod || e.Kind == policy.EndpointHost || e.Kind == policy.EndpointRemoteNode
}
