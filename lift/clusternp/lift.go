package clusternp

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/lift/internal/share"
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
	"sigs.k8s.io/yaml"
)

// AdminTier is the name of the intent tier the Admin tier lifts into.
const AdminTier = "admin"

// Objects are the objects a stream holds: lift's kinds and the ClusterNetworkPolicies.
type Objects struct {
	lift.Objects
	// ClusterNetworkPolicies are the policy.networking.k8s.io/v1alpha2 objects, in the
	// order read.
	ClusterNetworkPolicies []*v1alpha2.ClusterNetworkPolicy
}

// Decode reads what lift.Decode reads and policy.networking.k8s.io/v1alpha2
// ClusterNetworkPolicy objects, strictly, reporting every problem by document and list
// item.
func Decode(r io.Reader) (*Objects, error) {
	out := &Objects{}
	objs, err := lift.DecodeExtra(r, func(where string, tm metav1.TypeMeta, raw []byte) (bool, error) {
		if tm.APIVersion != v1alpha2.GroupVersion.String() || tm.Kind != "ClusterNetworkPolicy" {
			return false, nil
		}
		c := &v1alpha2.ClusterNetworkPolicy{}
		if err := yaml.UnmarshalStrict(raw, c); err != nil {
			return true, fmt.Errorf("%s (ClusterNetworkPolicy): %w", where, err)
		}
		out.ClusterNetworkPolicies = append(out.ClusterNetworkPolicies, c)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out.Objects = *objs
	return out, nil
}

// Lift lifts the policies objs holds, with its namespaces' labels: without
// ClusterNetworkPolicies as lift.Lift does, with them together with the NetworkPolicies
// (see NetworkPolicies). ClusterNetworkPolicies beside Cilium or Calico objects are an
// error: how the engines' policies combine is no intent the Set could state.
func Lift(objs *Objects, opts ...lift.Option) (*policy.Set, error) {
	if objs == nil {
		return nil, errors.New("lift/clusternp: no objects")
	}
	o := &objs.Objects
	if len(objs.ClusterNetworkPolicies) == 0 {
		return lift.Lift(o, opts...)
	}
	if len(o.All()) > len(o.NetworkPolicies)+len(o.Namespaces) {
		return nil, errors.New("lift/clusternp: the objects hold Cilium or Calico policies beside ClusterNetworkPolicies: lift each engine's objects on its own")
	}
	return NetworkPolicies(o.NetworkPolicies, objs.ClusterNetworkPolicies, o.Namespaces, opts...)
}

// NetworkPolicies lifts NetworkPolicies and ClusterNetworkPolicies together into a Set
// that means what they mean under the API, for every flow (see the package
// documentation): the NetworkPolicies as lift.NetworkPolicies lifts them, the
// ClusterNetworkPolicies around them. Every problem of every object is reported at once,
// in a *lift.Error, and then no Set is returned.
func NetworkPolicies(nps []*networkingv1.NetworkPolicy, cnps []*v1alpha2.ClusterNetworkPolicy, namespaces []*corev1.Namespace,
	opts ...lift.Option) (*policy.Set, error) {
	var out []lift.Problem
	set, err := lift.NetworkPolicies(nps, namespaces, opts...)
	var le *lift.Error
	switch {
	case errors.As(err, &le):
		out, set = le.Problems, nil
	case err != nil:
		return nil, err
	}
	l := &lifter{namespaces: map[string]map[string]string{}}
	l.ranges, l.given = lift.DeclaredClusterCIDRs(opts...)
	for _, ns := range namespaces {
		if ns != nil && ns.Name != "" {
			labels := map[string]string{policy.NamespaceNameLabel: ns.Name}
			for k, v := range ns.Labels {
				labels[k] = v
			}
			l.namespaces[ns.Name] = labels
		}
	}
	if set != nil {
		// What the NetworkPolicies isolate, before the ClusterNetworkPolicies join them.
		m, err := set.Model()
		if err != nil {
			return nil, err
		}
		for _, p := range m.Policies {
			if p.Subject.Scope == policy.ScopeNamespace {
				l.isolating = append(l.isolating, isolation{
					name:    "NetworkPolicy " + p.Subject.Namespace + "/" + p.Name,
					subject: subject{namespace: p.Subject.Namespace, pods: p.Subject.Pods.DeepCopy()},
					egress:  p.Isolates(policy.Egress),
				})
			}
		}
	} else {
		set = policy.NewSet() // to find the ClusterNetworkPolicies' problems; never returned
	}
	l.set = set
	l.clusterNetworkPolicies(cnps, &out)
	if len(out) > 0 {
		return nil, &lift.Error{Problems: out}
	}
	if err := set.Validate(); err != nil {
		return nil, fmt.Errorf("lift/clusternp: the lifted Set is invalid: %w", err)
	}
	return set, nil
}

type lifter struct {
	set *policy.Set
	// ranges and given are lift.ClusterCIDRs'.
	ranges []netip.Prefix
	given  bool
	// namespaces holds the declared namespaces' labels, the name label included.
	namespaces map[string]map[string]string
	// isolating are the lifted NetworkPolicies' subjects.
	isolating []isolation
}

// isolation is a NetworkPolicy's subject and whether it isolates egress.
type isolation struct {
	name    string
	subject subject
	egress  bool
}

// cnp is a ClusterNetworkPolicy checked enough to be ordered, with its subject.
type cnp struct {
	*v1alpha2.ClusterNetworkPolicy
	subject subject
	p       problems
	// w is an Admin policy's workload; into the Admin policy a Baseline one merges into.
	w    *policy.Workload
	into *cnp
}

var (
	specPath    = field.NewPath("spec")
	ingressPath = specPath.Child("ingress")
	egressPath  = specPath.Child("egress")
)

// clusterNetworkPolicies checks cnps, orders each tier by priority and lifts them.
func (l *lifter) clusterNetworkPolicies(cnps []*v1alpha2.ClusterNetworkPolicy, out *[]lift.Problem) {
	var admin, baseline []*cnp
	seen := map[string]bool{}
	// names maps each lifted name to the object that took it.
	names := map[string]string{}
	for i, c := range cnps {
		p := problems{object: fmt.Sprintf("clusterNetworkPolicies[%d]", i), out: out}
		switch {
		case c == nil:
			p.add(field.Required(field.NewPath(""), "a nil ClusterNetworkPolicy"))
			continue
		case c.Name == "":
			p.add(field.Required(field.NewPath("metadata", "name"), ""))
			continue
		}
		p.object = "ClusterNetworkPolicy " + c.Name
		if seen[c.Name] {
			p.add(field.Duplicate(field.NewPath("metadata", "name"), c.Name))
			continue
		}
		seen[c.Name] = true
		if c.Namespace != "" {
			p.add(field.Forbidden(field.NewPath("metadata", "namespace"), "a ClusterNetworkPolicy is cluster-scoped"))
		}
		if other, taken := names[share.WorkloadName(c.Name)]; taken {
			p.add(field.Invalid(field.NewPath("metadata", "name"), c.Name,
				fmt.Sprintf("lifts to the policy name %q, which ClusterNetworkPolicy %s already has; rename one", share.WorkloadName(c.Name), other)))
			continue
		}
		names[share.WorkloadName(c.Name)] = c.Name
		if c.Spec.Priority < 0 || c.Spec.Priority > 1000 {
			p.add(field.Invalid(specPath.Child("priority"), c.Spec.Priority, "must be between 0 and 1000"))
		}
		s, ok := l.subjectOf(&c.Spec.Subject, specPath.Child("subject"), p)
		if !ok {
			continue
		}
		x := &cnp{ClusterNetworkPolicy: c, subject: s, p: p}
		switch c.Spec.Tier {
		case v1alpha2.AdminTier:
			admin = append(admin, x)
		case v1alpha2.BaselineTier:
			baseline = append(baseline, x)
		default:
			p.add(field.NotSupported(specPath.Child("tier"), c.Spec.Tier, []string{string(v1alpha2.AdminTier), string(v1alpha2.BaselineTier)}))
		}
	}
	byPriority := func(a, b *cnp) int {
		return cmp.Or(cmp.Compare(a.Spec.Priority, b.Spec.Priority), cmp.Compare(a.Name, b.Name))
	}
	slices.SortFunc(admin, byPriority)
	slices.SortFunc(baseline, byPriority)
	ties := false
	for i, c := range admin {
		// The API leaves the order of equal priorities to the implementation.
		for _, d := range admin[:i] {
			if d.Spec.Priority == c.Spec.Priority && l.mayOverlap(d.subject, c.subject) {
				c.p.add(field.Invalid(specPath.Child("priority"), c.Spec.Priority, fmt.Sprintf("ClusterNetworkPolicy %s has the same priority "+
					"and may select the same pods: the API leaves their order to the implementation; give them distinct priorities", d.Name)))
				ties = true
			}
		}
	}
	untiered := !ties && l.untiered(admin, baseline)
	if len(admin) > 0 && !untiered {
		l.set.Tier(AdminTier, 0).DefaultPass()
	}
	for _, c := range admin {
		l.admin(c, untiered)
	}
	for i, c := range baseline {
		l.baseline(c, baseline[:i])
	}
}

// untiered reports whether the Admin tier lifts as untiered rules, the Set then having
// no tier: when it has no Pass rule and no ingress Accept, every Deny comes before every
// Accept of a policy that may select the same pods (so the first match is a Deny
// exactly when some Deny matches: the intent's "deny wins"), and every policy with
// Accepts has the subject of a Baseline policy that lifts as egress isolation (so the
// Accepts' pods are isolated, in the API by the Baseline Deny and in the intent by the
// allows, and the NetworkPolicies' allows add up with the Accepts in both). Such a
// Baseline policy is merged into an Admin policy with its subject, so that they lift
// into one cluster-wide policy, as clusternp emits one.
func (l *lifter) untiered(admin, baseline []*cnp) bool {
	for _, c := range admin {
		for _, r := range c.Spec.Ingress {
			if r.Action != v1alpha2.ClusterNetworkPolicyRuleActionDeny {
				return false
			}
		}
		for _, r := range c.Spec.Egress {
			if r.Action == v1alpha2.ClusterNetworkPolicyRuleActionPass {
				return false
			}
		}
	}
	for _, actions := range []func(*cnp) []v1alpha2.ClusterNetworkPolicyRuleAction{ingressActions, egressActions} {
		for _, d := range admin {
			lastDeny := lastIndex(actions(d), v1alpha2.ClusterNetworkPolicyRuleActionDeny)
			if lastDeny < 0 {
				continue
			}
			for _, a := range admin {
				firstAccept := slices.Index(actions(a), v1alpha2.ClusterNetworkPolicyRuleActionAccept)
				switch {
				case firstAccept < 0:
				case a == d:
					if lastDeny > firstAccept {
						return false
					}
				case d.Spec.Priority >= a.Spec.Priority && l.mayOverlap(d.subject, a.subject):
					return false
				}
			}
		}
	}
	into := map[*cnp]*cnp{}
	for _, a := range admin {
		if !slices.Contains(egressActions(a), v1alpha2.ClusterNetworkPolicyRuleActionAccept) {
			continue
		}
		// Any such Baseline policy isolates the Accepts' pods; one not merged yet keeps the
		// objects apart, <name>-isolation (clusternp's) first.
		var b *cnp
		for _, x := range baseline {
			if !l.isolates(x) || !sameSubject(a.subject, x.subject) {
				continue
			}
			if b == nil || into[b] != nil && into[x] == nil || x.Name == a.Name+"-isolation" && into[x] == nil {
				b = x
			}
		}
		if b == nil {
			return false
		}
		if into[b] == nil {
			into[b] = a
		}
	}
	for b, a := range into {
		b.into = a
	}
	return true
}

// isolates reports whether a Baseline policy's last rule is an egress Deny of every
// destination, and it has no ingress rule: it lifts as egress isolation, or is refused.
func (l *lifter) isolates(b *cnp) bool {
	eg := b.Spec.Egress
	return len(b.Spec.Ingress) == 0 && len(eg) > 0 && eg[len(eg)-1].Action == v1alpha2.ClusterNetworkPolicyRuleActionDeny &&
		len(eg[len(eg)-1].Protocols) == 0 && l.everything(eg[len(eg)-1].To)
}

func ingressActions(c *cnp) []v1alpha2.ClusterNetworkPolicyRuleAction {
	var out []v1alpha2.ClusterNetworkPolicyRuleAction
	for _, r := range c.Spec.Ingress {
		out = append(out, r.Action)
	}
	return out
}

func egressActions(c *cnp) []v1alpha2.ClusterNetworkPolicyRuleAction {
	var out []v1alpha2.ClusterNetworkPolicyRuleAction
	for _, r := range c.Spec.Egress {
		out = append(out, r.Action)
	}
	return out
}

func lastIndex[T comparable](s []T, v T) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// admin lifts an Admin-tier policy: into the Admin tier, at its priority, its rules in
// order, Accept as a one-sided allow (final), Deny, and Pass (on to NetworkPolicy); or,
// when untiered says so, as untiered rules.
func (l *lifter) admin(c *cnp, untiered bool) {
	c.w = l.workload(c).WithoutDNS()
	w := c.w
	if !untiered {
		w.InTier(AdminTier, float64(c.Spec.Priority))
	}
	tooMany(len(c.Spec.Ingress), ingressPath, c.p)
	tooMany(len(c.Spec.Egress), egressPath, c.p)
	for i := range c.Spec.Ingress {
		r := &c.Spec.Ingress[i]
		path := ingressPath.Index(i)
		start, ok := starter(w, policy.Ingress, r.Action, path.Child("action"), c.p)
		peers, pok := l.ingressPeers(r.From, path.Child("from"), c.p)
		ports, tok := l.ports(r.Protocols, path.Child("protocols"), c.p)
		if ok && pok && tok {
			add(start, peers, ports, r.Action)
		}
	}
	for i := range c.Spec.Egress {
		r := &c.Spec.Egress[i]
		path := egressPath.Index(i)
		start, ok := starter(w, policy.Egress, r.Action, path.Child("action"), c.p)
		peers, pok := l.egressPeers(r.To, path.Child("to"), c.p)
		ports, tok := l.ports(r.Protocols, path.Child("protocols"), c.p)
		if ok && pok && tok && !namedPortsWithAddresses(r, path, c.p) {
			add(start, peers, ports, r.Action)
		}
	}
}

// baseline lifts a Baseline-tier policy; earlier are the Baseline policies before it.
// The Baseline tier decides only for pods no NetworkPolicy isolates in that direction,
// which the intent's tiers cannot say; one form lifts exactly, as untiered isolation:
// egress Accept (or Pass) rules, then Deny rules, the last of every destination. For a
// pod no NetworkPolicy isolates it allows what the Accepts match, as the isolated
// subject's allows do; for a pod a NetworkPolicy isolates, the NetworkPolicy decides,
// and the union of allows is the NetworkPolicy's alone when the policy has no Accepts.
func (l *lifter) baseline(c *cnp, earlier []*cnp) {
	tooMany(len(c.Spec.Egress), egressPath, c.p)
	if len(c.Spec.Ingress) > 0 {
		c.p.add(field.Forbidden(ingressPath, "a Baseline ingress rule decides for pods no NetworkPolicy isolates for ingress, which the intent's "+
			"tiers cannot say; and ingress peers are pods only, so a Baseline Deny of every pod is no isolation (it leaves traffic from "+
			"nodes and from outside the cluster in)"))
	}
	rules := c.Spec.Egress
	if len(rules) == 0 {
		return
	}
	last := len(rules) - 1
	accepts := 0
	ok := true
	for i, r := range rules {
		path := egressPath.Index(i)
		switch r.Action {
		case v1alpha2.ClusterNetworkPolicyRuleActionAccept, v1alpha2.ClusterNetworkPolicyRuleActionPass:
			// In the Baseline tier a Pass allows too: nothing after it decides.
			if i > accepts {
				c.p.add(field.Forbidden(path, "a Baseline Accept or Pass after a Deny lifts to no intent: the intent's isolated subjects "+
					"allow the union of their allows, with no deny before them"))
				ok = false
			}
			accepts++
		case v1alpha2.ClusterNetworkPolicyRuleActionDeny:
		default:
			c.p.add(field.NotSupported(path.Child("action"), r.Action, []string{"Accept", "Deny", "Pass"}))
			ok = false
		}
	}
	if r := rules[last]; r.Action != v1alpha2.ClusterNetworkPolicyRuleActionDeny || len(r.Protocols) > 0 || !l.everything(r.To) {
		c.p.add(field.Forbidden(egressPath.Index(last), "the Baseline tier decides only for pods no NetworkPolicy isolates for egress, "+
			"which the intent's tiers cannot say: it lifts as isolation only when its last egress rule denies every destination "+
			"(namespaces {}, nodes {} and networks naming every address outside lift.ClusterCIDRs' ranges) on every port"))
		ok = false
	}
	if accepts > 0 {
		// The union of allows is exact only where nothing else decides first.
		for _, iso := range l.isolating {
			if iso.egress && l.mayOverlap(iso.subject, c.subject) {
				c.p.add(field.Forbidden(egressPath.Index(0), fmt.Sprintf("%s may isolate pods this policy selects for egress: there the API "+
					"lets the NetworkPolicy alone decide, while intent isolation would add this policy's allows", iso.name)))
				ok = false
			}
		}
		for _, d := range earlier {
			if len(d.Spec.Egress) > 0 && l.mayOverlap(d.subject, c.subject) {
				c.p.add(field.Forbidden(egressPath.Index(0), fmt.Sprintf("Baseline ClusterNetworkPolicy %s comes first and may select the same "+
					"pods: its rules decide there first, while intent isolation would add this policy's allows to its", d.Name)))
				ok = false
			}
		}
	}
	if !ok {
		return
	}
	var w *policy.Workload
	if c.into != nil {
		w = c.into.w
	} else {
		w = l.workload(c)
	}
	w.WithoutDNS().DefaultDenyEgress()
	for i, r := range rules {
		// The Denies after the Accepts deny what the last one denies; their problems are
		// still reported.
		path := egressPath.Index(i)
		peers, pok := l.egressPeers(r.To, path.Child("to"), c.p)
		ports, tok := l.ports(r.Protocols, path.Child("protocols"), c.p)
		if pok && tok && !namedPortsWithAddresses(&rules[i], path, c.p) && i < accepts {
			add(w.AllowTo, peers, ports, v1alpha2.ClusterNetworkPolicyRuleActionAccept)
		}
	}
}

// workload is c's cluster-wide policy, with its subject.
func (l *lifter) workload(c *cnp) *policy.Workload {
	w := l.set.Cluster(share.WorkloadName(c.Name))
	if s := c.subject.namespaces; s != nil && !isEmpty(s) {
		w.InNamespaces(policy.LabelSelector(*s.DeepCopy()))
	}
	if s := c.subject.pods; !isEmpty(s) {
		w.Select(policy.LabelSelector(*s.DeepCopy()))
	}
	return w
}

// starter returns the builder of a rule of action a in direction d.
func starter(w *policy.Workload, d policy.Direction, a v1alpha2.ClusterNetworkPolicyRuleAction, path *field.Path, p problems) (func(...any) *policy.RuleBuilder, bool) {
	in := d == policy.Ingress
	switch {
	case a == v1alpha2.ClusterNetworkPolicyRuleActionAccept && in:
		return w.AllowFrom, true
	case a == v1alpha2.ClusterNetworkPolicyRuleActionAccept:
		return w.AllowTo, true
	case a == v1alpha2.ClusterNetworkPolicyRuleActionDeny && in:
		return w.DenyFrom, true
	case a == v1alpha2.ClusterNetworkPolicyRuleActionDeny:
		return w.DenyTo, true
	case a == v1alpha2.ClusterNetworkPolicyRuleActionPass && in:
		return w.PassFrom, true
	case a == v1alpha2.ClusterNetworkPolicyRuleActionPass:
		return w.PassTo, true
	}
	p.add(field.NotSupported(path, a, []string{"Accept", "Deny", "Pass"}))
	return nil, false
}

// add adds a rule: an allow opens its own end only, as the API judges each end.
func add(start func(...any) *policy.RuleBuilder, peers []any, ports []policy.Port, a v1alpha2.ClusterNetworkPolicyRuleAction) {
	rb := start(peers...)
	if a == v1alpha2.ClusterNetworkPolicyRuleActionAccept {
		rb.OneSided()
	}
	for _, pt := range ports {
		rb.Port(pt)
	}
}

// problems collects the problems of one object.
type problems struct {
	object string
	out    *[]lift.Problem
}

func (p problems) add(errs ...*field.Error) {
	for _, err := range errs {
		*p.out = append(*p.out, lift.Problem{Object: p.object, Err: err})
	}
}

// validSelector reports what the API server would reject in a label selector.
func validSelector(s *metav1.LabelSelector, path *field.Path) field.ErrorList {
	return metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path)
}

func isEmpty(s *metav1.LabelSelector) bool {
	return s == nil || len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}
