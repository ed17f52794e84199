package calico

import (
	"fmt"

	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	// Name is the name this backend uses in errors and warnings.
	Name = "calico"

	// DenyTier is the tier that holds the deny rules of untiered intent. Its default
	// action is Pass: a deny that matches decides, anything else goes on to the default
	// tier, so denies win and never isolate (docs/semantics.md, "Deny wins").
	DenyTier = "netintent-deny"
	// DenyTierOrder places DenyTier after every tier of the Set and just before Calico's
	// default tier (order 1,000,000), where untiered allows live. Tiers of the Set must
	// have lower orders.
	DenyTierOrder = float64(999_999)
	// UntieredOrder is the order of every policy of DenyTier and of the default tier: the
	// order Calico gives the Kubernetes NetworkPolicies it converts. Denies of DenyTier,
	// and allows of the default tier, add up in any order, so one order for all of them
	// changes no verdict, and adding or removing a policy leaves the others' objects
	// unchanged (numbering them would rewrite every later one).
	UntieredOrder = float64(1000)
)

// The options that change the outcome of refused intent, as policy.Fix names them.
const (
	optWidenL7      = "calico.WidenL7()"
	optWorldAsNets  = "calico.WorldAsNets()"
	optClusterCIDRs = "calico.ClusterCIDRs(...)"
	optALP          = "calico.ApplicationLayerPolicy()"
)

// reservedTiers are the tiers Calico 3.31 creates itself (libcalico-go/lib/names), with
// fixed orders, and the one this backend owns.
var reservedTiers = map[string]string{
	"adminnetworkpolicy":         "Calico keeps Kubernetes AdminNetworkPolicies in this tier, at order 1000",
	"baselineadminnetworkpolicy": "Calico keeps the Kubernetes BaselineAdminNetworkPolicy in this tier, at order 10,000,000",
	DenyTier:                     "this backend puts the deny rules of untiered intent in this tier",
}

// Compile translates the Set into Calico objects:
//
//   - one Tier per tier of the Set, plus DenyTier when untiered intent denies anything;
//   - for every untiered policy, its deny rules in DenyTier and its allow rules (with the
//     DNS allowance) in the default tier, as NetworkPolicy (namespace scope) or
//     GlobalNetworkPolicy (cluster scope);
//   - for every tiered policy, one policy in its tier with its rules in order;
//   - the Staged variants of these kinds for policies in audit mode.
//
// It returns the Set's *policy.ValidationError unchanged when the Set is invalid, and a
// *policy.CompileError listing every intent Calico cannot express exactly (unless an
// Option allows a lossy translation, which is then reported in Result.Warnings() and on the
// object).
func Compile(set *policy.Set, opts ...Option) (*Result, error) {
	t, err := backend.Compile(Name, set, opts, func(m *policy.Model, o options) func() *compiler {
		return func() *compiler { return &compiler{model: m, opts: o, nsExprs: map[string]string{}} }
	})
	if err != nil {
		return nil, err
	}
	c := &compiler{model: t.Model, opts: t.Options}
	res := &Result{}
	res.Tiers = c.tiers()
	c.Join(&t.Refusals)
	var emitted []*emitted
	for _, part := range t.Chunks {
		emitted = append(emitted, part.emitted...)
	}
	c.assignOrders(emitted)
	if err := c.Err(Name); err != nil {
		return nil, err
	}
	needDenyTier := false
	var warnings []policy.Warning
	for _, e := range emitted {
		needDenyTier = needDenyTier || e.tier == DenyTier
		e.addTo(res)
		warnings = append(warnings, e.Warnings()...)
	}
	if needDenyTier {
		res.Tiers = append(res.Tiers, newTier(DenyTier, DenyTierOrder, calicov3.Pass))
	}
	res.Output = backend.NewOutput(Header, warnings, res.objects)
	return res, nil
}

type compiler struct {
	backend.Refusals
	model *policy.Model
	opts  options
	// nsExprs holds the selectors of namespaces by name (see namespaceExpr).
	nsExprs map[string]string
	// emitted holds the objects translated.
	emitted []*emitted
	// scratch holds the buffers of rules.
	scratch scratch
}

// tiers translates the Set's tiers, which must come before DenyTier.
func (c *compiler) tiers() []*calicov3.Tier {
	var out []*calicov3.Tier
	for _, t := range c.model.Tiers {
		if why, ok := reservedTiers[t.Name]; ok {
			c.Refuse(t.Path, constructReservedTier, fmt.Sprintf("tier %q is reserved: %s", t.Name, why))
			continue
		}
		if t.Order >= DenyTierOrder {
			c.Refuse(t.Path.Child("order"), constructTierOrder, fmt.Sprintf(
				"tiers of the Set are evaluated before untiered intent, which lives in tier %s (order %v) and Calico's default tier (order %v); the order must be a number below %v",
				DenyTier, DenyTierOrder, calicov3.DefaultTierOrder, DenyTierOrder))
			continue
		}
		action := calicov3.Deny
		if t.DefaultAction == policy.Pass {
			action = calicov3.Pass
		}
		out = append(out, newTier(t.Name, t.Order, action))
	}
	return out
}

func newTier(name string, order float64, action calicov3.Action) *calicov3.Tier {
	t := calicov3.NewTier()
	t.Name = name
	t.Labels = map[string]string{policy.ManagedByLabel: policy.ManagedByValue}
	t.Spec.Order = &order
	t.Spec.DefaultAction = &action
	return t
}

// Translate translates one Policy into the objects that carry it, appended to c.emitted.
func (c *compiler) Translate(p *policy.Policy) {
	if p.Subject.Scope == policy.ScopeHost {
		c.Refuse(p.Path, constructHostScope,
			"a Calico policy selects nodes through HostEndpoint objects, which Calico creates only when automatic host endpoints are enabled, and failsafe ports stay open whatever the policy says")
		return
	}
	sel, err := c.podsExpr(&p.Subject.Pods)
	if err != nil {
		c.Refuse(p.Path.Child("selector"), constructSelector, err.Error())
		return
	}
	base := emitted{src: source{Path: p.Path, Mode: p.Mode}, selector: sel, stage: c.model.RolloutStage(p)}
	if p.Subject.Scope == policy.ScopeNamespace {
		base.namespace = p.Subject.Namespace
	} else {
		// A GlobalNetworkPolicy's selector also selects host endpoints, which carry
		// whatever labels their node has: the guard keeps it to workloads, and the
		// namespaceSelector (all() becomes has(projectcalico.org/namespace) in
		// libcalico-go's updateprocessors) to namespaced endpoints.
		base.selector = workloadsOnly(sel)
		base.nsSelector = allSelector
		if p.Subject.NamespaceSelector != nil {
			if base.nsSelector, err = namespaceSelectorExpr(p.Subject.NamespaceSelector); err != nil {
				c.Refuse(p.Path.Child("namespaceSelector"), constructSelector, err.Error())
				return
			}
		}
	}

	if p.Tier != "" {
		e := base
		e.tier, e.order, e.name = p.Tier, p.Order, p.Tier+"."+p.Name
		e.Notes = backend.NewNotes(Name, e.namespace, e.name)
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			if len(p.Rules(d)) > 0 || p.Isolates(d) {
				var extra *policy.Rule
				if d == policy.Egress && p.DNS {
					// The DNS allowance follows the policy's own rules.
					extra = c.dnsRule()
				}
				e.types = append(e.types, calicov3.PolicyType(d))
				e.setRules(d, c.rules(&e, d, p.Rules(d), "", extra))
			}
		}
		if len(e.types) == 0 {
			// Neither rules nor isolation: the policy takes part in no direction, and
			// Calico would read empty types as Ingress.
			return
		}
		c.keep(&e, p)
		return
	}

	if hasAction(p.Rules(policy.Ingress), policy.Deny) || hasAction(p.Rules(policy.Egress), policy.Deny) {
		deny := base
		deny.tier, deny.name = DenyTier, DenyTier+"."+p.Name
		deny.Notes = backend.NewNotes(Name, deny.namespace, deny.name)
		if p.Mode != policy.Audit {
			// DenyTier passes what its policies do not deny, so this object isolates
			// nothing, whatever the policy's allow object does.
			deny.stage = policy.StageGuardrail
		}
		deny.types = make([]calicov3.PolicyType, 0, 2)
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			if hasAction(p.Rules(d), policy.Deny) {
				deny.types = append(deny.types, calicov3.PolicyType(d))
				deny.setRules(d, c.rules(&deny, d, p.Rules(d), policy.Deny, nil))
			}
		}
		c.keep(&deny, p)
	}
	if len(p.Isolate) > 0 {
		allow := base
		allow.name = p.Name
		allow.Notes = backend.NewNotes(Name, allow.namespace, allow.name)
		allow.types = make([]calicov3.PolicyType, 0, len(p.Isolate))
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			if !p.Isolates(d) {
				continue
			}
			var extra *policy.Rule
			if d == policy.Egress && p.DNS {
				extra = c.dnsRule()
			}
			allow.types = append(allow.types, calicov3.PolicyType(d))
			allow.setRules(d, c.rules(&allow, d, p.Rules(d), policy.Allow, extra))
		}
		c.keep(&allow, p)
	}
}

// keep appends e, translated from p, to c.emitted, with its metadata: e keeps nothing
// else of p (see source).
func (c *compiler) keep(e *emitted, p *policy.Policy) {
	e.meta = backend.Meta(e.name, e.namespace, p, e.stage, &e.Notes)
	c.emitted = append(c.emitted, e)
}

// dnsRule is the allowance that keeps DNS open for an egress-isolated subject.
func (c *compiler) dnsRule() *policy.Rule {
	return &policy.Rule{Action: policy.Allow, Peers: []policy.Peer{c.model.DNS}, Ports: c.model.DNSPorts,
		Path: field.NewPath("options", "dns")}
}

func hasAction(rules []policy.Rule, a policy.Action) bool {
	for _, r := range rules {
		if r.Action == a {
			return true
		}
	}
	return false
}

// assignOrders gives the policies of DenyTier and of the default tier UntieredOrder, and
// refuses equal orders in a tier of the Set between policies that may select the same
// endpoint: there, rules of different actions make the order decide.
func (c *compiler) assignOrders(all []*emitted) {
	type slot struct {
		tier  string
		order float64
	}
	bySlot := map[slot][]*emitted{}
	for _, e := range all {
		if e.tier == "" || e.tier == DenyTier {
			e.order = UntieredOrder
			continue
		}
		s := slot{e.tier, e.order}
		for _, other := range bySlot[s] {
			if e.namespace != "" && other.namespace != "" && e.namespace != other.namespace {
				continue
			}
			c.Refuse(e.src.Path.Child("order"), constructEqualOrders, fmt.Sprintf(
				"%s has order %v in tier %q, as %s does, and both may select the same endpoint; Calico would break the tie by name (namespace first for namespaced policies), so give them distinct orders",
				e.Object(), e.order, e.tier, other.Object()))
		}
		bySlot[s] = append(bySlot[s], e)
	}
}
