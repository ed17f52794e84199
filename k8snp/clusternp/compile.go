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

// Result holds what Compile emitted. The objects are the caller's to edit: they share no
// memory with each other or with the Set.
//
// Result is a policy.Result. WriteDir names the files <step>-<kind>_<namespace>_<name>.yaml:
// step 20 (guardrail) for the ClusterNetworkPolicies, which isolate nothing and so go
// first, then k8snp's steps.
type Result struct {
	// NetworkPolicies holds what k8snp.Compile emits for the Set.
	NetworkPolicies []*networkingv1.NetworkPolicy
	// ClusterNetworkPolicies holds one object per guardrail (more where a direction has
	// more than 25 rules), by priority.
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

// Compile translates the Set as k8snp.Compile does with opts, and every cluster-wide
// guardrail into ClusterNetworkPolicies (see the package documentation). It returns the
// Set's *policy.ValidationError unchanged when the Set is invalid, and one
// *policy.CompileError listing what neither NetworkPolicy nor ClusterNetworkPolicy can
// express exactly: the guardrails' refusals, then k8snp's.
func Compile(set *policy.Set, opts ...k8snp.Option) (*Result, error) {
	take := k8snp.Option(func(o *handoff.Options) { o.Guardrails = true })
	nps, err := k8snp.Compile(set, append(slices.Clip(opts), take)...)
	var rest *policy.CompileError
	if err != nil && !errors.As(err, &rest) {
		return nil, err
	}
	m, err := set.Model()
	if err != nil {
		return nil, err
	}
	c := &compiler{model: m}
	for _, opt := range opts {
		opt(&c.opts)
	}
	for _, p := range m.Policies {
		if handoff.Guardrail(p) {
			c.guardrail(p)
		}
	}
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
	res := &Result{NetworkPolicies: nps.NetworkPolicies, ClusterNetworkPolicies: c.cnps}
	res.Output = backend.NewOutput(k8snp.Header, nps.Warnings(), res.objects)
	return res, nil
}

type compiler struct {
	backend.Refusals
	model *policy.Model
	opts  handoff.Options
	// cnps holds the objects translated, by priority.
	cnps []*v1alpha2.ClusterNetworkPolicy
	// names holds their names, which must not collide when a guardrail is split.
	names map[string]bool
}

// guardrail translates the guardrail p into one or more ClusterNetworkPolicies.
func (c *compiler) guardrail(p *policy.Policy) {
	subject := subjectOf(p.Subject)
	ingress := c.ingress(p)
	egress := c.egress(p)
	if c.Any() {
		return
	}
	if c.names == nil {
		c.names = map[string]bool{}
		for _, q := range c.model.Policies {
			if handoff.Guardrail(q) {
				c.names[q.Name] = true
			}
		}
	}
	t := backend.NewNotes(Name, "", p.Name)
	for part := 0; part == 0 || part*maxItems < max(len(ingress), len(egress)); part++ {
		name := p.Name
		if part > 0 {
			name += "-" + strconv.Itoa(part+1)
			if c.names[name] {
				c.Refuse(p.Path, constructSplit,
					"the guardrail has more than 25 rules in a direction, the most a ClusterNetworkPolicy holds, and the name "+
						name+" of its next object is another guardrail's")
				return
			}
			c.names[name] = true
		}
		if len(c.cnps) > maxPriority {
			c.Refuse(p.Path, constructPriorities, "ClusterNetworkPolicy priorities range over 0-1000: the guardrails need more objects")
			return
		}
		meta := backend.Meta(name, "", p, c.model.RolloutStage(p), &t)
		c.cnps = append(c.cnps, &v1alpha2.ClusterNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha2.GroupVersion.String(), Kind: "ClusterNetworkPolicy"},
			ObjectMeta: meta,
			Spec: v1alpha2.ClusterNetworkPolicySpec{
				Tier:     v1alpha2.AdminTier,
				Priority: int32(len(c.cnps)),
				Subject:  *subject.DeepCopy(),
				Ingress:  window(ingress, part),
				Egress:   window(egress, part),
			},
		})
	}
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

func emptySelector(s *metav1.LabelSelector) bool {
	return s == nil || len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}
