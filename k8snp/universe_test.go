package k8snp_test

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// clusterRange holds every in-cluster address of the test universe: pods, nodes and the API
// server. CIDR peers of the corpus cover it (10.0.0.0/8) or lie inside it, so that an
// ipBlock that does not except it matches pods and nodes in the engine (see engine), as
// it does on Calico.
var clusterRange = netip.MustParsePrefix("10.244.0.0/16")

// clusterCIDRs declares clusterRange to the backend.
func clusterCIDRs() k8snp.Option { return k8snp.ClusterCIDRs(clusterRange) }

// universe is a small cluster and its surroundings, derived from the objects under test so
// that every selector has pods and namespaces that match it and pods that narrowly miss it.
type universe struct {
	endpoints []policy.Endpoint
	probes    []probe
	// stride thins out the flows of large random universes (see eachFlow).
	stride int
}

// probe is the protocol part of a flow.
type probe struct {
	proto policy.Protocol
	port  int32
	icmp  *policy.ICMP
}

// buildUniverse derives a universe from the model (namespaces and their declared labels)
// and the NetworkPolicies (selectors, ports, CIDRs) of every object set given.
func buildUniverse(t testing.TB, m *policy.Model, sets ...[]*networkingv1.NetworkPolicy) *universe {
	t.Helper()
	var podSels, nsSels []*metav1.LabelSelector
	namedPorts := map[string]policy.Protocol{}
	// numbers maps each port number to probe to the protocols to probe it with.
	numbers := map[int32]map[policy.Protocol]bool{}
	probeAt := func(proto policy.Protocol, ns ...int32) {
		for _, n := range ns {
			if numbers[n] == nil {
				numbers[n] = map[policy.Protocol]bool{}
			}
			numbers[n][proto] = true
		}
	}
	probeAt(policy.UDP, 53)
	probeAt(policy.TCP, 53)
	for _, proto := range []policy.Protocol{policy.TCP, policy.UDP, policy.SCTP} {
		probeAt(proto, 7777)
	}
	var cidrs []netip.Prefix
	peers := func(ps []networkingv1.NetworkPolicyPeer) {
		for _, p := range ps {
			if p.PodSelector != nil {
				podSels = append(podSels, p.PodSelector)
			}
			if p.NamespaceSelector != nil {
				nsSels = append(nsSels, p.NamespaceSelector)
			}
			if p.IPBlock != nil {
				cidrs = append(cidrs, netip.MustParsePrefix(p.IPBlock.CIDR))
				for _, e := range p.IPBlock.Except {
					cidrs = append(cidrs, netip.MustParsePrefix(e))
				}
			}
		}
	}
	ports := func(ps []networkingv1.NetworkPolicyPort) {
		for _, p := range ps {
			proto := policy.TCP
			if p.Protocol != nil {
				proto = policy.Protocol(*p.Protocol)
			}
			switch {
			case p.Port == nil:
			case p.Port.Type == intstr.String:
				if _, ok := namedPorts[p.Port.StrVal]; !ok {
					namedPorts[p.Port.StrVal] = proto
				}
			case p.EndPort != nil:
				probeAt(proto, p.Port.IntVal-1, p.Port.IntVal, *p.EndPort, *p.EndPort+1)
			default:
				probeAt(proto, p.Port.IntVal, p.Port.IntVal+1)
			}
		}
	}
	nsLabels := map[string]map[string]string{}
	for _, ns := range m.Namespaces {
		nsLabels[ns.Name] = ns.Labels
	}
	for _, set := range sets {
		for _, np := range set {
			podSels = append(podSels, &np.Spec.PodSelector)
			if _, ok := nsLabels[np.Namespace]; !ok {
				nsLabels[np.Namespace] = map[string]string{policy.NamespaceNameLabel: np.Namespace}
			}
			for _, r := range np.Spec.Ingress {
				peers(r.From)
				ports(r.Ports)
			}
			for _, r := range np.Spec.Egress {
				peers(r.To)
				ports(r.Ports)
			}
		}
	}
	for _, name := range []string{"kube-system", "outsider"} {
		if _, ok := nsLabels[name]; !ok {
			nsLabels[name] = map[string]string{policy.NamespaceNameLabel: name}
		}
	}
	seenNS := map[string]bool{}
	for _, l := range nsLabels {
		seenNS[labelKey(withoutName(l))] = true
	}
	for _, sel := range nsSels {
		for _, w := range witnesses(sel) {
			name, named := w[policy.NamespaceNameLabel]
			if !named {
				name = fmt.Sprintf("sel-%d", len(nsLabels))
			}
			if _, exists := nsLabels[name]; exists || seenNS[labelKey(withoutName(w))] && !named {
				continue
			}
			l := copyLabels(w)
			l[policy.NamespaceNameLabel] = name
			nsLabels[name] = l
			seenNS[labelKey(withoutName(w))] = true
		}
	}

	podLabels := map[string]map[string]string{"": {}, "app=stranger": {"app": "stranger"}}
	podLabels["k8s-app=kube-dns"] = map[string]string{"k8s-app": "kube-dns"}
	for _, sel := range podSels {
		for _, w := range witnesses(sel) {
			podLabels[labelKey(w)] = w
		}
	}

	u := &universe{}
	nsNames := sortedKeys(nsLabels)
	lblKeys := sortedKeys(podLabels)
	names := sortedKeys(namedPorts)
	next := clusterRange.Addr().Next()
	i := 0
	for _, ns := range nsNames {
		for _, lk := range lblKeys {
			e := policy.Endpoint{Kind: policy.EndpointPod, Namespace: ns, NamespaceLabels: nsLabels[ns], Labels: podLabels[lk], IP: next}
			next = next.Next()
			// Two thirds of the pods carry every named port, at one of two numbers; the rest
			// carry none, so named ports resolve differently per pod.
			if i%3 != 2 && len(names) > 0 {
				e.NamedPorts = map[string]policy.Port{}
				for k, name := range names {
					e.NamedPorts[name] = policy.Port{Protocol: namedPorts[name], Port: int32(9000 + 100*(i%3) + k)}
				}
			}
			i++
			u.endpoints = append(u.endpoints, e)
		}
	}
	for k, name := range names {
		probeAt(namedPorts[name], int32(9000+k), int32(9100+k))
	}
	// A second pod for the subject of every policy, so that traffic between two pods of one
	// workload (which mirroring may open) is judged too.
	for _, set := range sets {
		for _, np := range set {
			e := policy.Endpoint{Kind: policy.EndpointPod, Namespace: np.Namespace, NamespaceLabels: nsLabels[np.Namespace], Labels: witnesses(&np.Spec.PodSelector)[0], IP: next}
			next = next.Next()
			u.endpoints = append(u.endpoints, e)
		}
	}
	u.endpoints = append(u.endpoints,
		policy.Endpoint{Kind: policy.EndpointHost, IP: netip.MustParseAddr("10.244.255.1")},
		policy.Endpoint{Kind: policy.EndpointRemoteNode, IP: netip.MustParseAddr("10.244.255.2")},
		policy.Endpoint{Kind: policy.EndpointKubeAPIServer, IP: netip.MustParseAddr("10.244.255.3")},
	)
	for _, ip := range externals(cidrs) {
		u.endpoints = append(u.endpoints, policy.Endpoint{Kind: policy.EndpointExternal, IP: ip})
	}

	// Each number is probed with the protocols rules use it with, and with one they do not,
	// so that a protocol mix-up shows.
	nums := make([]int32, 0, len(numbers))
	for n := range numbers {
		if n > 0 && n <= 65535 {
			nums = append(nums, n)
		}
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	for _, n := range nums {
		other := false
		for _, proto := range []policy.Protocol{policy.TCP, policy.UDP, policy.SCTP} {
			if numbers[n][proto] || !other {
				other = other || !numbers[n][proto]
				u.probes = append(u.probes, probe{proto: proto, port: n})
			}
		}
	}
	u.probes = append(u.probes, probe{icmp: &policy.ICMP{Family: policy.IPv4, Type: 8}})
	return u
}

// eachFlow calls fn with every flow between two different endpoints of which at least one
// is a pod. With stride n > 1, each pair of endpoints gets every n-th probe only, starting
// at an offset that rotates with the pair, so that every probe is still tried between
// similar endpoints at a fraction of the cost.
func (u *universe) eachFlow(fn func(policy.Flow)) {
	for i, from := range u.endpoints {
		for j, to := range u.endpoints {
			if i == j || from.Kind != policy.EndpointPod && to.Kind != policy.EndpointPod {
				continue
			}
			for k, p := range u.probes {
				if u.stride > 1 && (i+j+k)%u.stride != 0 {
					continue
				}
				fn(policy.Flow{From: from, To: to, Protocol: p.proto, Port: p.port, ICMP: p.icmp})
			}
		}
	}
}

// externals returns addresses at and around the edges of every CIDR and except range, and
// a few well-known ones, outside the cluster range (addresses inside it are pods and nodes).
func externals(cidrs []netip.Prefix) []netip.Addr {
	set := map[netip.Addr]bool{}
	for _, s := range []string{"203.0.113.7", "198.51.100.7", "8.8.8.8", "10.0.1.5", "10.1.2.3", "192.168.1.1", "169.254.169.254", "2001:db8::7", "fd00::1"} {
		set[netip.MustParseAddr(s)] = true
	}
	for _, c := range cidrs {
		if c.Bits() == 0 {
			continue
		}
		first := c.Masked().Addr()
		last := lastAddr(c)
		for _, a := range []netip.Addr{first, last, first.Prev(), last.Next()} {
			if a.IsValid() {
				set[a] = true
			}
		}
	}
	var out []netip.Addr
	for a := range set {
		if !clusterRange.Contains(a) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// witnesses returns label sets for a selector: one that satisfies it and, for each of its
// requirements, one that violates just that requirement.
func witnesses(s *metav1.LabelSelector) []map[string]string {
	sat := copyLabels(s.MatchLabels)
	for _, r := range s.MatchExpressions {
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			if _, ok := sat[r.Key]; !ok {
				sat[r.Key] = r.Values[0]
			}
		case metav1.LabelSelectorOpExists:
			if _, ok := sat[r.Key]; !ok {
				sat[r.Key] = "x"
			}
		}
	}
	out := []map[string]string{sat}
	if len(s.MatchLabels)+len(s.MatchExpressions) < 2 {
		// A single requirement is violated by the universe's generic misses: no labels, and
		// {app: stranger}; and for other keys by the single-key misses below.
		for k := range s.MatchLabels {
			out = append(out, map[string]string{k: "zz-other"})
		}
		for _, r := range s.MatchExpressions {
			if r.Operator == metav1.LabelSelectorOpNotIn {
				out = append(out, map[string]string{r.Key: r.Values[0]})
			} else {
				out = append(out, map[string]string{r.Key: "zz-other"})
			}
			for _, v := range r.Values[min(1, len(r.Values)):] {
				out = append(out, map[string]string{r.Key: v})
			}
		}
		return out
	}
	for k, v := range s.MatchLabels {
		miss := copyLabels(sat)
		miss[k] = v + "-other"
		out = append(out, miss)
	}
	for _, r := range s.MatchExpressions {
		miss := copyLabels(sat)
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			miss[r.Key] = "not-" + r.Values[0]
			for _, v := range r.Values[1:] {
				also := copyLabels(sat)
				also[r.Key] = v
				out = append(out, also)
			}
		case metav1.LabelSelectorOpNotIn:
			miss[r.Key] = r.Values[0]
		case metav1.LabelSelectorOpExists:
			delete(miss, r.Key)
		case metav1.LabelSelectorOpDoesNotExist:
			miss[r.Key] = "x"
		}
		out = append(out, miss)
	}
	return out
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func withoutName(m map[string]string) map[string]string {
	out := copyLabels(m)
	delete(out, policy.NamespaceNameLabel)
	return out
}

func labelKey(m map[string]string) string {
	keys := sortedKeys(m)
	for i, k := range keys {
		keys[i] = k + "=" + m[k]
	}
	return strings.Join(keys, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
