package cilium

import (
	"sort"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/internal/parallel"
	"github.com/netintent/netintent/internal/reuse"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Name is the name this backend uses in errors and warnings.
const Name = "cilium"

// The options that translate refused intent lossily, as named in policy.Unsupported.
const (
	optWidenL7   = "cilium.WidenL7()"
	optWidenICMP = "cilium.WidenICMPCodes()"
	optOmitAudit = "cilium.OmitAudit()"
)

// apiVersion is the API version of both kinds this backend emits.
var apiVersion = ciliumv2.SchemeGroupVersion.String()

// Compile translates the Set into one CiliumNetworkPolicy per namespaced policy and one
// CiliumClusterwideNetworkPolicy per cluster-wide or host policy. It returns the Set's
// *policy.ValidationError unchanged when the Set is invalid, and a *policy.CompileError
// listing every intent Cilium cannot express exactly (unless an Option allows a lossy
// translation, which is then reported in Result.Warnings() and on the object).
func Compile(set *policy.Set, opts ...Option) (*Result, error) {
	t, err := backend.Compile(Name, set, opts, func(m *policy.Model, o options) func() *compiler {
		audit, sh := backend.NewAudit(m), &shared{}
		return func() *compiler {
			return &compiler{model: m, opts: o, audit: audit, keyChecks: map[string]string{},
				portAtoms: map[policy.Port]atom{}, shared: sh, serviceLabelOK: unmatchableKey(m.ServiceLabel) == ""}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := t.Refusals.Err(Name); err != nil {
		return nil, err
	}
	res := &Result{}
	var warnings []policy.Warning
	for _, c := range t.Chunks {
		res.CiliumNetworkPolicies = append(res.CiliumNetworkPolicies, c.cnps...)
		res.CiliumClusterwideNetworkPolicies = append(res.CiliumClusterwideNetworkPolicies, c.ccnps...)
		warnings = append(warnings, c.warnings...)
	}
	// Cluster-wide policies come before host policies in the Model; both are objects of one
	// kind and scope, ordered by name like the namespaced ones.
	sort.SliceStable(res.CiliumClusterwideNetworkPolicies, func(i, j int) bool {
		return res.CiliumClusterwideNetworkPolicies[i].Name < res.CiliumClusterwideNetworkPolicies[j].Name
	})
	res.Output = backend.NewOutput(Header, warnings, res.objects)
	return res, nil
}

// Translate translates p into the object of its scope, if it yields one.
func (c *compiler) Translate(p *policy.Policy) {
	spec, meta := c.policy(p)
	if spec == nil {
		return
	}
	if p.Subject.Scope == policy.ScopeNamespace {
		c.cnps = append(c.cnps, &ciliumv2.CiliumNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: apiVersion, Kind: "CiliumNetworkPolicy"},
			ObjectMeta: meta,
			Spec:       spec,
		})
		return
	}
	c.ccnps = append(c.ccnps, &ciliumv2.CiliumClusterwideNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: apiVersion, Kind: "CiliumClusterwideNetworkPolicy"},
		ObjectMeta: meta,
		Spec:       spec,
	})
}

type compiler struct {
	backend.Refusals
	model    *policy.Model
	opts     options
	warnings []policy.Warning
	// cnps and ccnps hold the objects translated.
	cnps  []*ciliumv2.CiliumNetworkPolicy
	ccnps []*ciliumv2.CiliumClusterwideNetworkPolicy
	// audit tells where audit mode was asked for.
	audit backend.Audit
	// keyChecks caches unmatchableKey: every service's label key is checked many times.
	keyChecks map[string]string
	// portAtoms caches the translation of ports without L7 rules, which repeat across the
	// Set; atoms are never modified once built.
	portAtoms map[policy.Port]atom
	// shared holds what the compilers of all chunks share.
	shared *shared
	// serviceLabelOK records that Cilium can match the Set's service label, so that
	// servicePeer can translate the peers of services.
	serviceLabelOK bool
	// groups and items hold the groups and peer items of the policy being translated;
	// lists holds the lists of groups of its directions (ingress and egress allows, then
	// denies); atoms holds the traffic of the rule being translated. All are reused from
	// policy to policy: they live until the policy is emitted, which copies what it keeps.
	groups reuse.Pool[group]
	items  reuse.Pool[peerItem]
	lists  [4][]*group
	atoms  []atom
}

// shared holds the translations of pod peers other than services', which depend on
// their podKey alone.
type shared struct {
	pods parallel.Memo[podKey, *peerItem]
}

// translation is the state of one object being built.
type translation struct {
	// namespace is the namespace of a CiliumNetworkPolicy, whose pod selectors Cilium
	// scopes to it; empty for clusterwide objects.
	namespace string
	// host is true for host (node) policies.
	host bool
	// fqdn is true when the policy allows egress to FQDN peers, which Cilium can only do
	// if the endpoint's DNS lookups go through its DNS proxy.
	fqdn bool
	// Notes holds the lossy translations made in the object.
	backend.Notes
}

// policy translates one Policy into a rule and the object's metadata. It returns a nil
// rule when the policy says nothing (no rules, no isolation: Cilium rejects an empty rule),
// when OmitAudit leaves it out, or when something was refused.
func (c *compiler) policy(p *policy.Policy) (*api.Rule, metav1.ObjectMeta) {
	t := &translation{host: p.Subject.Scope == policy.ScopeHost}
	if p.Subject.Scope == policy.ScopeNamespace {
		t.namespace = p.Subject.Namespace
	}
	t.Notes = backend.NewNotes(Name, t.namespace, p.Name)
	if len(p.Ingress) == 0 && len(p.Egress) == 0 && len(p.Isolate) == 0 {
		return nil, metav1.ObjectMeta{}
	}
	if p.Tier != "" {
		c.Refuse(p.Path.Child("tier"), constructTiers,
			"Cilium 1.20 has no tiers or policy order: allows are unioned and a deny always wins")
	}
	if p.Mode == policy.Audit {
		switch {
		case c.opts.omitAudit:
			if c.audit.Origin(p) {
				t.Warn(p.Path, "audit-mode policy not emitted: Cilium 1.20 has no per-policy audit mode; "+
					"enforcement is unchanged, but what the policy would drop is not reported")
				c.warnings = append(c.warnings, t.Warnings()...)
			}
			return nil, metav1.ObjectMeta{}
		case c.audit.Origin(p):
			c.Refuse(p.Path, constructAudit,
				"Cilium 1.20 has no per-policy audit mode: policy-audit-mode is an agent-wide (or per-endpoint) "+
					"setting, and annotations such as policy.cilium.io/audit-mode are read by nothing", backend.Lossy(optOmitAudit))
		}
	}
	for _, r := range p.Egress {
		if r.Action == policy.Allow && hasFQDN(r) {
			t.fqdn = true
		}
	}

	rule := &api.Rule{}
	switch p.Subject.Scope {
	case policy.ScopeHost:
		c.checkKeys(&p.Subject.Nodes, func() *field.Path { return p.Path.Child("selector") }, constructNodeLabelKey)
		var b selectorBuilder
		b.add(&p.Subject.Nodes, sameKey)
		rule.NodeSelector = b.build()
	case policy.ScopeCluster:
		c.checkKeys(&p.Subject.Pods, func() *field.Path { return p.Path.Child("selector") }, constructPodLabelKey)
		c.checkNamespaceKeys(p.Subject.NamespaceSelector, func() *field.Path { return p.Path.Child("namespaceSelector") })
		var b selectorBuilder
		b.add(&p.Subject.Pods, sameKey)
		// Also keeps the policy off endpoints without a namespace (cilium-health, the
		// ingress proxy), which an empty selector in a clusterwide policy would select.
		b.namespaces(p.Subject.NamespaceSelector)
		rule.EndpointSelector = b.build()
	default:
		c.checkKeys(&p.Subject.Pods, func() *field.Path { return p.Path.Child("selector") }, constructPodLabelKey)
		rule.EndpointSelector = podsSelector(&p.Subject.Pods)
	}

	c.groups.Reset()
	c.items.Reset()
	in := directionRules{allow: c.lists[0][:0], deny: c.lists[2][:0]}
	out := directionRules{allow: c.lists[1][:0], deny: c.lists[3][:0]}
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		dr := &in
		if d == policy.Egress {
			dr = &out
		}
		for _, r := range p.Rules(d) {
			c.rule(t, d, r, dr)
		}
	}
	if p.DNS {
		out.allow = append(out.allow, c.dnsAllowance(t))
	}
	isoIn, isoOut := p.Isolates(policy.Ingress), p.Isolates(policy.Egress)
	rule.EnableDefaultDeny = api.DefaultDenyConfig{Ingress: &isoIn, Egress: &isoOut}
	rule.Ingress, rule.IngressDeny = in.ingress(isoIn)
	rule.Egress, rule.EgressDeny = out.egress(isoOut)
	c.lists = [4][]*group{in.allow, out.allow, in.deny, out.deny}
	if c.Any() {
		return nil, metav1.ObjectMeta{}
	}
	c.warnings = append(c.warnings, t.Warnings()...)
	return rule, backend.Meta(p.Name, t.namespace, p, c.model.RolloutStage(p), &t.Notes)
}

func hasFQDN(r policy.Rule) bool {
	for _, x := range r.Peers {
		if x.Kind == policy.PeerFQDN {
			return true
		}
	}
	return false
}

// checkKeys refuses selector keys that Cilium cannot match as pod or node labels.
func (c *compiler) checkKeys(sel *metav1.LabelSelector, path func() *field.Path, construct backend.Construct) {
	for _, u := range c.unmatchableKeys(sel) {
		c.Refuse(path(), construct.Of(u.key), u.why)
	}
}

// checkNamespaceKeys refuses namespace selector keys that Cilium cannot match.
func (c *compiler) checkNamespaceKeys(sel *metav1.LabelSelector, path func() *field.Path) {
	for _, u := range unmatchableNamespaceKeys(sel) {
		c.Refuse(path(), constructNamespaceLabelKey.Of(u.key), u.why)
	}
}

// unmatchable is a label key that Cilium cannot match, and why; namespace marks a key
// of a namespace selector.
type unmatchable struct {
	key, why  string
	namespace bool
}

// unmatchableNamespaceKeys returns the keys of a namespace selector that Cilium cannot
// match, sorted.
func unmatchableNamespaceKeys(sel *metav1.LabelSelector) []unmatchable {
	var out []unmatchable
	for _, k := range selectorKeys(sel) {
		if why := unmatchableNamespaceKey(k); why != "" {
			out = append(out, unmatchable{key: k, why: why, namespace: true})
		}
	}
	return out
}

// unmatchableKeys returns the keys of sel that Cilium cannot match as pod or node labels,
// sorted.
func (c *compiler) unmatchableKeys(sel *metav1.LabelSelector) []unmatchable {
	if sel == nil {
		return nil
	}
	var out []unmatchable
	check := func(k string) {
		why, ok := c.keyChecks[k]
		if !ok {
			why = unmatchableKey(k)
			c.keyChecks[k] = why
		}
		if why != "" {
			out = append(out, unmatchable{key: k, why: why})
		}
	}
	if len(sel.MatchLabels) == 1 && len(sel.MatchExpressions) == 0 {
		// A service's pods, the common case: no need to sort one key.
		for k := range sel.MatchLabels {
			check(k)
		}
		return out
	}
	for _, k := range selectorKeys(sel) {
		check(k)
	}
	return out
}
