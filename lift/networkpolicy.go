package lift

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/netintent/netintent/lift/internal/share"
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// NetworkPolicies lifts networking.k8s.io/v1 NetworkPolicy objects into a Set that means
// what they mean, for every flow (see the package documentation for the rules). The
// namespaces' labels are declared in the Set, so that the Set states what its namespace
// selectors match. Every problem of every object is reported at once, in an *Error, and
// then no Set is returned; so is a Set that fails policy validation.
func NetworkPolicies(nps []*networkingv1.NetworkPolicy, namespaces []*corev1.Namespace, opts ...Option) (*policy.Set, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var out []Problem
	if errs := o.Check(); len(errs) > 0 {
		problems{object: "options", out: &out}.add(errs...)
	}
	set := policy.NewSet()
	declareNamespaces(set, namespaces, &out)

	sorted := make([]*networkingv1.NetworkPolicy, 0, len(nps))
	for i, np := range nps {
		p := problems{object: fmt.Sprintf("networkPolicies[%d]", i), out: &out}
		switch {
		case np == nil:
			p.add(field.Required(field.NewPath(""), "a nil NetworkPolicy"))
		case np.Name == "":
			p.add(field.Required(field.NewPath("metadata", "name"), ""))
		case np.Namespace == "":
			p.add(field.Required(field.NewPath("metadata", "namespace"), "a NetworkPolicy is namespaced"))
		default:
			sorted = append(sorted, np)
		}
	}
	slices.SortStableFunc(sorted, func(a, b *networkingv1.NetworkPolicy) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	// wholeNS counts the policies of each namespace that select all of its pods: they all
	// lift into the namespace's rules, which take the policy's name when there is one.
	wholeNS := map[string]int{}
	for _, np := range sorted {
		if isEmpty(&np.Spec.PodSelector) {
			wholeNS[np.Namespace]++
		}
	}
	l := &lifter{opts: o, set: set}
	// names maps each namespace/workload name given to the policy that took it.
	names := map[string]string{}
	for i, np := range sorted {
		p := problems{object: "NetworkPolicy " + np.Namespace + "/" + np.Name, out: &out}
		if i > 0 && sorted[i-1].Namespace == np.Namespace && sorted[i-1].Name == np.Name {
			p.add(field.Duplicate(field.NewPath("metadata", "name"), np.Name))
			continue
		}
		name := workloadName(np.Name)
		if other, taken := names[np.Namespace+"/"+name]; taken {
			p.add(field.Invalid(field.NewPath("metadata", "name"), np.Name,
				fmt.Sprintf("lifts to the workload name %q, which policy %s already has; rename one", name, other)))
			continue
		}
		names[np.Namespace+"/"+name] = np.Name
		l.networkPolicy(np, name, wholeNS[np.Namespace] == 1, p)
	}
	if len(out) > 0 {
		return nil, &Error{Problems: out}
	}
	if err := set.Validate(); err != nil {
		return nil, fmt.Errorf("lift: the lifted Set is invalid: %w", err)
	}
	return set, nil
}

type lifter struct {
	opts options
	set  *policy.Set
}

var (
	specPath    = field.NewPath("spec")
	ingressPath = specPath.Child("ingress")
	egressPath  = specPath.Child("egress")
)

// networkPolicy adds np to the Set under name and returns its workload; named says
// whether a namespace-wide policy gives the namespace's rules its name.
func (l *lifter) networkPolicy(np *networkingv1.NetworkPolicy, name string, named bool, p problems) *policy.Workload {
	spec := &np.Spec
	p.add(validSelector(&spec.PodSelector, specPath.Child("podSelector"))...)
	ingress, egress := policyTypes(np, p)
	if !ingress && len(spec.Ingress) > 0 {
		p.add(field.Invalid(ingressPath, len(spec.Ingress),
			"ingress rules have no effect when spec.policyTypes does not list Ingress; remove them or list Ingress"))
	}
	if !egress && len(spec.Egress) > 0 {
		p.add(field.Invalid(egressPath, len(spec.Egress),
			"egress rules have no effect when spec.policyTypes does not list Egress; remove them or list Egress"))
	}
	var w *policy.Workload
	if isEmpty(&spec.PodSelector) {
		n := l.set.Namespace(np.Namespace)
		if named {
			n.Named(name)
		}
		w = n.Workload
	} else {
		w = l.set.Pods(np.Namespace, name, policy.LabelSelector(*spec.PodSelector.DeepCopy()))
	}
	if ingress {
		if len(spec.Ingress) == 0 {
			w.DefaultDenyIngress()
		}
		for i := range spec.Ingress {
			r := &spec.Ingress[i]
			path := ingressPath.Index(i)
			peers := l.peers(np.Namespace, r.From, path.Child("from"), p)
			l.ports(w.AllowFrom(peers...).OneSided(), r.Ports, path.Child("ports"), p)
		}
	}
	if egress {
		w.WithoutDNS()
		if len(spec.Egress) == 0 {
			w.DefaultDenyEgress()
		}
		for i := range spec.Egress {
			r := &spec.Egress[i]
			path := egressPath.Index(i)
			peers := l.peers(np.Namespace, r.To, path.Child("to"), p)
			l.ports(w.AllowTo(peers...).OneSided(), r.Ports, path.Child("ports"), p)
		}
	}
	return w
}

// workloadName is the name a policy's workload takes (share.WorkloadName).
func workloadName(name string) string { return share.WorkloadName(name) }

// policyTypes returns the directions np isolates, defaulted as the API server defaults
// them: Ingress always, Egress when the policy has egress rules.
func policyTypes(np *networkingv1.NetworkPolicy, p problems) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	for i, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			ingress = true
		case networkingv1.PolicyTypeEgress:
			egress = true
		default:
			p.add(field.NotSupported(specPath.Child("policyTypes").Index(i), t,
				[]string{string(networkingv1.PolicyTypeIngress), string(networkingv1.PolicyTypeEgress)}))
		}
	}
	return ingress, egress
}

// peers lifts a rule's from or to list; an empty list is every peer.
func (l *lifter) peers(ns string, peers []networkingv1.NetworkPolicyPeer, path *field.Path, p problems) []any {
	if len(peers) == 0 {
		return []any{policy.Any()}
	}
	out := make([]any, 0, len(peers))
	for i := range peers {
		if x, ok := l.peer(ns, &peers[i], path.Index(i), p); ok {
			out = append(out, x)
		}
	}
	return out
}

func (l *lifter) peer(ns string, x *networkingv1.NetworkPolicyPeer, path *field.Path, p problems) (policy.Peer, bool) {
	if x.IPBlock != nil {
		if x.PodSelector != nil || x.NamespaceSelector != nil {
			p.add(field.Forbidden(path, "an ipBlock peer may not also have a podSelector or namespaceSelector"))
			return policy.Peer{}, false
		}
		return l.ipBlock(x.IPBlock, path.Child("ipBlock"), p)
	}
	podErrs := validSelector(x.PodSelector, path.Child("podSelector"))
	nsErrs := validSelector(x.NamespaceSelector, path.Child("namespaceSelector"))
	p.add(podErrs...)
	p.add(nsErrs...)
	if len(podErrs)+len(nsErrs) > 0 {
		return policy.Peer{}, false
	}
	if x.NamespaceSelector == nil {
		if x.PodSelector == nil {
			p.add(field.Required(path, "a peer needs a podSelector, a namespaceSelector or an ipBlock"))
			return policy.Peer{}, false
		}
		if isEmpty(x.PodSelector) {
			return policy.Namespace(ns), true
		}
		return policy.PodsIn(ns, policy.LabelSelector(*x.PodSelector.DeepCopy())), true
	}
	out := policy.AllNamespaces()
	if !isEmpty(x.NamespaceSelector) {
		out = policy.Namespaces(policy.LabelSelector(*x.NamespaceSelector.DeepCopy()))
	}
	if x.PodSelector != nil && !isEmpty(x.PodSelector) {
		out = out.Pods(policy.LabelSelector(*x.PodSelector.DeepCopy()))
	}
	return out, true
}

// ipBlock lifts an ipBlock as a CIDR peer when none of its addresses lies in a declared
// cluster range: then it matches addresses outside the cluster only, on every
// implementation, which is what a CIDR peer means.
func (l *lifter) ipBlock(b *networkingv1.IPBlock, path *field.Path, p problems) (policy.Peer, bool) {
	cidr, err := netip.ParsePrefix(b.CIDR)
	switch {
	case err != nil:
		p.add(field.Invalid(path.Child("cidr"), b.CIDR, err.Error()))
		return policy.Peer{}, false
	case cidr != cidr.Masked():
		p.add(field.Invalid(path.Child("cidr"), b.CIDR, fmt.Sprintf("host bits are set; write %s", cidr.Masked())))
		return policy.Peer{}, false
	}
	except := make([]netip.Prefix, 0, len(b.Except))
	ok := true
	for i, s := range b.Except {
		e, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			p.add(field.Invalid(path.Child("except").Index(i), s, err.Error()))
			ok = false
		case e != e.Masked():
			p.add(field.Invalid(path.Child("except").Index(i), s, fmt.Sprintf("host bits are set; write %s", e.Masked())))
			ok = false
		case e.Addr().Is4() != cidr.Addr().Is4() || e.Bits() <= cidr.Bits() || !cidr.Contains(e.Addr()):
			p.add(field.Invalid(path.Child("except").Index(i), s, fmt.Sprintf("must be a strict subset of the cidr %s", cidr)))
			ok = false
		default:
			except = append(except, e)
		}
	}
	if !ok {
		return policy.Peer{}, false
	}
	if !l.opts.Given {
		p.add(field.Forbidden(path, "whether an ipBlock matches pod and node addresses is implementation-defined, "+
			"while a CIDR peer means addresses outside the cluster; declare the cluster's ranges with lift.ClusterCIDRs(...) "+
			"to lift ipBlocks that name no in-cluster address"))
		return policy.Peer{}, false
	}
	if r, inside, ok := l.opts.inCluster(cidr, except); ok && inside {
		p.add(field.Forbidden(path.Child("cidr"), fmt.Sprintf("%s lies inside the cluster's range %s: it names only in-cluster "+
			"addresses, which an ipBlock matches or not depending on the implementation; select the pods by labels", cidr, r)))
		return policy.Peer{}, false
	} else if ok {
		p.add(field.Forbidden(path.Child("except"), fmt.Sprintf("%s covers the cluster's range %s, which the except list leaves "+
			"(partly) in: whether those pod and node addresses match is implementation-defined; except %s", cidr, r, r)))
		return policy.Peer{}, false
	}
	return policy.CIDR(b.CIDR, b.Except...), true
}

// inCluster returns a declared cluster range that some address of cidr minus except lies
// in, and whether cidr lies inside it; ok is false when there is none.
func (o options) inCluster(cidr netip.Prefix, except []netip.Prefix) (r netip.Prefix, inside, ok bool) {
	for _, r := range o.Ranges {
		switch {
		case !r.Overlaps(cidr):
		case r.Bits() <= cidr.Bits():
			return r, true, true
		case !share.Covered(r, except):
			return r, false, true
		}
	}
	return netip.Prefix{}, false, false
}

// ports narrows rb to a rule's ports; no ports leaves it matching every protocol and port.
func (l *lifter) ports(rb *policy.RuleBuilder, ports []networkingv1.NetworkPolicyPort, path *field.Path, p problems) {
	for i := range ports {
		if pt, ok := port(&ports[i], path.Index(i), p); ok {
			rb.Port(pt)
		}
	}
}

func port(x *networkingv1.NetworkPolicyPort, path *field.Path, p problems) (policy.Port, bool) {
	out := policy.Port{Protocol: policy.TCP}
	if x.Protocol != nil {
		switch *x.Protocol {
		case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
			out.Protocol = policy.Protocol(*x.Protocol)
		default:
			p.add(field.NotSupported(path.Child("protocol"), *x.Protocol, []string{"TCP", "UDP", "SCTP"}))
			return out, false
		}
	}
	switch {
	case x.Port == nil:
		if x.EndPort != nil {
			p.add(field.Forbidden(path.Child("endPort"), "may not be set without port"))
			return out, false
		}
	case x.Port.Type == intstr.String:
		if x.EndPort != nil {
			p.add(field.Forbidden(path.Child("endPort"), "may not be set with a named port"))
			return out, false
		}
		out.Name = x.Port.StrVal
	default:
		n := x.Port.IntVal
		if n < 1 || n > 65535 {
			p.add(field.Invalid(path.Child("port"), n, "must be between 1 and 65535"))
			return out, false
		}
		out.Port = n
		if x.EndPort != nil && *x.EndPort != n {
			if e := *x.EndPort; e < n || e > 65535 {
				p.add(field.Invalid(path.Child("endPort"), e, fmt.Sprintf("must be between port (%d) and 65535", n)))
				return out, false
			}
			out.EndPort = *x.EndPort
		}
	}
	return out, true
}

// validSelector reports what the API server would reject in a label selector.
func validSelector(s *metav1.LabelSelector, path *field.Path) field.ErrorList {
	return metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path)
}

func isEmpty(s *metav1.LabelSelector) bool {
	return s == nil || len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}
