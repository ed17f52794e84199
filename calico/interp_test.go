package calico_test

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/api/pkg/lib/numorstring"
)

// engine interprets emitted Calico objects the way Calico 3.31 evaluates policy
// (https://docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy and the
// Tier reference; felix/rules/endpoints.go, felix/calc/policy_sorter.go):
//
//   - each side of a flow is judged at its workload: egress at the source, ingress at the
//     destination; addresses outside the cluster and nodes are not policed, and neither
//     is traffic from a node to its own workloads (felix/rules/static.go);
//   - tiers by ascending order, ties by name; Calico's default tier (order 1,000,000,
//     default action Deny) always exists; a tier takes part only when one of its enforced
//     policies selects the workload and lists the direction in types;
//   - within a tier, policies by ascending order, ties by name ("namespace/name" for
//     namespaced policies); the first matching rule decides: Allow, Deny, or Pass to
//     the next tier; a tier that decided nothing ends with its default action;
//   - after the last tier the namespace profile allows;
//   - staged policies never enforce; empty types are defaulted as the API server does;
//   - rule selectors follow libcalico-go's updateprocessors.getEndpointSelector: in a
//     NetworkPolicy any selector limits the rule to the policy's namespace
//     (projectcalico.org/namespace) unless namespaceSelector names others; a
//     namespaceSelector is evaluated on the pcns.* labels, all() standing for
//     has(projectcalico.org/namespace); nets match addresses, pods and nodes included;
//   - selectors match by address, as Felix's IP sets do: an address matches when a
//     workload endpoint, a host endpoint or a network set that holds it carries matching
//     labels (surroundings: NetworkSets inherit their namespace's labels, host endpoints
//     and GlobalNetworkSets carry only their own);
//   - a GlobalNetworkPolicy whose selector selects a node's host endpoint polices the
//     node's own traffic (failsafe ports are not modeled); its default profile allows
//     what no tier decided;
//   - http matches are enforced (application layer policy) as Dikastes does
//     (app-policy/checker/match.go).
//
// Its selector evaluator understands exactly the expression forms the backend emits.
type engine struct {
	tiers []*engineTier
	sur   *surroundings
}

// surroundings are what Calico selectors match besides workload endpoints.
type surroundings struct {
	// hostEndpoints are the nodes' host endpoints: their labels by node address.
	hostEndpoints map[netip.Addr]map[string]string
	netSets       []netSet
}

// netSet is a NetworkSet (namespace set) or a GlobalNetworkSet.
type netSet struct {
	namespace string
	labels    map[string]string
	nets      []string
}

// members returns the labels, as Felix sees them, of everything that holds ep's address:
// ep itself when it is a pod, its host endpoint when it is a node, and the network sets
// whose nets hold it.
func (s *surroundings) members(ep policy.Endpoint) []map[string]string {
	var out []map[string]string
	if ep.Kind == policy.EndpointPod {
		out = append(out, workloadLabels(ep))
	}
	if s == nil {
		return out
	}
	if l, ok := s.hostEndpoints[ep.IP]; ok && ep.Kind != policy.EndpointPod && ep.IP.IsValid() {
		out = append(out, l)
	}
	for _, n := range s.netSets {
		if inNets(n.nets, ep.IP) {
			out = append(out, n.felixLabels())
		}
	}
	return out
}

// felixLabels are the labels Felix gives a network set: a NetworkSet also carries
// projectcalico.org/namespace and inherits its namespace's labels as pcns.*
// (libcalico-go updateprocessors/networksetprocessor.go).
func (n netSet) felixLabels() map[string]string {
	l := map[string]string{}
	if n.namespace != "" {
		l["pcns.projectcalico.org/name"] = n.namespace
		l["pcns."+policy.NamespaceNameLabel] = n.namespace
		for k, v := range testNamespaces[n.namespace] {
			l["pcns."+k] = v
		}
	}
	for k, v := range n.labels {
		l[k] = v
	}
	if n.namespace != "" {
		l["projectcalico.org/namespace"] = n.namespace
	}
	return l
}

type engineTier struct {
	name          string
	order         float64
	defaultAction calicov3.Action
	policies      []*enginePolicy
}

type enginePolicy struct {
	key       string
	namespace string
	order     float64
	selector  expr
	nsSel     expr
	types     map[calicov3.PolicyType]bool
	ingress   []engineRule
	egress    []engineRule
}

type engineRule struct {
	calicov3.Rule
	src, dst entityMatcher
}

type entityMatcher struct {
	er       calicov3.EntityRule
	sel, ns  expr
	inPolicy string // the NetworkPolicy's namespace, "" for global policies
}

func newEngine(res *calico.Result, sur *surroundings) (*engine, error) {
	e := &engine{sur: sur}
	byName := map[string]*engineTier{"default": {name: "default", order: calicov3.DefaultTierOrder, defaultAction: calicov3.Deny}}
	for _, t := range res.Tiers {
		byName[t.Name] = &engineTier{name: t.Name, order: *t.Spec.Order, defaultAction: *t.Spec.DefaultAction}
	}
	add := func(ns, name, tier string, order *float64, sel, nsSel string, types []calicov3.PolicyType, in, out []calicov3.Rule) error {
		if tier == "" {
			tier = "default"
		}
		t, ok := byName[tier]
		if !ok {
			return fmt.Errorf("policy %s: tier %q does not exist", name, tier)
		}
		p := &enginePolicy{key: name, namespace: ns, order: *order, types: map[calicov3.PolicyType]bool{}}
		if ns != "" {
			p.key = ns + "/" + name
		}
		var err error
		if p.selector, err = parseExpr(sel); err != nil {
			return fmt.Errorf("policy %s: selector: %w", name, err)
		}
		if nsSel != "" {
			if p.nsSel, err = parseExpr(nsSel); err != nil {
				return fmt.Errorf("policy %s: namespaceSelector: %w", name, err)
			}
		}
		if len(types) == 0 {
			// What the API server stores for empty types (libcalico-go clientv3).
			types = []calicov3.PolicyType{calicov3.PolicyTypeIngress}
			if len(out) > 0 {
				types = []calicov3.PolicyType{calicov3.PolicyTypeEgress}
				if len(in) > 0 {
					types = append(types, calicov3.PolicyTypeIngress)
				}
			}
		}
		for _, ty := range types {
			p.types[ty] = true
		}
		for _, rs := range []struct {
			in  []calicov3.Rule
			out *[]engineRule
		}{{in, &p.ingress}, {out, &p.egress}} {
			for _, r := range rs.in {
				er := engineRule{Rule: r}
				if er.src, err = newEntityMatcher(r.Source, ns); err != nil {
					return fmt.Errorf("policy %s: %w", name, err)
				}
				if er.dst, err = newEntityMatcher(r.Destination, ns); err != nil {
					return fmt.Errorf("policy %s: %w", name, err)
				}
				*rs.out = append(*rs.out, er)
			}
		}
		t.policies = append(t.policies, p)
		return nil
	}
	for _, p := range res.NetworkPolicies {
		s := p.Spec
		if err := add(p.Namespace, p.Name, s.Tier, s.Order, s.Selector, "", s.Types, s.Ingress, s.Egress); err != nil {
			return nil, err
		}
	}
	for _, p := range res.GlobalNetworkPolicies {
		s := p.Spec
		if err := add("", p.Name, s.Tier, s.Order, s.Selector, s.NamespaceSelector, s.Types, s.Ingress, s.Egress); err != nil {
			return nil, err
		}
	}
	for _, t := range byName {
		sort.Slice(t.policies, func(i, j int) bool {
			a, b := t.policies[i], t.policies[j]
			if a.order != b.order {
				return a.order < b.order
			}
			return a.key < b.key
		})
		e.tiers = append(e.tiers, t)
	}
	sort.Slice(e.tiers, func(i, j int) bool {
		if e.tiers[i].order != e.tiers[j].order {
			return e.tiers[i].order < e.tiers[j].order
		}
		return e.tiers[i].name < e.tiers[j].name
	})
	return e, nil
}

func newEntityMatcher(er calicov3.EntityRule, ns string) (entityMatcher, error) {
	m := entityMatcher{er: er, inPolicy: ns}
	var err error
	if er.Selector != "" {
		if m.sel, err = parseExpr(er.Selector); err != nil {
			return m, fmt.Errorf("selector: %w", err)
		}
	}
	if er.NamespaceSelector != "" {
		if m.ns, err = parseExpr(er.NamespaceSelector); err != nil {
			return m, fmt.Errorf("namespaceSelector: %w", err)
		}
	}
	if er.NotSelector != "" || er.Services != nil || len(er.NotPorts) > 0 || er.ServiceAccounts != nil && er.ServiceAccounts.Selector != "" {
		return m, fmt.Errorf("entity rule uses fields the engine does not model: %+v", er)
	}
	return m, nil
}

// verdict judges both sides of f: at a pod's workload endpoint, or at a node's host
// endpoint.
func (e *engine) verdict(f policy.Flow) bool {
	if e.policed(f.From) && !e.side(policy.Egress, f.From, f.To, f) {
		return false
	}
	if e.policed(f.To) && !(f.To.Kind == policy.EndpointPod && f.From.Kind == policy.EndpointHost) && !e.side(policy.Ingress, f.To, f.From, f) {
		return false
	}
	return true
}

// policed reports whether ep has an endpoint that policy can select.
func (e *engine) policed(ep policy.Endpoint) bool {
	if ep.Kind == policy.EndpointPod {
		return true
	}
	if e.sur == nil || ep.Kind != policy.EndpointHost && ep.Kind != policy.EndpointRemoteNode || !ep.IP.IsValid() {
		return false
	}
	_, ok := e.sur.hostEndpoints[ep.IP]
	return ok
}

// endpointLabels are the labels of ep's workload or host endpoint.
func (e *engine) endpointLabels(ep policy.Endpoint) map[string]string {
	if ep.Kind == policy.EndpointPod {
		return workloadLabels(ep)
	}
	return e.sur.hostEndpoints[ep.IP]
}

// side judges the workload self in direction d, peer being the other end.
func (e *engine) side(d policy.Direction, self, peer policy.Endpoint, f policy.Flow) bool {
tiers:
	for _, t := range e.tiers {
		took := false
		for _, p := range t.policies {
			if !p.types[calicov3.PolicyType(d)] || !p.selects(e.endpointLabels(self)) {
				continue
			}
			took = true
			rules := p.ingress
			if d == policy.Egress {
				rules = p.egress
			}
			for _, r := range rules {
				if !r.matches(d, self, peer, f, e.sur) {
					continue
				}
				switch r.Action {
				case calicov3.Allow:
					return true
				case calicov3.Deny:
					return false
				case calicov3.Pass:
					continue tiers
				}
			}
		}
		if took && t.defaultAction != calicov3.Pass {
			return false
		}
	}
	return true
}

// selects reports whether the policy selects the endpoint with these labels, as
// libcalico-go's converters make it: a NetworkPolicy only endpoints of its namespace, a
// GlobalNetworkPolicy with a namespaceSelector the endpoints whose pcns.* labels match
// (all() anywhere in its selectors standing for has(projectcalico.org/namespace)).
func (p *enginePolicy) selects(labels map[string]string) bool {
	if labels == nil {
		return false
	}
	if p.namespace != "" {
		return labels["projectcalico.org/namespace"] == p.namespace && p.selector.eval(labels)
	}
	if p.nsSel != nil {
		if !namespaceMatches(p.nsSel, labels) {
			return false
		}
		if _, all := p.selector.(allExpr); all {
			_, ok := labels["projectcalico.org/namespace"]
			return ok
		}
	}
	return p.selector.eval(labels)
}

// namespaceMatches evaluates a namespaceSelector on the pcns.* labels of an endpoint or
// network set; all() is has(projectcalico.org/namespace).
func namespaceMatches(ns expr, labels map[string]string) bool {
	if _, all := ns.(allExpr); all {
		_, ok := labels["projectcalico.org/namespace"]
		return ok
	}
	view := map[string]string{}
	for k, v := range labels {
		if name, ok := strings.CutPrefix(k, "pcns."); ok {
			view[name] = v
		}
	}
	return ns.eval(view)
}

// workloadLabels are the labels Felix gives a pod's workload endpoint: the pod's, those
// of Calico's pod conversion, and its namespace's as pcns.* (namespace profile).
func workloadLabels(ep policy.Endpoint) map[string]string {
	l := map[string]string{"pcns.projectcalico.org/name": ep.Namespace, "pcns." + policy.NamespaceNameLabel: ep.Namespace}
	for k, v := range ep.NamespaceLabels {
		l["pcns."+k] = v
	}
	for k, v := range ep.Labels {
		l[k] = v
	}
	l["projectcalico.org/namespace"] = ep.Namespace
	l["projectcalico.org/orchestrator"] = "k8s"
	if ep.ServiceAccount != "" {
		l["projectcalico.org/serviceaccount"] = ep.ServiceAccount
	}
	return l
}

func (r engineRule) matches(d policy.Direction, self, peer policy.Endpoint, f policy.Flow, sur *surroundings) bool {
	if r.Protocol != nil && !protocolMatches(*r.Protocol, f) {
		return false
	}
	if r.ICMP != nil {
		if f.ICMP == nil || r.ICMP.Type != nil && *r.ICMP.Type != int(f.ICMP.Type) ||
			r.ICMP.Code != nil && (f.ICMP.Code == nil || *r.ICMP.Code != int(*f.ICMP.Code)) {
			return false
		}
	}
	src, dst := peer, self
	if d == policy.Egress {
		src, dst = self, peer
	}
	if !r.src.matches(src, sur) || !r.dst.matches(dst, sur) {
		return false
	}
	if len(r.Source.Ports) > 0 {
		return false // the backend never emits source ports
	}
	if len(r.Destination.Ports) > 0 && !portMatches(r.Destination.Ports, r.Protocol, f) {
		return false
	}
	if r.HTTP != nil && f.HTTP != nil && !httpMatches(r.HTTP, f.HTTP) {
		return false
	}
	return true
}

func protocolMatches(p numorstring.Protocol, f policy.Flow) bool {
	switch p.String() {
	case "ICMP":
		return f.ICMP != nil && f.ICMP.Family == policy.IPv4
	case "ICMPv6":
		return f.ICMP != nil && f.ICMP.Family == policy.IPv6
	}
	return f.ICMP == nil && p.String() == string(f.Protocol)
}

func portMatches(ports []numorstring.Port, proto *numorstring.Protocol, f policy.Flow) bool {
	if f.ICMP != nil || proto == nil {
		return false
	}
	for _, p := range ports {
		if p.PortName != "" {
			np, ok := f.To.NamedPorts[p.PortName]
			if ok && f.To.Kind == policy.EndpointPod && string(np.Protocol) == proto.String() && np.Port == f.Port {
				return true
			}
			continue
		}
		if int32(p.MinPort) <= f.Port && f.Port <= int32(p.MaxPort) {
			return true
		}
	}
	return false
}

// httpMatches follows Dikastes (app-policy/checker matchHTTP): a method list (if any) and
// a path list (if any) must both admit the request; paths are matched after the query
// string and then the fragment are cut off.
func httpMatches(m *calicov3.HTTPMatch, req *policy.HTTPRequest) bool {
	if len(m.Methods) > 0 {
		ok := false
		for _, x := range m.Methods {
			ok = ok || x == req.Method
		}
		if !ok {
			return false
		}
	}
	if len(m.Paths) == 0 {
		return true
	}
	path := req.Path
	for _, sep := range []string{"?", "#"} {
		path, _, _ = strings.Cut(path, sep)
	}
	for _, p := range m.Paths {
		if p.Exact != "" && path == p.Exact || p.Prefix != "" && strings.HasPrefix(path, p.Prefix) {
			return true
		}
	}
	return false
}

func (m entityMatcher) matches(ep policy.Endpoint, sur *surroundings) bool {
	er := m.er
	if len(er.Nets) > 0 && !inNets(er.Nets, ep.IP) {
		return false
	}
	if len(er.NotNets) > 0 && inNets(er.NotNets, ep.IP) {
		return false
	}
	selects := er.Selector != "" || er.ServiceAccounts != nil || er.NamespaceSelector != ""
	if !selects {
		return true
	}
	for _, labels := range sur.members(ep) {
		if m.selects(labels) {
			return true
		}
	}
	return false
}

// selects reports whether the rule's selectors match the labels of an endpoint or
// network set.
func (m entityMatcher) selects(labels map[string]string) bool {
	switch {
	case m.ns != nil:
		if !namespaceMatches(m.ns, labels) {
			return false
		}
	case m.inPolicy != "":
		if labels["projectcalico.org/namespace"] != m.inPolicy {
			return false
		}
	}
	if m.sel != nil && !m.sel.eval(labels) {
		return false
	}
	if sa := m.er.ServiceAccounts; sa != nil {
		ok := false
		for _, n := range sa.Names {
			ok = ok || n == labels["projectcalico.org/serviceaccount"]
		}
		if !ok {
			return false
		}
	}
	return true
}

func inNets(nets []string, ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	for _, n := range nets {
		if netip.MustParsePrefix(n).Contains(ip) {
			return true
		}
	}
	return false
}

// expr is a parsed selector expression.
type expr interface {
	eval(labels map[string]string) bool
}

type (
	allExpr struct{}
	andExpr []expr
	orExpr  []expr
	notExpr struct{ x expr }
	hasExpr string
	eqExpr  struct{ key, value string }
	inExpr  struct {
		key    string
		values []string
		not    bool
	}
)

func (allExpr) eval(map[string]string) bool { return true }

func (a andExpr) eval(l map[string]string) bool {
	for _, x := range a {
		if !x.eval(l) {
			return false
		}
	}
	return true
}

func (o orExpr) eval(l map[string]string) bool {
	for _, x := range o {
		if x.eval(l) {
			return true
		}
	}
	return false
}

func (n notExpr) eval(l map[string]string) bool { return !n.x.eval(l) }

func (h hasExpr) eval(l map[string]string) bool {
	_, ok := l[string(h)]
	return ok
}

func (e eqExpr) eval(l map[string]string) bool {
	v, ok := l[e.key]
	return ok && v == e.value
}

func (in inExpr) eval(l map[string]string) bool {
	v, ok := l[in.key]
	found := false
	for _, x := range in.values {
		found = found || ok && x == v
	}
	return found != in.not
}

// parseExpr parses the selector forms the backend emits:
//
//	expr  = and { "||" and }
//	and   = unary { "&&" unary }
//	unary = "!" unary | "(" expr ")" | "all()" | "has(" key ")" | key "==" str
//	      | key "in" set | key "not in" set
//	set   = "{" str { "," str } "}"
func parseExpr(s string) (expr, error) {
	p := &parser{s: s}
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("selector %q: unexpected %q", s, p.s[p.i:])
	}
	return x, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *parser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *parser) or() (expr, error) {
	var xs orExpr
	for {
		x, err := p.and()
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
		if !p.eat("||") {
			break
		}
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	return xs, nil
}

func (p *parser) and() (expr, error) {
	var xs andExpr
	for {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
		if !p.eat("&&") {
			break
		}
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	return xs, nil
}

func (p *parser) unary() (expr, error) {
	switch {
	case p.eat("!"):
		x, err := p.unary()
		return notExpr{x}, err
	case p.eat("("):
		x, err := p.or()
		if err == nil && !p.eat(")") {
			err = fmt.Errorf("selector %q: missing ) at %d", p.s, p.i)
		}
		return x, err
	case p.eat("all()"):
		return allExpr{}, nil
	case p.eat("has("):
		k := p.key()
		if k == "" || !p.eat(")") {
			return nil, fmt.Errorf("selector %q: bad has() at %d", p.s, p.i)
		}
		return hasExpr(k), nil
	}
	k := p.key()
	if k == "" {
		return nil, fmt.Errorf("selector %q: expected a label at %d", p.s, p.i)
	}
	switch {
	case p.eat("=="):
		v, err := p.str()
		return eqExpr{k, v}, err
	case p.eat("not in"):
		vs, err := p.set()
		return inExpr{k, vs, true}, err
	case p.eat("in"):
		vs, err := p.set()
		return inExpr{k, vs, false}, err
	}
	return nil, fmt.Errorf("selector %q: expected an operator at %d", p.s, p.i)
}

// key reads a label name: the characters libcalico-go's tokenizer allows in identifiers.
func (p *parser) key() string {
	p.space()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_./-", c) >= 0 {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *parser) str() (string, error) {
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '\'' && p.s[p.i] != '"' {
		return "", fmt.Errorf("selector %q: expected a string at %d", p.s, p.i)
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("selector %q: unterminated string", p.s)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *parser) set() ([]string, error) {
	if !p.eat("{") {
		return nil, fmt.Errorf("selector %q: expected { at %d", p.s, p.i)
	}
	var vs []string
	for {
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
		if p.eat("}") {
			return vs, nil
		}
		if !p.eat(",") {
			return nil, fmt.Errorf("selector %q: expected , or } at %d", p.s, p.i)
		}
	}
}
