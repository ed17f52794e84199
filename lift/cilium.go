package lift

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// LocalCluster names the local cluster, as the Cilium agent's cluster-name does. Cilium
// scopes selectors without io.cilium.k8s.policy.cluster to the local cluster; a selector
// that names a cluster means the local pods when it names this one, and pods of that
// cluster-mesh cluster (policy.Peer.InCluster) otherwise. Without this option a selector
// naming a cluster is refused: which of the two it means depends on a name the objects
// do not state.
func LocalCluster(name string) Option {
	return func(o *options) { o.localCluster = name }
}

// Cilium lifts cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy
// objects (spec and specs) into a Set that means what they mean to a Cilium 1.20 agent
// with its default settings, for every flow (see the package documentation for the rules
// and the settings assumed). The namespaces' labels are declared in the Set, so that it
// states what the namespace selectors match. Every problem of every object is reported at
// once, in an *Error, and then no Set is returned; so is a Set that fails policy
// validation.
//
// Which label keys are in a security identity is Cilium's own filter (pkg/labelsfilter),
// whose configuration is process-wide: the first call loads the agent's default filter
// there. A program that configures that filter itself, such as a Cilium agent, gets it
// replaced; lift in a process of its own.
func Cilium(cnps []*ciliumv2.CiliumNetworkPolicy, ccnps []*ciliumv2.CiliumClusterwideNetworkPolicy, namespaces []*corev1.Namespace, opts ...Option) (*policy.Set, error) {
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

	var specs []ciliumSpec
	for i, cnp := range cnps {
		p := problems{object: fmt.Sprintf("ciliumNetworkPolicies[%d]", i), out: &out}
		switch {
		case cnp == nil:
			p.add(field.Required(field.NewPath(""), "a nil CiliumNetworkPolicy"))
		case cnp.Name == "":
			p.add(field.Required(field.NewPath("metadata", "name"), ""))
		case cnp.Namespace == "":
			p.add(field.Required(field.NewPath("metadata", "namespace"), "a CiliumNetworkPolicy is namespaced"))
		default:
			specs = appendSpecs(specs, "CiliumNetworkPolicy", cnp.Namespace, cnp.Name, cnp.Spec, cnp.Specs)
		}
	}
	for i, ccnp := range ccnps {
		p := problems{object: fmt.Sprintf("ciliumClusterwideNetworkPolicies[%d]", i), out: &out}
		switch {
		case ccnp == nil:
			p.add(field.Required(field.NewPath(""), "a nil CiliumClusterwideNetworkPolicy"))
		case ccnp.Name == "":
			p.add(field.Required(field.NewPath("metadata", "name"), ""))
		case ccnp.Namespace != "":
			p.add(field.Forbidden(field.NewPath("metadata", "namespace"), "a CiliumClusterwideNetworkPolicy is cluster-scoped"))
		default:
			specs = appendSpecs(specs, "CiliumClusterwideNetworkPolicy", "", ccnp.Name, ccnp.Spec, ccnp.Specs)
		}
	}
	// Sorted, so that the Set does not depend on the order of the objects; a stable sort
	// keeps an object's specs in order and its duplicates next to it.
	slices.SortStableFunc(specs, func(a, b ciliumSpec) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
	// wholeNS counts the specs of each namespace that select all of its pods: they all
	// lift into the namespace's rules, which take the object's name when there is one.
	wholeNS := map[string]int{}
	for _, s := range specs {
		if s.namespace != "" && s.rule != nil && s.rule.NodeSelector.LabelSelector == nil && isEmptyES(s.rule.EndpointSelector) {
			wholeNS[s.namespace]++
		}
	}
	l := &ciliumLifter{opts: o, set: set, keyChecks: map[string]bool{}}
	// names maps each kind/namespace/workload name given to the object that took it.
	names := map[string]string{}
	for i, s := range specs {
		p := problems{object: s.kind + " " + s.qualified(), out: &out}
		if s.index == 0 && i > 0 && specs[i-1].kind == s.kind && specs[i-1].namespace == s.namespace && specs[i-1].name == s.name {
			p.add(field.Duplicate(field.NewPath("metadata", "name"), s.name))
			continue
		}
		if s.rule == nil {
			p.add(field.Required(s.path, "a rule, not null"))
			continue
		}
		scope := "namespace/"
		if s.rule.NodeSelector.LabelSelector != nil {
			scope = "host/"
		} else if s.namespace == "" {
			scope = "cluster/"
		}
		key := scope + s.namespace + "/" + s.workload
		if other, taken := names[key]; taken && other != s.name {
			p.add(field.Invalid(field.NewPath("metadata", "name"), s.name,
				fmt.Sprintf("lifts to the name %q, which %s already has; rename one", s.workload, other)))
			continue
		}
		names[key] = s.name
		l.spec(s, wholeNS[s.namespace] == 1, p)
	}
	if len(out) > 0 {
		return nil, &Error{Problems: out}
	}
	if err := set.Validate(); err != nil {
		return nil, fmt.Errorf("lift: the lifted Set is invalid: %w", err)
	}
	return set, nil
}

// ciliumSpec is one rule of a Cilium object: its spec or one of its specs.
type ciliumSpec struct {
	kind, namespace, name string
	// index counts the object's rules, spec first; workload is the name the rule's
	// subject takes in the Set.
	index    int
	workload string
	path     *field.Path
	rule     *api.Rule
}

func (s ciliumSpec) qualified() string {
	if s.namespace == "" {
		return s.name
	}
	return s.namespace + "/" + s.name
}

// appendSpecs appends the rules of one object. An object with one rule gives its name to
// the rule's subject; the rules of an object with several are numbered.
func appendSpecs(out []ciliumSpec, kind, namespace, name string, spec *api.Rule, specs api.Rules) []ciliumSpec {
	type item struct {
		path *field.Path
		rule *api.Rule
	}
	var items []item
	if spec != nil {
		items = append(items, item{field.NewPath("spec"), spec})
	}
	for i, r := range specs {
		items = append(items, item{field.NewPath("specs").Index(i), r})
	}
	if len(items) == 0 {
		// Cilium rejects an object without rules (ErrEmptyCNP).
		return append(out, ciliumSpec{kind: kind, namespace: namespace, name: name, path: field.NewPath("spec")})
	}
	for i, it := range items {
		w := workloadName(name)
		if len(items) > 1 {
			w = workloadName(name + "-" + strconv.Itoa(i))
		}
		out = append(out, ciliumSpec{kind: kind, namespace: namespace, name: name, index: i, workload: w, path: it.path, rule: it.rule})
	}
	return out
}

type ciliumLifter struct {
	opts options
	set  *policy.Set
	// keyChecks caches inIdentity.
	keyChecks map[string]bool
}

// spec adds one rule to the Set; named says whether a namespace-wide rule gives the
// namespace's rules its name.
func (l *ciliumLifter) spec(s ciliumSpec, named bool, p problems) {
	r := s.rule
	if err := r.DeepCopy().Sanitize(); err != nil {
		p.add(field.Invalid(s.path, "", "Cilium rejects the rule: "+err.Error()))
		return
	}
	sub := subject{namespace: s.namespace, host: r.NodeSelector.LabelSelector != nil}
	var w *policy.Workload
	switch {
	case sub.host && s.namespace != "":
		p.add(field.Forbidden(s.path.Child("nodeSelector"), "Cilium rejects a nodeSelector in a CiliumNetworkPolicy: "+
			"host policies are CiliumClusterwideNetworkPolicies"))
		return
	case sub.host:
		sel, ok := l.selector(r.NodeSelector, s.path.Child("nodeSelector"), p)
		if !ok || !sel.subject(s.path.Child("nodeSelector"), "node", p) {
			return
		}
		w = l.set.Host(s.workload)
		if !isEmpty(&sel.pods) {
			w.Select(policy.LabelSelector(sel.pods))
		}
	case s.namespace != "":
		path := s.path.Child("endpointSelector")
		sel, ok := l.selector(r.EndpointSelector, path, p)
		if !ok {
			return
		}
		// Cilium adds the policy's namespace to its endpointSelector (ParseToCiliumRule),
		// so naming that namespace changes nothing.
		if sel.namespace == s.namespace && sel.positiveNS {
			sel.namespace, sel.namespaces, sel.hasNSKey, sel.positiveNS = "", emptySelector(), false, false
		}
		if !sel.subject(path, "pod", p) {
			return
		}
		if isEmpty(&sel.pods) {
			n := l.set.Namespace(s.namespace)
			if named {
				n.Named(s.workload)
			}
			w = n.Workload
		} else {
			w = l.set.Pods(s.namespace, s.workload, policy.LabelSelector(sel.pods))
		}
	default:
		path := s.path.Child("endpointSelector")
		sel, ok := l.selector(r.EndpointSelector, path, p)
		if !ok {
			return
		}
		if !sel.positiveNS {
			p.add(field.Forbidden(path, "in a CiliumClusterwideNetworkPolicy an endpointSelector that requires no namespace "+
				"also selects Cilium's reserved endpoints (health, ingress, init), which no intent subject selects; "+
				"add the requirement io.kubernetes.pod.namespace Exists to select pods only"))
			return
		}
		sel.positiveNS, sel.hasNSKey, sel.hasNSLabel = false, false, false
		if !sel.subject(path, "pod", p) {
			return
		}
		w = l.set.Cluster(s.workload)
		if !isEmpty(&sel.pods) {
			w.Select(policy.LabelSelector(sel.pods))
		}
		if ns := sel.namespaceSelector(); !isEmpty(&ns) {
			w.InNamespaces(policy.LabelSelector(ns))
		}
	}
	l.direction(w, sub, r, true, s.path, p)
	l.direction(w, sub, r, false, s.path, p)
}

// subject is what the peers of a rule are read against: the namespace of a
// CiliumNetworkPolicy (empty for clusterwide objects), and whether the rule selects nodes.
type subject struct {
	namespace string
	host      bool
}

// ciliumRule is one allow or deny rule of a direction, with what lifting needs of it.
type ciliumRule struct {
	path          *field.Path
	ingress, deny bool
	l3            l3
	ports         []portRule
	icmps         api.ICMPRules
	// refused lists the fields of the rule that have no intent equivalent.
	refused []*field.Error
}

// direction lifts the rules of one direction of r into w.
func (l *ciliumLifter) direction(w *policy.Workload, sub subject, r *api.Rule, ingress bool, path *field.Path, p problems) {
	rules := directionRules(r, ingress, path)
	if len(rules) == 0 {
		return
	}
	name, flag := "egress", r.EnableDefaultDeny.Egress
	if ingress {
		name, flag = "ingress", r.EnableDefaultDeny.Ingress
	}
	// Cilium puts an endpoint into default-deny for a direction as soon as a rule of that
	// direction, allow or deny, selects it, unless the rule's policy turns it off.
	isolates := flag == nil || *flag
	// Lift each rule's peers and traffic, then coalesce the peers of rules with the same
	// action and traffic, then emit.
	type lifted struct {
		cr      ciliumRule
		peers   rulePeers
		traffic []traffic
		key     string
	}
	var all []*lifted
	groups, denies := map[string][]*rulePeers{}, map[string]bool{}
	var keys []string
	for _, cr := range rules {
		p.add(cr.refused...)
		if len(cr.refused) > 0 {
			continue
		}
		if !cr.deny && !isolates {
			p.add(field.Forbidden(cr.path, fmt.Sprintf("with enableDefaultDeny.%s false an allow only adds to what the other "+
				"policies isolating the endpoint allow, and allows nothing where none does; an intent allow always isolates", name)))
			continue
		}
		peers, ok := l.peers(sub, cr, p)
		traffic, tok := l.traffic(sub, cr, p)
		if !ok || !tok {
			continue
		}
		x := &lifted{cr: cr, peers: peers, traffic: traffic, key: fmt.Sprint(cr.deny, traffic)}
		all = append(all, x)
		if _, seen := groups[x.key]; !seen {
			keys = append(keys, x.key)
			denies[x.key] = cr.deny
		}
		groups[x.key] = append(groups[x.key], &x.peers)
	}
	for _, k := range keys {
		g := groups[k]
		g[0].peers = append(g[0].peers, coalesce(g, ingress && !sub.host && denies[k])...)
	}
	allows := 0
	// lookups are the DNS names the rules let the endpoint look up at the DNS service, and
	// fqdns the rules with FQDN peers (see checkLookups).
	var lookups []string
	var fqdns []ciliumRule
	for _, x := range all {
		cr := x.cr
		if !x.peers.resolve(p) {
			continue
		}
		peers := x.peers.peers
		if len(peers) == 0 {
			continue // a rule whose peers select nothing only isolates
		}
		for _, t := range x.traffic {
			var rb *policy.RuleBuilder
			switch {
			case cr.deny && ingress:
				rb = w.DenyFrom(peers...)
			case cr.deny:
				rb = w.DenyTo(peers...)
			case ingress:
				rb = w.AllowFrom(peers...).OneSided()
				allows++
			default:
				rb = w.AllowTo(peers...).OneSided()
				allows++
			}
			t.apply(rb)
			if !cr.deny && len(t.dns) > 0 && slices.ContainsFunc(peers, func(x any) bool { p, ok := x.(policy.Peer); return ok && isKubeDNS(&p) }) && coversDNSPorts(t.ports) {
				lookups = append(lookups, t.dns...)
			}
		}
		if !cr.deny && len(cr.l3.fqdns) > 0 {
			fqdns = append(fqdns, cr)
		}
	}
	checkLookups(fqdns, lookups, p)
	if !isolates {
		return
	}
	if ingress {
		if allows == 0 {
			w.DefaultDenyIngress()
		}
		return
	}
	if allows == 0 {
		w.DefaultDenyEgress()
	}
	w.WithoutDNS()
}

// directionRules gathers the allow and deny rules of one direction, with the fields that
// have no intent equivalent.
func directionRules(r *api.Rule, ingress bool, path *field.Path) []ciliumRule {
	var out []ciliumRule
	if ingress {
		for i := range r.Ingress {
			x := &r.Ingress[i]
			cr := ciliumRule{path: path.Child("ingress").Index(i), ingress: true, l3: ingressL3(&x.IngressCommonRule), ports: allowPorts(x.ToPorts), icmps: x.ICMPs}
			cr.refused = append(ingressRefused(&x.IngressCommonRule, cr.path), authRefused(x.Authentication, cr.path)...)
			out = append(out, cr)
		}
		for i := range r.IngressDeny {
			x := &r.IngressDeny[i]
			cr := ciliumRule{path: path.Child("ingressDeny").Index(i), ingress: true, deny: true, l3: ingressL3(&x.IngressCommonRule), ports: denyPorts(x.ToPorts), icmps: x.ICMPs}
			cr.refused = ingressRefused(&x.IngressCommonRule, cr.path)
			out = append(out, cr)
		}
		return out
	}
	for i := range r.Egress {
		x := &r.Egress[i]
		cr := ciliumRule{path: path.Child("egress").Index(i), l3: egressL3(&x.EgressCommonRule), ports: allowPorts(x.ToPorts), icmps: x.ICMPs}
		cr.l3.fqdns = x.ToFQDNs
		cr.refused = append(egressRefused(&x.EgressCommonRule, cr.path), authRefused(x.Authentication, cr.path)...)
		out = append(out, cr)
	}
	for i := range r.EgressDeny {
		x := &r.EgressDeny[i]
		cr := ciliumRule{path: path.Child("egressDeny").Index(i), deny: true, l3: egressL3(&x.EgressCommonRule), ports: denyPorts(x.ToPorts), icmps: x.ICMPs}
		cr.refused = egressRefused(&x.EgressCommonRule, cr.path)
		out = append(out, cr)
	}
	return out
}

// l3 is the peer fields of a rule that have intent equivalents. Nil and empty differ, as
// they do to Cilium (api.PolicyEntry.L3): an empty list selects nothing, and a rule with
// no peer field at all selects every peer when it names ports or ICMP types.
type l3 struct {
	endpoints api.EndpointSelectorSlice
	entities  api.EntitySlice
	cidrs     api.CIDRSlice
	cidrSets  api.CIDRRuleSlice
	fqdns     api.FQDNSelectorSlice
	// empty is set when some peer field is an empty list.
	empty bool
	// fields is the field name of each peer kind, for paths.
	endpointsField, entitiesField, cidrField, cidrSetField string
}

func ingressL3(r *api.IngressCommonRule) l3 {
	return l3{endpoints: r.FromEndpoints, entities: r.FromEntities, cidrs: r.FromCIDR, cidrSets: r.FromCIDRSet,
		empty:          isEmptyList(r.FromEndpoints) || isEmptyList(r.FromEntities) || isEmptyList(r.FromCIDR) || isEmptyList(r.FromCIDRSet),
		endpointsField: "fromEndpoints", entitiesField: "fromEntities", cidrField: "fromCIDR", cidrSetField: "fromCIDRSet"}
}

func egressL3(r *api.EgressCommonRule) l3 {
	return l3{endpoints: r.ToEndpoints, entities: r.ToEntities, cidrs: r.ToCIDR, cidrSets: r.ToCIDRSet,
		empty:          isEmptyList(r.ToEndpoints) || isEmptyList(r.ToEntities) || isEmptyList(r.ToCIDR) || isEmptyList(r.ToCIDRSet),
		endpointsField: "toEndpoints", entitiesField: "toEntities", cidrField: "toCIDR", cidrSetField: "toCIDRSet"}
}

func isEmptyList[T any](s []T) bool { return s != nil && len(s) == 0 }

// wildcard reports whether the rule names no peer field at all.
func (x *l3) wildcard() bool {
	return x.endpoints == nil && x.entities == nil && x.cidrs == nil && x.cidrSets == nil && x.fqdns == nil
}

// ingressRefused and egressRefused report the peer fields that have no intent
// equivalent. (fromNodes and toNodes are refused by Sanitize, as Cilium rejects them
// without enable-node-selector-labels.)
func ingressRefused(r *api.IngressCommonRule, path *field.Path) []*field.Error {
	var out []*field.Error
	if len(r.FromRequires) > 0 {
		out = append(out, field.Forbidden(path.Child("fromRequires"), "fromRequires narrows the peers of every rule selecting "+
			"the endpoint (deprecated in Cilium); the intent has no requirement that spans rules"))
	}
	if r.FromGroups != nil {
		out = append(out, field.Forbidden(path.Child("fromGroups"), "fromGroups resolves cloud provider groups (AWS security "+
			"groups) to addresses at run time; the intent has no such peer"))
	}
	return out
}

func egressRefused(r *api.EgressCommonRule, path *field.Path) []*field.Error {
	var out []*field.Error
	if len(r.ToRequires) > 0 {
		out = append(out, field.Forbidden(path.Child("toRequires"), "toRequires narrows the peers of every rule selecting "+
			"the endpoint (deprecated in Cilium); the intent has no requirement that spans rules"))
	}
	if r.ToServices != nil {
		out = append(out, field.Forbidden(path.Child("toServices"), "toServices selects a Kubernetes Service's backends "+
			"as the agent resolves them at run time (and only services without selectors); the intent selects pods by labels"))
	}
	if r.ToGroups != nil {
		out = append(out, field.Forbidden(path.Child("toGroups"), "toGroups resolves cloud provider groups (AWS security "+
			"groups) to addresses at run time; the intent has no such peer"))
	}
	return out
}

func authRefused(a *api.Authentication, path *field.Path) []*field.Error {
	if a == nil {
		return nil
	}
	return []*field.Error{field.Forbidden(path.Child("authentication"), "mutual authentication (SPIFFE) decides whether "+
		"a connection passes at run time; the intent has no authentication requirement")}
}

// checkLookups refuses FQDN peers whose lookups the rules do not admit at the DNS service.
// Cilium's toFQDNs selects the addresses its DNS proxy saw in answers, so a name is
// reached only if some rule sends its lookups through the proxy; the intent states that
// as the DNS lookups of the FQDN names, which it adds to a policy without the DNS
// allowance (to the DNS service, policy.KubeDNS, on UDP and TCP 53). The lifted Set means
// the same only where the rule's own policy admits those lookups already.
func checkLookups(fqdns []ciliumRule, lookups []string, p problems) {
	for _, cr := range fqdns {
		for i, f := range cr.l3.fqdns {
			name := f.MatchName
			if f.MatchPattern != "" {
				name = f.MatchPattern
			}
			name = strings.TrimSuffix(strings.ToLower(name), ".")
			if !slices.Contains(lookups, name) && !slices.Contains(lookups, "*") {
				p.add(field.Forbidden(cr.path.Child("toFQDNs").Index(i), "Cilium learns the addresses of "+name+" from the "+
					"lookups its DNS proxy sees, and the intent states them as a lookup rule it adds; lift needs the same "+
					"policy to allow egress to kube-dns (kube-system, k8s-app=kube-dns) on UDP and TCP 53 with a rules.dns "+
					"entry "+name+" or *"))
			}
		}
	}
}

// coversDNSPorts reports whether ports hold UDP and TCP 53, the DNS service's ports.
func coversDNSPorts(ports []policy.Port) bool {
	return slices.Contains(ports, policy.Port{Protocol: policy.UDP, Port: 53}) &&
		slices.Contains(ports, policy.Port{Protocol: policy.TCP, Port: 53})
}
