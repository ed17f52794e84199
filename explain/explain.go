// Package explain answers "why is this flow allowed, or denied?" for a policy.Set, in the
// terms of the intent and of what each backend emits.
//
//	out, err := explain.Flow(set, flow, explain.K8sNP(), explain.Cilium(), explain.Calico())
//
// Flow prints the verdict of the reference evaluator (policy.Model.Evaluate) and, for
// each end of the flow that policy applies to, the decision: the deciding policy and the
// field path of the deciding intent rule. For each backend it then names the emitted
// object that carries that rule and, where it can be determined, the rule in it.
//
// # How intent maps onto objects
//
// Every backend emits its objects per policy of the Model, named after it:
//
//   - k8snp: NetworkPolicy <namespace>/<policy name>, rules in spec.ingress / spec.egress.
//   - cilium: CiliumNetworkPolicy <namespace>/<policy name>, or
//     CiliumClusterwideNetworkPolicy <policy name> for cluster and host policies; allows in
//     spec.ingress / spec.egress, denies in spec.ingressDeny / spec.egressDeny.
//   - calico: NetworkPolicy or GlobalNetworkPolicy (Staged... in audit mode) named
//     <tier>.<policy name> for a tiered policy; for an untiered one, its denies in
//     netintent-deny.<policy name> (tier calico.DenyTier) and its allows, with the DNS
//     allowance, in <policy name>; rules in spec.ingress / spec.egress.
//
// Backends compact rules (rules with the same ports share peers, rules with the same peers
// share ports, a rule for every peer absorbs the others), so an intent rule has no fixed
// index in the object. Flow names a rule only when it is the one rule of the object's
// section, with the deciding action, that can match the flow: by protocol, port and ICMP
// type, and by its peers (NetworkPolicy selectors and ipBlocks are matched exactly; for
// Cilium and Calico, peers that cannot select that kind of endpoint are ruled out, such
// as pod selectors for an address outside the cluster). Since the backend expresses the
// intent exactly, that rule is the one that admits (or denies) the flow. When several
// rules could, Flow names the object and lists them; it never guesses.
//
// A flow denied because no allow rule matches is explained by the policies, and objects,
// that isolate the endpoint; one denied at the end of a tier, by the tier.
package explain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Flow explains the verdict of set for f: the outcome, each judged end's decision with
// the deciding policy and intent rule, and for each backend the object, and where it can
// be determined the rule, that implements it. A backend that refuses the Set is listed
// with its error. The error is the Set's *policy.ValidationError, if it is invalid, or
// the flow's (policy.Flow.Validate).
//
// Flow compiles the Set with every backend on each call; it is meant for people asking
// about one flow, not for judging many.
func Flow(set *policy.Set, f policy.Flow, backends ...policy.Backend) (string, error) {
	if set == nil {
		return "", errors.New("explain: Flow needs a policy.Set, got nil")
	}
	e, err := newExplainer(set, backends)
	if err != nil {
		return "", err
	}
	if err := f.Validate(); err != nil {
		return "", err
	}
	return e.explain(f), nil
}

// newExplainer compiles set with every backend.
func newExplainer(set *policy.Set, backends []policy.Backend) (*explainer, error) {
	m, err := set.Model()
	if err != nil {
		return nil, err
	}
	e := &explainer{model: m}
	for i, b := range backends {
		if b == nil {
			return nil, fmt.Errorf("explain: Flow: backends[%d] is nil", i)
		}
		name := b.Name()
		res, err := b.Compile(set)
		if err != nil {
			// A *policy.CompileError names its backend already.
			msg := strings.TrimPrefix(err.Error(), name+": ")
			e.failed = append(e.failed, name+": cannot compile the Set: "+indent(msg))
			continue
		}
		loc, ok := locate(res)
		if !ok {
			e.failed = append(e.failed, name+": cannot locate the objects of this backend")
			continue
		}
		e.backends = append(e.backends, compiled{name: name, loc: loc})
	}
	return e, nil
}

// explain explains the verdict for f.
func (e *explainer) explain(f policy.Flow) string {
	v := e.model.Evaluate(f)
	from, to := withNamespaceLabels(e.model, f.From), withNamespaceLabels(e.model, f.To)
	judged := f
	judged.From, judged.To = from, to

	var out strings.Builder
	verdict := "denied"
	if v.Allowed {
		verdict = "allowed"
	}
	fmt.Fprintf(&out, "%s from %s to %s: %s\n", describeTraffic(f), describeEndpoint(f.From), describeEndpoint(f.To), verdict)
	e.end(&out, judged, "source", policy.Egress, v.Source, from, to)
	e.end(&out, judged, "destination", policy.Ingress, v.Destination, to, from)
	if v.AuditDenied {
		fmt.Fprintf(&out, "audit: %s\n", v.Audit)
	}
	for _, s := range e.failed {
		out.WriteString(s + "\n")
	}
	return out.String()
}

// explainer explains flows against one Set.
type explainer struct {
	model    *policy.Model
	backends []compiled
	// failed holds the compile errors of the backends that refused the Set.
	failed []string
}

type compiled struct {
	name string
	loc  locator
}

// end explains the decision of one end of f (whose endpoints have their namespace labels
// completed, as the evaluator judges them): self's policies in direction dir, peer the
// other end.
func (e *explainer) end(out *strings.Builder, f policy.Flow, name string, dir policy.Direction, d policy.Decision, self, peer policy.Endpoint) {
	if !d.Judged {
		fmt.Fprintf(out, "%s: no policy applies (%s)\n", name, describeEndpoint(self))
		return
	}
	fmt.Fprintf(out, "%s, %s: %s\n", name, strings.ToLower(string(dir)), d.Why)
	switch {
	case d.Policy != "" && d.Rule != "":
		fmt.Fprintf(out, "  intent: %s in policy %s\n", d.Rule, d.Policy)
		e.rule(out, f, e.policy(d.Policy, func(p *policy.Policy) bool { return hasRule(p, dir, d.Rule) }), dir, action(d.Allowed), peer)
	case d.Policy != "" && d.Allowed:
		fmt.Fprintf(out, "  intent: the DNS allowance of policy %s\n", d.Policy)
		e.rule(out, f, e.policy(d.Policy, func(p *policy.Policy) bool { return p.DNS }), dir, policy.Allow, peer)
	case d.Policy != "":
		p := e.policy(d.Policy, func(p *policy.Policy) bool { return p.Tier != "" })
		if p == nil {
			return
		}
		fmt.Fprintf(out, "  intent: end of tier %s, after policy %s\n", p.Tier, d.Policy)
		for _, b := range e.backends {
			if t := tierEnd(b.loc, p); t != nil {
				fmt.Fprintf(out, "  %s: %s\n", b.name, describeObject(t))
			} else {
				fmt.Fprintf(out, "  %s: no object for tier %s\n", b.name, p.Tier)
			}
		}
	case !d.Allowed:
		ps := e.isolating(dir, self)
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = policyName(p)
		}
		fmt.Fprintf(out, "  intent: isolated by policy %s\n", strings.Join(names, ", "))
		for _, b := range e.backends {
			var objs []string
			for _, p := range ps {
				if o := isolator(b.loc, p); o != nil {
					objs = append(objs, describeObject(o))
				}
			}
			if len(objs) == 0 {
				objs = []string{"no object"}
			}
			fmt.Fprintf(out, "  %s: isolated by %s\n", b.name, strings.Join(objs, ", "))
		}
	}
}

// rule names, for every backend, the object and rule that implement action a of p in
// direction dir for this flow.
func (e *explainer) rule(out *strings.Builder, f policy.Flow, p *policy.Policy, dir policy.Direction, a policy.Action, peer policy.Endpoint) {
	if p == nil {
		return
	}
	for _, b := range e.backends {
		obj := b.loc.object(p, a)
		if obj == nil {
			fmt.Fprintf(out, "  %s: no object for policy %s\n", b.name, policyName(p))
			continue
		}
		section, rules := b.loc.rules(obj, dir, a)
		var may []string
		for _, r := range rules {
			if r.mayMatch(peer, f) {
				may = append(may, fmt.Sprintf("%s[%d]", section, r.index))
			}
		}
		switch len(may) {
		case 1:
			fmt.Fprintf(out, "  %s: %s %s\n", b.name, describeObject(obj), may[0])
		case 0:
			fmt.Fprintf(out, "  %s: %s (no rule of %s matches this flow)\n", b.name, describeObject(obj), section)
		default:
			fmt.Fprintf(out, "  %s: %s (rule not determined: %s may match)\n", b.name, describeObject(obj), strings.Join(may, ", "))
		}
	}
}

// policy returns the first of the Model's policies named name ("namespace/name" or
// "name", as policy.Decision names them) that satisfies ok, or nil. Names repeat across
// tiers, so ok tells which one decided.
func (e *explainer) policy(name string, ok func(*policy.Policy) bool) *policy.Policy {
	for _, p := range e.model.Policies {
		if policyName(p) == name && ok(p) {
			return p
		}
	}
	return nil
}

// hasRule reports whether p holds, in direction dir, a rule written at path.
func hasRule(p *policy.Policy, dir policy.Direction, path string) bool {
	for _, r := range p.Rules(dir) {
		if r.Path != nil && r.Path.String() == path {
			return true
		}
	}
	return false
}

// isolating returns the enforced untiered policies that select self and isolate it in
// direction dir, in the Model's order.
func (e *explainer) isolating(dir policy.Direction, self policy.Endpoint) []*policy.Policy {
	var out []*policy.Policy
	for _, p := range e.model.Policies {
		if p.Mode == policy.Enforce && p.Tier == "" && p.Isolates(dir) && selects(p.Subject, self) {
			out = append(out, p)
		}
	}
	return out
}

func action(allowed bool) policy.Action {
	if allowed {
		return policy.Allow
	}
	return policy.Deny
}

// policyName names a policy as policy.Decision does.
func policyName(p *policy.Policy) string {
	if p.Subject.Namespace != "" {
		return p.Subject.Namespace + "/" + p.Name
	}
	return p.Name
}

// selects reports whether the subject covers the endpoint, as the evaluator judges it.
func selects(s policy.Subject, e policy.Endpoint) bool {
	switch s.Scope {
	case policy.ScopeHost:
		return (e.Kind == policy.EndpointHost || e.Kind == policy.EndpointRemoteNode) && matches(&s.Nodes, e.Labels)
	case policy.ScopeCluster:
		return e.Kind == policy.EndpointPod && e.Cluster == "" && matches(s.NamespaceSelector, e.NamespaceLabels) && matches(&s.Pods, e.Labels)
	default:
		return e.Kind == policy.EndpointPod && e.Cluster == "" && e.Namespace == s.Namespace && matches(&s.Pods, e.Labels)
	}
}

// matches reports whether sel (nil: everything) matches set.
func matches(sel *metav1.LabelSelector, set map[string]string) bool {
	if sel == nil {
		return true
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(set))
}

// withNamespaceLabels completes a pod's namespace labels as the evaluator does: the labels
// the Set declares for its namespace, the endpoint's own, and kubernetes.io/metadata.name.
func withNamespaceLabels(m *policy.Model, e policy.Endpoint) policy.Endpoint {
	if e.Kind != policy.EndpointPod || e.Namespace == "" {
		return e
	}
	nl := map[string]string{}
	if e.Cluster == "" {
		for _, ns := range m.Namespaces {
			if ns.Name == e.Namespace {
				maps.Copy(nl, ns.Labels)
			}
		}
	}
	maps.Copy(nl, e.NamespaceLabels)
	nl[policy.NamespaceNameLabel] = e.Namespace
	e.NamespaceLabels = nl
	return e
}

func describeObject(o netintent.Object) string {
	kind := o.GetObjectKind().GroupVersionKind().Kind
	if ns := o.GetNamespace(); ns != "" {
		return kind + " " + ns + "/" + o.GetName()
	}
	return kind + " " + o.GetName()
}

func describeEndpoint(e policy.Endpoint) string {
	if e.Kind != policy.EndpointPod {
		return e.Describe()
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(e.Labels)) {
		kv = append(kv, k+"="+e.Labels[k])
	}
	s := "pod " + e.Namespace + "{" + strings.Join(kv, ",") + "}"
	if e.Cluster != "" {
		s += " of cluster " + e.Cluster
	}
	return s
}

func describeTraffic(f policy.Flow) string {
	var s string
	switch {
	case f.ICMP != nil:
		s = "ICMP"
		if f.ICMP.Family == policy.IPv6 {
			s = "ICMPv6"
		}
		s += fmt.Sprintf(" type %d", f.ICMP.Type)
		if f.ICMP.Code != nil {
			s += fmt.Sprintf(" code %d", *f.ICMP.Code)
		}
	default:
		s = fmt.Sprintf("%s/%d", f.Protocol, f.Port)
	}
	if f.HTTP != nil {
		s += " (HTTP " + f.HTTP.Method + " " + f.HTTP.Path + ")"
	}
	if f.DNSQuery != "" {
		s += " (DNS lookup of " + f.DNSQuery + ")"
	}
	return s
}

// indent indents the continuation lines of a multi-line message.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }
