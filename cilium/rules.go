package cilium

import (
	"encoding/json"
	"fmt"
	"github.com/netintent/netintent/internal/backend"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// peerKind is the kind of peer selector a Cilium rule holds: one kind per rule, since
// Sanitize rejects rules that combine fromEndpoints, fromCIDRSet, fromEntities, toFQDNs, ...
type peerKind int

// The kinds, in the order their rules are emitted.
const (
	kindEndpoints peerKind = iota
	kindEntities
	kindCIDR
	kindFQDN
)

// peerItem is one translated peer with its canonical key.
type peerItem struct {
	kind peerKind
	// taken is set once an emitted rule holds endpoint itself (see emitEndpoint).
	taken atomic.Bool
	// unmatchable lists the pod and namespace label keys of an endpoint peer that Cilium
	// cannot match, which every rule naming the peer refuses.
	unmatchable []unmatchable
	key         string
	endpoint    api.EndpointSelector
	entity      api.Entity
	cidr        api.CIDRRule
	fqdn        api.FQDNSelector
}

// atom is one element of the traffic a rule matches: a port (with the L7 constraint that
// narrows it, if any) or an ICMP type.
type atom struct {
	key  string
	port *api.PortProtocol
	l7   *l7Spec
	icmp *api.ICMPField
}

// l7Spec is the L7 part of an allow on a port, with its canonical key.
type l7Spec struct {
	key   string
	rules api.L7Rules
}

// group is rules of one action and direction, before emission: every peer of peers, on
// every atom of traffic (or on all traffic). Peers and atoms are sets, kept as slices that
// keys sorts and deduplicates.
type group struct {
	kind    peerKind
	peers   []*peerItem
	all     bool
	atoms   []atom
	pkey    string
	tkey    string
	ordered bool // peers and atoms are sorted and unique, and the keys up to date
	// implicit marks the DNS allowance, which absorb leaves alone.
	implicit bool
}

// directionRules holds a direction's groups by action.
type directionRules struct {
	allow, deny []*group
}

// rule translates one rule of direction d into groups, reporting what Cilium cannot
// express.
func (c *compiler) rule(t *translation, d policy.Direction, r policy.Rule, dr *directionRules) {
	if r.Action == policy.Pass {
		c.Refuse(r.Path.Child("action"), constructPass,
			"Cilium 1.20 has no tiers, so nothing can hand traffic to a next tier")
		return
	}
	deny := r.Action == policy.Deny
	var byKind [kindFQDN + 1]*group
	add := func(it *peerItem) {
		if byKind[it.kind] == nil {
			byKind[it.kind] = c.newGroup(it.kind)
		}
		byKind[it.kind].peers = append(byKind[it.kind].peers, it)
	}
	for i := range r.Peers {
		x := &r.Peers[i]
		if deny && x.Kind == policy.PeerFQDN {
			c.Refuse(r.Path.Child("peers").Index(i), constructFQDNDeny,
				"Cilium has no toFQDNs in egressDeny: DNS names can only be allowed")
			continue
		}
		if deny && d == policy.Ingress && !t.host && coversHost(*x) {
			for _, it := range withoutHost(*x) {
				add(it)
			}
			continue
		}
		add(c.peer(t, x, func() *field.Path { return r.Path.Child("peers").Index(i) }))
	}
	// The traffic is translated even when no peer is left, so that its problems are
	// reported too.
	all, atoms := c.traffic(t, r, c.atoms[:0])
	c.atoms = atoms
	for _, g := range byKind {
		if g == nil {
			continue
		}
		// Merging appends to a group's atoms: each group has its own.
		g.all, g.atoms = all, append(g.atoms, atoms...)
		if deny {
			dr.deny = append(dr.deny, g)
		} else {
			dr.allow = append(dr.allow, g)
		}
	}
}

// newGroup returns an empty group of the given kind, with the slices of one the compiler
// reuses (see compiler.groups).
func (c *compiler) newGroup(kind peerKind) *group {
	g := c.groups.Next()
	*g = group{kind: kind, peers: g.peers[:0], atoms: g.atoms[:0]}
	return g
}

// peer translates a peer; path gives its field path, only needed for refusals. x must
// stay unchanged during the compilation: pod peers are looked up by address first.
func (c *compiler) peer(t *translation, x *policy.Peer, path func() *field.Path) *peerItem {
	switch x.Kind {
	case policy.PeerAny:
		return entityItem(api.EntityAll)
	case policy.PeerEntity:
		return entityItem(api.Entity(x.Entity))
	case policy.PeerCIDR:
		r := api.CIDRRule{Cidr: api.CIDR(x.CIDR.String())}
		for _, e := range x.Except {
			r.ExceptCIDRs = append(r.ExceptCIDRs, api.CIDR(e.String()))
		}
		return &peerItem{kind: kindCIDR, key: keyOf(r), cidr: r}
	case policy.PeerFQDN:
		var f api.FQDNSelector
		if strings.Contains(x.FQDN, "*") {
			f.MatchPattern = x.FQDN
		} else {
			f.MatchName = x.FQDN
		}
		return &peerItem{kind: kindFQDN, key: keyOf(f), fqdn: f}
	default:
		own := x.Namespace != "" && x.Namespace == t.namespace
		if c.serviceLabelOK && isServicePeer(*x, c.model.ServiceLabel) {
			return c.servicePeer(t, x)
		}
		// Other pod peers recur too, across the Set's rules and mirrors: each is translated
		// once per namespace context, for all chunks (emission copies what it emits).
		k := podKey{own: own, namespace: x.Namespace, serviceAccount: x.ServiceAccount, cluster: x.Cluster,
			namespaces: x.NamespaceSelector, pods: x.PodSelector}
		it := c.shared.pods.Get(k, func() *peerItem {
			it := endpointItem(c.podSelector(t, *x))
			it.unmatchable = append(c.unmatchableKeys(x.PodSelector), unmatchableNamespaceKeys(x.NamespaceSelector)...)
			return it
		})
		for _, u := range it.unmatchable {
			if u.namespace {
				c.Refuse(path().Child("namespaces"), constructNamespaceLabelKey.Of(u.key), u.why)
			} else {
				c.Refuse(path().Child("pods"), constructPodLabelKey.Of(u.key), u.why)
			}
		}
		return it
	}
}

// servicePeer translates x, a service's pods in one namespace (see isServicePeer), into an
// item of the policy being translated (see compiler.items). A large Set names the same
// services over and over: building the selector straight from x costs no more than copying
// a shared translation would, and no lookup. It says what podSelector would: the service
// label, then the labels of placement.
func (c *compiler) servicePeer(t *translation, x *policy.Peer) *peerItem {
	var buf [4]label
	ls := append(buf[:0], label{c.model.ServiceLabel, x.Service})
	more, n := c.placement(t, x)
	ls = append(ls, more[:n]...)
	slices.SortFunc(ls, func(a, b label) int { return strings.Compare(a.key, b.key) })
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.key] = l.value
	}
	it := c.items.Next()
	*it = peerItem{kind: kindEndpoints, key: labelsKey(ls),
		endpoint: api.EndpointSelector{LabelSelector: &slimv1.LabelSelector{MatchLabels: m}}}
	return it
}

// isServicePeer reports whether x is a service's pods in one namespace: pods selected by
// the service label alone.
func isServicePeer(x policy.Peer, label string) bool {
	return x.Service != "" && x.Namespace != "" && !x.AllNamespaces && x.NamespaceSelector == nil && x.PodSelector != nil &&
		len(x.PodSelector.MatchLabels) == 1 && len(x.PodSelector.MatchExpressions) == 0 && x.PodSelector.MatchLabels[label] == x.Service
}

// podKey identifies a pod peer's translation: two peers with equal keys translate to
// equal selectors. own says whether the peer's namespace is the policy's own, which
// podSelector leaves implicit. A Model peer names exactly one of a namespace, a namespace
// selector and all namespaces, so the last needs no field. The Model holds one copy of
// equal selectors (it interns them), so their addresses stand for their contents: cheaper
// to hash than the contents, and equal selectors behind two addresses only cost a second
// translation.
type podKey struct {
	own                                bool
	namespace, serviceAccount, cluster string
	namespaces, pods                   *metav1.LabelSelector
}

// A pod's own node always reaches it (the intent's rule for kubelet probes, which the
// agent's allow-localhost implements as an allow of the host entity). Cilium's denies win
// over that allow, so an ingress deny of a pod policy must not name the host: the host
// entity is left out, and the entities that include it become the rest of what they
// cover.

// coversHost reports whether a peer includes the local node.
func coversHost(x policy.Peer) bool {
	return x.Kind == policy.PeerAny ||
		x.Kind == policy.PeerEntity && (x.Entity == policy.EntityHost || x.Entity == policy.EntityCluster)
}

// clusterWithoutHost are the entities of the cluster entity's selectors (api.InitEntities)
// other than the host and the local cluster's pods: every reserved identity Cilium 1.20
// gives traffic inside the cluster (pkg/identity), except the aggregate identities, which
// only exist in policy maps.
var clusterWithoutHost = []api.Entity{api.EntityRemoteNode, api.EntityKubeAPIServer,
	api.EntityHealth, api.EntityIngress, api.EntityInit, api.EntityUnmanaged}

// withoutHost returns the peers that cover what x covers except the local node: for the
// cluster, the other nodes, the API server, the system endpoints (health, ingress, init,
// unmanaged) and the local cluster's pods; for any peer, also every address outside the
// cluster and pods of every cluster-mesh cluster.
func withoutHost(x policy.Peer) []*peerItem {
	if x.Kind == policy.PeerEntity && x.Entity == policy.EntityHost {
		return nil
	}
	var pods selectorBuilder
	pods.namespaces(nil)
	out := make([]*peerItem, 0, len(clusterWithoutHost)+2)
	for _, e := range clusterWithoutHost {
		out = append(out, entityItem(e))
	}
	if x.Kind == policy.PeerAny {
		out = append(out, entityItem(api.EntityWorld))
		pods.expr(labelCluster, slimv1.LabelSelectorOpExists)
	}
	es := pods.build()
	return append(out, endpointItem(es))
}

// endpointItem is the peerItem of an endpoint selector, with its key.
func endpointItem(es api.EndpointSelector) *peerItem {
	return &peerItem{kind: kindEndpoints, key: selectorKey(es.LabelSelector), endpoint: es}
}

func entityItem(e api.Entity) *peerItem {
	return &peerItem{kind: kindEntities, key: string(e), entity: e}
}

// podSelector translates a pod peer into an endpoint selector that says its namespace,
// service account and cluster explicitly, except the namespace of a CiliumNetworkPolicy
// itself, which Cilium adds to selectors that name no namespace.
func (c *compiler) podSelector(t *translation, x policy.Peer) api.EndpointSelector {
	var b selectorBuilder
	b.add(x.PodSelector, sameKey)
	switch {
	case x.AllNamespaces:
		b.namespaces(nil)
	case x.Namespace == "":
		b.namespaces(x.NamespaceSelector)
	}
	ls, n := c.placement(t, &x)
	for _, l := range ls[:n] {
		b.match(l.key, l.value)
	}
	return b.build()
}

// placement returns the labels that place the pods of x, a pod peer, besides its pod and
// namespace selectors: the namespace it names, unless it is the policy's own (see
// podSelector), its service account, and its cluster (or the local one).
func (c *compiler) placement(t *translation, x *policy.Peer) (ls [3]label, n int) {
	if x.Namespace != "" && !x.AllNamespaces && x.Namespace != t.namespace {
		ls[n] = label{labelNamespace, x.Namespace}
		n++
	}
	if x.ServiceAccount != "" {
		ls[n] = label{labelServiceAccount, x.ServiceAccount}
		n++
	}
	switch {
	case x.Cluster != "":
		ls[n] = label{labelCluster, x.Cluster}
		n++
	case c.opts.localCluster != "":
		ls[n] = label{labelCluster, c.opts.localCluster}
		n++
	}
	return ls, n
}

// traffic translates a rule's ports, L7 matches and ICMP matches into atoms, appended to
// atoms; all is true when the rule matches all traffic.
func (c *compiler) traffic(t *translation, r policy.Rule, atoms []atom) (all bool, _ []atom) {
	if r.AllTraffic() {
		return true, atoms
	}
	l7 := c.l7(t, r)
	for _, pt := range r.Ports {
		a, ok := c.portAtoms[pt]
		if !ok {
			pp := portProtocol(pt)
			a = atom{port: &pp, key: "p|" + string(pp.Protocol) + "|" + sortablePort(pt) + "|" + strconv.Itoa(int(pp.EndPort))}
			c.portAtoms[pt] = a
		}
		if l7 != nil {
			a.l7 = l7
			a.key += "|" + l7.key
		}
		atoms = append(atoms, a)
	}
	for i, m := range r.ICMP {
		if m.Type == 0 {
			// Checked with Cilium's policy repository (TestCiliumICMP in the conformance
			// oracle): an echo-reply rule admits every ICMP type of the family.
			c.Refuse(r.Path.Child("icmp").Index(i).Child("type"), constructICMPType0,
				"Cilium keys ICMP rules by type in a policy key's port (api.ICMPField.PortProtocol), where 0 stands for "+
					"every port: a rule for type 0 matches every ICMP type")
			continue
		}
		if m.Code != nil {
			path := r.Path.Child("icmp").Index(i).Child("code")
			if !c.opts.widenICMP {
				c.Refuse(path, constructICMPCodes, "Cilium matches ICMP types only, not codes", backend.Lossy(optWidenICMP))
			} else {
				t.Warn(path, "ICMP code "+strconv.Itoa(int(*m.Code))+" dropped: Cilium matches every code of ICMP type "+
					strconv.Itoa(int(m.Type)))
			}
		}
		f := api.ICMPField{Family: string(m.Family), Type: ptr(intstr.FromInt32(m.Type))}
		atoms = append(atoms, atom{key: fmt.Sprintf("i|%s|%03d", f.Family, m.Type), icmp: &f})
	}
	return false, atoms
}

func ptr[T any](v T) *T { return &v }

// sortablePort orders numbered ports numerically, before named ports.
func sortablePort(pt policy.Port) string {
	if pt.Name != "" {
		return "~" + pt.Name
	}
	n := strconv.Itoa(int(pt.Port))
	return strings.Repeat("0", max(0, 5-len(n))) + n
}

// portProtocol translates a port: the number (0 for every port of the protocol) or the
// name as a string, a range's end, and the protocol in upper case.
func portProtocol(pt policy.Port) api.PortProtocol {
	pp := api.PortProtocol{Protocol: api.L4Proto(pt.Protocol), EndPort: pt.EndPort}
	if pt.Name != "" {
		pp.Port = pt.Name
	} else {
		pp.Port = strconv.Itoa(int(pt.Port))
	}
	return pp
}

// l7 translates the HTTP or DNS-lookup matches of a rule, or returns nil when it has none
// or when WidenL7 dropped them.
func (c *compiler) l7(t *translation, r policy.Rule) *l7Spec {
	if !r.HasL7() {
		return nil
	}
	what := "HTTP"
	if len(r.DNS) > 0 {
		what = "DNS-lookup"
	}
	var gaps []string
	if len(r.HTTP) > 0 && t.host {
		gaps = append(gaps, "Cilium 1.20 enforces no HTTP rules on host policies")
	}
	for _, pt := range r.Ports {
		if pt.Port == 0 && pt.Name == "" {
			gaps = append(gaps, "Cilium attaches L7 rules to ports and rejects them on all ports of a protocol (port 0)")
		}
	}
	for _, h := range r.HTTP {
		seen := map[string]bool{}
		for _, hd := range h.Headers {
			if strings.TrimSpace(hd.Value) != hd.Value {
				gaps = append(gaps, "the proxy strips surrounding whitespace from header values, so the value "+
					strconv.Quote(hd.Value)+" never matches")
			}
			if name := strings.ToLower(hd.Name); seen[name] {
				gaps = append(gaps, "the proxy matches a header once, against all its values joined, so two values "+
					"required of header "+hd.Name+" never both match")
			} else {
				seen[name] = true
			}
		}
	}
	if len(gaps) > 0 {
		gaps = dedupe(gaps)
		if t.fqdn && len(r.DNS) > 0 {
			// Widening would not help: without the DNS proxy, toFQDNs learns no address.
			c.Refuse(r.Path.Child("dns"), constructFQDNLookups, strings.Join(gaps, "; ")+
				"; and toFQDNs needs those lookups to go through Cilium's DNS proxy")
			return nil
		}
		if !c.opts.widenL7 {
			c.Refuse(r.Path.Child(strings.ToLower(strings.TrimSuffix(what, "-lookup"))), constructL7.Of(what), strings.Join(gaps, "; "), backend.Lossy(optWidenL7))
			return nil
		}
		t.Warn(r.Path, what+" matches dropped ("+strings.Join(gaps, "; ")+"): the rule admits every request on its ports")
		return nil
	}
	var rules api.L7Rules
	for i, h := range r.HTTP {
		hr, err := httpRule(h)
		if err != nil {
			c.Refuse(r.Path.Child("http").Index(i).Child("path"), constructHTTPRegex, err.Error())
			return nil
		}
		rules.HTTP = append(rules.HTTP, hr)
	}
	for _, n := range r.DNS {
		rules.DNS = append(rules.DNS, dnsRule(n))
	}
	return newL7(rules)
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// newL7 sorts and deduplicates the rules (each list is a set: any one admits a request)
// and keys them.
func newL7(rules api.L7Rules) *l7Spec {
	rules.HTTP = sortedUnique(rules.HTTP)
	rules.DNS = sortedUnique(rules.DNS)
	return &l7Spec{key: keyOf(rules), rules: rules}
}

func sortedUnique[T any](in []T) []T {
	if len(in) == 0 {
		return in
	}
	keys := make([]string, len(in))
	idx := make([]int, len(in))
	for i, v := range in {
		keys[i] = keyOf(v)
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]T, 0, len(in))
	for n, i := range idx {
		if n > 0 && keys[i] == keys[idx[n-1]] {
			continue
		}
		out = append(out, in[i])
	}
	return out
}

// httpRule translates an HTTP match. The proxy (Envoy) matches method, path and host as
// RE2 regular expressions against the whole value, so literals are quoted. The path it
// matches is the whole request target, query string included, while the intent matches
// the path before the query (policy.RequestPath): an exact path is followed by an optional
// query or fragment, a prefix (which holds no '?' or '#') by ".*", and a regex is rewritten
// by pathRegex. Headers are "Name: value" strings, which the proxy matches exactly.
func httpRule(h policy.HTTPMatch) (api.PortRuleHTTP, error) {
	var r api.PortRuleHTTP
	if h.Method != "" {
		r.Method = regexp.QuoteMeta(h.Method)
	}
	if h.Path != "" {
		switch h.PathKind {
		case policy.PathRegex:
			p, err := pathRegex(h.Path)
			if err != nil {
				return r, err
			}
			r.Path = p
		case policy.PathPrefix:
			r.Path = regexp.QuoteMeta(h.Path) + ".*"
		default:
			r.Path = regexp.QuoteMeta(h.Path) + querySuffix
		}
	}
	if h.Host != "" {
		r.Host = regexp.QuoteMeta(h.Host)
	}
	for _, hd := range h.Headers {
		r.Headers = append(r.Headers, hd.Name+": "+hd.Value)
	}
	sort.Strings(r.Headers)
	return r, nil
}

// querySuffix admits what may follow a request's path in its target: nothing, a query
// string or a fragment.
const querySuffix = `(?:[?#].*)?`

// pathRegex rewrites an intent regex, which matches a request's path in full, into the
// regex the proxy matches against the whole target: the same regex with '?' and '#' taken
// out of everything it can match (a path holds neither: the first of them starts the
// query or fragment), followed by querySuffix. A target then matches exactly when the
// intent's regex matches its path. An end-of-text assertion ('$', '\z') holds at the end
// of the path only, so it is dropped where nothing can follow it and refused elsewhere.
func pathRegex(expr string) (string, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", err
	}
	if re, err = withoutQuery(re, true); err != nil {
		return "", err
	}
	s := re.String()
	if re.Op == syntax.OpAlternate {
		s = "(?:" + s + ")"
	}
	return s + querySuffix, nil
}

// withoutQuery returns re with '?' and '#' removed from every character it matches (from
// character classes and "any character"; a literal holding either matches nothing), and
// end-of-text assertions at its end (tail: nothing of the whole regex follows re) dropped.
func withoutQuery(re *syntax.Regexp, tail bool) (*syntax.Regexp, error) {
	switch re.Op {
	case syntax.OpLiteral:
		if strings.ContainsAny(string(re.Rune), "?#") {
			return &syntax.Regexp{Op: syntax.OpNoMatch}, nil
		}
	case syntax.OpAnyChar:
		return classWithout([]rune{0, unicode.MaxRune}), nil
	case syntax.OpAnyCharNotNL:
		return classWithout([]rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}), nil
	case syntax.OpCharClass:
		return classWithout(re.Rune), nil
	case syntax.OpEndText, syntax.OpEndLine:
		if !tail {
			return nil, fmt.Errorf("Cilium's proxy matches the query string too, so an end-of-text assertion can only end the regex")
		}
		return &syntax.Regexp{Op: syntax.OpEmptyMatch}, nil
	case syntax.OpConcat:
		subs := re.Sub[:0]
		for i, sub := range re.Sub {
			sub, err := withoutQuery(sub, tail && i == len(re.Sub)-1)
			if err != nil {
				return nil, err
			}
			if sub.Op != syntax.OpEmptyMatch { // a dropped assertion
				subs = append(subs, sub)
			}
		}
		re.Sub = subs
	case syntax.OpAlternate, syntax.OpCapture:
		for i, sub := range re.Sub {
			var err error
			if re.Sub[i], err = withoutQuery(sub, tail); err != nil {
				return nil, err
			}
		}
	default: // repetitions: what they repeat is followed by more of itself
		for i, sub := range re.Sub {
			var err error
			if re.Sub[i], err = withoutQuery(sub, false); err != nil {
				return nil, err
			}
		}
	}
	return re, nil
}

// classWithout is the character class of the ranges (pairs of bounds, ascending) minus '#'
// and '?'. Case folding is already expanded in a parsed class.
func classWithout(ranges []rune) *syntax.Regexp {
	var out []rune
	for i := 0; i < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		for _, x := range []rune{'#', '?'} { // ascending
			if lo <= x && x <= hi {
				if lo < x {
					out = append(out, lo, x-1)
				}
				lo = x + 1
			}
		}
		if lo <= hi {
			out = append(out, lo, hi)
		}
	}
	if len(out) == 0 {
		return &syntax.Regexp{Op: syntax.OpNoMatch}
	}
	return &syntax.Regexp{Op: syntax.OpCharClass, Rune: out}
}

// dnsRule translates a DNS-lookup pattern: exact names as matchName, "*" patterns as
// matchPattern (Cilium's wildcard syntax is the intent's).
func dnsRule(name string) api.PortRuleDNS {
	if strings.Contains(name, "*") {
		return api.PortRuleDNS{MatchPattern: name}
	}
	return api.PortRuleDNS{MatchName: name}
}

// dnsAllowance is the egress allow to the Set's DNS service that an egress-isolating
// policy keeps (Policy.DNS). When the policy reaches FQDN peers, the lookups must go
// through Cilium's DNS proxy for toFQDNs to learn addresses, so the allowance carries a
// DNS rule admitting every name; otherwise it is plain L3/L4, which admits the same.
func (c *compiler) dnsAllowance(t *translation) *group {
	// The rule's path is the Set's options, so that a refusal of its DNS rule names
	// options.dns (see l7).
	r := policy.Rule{Action: policy.Allow, Peers: []policy.Peer{c.model.DNS}, Ports: c.model.DNSPorts, Path: field.NewPath("options")}
	if t.fqdn {
		r.DNS = []string{"*"}
	}
	g := c.newGroup(kindEndpoints)
	g.peers = append(g.peers, c.peer(t, &c.model.DNS, func() *field.Path { return field.NewPath("options", "dns", "peer") }))
	_, g.atoms = c.traffic(t, r, g.atoms)
	g.implicit = true
	return g
}

// keyOf is the canonical key of a value: its JSON (map keys sorted).
func keyOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only values of the API types above reach here, and they always marshal.
		panic("cilium: " + err.Error())
	}
	return string(b)
}
