package clusternp

import (
	"errors"
	"slices"
	"strconv"

	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/internal/render"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/internal/handoff"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// Name is the backend's name in errors and warnings: k8snp's, since this is k8snp with
// ClusterNetworkPolicies.
const Name = k8snp.Name

// maxPriority is the highest ClusterNetworkPolicy priority; maxItems the most rules per
// direction, peers per rule and networks per peer the CRD admits.
const (
	maxPriority = 1000
	maxItems    = 25
)

// Backend returns this backend with opts, as policy.Diff, explain.Flow and gitops.SyncAll
// take it: its Compile is Compile's, with opts.
func Backend(opts ...k8snp.Option) policy.Backend { return backend.New(Name, Compile, opts) }

// Nodes lets Compile emit nodes peers, on the ClusterNetworkPolicy CRD's experimental
// channel: a peer {nodes: {}} names every node, and with it the API server, which runs on
// nodes. Egress isolation and policy.Any() need it (see the package documentation). The
// cluster needs the experimental channel's CRD and, on Cilium, enable-node-selector-labels
// (without it Cilium rejects every policy with a nodes peer). It is lossy on Cilium,
// which matches no ClusterNetworkPolicy peer to its reserved health, ingress, unmanaged and
// init endpoints: each object with a nodes peer carries a warning.
func Nodes() k8snp.Option { return func(o *handoff.Options) { o.Nodes = true } }

// DomainNames lets Compile emit domainNames peers, on the ClusterNetworkPolicy CRD's
// experimental channel, for the FQDN peers of allow rules that a domainNames peer
// expresses exactly: an exact name (matched by itself only), and a leading "**." (one or
// more labels) as "*.". Other patterns ("*." spans one label in the intent, any label in
// the API), and FQDN peers of deny and pass rules (domainNames are for Accept rules only),
// are refused. The cluster needs the experimental channel's CRD and an implementation
// that resolves names (Cilium: its DNS proxy, enable-l7-proxy). Reaching a name takes its
// lookups: the rule's policy carries the DNS allowance, or the Model's lookup rule for
// those names, an L7 DNS rule that ClusterNetworkPolicy cannot express.
func DomainNames() k8snp.Option { return func(o *handoff.Options) { o.DomainNames = true } }

// Result holds what Compile emitted. The objects are the caller's to edit: they share no
// memory with each other or with the Set.
//
// Result is a policy.Result. WriteDir names the files <step>-<kind>_<namespace>_<name>.yaml:
// step 20 (guardrail) for the Admin-tier ClusterNetworkPolicies, which isolate nothing
// and so go first (in a Set with tiers, the Deny objects at 21, after the tiers' Accepts
// and Passes), then k8snp's steps, and the Baseline-tier ones and the ends of the tiers,
// which isolate, at the step of their policy (30-50).
type Result struct {
	// NetworkPolicies holds what k8snp.Compile emits for the Set.
	NetworkPolicies []*networkingv1.NetworkPolicy
	// ClusterNetworkPolicies holds the Admin-tier objects by priority (the deny rules,
	// then the allows), then the Baseline-tier objects by priority (the isolation).
	ClusterNetworkPolicies []*v1alpha2.ClusterNetworkPolicy
	// Output implements policy.Result over the objects; Compile sets it.
	backend.Output
}

func (r *Result) objects() []render.Object {
	objs := make([]render.Object, 0, len(r.NetworkPolicies)+len(r.ClusterNetworkPolicies))
	for _, o := range r.ClusterNetworkPolicies {
		objs = append(objs, o)
	}
	for _, o := range r.NetworkPolicies {
		objs = append(objs, o)
	}
	return objs
}

// Compile translates the Set as k8snp.Compile does with opts, and every tiered policy
// of pods, every untiered cluster-wide policy and every deny rule of an enforced,
// untiered namespaced policy into ClusterNetworkPolicies (see the package documentation). It returns the Set's
// *policy.ValidationError unchanged when the Set is invalid, and one *policy.CompileError
// listing what neither NetworkPolicy nor ClusterNetworkPolicy can express exactly: its
// own refusals, then k8snp's.
func Compile(set *policy.Set, opts ...k8snp.Option) (*Result, error) {
	c := &compiler{reserved: map[string]*policy.Policy{}, used: map[string]bool{}, tierOf: map[*v1alpha2.ClusterNetworkPolicy]tierObject{}}
	// k8snp shares its Model: the policies are kept aside before it lets go of them.
	var policies []*policy.Policy
	take := k8snp.Option(func(o *handoff.Options) {
		o.ClusterNetworkPolicies = true
		o.Share = func(m *policy.Model) {
			c.model, c.audit, policies = m, backend.NewAudit(m), slices.Clone(m.Policies)
		}
	})
	nps, err := k8snp.Compile(set, append(slices.Clip(opts), take)...)
	var rest *policy.CompileError
	if err != nil && !errors.As(err, &rest) {
		return nil, err
	}
	for _, opt := range opts {
		opt(&c.opts)
	}
	for _, p := range policies {
		if handoff.Clusterwide(p) {
			c.reserved[p.Name] = p
		}
	}
	c.tiers(policies)
	for _, p := range policies {
		switch {
		case handoff.Clusterwide(p):
			c.clusterPolicy(p)
		case handoff.Denies(p):
			c.namespacedDenies(p)
		}
	}
	cnps := c.prioritize()
	if c.Any() || rest != nil {
		ce := &policy.CompileError{Backend: Name}
		var mine *policy.CompileError
		if errors.As(c.Err(Name), &mine) {
			ce.Problems = mine.Problems
		}
		if rest != nil {
			ce.Problems = append(ce.Problems, rest.Problems...)
		}
		return nil, ce
	}
	res := &Result{NetworkPolicies: nps.NetworkPolicies, ClusterNetworkPolicies: cnps}
	res.Output = backend.NewOutput(k8snp.Header, append(nps.Warnings(), c.warnings...), res.objects)
	return res, nil
}

type compiler struct {
	backend.Refusals
	model *policy.Model
	opts  handoff.Options
	audit backend.Audit
	// tiered, denies, accepts and isolation hold the objects translated: the Admin
	// tier's objects of tiered policies (in the intent's order), Deny and Accept objects
	// and the Baseline tier's, the last three in the Model's order.
	tiered, denies, accepts, isolation []*v1alpha2.ClusterNetworkPolicy
	// tierOf says which tier and policy each of tiered carries.
	tierOf map[*v1alpha2.ClusterNetworkPolicy]tierObject
	// reserved holds the names of the cluster-wide policies, which their first object
	// takes; used the names taken. Names must not collide when a policy has several
	// objects.
	reserved map[string]*policy.Policy
	used     map[string]bool
	warnings []policy.Warning
}

// clusterPolicy translates the untiered cluster-wide policy p: its deny rules into
// Admin-tier Deny rules, its allows and DNS allowance into Admin-tier Accept rules, and
// its egress isolation into a Baseline-tier Deny of everything.
func (c *compiler) clusterPolicy(p *policy.Policy) {
	if p.Mode == policy.Audit {
		if c.audit.Origin(p) {
			c.Refuse(p.Path, constructAudit, "ClusterNetworkPolicy is always enforced; it has no audit or staged mode")
		}
		return
	}
	// A policy with allows names its Accepts' object after itself, its denies' <name>-deny.
	denyName := p.Name
	if p.DNS || slices.ContainsFunc(append(slices.Clip(p.Ingress), p.Egress...), func(r policy.Rule) bool { return r.Action == policy.Allow }) {
		denyName += "-deny"
	}
	// Each object carries the warnings of its own rules.
	td, ta, ti := backend.NewNotes(Name, "", denyName), backend.NewNotes(Name, "", p.Name), backend.NewNotes(Name, "", p.Name+"-isolation")
	denyIn, denyEg := c.ingress(p, policy.Deny), c.egress(p, policy.Deny, &td)
	acceptIn, acceptEg := c.ingress(p, policy.Allow), c.egress(p, policy.Allow, &ta)
	if p.DNS {
		acceptEg = append(acceptEg, c.dnsAccept(p)...)
	}
	if p.Isolates(policy.Ingress) {
		c.Refuse(p.Path, constructIngressIsolation,
			"isolating a pod's ingress cuts traffic from every source the policy does not allow, while a ClusterNetworkPolicy's ingress peers "+
				"are pods and namespaces only: nothing can deny traffic from addresses outside the cluster or from other nodes")
	}
	var isolation []v1alpha2.ClusterNetworkPolicyEgressRule
	if p.Isolates(policy.Egress) {
		if to, ok := c.everything(p.Path, constructEgressIsolation,
			"isolating a pod's egress takes a Baseline-tier Deny of every destination the policy does not allow", &ti); ok {
			isolation = []v1alpha2.ClusterNetworkPolicyEgressRule{{Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny, To: to}}
		}
	}
	if c.Any() {
		return
	}
	c.denies = c.emit(c.denies, p, denyName, "", subjectOf(p.Subject), denyIn, denyEg, policy.StageGuardrail, &td)
	c.accepts = c.emit(c.accepts, p, p.Name, "", subjectOf(p.Subject), acceptIn, acceptEg, policy.StageGuardrail, &ta)
	c.isolation = c.emit(c.isolation, p, p.Name+"-isolation", v1alpha2.BaselineTier, subjectOf(p.Subject), nil, isolation, c.model.RolloutStage(p), &ti)
	for _, t := range []*backend.Notes{&td, &ta, &ti} {
		c.warnings = append(c.warnings, t.Warnings()...)
	}
}

// namespacedDenies translates the deny rules of the enforced, untiered namespaced
// policy p into Admin-tier Deny rules for its subject, named <namespace>.<name>: no
// cluster-wide policy's name holds a dot.
func (c *compiler) namespacedDenies(p *policy.Policy) {
	t := backend.NewNotes(Name, "", p.Subject.Namespace+"."+p.Name)
	in, eg := c.ingress(p, policy.Deny), c.egress(p, policy.Deny, &t)
	if c.Any() {
		return
	}
	c.denies = c.emit(c.denies, p, p.Subject.Namespace+"."+p.Name, "", namespacedSubject(p.Subject), in, eg, policy.StageGuardrail, &t)
	c.warnings = append(c.warnings, t.Warnings()...)
}

// emit appends to out the objects holding the rules of p given, in tier (Admin if
// empty), named name, name-2, ...: one per 25 rules in a direction. Priorities are set
// later, by prioritize.
func (c *compiler) emit(out []*v1alpha2.ClusterNetworkPolicy, p *policy.Policy, name string, tier v1alpha2.Tier, subject v1alpha2.ClusterNetworkPolicySubject,
	ingress []v1alpha2.ClusterNetworkPolicyIngressRule, egress []v1alpha2.ClusterNetworkPolicyEgressRule, stage policy.RolloutStage, t *backend.Notes) []*v1alpha2.ClusterNetworkPolicy {
	if tier == "" {
		tier = v1alpha2.AdminTier
	}
	for part := 0; part*maxItems < max(len(ingress), len(egress)); part++ {
		n := name
		if part > 0 {
			n += "-" + strconv.Itoa(part+1)
		}
		if owner := c.reserved[n]; c.used[n] || owner != nil && owner != p {
			c.Refuse(p.Path, constructNames,
				"the policy needs the ClusterNetworkPolicy name "+n+" (its objects are <name>, <name>-deny and <name>-isolation, each "+
					"split into <name>-2, ... beyond 25 rules in a direction), which another of its objects or another policy has")
			return out
		}
		c.used[n] = true
		out = append(out, &v1alpha2.ClusterNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha2.GroupVersion.String(), Kind: "ClusterNetworkPolicy"},
			ObjectMeta: backend.Meta(n, "", p, stage, t),
			Spec: v1alpha2.ClusterNetworkPolicySpec{
				Tier:    tier,
				Subject: *subject.DeepCopy(),
				Ingress: window(ingress, part),
				Egress:  window(egress, part),
			},
		})
	}
	return out
}

// prioritize numbers the objects of each tier: in the Admin tier the tiered policies'
// first (the intent's tiers decide before its untiered rules), then every Deny before
// every Accept, so that deny wins and an Accept (final) decides only what no deny
// matches; distinct priorities keep every implementation's order the same. It returns
// the objects, Admin tier first.
func (c *compiler) prioritize() []*v1alpha2.ClusterNetworkPolicy {
	admin := slices.Concat(c.tiered, c.denies, c.accepts)
	c.checkPasses(admin)
	if len(c.tiered) > 0 {
		for _, o := range c.denies {
			setLevel(o, denyLevel)
		}
	}
	for _, tier := range [][]*v1alpha2.ClusterNetworkPolicy{admin, c.isolation} {
		if len(tier) > maxPriority+1 {
			c.Refuse(field.NewPath("cluster"), constructPriorities,
				"ClusterNetworkPolicy priorities range over 0-1000: the Set needs "+strconv.Itoa(len(tier))+" objects in a tier")
			return nil
		}
		for i, o := range tier {
			o.Spec.Priority = int32(i)
		}
	}
	return append(admin, c.isolation...)
}

// window returns the rules of the part-th object: a slice of its own, so that the objects
// share no memory.
func window[R any](rs []R, part int) []R {
	lo, hi := min(part*maxItems, len(rs)), min((part+1)*maxItems, len(rs))
	if lo == hi {
		return nil
	}
	return rs[lo:hi:hi]
}

// subjectOf is the ClusterNetworkPolicy subject of a cluster-scoped subject.
func subjectOf(s policy.Subject) v1alpha2.ClusterNetworkPolicySubject {
	ns := metav1.LabelSelector{}
	if s.NamespaceSelector != nil {
		ns = *s.NamespaceSelector.DeepCopy()
	}
	if emptySelector(&s.Pods) {
		return v1alpha2.ClusterNetworkPolicySubject{Namespaces: &ns}
	}
	return v1alpha2.ClusterNetworkPolicySubject{Pods: &v1alpha2.NamespacedPod{NamespaceSelector: ns, PodSelector: *s.Pods.DeepCopy()}}
}

// namespacedSubject is the ClusterNetworkPolicy subject of a namespaced subject: its
// namespace by kubernetes.io/metadata.name.
func namespacedSubject(s policy.Subject) v1alpha2.ClusterNetworkPolicySubject {
	ns := metav1.LabelSelector{MatchLabels: map[string]string{policy.NamespaceNameLabel: s.Namespace}}
	if emptySelector(&s.Pods) {
		return v1alpha2.ClusterNetworkPolicySubject{Namespaces: &ns}
	}
	return v1alpha2.ClusterNetworkPolicySubject{Pods: &v1alpha2.NamespacedPod{NamespaceSelector: ns, PodSelector: *s.Pods.DeepCopy()}}
}

func emptySelector(s *metav1.LabelSelector) bool {
	return s == nil || len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}
