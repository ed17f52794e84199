package oracle

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"

	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/calico/app-policy/checker"
	"github.com/projectcalico/calico/app-policy/policystore"
	"github.com/projectcalico/calico/felix/calc"
	"github.com/projectcalico/calico/felix/labelindex"
	"github.com/projectcalico/calico/felix/proto"
	"github.com/projectcalico/calico/felix/rules"
	ftypes "github.com/projectcalico/calico/felix/types"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/api"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/k8s/conversion"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/model"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/syncersv1/updateprocessors"
	"github.com/projectcalico/calico/libcalico-go/lib/backend/watchersyncer"
	"github.com/projectcalico/calico/libcalico-go/lib/resources"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
)

// calicoALP is what Dikastes, Calico's application layer policy checker, holds: the
// PolicyStore Felix's policy sync fills, and the workload endpoint of each pod.
type calicoALP struct {
	store *policystore.PolicyStore
	// eps are the workload endpoints (with their tiers and profiles) by pod key.
	eps map[string]*proto.WorkloadEndpoint
	// egressHTTP names a policy with an HTTP match on an egress rule, if any.
	egressHTTP string
}

// DecideHTTP returns Calico's verdict on an HTTP request with method and path (the
// request target, query string included) carried by the TCP flow f, with application
// layer policy on. The connection is judged as by Decide (Felix's data plane matches a
// rule with an http match like one without); the request is then judged at the
// destination's ingress by Calico's own application layer checker
// (app-policy/checker.Evaluate, the code Dikastes runs), over a policystore.PolicyStore
// filled the way Felix fills it:
//
//   - policies and profiles through libcalico-go's update processors and Felix's
//     RuleScanner and EventSequencer (calc), which turn selectors into IP set IDs and
//     rules into proto.Rules;
//   - IP set members from Felix's label index (labelindex.SelectorAndNamedPortIndex)
//     over the workload endpoints of the universe's pods (libcalico-go's pod
//     conversion), their namespace and service-account profiles, network sets and
//     host endpoints;
//   - the destination's proto.WorkloadEndpoint from calc.ModelWorkloadEndpointToProto,
//     with the tiers and policies that select it in the order Decide uses.
//
// Requests carry no peer identity (plain text, no Istio mTLS principal): Dikastes then
// matches peers by IP sets only, as the data plane does.
//
// Limits (ErrCannotJudge): the destination must be a pod (Dikastes runs at workload
// endpoints; HTTP rules at host endpoints or towards external addresses are not
// modeled); a Set with an HTTP match on an egress rule; a path that does not start
// with '/' (Dikastes refuses it as invalid data). Everything Decide cannot judge.
//
// As a cross-check, the checker is also asked about the connection without a request
// (it then admits what an http match would admit at L4): when it and Decide disagree
// on the ingress side, DecideHTTP returns an error that is not ErrCannotJudge.
func (e *CalicoEngine) DecideHTTP(f Flow, method, path string) (Decision, error) {
	d, err := e.Decide(f)
	if err != nil {
		return Decision{}, err
	}
	if proto, _ := normProto(f.Protocol); proto != "TCP" {
		return Decision{}, fmt.Errorf("flow %v: HTTP is carried by TCP", f)
	}
	if !f.To.IsPod() {
		return Decision{}, cannotJudge("application layer policy runs at workload endpoints: the destination of %v is not a pod", f)
	}
	if !strings.HasPrefix(path, "/") {
		return Decision{}, cannotJudge("Dikastes refuses HTTP path %q as invalid data (it does not start with '/')", path)
	}
	e.alpOnce.Do(func() { e.alp, e.alpErr = e.buildALP() })
	if e.alpErr != nil {
		return Decision{}, e.alpErr
	}
	if e.alp.egressHTTP != "" {
		return Decision{}, cannotJudge("policy %s has an HTTP match on an egress rule: application layer policy at the source is not modeled", e.alp.egressHTTP)
	}
	p, err := e.u.pod(f.To)
	if err != nil {
		return Decision{}, err
	}
	ep := e.alp.eps[podKey(p.Namespace, p.Name)]
	src, err := e.end(f.From)
	if err != nil {
		return Decision{}, err
	}
	l4, _ := e.alpCheck(ep, src.ip, p.IP, f.Port, nil, nil)
	if l4 != d.IngressAllowed {
		return Decision{}, fmt.Errorf("flow %v: Calico's application layer checker says ingress allowed=%v without a request, Decide %v (%s)", f, l4, d.IngressAllowed, d.Reason)
	}
	if !d.IngressAllowed {
		return d, nil
	}
	ok, why := e.alpCheck(ep, src.ip, p.IP, f.Port, &method, &path)
	d.IngressAllowed = ok
	d.Allowed = d.EgressAllowed && ok
	d.Reason += fmt.Sprintf("; request %s %s: %s", method, path, why)
	return d, nil
}

// alpCheck asks Calico's checker about a request (nil method and path: about the
// connection) at ep's ingress. It reports whether the last rule of the trace allows,
// and the trace.
func (e *CalicoEngine) alpCheck(ep *proto.WorkloadEndpoint, src, dst netip.Addr, port int32, method, path *string) (bool, string) {
	fl := &calicoHTTPFlow{src: net.IP(src.AsSlice()), dst: net.IP(dst.AsSlice()), port: int(port), method: method, path: path}
	if path != nil {
		p := *path // the checker strips the query string in place
		fl.path = &p
	}
	trace := checker.Evaluate(rules.RuleDirIngress, e.alp.store, ep, fl)
	var steps []string
	for _, r := range trace {
		steps = append(steps, r.String())
	}
	why := "checker: " + strings.Join(steps, ", ")
	return len(trace) > 0 && trace[len(trace)-1].Action == rules.RuleActionAllow, why
}

// calicoHTTPFlow is a TCP request as Envoy hands it to Dikastes, without principals.
type calicoHTTPFlow struct {
	src, dst     net.IP
	port         int
	method, path *string
}

func (f *calicoHTTPFlow) GetSourceIP() net.IP                { return f.src }
func (f *calicoHTTPFlow) GetDestIP() net.IP                  { return f.dst }
func (f *calicoHTTPFlow) GetSourcePort() int                 { return 0 }
func (f *calicoHTTPFlow) GetDestPort() int                   { return f.port }
func (f *calicoHTTPFlow) GetProtocol() int                   { return 6 }
func (f *calicoHTTPFlow) GetHttpMethod() *string             { return f.method }
func (f *calicoHTTPFlow) GetHttpPath() *string               { return f.path }
func (f *calicoHTTPFlow) GetSourcePrincipal() *string        { return nil }
func (f *calicoHTTPFlow) GetDestPrincipal() *string          { return nil }
func (f *calicoHTTPFlow) GetSourceLabels() map[string]string { return nil }
func (f *calicoHTTPFlow) GetDestLabels() map[string]string   { return nil }

var _ checker.Flow = (*calicoHTTPFlow)(nil)

// process runs one v3 resource through its libcalico-go update processor, as Felix's
// syncer does, returning the v1 data model pairs.
func process(p watchersyncer.SyncerUpdateProcessor, kind, ns, name string, v runtime.Object) ([]*model.KVPair, error) {
	out, err := p.Process(&model.KVPair{Key: model.ResourceKey{Kind: kind, Name: name, Namespace: ns}, Value: v})
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: convert: %w", kind, ns, name, err)
	}
	return out, nil
}

// buildALP fills a PolicyStore as Felix's policy sync would for the engine's objects
// and universe.
func (e *CalicoEngine) buildALP() (*calicoALP, error) {
	alp := &calicoALP{store: policystore.NewPolicyStore(), eps: map[string]*proto.WorkloadEndpoint{}}
	var syncErr error
	seq := calc.NewEventSequencer(nil)
	seq.Callback = func(m any) {
		var u proto.ToDataplane
		switch m := m.(type) {
		case *proto.IPSetUpdate:
			u.Payload = &proto.ToDataplane_IpsetUpdate{IpsetUpdate: m}
		case *proto.IPSetDeltaUpdate:
			u.Payload = &proto.ToDataplane_IpsetDeltaUpdate{IpsetDeltaUpdate: m}
		case *proto.ActivePolicyUpdate:
			u.Payload = &proto.ToDataplane_ActivePolicyUpdate{ActivePolicyUpdate: m}
		case *proto.ActiveProfileUpdate:
			u.Payload = &proto.ToDataplane_ActiveProfileUpdate{ActiveProfileUpdate: m}
		default:
			syncErr = fmt.Errorf("unexpected update %T from Felix's event sequencer", m)
			return
		}
		alp.store.ProcessUpdate("", &u, false)
	}
	rs := calc.NewRuleScanner()
	rs.RulesUpdateCallbacks = seq
	idx := labelindex.NewSelectorAndNamedPortIndex(false)
	idx.OnMemberAdded = seq.OnIPSetMemberAdded
	rs.OnIPSetActive = func(s *calc.IPSetData) {
		seq.OnIPSetAdded(s.UniqueID(), s.DataplaneProtocolType())
		if s.Service == "" {
			idx.UpdateIPSet(s.UniqueID(), s.Selector, s.NamedPortProtocol, s.NamedPort)
		}
	}

	// Policies (enforced ones: those Decide evaluates) and profiles first, so that the
	// IP sets exist before their members.
	enforced := map[string]bool{}
	for _, t := range e.tiers {
		for _, p := range t.policies {
			enforced[p.key] = true
		}
	}
	var endpoints []*model.KVPair
	handle := func(kvps []*model.KVPair) {
		for _, kvp := range kvps {
			switch k := kvp.Key.(type) {
			case model.PolicyKey:
				if enforced[k.Name] {
					rs.OnPolicyActive(k, kvp.Value.(*model.Policy))
				}
			case model.ProfileRulesKey:
				rs.OnProfileActive(k, kvp.Value.(*model.ProfileRules))
			case model.WorkloadEndpointKey, model.HostEndpointKey, model.NetworkSetKey, model.ResourceKey:
				endpoints = append(endpoints, kvp)
			}
		}
	}
	for _, o := range e.objs {
		var kvps []*model.KVPair
		var err error
		switch o := o.(type) {
		case *calicov3.GlobalNetworkPolicy:
			c := o.DeepCopy()
			defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
			kvps, err = process(updateprocessors.NewGlobalNetworkPolicyUpdateProcessor(), calicov3.KindGlobalNetworkPolicy, "", c.Name, c)
			if r := httpEgress(c.Spec.Egress); r && alp.egressHTTP == "" {
				alp.egressHTTP = c.Name
			}
		case *calicov3.NetworkPolicy:
			c := o.DeepCopy()
			defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
			kvps, err = process(updateprocessors.NewNetworkPolicyUpdateProcessor(), calicov3.KindNetworkPolicy, c.Namespace, c.Name, c)
			if r := httpEgress(c.Spec.Egress); r && alp.egressHTTP == "" {
				alp.egressHTTP = c.Namespace + "/" + c.Name
			}
		case *calicov3.NetworkSet:
			kvps, err = process(updateprocessors.NewNetworkSetUpdateProcessor(), calicov3.KindNetworkSet, o.Namespace, o.Name, o)
		case *calicov3.GlobalNetworkSet:
			kvps, err = process(updateprocessors.NewGlobalNetworkSetUpdateProcessor(), calicov3.KindGlobalNetworkSet, "", o.Name, o)
		case *calicov3.HostEndpoint:
			kvps, err = process(updateprocessors.NewHostEndpointUpdateProcessor(), calicov3.KindHostEndpoint, "", o.Name, o)
		}
		if err != nil {
			return nil, err
		}
		handle(kvps)
	}
	// The automatic host endpoints kube-controllers creates.
	for _, h := range e.heps {
		if !strings.HasSuffix(h.name, "-auto-hep") || h.node == nil || !h.node.AutoHostEndpoint {
			continue
		}
		hep := calicov3.NewHostEndpoint()
		hep.Name = h.name
		hep.Labels = copyLabels(h.labels)
		hep.Spec = calicov3.HostEndpointSpec{Node: h.node.Name, InterfaceName: "*", ExpectedIPs: []string{h.node.IP.String()},
			Profiles: []string{resources.DefaultAllowProfileName}}
		kvps, err := process(updateprocessors.NewHostEndpointUpdateProcessor(), calicov3.KindHostEndpoint, "", hep.Name, hep)
		if err != nil {
			return nil, err
		}
		handle(kvps)
	}

	// Namespaces, service accounts and pods, through Calico's Kubernetes conversion.
	conv := conversion.NewConverter()
	// Calico's conversion wants the objects' UIDs.
	uids := 0
	uid := func() k8stypes.UID {
		uids++
		return k8stypes.UID(fmt.Sprintf("00000000-0000-4000-8000-%012x", uids))
	}
	profiles := updateprocessors.NewProfileUpdateProcessor()
	sas := map[string]bool{}
	var nsNames []string
	for name := range e.u.namespaces {
		nsNames = append(nsNames, name)
	}
	sort.Strings(nsNames)
	for _, name := range nsNames {
		ns := e.u.namespaces[name]
		kvp, err := conv.NamespaceToProfile(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels, UID: uid()}})
		if err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns.Name, err)
		}
		out, err := profiles.Process(kvp)
		if err != nil {
			return nil, fmt.Errorf("namespace %s profile: %w", ns.Name, err)
		}
		handle(out)
	}
	for _, p := range e.u.podOrder {
		key := podKey(p.Namespace, p.ServiceAccount)
		if sas[key] {
			continue
		}
		sas[key] = true
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.ServiceAccount, UID: uid()}}
		if s, ok := e.u.sas[key]; ok {
			sa.Labels = s.Labels
		}
		kvp, err := conv.ServiceAccountToProfile(sa)
		if err != nil {
			return nil, fmt.Errorf("service account %s: %w", key, err)
		}
		out, err := profiles.Process(kvp)
		if err != nil {
			return nil, fmt.Errorf("service account %s profile: %w", key, err)
		}
		handle(out)
	}
	weps := updateprocessors.NewWorkloadEndpointUpdateProcessor()
	models := map[string]*model.WorkloadEndpoint{}
	for _, p := range e.u.podOrder {
		if p.Cluster != e.u.cluster {
			continue
		}
		kvps, err := conv.PodToWorkloadEndpoints(k8sPod(p, uid()))
		if err != nil {
			return nil, fmt.Errorf("pod %s: %w", podKey(p.Namespace, p.Name), err)
		}
		for _, kvp := range kvps {
			out, err := weps.Process(kvp)
			if err != nil {
				return nil, fmt.Errorf("pod %s: %w", podKey(p.Namespace, p.Name), err)
			}
			for _, o := range out {
				if w, ok := o.Value.(*model.WorkloadEndpoint); ok {
					models[podKey(p.Namespace, p.Name)] = w
				}
			}
			handle(out)
		}
	}
	for _, kvp := range endpoints {
		idx.OnUpdate(api.Update{KVPair: *kvp, UpdateType: api.UpdateTypeKVNew})
	}
	seq.Flush()
	if syncErr != nil {
		return nil, syncErr
	}

	// The workload endpoints with the tiers and policies that select them.
	for _, p := range e.u.podOrder {
		w, ok := models[podKey(p.Namespace, p.Name)]
		if !ok {
			continue
		}
		labels := e.podLabels[podKey(p.Namespace, p.Name)]
		var tiers []*proto.TierInfo
		for _, t := range e.tiers {
			ti := &proto.TierInfo{Name: t.name, DefaultAction: string(t.defaultAction)}
			for _, cp := range t.policies {
				if !cp.selector.Evaluate(labels) {
					continue
				}
				if cp.ingress {
					ti.IngressPolicies = append(ti.IngressPolicies, cp.key)
				}
				if cp.egress {
					ti.EgressPolicies = append(ti.EgressPolicies, cp.key)
				}
			}
			if len(ti.IngressPolicies) > 0 || len(ti.EgressPolicies) > 0 {
				tiers = append(tiers, ti)
			}
		}
		alp.eps[podKey(p.Namespace, p.Name)] = calc.ModelWorkloadEndpointToProto(w, nil, tiers)
	}
	return alp, checkStore(alp)
}

// checkStore makes sure the checker finds every policy, profile and IP set it is
// referred to: it takes a missing IP set for a match and a missing policy for no
// match, which would hide a gap in the store.
func checkStore(alp *calicoALP) error {
	s := alp.store
	var errs []error
	checkRules := func(owner string, rs []*proto.Rule) {
		for i, r := range rs {
			for _, ids := range [][]string{r.SrcIpSetIds, r.NotSrcIpSetIds, r.DstIpSetIds, r.NotDstIpSetIds, r.DstIpPortSetIds,
				r.SrcNamedPortIpSetIds, r.NotSrcNamedPortIpSetIds, r.DstNamedPortIpSetIds, r.NotDstNamedPortIpSetIds} {
				for _, id := range ids {
					if _, ok := s.IPSetByID[id]; !ok {
						errs = append(errs, fmt.Errorf("%s rule %d: IP set %s missing from the store", owner, i, id))
					}
				}
			}
		}
	}
	for id, p := range s.PolicyByID {
		checkRules(fmt.Sprintf("policy %s/%s", id.Tier, id.Name), append(slices.Clone(p.InboundRules), p.OutboundRules...))
	}
	for id, p := range s.ProfileByID {
		checkRules("profile "+id.Name, append(slices.Clone(p.InboundRules), p.OutboundRules...))
	}
	for key, ep := range alp.eps {
		for _, t := range ep.Tiers {
			for _, name := range append(slices.Clone(t.IngressPolicies), t.EgressPolicies...) {
				if _, ok := s.PolicyByID[ftypes.PolicyID{Tier: t.Name, Name: name}]; !ok {
					errs = append(errs, fmt.Errorf("pod %s: policy %s/%s missing from the store", key, t.Name, name))
				}
			}
		}
		for _, name := range ep.ProfileIds {
			if _, ok := s.ProfileByID[ftypes.ProfileID{Name: name}]; !ok {
				errs = append(errs, fmt.Errorf("pod %s: profile %s missing from the store", key, name))
			}
		}
	}
	return errors.Join(errs...)
}

// httpEgress reports whether an egress rule has an HTTP match.
func httpEgress(rs []calicov3.Rule) bool {
	return slices.ContainsFunc(rs, func(r calicov3.Rule) bool { return r.HTTP != nil })
}

// k8sPod is the Kubernetes pod Calico's conversion sees for p: running, with its
// address, node, service account and named container ports.
func k8sPod(p *Pod, uid k8stypes.UID) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, Labels: copyLabels(p.Labels), UID: uid},
		Spec:       corev1.PodSpec{NodeName: p.Node, ServiceAccountName: p.ServiceAccount},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: p.IP.String(), PodIPs: []corev1.PodIP{{IP: p.IP.String()}}},
	}
	if pod.Spec.NodeName == "" {
		pod.Spec.NodeName = "node"
	}
	var names []string
	for name := range p.NamedPorts {
		names = append(names, name)
	}
	sort.Strings(names)
	c := corev1.Container{Name: "main"}
	for _, name := range names {
		np := p.NamedPorts[name]
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: name, ContainerPort: np.Port, Protocol: corev1.Protocol(np.Protocol)})
	}
	pod.Spec.Containers = []corev1.Container{c}
	return pod
}
