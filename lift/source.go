package lift

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/netintent/netintent/internal/goexpr"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SourceOption changes what Source writes.
type SourceOption func(*sourceOptions)

type sourceOptions struct {
	pkg, fn string
}

// PackageName sets the package clause of the file Source writes ("intent" by default: a
// file to add to a program, which calls intent.Set()).
func PackageName(name string) SourceOption { return func(o *sourceOptions) { o.pkg = name } }

// FuncName sets the name of the function Source writes ("Set" by default).
func FuncName(name string) SourceOption { return func(o *sourceOptions) { o.fn = name } }

// Source renders set as a gofmt'd Go file holding one function that builds and returns
// a Set equal in meaning (the same verdict for every flow), written with the fluent API
// of package policy as a person would write it:
//
//   - a pod group selected only by the Set's service label is a service
//     (set.ServiceIn(ns, name)), a pod peer selecting one service is policy.Service(name)
//     in the rule's own namespace and policy.ServiceIn(ns, name) elsewhere, and the
//     namespace with the most services is the Set's DefaultNamespace (set.Service(name));
//   - rules keep their peers and ports grouped as the Set has them;
//   - OneSided() is written only where it changes something: on rules with a peer
//     naming workloads, the only peers mirroring reads;
//   - a one-sided ingress rule B.AllowFrom(X).OneSided() and one-sided egress rules of
//     the other ends, A.AllowTo(B).OneSided() with the same ports, become one edge
//     B.AllowFrom(X) where mirroring derives exactly those egress rules (see mergeEdges):
//     lifted Sets, whose allows are all one-sided, read as edges again.
//
// What the Model derives (mirrored and inherited rules, derived policies, the DNS
// lookups of FQDN peers) is not written: the Set built derives it again. A direction a
// policy isolates without an allow rule left to say so gets an explicit DefaultDeny.
//
// An invalid Set is an error, as is a construct Source cannot write; nothing is dropped.
func Source(set *policy.Set, opts ...SourceOption) ([]byte, error) {
	o := sourceOptions{pkg: "intent", fn: "Set"}
	for _, opt := range opts {
		opt(&o)
	}
	for _, id := range []struct{ what, name string }{{"package", o.pkg}, {"function", o.fn}} {
		if !token.IsIdentifier(id.name) {
			return nil, fmt.Errorf("lift: the %s name %q is not a Go identifier", id.what, id.name)
		}
	}
	m, err := set.Model()
	if err != nil {
		return nil, fmt.Errorf("lift: the Set is invalid: %w", err)
	}
	r, err := newRenderer(m)
	if err != nil {
		return nil, err
	}
	body, err := r.body()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "package %s\n\n", o.pkg)
	if strings.Contains(body, "metav1.") {
		b.WriteString("import (\n\t\"github.com/netintent/netintent/policy\"\n\tmetav1 \"k8s.io/apimachinery/pkg/apis/meta/v1\"\n)\n")
	} else {
		b.WriteString("import \"github.com/netintent/netintent/policy\"\n")
	}
	fmt.Fprintf(&b, "\n// %s returns the Set.\nfunc %s() *policy.Set {\n%s\treturn set\n}\n", o.fn, o.fn, body)
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("lift: the rendered source does not parse: %w", err)
	}
	return out, nil
}

// decl is a policy the Set declared, as Source writes it.
type decl struct {
	p *policy.Policy
	// root is the builder that declared it ("services", "pods", "namespaces", "cluster",
	// "hosts"), key the name it was given ("ns/name" in a namespace).
	root, key string
	// service is the service name when it is written as a service.
	service string
	// ingress and egress are its written rules, as Source writes them.
	ingress, egress []*srcRule
}

// srcRule is a written rule: its peers (some taken out by mergeEdges), and whether it is
// written one-sided and as AllowSameNamespace.
type srcRule struct {
	rule          *policy.Rule
	peers         []policy.Peer
	oneSided      bool
	sameNamespace bool
}

type renderer struct {
	m         *policy.Model
	decls     []*decl
	defaultNS string
	// selectorKeys caches selectorKey: the Model shares one selector between equal peers
	// and subjects.
	selectorKeys map[*metav1.LabelSelector]string
	// nsSelectors is set when a peer selects namespaces by labels: whether such a peer
	// selects an isolated namespace's pods depends on whether the Set declares the
	// namespace's labels (see namespaceLabels).
	nsSelectors bool
}

func newRenderer(m *policy.Model) (*renderer, error) {
	r := &renderer{m: m, selectorKeys: map[*metav1.LabelSelector]string{}}
	// mirroredFrom holds the paths of the rules some rule is mirrored from.
	mirroredFrom := map[string]bool{}
	for _, p := range m.Policies {
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			for _, rule := range p.Rules(d) {
				if rule.Mirrored {
					mirroredFrom[rule.Path.String()] = true
				}
				for _, x := range rule.Peers {
					r.nsSelectors = r.nsSelectors || x.NamespaceSelector != nil && namedNamespace(x.NamespaceSelector) == ""
				}
			}
		}
	}
	r.nsSelectors = r.nsSelectors || m.DNS.NamespaceSelector != nil && namedNamespace(m.DNS.NamespaceSelector) == ""
	services := map[string]int{} // by "ns/name": the builders set.ServiceIn(ns, name) would return
	for _, p := range m.Policies {
		if p.Derived {
			continue
		}
		root, key, ok := splitPath(p.Path.String())
		if !ok {
			return nil, fmt.Errorf("lift: cannot render the policy declared at %s", p.Path)
		}
		d := &decl{p: p, root: root, key: key}
		if root == "services" {
			services[key]++
			d.service = p.Subject.Service
		}
		for _, dir := range []policy.Direction{policy.Ingress, policy.Egress} {
			seen := map[string]bool{}
			for i := range p.Rules(dir) {
				rule := &p.Rules(dir)[i]
				// The DNS lookups of FQDN peers follow the rule they serve, with its path.
				if !rule.Written() || seen[rule.Path.String()] {
					continue
				}
				seen[rule.Path.String()] = true
				sr := &srcRule{rule: rule, peers: namedNamespaces(rule.Peers), oneSided: rule.OneSided}
				sr.sameNamespace = root == "namespaces" && dir == policy.Ingress && isSameNamespace(p, rule) && mirroredFrom[rule.Path.String()]
				if dir == policy.Ingress {
					d.ingress = append(d.ingress, sr)
				} else {
					d.egress = append(d.egress, sr)
				}
			}
		}
		r.decls = append(r.decls, d)
	}
	// A pod group selected by the service label alone is the service, unless another
	// builder already stands for that service.
	candidates := map[string]int{}
	for _, d := range r.decls {
		if v := r.serviceOf(d); v != "" {
			candidates[d.p.Subject.Namespace+"/"+v]++
		}
	}
	count := map[string]int{}
	for _, d := range r.decls {
		if v := r.serviceOf(d); v != "" {
			if k := d.p.Subject.Namespace + "/" + v; candidates[k] == 1 && services[k] == 0 {
				d.service = v
			}
		}
		if d.service != "" {
			count[d.p.Subject.Namespace]++
		}
	}
	for _, ns := range slices.Sorted(maps.Keys(count)) {
		if count[ns] > count[r.defaultNS] {
			r.defaultNS = ns
		}
	}
	r.mergeEdges()
	return r, nil
}

// namedNamespaces returns peers with every namespace selector that selects one namespace
// by its name label alone written as that namespace (NetworkPolicy has no other way to
// name a namespace): the evaluator and mirroring judge both alike, since every namespace
// carries its name label.
func namedNamespaces(peers []policy.Peer) []policy.Peer {
	var out []policy.Peer
	for i := range peers {
		if ns := namedNamespace(peers[i].NamespaceSelector); ns != "" {
			if out == nil {
				out = slices.Clone(peers)
			}
			out[i].NamespaceSelector, out[i].Namespace = nil, ns
		}
	}
	if out == nil {
		return peers
	}
	return out
}

// namedNamespace returns the name of the one namespace sel selects by name, if it is
// {kubernetes.io/metadata.name: name}.
func namedNamespace(sel *metav1.LabelSelector) string {
	if sel == nil || len(sel.MatchExpressions) > 0 || len(sel.MatchLabels) != 1 {
		return ""
	}
	return sel.MatchLabels[policy.NamespaceNameLabel]
}

// serviceOf returns the service a pod group selects by the service label alone, if any.
func (r *renderer) serviceOf(d *decl) string {
	s := &d.p.Subject
	if d.root != "pods" || s.Scope != policy.ScopeNamespace {
		return ""
	}
	return serviceLabelled(&s.Pods, r.m.ServiceLabel)
}

// serviceLabelled returns v when sel is exactly {label: v}.
func serviceLabelled(sel *metav1.LabelSelector, label string) string {
	if sel == nil || len(sel.MatchExpressions) > 0 || len(sel.MatchLabels) != 1 {
		return ""
	}
	return sel.MatchLabels[label]
}

// isSameNamespace reports whether rule reads as AllowSameNamespace: an allow, mirrored,
// from every pod of the policy's own namespace, on every port. The caller checks that it
// is mirrored somewhere, which AllowFrom(policy.SameNamespace()) never is (a peer naming
// a namespace names no workload); where nothing isolates the egress of its pods, the two
// are the same.
func isSameNamespace(p *policy.Policy, rule *policy.Rule) bool {
	if rule.Action != policy.Allow || rule.OneSided || len(rule.Peers) != 1 || !rule.AllTraffic() || rule.HasL7() {
		return false
	}
	x := &rule.Peers[0]
	return x.Kind == policy.PeerPods && x.Namespace == p.Subject.Namespace && x.NamespaceSelector == nil && !x.AllNamespaces &&
		isEmpty(x.PodSelector) && x.ServiceAccount == "" && x.Cluster == ""
}

// splitPath splits a policy's path "services[ns/name]" into "services" and "ns/name".
func splitPath(path string) (root, key string, ok bool) {
	root, rest, found := strings.Cut(path, "[")
	if !found || !strings.HasSuffix(rest, "]") {
		return "", "", false
	}
	switch root {
	case "services", "pods", "namespaces", "cluster", "hosts":
		return root, strings.TrimSuffix(rest, "]"), true
	}
	return "", "", false
}

// mirrorable reports whether mirroring reads the peer (docs/semantics.md, "Both ends:
// mirroring"): a pod peer of the local cluster naming workloads by a pod selector, not
// by a service account.
func mirrorable(x *policy.Peer) bool {
	return x.Kind == policy.PeerPods && x.Cluster == "" && x.ServiceAccount == "" && !isEmpty(x.PodSelector)
}

// mergeEdges makes one-sided ingress rules edges again where that is exact, and takes the
// egress rules they make redundant out.
//
// A rule B.AllowFrom(X...).OneSided() without DNS lookup matches, made two-sided, is
// mirrored (policy/mirror.go): for every peer X it reads (mirrorable), every untiered
// policy Q isolating the egress of some of X's pods gets, for Q's pods in X, an L3/L4
// allow to B's pods on the rule's ports and ICMP; Q's pods outside X get nothing. That
// adds exactly what is taken out when, for every such X:
//
//   - X is exactly the pods of a declared policy A (same namespace, equal selector), A is
//     untiered (a tiered policy receives no mirrored rule, and its rules' order counts)
//     and enforced, and so is B (an audited end sends the mirrored rule to an audited
//     policy); B may be tiered: mirroring reads tiered allows too, and B's rule keeps
//     its place;
//   - A has a one-sided egress allow without L7 on the same ports and ICMP with a peer
//     that is exactly B's pods; that peer is taken out of it (the rule with it, when it
//     was its only peer).
//
// Then every pod of X isolates egress (A does: a direction A isolates keeps a DefaultDeny
// when no allow rule is left to isolate it) and its egress allowed B's pods on those
// ports before, through A, as it does after, through the rule mirrored into A (or into
// the policy of Q ∩ X, whose pods A also selects): the union of allows at each pod is
// unchanged. The peers of B's rule that no A matches stay one-sided, in a rule of their
// own right after it: two allows with the same ports and L7 match what one with the
// peers of both matches, in a tier too. Anything else stays as it is.
func (r *renderer) mergeEdges() {
	type slot struct {
		rule *srcRule
		peer int
	}
	eligible := func(p *policy.Policy) bool {
		return p.Mode == policy.Enforce && p.Subject.Scope == policy.ScopeNamespace
	}
	// slots holds the peers of the egress rules that a merge may take out, by the pods of
	// the policy, the peer's pods and the rule's traffic.
	slots := map[string][]slot{}
	for _, a := range r.decls {
		if !eligible(a.p) || a.p.Tier != "" {
			continue
		}
		for _, sr := range a.egress {
			if !sr.oneSided || sr.rule.Action != policy.Allow || sr.rule.HasL7() {
				continue
			}
			for j := range sr.peers {
				x := &sr.peers[j]
				if x.Kind != policy.PeerPods || x.Namespace == "" || x.ServiceAccount != "" || x.Cluster != "" {
					continue
				}
				k := r.edgeKey(a.p.Subject.Namespace, &a.p.Subject.Pods, x.Namespace, x.PodSelector, sr.rule)
				slots[k] = append(slots[k], slot{sr, j})
			}
		}
	}
	taken := map[*srcRule][]bool{}
	for _, b := range r.decls {
		if !eligible(b.p) {
			continue
		}
		var rules []*srcRule
		for _, sr := range b.ingress {
			rules = append(rules, sr)
			if !sr.oneSided || sr.rule.Action != policy.Allow || len(sr.rule.DNS) > 0 {
				continue
			}
			var use []slot
			var edge, rest []policy.Peer // the peers of the edge, and those left one-sided
			for i := range sr.peers {
				x := &sr.peers[i]
				if !mirrorable(x) {
					edge = append(edge, *x)
					continue
				}
				found := false
				if x.Namespace != "" {
					k := r.edgeKey(x.Namespace, x.PodSelector, b.p.Subject.Namespace, &b.p.Subject.Pods, sr.rule)
					for _, s := range slots[k] {
						if (taken[s.rule] == nil || !taken[s.rule][s.peer]) && !slices.Contains(use, s) {
							use, found = append(use, s), true
							break
						}
					}
				}
				if found {
					edge = append(edge, *x)
				} else {
					rest = append(rest, *x)
				}
			}
			if len(use) == 0 {
				continue
			}
			// An allow rule is the union of its peers: the peers of the edge and the others
			// are two rules, with the same ports and L7.
			sr.oneSided, sr.peers = false, edge
			if len(rest) > 0 {
				rules = append(rules, &srcRule{rule: sr.rule, peers: rest, oneSided: true})
			}
			for _, s := range use {
				if taken[s.rule] == nil {
					taken[s.rule] = make([]bool, len(s.rule.peers))
				}
				taken[s.rule][s.peer] = true
			}
		}
		b.ingress = rules
	}
	for _, a := range r.decls {
		kept := a.egress[:0]
		for _, sr := range a.egress {
			if t := taken[sr]; t != nil {
				var peers []policy.Peer
				for j, x := range sr.peers {
					if !t[j] {
						peers = append(peers, x)
					}
				}
				if len(peers) == 0 {
					continue
				}
				sr.peers = peers
			}
			kept = append(kept, sr)
		}
		a.egress = kept
	}
}

// edgeKey identifies the pods at one end, at the other, and a rule's L3/L4 traffic.
func (r *renderer) edgeKey(ns string, pods *metav1.LabelSelector, otherNS string, other *metav1.LabelSelector, rule *policy.Rule) string {
	traffic := make([]string, 0, len(rule.Ports)+len(rule.ICMP))
	for _, pt := range rule.Ports {
		traffic = append(traffic, fmt.Sprintf("%s/%d-%d/%s", pt.Protocol, pt.Port, pt.EndPort, pt.Name))
	}
	for _, c := range rule.ICMP {
		code := "*"
		if c.Code != nil {
			code = strconv.Itoa(int(*c.Code))
		}
		traffic = append(traffic, fmt.Sprintf("%s/%d/%s", c.Family, c.Type, code))
	}
	slices.Sort(traffic)
	traffic = slices.Compact(traffic)
	return ns + "|" + r.selectorKey(pods) + "|" + otherNS + "|" + r.selectorKey(other) + "|" + strings.Join(traffic, ",")
}

// selectorKey is a canonical text of a selector: equal for selectors equal as sets of
// requirements, empty for one selecting everything.
func (r *renderer) selectorKey(sel *metav1.LabelSelector) string {
	if isEmpty(sel) {
		return ""
	}
	if k, ok := r.selectorKeys[sel]; ok {
		return k
	}
	k := "\x00" + sel.String() // matches no other selector
	if s, err := metav1.LabelSelectorAsSelector(sel); err == nil {
		k = s.String()
	}
	r.selectorKeys[sel] = k
	return k
}

// body renders the statements of the function.
func (r *renderer) body() (string, error) {
	var b strings.Builder
	var opts []string
	if r.m.ServiceLabel != "app" {
		opts = append(opts, fmt.Sprintf("policy.ServiceLabel(%q)", r.m.ServiceLabel))
	}
	if r.defaultNS != "" {
		opts = append(opts, fmt.Sprintf("policy.DefaultNamespace(%q)", r.defaultNS))
	}
	if !isKubeDNS(&r.m.DNS) || !slices.Equal(r.m.DNSPorts, defaultDNSPorts) {
		peer, err := r.peer("", &namedNamespaces([]policy.Peer{r.m.DNS})[0])
		if err != nil {
			return "", fmt.Errorf("lift: cannot render the DNS service: %w", err)
		}
		args := []string{peer}
		for _, pt := range r.m.DNSPorts {
			args = append(args, portLiteral(pt))
		}
		opts = append(opts, "policy.DNSService("+strings.Join(args, ", ")+")")
	}
	fmt.Fprintf(&b, "set := policy.NewSet(%s)\n", strings.Join(opts, ", "))
	for _, t := range r.m.Tiers {
		fmt.Fprintf(&b, "set.Tier(%q, %s)", t.Name, strconv.FormatFloat(t.Order, 'g', -1, 64))
		if t.DefaultAction == policy.Pass {
			b.WriteString(".DefaultPass()")
		}
		b.WriteString("\n")
	}
	for _, d := range r.decls {
		if err := r.decl(&b, d); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

var defaultDNSPorts = []policy.Port{{Protocol: policy.UDP, Port: 53}, {Protocol: policy.TCP, Port: 53}}

func portLiteral(pt policy.Port) string {
	s := "policy.Port{Protocol: " + protocolExpr(pt.Protocol)
	if pt.Port != 0 {
		s += fmt.Sprintf(", Port: %d", pt.Port)
	}
	if pt.EndPort != 0 {
		s += fmt.Sprintf(", EndPort: %d", pt.EndPort)
	}
	if pt.Name != "" {
		s += fmt.Sprintf(", Name: %q", pt.Name)
	}
	return s + "}"
}

func protocolExpr(p policy.Protocol) string {
	switch p {
	case policy.TCP, policy.UDP, policy.SCTP:
		return "policy." + string(p)
	}
	return fmt.Sprintf("policy.Protocol(%q)", p)
}

// chain writes one statement: a builder and the calls chained on it, one per line.
type chain struct {
	b     *strings.Builder
	calls []string
}

func (c *chain) add(call string) { c.calls = append(c.calls, call) }

// flush writes the statement, if any, and starts the next from head.
func (c *chain) flush(head string) {
	if len(c.calls) > 0 {
		c.b.WriteString(strings.Join(c.calls, ".\n"))
		c.b.WriteString("\n")
	}
	c.calls = []string{head}
}

// decl writes the statements declaring d.
func (r *renderer) decl(b *strings.Builder, d *decl) error {
	p := d.p
	s := &p.Subject
	var head, defaultName string
	switch d.root {
	case "services", "pods":
		_, name, _ := strings.Cut(d.key, "/")
		switch {
		case d.service != "" && s.Namespace == r.defaultNS:
			head, defaultName = fmt.Sprintf("set.Service(%q)", d.service), d.service
		case d.service != "":
			head, defaultName = fmt.Sprintf("set.ServiceIn(%q, %q)", s.Namespace, d.service), d.service
		case d.root == "services":
			head, defaultName = fmt.Sprintf("set.ServiceIn(%q, %q)", s.Namespace, name), name
		default:
			head, defaultName = fmt.Sprintf("set.Pods(%q, %q, %s)", s.Namespace, name, goexpr.Selector(&s.Pods)), name
		}
	case "namespaces":
		head, defaultName = fmt.Sprintf("set.Namespace(%q)", d.key), "namespace-defaults"
	case "cluster":
		head, defaultName = fmt.Sprintf("set.Cluster(%q)", d.key), d.key
	default:
		head, defaultName = fmt.Sprintf("set.Host(%q)", d.key), d.key
	}
	c := &chain{b: b}
	c.flush(head)
	// The methods of namespace defaults come first: a Workload's methods return the
	// Workload, which has none of them.
	if d.root == "namespaces" {
		if labels, ok := r.namespaceLabels(d.key); ok {
			c.add("Labels(" + goexpr.Map(labels) + ")")
		}
	}
	if p.Name != defaultName {
		c.add(fmt.Sprintf("Named(%q)", p.Name))
	}
	hasAllow := func(rules []*srcRule) bool {
		return slices.ContainsFunc(rules, func(sr *srcRule) bool { return sr.rule.Action == policy.Allow })
	}
	denyIn := p.Isolates(policy.Ingress) && !hasAllow(d.ingress)
	denyOut := p.Isolates(policy.Egress) && !hasAllow(d.egress)
	switch {
	case denyIn && denyOut:
		c.add("DefaultDeny()")
	case denyIn:
		c.add("DefaultDenyIngress()")
	case denyOut:
		c.add("DefaultDenyEgress()")
	}
	if p.Isolates(policy.Egress) && (!p.DNS || p.DNSInherited) {
		c.add("WithoutDNS()")
	}
	if p.Mode == policy.Audit {
		c.add("Audit()")
	}
	if len(p.Labels) > 0 {
		c.add("WithLabels(" + goexpr.Map(p.Labels) + ")")
	}
	if len(p.Annotations) > 0 {
		c.add("WithAnnotations(" + goexpr.Map(p.Annotations) + ")")
	}
	// nsMethods says whether the chain still returns *policy.NamespaceDefaults.
	nsMethods := d.root == "namespaces"
	if (d.root == "services" && d.service == "") || d.root == "cluster" && !isEmpty(&s.Pods) {
		c.add("Select(" + goexpr.Selector(&s.Pods) + ")")
		nsMethods = false
	}
	if d.root == "hosts" && !isEmpty(&s.Nodes) {
		c.add("Select(" + goexpr.Selector(&s.Nodes) + ")")
	}
	if s.NamespaceSelector != nil {
		c.add("InNamespaces(" + goexpr.Selector(s.NamespaceSelector) + ")")
	}
	if p.Tier != "" {
		c.add(fmt.Sprintf("InTier(%q, %s)", p.Tier, strconv.FormatFloat(p.Order, 'g', -1, 64)))
		nsMethods = false
	}
	for _, dir := range []policy.Direction{policy.Ingress, policy.Egress} {
		rules := d.ingress
		if dir == policy.Egress {
			rules = d.egress
		}
		for _, sr := range rules {
			if sr.sameNamespace {
				if !nsMethods {
					c.flush(head)
				}
				c.add("AllowSameNamespace()")
				nsMethods = true
				continue
			}
			call, err := r.rule(p, dir, sr)
			if err != nil {
				return fmt.Errorf("lift: cannot render %s: %w", sr.rule.Path, err)
			}
			c.add(call)
			nsMethods = false
		}
	}
	if d.root == "namespaces" && len(c.calls) == 1 {
		// Namespace defaults without rules, isolation or labels to declare mean nothing:
		// the Set only named the namespace (a lifted Set does, for every Namespace object).
		return nil
	}
	c.flush("")
	return nil
}

// namespaceLabels returns the labels to declare for a namespace the Set has defaults for,
// and false when none need declaring: it declares those beyond the name label Kubernetes
// sets; and, where a peer selects namespaces by labels, declares it has none (nil), since
// mirroring such a peer's rule into the namespace needs its labels. The Set may not have
// declared them: it still meant the same, or it would have been invalid.
func (r *renderer) namespaceLabels(ns string) (map[string]string, bool) {
	i, found := slices.BinarySearchFunc(r.m.Namespaces, ns, func(n policy.NamespaceInfo, name string) int { return strings.Compare(n.Name, name) })
	if !found {
		return nil, false
	}
	labels := maps.Clone(r.m.Namespaces[i].Labels)
	delete(labels, policy.NamespaceNameLabel)
	return labels, len(labels) > 0 || r.nsSelectors
}

// rule renders one rule, its peers and what it matches.
func (r *renderer) rule(p *policy.Policy, dir policy.Direction, sr *srcRule) (string, error) {
	rule := sr.rule
	var verb string
	switch rule.Action {
	case policy.Allow:
		verb = "Allow"
	case policy.Deny:
		verb = "Deny"
	case policy.Pass:
		verb = "Pass"
	default:
		return "", fmt.Errorf("unknown action %q", rule.Action)
	}
	if dir == policy.Ingress {
		verb += "From"
	} else {
		verb += "To"
	}
	ns := ""
	if p.Subject.Scope == policy.ScopeNamespace {
		ns = p.Subject.Namespace
	}
	peers := make([]string, len(sr.peers))
	for i := range sr.peers {
		x, err := r.peer(ns, &sr.peers[i])
		if err != nil {
			return "", err
		}
		peers[i] = x
	}
	var b strings.Builder
	b.WriteString(verb + "(" + strings.Join(peers, ", ") + ")")
	writePorts(&b, rule.Ports)
	for _, c := range rule.ICMP {
		name := "ICMP"
		if c.Family == policy.IPv6 {
			name = "ICMPv6"
		}
		if c.Code != nil {
			fmt.Fprintf(&b, ".%s(%d, %d)", name, c.Type, *c.Code)
		} else {
			fmt.Fprintf(&b, ".%s(%d)", name, c.Type)
		}
	}
	for _, h := range rule.HTTP {
		x, err := httpCall(h)
		if err != nil {
			return "", err
		}
		b.WriteString(x)
	}
	if len(rule.DNS) > 0 {
		b.WriteString(".DNS(" + goexpr.Quoted(rule.DNS) + ")")
	}
	if sr.oneSided && slices.ContainsFunc(sr.peers, func(x policy.Peer) bool { return mirrorable(&x) }) {
		b.WriteString(".OneSided()")
	}
	return b.String(), nil
}

// writePorts writes the calls narrowing a rule to its ports, consecutive single ports of
// one protocol in one call: .TCP(80, 443).
func writePorts(b *strings.Builder, ports []policy.Port) {
	for i := 0; i < len(ports); {
		pt := ports[i]
		single := func(q policy.Port) bool {
			return q.Protocol == pt.Protocol && q.Name == "" && q.Port != 0 && q.EndPort == 0
		}
		if !single(pt) || (pt.Protocol != policy.TCP && pt.Protocol != policy.UDP && pt.Protocol != policy.SCTP) {
			if pt.Protocol != policy.TCP && pt.Protocol != policy.UDP && pt.Protocol != policy.SCTP {
				b.WriteString(".Port(" + portLiteral(pt) + ")")
			} else {
				b.WriteString(goexpr.Port(string(pt.Protocol), pt.Port, pt.EndPort, pt.Name))
			}
			i++
			continue
		}
		var nums []string
		for ; i < len(ports) && single(ports[i]); i++ {
			nums = append(nums, strconv.Itoa(int(ports[i].Port)))
		}
		fmt.Fprintf(b, ".%s(%s)", pt.Protocol, strings.Join(nums, ", "))
	}
}

func httpCall(h policy.HTTPMatch) (string, error) {
	if h.Host == "" && len(h.Headers) == 0 {
		switch h.PathKind {
		case policy.PathExact, "":
			return fmt.Sprintf(".HTTP(%q, %q)", h.Method, h.Path), nil
		case policy.PathPrefix:
			return fmt.Sprintf(".HTTPPrefix(%q, %q)", h.Method, h.Path), nil
		case policy.PathRegex:
			return fmt.Sprintf(".HTTPRegex(%q, %q)", h.Method, h.Path), nil
		}
	}
	var kind string
	switch h.PathKind {
	case policy.PathExact, "":
		kind = "policy.PathExact"
	case policy.PathPrefix:
		kind = "policy.PathPrefix"
	case policy.PathRegex:
		kind = "policy.PathRegex"
	default:
		return "", fmt.Errorf("unknown HTTP path kind %q", h.PathKind)
	}
	fields := []string{}
	if h.Method != "" {
		fields = append(fields, fmt.Sprintf("Method: %q", h.Method))
	}
	if h.Path != "" {
		fields = append(fields, fmt.Sprintf("Path: %q", h.Path), "PathKind: "+kind)
	}
	if h.Host != "" {
		fields = append(fields, fmt.Sprintf("Host: %q", h.Host))
	}
	if len(h.Headers) > 0 {
		hs := make([]string, len(h.Headers))
		for i, x := range h.Headers {
			hs[i] = fmt.Sprintf("{Name: %q, Value: %q}", x.Name, x.Value)
		}
		fields = append(fields, "Headers: []policy.Header{"+strings.Join(hs, ", ")+"}")
	}
	return ".HTTPRequest(policy.HTTPMatch{" + strings.Join(fields, ", ") + "})", nil
}

// peer renders a peer of a rule of a policy in namespace own (empty for cluster and host
// policies and the Set's options).
func (r *renderer) peer(own string, x *policy.Peer) (string, error) {
	switch x.Kind {
	case policy.PeerAny:
		return "policy.Any()", nil
	case policy.PeerCIDR:
		args := []string{strconv.Quote(x.CIDR.String())}
		for _, e := range x.Except {
			args = append(args, strconv.Quote(e.String()))
		}
		return "policy.CIDR(" + strings.Join(args, ", ") + ")", nil
	case policy.PeerFQDN:
		return fmt.Sprintf("policy.FQDN(%q)", x.FQDN), nil
	case policy.PeerEntity:
		switch x.Entity {
		case policy.EntityWorld:
			return "policy.World()", nil
		case policy.EntityCluster:
			return "policy.WholeCluster()", nil
		case policy.EntityHost:
			return "policy.Host()", nil
		case policy.EntityRemoteNode:
			return "policy.RemoteNodes()", nil
		case policy.EntityKubeAPIServer:
			return "policy.KubeAPIServer()", nil
		}
		return "", fmt.Errorf("unknown entity %q", x.Entity)
	case policy.PeerPods:
	default:
		return "", fmt.Errorf("unknown peer kind %q", x.Kind)
	}
	var s string
	pods := x.PodSelector
	svc := ""
	if x.Namespace != "" {
		svc = serviceLabelled(pods, r.m.ServiceLabel)
	}
	switch {
	case isKubeDNS(&policy.Peer{Kind: policy.PeerPods, Namespace: x.Namespace, PodSelector: pods}):
		s, pods = "policy.KubeDNS()", nil
	case svc != "" && x.Namespace == own:
		s, pods = fmt.Sprintf("policy.Service(%q)", svc), nil
	case svc != "":
		s, pods = fmt.Sprintf("policy.ServiceIn(%q, %q)", x.Namespace, svc), nil
	case x.Namespace != "" && x.Namespace == own && !isEmpty(pods):
		s, pods = "policy.Pods("+goexpr.Selector(pods)+")", nil
	case x.Namespace != "" && x.Namespace == own:
		s = "policy.SameNamespace()"
	case x.Namespace != "" && !isEmpty(pods):
		s, pods = fmt.Sprintf("policy.PodsIn(%q, %s)", x.Namespace, goexpr.Selector(pods)), nil
	case x.Namespace != "" && x.ServiceAccount != "":
		return fmt.Sprintf("policy.ServiceAccount(%q, %q)", x.Namespace, x.ServiceAccount) + inCluster(x.Cluster), nil
	case x.Namespace != "":
		s = fmt.Sprintf("policy.Namespace(%q)", x.Namespace)
	case x.AllNamespaces:
		s = "policy.AllNamespaces()"
	case x.NamespaceSelector != nil:
		s = "policy.Namespaces(" + goexpr.Selector(x.NamespaceSelector) + ")"
	default:
		return "", errors.New("a pod peer without a namespace, a namespace selector or all namespaces")
	}
	if !isEmpty(pods) {
		s += ".Pods(" + goexpr.Selector(pods) + ")"
	}
	if x.ServiceAccount != "" {
		s += fmt.Sprintf(".WithServiceAccount(%q)", x.ServiceAccount)
	}
	return s + inCluster(x.Cluster), nil
}

func inCluster(c string) string {
	if c == "" {
		return ""
	}
	return fmt.Sprintf(".InCluster(%q)", c)
}
