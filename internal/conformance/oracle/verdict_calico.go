package oracle

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"

	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/api/pkg/lib/numorstring"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/k8s/conversion"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/model"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/syncersv1/updateprocessors"
	"github.com/projectcalico/calico/libcalico-go/lib/names"
	cnet "github.com/projectcalico/calico/libcalico-go/lib/net"
	"github.com/projectcalico/calico/libcalico-go/lib/resources"
	"github.com/projectcalico/calico/libcalico-go/lib/selector"
	"k8s.io/apimachinery/pkg/runtime"
)

// CalicoEngine answers what Calico v3.31 (open source, iptables/nftables/eBPF
// data planes alike) allows for flows between workloads and external
// addresses. Calico has no offline "lookup flow" entry point, so this engine
// is a small re-implementation of Felix's evaluation order around Calico's own
// pieces:
//
//   - every policy is validated (ValidateCalico) and converted to the data
//     model Felix receives with libcalico-go's own converters
//     (updateprocessors.ConvertGlobalNetworkPolicyV3ToV1Value /
//     ConvertNetworkPolicyV3ToV1Value, after clientv3's spec.types defaulting):
//     that conversion is where a namespaced policy's selectors are scoped to its
//     namespace, namespaceSelector becomes pcns.* (all() and global()
//     rewritten), serviceAccounts become pcsa.* / projectcalico.org/serviceaccount;
//   - selectors are parsed and evaluated by libcalico-go/lib/selector;
//   - workload labels are what Calico's pod conversion and profiles give a
//     workload endpoint: the pod labels, projectcalico.org/namespace,
//     projectcalico.org/orchestrator=k8s, projectcalico.org/serviceaccount, and
//     inherited from the namespace profile pcns.<key> for every namespace label
//     plus pcns.projectcalico.org/name, and from the service-account profile
//     pcsa.<key> plus pcsa.projectcalico.org/name (the endpoint's own labels win);
//   - rule selectors match by IP set, as in Felix: an address matches when it is
//     a workload whose labels match, is an expected IP of a host endpoint whose
//     labels match, or lies in the nets of a NetworkSet / GlobalNetworkSet whose
//     labels match (NetworkSets carry projectcalico.org/namespace and inherit
//     pcns.* labels; host endpoints and GlobalNetworkSets carry their own labels
//     only).
//
// Host endpoints (Universe.Nodes and HostEndpoint objects): a flow end whose
// address is a node's is that node. A node with a host endpoint (its automatic
// one, Node.AutoHostEndpoint, or a HostEndpoint object naming it with
// interfaceName "*"; at most one) is policed there like a workload: egress when
// it sends, ingress when it receives, by every policy whose selector selects the
// host endpoint's labels, in the same tier order; Felix's default failsafe ports
// (felix/config/config_params.go: inbound tcp 22, 179, 2379, 2380, 5473, 6443,
// 6666, 6667 and udp 68; outbound udp 53, 67 and tcp 179, 2379, 2380, 5473,
// 6443, 6666, 6667) are allowed before any policy; when no tier decides, its
// profiles do: projectcalico-default-allow (automatic host endpoints) allows,
// no profile drops. This is host-process traffic; Felix applies host endpoint
// policy to traffic the node forwards only with applyOnForward (and
// preDNAT/doNotTrack policies before it): a Set with such a policy, where a host
// endpoint exists, cannot be judged. A node without a host endpoint is not
// policed. Felix never polices a node's traffic to its own pods (Pod.Node):
// that ingress side allows.
//
// Evaluation (Calico docs "Policy tiers" / "Get started with policy tiers",
// https://docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy,
// and Felix rules/endpoints.go endpointIptablesChain, policy_sorter.go):
//
//  1. The egress side is judged at the source workload, the ingress side at
//     the destination workload; external ends are not policed. A flow is
//     allowed when both sides allow it.
//  2. Tiers in ascending order (nil orders are defaulted to 1,000,000 by the
//     API; ties by name); the "default" tier always exists (order 1,000,000,
//     defaultAction Deny). Only tiers with at least one policy that selects the
//     endpoint and governs the direction (spec.types) take part.
//  3. Within a tier, policies by ascending order (nil = +Inf), ties by name
//     (namespaced policies sort as "<namespace>/<name>"); rules in order. The
//     first rule that matches with Allow or Deny decides; Pass skips the rest of
//     the tier and goes to the next tier; Log continues.
//  4. A tier that took part but decided nothing ends with its defaultAction:
//     Deny (the default) or Pass (continue with the next tier).
//  5. After the last tier (nothing decided, or everything passed) the
//     Kubernetes namespace profile applies, which allows.
//
// Staged policies (StagedNetworkPolicy, StagedGlobalNetworkPolicy,
// StagedKubernetesNetworkPolicy) are validated but never enforced. Policies
// with doNotTrack or preDNAT only apply to host endpoints and are skipped.
//
// Limits: source ports (source.ports/notPorts) and service matches
// (source/destination.services) cannot be judged from a Flow: a rule that
// would otherwise match returns ErrCannotJudge. An HTTP match counts as an L4
// match, as in Felix's data plane; DecideHTTP judges requests with Calico's
// application layer checker. HostEndpoint() (a node without an address), host
// endpoints of named interfaces, pods of remote clusters and Kubernetes
// NetworkPolicies enforced by Calico are not modeled.
type CalicoEngine struct {
	u       *universe
	tiers   []*calicoTier
	netsets []*calicoNetSet
	// heps holds the host endpoints by the address of their node.
	heps map[netip.Addr]*calicoHEP
	// hepOnly names a policy that applies to host endpoints beyond host-process
	// traffic (applyOnForward, preDNAT, doNotTrack), if any.
	hepOnly string
	// labels per pod, key namespace/name
	podLabels map[string]map[string]string

	// objs are the objects the engine was built from; alp, built from them on the
	// first DecideHTTP, is what Calico's application layer checker sees.
	objs    []runtime.Object
	alpOnce sync.Once
	alp     *calicoALP
	alpErr  error
}

type calicoTier struct {
	name          string
	order         float64
	defaultAction calicov3.Action
	policies      []*calicoPolicy
}

type calicoPolicy struct {
	key      string // sort key and name in reasons
	order    float64
	selector *selector.Selector
	ingress  bool
	egress   bool
	inbound  []calicoRule
	outbound []calicoRule
}

type calicoRule struct {
	model.Rule
	src, dst, notSrc, notDst *selector.Selector
}

type calicoNetSet struct {
	labels map[string]string
	nets   []netip.Prefix
}

// calicoHEP is a host endpoint with interfaceName "*".
type calicoHEP struct {
	name   string
	node   *Node
	labels map[string]string
	// ips are the expected IPs: the addresses Felix puts in the IP sets of the
	// selectors that match the labels.
	ips []netip.Addr
	// allow is true when the profiles allow what no policy decided.
	allow bool
}

func parseSelectorOrNil(expr string) (*selector.Selector, error) {
	if expr == "" {
		return nil, nil
	}
	return selector.Parse(expr)
}

func compileCalicoRules(rules []model.Rule) ([]calicoRule, error) {
	out := make([]calicoRule, 0, len(rules))
	for i, r := range rules {
		cr := calicoRule{Rule: r}
		var err error
		for _, s := range []struct {
			dst  **selector.Selector
			expr string
		}{{&cr.src, r.SrcSelector}, {&cr.dst, r.DstSelector}, {&cr.notSrc, r.NotSrcSelector}, {&cr.notDst, r.NotDstSelector}} {
			if *s.dst, err = parseSelectorOrNil(s.expr); err != nil {
				return nil, fmt.Errorf("rule %d: selector %q: %w", i, s.expr, err)
			}
		}
		out = append(out, cr)
	}
	return out, nil
}

func newCalicoPolicy(key string, p *model.Policy) (*calicoPolicy, error) {
	sel, err := selector.Parse(p.Selector)
	if err != nil {
		return nil, fmt.Errorf("%s: selector %q: %w", key, p.Selector, err)
	}
	cp := &calicoPolicy{key: key, order: math.Inf(1), selector: sel}
	if p.Order != nil {
		cp.order = *p.Order
	}
	if len(p.Types) == 0 { // Felix: no types means both (clientv3 defaulting normally fills them)
		cp.ingress, cp.egress = true, true
	}
	for _, t := range p.Types {
		switch strings.ToLower(t) {
		case "ingress":
			cp.ingress = true
		case "egress":
			cp.egress = true
		}
	}
	if cp.inbound, err = compileCalicoRules(p.InboundRules); err != nil {
		return nil, fmt.Errorf("%s: ingress %w", key, err)
	}
	if cp.outbound, err = compileCalicoRules(p.OutboundRules); err != nil {
		return nil, fmt.Errorf("%s: egress %w", key, err)
	}
	return cp, nil
}

func toPrefixes(nets []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, n := range nets {
		if p, err := netip.ParsePrefix(n); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(n)
		if err != nil {
			return nil, fmt.Errorf("bad net %q", n)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// NewCalicoEngine validates objs (Calico v3 policies, staged policies, tiers
// and network sets) and compiles them over u.
func NewCalicoEngine(objs []runtime.Object, u Universe) (*CalicoEngine, error) {
	cu, err := u.compile()
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if o == nil || !isCalico(o) {
			return nil, fmt.Errorf("NewCalicoEngine: unsupported object %T", o)
		}
	}
	if err := ValidateCalico(objs); err != nil {
		return nil, err
	}
	e := &CalicoEngine{u: cu, podLabels: map[string]map[string]string{}, heps: map[netip.Addr]*calicoHEP{}, objs: slices.Clone(objs)}
	if err := e.addHostEndpoints(objs); err != nil {
		return nil, err
	}

	tiers := map[string]*calicoTier{}
	addTier := func(t *calicov3.Tier) {
		c := t.DeepCopy()
		resources.DefaultTierFields(c)
		tiers[c.Name] = &calicoTier{name: c.Name, order: *c.Spec.Order, defaultAction: *c.Spec.DefaultAction}
	}
	def := calicov3.NewTier()
	def.Name = names.DefaultTierName
	addTier(def)
	for _, o := range objs {
		if t, ok := o.(*calicov3.Tier); ok {
			addTier(t)
		}
	}
	addPolicy := func(tier, key string, v any, err error) error {
		if err != nil {
			return fmt.Errorf("%s: convert: %w", key, err)
		}
		mp := v.(*model.Policy)
		if mp.DoNotTrack || mp.PreDNAT || mp.ApplyOnForward {
			// Host endpoints only, beyond host-process traffic.
			e.hepOnly = key
			if mp.DoNotTrack || mp.PreDNAT {
				return nil
			}
		}
		cp, err := newCalicoPolicy(key, mp)
		if err != nil {
			return err
		}
		t := tiers[names.TierOrDefault(tier)]
		t.policies = append(t.policies, cp)
		return nil
	}
	for _, o := range objs {
		switch p := o.(type) {
		case *calicov3.GlobalNetworkPolicy:
			c := p.DeepCopy()
			defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
			v, err := updateprocessors.ConvertGlobalNetworkPolicyV3ToV1Value(c)
			if err := addPolicy(c.Spec.Tier, c.Name, v, err); err != nil {
				return nil, err
			}
		case *calicov3.NetworkPolicy:
			c := p.DeepCopy()
			defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
			v, err := updateprocessors.ConvertNetworkPolicyV3ToV1Value(c)
			if err := addPolicy(c.Spec.Tier, c.Namespace+"/"+c.Name, v, err); err != nil {
				return nil, err
			}
		case *calicov3.GlobalNetworkSet:
			nets, err := toPrefixes(p.Spec.Nets)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", describe(p), err)
			}
			e.netsets = append(e.netsets, &calicoNetSet{labels: copyLabels(p.Labels), nets: nets})
		case *calicov3.NetworkSet:
			nets, err := toPrefixes(p.Spec.Nets)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", describe(p), err)
			}
			lbls := map[string]string{}
			if ns, ok := cu.namespaces[p.Namespace]; ok {
				for k, v := range ns.Labels {
					lbls[conversion.NamespaceLabelPrefix+k] = v
				}
			}
			lbls[conversion.NamespaceLabelPrefix+conversion.NameLabel] = p.Namespace
			for k, v := range p.Labels {
				lbls[k] = v
			}
			lbls[calicov3.LabelNamespace] = p.Namespace
			e.netsets = append(e.netsets, &calicoNetSet{labels: lbls, nets: nets})
		}
		// Tiers are handled above; staged kinds are never enforced.
	}
	for _, t := range tiers {
		sort.SliceStable(t.policies, func(i, j int) bool {
			a, b := t.policies[i], t.policies[j]
			if a.order != b.order {
				return a.order < b.order
			}
			return a.key < b.key
		})
		e.tiers = append(e.tiers, t)
	}
	sort.Slice(e.tiers, func(i, j int) bool {
		a, b := e.tiers[i], e.tiers[j]
		if a.order != b.order {
			return a.order < b.order
		}
		return a.name < b.name
	})

	for _, p := range cu.podOrder {
		lbls := map[string]string{}
		for k, v := range cu.namespaces[p.Namespace].Labels {
			lbls[conversion.NamespaceLabelPrefix+k] = v
		}
		lbls[conversion.NamespaceLabelPrefix+conversion.NameLabel] = p.Namespace
		if sa, ok := cu.sas[podKey(p.Namespace, p.ServiceAccount)]; ok {
			for k, v := range sa.Labels {
				lbls[conversion.ServiceAccountLabelPrefix+k] = v
			}
		}
		lbls[conversion.ServiceAccountLabelPrefix+conversion.NameLabel] = p.ServiceAccount
		for k, v := range p.Labels {
			lbls[k] = v
		}
		lbls[calicov3.LabelNamespace] = p.Namespace
		lbls[calicov3.LabelOrchestrator] = calicov3.OrchestratorKubernetes
		lbls[calicov3.LabelServiceAccount] = p.ServiceAccount
		e.podLabels[podKey(p.Namespace, p.Name)] = lbls
	}
	return e, nil
}

// calicoEnd is one end of a flow as Felix sees it.
type calicoEnd struct {
	ep     Endpoint
	pod    *Pod
	labels map[string]string // nil for external addresses
	ip     netip.Addr
	// node is the node whose address this is, hep its host endpoint.
	node *Node
	hep  *calicoHEP
}

// policyLabels are the labels policies select the end by: its workload's or its
// host endpoint's; nil when nothing polices it.
func (c *calicoEnd) policyLabels() map[string]string {
	if c.hep != nil {
		return c.hep.labels
	}
	return c.labels
}

func (e *CalicoEngine) end(ep Endpoint) (*calicoEnd, error) {
	if ep.Host {
		return nil, cannotJudge("the host without an address: Calico host endpoints are judged at node addresses (Universe.Nodes)")
	}
	if !ep.IsPod() {
		return &calicoEnd{ep: ep, ip: ep.IP, node: e.u.nodes[ep.IP], hep: e.heps[ep.IP]}, nil
	}
	p, err := e.u.pod(ep)
	if err != nil {
		return nil, err
	}
	if p.Cluster != e.u.cluster {
		return nil, cannotJudge("pod %s is in remote cluster %q", ep, p.Cluster)
	}
	return &calicoEnd{ep: ep, pod: p, labels: e.podLabels[podKey(p.Namespace, p.Name)], ip: p.IP}, nil
}

// selects reports whether sel's IP set contains the end: a workload whose
// labels match, or an address inside a matching network set.
func (e *CalicoEngine) selects(sel *selector.Selector, c *calicoEnd) bool {
	if c.labels != nil && sel.Evaluate(c.labels) {
		return true
	}
	for _, h := range e.heps {
		if slices.Contains(h.ips, c.ip) && sel.Evaluate(h.labels) {
			return true
		}
	}
	for _, ns := range e.netsets {
		if !sel.Evaluate(ns.labels) {
			continue
		}
		for _, n := range ns.nets {
			if n.Contains(c.ip) {
				return true
			}
		}
	}
	return false
}

func inNets(nets []netip.Prefix, ip netip.Addr) bool {
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func convertNets(in []*cnet.IPNet) []netip.Prefix {
	var out []netip.Prefix
	for _, n := range in {
		if n == nil {
			continue
		}
		addr, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ones, _ := n.Mask.Size()
		if addr.Is4In6() && ones >= 96 {
			ones -= 96
		}
		out = append(out, netip.PrefixFrom(addr.Unmap(), ones).Masked())
	}
	return out
}

func protoMatches(p *numorstring.Protocol, flowProto string) bool {
	if p.Type == numorstring.NumOrStringNum {
		switch flowProto {
		case "TCP":
			return p.NumVal == 6
		case "UDP":
			return p.NumVal == 17
		case "SCTP":
			return p.NumVal == 132
		}
		return false
	}
	return strings.EqualFold(p.StrVal, flowProto)
}

// portMatches reports whether the flow's destination port is in ports;
// named ports resolve on the destination workload, for the flow's protocol.
func portMatches(ports []numorstring.Port, proto string, port int32, dst *calicoEnd) bool {
	for _, p := range ports {
		if p.PortName != "" {
			if dst.pod == nil {
				continue
			}
			if np, ok := dst.pod.NamedPorts[p.PortName]; ok && np.Protocol == proto && np.Port == port {
				return true
			}
			continue
		}
		if int32(p.MinPort) <= port && port <= int32(p.MaxPort) {
			return true
		}
	}
	return false
}

// ruleMatches reports whether r matches the flow src->dst proto/port.
func (e *CalicoEngine) ruleMatches(r *calicoRule, src, dst *calicoEnd, proto string, port int32) (bool, error) {
	if r.Protocol != nil && !protoMatches(r.Protocol, proto) {
		return false, nil
	}
	if r.NotProtocol != nil && protoMatches(r.NotProtocol, proto) {
		return false, nil
	}
	if r.ICMPType != nil || r.ICMPCode != nil {
		return false, nil // ICMP matches need protocol ICMP; flows are TCP/UDP/SCTP
	}
	if r.IPVersion != nil {
		v := 4
		if src.ip.Is6() {
			v = 6
		}
		if *r.IPVersion != v {
			return false, nil
		}
	}
	if n := convertNets(r.SrcNets); len(n) > 0 && !inNets(n, src.ip) {
		return false, nil
	}
	if n := convertNets(r.NotSrcNets); len(n) > 0 && inNets(n, src.ip) {
		return false, nil
	}
	if n := convertNets(r.DstNets); len(n) > 0 && !inNets(n, dst.ip) {
		return false, nil
	}
	if n := convertNets(r.NotDstNets); len(n) > 0 && inNets(n, dst.ip) {
		return false, nil
	}
	if r.src != nil && !e.selects(r.src, src) {
		return false, nil
	}
	if r.notSrc != nil && e.selects(r.notSrc, src) {
		return false, nil
	}
	if r.dst != nil && !e.selects(r.dst, dst) {
		return false, nil
	}
	if r.notDst != nil && e.selects(r.notDst, dst) {
		return false, nil
	}
	if len(r.DstPorts) > 0 && !portMatches(r.DstPorts, proto, port, dst) {
		return false, nil
	}
	if len(r.NotDstPorts) > 0 && portMatches(r.NotDstPorts, proto, port, dst) {
		return false, nil
	}
	if len(r.SrcPorts) > 0 || len(r.NotSrcPorts) > 0 {
		return false, cannotJudge("rule matches on source ports, which a Flow does not carry")
	}
	if r.SrcService != "" || r.DstService != "" {
		return false, cannotJudge("rule matches on a Kubernetes service, which the universe does not model")
	}
	// r.HTTPMatch: an L4 match (see CalicoEngine).
	return true, nil
}

// side evaluates one direction at the workload or host endpoint at (egress: at =
// src).
func (e *CalicoEngine) side(egress bool, at, src, dst *calicoEnd, proto string, port int32) (bool, string, error) {
	dir := "ingress"
	if egress {
		dir = "egress"
	}
tiers:
	for _, t := range e.tiers {
		took := false
		for _, p := range t.policies {
			if (egress && !p.egress) || (!egress && !p.ingress) || !p.selector.Evaluate(at.policyLabels()) {
				continue
			}
			took = true
			rules := p.inbound
			if egress {
				rules = p.outbound
			}
			for i := range rules {
				ok, err := e.ruleMatches(&rules[i], src, dst, proto, port)
				if err != nil {
					return false, "", fmt.Errorf("%s %s rule %d: %w", p.key, dir, i, err)
				}
				if !ok {
					continue
				}
				why := fmt.Sprintf("tier %s: %s %s rule %d %s", t.name, p.key, dir, i, rules[i].Action)
				switch rules[i].Action {
				case "allow":
					return true, why, nil
				case "deny":
					return false, why, nil
				case "next-tier":
					continue tiers
				case "log":
					continue
				default:
					return false, "", fmt.Errorf("%s %s rule %d: unknown action %q", p.key, dir, i, rules[i].Action)
				}
			}
		}
		if !took {
			continue
		}
		if t.defaultAction == calicov3.Pass {
			continue
		}
		return false, fmt.Sprintf("tier %s: end of tier (%s)", t.name, t.defaultAction), nil
	}
	if at.hep != nil {
		if at.hep.allow {
			return true, "host endpoint " + at.hep.name + ": profile projectcalico-default-allow (no tier decided)", nil
		}
		return false, "host endpoint " + at.hep.name + ": no profile allows (no tier decided)", nil
	}
	return true, "namespace profile (no tier decided)", nil
}

// failsafe lists Felix's default failsafe ports (FailsafeInboundHostPorts,
// FailsafeOutboundHostPorts), which host endpoint policy never blocks.
var failsafe = map[bool]map[string][]int32{
	false: {"TCP": {22, 179, 2379, 2380, 5473, 6443, 6666, 6667}, "UDP": {68}},
	true:  {"TCP": {179, 2379, 2380, 5473, 6443, 6666, 6667}, "UDP": {53, 67}},
}

// hepSide evaluates one direction at the host endpoint of at: failsafe ports
// first, then policy.
func (e *CalicoEngine) hepSide(egress bool, at, src, dst *calicoEnd, proto string, port int32) (bool, string, error) {
	if slices.Contains(failsafe[egress][proto], port) {
		return true, fmt.Sprintf("host endpoint %s: failsafe port %s/%d", at.hep.name, proto, port), nil
	}
	return e.side(egress, at, src, dst, proto, port)
}

// addHostEndpoints collects the automatic host endpoints of the universe's nodes
// and the HostEndpoint objects.
func (e *CalicoEngine) addHostEndpoints(objs []runtime.Object) error {
	add := func(h *calicoHEP) error {
		if other, ok := e.heps[h.node.IP]; ok {
			return fmt.Errorf("node %s has host endpoints %s and %s: which polices it is not modeled", h.node.Name, other.name, h.name)
		}
		e.heps[h.node.IP] = h
		return nil
	}
	for _, n := range e.u.nodes {
		if !n.AutoHostEndpoint {
			continue
		}
		l := copyLabels(n.Labels)
		l["projectcalico.org/created-by"] = "calico-kube-controllers"
		if err := add(&calicoHEP{name: n.Name + "-auto-hep", node: n, labels: l, ips: []netip.Addr{n.IP}, allow: true}); err != nil {
			return err
		}
	}
	for _, o := range objs {
		h, ok := o.(*calicov3.HostEndpoint)
		if !ok {
			continue
		}
		if h.Spec.InterfaceName != "*" {
			return fmt.Errorf("%s: host endpoints of a named interface are not modeled (only interfaceName \"*\")", describe(h))
		}
		var node *Node
		for _, n := range e.u.nodes {
			if n.Name == h.Spec.Node {
				node = n
			}
		}
		if node == nil {
			return fmt.Errorf("%s: node %q is not in the universe", describe(h), h.Spec.Node)
		}
		hep := &calicoHEP{name: h.Name, node: node, labels: copyLabels(h.Labels),
			allow: slices.Contains(h.Spec.Profiles, resources.DefaultAllowProfileName)}
		for _, ip := range h.Spec.ExpectedIPs {
			a, err := netip.ParseAddr(ip)
			if err != nil {
				return fmt.Errorf("%s: expected IP %q: %w", describe(h), ip, err)
			}
			hep.ips = append(hep.ips, a)
		}
		if err := add(hep); err != nil {
			return err
		}
	}
	return nil
}

// Decide returns the verdict on f with the per-direction results.
func (e *CalicoEngine) Decide(f Flow) (Decision, error) {
	proto, err := e.u.checkFlow(f)
	if err != nil {
		return Decision{}, err
	}
	src, err := e.end(f.From)
	if err != nil {
		return Decision{}, err
	}
	dst, err := e.end(f.To)
	if err != nil {
		return Decision{}, err
	}
	if src.ip.Is4() != dst.ip.Is4() {
		return Decision{}, errors.New("flow mixes IPv4 and IPv6 addresses")
	}
	if e.hepOnly != "" && len(e.heps) > 0 {
		return Decision{}, cannotJudge("policy %s applies to host endpoints beyond host-process traffic (applyOnForward, preDNAT or doNotTrack), which is not modeled", e.hepOnly)
	}
	d := Decision{EgressAllowed: true, IngressAllowed: true}
	var reasons []string
	switch {
	case src.pod != nil:
		ok, why, err := e.side(true, src, src, dst, proto, f.Port)
		if err != nil {
			return Decision{}, err
		}
		d.EgressAllowed = ok
		reasons = append(reasons, "egress: "+why)
	case src.hep != nil:
		ok, why, err := e.hepSide(true, src, src, dst, proto, f.Port)
		if err != nil {
			return Decision{}, err
		}
		d.EgressAllowed = ok
		reasons = append(reasons, "egress: "+why)
	}
	switch {
	case dst.pod != nil && src.node != nil && dst.pod.Node == src.node.Name:
		reasons = append(reasons, "ingress: from its own node, never policed (felix/rules/static.go)")
	case dst.pod != nil:
		ok, why, err := e.side(false, dst, src, dst, proto, f.Port)
		if err != nil {
			return Decision{}, err
		}
		d.IngressAllowed = ok
		reasons = append(reasons, "ingress: "+why)
	case dst.hep != nil:
		ok, why, err := e.hepSide(false, dst, src, dst, proto, f.Port)
		if err != nil {
			return Decision{}, err
		}
		d.IngressAllowed = ok
		reasons = append(reasons, "ingress: "+why)
	}
	d.Allowed = d.EgressAllowed && d.IngressAllowed
	d.Reason = strings.Join(reasons, "; ")
	return d, nil
}

// Verdict reports whether f is allowed.
func (e *CalicoEngine) Verdict(f Flow) (bool, error) {
	d, err := e.Decide(f)
	return d.Allowed, err
}

// CalicoVerdict reports whether the Calico objects objs allow f in u. See
// CalicoEngine for the semantics and limits; build an engine once when judging
// many flows.
func CalicoVerdict(objs []runtime.Object, u Universe, f Flow) (bool, error) {
	e, err := NewCalicoEngine(objs, u)
	if err != nil {
		return false, err
	}
	return e.Verdict(f)
}
