package diagram

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// graph is what Mermaid and DOT draw: groups of nodes and edges between nodes, sorted.
type graph struct {
	groups []*group
	// nodes are sorted by group, then label; top-level nodes (group nil) come last.
	nodes []*node
	edges []*edge
}

// group is a box around nodes: a namespace, the cluster-wide scope or a mesh cluster.
type group struct {
	id    string
	title string
	// rank and name order the groups: namespaces by name, then cluster-wide, then mesh
	// clusters by name.
	rank int
	name string
}

type nodeKind int

const (
	// nodePods is a group of pods: a subject or a pod peer.
	nodePods nodeKind = iota
	// nodeHosts is the subject of a host policy: nodes of the cluster.
	nodeHosts
	// nodeOther is a peer that is not pods: an address range, a DNS name, an entity, any.
	nodeOther
)

// node is one endpoint set. Subjects and peers that stand for the same endpoints share a
// node, so that an edge written at one end meets the node of the other.
type node struct {
	id    string
	key   string // what the node stands for; its identity
	kind  nodeKind
	group *group
	// what is the first label line (service, selector, CIDR, ...); more follow it.
	what string
	more []string
	// policies are the policies whose subject this node is.
	policies []*policy.Policy
}

type edgeKind int

// The kinds of edge, after the action of their rule.
const (
	edgeAllow edgeKind = iota
	edgeDeny
	edgePass
)

// edge is one rule towards one peer, in the direction traffic flows.
type edge struct {
	from, to *node
	kind     edgeKind
	audit    bool
	lines    []string
	text     string // lines joined, for sorting
}

// label returns the node's label lines, policy markers included.
func (n *node) label() []string {
	lines := append([]string{n.what}, n.more...)
	var audit []string
	for _, p := range n.policies {
		if p.Mode == policy.Audit {
			audit = append(audit, p.Name)
		}
		if p.Subject.Scope == policy.ScopeNamespace && p.Tier == "" {
			continue
		}
		l := "policy " + p.Name
		if p.Tier != "" {
			l += " (tier " + p.Tier + ", order " + strconv.FormatFloat(p.Order, 'g', -1, 64) + ")"
		}
		lines = append(lines, l)
	}
	switch {
	case len(audit) == 0:
	case len(audit) == len(n.policies):
		lines = append(lines, "audit mode")
	default:
		lines = append(lines, "audit mode: "+strings.Join(audit, ", "))
	}
	return lines
}

// auditOnly reports whether every policy of a subject node is in audit mode.
func (n *node) auditOnly() bool {
	for _, p := range n.policies {
		if p.Mode != policy.Audit {
			return false
		}
	}
	return len(n.policies) > 0
}

// builder collects the graph of a model.
type builder struct {
	m      *policy.Model
	nodes  map[string]*node
	groups map[string]*group
	edges  map[string]*edge
}

// build turns a model into its sorted graph.
func build(m *policy.Model) *graph {
	if m == nil {
		m = &policy.Model{} // see the package documentation
	}
	b := &builder{m: m, nodes: map[string]*node{}, groups: map[string]*group{}, edges: map[string]*edge{}}
	isolation := map[string]*[2][]policy.Direction{} // namespace -> enforced, audited
	for _, p := range m.Policies {
		if silent(p) {
			continue
		}
		subj := b.subject(p)
		subj.policies = append(subj.policies, p)
		audit := p.Mode == policy.Audit
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			for i, r := range p.Rules(d) {
				if !r.Written() {
					continue
				}
				lines := ruleLabel(r, audit)
				if p.Tier != "" {
					lines[0] = strconv.Itoa(i+1) + ". " + lines[0]
				}
				for _, peer := range r.Peers {
					from, to := b.peer(peer), subj
					if d == policy.Egress {
						from, to = to, from
					}
					b.edge(from, to, kindOf(r.Action), audit, lines)
				}
			}
		}
		if p.DNS && !p.DNSInherited {
			lines := []string{portsText(m.DNSPorts, nil) + auditSuffix(audit), "implicit DNS"}
			b.edge(subj, b.peer(m.DNS), edgeAllow, audit, lines)
		}
		if namespaceWide(p) && len(p.Isolate) > 0 {
			iso := isolation[p.Subject.Namespace]
			if iso == nil {
				iso = &[2][]policy.Direction{}
				isolation[p.Subject.Namespace] = iso
			}
			i := 0
			if audit {
				i = 1
			}
			iso[i] = append(iso[i], p.Isolate...)
		}
	}
	for ns, iso := range isolation {
		g := b.namespaceGroup(ns)
		g.title += isolationMarker(iso[0], iso[1])
	}
	return b.sorted()
}

// silent reports whether a policy adds nothing to draw: it keeps no DNS open, isolates
// no direction in which it has no rule, is not a namespace's isolation, and has no rule
// but rules mirrored from the other end of edges (docs/semantics.md, "Both ends:
// mirroring") or inherited from broader policies, which are drawn where they were
// written. Policies that exist only to carry mirrored rules, for subjects
// derived by intersecting an isolating policy with a peer, and namespace entries that
// only declare labels, are silent.
func silent(p *policy.Policy) bool {
	if p.DNS && !p.DNSInherited || (namespaceWide(p) && len(p.Isolate) > 0) {
		return false
	}
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		rules := p.Rules(d)
		if p.Isolates(d) && len(rules) == 0 {
			return false
		}
		for _, r := range rules {
			if r.Written() {
				return false
			}
		}
	}
	return true
}

// namespaceWide reports whether an untiered policy applies to every pod of a namespace.
func namespaceWide(p *policy.Policy) bool {
	return p.Subject.Scope == policy.ScopeNamespace && p.Tier == "" && emptySelector(&p.Subject.Pods)
}

func kindOf(a policy.Action) edgeKind {
	switch a {
	case policy.Deny:
		return edgeDeny
	case policy.Pass:
		return edgePass
	default:
		return edgeAllow
	}
}

func auditSuffix(audit bool) string {
	if audit {
		return " (audit)"
	}
	return ""
}

// isolationMarker is the title suffix of a namespace whose pods are all isolated by
// enforced policies in the directions enforced, and by audit-mode ones in audited.
func isolationMarker(enforced, audited []policy.Direction) string {
	in, eg := has(enforced, policy.Ingress), has(enforced, policy.Egress)
	var parts []string
	if m := denyMarker(in, eg); m != "" {
		parts = append(parts, m)
	}
	if m := denyMarker(!in && has(audited, policy.Ingress), !eg && has(audited, policy.Egress)); m != "" {
		parts = append(parts, "audit: "+m)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func denyMarker(ingress, egress bool) string {
	switch {
	case ingress && egress:
		return "default-deny"
	case ingress:
		return "default-deny ingress"
	case egress:
		return "default-deny egress"
	}
	return ""
}

func has(ds []policy.Direction, d policy.Direction) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// edge adds an edge unless the same one (ends, kind, label) is already there.
func (b *builder) edge(from, to *node, kind edgeKind, audit bool, lines []string) {
	text := strings.Join(lines, "\n")
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%s", from.key, to.key, kind, text)
	if _, dup := b.edges[key]; !dup {
		b.edges[key] = &edge{from: from, to: to, kind: kind, audit: audit, lines: lines, text: text}
	}
}

// node returns the node for key, creating it with the given description on first use.
func (b *builder) node(key string, kind nodeKind, g *group, what string, more ...string) *node {
	if n, ok := b.nodes[key]; ok {
		return n
	}
	n := &node{key: key, kind: kind, group: g, what: what, more: more}
	b.nodes[key] = n
	return n
}

// subject returns the node of a policy's subject.
func (b *builder) subject(p *policy.Policy) *node {
	s := p.Subject
	switch s.Scope {
	case policy.ScopeHost:
		what := "nodes"
		if !emptySelector(&s.Nodes) {
			what = "nodes " + selectorText(&s.Nodes)
		}
		return b.node("nodes "+selectorText(&s.Nodes), nodeHosts, nil, what)
	case policy.ScopeCluster:
		return b.pods(pods{nsSelector: s.NamespaceSelector, all: s.NamespaceSelector == nil, selector: &s.Pods})
	default:
		return b.pods(pods{namespace: s.Namespace, selector: &s.Pods})
	}
}

// peer returns the node of a rule's peer.
func (b *builder) peer(p policy.Peer) *node {
	switch p.Kind {
	case policy.PeerPods:
		return b.pods(pods{cluster: p.Cluster, namespace: p.Namespace, nsSelector: p.NamespaceSelector,
			all: p.AllNamespaces, selector: p.PodSelector, serviceAccount: p.ServiceAccount})
	case policy.PeerCIDR:
		key := "cidr " + p.CIDR.String()
		var more []string
		if len(p.Except) > 0 {
			except := make([]string, len(p.Except))
			for i, x := range p.Except {
				except[i] = x.String()
			}
			sort.Strings(except)
			key += " except " + strings.Join(except, ",")
			more = []string{"except " + strings.Join(except, ", ")}
		}
		return b.node(key, nodeOther, nil, p.CIDR.String(), more...)
	case policy.PeerFQDN:
		return b.node("fqdn "+strings.ToLower(p.FQDN), nodeOther, nil, p.FQDN)
	case policy.PeerEntity:
		return b.node("entity "+string(p.Entity), nodeOther, nil, entityText(p.Entity))
	default:
		return b.node("any", nodeOther, nil, "any")
	}
}

func entityText(e policy.Entity) string {
	switch e {
	case policy.EntityWorld:
		return "world (outside the cluster)"
	case policy.EntityCluster:
		return "whole cluster"
	case policy.EntityHost:
		return "host (own node)"
	case policy.EntityRemoteNode:
		return "remote nodes"
	default:
		return string(e)
	}
}

// pods describes a set of pods, from a subject or a peer.
type pods struct {
	cluster        string
	namespace      string
	nsSelector     *metav1.LabelSelector
	all            bool
	selector       *metav1.LabelSelector
	serviceAccount string
}

// pods returns the node of a set of pods. A namespace selector that names one namespace
// by its name label is that namespace.
func (b *builder) pods(p pods) *node {
	if ns, ok := singleNamespace(p.nsSelector); ok && p.namespace == "" && !p.all {
		p.namespace, p.nsSelector = ns, nil
	}
	var where string
	switch {
	case p.all:
		where = "in all namespaces"
	case p.namespace == "":
		where = "in namespaces " + selectorText(p.nsSelector)
	}
	key := fmt.Sprintf("pods cluster=%q namespace=%q where=%q pods=%q sa=%q",
		p.cluster, p.namespace, where, selectorText(p.selector), p.serviceAccount)

	var g *group
	var more []string
	switch {
	case p.cluster != "":
		g = b.group("mesh "+p.cluster, 2, p.cluster, "mesh cluster "+p.cluster)
		if where == "" {
			where = "in " + p.namespace
		}
		more = append(more, where)
	case where != "":
		g = b.group("cluster-wide", 1, "", "cluster-wide")
		more = append(more, where)
	default:
		g = b.namespaceGroup(p.namespace)
	}
	if p.serviceAccount != "" {
		more = append(more, "service account "+p.serviceAccount)
	}
	return b.node(key, nodePods, g, b.podsText(p.selector), more...)
}

func (b *builder) namespaceGroup(ns string) *group {
	return b.group("namespace "+ns, 0, ns, ns)
}

func (b *builder) group(key string, rank int, name, title string) *group {
	if g, ok := b.groups[key]; ok {
		return g
	}
	g := &group{id: ident(groupPrefix[rank], name, key), title: title, rank: rank, name: name}
	b.groups[key] = g
	return g
}

// groupPrefix starts the identifiers of groups by rank; nodes start with "n_".
var groupPrefix = [...]string{"ns_", "cluster_wide_", "mesh_"}

// podsText names pods briefly: the service name when the selector is exactly the
// service label, else the selector, or "all pods".
func (b *builder) podsText(sel *metav1.LabelSelector) string {
	if emptySelector(sel) {
		return "all pods"
	}
	if v, ok := sel.MatchLabels[b.m.ServiceLabel]; ok && len(sel.MatchLabels) == 1 && len(sel.MatchExpressions) == 0 {
		return v
	}
	return selectorText(sel)
}

func emptySelector(s *metav1.LabelSelector) bool {
	return s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0)
}

// selectorText renders a selector in kubectl's syntax ("app=web,tier in (a,b)"), sorted;
// an empty selector is "".
func selectorText(s *metav1.LabelSelector) string {
	if emptySelector(s) {
		return ""
	}
	return metav1.FormatLabelSelector(s)
}

// singleNamespace returns the namespace a selector names by its name label alone.
func singleNamespace(s *metav1.LabelSelector) (string, bool) {
	if s == nil || len(s.MatchLabels) != 1 || len(s.MatchExpressions) != 0 {
		return "", false
	}
	ns, ok := s.MatchLabels[policy.NamespaceNameLabel]
	return ns, ok
}

// ruleLabel renders a rule's traffic: a first line with the action and ports, then one
// line per L7 match.
func ruleLabel(r policy.Rule, audit bool) []string {
	first := portsText(r.Ports, r.ICMP)
	switch r.Action {
	case policy.Deny:
		first = "deny " + first
	case policy.Pass:
		first = "pass " + first
	}
	lines := []string{first + auditSuffix(audit)}
	for _, h := range r.HTTP {
		lines = append(lines, httpText(h))
	}
	if len(r.DNS) > 0 {
		lines = append(lines, "DNS "+strings.Join(r.DNS, ", "))
	}
	return lines
}

// portsText renders ports and ICMP messages: "TCP 8080, UDP 53", or "all" when both are
// empty.
func portsText(ports []policy.Port, icmp []policy.ICMP) string {
	if len(ports) == 0 && len(icmp) == 0 {
		return "all"
	}
	var parts []string
	for _, p := range ports {
		switch {
		case p.Name != "" && p.Protocol == policy.TCP:
			parts = append(parts, "named "+p.Name)
		case p.Name != "":
			parts = append(parts, string(p.Protocol)+" named "+p.Name)
		case p.Port == 0:
			parts = append(parts, string(p.Protocol)+" all ports")
		case p.EndPort != 0:
			parts = append(parts, fmt.Sprintf("%s %d-%d", p.Protocol, p.Port, p.EndPort))
		default:
			parts = append(parts, fmt.Sprintf("%s %d", p.Protocol, p.Port))
		}
	}
	for _, m := range icmp {
		s := "ICMP"
		if m.Family == policy.IPv6 {
			s = "ICMPv6"
		}
		s += fmt.Sprintf(" type %d", m.Type)
		if m.Code != nil {
			s += fmt.Sprintf(" code %d", *m.Code)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// httpText renders an HTTP match: "POST /orders", "GET ~/orders/[0-9]+" (regular
// expression), "GET /api/ (prefix)", then host and headers.
func httpText(h policy.HTTPMatch) string {
	var parts []string
	if h.Method != "" {
		parts = append(parts, h.Method)
	}
	switch {
	case h.Path == "":
	case h.PathKind == policy.PathRegex:
		parts = append(parts, "~"+h.Path)
	case h.PathKind == policy.PathPrefix:
		parts = append(parts, h.Path+" (prefix)")
	default:
		parts = append(parts, h.Path)
	}
	if h.Host != "" {
		parts = append(parts, "host "+h.Host)
	}
	for _, hd := range h.Headers {
		parts = append(parts, "["+hd.Name+": "+hd.Value+"]")
	}
	if len(parts) == 0 {
		return "any request"
	}
	return strings.Join(parts, " ")
}

// sorted assigns identifiers and returns the graph in a stable order.
func (b *builder) sorted() *graph {
	g := &graph{}
	for _, gr := range b.groups {
		g.groups = append(g.groups, gr)
	}
	sort.Slice(g.groups, func(i, j int) bool {
		x, y := g.groups[i], g.groups[j]
		if x.rank != y.rank {
			return x.rank < y.rank
		}
		return x.name < y.name
	})
	for _, n := range b.nodes {
		n.id = ident("n_", n.what, n.key)
		g.nodes = append(g.nodes, n)
	}
	sort.Slice(g.nodes, func(i, j int) bool { return nodeLess(g.nodes[i], g.nodes[j]) })
	for _, e := range b.edges {
		g.edges = append(g.edges, e)
	}
	sort.Slice(g.edges, func(i, j int) bool {
		x, y := g.edges[i], g.edges[j]
		if x.from != y.from {
			return nodeLess(x.from, y.from)
		}
		if x.to != y.to {
			return nodeLess(x.to, y.to)
		}
		if x.kind != y.kind {
			return x.kind < y.kind
		}
		return x.text < y.text
	})
	return g
}

// nodeLess orders nodes by group (top-level last), then by label, then by identity.
func nodeLess(x, y *node) bool {
	if x.group != y.group {
		switch {
		case x.group == nil:
			return false
		case y.group == nil:
			return true
		case x.group.rank != y.group.rank:
			return x.group.rank < y.group.rank
		default:
			return x.group.name < y.group.name
		}
	}
	if x.kind != y.kind {
		return x.kind < y.kind
	}
	if x.what != y.what {
		return x.what < y.what
	}
	return x.key < y.key
}

// ident returns an identifier valid in Mermaid and DOT: prefix, a readable part taken from
// text, and a hash of key so that different keys never share an identifier.
func ident(prefix, text, key string) string {
	var part []byte
	for _, c := range text {
		if len(part) >= 24 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			part = append(part, byte(c))
		} else if len(part) > 0 && part[len(part)-1] != '_' {
			part = append(part, '_')
		}
	}
	sum := sha256.Sum256([]byte(key))
	id := prefix + strings.TrimSuffix(string(part), "_")
	if !strings.HasSuffix(id, "_") {
		id += "_"
	}
	return id + hex.EncodeToString(sum[:4])
}
