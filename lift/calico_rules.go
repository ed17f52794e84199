package lift

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"

	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// calicoPolicy adds cp to the Set. names maps the workload keys given to the objects that
// took them.
func (l *lifter) calicoPolicy(cp *calicoPolicy, names map[string]string) {
	p := cp.p
	base := cp.name
	if cp.knp == nil {
		// Calico 3.31 names tiered policies "<tier>.<name>".
		base = strings.TrimPrefix(base, cp.tier+".")
	}
	scope := "pods/" + cp.namespace + "/"
	if cp.namespace == "" {
		scope = "cluster/"
	}
	// A namespace's own rules are named namespace-defaults.
	taken := func(n string) bool {
		_, ok := names[scope+n]
		return ok || cp.namespace != "" && n == "namespace-defaults"
	}
	name := workloadName(base)
	if taken(name) {
		h := fnv.New32a()
		h.Write([]byte(cp.tier + "/" + cp.name))
		name = fmt.Sprintf("%s-%08x", strings.Trim(name[:min(len(name), 54)], "-"), h.Sum32())
	}
	if other, ok := names[scope+name]; ok {
		p.add(field.Invalid(field.NewPath("metadata", "name"), cp.name,
			fmt.Sprintf("lifts to the workload name %q, which %s already has; rename one", name, other)))
		return
	}
	names[scope+name] = p.object

	if cp.knp != nil {
		l.networkPolicy(cp.knp, name, false, p).Audit()
		return
	}
	w, ok := l.calicoSubject(cp, name)
	if !ok {
		// The rules are still checked, so that every problem is reported at once.
		w = policy.NewSet().Cluster(name)
	}
	if cp.staged {
		w.Audit()
	}
	if cp.tier != calicoDefaultTier && !cp.untiered {
		w.InTier(cp.tier, cp.intentOrder)
	}
	// Calico keeps no DNS open: the lifted rules say what DNS traffic is allowed.
	w.WithoutDNS()
	types := defaultTypes(cp)
	for i, t := range cp.types {
		if t != calicov3.PolicyTypeIngress && t != calicov3.PolicyTypeEgress {
			p.add(field.NotSupported(field.NewPath("spec", "types").Index(i), t, []string{string(calicov3.PolicyTypeIngress), string(calicov3.PolicyTypeEgress)}))
		}
	}
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		rules, path := cp.ingress, field.NewPath("spec", "ingress")
		if d == policy.Egress {
			rules, path = cp.egress, field.NewPath("spec", "egress")
		}
		if !slices.Contains(types, calicov3.PolicyType(d)) {
			if len(rules) > 0 {
				p.add(field.Invalid(path, len(rules), fmt.Sprintf("%s rules have no effect when spec.types does not list %s; remove them or list %s",
					strings.ToLower(string(d)), d, d)))
			}
			continue
		}
		// The policy takes part in the direction, whatever its rules: where none
		// decides, the end of its tier drops the traffic (unless the tier passes).
		switch {
		case cp.untiered:
		case d == policy.Ingress:
			w.DefaultDenyIngress()
		default:
			w.DefaultDenyEgress()
		}
		for i := range rules {
			l.calicoRule(w, cp, d, &rules[i], path.Index(i))
		}
	}
}

// calicoSubject creates the workload of cp's subject.
func (l *lifter) calicoSubject(cp *calicoPolicy, name string) (*policy.Workload, bool) {
	p := cp.p
	spec := field.NewPath("spec")
	if cp.saSelector != "" {
		p.add(field.Forbidden(spec.Child("serviceAccountSelector"), "selects pods by their service account's labels, which the intent cannot name"))
		return nil, false
	}
	conj, guarded, ok := l.calicoSubjectSelector(cp.selector, spec.Child("selector"), p)
	if !ok {
		return nil, false
	}
	podSel := conj.labelSelector()
	if cp.namespace != "" {
		// A namespaced policy selects endpoints of its namespace: pods only.
		if !validLifted(&podSel, spec.Child("selector"), p) {
			return nil, false
		}
		return l.set.Pods(cp.namespace, name, policy.LabelSelector(podSel)), true
	}
	var nsSel *metav1.LabelSelector
	namespaced := false
	if cp.nsSelector != "" {
		path := spec.Child("namespaceSelector")
		d, err := parseNamespaceSelector(cp.nsSelector)
		switch {
		case err != nil:
			p.add(field.Invalid(path, cp.nsSelector, err.Error()))
			return nil, false
		case len(d) != 1:
			p.add(field.Invalid(path, cp.nsSelector, "a policy's namespaceSelector must be one conjunction (no ||) to be lifted: "+
				"the intent's cluster-wide policy selects namespaces with one label selector"))
			return nil, false
		}
		var ok bool
		if nsSel, namespaced, ok = namespaceConjunction(d[0], path, cp.nsSelector, p); !ok {
			return nil, false
		}
		if nsSel == nil {
			p.add(field.Invalid(path, cp.nsSelector, "selects no namespace"))
			return nil, false
		}
	}
	if !guarded && !namespaced && !l.opts.workloadsOnly {
		p.add(field.Forbidden(spec.Child("selector"), fmt.Sprintf("%q also selects host endpoints, which carry their node's labels, while the intent's "+
			"cluster-wide policy selects pods only; require projectcalico.org/orchestrator == 'k8s' (as Calico's own translations do), "+
			"or declare lift.NoHostEndpointsOrNetworkSets()", cp.selector)))
		return nil, false
	}
	if !validLifted(&podSel, spec.Child("selector"), p) {
		return nil, false
	}
	w := l.set.Cluster(name).Select(policy.LabelSelector(podSel))
	if nsSel != nil && !isEmpty(nsSel) {
		if !validLifted(nsSel, spec.Child("namespaceSelector"), p) {
			return nil, false
		}
		w.InNamespaces(policy.LabelSelector(*nsSel))
	}
	return w, true
}

// calicoSubjectSelector lifts a policy's selector: one conjunction, without Calico's own
// labels but the workload guard, which it reports.
func (l *lifter) calicoSubjectSelector(sel string, path *field.Path, p problems) (conjunction, bool, bool) {
	n, err := parseSelector(sel)
	if err != nil {
		p.add(field.Invalid(path, sel, err.Error()))
		return nil, false, false
	}
	d, err := n.dnf(false, globalReq)
	switch {
	case err != nil:
		p.add(field.Invalid(path, sel, err.Error()))
		return nil, false, false
	case len(d) == 0:
		p.add(field.Invalid(path, sel, "selects nothing"))
		return nil, false, false
	case len(d) > 1:
		p.add(field.Invalid(path, sel, "a policy's selector must be one conjunction (no ||, no negated conjunction) to be lifted: "+
			"the intent's subject is one label selector; split the policy"))
		return nil, false, false
	}
	return podConjunction(d[0], path, sel, p)
}

// globalReq is global(): no namespace.
var globalReq = metav1.LabelSelectorRequirement{Key: calicoNamespaceLabel, Operator: metav1.LabelSelectorOpDoesNotExist}

// podConjunction removes the workload guard from a pod selector's conjunction, reporting
// whether it was there, and refuses Calico's other own labels.
func podConjunction(c conjunction, path *field.Path, sel string, p problems) (conjunction, bool, bool) {
	guards, rest := c.take(func(r metav1.LabelSelectorRequirement) bool {
		return r.Key == calicoGuard.Key && r.Operator == calicoGuard.Operator && slices.Equal(r.Values, calicoGuard.Values)
	})
	for _, r := range rest {
		if strings.HasPrefix(r.Key, calicoPrefix) || strings.HasPrefix(r.Key, "pcns.") || strings.HasPrefix(r.Key, "pcsa.") {
			p.add(field.Invalid(path, sel, fmt.Sprintf("the term on %s, a label Calico gives endpoints itself, has no intent equivalent", r.Key)))
			return nil, false, false
		}
	}
	return rest, len(guards) > 0, true
}

// parseNamespaceSelector parses a namespaceSelector into its normal form, all() as
// has(projectcalico.org/namespace) and global() as its negation, as libcalico-go's
// getEndpointSelector rewrites them.
func parseNamespaceSelector(sel string) ([]conjunction, error) {
	n, err := parseSelector(sel)
	if err != nil {
		return nil, err
	}
	return n.withAll().dnf(false, globalReq)
}

// withAll replaces all() by has(projectcalico.org/namespace) in n.
func (n *selNode) withAll() *selNode {
	switch n.kind {
	case selAll:
		return &selNode{kind: selTerm, req: metav1.LabelSelectorRequirement{Key: calicoNamespaceLabel, Operator: metav1.LabelSelectorOpExists}}
	case selNot, selAnd, selOr:
		out := &selNode{kind: n.kind}
		for _, c := range n.children {
			out.children = append(out.children, c.withAll())
		}
		return out
	}
	return n
}

// namespaceConjunction lifts one conjunction of a namespaceSelector into a selector of
// namespace labels (nil when it matches no namespace: global()), reporting whether only
// namespaced endpoints match it (a positive term: no host endpoint or global network set
// carries namespace labels).
func namespaceConjunction(c conjunction, path *field.Path, sel string, p problems) (*metav1.LabelSelector, bool, bool) {
	namespaced := false
	var rest conjunction
	for _, r := range c {
		switch {
		case r.Key == calicoNamespaceLabel && r.Operator == metav1.LabelSelectorOpExists:
			namespaced = true
			continue
		case r.Key == calicoNamespaceLabel && r.Operator == metav1.LabelSelectorOpDoesNotExist:
			return nil, false, true
		case r.Key == calicoNameLabel:
			r.Key = policy.NamespaceNameLabel
		case strings.HasPrefix(r.Key, calicoPrefix):
			p.add(field.Invalid(path, sel, fmt.Sprintf("the term on %s, a label Calico gives endpoints itself, has no intent equivalent", r.Key)))
			return nil, false, false
		}
		if r.Operator == metav1.LabelSelectorOpIn || r.Operator == metav1.LabelSelectorOpExists {
			namespaced = true
		}
		rest = append(rest, r)
	}
	s := rest.labelSelector()
	return &s, namespaced, true
}

// validLifted reports what the API server would reject in a lifted selector (Calico's
// labels are not all Kubernetes label keys and values).
func validLifted(s *metav1.LabelSelector, path *field.Path, p problems) bool {
	errs := validSelector(s, path)
	p.add(errs...)
	return len(errs) == 0
}

// calicoRule lifts one rule of cp in direction d into w.
func (l *lifter) calicoRule(w *policy.Workload, cp *calicoPolicy, d policy.Direction, r *calicov3.Rule, path *field.Path) {
	p := cp.p
	var start func(...any) *policy.RuleBuilder
	switch r.Action {
	case calicov3.Log:
		return // Log records the packet and goes on: it decides nothing
	case calicov3.Allow:
		start = w.AllowFrom
	case calicov3.Deny:
		start = w.DenyFrom
	case calicov3.Pass:
		// Pass goes on to the next tier; after the default tier, the last, the
		// namespace's profile allows.
		start = w.PassFrom
		if cp.tier == calicoDefaultTier {
			start = w.AllowFrom
		}
	default:
		p.add(field.NotSupported(path.Child("action"), r.Action, []string{"Allow", "Deny", "Pass", "Log"}))
		return
	}
	if d == policy.Egress {
		start = map[calicov3.Action]func(...any) *policy.RuleBuilder{calicov3.Allow: w.AllowTo, calicov3.Deny: w.DenyTo, calicov3.Pass: w.PassTo}[r.Action]
		if cp.tier == calicoDefaultTier && r.Action == calicov3.Pass {
			start = w.AllowTo
		}
	}
	ok := true
	forbid := func(f *field.Path, why string) {
		p.add(field.Forbidden(f, why))
		ok = false
	}
	peerEnd, ownEnd := &r.Source, &r.Destination
	peerPath, ownPath := path.Child("source"), path.Child("destination")
	if d == policy.Egress {
		peerEnd, ownEnd, peerPath, ownPath = ownEnd, peerEnd, ownPath, peerPath
	}
	// The own end is the policy's endpoint: only the destination ports of ingress may
	// narrow it.
	own := *ownEnd
	own.Ports, own.NotPorts = nil, nil // destination ports, or source ports reported below
	if !entityEmpty(&own) {
		forbid(ownPath, "matches on the policy's own endpoint, which the intent's rules do not narrow; only the peer's side and the destination ports can be lifted")
	}
	if len(r.Source.Ports) > 0 || len(r.Source.NotPorts) > 0 {
		forbid(path.Child("source", "ports"), "source ports have no intent equivalent")
	}
	if len(r.Destination.NotPorts) > 0 {
		forbid(path.Child("destination", "notPorts"), "excluded ports have no intent equivalent")
	}
	if r.NotProtocol != nil {
		forbid(path.Child("notProtocol"), "an excluded protocol has no intent equivalent")
	}
	if r.NotICMP != nil {
		forbid(path.Child("notICMP"), "an excluded ICMP message has no intent equivalent")
	}
	if r.HTTP != nil {
		forbid(path.Child("http"), "Felix ignores http matches; only Calico's application layer policy (Istio with Dikastes) enforces them, "+
			"so whether the rule admits every request depends on the cluster")
	}
	peers, nothing, peersOK := l.calicoPeers(cp, peerEnd, peerPath, r.IPVersion, path.Child("ipVersion"), p)
	ports, icmp, trafficOK := calicoTraffic(r, path, p)
	if !ok || !peersOK || !trafficOK || nothing {
		return // a rule whose peers match nothing never matches
	}
	args := make([]any, len(peers))
	for i, x := range peers {
		args[i] = x
	}
	rb := start(args...)
	if r.Action == calicov3.Allow || (r.Action == calicov3.Pass && cp.tier == calicoDefaultTier) {
		// Calico judges each end on its own.
		rb.OneSided()
	}
	for _, pt := range ports {
		rb.Port(pt)
	}
	for _, m := range icmp {
		if m.Family == policy.IPv6 {
			rb.ICMPv6(int(m.Type), codeArgs(m.Code)...)
		} else {
			rb.ICMP(int(m.Type), codeArgs(m.Code)...)
		}
	}
}

func codeArgs(code *int32) []int {
	if code == nil {
		return nil
	}
	return []int{int(*code)}
}

// entityEmpty reports whether e matches every endpoint.
func entityEmpty(e *calicov3.EntityRule) bool {
	return len(e.Nets) == 0 && len(e.NotNets) == 0 && e.Selector == "" && e.NotSelector == "" && e.NamespaceSelector == "" &&
		e.Services == nil && len(e.Ports) == 0 && len(e.NotPorts) == 0 && e.ServiceAccounts == nil
}

// calicoTraffic lifts a rule's protocol, destination ports and ICMP match; none of them
// is every protocol and port.
func calicoTraffic(r *calicov3.Rule, path *field.Path, p problems) ([]policy.Port, []policy.ICMP, bool) {
	ports := r.Destination.Ports
	portsPath := path.Child("destination", "ports")
	if r.Protocol == nil {
		switch {
		case len(ports) > 0:
			p.add(field.Required(path.Child("protocol"), "ports need a protocol (TCP, UDP or SCTP)"))
			return nil, nil, false
		case r.ICMP != nil:
			p.add(field.Required(path.Child("protocol"), "an icmp match needs protocol ICMP or ICMPv6"))
			return nil, nil, false
		}
		return nil, nil, true
	}
	var proto string
	if n, err := r.Protocol.NumValue(); err == nil {
		proto = map[uint8]string{1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPV6", 132: "SCTP"}[n]
	} else {
		proto = strings.ToUpper(r.Protocol.StrVal)
	}
	switch proto {
	case "TCP", "UDP", "SCTP":
		if r.ICMP != nil {
			p.add(field.Forbidden(path.Child("icmp"), "an icmp match needs protocol ICMP or ICMPv6"))
			return nil, nil, false
		}
		pr := policy.Protocol(proto)
		if len(ports) == 0 {
			return []policy.Port{{Protocol: pr}}, nil, true
		}
		out := make([]policy.Port, 0, len(ports))
		ok := true
		for i, x := range ports {
			switch {
			case x.PortName != "":
				out = append(out, policy.Port{Protocol: pr, Name: x.PortName})
			case x.MinPort == 0 || x.MaxPort < x.MinPort:
				p.add(field.Invalid(portsPath.Index(i), x.String(), "ports are 1 to 65535"))
				ok = false
			case x.MinPort == x.MaxPort:
				out = append(out, policy.Port{Protocol: pr, Port: int32(x.MinPort)})
			default:
				out = append(out, policy.Port{Protocol: pr, Port: int32(x.MinPort), EndPort: int32(x.MaxPort)})
			}
		}
		return out, nil, ok
	case "ICMP", "ICMPV6":
		if len(ports) > 0 {
			p.add(field.Forbidden(portsPath, "ICMP has no ports"))
			return nil, nil, false
		}
		if r.ICMP == nil || r.ICMP.Type == nil {
			p.add(field.Required(path.Child("icmp", "type"), "every ICMP message: the intent matches ICMP by type"))
			return nil, nil, false
		}
		m := policy.ICMP{Family: policy.IPv4, Type: int32(*r.ICMP.Type)}
		if proto == "ICMPV6" {
			m.Family = policy.IPv6
		}
		if c := r.ICMP.Code; c != nil {
			code := int32(*c)
			m.Code = &code
		}
		return nil, []policy.ICMP{m}, true
	}
	p.add(field.NotSupported(path.Child("protocol"), r.Protocol.String(), []string{"TCP", "UDP", "SCTP", "ICMP", "ICMPv6"}))
	return nil, nil, false
}

// calicoPeers lifts the peer's side of a rule: nothing is every peer; nets are CIDR
// peers; selectors are pod peers. nothing reports a side that matches no endpoint.
func (l *lifter) calicoPeers(cp *calicoPolicy, e *calicov3.EntityRule, path *field.Path, ipVersion *int, ipPath *field.Path, p problems) (peers []policy.Peer, nothing, ok bool) {
	hasNets := len(e.Nets) > 0 || len(e.NotNets) > 0
	hasSel := e.Selector != "" || e.NotSelector != "" || e.NamespaceSelector != "" || e.ServiceAccounts != nil
	switch {
	case e.Services != nil:
		p.add(field.Forbidden(path.Child("services"), "a Kubernetes service's endpoints have no intent equivalent; select its pods by labels"))
		return nil, false, false
	case hasNets && hasSel:
		p.add(field.Forbidden(path, "matches addresses and selectors at once (both must hold), which no intent peer expresses"))
		return nil, false, false
	case hasNets:
		return l.calicoNets(e, path, ipVersion, p)
	case ipVersion != nil:
		p.add(field.Forbidden(ipPath, "limits pods and every address to one IP family, which the intent's peers do not"))
		return nil, false, false
	case hasSel:
		return l.calicoPods(cp, e, path, p)
	}
	return []policy.Peer{policy.Any()}, false, true
}

// calicoNets lifts nets and notNets: every address of a net but the notNets in it, or
// every address but the notNets when there are no nets. Calico's nets also match pods
// and nodes, so each is lifted, as a CIDR peer, only when none of its addresses lies in
// a declared cluster range.
func (l *lifter) calicoNets(e *calicov3.EntityRule, path *field.Path, ipVersion *int, p problems) ([]policy.Peer, bool, bool) {
	parse := func(s string, at *field.Path) (netip.Prefix, bool) {
		if a, err := netip.ParseAddr(s); err == nil {
			return netip.PrefixFrom(a, a.BitLen()), true
		}
		pf, err := netip.ParsePrefix(s)
		if err != nil {
			p.add(field.Invalid(at, s, err.Error()))
			return pf, false
		}
		return pf.Masked(), true
	}
	ok := true
	var nets, notNets []netip.Prefix
	for i, s := range e.Nets {
		pf, good := parse(s, path.Child("nets").Index(i))
		ok = ok && good
		nets = append(nets, pf)
	}
	for i, s := range e.NotNets {
		pf, good := parse(s, path.Child("notNets").Index(i))
		ok = ok && good
		notNets = append(notNets, pf)
	}
	if !ok {
		return nil, false, false
	}
	if len(nets) == 0 {
		nets = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	}
	if !l.opts.Given {
		p.add(field.Forbidden(path, "Calico's nets match pod and node addresses too, while a CIDR peer means addresses outside the cluster; "+
			"declare the cluster's ranges with lift.ClusterCIDRs(...) to lift nets that name no in-cluster address"))
		return nil, false, false
	}
	var out []policy.Peer
	for _, n := range nets {
		if ipVersion != nil && (*ipVersion == 4) != n.Addr().Is4() {
			continue // ipVersion keeps the rule to one family
		}
		var except []string
		var exceptPfx []netip.Prefix
		excluded := false
		for _, x := range notNets {
			switch {
			case x.Addr().Is4() != n.Addr().Is4() || !x.Overlaps(n):
			case x.Bits() <= n.Bits():
				excluded = true
			case !slices.Contains(exceptPfx, x):
				exceptPfx = append(exceptPfx, x)
				except = append(except, x.String())
			}
		}
		if excluded {
			continue
		}
		if r, inside, found := l.opts.inCluster(n, exceptPfx); found {
			what := fmt.Sprintf("%s lies inside the cluster's range %s", n, r)
			if !inside {
				what = fmt.Sprintf("%s covers the cluster's range %s, which notNets leave (partly) in", n, r)
			}
			p.add(field.Forbidden(path, what+": Calico's nets match those pod and node addresses, while a CIDR peer never does; "+
				"select the pods by labels, or exclude the range with notNets"))
			ok = false
			continue
		}
		out = append(out, policy.CIDR(n.String(), except...))
	}
	if !ok {
		return nil, false, false
	}
	return out, len(out) == 0, true
}

// calicoPods lifts selector, notSelector, namespaceSelector and serviceAccounts into pod
// peers: one per alternative of their normal form.
func (l *lifter) calicoPods(cp *calicoPolicy, e *calicov3.EntityRule, path *field.Path, p problems) ([]policy.Peer, bool, bool) {
	pods := []conjunction{{}}
	if e.Selector != "" {
		n, err := parseSelector(e.Selector)
		if err == nil {
			pods, err = n.dnf(false, globalReq)
		}
		if err != nil {
			p.add(field.Invalid(path.Child("selector"), e.Selector, err.Error()))
			return nil, false, false
		}
	}
	if e.NotSelector != "" {
		n, err := parseSelector(e.NotSelector)
		var not []conjunction
		if err == nil {
			not, err = n.dnf(true, globalReq)
		}
		if err != nil {
			p.add(field.Invalid(path.Child("notSelector"), e.NotSelector, err.Error()))
			return nil, false, false
		}
		var both []conjunction
		for _, a := range pods {
			for _, b := range not {
				if x, ok := conjoin(a, b); ok {
					both = append(both, x)
				}
			}
		}
		if len(both) > maxConjunctions {
			p.add(field.Invalid(path.Child("notSelector"), e.NotSelector, fmt.Sprintf("splits into more than %d alternatives", maxConjunctions)))
			return nil, false, false
		}
		pods = both
	}
	var accounts []string
	if sa := e.ServiceAccounts; sa != nil {
		if sa.Selector != "" {
			p.add(field.Forbidden(path.Child("serviceAccounts", "selector"), "selects service accounts by their labels, which the intent cannot name"))
			return nil, false, false
		}
		accounts = slices.Compact(slices.Sorted(slices.Values(sa.Names)))
	}
	type nsAlt struct {
		sel *metav1.LabelSelector
		all bool
	}
	var nss []nsAlt
	if e.NamespaceSelector == "" {
		nss = []nsAlt{{all: cp.namespace == ""}}
	} else {
		path := path.Child("namespaceSelector")
		d, err := parseNamespaceSelector(e.NamespaceSelector)
		if err != nil {
			p.add(field.Invalid(path, e.NamespaceSelector, err.Error()))
			return nil, false, false
		}
		for _, c := range d {
			sel, _, ok := namespaceConjunction(c, path, e.NamespaceSelector, p)
			switch {
			case !ok:
				return nil, false, false
			case sel == nil:
				// global(): no namespaced endpoint, so no pod.
			case isEmpty(sel):
				nss = append(nss, nsAlt{all: true})
			default:
				if !validLifted(sel, path, p) {
					return nil, false, false
				}
				nss = append(nss, nsAlt{sel: sel})
			}
		}
	}
	var out []policy.Peer
	for _, c := range pods {
		conj, guarded, ok := podConjunction(c, path.Child("selector"), e.Selector, p)
		if !ok {
			return nil, false, false
		}
		if slices.ContainsFunc(conj, func(r metav1.LabelSelectorRequirement) bool { return r.Key == calicoNamespaceLabel }) {
			continue // global() in a pod selector: no pod
		}
		// Service accounts are workloads' only; otherwise NetworkSets and, in a global
		// policy, GlobalNetworkSets and host endpoints may carry the labels.
		if !guarded && len(accounts) == 0 && !l.opts.workloadsOnly {
			p.add(field.Forbidden(path, "the selectors also match NetworkSets (and, without a namespace, GlobalNetworkSets and host endpoints) "+
				"carrying the labels, while a pod peer matches pods only; require projectcalico.org/orchestrator == 'k8s' in the selector "+
				"(as Calico's own translations do), or declare lift.NoHostEndpointsOrNetworkSets()"))
			return nil, false, false
		}
		podSel := conj.labelSelector()
		if !validLifted(&podSel, path.Child("selector"), p) {
			return nil, false, false
		}
		for _, ns := range nss {
			var x policy.Peer
			switch {
			case ns.sel != nil:
				x = policy.Namespaces(policy.LabelSelector(*ns.sel.DeepCopy())).Pods(policy.LabelSelector(*podSel.DeepCopy()))
			case ns.all:
				x = policy.AllNamespaces().Pods(policy.LabelSelector(*podSel.DeepCopy()))
			default:
				x = policy.PodsIn(cp.namespace, policy.LabelSelector(*podSel.DeepCopy()))
			}
			if len(accounts) == 0 {
				out = append(out, x)
			}
			for _, a := range accounts {
				out = append(out, x.WithServiceAccount(a))
			}
		}
	}
	return out, len(out) == 0, true
}
