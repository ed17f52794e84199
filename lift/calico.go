package lift

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// CalicoObjects are the projectcalico.org/v3 objects Calico lifts.
type CalicoObjects struct {
	// Tiers declare the tiers the policies name; the default tier needs none.
	Tiers []*calicov3.Tier
	// NetworkPolicies and GlobalNetworkPolicies are the enforced policies.
	NetworkPolicies       []*calicov3.NetworkPolicy
	GlobalNetworkPolicies []*calicov3.GlobalNetworkPolicy
	// The Staged kinds are the policies Calico reports and does not enforce: they lift
	// into audit policies.
	StagedNetworkPolicies           []*calicov3.StagedNetworkPolicy
	StagedGlobalNetworkPolicies     []*calicov3.StagedGlobalNetworkPolicy
	StagedKubernetesNetworkPolicies []*calicov3.StagedKubernetesNetworkPolicy
}

// count is the number of objects c holds.
func (c *CalicoObjects) count() int {
	return len(c.Tiers) + len(c.NetworkPolicies) + len(c.GlobalNetworkPolicies) + len(c.StagedNetworkPolicies) +
		len(c.StagedGlobalNetworkPolicies) + len(c.StagedKubernetesNetworkPolicies)
}

// NoHostEndpointsOrNetworkSets declares that the cluster has no Calico HostEndpoint
// (automatic or not), NetworkSet or GlobalNetworkSet that the lifted Calico selectors
// match. Calico selectors match those too, while the intent's subjects and pod peers are
// pods only: without this option a Calico selector is lifted only when it requires
// projectcalico.org/orchestrator == 'k8s', the label only workload endpoints carry (a
// GlobalNetworkPolicy's subject may instead have a namespaceSelector that only
// namespaces match), and refused otherwise.
func NoHostEndpointsOrNetworkSets() Option {
	return func(o *options) { o.workloadsOnly = true }
}

// Calico's names and labels (libcalico-go lib/names, api/pkg/apis/projectcalico/v3).
const (
	calicoDefaultTier = "default"
	// calicoDefaultTierOrder is the default tier's fixed order; tiers without an order
	// get it too.
	calicoDefaultTierOrder = float64(1_000_000)
	// calicoK8sNPOrder is the order of the policies Calico converts Kubernetes
	// NetworkPolicies (staged ones included) into, in the default tier.
	calicoK8sNPOrder = float64(1000)
	// calicoPrefix starts the labels Calico gives endpoints itself.
	calicoPrefix = "projectcalico.org/"
	// calicoNamespaceLabel is the namespace of a namespaced endpoint: a namespaceSelector's
	// all() becomes has(projectcalico.org/namespace) and global() its negation.
	calicoNamespaceLabel = calicov3.LabelNamespace
	// calicoNameLabel holds a namespace's name in namespaceSelectors.
	calicoNameLabel = "projectcalico.org/name"
)

// calicoGuard is projectcalico.org/orchestrator == 'k8s', which only workload endpoints
// carry.
var calicoGuard = metav1.LabelSelectorRequirement{Key: calicov3.LabelOrchestrator, Operator: metav1.LabelSelectorOpIn,
	Values: []string{calicov3.OrchestratorKubernetes}}

// calicoPolicy is one policy of any of the five policy kinds.
type calicoPolicy struct {
	p         problems
	namespace string // empty for global policies
	name      string
	staged    bool
	tier      string
	order     *float64
	// sortKey is what Felix breaks order ties with: the name, namespace first.
	sortKey              string
	selector, nsSelector string
	// saSelector is spec.serviceAccountSelector.
	saSelector      string
	types           []calicov3.PolicyType
	ingress, egress []calicov3.Rule
	knp             *networkingv1.NetworkPolicy // a StagedKubernetesNetworkPolicy
	// intentOrder is the policy's order in its intent tier (see distinctOrders).
	intentOrder float64
	// untiered marks a policy of a tier that lifts into untiered denies.
	untiered bool
}

// Calico lifts Calico objects into a Set that means what they mean under Felix, for
// every flow (see the package documentation for the rules), with the namespaces' labels.
// Every problem of every object is reported at once, in an *Error, and then no Set is
// returned; so is a Set that fails policy validation.
func Calico(objs *CalicoObjects, namespaces []*corev1.Namespace, opts ...Option) (*policy.Set, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if objs == nil {
		objs = &CalicoObjects{}
	}
	var out []Problem
	if errs := o.Check(); len(errs) > 0 {
		problems{object: "options", out: &out}.add(errs...)
	}
	set := policy.NewSet()
	declareNamespaces(set, namespaces, &out)
	l := &lifter{opts: o, set: set}
	tiers, tierNames := calicoTiers(objs.Tiers, &out)
	pols := collectCalico(objs, &out)

	byTier := map[string][]*calicoPolicy{}
	for _, cp := range pols {
		t := cp.tier
		if t == "" {
			t = calicoDefaultTier
		}
		if !tierNames[t] && t != calicoDefaultTier {
			cp.p.add(field.NotFound(field.NewPath("spec", "tier"), cp.tier))
			continue
		}
		cp.tier = t
		byTier[t] = append(byTier[t], cp)
	}
	// The last tiers before the default tier, when they pass by default and only deny,
	// deny what they match and hand everything else to the default tier: that is what
	// the intent's untiered denies do (they win, and isolate nothing), and the default
	// tier's rules become the untiered allows.
	last := len(tiers)
	for last > 0 && tiers[last-1].pass && denyOnly(byTier[tiers[last-1].name]) {
		last--
		for _, cp := range byTier[tiers[last].name] {
			cp.untiered = true
		}
	}
	orders := make([]*float64, last)
	for i, t := range tiers[:last] {
		orders[i] = t.order
	}
	for i, v := range distinctOrders(orders) {
		if tb := set.Tier(tiers[i].name, v); tiers[i].pass {
			tb.DefaultPass()
		}
	}
	names := map[string]string{}
	for _, t := range slices.Sorted(maps.Keys(byTier)) {
		ps := byTier[t]
		slices.SortStableFunc(ps, func(a, b *calicoPolicy) int {
			return cmp.Or(cmp.Compare(orderOf(a.order), orderOf(b.order)), cmp.Compare(a.sortKey, b.sortKey))
		})
		if t == calicoDefaultTier {
			checkDefaultTier(ps)
		} else {
			orders := make([]*float64, len(ps))
			for i, cp := range ps {
				orders[i] = cp.order
			}
			for i, v := range distinctOrders(orders) {
				ps[i].intentOrder = v
			}
		}
		for _, cp := range ps {
			l.calicoPolicy(cp, names)
		}
	}
	if len(out) > 0 {
		return nil, &Error{Problems: out}
	}
	if err := set.Validate(); err != nil {
		return nil, fmt.Errorf("lift: the lifted Set is invalid: %w", err)
	}
	return set, nil
}

// orderOf is Felix's order of a policy: nil sorts last.
func orderOf(o *float64) float64 {
	if o == nil {
		return math.Inf(1)
	}
	return *o
}

// distinctOrders gives the intent's orders for policies (or tiers) in Calico's order,
// whose Calico orders are orders: the same where they are distinct, so that the Set reads
// like the objects, and spread between one order and the next where Calico breaks ties by
// name (the intent would break them by its own names) or puts policies without an order
// last.
func distinctOrders(orders []*float64) []float64 {
	out := make([]float64, len(orders))
	last := 0.0
	for i := 0; i < len(orders); {
		j := i
		for j < len(orders) && orderOf(orders[j]) == orderOf(orders[i]) {
			j++
		}
		switch {
		case orders[i] == nil:
			for k := i; k < j; k++ {
				out[k] = last + float64(k-i+1)
			}
		default:
			v, next := *orders[i], *orders[i]+1
			if j < len(orders) && orders[j] != nil {
				next = *orders[j]
			}
			for k := i; k < j; k++ {
				out[k] = v + (next-v)*float64(k-i)/float64(j-i)
			}
			last = out[j-1]
		}
		i = j
	}
	return out
}

// calicoTier is a valid Tier.
type calicoTier struct {
	name  string
	order *float64
	pass  bool
}

// calicoTiers checks the tiers, returning the valid ones in Calico's order and the names
// of all.
func calicoTiers(tiers []*calicov3.Tier, out *[]Problem) ([]calicoTier, map[string]bool) {
	var ok []calicoTier
	seen := map[string]bool{}
	orderPath := field.NewPath("spec", "order")
	actionPath := field.NewPath("spec", "defaultAction")
	for i, t := range tiers {
		p := problems{object: fmt.Sprintf("tiers[%d]", i), out: out}
		if t == nil || t.Name == "" {
			p.add(field.Required(field.NewPath("metadata", "name"), "a Tier needs a name"))
			continue
		}
		p.object = "Tier " + t.Name
		if seen[t.Name] {
			p.add(field.Duplicate(field.NewPath("metadata", "name"), t.Name))
			continue
		}
		seen[t.Name] = true
		pass := false
		if a := t.Spec.DefaultAction; a != nil {
			switch *a {
			case calicov3.Deny:
			case calicov3.Pass:
				pass = true
			default:
				p.add(field.NotSupported(actionPath, *a, []string{string(calicov3.Deny), string(calicov3.Pass)}))
				continue
			}
		}
		switch {
		case t.Name == calicoDefaultTier:
			if t.Spec.Order != nil && *t.Spec.Order != calicoDefaultTierOrder || pass {
				p.add(field.Invalid(field.NewPath("spec"), t.Spec, "the default tier keeps order 1,000,000 and defaultAction Deny: "+
					"its policies lift into the intent's untiered rules, which isolate"))
			}
			continue
		case t.Name == "adminnetworkpolicy" || t.Name == "baselineadminnetworkpolicy":
			p.add(field.Forbidden(field.NewPath("metadata", "name"), "Calico keeps Kubernetes (Baseline)AdminNetworkPolicies in this tier, which lift does not read"))
			continue
		case t.Spec.Order == nil:
			p.add(field.Required(orderPath, "a tier without an order comes at order 1,000,000, with the default tier (ties by name): "+
				"the intent evaluates its tiers before the untiered rules; give an order below 1,000,000"))
			continue
		case *t.Spec.Order >= calicoDefaultTierOrder:
			p.add(field.Invalid(orderPath, *t.Spec.Order, "a tier at or after the default tier (order 1,000,000) has no intent equivalent: "+
				"the intent evaluates its tiers before the untiered rules; give an order below 1,000,000"))
			continue
		}
		ok = append(ok, calicoTier{t.Name, t.Spec.Order, pass})
	}
	slices.SortFunc(ok, func(a, b calicoTier) int {
		return cmp.Or(cmp.Compare(*a.order, *b.order), cmp.Compare(a.name, b.name))
	})
	return ok, seen
}

// denyOnly reports whether the policies of a tier only deny (or log) in the directions
// they govern.
func denyOnly(ps []*calicoPolicy) bool {
	for _, cp := range ps {
		if cp.knp != nil {
			return false
		}
		for _, d := range defaultTypes(cp) {
			rules := cp.ingress
			if d == calicov3.PolicyTypeEgress {
				rules = cp.egress
			}
			for _, r := range rules {
				if r.Action != calicov3.Deny && r.Action != calicov3.Log {
					return false
				}
			}
		}
	}
	return true
}

// collectCalico gathers the policies of every kind, reporting those that are not
// well-formed or have no intent equivalent as a whole.
func collectCalico(objs *CalicoObjects, out *[]Problem) []*calicoPolicy {
	var pols []*calicoPolicy
	add := func(kind string, i int, meta *metav1.ObjectMeta, namespaced bool, stagedAction *calicov3.StagedAction, cp *calicoPolicy) {
		p := problems{object: fmt.Sprintf("%s[%d]", kind, i), out: out}
		switch {
		case meta.Name == "":
			p.add(field.Required(field.NewPath("metadata", "name"), ""))
			return
		case namespaced && meta.Namespace == "":
			p.add(field.Required(field.NewPath("metadata", "namespace"), "a "+kind+" is namespaced"))
			return
		}
		cp.name, cp.sortKey, cp.p = meta.Name, meta.Name, p
		if namespaced {
			cp.namespace, cp.sortKey = meta.Namespace, meta.Namespace+"/"+meta.Name
			p.object = kind + " " + meta.Namespace + "/" + meta.Name
		} else {
			p.object = kind + " " + meta.Name
		}
		cp.p = p
		if stagedAction != nil {
			cp.staged = true
			if a := *stagedAction; a != "" && a != calicov3.StagedActionSet {
				p.add(field.NotSupported(field.NewPath("spec", "stagedAction"), a, []string{string(calicov3.StagedActionSet)}))
				return
			}
		}
		pols = append(pols, cp)
	}
	for i, x := range objs.NetworkPolicies {
		if x == nil {
			problems{object: fmt.Sprintf("NetworkPolicy[%d]", i), out: out}.add(field.Required(field.NewPath(""), "a nil NetworkPolicy"))
			continue
		}
		s := &x.Spec
		cp := &calicoPolicy{tier: s.Tier, order: s.Order, selector: s.Selector, types: s.Types, ingress: s.Ingress, egress: s.Egress}
		cp.saSelector = s.ServiceAccountSelector
		add("NetworkPolicy", i, &x.ObjectMeta, true, nil, cp)
	}
	for i, x := range objs.StagedNetworkPolicies {
		if x == nil {
			problems{object: fmt.Sprintf("StagedNetworkPolicy[%d]", i), out: out}.add(field.Required(field.NewPath(""), "a nil StagedNetworkPolicy"))
			continue
		}
		s := &x.Spec
		cp := &calicoPolicy{tier: s.Tier, order: s.Order, selector: s.Selector, types: s.Types, ingress: s.Ingress, egress: s.Egress}
		cp.saSelector = s.ServiceAccountSelector
		add("StagedNetworkPolicy", i, &x.ObjectMeta, true, &s.StagedAction, cp)
	}
	for i, x := range objs.GlobalNetworkPolicies {
		if x == nil {
			problems{object: fmt.Sprintf("GlobalNetworkPolicy[%d]", i), out: out}.add(field.Required(field.NewPath(""), "a nil GlobalNetworkPolicy"))
			continue
		}
		s := &x.Spec
		cp := &calicoPolicy{tier: s.Tier, order: s.Order, selector: s.Selector, nsSelector: s.NamespaceSelector, types: s.Types,
			ingress: s.Ingress, egress: s.Egress}
		add("GlobalNetworkPolicy", i, &x.ObjectMeta, false, nil, cp)
		hostOnly(cp, s.ServiceAccountSelector, s.DoNotTrack, s.PreDNAT)
	}
	for i, x := range objs.StagedGlobalNetworkPolicies {
		if x == nil {
			problems{object: fmt.Sprintf("StagedGlobalNetworkPolicy[%d]", i), out: out}.add(field.Required(field.NewPath(""), "a nil StagedGlobalNetworkPolicy"))
			continue
		}
		s := &x.Spec
		cp := &calicoPolicy{tier: s.Tier, order: s.Order, selector: s.Selector, nsSelector: s.NamespaceSelector, types: s.Types,
			ingress: s.Ingress, egress: s.Egress}
		add("StagedGlobalNetworkPolicy", i, &x.ObjectMeta, false, &s.StagedAction, cp)
		hostOnly(cp, s.ServiceAccountSelector, s.DoNotTrack, s.PreDNAT)
	}
	for i, x := range objs.StagedKubernetesNetworkPolicies {
		if x == nil {
			problems{object: fmt.Sprintf("StagedKubernetesNetworkPolicy[%d]", i), out: out}.add(field.Required(field.NewPath(""), "a nil StagedKubernetesNetworkPolicy"))
			continue
		}
		order := calicoK8sNPOrder
		np := &networkingv1.NetworkPolicy{ObjectMeta: *x.ObjectMeta.DeepCopy(), Spec: networkingv1.NetworkPolicySpec{
			PodSelector: x.Spec.PodSelector, Ingress: x.Spec.Ingress, Egress: x.Spec.Egress, PolicyTypes: x.Spec.PolicyTypes}}
		cp := &calicoPolicy{order: &order, knp: np}
		add("StagedKubernetesNetworkPolicy", i, &x.ObjectMeta, true, &x.Spec.StagedAction, cp)
		// Calico names the policy it converts a Kubernetes NetworkPolicy into so.
		cp.sortKey = x.Namespace + "/knp.default." + x.Name
	}
	// A staged policy with the name of an enforced one shows what replacing it would do;
	// the intent's audit policies add to the enforced ones.
	enforced := map[string]bool{}
	for _, cp := range pols {
		if !cp.staged {
			enforced[cp.sortKey] = true
		}
	}
	kept := pols[:0]
	for _, cp := range pols {
		if cp.staged && enforced[cp.sortKey] {
			cp.p.add(field.Invalid(field.NewPath("metadata", "name"), cp.name, "a staged policy with the name of an enforced one previews "+
				"replacing it, while an intent audit policy adds to the enforced ones: no intent equivalent; rename it to preview an addition"))
			continue
		}
		kept = append(kept, cp)
	}
	return kept
}

// hostOnly records a global policy's serviceAccountSelector and reports the fields that
// apply to host endpoints only.
func hostOnly(cp *calicoPolicy, saSelector string, doNotTrack, preDNAT bool) {
	cp.saSelector = saSelector
	for _, f := range []struct {
		set  bool
		name string
	}{{doNotTrack, "doNotTrack"}, {preDNAT, "preDNAT"}} {
		if f.set {
			cp.p.add(field.Forbidden(field.NewPath("spec", f.name), "applies to host endpoints only, which the intent does not select"))
		}
	}
}

// checkDefaultTier reports deny rules of the default tier that an allow (or pass) rule of
// a policy that may select the same endpoint comes before: the default tier lifts into
// the intent's untiered rules, where denies win, so the rules must already read so.
func checkDefaultTier(ps []*calicoPolicy) {
	type allow struct {
		cp   *calicoPolicy
		rule int
	}
	for _, d := range []calicov3.PolicyType{calicov3.PolicyTypeIngress, calicov3.PolicyTypeEgress} {
		var allows []allow
		for _, cp := range ps {
			if cp.knp != nil || !slices.Contains(defaultTypes(cp), d) {
				if cp.knp != nil {
					allows = append(allows, allow{cp, 0})
				}
				continue
			}
			rules, path := cp.ingress, field.NewPath("spec", "ingress")
			if d == calicov3.PolicyTypeEgress {
				rules, path = cp.egress, field.NewPath("spec", "egress")
			}
			for i, r := range rules {
				switch r.Action {
				case calicov3.Allow, calicov3.Pass:
					allows = append(allows, allow{cp, i})
				case calicov3.Deny:
					for _, a := range allows {
						if a.cp.namespace == "" || cp.namespace == "" || a.cp.namespace == cp.namespace {
							cp.p.add(field.Forbidden(path.Index(i), fmt.Sprintf("this deny comes after %s, which allows (in %s rule order) "+
								"and may select the same endpoints: in the default tier the first match decides, while the intent's untiered denies win; "+
								"move the deny into a tier before the default tier, or give it a lower order", a.cp.p.object, strings.ToLower(string(d)))))
							break
						}
					}
				}
			}
		}
	}
}

// defaultTypes are the directions a policy governs: its types, defaulted as Calico does
// (Ingress, plus Egress when it has egress rules; Egress alone when it has only those).
func defaultTypes(cp *calicoPolicy) []calicov3.PolicyType {
	switch {
	case len(cp.types) > 0:
		return cp.types
	case len(cp.egress) == 0:
		return []calicov3.PolicyType{calicov3.PolicyTypeIngress}
	case len(cp.ingress) == 0:
		return []calicov3.PolicyType{calicov3.PolicyTypeEgress}
	}
	return []calicov3.PolicyType{calicov3.PolicyTypeIngress, calicov3.PolicyTypeEgress}
}
