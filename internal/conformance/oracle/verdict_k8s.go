package oracle

import (
	"fmt"
	"net/netip"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NetworkPolicyEngine answers what Kubernetes NetworkPolicy allows, using
// cyclonus's matcher (github.com/mattfenwick/cyclonus/pkg/matcher v0.5.6), the
// model the upstream network-policy conformance tooling uses.
//
// Wiring and limits:
//   - Each policy is first judged by ValidateNetworkPolicy and then defaulted as
//     the API server stores it (policyTypes, protocol TCP), because cyclonus
//     expects defaulted objects (and panics on invalid ones).
//   - Named ports are resolved here: the flow's port is given the name of the
//     destination pod's named port with that protocol and number (Kubernetes
//     resolves named ports on the destination pod for ingress and egress). A
//     pod with two names for one port/protocol is refused (ErrCannotJudge).
//   - ipBlock: cyclonus matches ipBlocks against pod IPs too, which the
//     Kubernetes API leaves implementation-defined ("ipBlock is meant for
//     cluster-external addresses"). A flow whose pod end has an IP that an
//     ipBlock of the policies matches (inside its cidr, outside its except
//     ranges) is refused with ErrCannotJudge, so that reading never decides a
//     verdict; a pod IP in an except range is judged: no implementation matches
//     it. Pods without IP get one from 100.64.0.0/10. NetworkPolicyCiliumEngine
//     judges the refused flows the other way (ipBlocks never match pods).
//   - Traffic to/from an external address is judged on the in-cluster end only
//     (cyclonus allows the external side, as every implementation must).
//   - The host endpoint and pods of a remote cluster are refused
//     (ErrCannotJudge): NetworkPolicy leaves node traffic implementation-defined
//     and has no cluster mesh.
//   - L3/L4 only: NetworkPolicy has nothing above L4.
//   - NotIn: cyclonus v0.5.6 (pkg/kube/labelselector.go
//     IsMatchExpressionMatchForLabels) evaluates "key NotIn (values)" as false when
//     the labels lack the key; Kubernetes (apimachinery labels.Requirement.Matches,
//     and the label-selector documentation) evaluates it as true. A flow is refused
//     with ErrCannotJudge when one of its pods lacks the key of a NotIn requirement
//     that could be evaluated against it: of a policy's podSelector (either end), of
//     an ingress peer's podSelector or namespaceSelector (the source, its namespace),
//     of an egress peer's (the destination, its namespace).
//   - matchLabels {key: ""}: cyclonus (IsLabelsMatchLabelSelector) compares
//     labels[key] with "", so labels without the key match; Kubernetes requires
//     the key. Flows are refused with ErrCannotJudge as for NotIn.
type NetworkPolicyEngine struct {
	u        *universe
	policy   *matcher.Policy
	ipBlocks []ipBlock
	// notIn holds the keys of NotIn requirements and of matchLabels with an empty
	// value, which cyclonus misreads on labels without the key, by where they are
	// evaluated; the value names the requirement.
	notIn struct {
		subject, srcPod, srcNamespace, dstPod, dstNamespace map[string]string
	}
}

// ipBlock is a parsed ipBlock of a policy.
type ipBlock struct {
	cidr   netip.Prefix
	except []netip.Prefix
}

// matches reports whether a matches the block: inside cidr, outside every except.
func (b ipBlock) matches(a netip.Addr) bool {
	if !b.cidr.Contains(a) {
		return false
	}
	for _, x := range b.except {
		if x.Contains(a) {
			return false
		}
	}
	return true
}

// Requirements cyclonus misreads on labels without their key.
const (
	misreadNotIn      = "NotIn requirement, which cyclonus evaluates as false (Kubernetes: true)"
	misreadEmptyValue = `matchLabels {key: ""}, which cyclonus evaluates as true (Kubernetes: false)`
)

// addNotIn records the keys of sel's NotIn requirements and empty-valued matchLabels in
// keys.
func addNotIn(keys map[string]string, sel *metav1.LabelSelector) {
	if sel == nil {
		return
	}
	for k, v := range sel.MatchLabels {
		if v == "" {
			keys[k] = misreadEmptyValue
		}
	}
	for _, r := range sel.MatchExpressions {
		if r.Operator == metav1.LabelSelectorOpNotIn {
			keys[r.Key] = misreadNotIn
		}
	}
}

// NewNetworkPolicyEngine validates and compiles nps over u.
func NewNetworkPolicyEngine(nps []*networkingv1.NetworkPolicy, u Universe) (_ *NetworkPolicyEngine, err error) {
	cu, err := u.compile()
	if err != nil {
		return nil, err
	}
	e := &NetworkPolicyEngine{u: cu}
	e.notIn.subject, e.notIn.srcPod, e.notIn.srcNamespace = map[string]string{}, map[string]string{}, map[string]string{}
	e.notIn.dstPod, e.notIn.dstNamespace = map[string]string{}, map[string]string{}
	var defaulted []*networkingv1.NetworkPolicy
	for _, np := range nps {
		d, err := storedNetworkPolicy(np)
		if err != nil {
			return nil, err
		}
		defaulted = append(defaulted, d)
		addNotIn(e.notIn.subject, &d.Spec.PodSelector)
		add := func(peers []networkingv1.NetworkPolicyPeer, pods, namespaces map[string]string) error {
			for _, p := range peers {
				addNotIn(pods, p.PodSelector)
				addNotIn(namespaces, p.NamespaceSelector)
				if p.IPBlock == nil {
					continue
				}
				pfx, err := netip.ParsePrefix(p.IPBlock.CIDR)
				if err != nil {
					return fmt.Errorf("%s: ipBlock %q: %w", describe(np), p.IPBlock.CIDR, err)
				}
				b := ipBlock{cidr: pfx.Masked()}
				for _, x := range p.IPBlock.Except {
					xp, err := netip.ParsePrefix(x)
					if err != nil {
						return fmt.Errorf("%s: ipBlock except %q: %w", describe(np), x, err)
					}
					b.except = append(b.except, xp.Masked())
				}
				e.ipBlocks = append(e.ipBlocks, b)
			}
			return nil
		}
		for _, r := range d.Spec.Ingress {
			if err := add(r.From, e.notIn.srcPod, e.notIn.srcNamespace); err != nil {
				return nil, err
			}
		}
		for _, r := range d.Spec.Egress {
			if err := add(r.To, e.notIn.dstPod, e.notIn.dstNamespace); err != nil {
				return nil, err
			}
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cyclonus: %v", r)
		}
	}()
	e.policy = matcher.BuildNetworkPolicies(false, defaulted)
	return e, nil
}

// peer translates one end of a flow; source says which.
func (e *NetworkPolicyEngine) peer(ep Endpoint, source bool) (*matcher.TrafficPeer, error) {
	if ep.Host {
		return nil, cannotJudge("NetworkPolicy leaves traffic of the node (host) implementation-defined")
	}
	if !ep.IsPod() {
		return &matcher.TrafficPeer{IP: ep.IP.String()}, nil
	}
	p, err := e.u.pod(ep)
	if err != nil {
		return nil, err
	}
	if p.Cluster != e.u.cluster {
		return nil, cannotJudge("pod %s is in remote cluster %q: NetworkPolicy has no cluster mesh", ep, p.Cluster)
	}
	for _, b := range e.ipBlocks {
		if b.matches(p.IP) {
			return nil, cannotJudge("pod %s IP %s lies in ipBlock %s (outside its except ranges): whether ipBlocks match pod IPs is implementation-defined; choose pod IPs outside every ipBlock", ep, p.IP, b.cidr)
		}
	}
	podKeys, nsKeys := e.notIn.dstPod, e.notIn.dstNamespace
	if source {
		podKeys, nsKeys = e.notIn.srcPod, e.notIn.srcNamespace
	}
	for _, keys := range []map[string]string{e.notIn.subject, podKeys} {
		for k, what := range keys {
			if _, ok := p.Labels[k]; !ok {
				return nil, cannotJudge("pod %s lacks label %q of a %s", ep, k, what)
			}
		}
	}
	for k, what := range nsKeys {
		if _, ok := e.u.namespaces[p.Namespace].Labels[k]; !ok {
			return nil, cannotJudge("namespace %s lacks label %q of a %s", p.Namespace, k, what)
		}
	}
	return &matcher.TrafficPeer{
		IP: p.IP.String(),
		Internal: &matcher.InternalPeer{
			PodLabels:       copyLabels(p.Labels),
			NamespaceLabels: copyLabels(e.u.namespaces[p.Namespace].Labels),
			Namespace:       p.Namespace,
		},
	}, nil
}

// Decide returns the verdict on f with the per-direction results.
func (e *NetworkPolicyEngine) Decide(f Flow) (_ Decision, err error) {
	proto, err := e.u.checkFlow(f)
	if err != nil {
		return Decision{}, err
	}
	src, err := e.peer(f.From, true)
	if err != nil {
		return Decision{}, err
	}
	dst, err := e.peer(f.To, false)
	if err != nil {
		return Decision{}, err
	}
	portName := ""
	if f.To.IsPod() {
		p, _ := e.u.pod(f.To)
		if portName, err = namedPortAt(p, proto, f.Port); err != nil {
			return Decision{}, err
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cyclonus: %v", r)
		}
	}()
	res := e.policy.IsTrafficAllowed(&matcher.Traffic{
		Source:           src,
		Destination:      dst,
		ResolvedPort:     int(f.Port),
		ResolvedPortName: portName,
		Protocol:         corev1.Protocol(proto),
	})
	d := Decision{
		EgressAllowed:  res.Egress.IsAllowed(),
		IngressAllowed: res.Ingress.IsAllowed(),
	}
	d.Allowed = d.EgressAllowed && d.IngressAllowed
	d.Reason = fmt.Sprintf("egress: %d allowing / %d isolating targets; ingress: %d allowing / %d isolating targets",
		len(res.Egress.AllowingTargets), len(res.Egress.AllowingTargets)+len(res.Egress.DenyingTargets),
		len(res.Ingress.AllowingTargets), len(res.Ingress.AllowingTargets)+len(res.Ingress.DenyingTargets))
	return d, nil
}

// Verdict reports whether f is allowed.
func (e *NetworkPolicyEngine) Verdict(f Flow) (bool, error) {
	d, err := e.Decide(f)
	return d.Allowed, err
}

// NetworkPolicyVerdict reports whether nps allow f in u. See
// NetworkPolicyEngine for the semantics and limits; build an engine once when
// judging many flows.
func NetworkPolicyVerdict(nps []*networkingv1.NetworkPolicy, u Universe, f Flow) (bool, error) {
	e, err := NewNetworkPolicyEngine(nps, u)
	if err != nil {
		return false, err
	}
	return e.Verdict(f)
}
