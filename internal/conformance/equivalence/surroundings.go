package equivalence

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Calico selectors match more than pods: network sets and host endpoints that carry the
// labels. For the Calico backends the universe holds them, labelled like the pods, so
// that a selector the backend leaves unguarded matches one of them and a flow tells:
//
//   - every node sample is a node with an address in the pod range (a range the backend
//     is told, calico.ClusterCIDRs, and the one CIDR peers reach): node:local, where the
//     pods run, with its automatic host endpoint; node:remote with a HostEndpoint object
//     (interfaceName "*", profile projectcalico-default-allow);
//   - for each distinct label set of the pod samples (at most maxLabelSets), two more
//     nodes with automatic host endpoints, whose labels an automatic host endpoint
//     copies from its node: one with the pods' labels and the pcns.* labels their
//     namespace gives endpoints (only the backend's workload guard,
//     projectcalico.org/orchestrator, keeps it out of selectors with a
//     namespaceSelector), one with the pods' labels and projectcalico.org/orchestrator
//     (only namespace selectors requiring a namespace keep it out);
//   - for each such label set, a NetworkSet in the pods' namespace (it inherits the
//     namespace's labels), a GlobalNetworkSet, and a GlobalNetworkSet with
//     projectcalico.org/orchestrator too; and one GlobalNetworkSet without labels, which
//     negative-only selectors match. Their nets hold every external sample's address.
//
// The reference evaluator judges a network set's address as what it is, an external
// address, and a node as a node. No selector can keep out an endpoint that carries
// projectcalico.org/namespace (every namespaced policy would select it) or a NetworkSet
// with projectcalico.org/orchestrator: the universe has none.

// maxLabelSets bounds the label sets that get host endpoints and network sets.
const maxLabelSets = 10

// Sample names of the nodes added for host endpoints.
const (
	nodeLocal  = "node:local"
	nodeRemote = "node:remote"
)

// SkipOwnNode is the skip reason of flows from a node to its own pods: Felix never
// polices them (felix/rules/static.go), while the reference evaluator judges the node
// like any peer; the calico backend emits no rule for an allow from the host and refuses
// a deny (docs/fidelity.md).
const SkipOwnNode = "node to its own pods: Felix never polices it"

// labelSet is the labels of pod samples and the namespace they are in.
type labelSet struct {
	namespace string
	labels    map[string]string
	nsLabels  map[string]string
}

// podLabelSets returns the distinct label sets of pu's local pod samples, in sample
// order, at most maxLabelSets.
func podLabelSets(pu *policy.Universe) []labelSet {
	var out []labelSet
	seen := map[string]bool{}
	for _, s := range pu.Endpoints {
		// The stand-in for pods nothing selects (app=netintent-unselected) is left out: a
		// network set labelled like it tests no selector, and would take the place of
		// one that does.
		if s.Kind != policy.EndpointPod || s.Cluster != "" || len(s.Labels) == 0 || slices.Contains(slices.Collect(maps.Values(s.Labels)), "netintent-unselected") {
			continue
		}
		keys := make([]string, 0, len(s.Labels))
		for k, v := range s.Labels {
			keys = append(keys, k+"="+v)
		}
		sort.Strings(keys)
		key := s.Namespace + "/" + strings.Join(keys, ",")
		if seen[key] || len(out) == maxLabelSets {
			continue
		}
		seen[key] = true
		out = append(out, labelSet{namespace: s.Namespace, labels: s.Labels, nsLabels: s.NamespaceLabels})
	}
	return out
}

// Surround returns a copy of pu with the node samples the Calico universes give host
// endpoints (see above): remote-node samples whose labels look like the pods'.
func Surround(pu *policy.Universe) *policy.Universe {
	out := *pu
	out.Endpoints = append([]policy.Sample(nil), pu.Endpoints...)
	for i, ls := range podLabelSets(pu) {
		ns := maps.Clone(ls.labels)
		ns["pcns.projectcalico.org/name"] = ls.namespace
		ns["pcns."+policy.NamespaceNameLabel] = ls.namespace
		for k, v := range ls.nsLabels {
			ns["pcns."+k] = v
		}
		orch := maps.Clone(ls.labels)
		orch[calicov3.LabelOrchestrator] = calicov3.OrchestratorKubernetes
		out.Endpoints = append(out.Endpoints,
			policy.Sample{Name: fmt.Sprintf("node:hep-namespace-%d", i), Endpoint: policy.Endpoint{Kind: policy.EndpointRemoteNode, Labels: ns}},
			policy.Sample{Name: fmt.Sprintf("node:hep-orchestrator-%d", i), Endpoint: policy.Endpoint{Kind: policy.EndpointRemoteNode, Labels: orch}})
	}
	return &out
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// addSurroundings gives u the nodes of pu's node samples, with addresses from the top of
// the pod range, and the Calico objects around the pods (u.Extra).
func (u *Universe) addSurroundings(pu *policy.Universe) error {
	ip := lastAddr(u.Pool)
	for _, s := range pu.Endpoints {
		if s.Kind != policy.EndpointHost && s.Kind != policy.EndpointRemoteNode {
			continue
		}
		for _, p := range u.Oracle.Pods {
			if p.IP == ip {
				return fmt.Errorf("pod range %s is too small for the nodes", u.Pool)
			}
		}
		name := strings.TrimPrefix(s.Name, "node:")
		n := oracle.Node{Name: name, IP: ip, Labels: maps.Clone(s.Labels), AutoHostEndpoint: s.Name != nodeRemote}
		u.Oracle.Nodes = append(u.Oracle.Nodes, n)
		u.ends[s.Name] = oracle.Endpoint{IP: ip}
		if s.Name == nodeRemote {
			hep := calicov3.NewHostEndpoint()
			hep.Name = name + "-all"
			hep.Labels = maps.Clone(s.Labels)
			hep.Spec = calicov3.HostEndpointSpec{Node: name, InterfaceName: "*", ExpectedIPs: []string{ip.String()},
				Profiles: []string{"projectcalico-default-allow"}}
			u.Extra = append(u.Extra, hep)
		}
		ip = ip.Prev()
	}
	for i := range u.Oracle.Pods {
		if u.Oracle.Pods[i].Cluster == "" {
			u.Oracle.Pods[i].Node = strings.TrimPrefix(nodeLocal, "node:")
		}
	}
	var nets []string
	for _, s := range pu.Endpoints {
		if s.Kind == policy.EndpointExternal && s.IP.IsValid() {
			nets = append(nets, netip.PrefixFrom(s.IP, s.IP.BitLen()).String())
		}
	}
	if len(nets) == 0 {
		return nil
	}
	sort.Strings(nets)
	nets = compact(nets)
	gns := func(name string, labels map[string]string) runtime.Object {
		o := calicov3.NewGlobalNetworkSet()
		o.ObjectMeta = metav1.ObjectMeta{Name: name, Labels: labels}
		o.Spec.Nets = nets
		return o
	}
	u.Extra = append(u.Extra, gns("unlabelled", nil))
	for i, ls := range podLabelSets(pu) {
		ns := calicov3.NewNetworkSet()
		ns.ObjectMeta = metav1.ObjectMeta{Name: fmt.Sprintf("pods-%d", i), Namespace: ls.namespace, Labels: maps.Clone(ls.labels)}
		ns.Spec.Nets = nets
		orch := maps.Clone(ls.labels)
		orch[calicov3.LabelOrchestrator] = calicov3.OrchestratorKubernetes
		u.Extra = append(u.Extra, ns, gns(fmt.Sprintf("pods-%d", i), maps.Clone(ls.labels)), gns(fmt.Sprintf("pods-orchestrator-%d", i), orch))
	}
	return nil
}

// compact removes adjacent duplicates of a sorted slice.
func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
