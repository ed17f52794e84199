package calico

import (
	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/api/pkg/lib/numorstring"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// calicoRule renders a rule into r, which is zero; proto is t's protocol, nil for every
// protocol. Setting only the fields that the rule has, in place, keeps the garbage
// collector's write barriers off the rest of the large struct.
func calicoRule(r *calicov3.Rule, action calicov3.Action, d policy.Direction, en entity, t traffic, proto *numorstring.Protocol) {
	r.Action, r.Protocol, r.ICMP, r.HTTP = action, proto, t.icmp, t.http
	er := &r.Destination
	if d == policy.Ingress {
		er = &r.Source
		r.Destination.Ports = t.ports
	} else {
		er.Ports = t.ports
	}
	if en.any {
		return
	}
	er.Nets, er.NotNets = en.nets, en.notNets
	if en.pods {
		// Calico selectors also match NetworkSets (which inherit their namespace's
		// labels) and, without a namespace, GlobalNetworkSets and host endpoints: the
		// guard keeps the peer to pods. In a NetworkPolicy any selector also limits the
		// rule to the policy's namespace unless namespaceSelector names others.
		er.NamespaceSelector = en.nsSel
		er.Selector = workloadsOnly(en.sel)
		if en.sa != "" {
			er.ServiceAccounts = &calicov3.ServiceAccountMatch{Names: []string{en.sa}}
		}
	}
}

// emitted is one policy object before it is rendered into its typed kind.
type emitted struct {
	src                  source
	meta                 metav1.ObjectMeta // set once the object is translated (see keep)
	namespace, name      string            // namespace is empty for global policies
	tier                 string            // empty for the default tier
	order                float64
	selector, nsSelector string
	types                []calicov3.PolicyType
	ingress, egress      []calicov3.Rule
	stage                policy.RolloutStage
	// Notes holds the lossy translations made in the object.
	backend.Notes
}

// source is what an emitted object keeps of the policy it carries, rather than the policy,
// which backend.Compile lets go once translated.
type source struct {
	// Path is the policy's path, for refusals made once every policy is translated.
	Path *field.Path
	// Mode is the policy's mode: an audit policy is emitted as a Staged kind.
	Mode policy.Mode
}

func (e *emitted) setRules(d policy.Direction, rules []calicov3.Rule) {
	if d == policy.Ingress {
		e.ingress = rules
	} else {
		e.egress = rules
	}
}

// addTo renders e into its typed kind and appends it to res.
func (e *emitted) addTo(res *Result) {
	meta := e.meta
	order := e.order
	staged := e.src.Mode == policy.Audit
	switch {
	case e.namespace != "" && !staged:
		o := calicov3.NewNetworkPolicy()
		o.ObjectMeta = meta
		o.Spec = calicov3.NetworkPolicySpec{Tier: e.tier, Order: &order, Selector: e.selector, Types: e.types, Ingress: e.ingress, Egress: e.egress}
		res.NetworkPolicies = append(res.NetworkPolicies, o)
	case e.namespace != "":
		o := calicov3.NewStagedNetworkPolicy()
		o.ObjectMeta = meta
		o.Spec = calicov3.StagedNetworkPolicySpec{StagedAction: calicov3.StagedActionSet, Tier: e.tier, Order: &order,
			Selector: e.selector, Types: e.types, Ingress: e.ingress, Egress: e.egress}
		res.StagedNetworkPolicies = append(res.StagedNetworkPolicies, o)
	case !staged:
		o := calicov3.NewGlobalNetworkPolicy()
		o.ObjectMeta = meta
		o.Spec = calicov3.GlobalNetworkPolicySpec{Tier: e.tier, Order: &order, Selector: e.selector, NamespaceSelector: e.nsSelector,
			Types: e.types, Ingress: e.ingress, Egress: e.egress}
		res.GlobalNetworkPolicies = append(res.GlobalNetworkPolicies, o)
	default:
		o := calicov3.NewStagedGlobalNetworkPolicy()
		o.ObjectMeta = meta
		o.Spec = calicov3.StagedGlobalNetworkPolicySpec{StagedAction: calicov3.StagedActionSet, Tier: e.tier, Order: &order,
			Selector: e.selector, NamespaceSelector: e.nsSelector, Types: e.types, Ingress: e.ingress, Egress: e.egress}
		res.StagedGlobalNetworkPolicies = append(res.StagedGlobalNetworkPolicies, o)
	}
}
