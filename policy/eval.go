package policy

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// EndpointKind says what an end of a flow is.
type EndpointKind string

// The kinds of endpoint.
const (
	// EndpointPod is a pod, identified by namespace and labels.
	EndpointPod EndpointKind = "Pod"
	// EndpointExternal is an address outside the cluster.
	EndpointExternal EndpointKind = "External"
	// EndpointHost is the node the other end runs on.
	EndpointHost EndpointKind = "Host"
	// EndpointRemoteNode is another node of the cluster.
	EndpointRemoteNode EndpointKind = "RemoteNode"
	// EndpointKubeAPIServer is the Kubernetes API server.
	EndpointKubeAPIServer EndpointKind = "KubeAPIServer"
	// EndpointSystem is an endpoint of the local cluster that is neither a pod, a node nor
	// the API server: the network plugin's own endpoints and endpoints it does not identify
	// by labels. Component says which. Any and WholeCluster cover it, no other peer does,
	// and no policy applies to it.
	EndpointSystem EndpointKind = "System"
)

// The components an EndpointSystem stands for, named after the Cilium reserved
// identities they carry (pkg/identity, Cilium 1.20).
const (
	// ComponentHealth is a node's health-checking endpoint (Cilium's reserved:health).
	ComponentHealth = "health"
	// ComponentIngress is the source address of the in-cluster Ingress and Gateway API
	// proxy (Cilium's Envoy: reserved:ingress).
	ComponentIngress = "ingress"
	// ComponentInit is a pod whose labels are not known yet (Cilium's reserved:init).
	ComponentInit = "init"
	// ComponentUnmanaged is a pod the network plugin does not manage, such as one started
	// before it (Cilium's reserved:unmanaged).
	ComponentUnmanaged = "unmanaged"
)

// Endpoint is one end of a flow.
type Endpoint struct {
	// Kind says which fields apply.
	Kind EndpointKind
	// Namespace and NamespaceLabels of a pod. The evaluator adds kubernetes.io/metadata.name.
	Namespace       string
	NamespaceLabels map[string]string
	// Labels of a pod, or of a node for Host and RemoteNode.
	Labels map[string]string
	// ServiceAccount a pod runs as.
	ServiceAccount string
	// Cluster is the cluster-mesh cluster of a pod; empty is the local cluster.
	Cluster string
	// IP of the endpoint (external addresses are judged by it).
	IP netip.Addr
	// DNSName is the name an external address was looked up by, for FQDN peers.
	DNSName string
	// Component names an EndpointSystem (ComponentHealth, ...).
	Component string
	// NamedPorts maps a destination pod's container port names to their ports.
	NamedPorts map[string]Port
}

// Flow is one connection (or datagram) between two endpoints, optionally with the L7
// request it carries.
type Flow struct {
	From, To Endpoint
	// Protocol and Port of the destination; unused for ICMP flows.
	Protocol Protocol
	Port     int32
	// ICMP, when set, makes this an ICMP flow of that family, type and code.
	ICMP *ICMP
	// HTTP is the request carried, if the flow is judged at L7.
	HTTP *HTTPRequest
	// DNSQuery is the name looked up, if the flow is a DNS query judged at L7.
	DNSQuery string
}

// Verdict is the evaluator's answer for a flow.
type Verdict struct {
	// Allowed is the enforced outcome.
	Allowed bool
	// Source and Destination are the decisions of each end; an end outside the cluster
	// (or not a workload) has Judged false.
	Source, Destination Decision
	// AuditDenied is true when policies in audit mode would have denied an allowed flow.
	AuditDenied bool
	// Audit explains AuditDenied.
	Audit string
}

// Decision is one end's judgement of a flow.
type Decision struct {
	// Judged is false when this end is not subject to policy (an external address).
	Judged bool
	// Allowed is this end's outcome.
	Allowed bool
	// Policy names the deciding policy ("namespace/name" or "name"), if one decided.
	Policy string
	// Rule is the field path of the deciding rule, if one decided.
	Rule string
	// Why explains the decision in words.
	Why string
}

// String summarizes the verdict in one line.
func (v Verdict) String() string {
	out := "denied"
	if v.Allowed {
		out = "allowed"
	}
	var parts []string
	for _, d := range []struct {
		end string
		d   Decision
	}{{"source", v.Source}, {"destination", v.Destination}} {
		if d.d.Judged {
			parts = append(parts, d.end+": "+d.d.String())
		}
	}
	if len(parts) > 0 {
		out += " (" + strings.Join(parts, "; ") + ")"
	}
	if v.AuditDenied {
		out += "; audit: " + v.Audit
	}
	return out
}

// String summarizes the decision.
func (d Decision) String() string {
	s := d.Why
	if d.Rule != "" {
		s += " by " + d.Rule
	} else if d.Policy != "" {
		s += " by " + d.Policy
	}
	return s
}

// Evaluate answers whether the Set allows the flow, and why, following the reference
// semantics (docs/semantics.md): tiers in order, then deny wins, isolation, both ends,
// mirrored intent, DNS, and L7. It validates the Set, then the flow (Flow.Validate).
func (s *Set) Evaluate(f Flow) (Verdict, error) {
	m, err := s.Model()
	if err != nil {
		return Verdict{}, err
	}
	if err := f.Validate(); err != nil {
		return Verdict{}, err
	}
	return m.Evaluate(f), nil
}

// Evaluate answers whether the model allows the flow, and why.
func (m *Model) Evaluate(f Flow) Verdict {
	f.From = m.withNamespaceLabels(f.From)
	f.To = m.withNamespaceLabels(f.To)
	v := m.evaluate(f, false)
	if v.Allowed {
		if a := m.evaluate(f, true); !a.Allowed {
			v.AuditDenied = true
			for _, d := range []Decision{a.Source, a.Destination} {
				if d.Judged && !d.Allowed {
					v.Audit = "would be denied: " + d.String()
					break
				}
			}
		}
	}
	return v
}

// withNamespaceLabels completes a pod's namespace labels with those the Set declares for
// its namespace (NamespaceDefaults.Labels; the endpoint's own labels win) and with
// kubernetes.io/metadata.name, which Kubernetes sets on every namespace.
func (m *Model) withNamespaceLabels(e Endpoint) Endpoint {
	if e.Kind != EndpointPod || e.Namespace == "" {
		return e
	}
	var declared map[string]string
	if e.Cluster == "" {
		i := sort.Search(len(m.Namespaces), func(i int) bool { return m.Namespaces[i].Name >= e.Namespace })
		if i < len(m.Namespaces) && m.Namespaces[i].Name == e.Namespace {
			declared = m.Namespaces[i].Labels
		}
	}
	labels := make(map[string]string, len(declared)+len(e.NamespaceLabels)+1)
	for k, v := range declared {
		labels[k] = v
	}
	for k, v := range e.NamespaceLabels {
		labels[k] = v
	}
	labels[NamespaceNameLabel] = e.Namespace
	e.NamespaceLabels = labels
	return e
}

func (m *Model) evaluate(f Flow, withAudit bool) Verdict {
	var v Verdict
	v.Source = m.judge(Egress, f.From, f.To, f, withAudit)
	v.Destination = m.judge(Ingress, f.To, f.From, f, withAudit)
	v.Allowed = (!v.Source.Judged || v.Source.Allowed) && (!v.Destination.Judged || v.Destination.Allowed)
	return v
}

// judge decides one end: self is the endpoint whose policies apply in direction dir,
// peer the other end.
func (m *Model) judge(dir Direction, self, peer Endpoint, f Flow, withAudit bool) Decision {
	var selecting []*Policy
	for _, p := range m.Policies {
		if (p.Mode == Enforce || withAudit) && p.Subject.selects(self) {
			selecting = append(selecting, p)
		}
	}
	if self.Kind != EndpointPod && self.Kind != EndpointHost && self.Kind != EndpointRemoteNode {
		return Decision{}
	}
	if (self.Kind == EndpointHost || self.Kind == EndpointRemoteNode) && len(selecting) == 0 {
		return Decision{}
	}
	if dir == Ingress && self.Kind == EndpointPod && peer.Kind == EndpointHost {
		// Kubelet probes: NetworkPolicy, Cilium (allow-localhost) and Calico (Felix never
		// polices host-to-local-workload traffic) all let a pod's own node reach it.
		return Decision{Judged: true, Allowed: true, Why: "the pod's own node always reaches it"}
	}
	d := Decision{Judged: true}

	// Tiers first, in order; a Pass or a tier without a selecting policy goes on.
	for _, t := range m.Tiers {
		var in []*Policy
		for _, p := range selecting {
			if p.Tier == t.Name && (len(p.Rules(dir)) > 0 || p.Isolates(dir)) {
				in = append(in, p)
			}
		}
		if len(in) == 0 {
			continue
		}
		sort.SliceStable(in, func(i, j int) bool {
			if in[i].Order != in[j].Order {
				return in[i].Order < in[j].Order
			}
			return in[i].Name < in[j].Name
		})
		passed := false
	tier:
		for _, p := range in {
			for _, r := range p.Rules(dir) {
				if !m.ruleMatches(r, peer, f) {
					continue
				}
				switch r.Action {
				case Pass:
					passed = true
					break tier
				case Allow:
					return decided(d, true, p, r, "allowed in tier "+t.Name)
				default:
					return decided(d, false, p, r, "denied in tier "+t.Name)
				}
			}
			// The DNS allowance of an egress-isolating policy follows its rules (Policy.DNS:
			// backends add it to the object that isolates, tiered or not).
			if dir == Egress && p.DNS && m.isDNS(peer, f) {
				d.Allowed = true
				d.Policy = policyName(p)
				d.Why = "allowed in tier " + t.Name + ": DNS stays open for egress-isolated workloads"
				return d
			}
		}
		if !passed && t.DefaultAction != Pass {
			d.Why = "denied at the end of tier " + t.Name
			d.Policy = policyName(in[len(in)-1])
			return d
		}
	}

	// Untiered: deny wins.
	isolated := false
	for _, p := range selecting {
		if p.Tier != "" {
			continue
		}
		for _, r := range p.Rules(dir) {
			if r.Action == Deny && m.ruleMatches(r, peer, f) {
				return decided(d, false, p, r, "denied")
			}
		}
		isolated = isolated || p.Isolates(dir)
	}
	if !isolated {
		d.Allowed = true
		d.Why = "not isolated for " + strings.ToLower(string(dir))
		return d
	}
	for _, p := range selecting {
		if p.Tier != "" {
			continue
		}
		for _, r := range p.Rules(dir) {
			if r.Action == Allow && !r.Inherited && m.ruleMatches(r, peer, f) {
				why := "allowed"
				if r.Mirrored {
					why = "allowed (mirrored from the other end)"
				}
				return decided(d, true, p, r, why)
			}
		}
	}
	if dir == Egress {
		for _, p := range selecting {
			if p.DNS && p.Tier == "" && m.isDNS(peer, f) {
				d.Allowed = true
				d.Policy = policyName(p)
				d.Why = "allowed: DNS stays open for egress-isolated workloads"
				return d
			}
		}
	}
	d.Why = "isolated for " + strings.ToLower(string(dir)) + " and no allow rule matches"
	return d
}

func decided(d Decision, allowed bool, p *Policy, r Rule, why string) Decision {
	d.Allowed = allowed
	d.Policy = policyName(p)
	if r.Path != nil {
		d.Rule = r.Path.String()
	}
	d.Why = why
	return d
}

func policyName(p *Policy) string {
	if p.Subject.Namespace != "" {
		return p.Subject.Namespace + "/" + p.Name
	}
	return p.Name
}

func (m *Model) isDNS(peer Endpoint, f Flow) bool {
	if !m.DNS.matches(peer) || f.ICMP != nil {
		return false
	}
	for _, pt := range m.DNSPorts {
		if pt.matches(f.Protocol, f.Port, f.To) {
			return true
		}
	}
	return false
}

// selects reports whether the subject covers the endpoint.
func (s Subject) selects(e Endpoint) bool {
	switch s.Scope {
	case ScopeHost:
		return (e.Kind == EndpointHost || e.Kind == EndpointRemoteNode) && selectorMatches(&s.Nodes, e.Labels)
	case ScopeCluster:
		return e.Kind == EndpointPod && e.Cluster == "" &&
			selectorMatches(s.NamespaceSelector, e.NamespaceLabels) && selectorMatches(&s.Pods, e.Labels)
	default:
		return e.Kind == EndpointPod && e.Cluster == "" && e.Namespace == s.Namespace && selectorMatches(&s.Pods, e.Labels)
	}
}

func (m *Model) ruleMatches(r Rule, peer Endpoint, f Flow) bool {
	matched := false
	for _, p := range r.Peers {
		if p.matches(peer) {
			matched = true
			break
		}
	}
	if !matched || !r.trafficMatches(f) {
		return false
	}
	if f.HTTP != nil && len(r.HTTP) > 0 {
		ok := false
		for _, h := range r.HTTP {
			if h.Matches(*f.HTTP) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if f.DNSQuery != "" && len(r.DNS) > 0 {
		ok := false
		for _, pat := range r.DNS {
			if MatchFQDN(pat, f.DNSQuery) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (r Rule) trafficMatches(f Flow) bool {
	if r.AllTraffic() {
		return true
	}
	if f.ICMP != nil {
		for _, m := range r.ICMP {
			if m.Family == f.ICMP.Family && m.Type == f.ICMP.Type && (m.Code == nil || (f.ICMP.Code != nil && *m.Code == *f.ICMP.Code)) {
				return true
			}
		}
		return false
	}
	for _, pt := range r.Ports {
		if pt.matches(f.Protocol, f.Port, f.To) {
			return true
		}
	}
	return false
}

// matches reports whether the port admits proto/port at destination dst (whose named
// ports resolve Name).
func (pt Port) matches(proto Protocol, port int32, dst Endpoint) bool {
	if pt.Protocol != proto {
		return false
	}
	switch {
	case pt.Name != "":
		np, ok := dst.NamedPorts[pt.Name]
		return ok && np.Protocol == proto && np.Port == port
	case pt.Port == 0:
		return true
	case pt.EndPort != 0:
		return pt.Port <= port && port <= pt.EndPort
	default:
		return pt.Port == port
	}
}

// matches reports whether the peer covers the endpoint.
func (p Peer) matches(e Endpoint) bool {
	switch p.Kind {
	case PeerAny:
		return true
	case PeerPods:
		if e.Kind != EndpointPod || e.Cluster != p.Cluster {
			return false
		}
		switch {
		case p.AllNamespaces:
		case p.Namespace != "":
			if e.Namespace != p.Namespace {
				return false
			}
		default:
			if !selectorMatches(p.NamespaceSelector, e.NamespaceLabels) {
				return false
			}
		}
		return selectorMatches(p.PodSelector, e.Labels) && (p.ServiceAccount == "" || p.ServiceAccount == e.ServiceAccount)
	case PeerCIDR:
		if e.Kind != EndpointExternal || !e.IP.IsValid() || !p.CIDR.Contains(e.IP) {
			return false
		}
		for _, x := range p.Except {
			if x.Contains(e.IP) {
				return false
			}
		}
		return true
	case PeerFQDN:
		return e.Kind == EndpointExternal && e.DNSName != "" && MatchFQDN(p.FQDN, e.DNSName)
	case PeerEntity:
		switch p.Entity {
		case EntityWorld:
			return e.Kind == EndpointExternal
		case EntityCluster:
			return e.Kind != EndpointExternal && e.Cluster == ""
		case EntityHost:
			return e.Kind == EndpointHost
		case EntityRemoteNode:
			// The API server runs on nodes of the cluster: those are remote nodes too.
			return e.Kind == EndpointRemoteNode || e.Kind == EndpointKubeAPIServer
		case EntityKubeAPIServer:
			return e.Kind == EndpointKubeAPIServer
		}
	}
	return false
}

// MatchFQDN reports whether a DNS name matches an FQDN pattern with Cilium's semantics
// (pkg/fqdn/matchpattern): a pattern of only stars ("*", "**", optionally with a trailing
// dot) matches every name of non-empty labels; a leading "**." (two or more stars and a
// dot) matches one or more whole labels; any other "*" matches characters of one label.
// Names compare case-insensitively; a trailing dot is ignored.
func MatchFQDN(pattern, name string) bool {
	pattern = strings.ToLower(pattern)
	name = fullyQualified(strings.ToLower(name))
	if fqdnMatchAll.MatchString(pattern) {
		return fqdnAnyName.MatchString(name)
	}
	re, err := compileCached(fqdnRegexp(fullyQualified(pattern)))
	return err == nil && re.MatchString(name)
}

var (
	// fqdnMatchAll is the patterns Cilium reads as "every name": "*", "**", "*.", "**.", ...
	fqdnMatchAll = regexp.MustCompile(`^\*+\.?$`)
	// fqdnAnyName is what those match: fully qualified names of non-empty labels, or the root.
	fqdnAnyName = regexp.MustCompile(`^(?:(?:[-a-z0-9_]+\.)+|\.)$`)
	// fqdnSubdomains is the leading "**." (two or more stars) that stands for whole labels.
	fqdnSubdomains = regexp.MustCompile(`^\*{2,}\.`)
)

// fullyQualified appends the root dot unless the name ends in one, as Cilium does before
// matching (its dns.FQDN).
func fullyQualified(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

func fqdnRegexp(pattern string) string {
	const label = `[-a-z0-9_]`
	var b strings.Builder
	b.WriteString("^")
	rest := pattern
	if loc := fqdnSubdomains.FindStringIndex(rest); loc != nil {
		b.WriteString(`(?:` + label + `+\.)+`)
		rest = rest[loc[1]:]
	}
	for _, c := range rest {
		switch c {
		case '*':
			b.WriteString(label + "*")
		case '.':
			b.WriteString(`\.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}

// Describe renders an endpoint briefly, for messages.
func (e Endpoint) Describe() string {
	switch e.Kind {
	case EndpointPod:
		return fmt.Sprintf("pod %s %v", e.Namespace, e.Labels)
	case EndpointExternal:
		if e.DNSName != "" {
			return fmt.Sprintf("%s (%s)", e.IP, e.DNSName)
		}
		return e.IP.String()
	case EndpointSystem:
		return string(e.Kind) + " " + e.Component
	default:
		return string(e.Kind)
	}
}

// regexpCache holds compiled regular expressions by source: the evaluator meets the same
// few patterns for every flow it judges.
var regexpCache sync.Map

func compileCached(expr string) (*regexp.Regexp, error) {
	if re, ok := regexpCache.Load(expr); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	regexpCache.Store(expr, re)
	return re, nil
}
