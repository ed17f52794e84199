package policy

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/netintent/netintent/internal/goexpr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Severity says how sure Lint is that a finding breaks something.
type Severity string

// The severities, from most to least severe.
const (
	// SeverityError: the intent, once enforced, breaks traffic that almost every workload
	// needs (name resolution, the FQDN rules themselves).
	SeverityError Severity = "error"
	// SeverityWarning: the intent very likely does not do what its author meant.
	SeverityWarning Severity = "warning"
	// SeverityInfo: worth a look in review; often intended.
	SeverityInfo Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	default:
		return 2
	}
}

// The lint codes. A code is stable: tooling may filter findings by it. The number is the
// identity; the words after it say what the lint is about.
const (
	// LintDefaultDenyWithoutDNS: a workload cannot reach the DNS service on some or all of
	// its ports, because its egress is isolated without the DNS allowance (WithoutDNS) and
	// no rule admits DNS, or because a deny, a tier or the DNS service's own ingress
	// isolation drops the lookups. Error when every DNS port is blocked (the guide's
	// outage, case 1), warning when only some are (DNS over TCP carries large answers).
	LintDefaultDenyWithoutDNS = "NI001-default-deny-without-dns"
	// LintFQDNWithoutDNSVisibility: an FQDN allow whose subject cannot look the name up at
	// the DNS service. Engines learn the addresses of a name from the lookups they proxy;
	// without them the rule admits nothing. Error.
	LintFQDNWithoutDNSVisibility = "NI002-fqdn-without-dns-visibility"
	// LintCIDRInClusterRange: a CIDR peer inside a range that clusters use for pods or
	// services. CIDR peers stand for addresses outside the cluster (Kubernetes documents
	// ipBlock so, and pod addresses change); pods are named by labels. Info with the
	// default ranges, which are a guess; warning with ranges given by ClusterRanges.
	LintCIDRInClusterRange = "NI003-cidr-in-cluster-range"
	// LintPeerSelectsNothing: a peer that selects nothing the Set declares: a namespace
	// selector that no declared namespace's labels match (info), a service the Set does not
	// declare while a near name is declared in its namespace or the name in another
	// namespace (info, with the likely intended name; a callee without rules of its own is
	// not reported), an FQDN that is an IP address or an in-cluster
	// name (warning: no lookup ever yields it), a CIDR whose except ranges cover all of it
	// (warning).
	LintPeerSelectsNothing = "NI004-peer-selects-nothing"
	// LintAllowShadowed: an allow rule none of whose flows in the Model's Universe is
	// allowed: a deny, an earlier tier, or the other end drops every one of them. Warning.
	LintAllowShadowed = "NI005-allow-shadowed"
	// LintIsolatedWithoutIngress: a workload isolated for ingress that no flow of the
	// Universe may reach. Warning: a service nobody can call is usually a missing allow
	// (an API gateway behind a namespace default-deny with no rule from the ingress
	// controller or the world).
	LintIsolatedWithoutIngress = "NI006-isolated-without-ingress"
	// LintEqualTierOrder: two policies of one tier with the same order. Calico breaks the
	// tie by name, which nobody reviews (the guide's case 3). Warning.
	LintEqualTierOrder = "NI007-equal-tier-order"
	// LintBroadFQDN: an FQDN allow pattern broader than likely meant: "*" alone, or a
	// wildcard followed by at most one label ("*.com", "**.io", "*stripe.com", which also
	// matches evilstripe.com). Warning.
	LintBroadFQDN = "NI008-broad-fqdn-pattern"
	// LintMetadataReachable: an egress-isolated workload whose allow rules admit the cloud
	// metadata service (MetadataAddresses, TCP 80), through a broad rule (world, Any,
	// 0.0.0.0/0, a link-local range), and no deny stops it. The author restricted egress
	// and a broad allow re-opened instance credentials. Workloads that are not isolated
	// reach the metadata service as every pod does by default; a cluster guardrail is the
	// answer there, and the fix of this finding. Rules that name the metadata address
	// itself (a /32 or /128) are taken as intended. Warning.
	LintMetadataReachable = "NI009-metadata-reachable"
	// LintTierDropsUnmatched: a tiered policy with only deny and pass rules in a direction,
	// none of them matching all traffic, in a tier whose default action is Deny: traffic
	// its rules do not match is dropped at the end of the tier for every endpoint it
	// selects, which a policy of denies rarely means (seed 12's outage). Warning.
	LintTierDropsUnmatched = "NI010-tier-drops-unmatched"
	// LintLiteralWildcardPath: an exact or prefix HTTP path holding '*', which every engine
	// matches literally ("/reviews/*" admits only that path); a prefix path says "every
	// path under". Warning.
	LintLiteralWildcardPath = "NI011-literal-wildcard-path"
)

// MetadataAddresses are the cloud instance metadata addresses LintMetadataReachable
// checks: the link-local IPv4 address of AWS, GCP, Azure and others, and AWS's IPv6
// address.
func MetadataAddresses() []netip.Addr {
	return []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("fd00:ec2::254")}
}

// Finding is one problem Lint found.
type Finding struct {
	// Code identifies the lint (the Lint... constants).
	Code string
	// Severity says how sure the lint is that this breaks something.
	Severity Severity
	// Path is the field path of the intent concerned (a policy, a rule or a peer).
	Path string
	// Message says what is wrong, with an example flow where the lint judged flows.
	Message string
	// Fix says what to write instead, as Go builder code where one fits.
	Fix string
}

// String renders the finding on one line, and its fix on a second one.
func (f Finding) String() string {
	s := fmt.Sprintf("%s %s %s: %s", f.Severity, f.Code, f.Path, f.Message)
	if f.Fix != "" {
		s += "\n  fix: " + f.Fix
	}
	return s
}

// LintOption configures Lint.
type LintOption func(*lintConfig)

type lintConfig struct {
	ranges       []netip.Prefix
	rangesGiven  bool
	acknowledged []acknowledgement
}

// acknowledgement is a finding the author intends (Acknowledge).
type acknowledgement struct{ code, path string }

// Acknowledge tells Lint that findings of the code at path are intended: a finding whose
// Path is path, or lies under it ("services[shop/web]" covers
// "services[shop/web].egress[0]"), is left out. Say why beside the option, for example
// Acknowledge(LintDefaultDenyWithoutDNS, "services[shop/batch]") for a workload that
// resolves no names on purpose (WithoutDNS).
func Acknowledge(code, path string) LintOption {
	return func(c *lintConfig) { c.acknowledged = append(c.acknowledged, acknowledgement{code, path}) }
}

// intended reports whether a finding of code at path is acknowledged.
func (c *lintConfig) intended(code, path string) bool {
	for _, a := range c.acknowledged {
		if a.code == code && (path == a.path || strings.HasPrefix(path, a.path+".") || strings.HasPrefix(path, a.path+"[")) {
			return true
		}
	}
	return false
}

// ClusterRanges tells Lint the cluster's pod and service CIDRs (for example
// 10.244.0.0/16 and 10.96.0.0/12). CIDR peers inside them are then reported as warnings
// instead of informational guesses against DefaultClusterRanges.
func ClusterRanges(prefixes ...netip.Prefix) LintOption {
	return func(c *lintConfig) {
		c.ranges = append([]netip.Prefix(nil), prefixes...)
		c.rangesGiven = true
	}
}

// DefaultClusterRanges returns the ranges that LintCIDRInClusterRange assumes to hold
// pods and services unless ClusterRanges says otherwise: the private ranges clusters
// draw them from. 10.0.0.0/8 holds kubeadm's 10.244.0.0/16 pods and 10.96.0.0/12
// services, k3s's 10.42.0.0/16 and 10.43.0.0/16 and Cilium's cluster pool; 100.64.0.0/10
// (shared address space) is used for pods by several managed offerings; 172.16.0.0/12
// and 192.168.0.0/16 hold Docker's and Calico's defaults; fd00::/8 holds IPv6 clusters'
// unique local ranges.
func DefaultClusterRanges() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("fd00::/8"),
	}
}

// Lint validates the Set and reports what in it is likely wrong; see Model.Lint. The
// error is the *ValidationError of an invalid Set.
func Lint(set *Set, opts ...LintOption) ([]Finding, error) {
	if set == nil {
		return nil, errors.New("policy: Lint needs a Set, got nil")
	}
	m, err := set.Model()
	if err != nil {
		return nil, err
	}
	return m.Lint(opts...), nil
}

// Lint reports what in the model is likely wrong: the checks behind the Lint... codes,
// motivated by the outages of the guide. Findings are sorted by severity (errors first),
// code, path and message.
//
// Structural checks read the model. The others judge flows with the reference evaluator
// over the model's Universe, so they know exactly what the sample knows: one pod per
// subject and peer, addresses at the edges of every CIDR, a probe per port. Policies in
// audit mode are judged as if enforced: audit is a rollout step, and the findings are
// about the intent. Flow-judging checks are indexed (policies and samples by namespace
// and service label) and stop at the first allowed flow; a check that would judge more
// than 4,096 flows for one rule or workload gives up and reports nothing, so
// that a finding is never a guess.
func (m *Model) Lint(opts ...LintOption) []Finding {
	cfg := lintConfig{ranges: DefaultClusterRanges()}
	for _, o := range opts {
		o(&cfg)
	}
	l := newLinter(m, cfg)
	l.lintDNS()
	l.lintFQDNLookups()
	l.lintPeers()
	l.lintShadowedAllows()
	l.lintUnreachable()
	l.lintTierOrders()
	l.lintTierEnds()
	l.lintMetadata()
	l.lintHTTPPaths()
	return l.sorted()
}

// lintFlowBudget bounds the flows one check judges for one rule or workload.
const lintFlowBudget = 4096

type linter struct {
	m      *Model // every policy enforced
	cfg    lintConfig
	s      *sampleIndex
	j      *judge
	probes []Probe
	byName map[string]*Policy
	out    []Finding
}

func newLinter(m *Model, cfg lintConfig) *linter {
	em := enforcedModel(m)
	u := em.Universe()
	l := &linter{m: em, cfg: cfg, s: newSampleIndex(u.Endpoints, m.ServiceLabel), j: newJudge(em), probes: u.Probes,
		byName: map[string]*Policy{}}
	for _, p := range em.Policies {
		l.byName[policyName(p)] = p
	}
	return l
}

// enforcedModel returns a copy of m whose policies are all enforced.
func enforcedModel(m *Model) *Model {
	c := *m
	c.Policies = make([]*Policy, len(m.Policies))
	for i, p := range m.Policies {
		q := *p
		q.Mode = Enforce
		c.Policies[i] = &q
	}
	return &c
}

func (l *linter) add(code string, sev Severity, path, msg, fix string) {
	if l.cfg.intended(code, path) {
		return
	}
	l.out = append(l.out, Finding{Code: code, Severity: sev, Path: path, Message: msg, Fix: fix})
}

// sorted returns the findings in order, without duplicates.
func (l *linter) sorted() []Finding {
	sort.SliceStable(l.out, func(i, j int) bool {
		a, b := l.out[i], l.out[j]
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() < b.Severity.rank()
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	var out []Finding
	for i, f := range l.out {
		if i > 0 && f == l.out[i-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// userRules calls fn for every rule the user wrote (not mirrored or inherited, and not the DNS lookups
// the model derives for FQDN peers, which share their rule's path).
func userRules(p *Policy, fn func(d Direction, r Rule)) {
	for _, d := range []Direction{Ingress, Egress} {
		seen := map[string]bool{}
		for _, r := range p.Rules(d) {
			if !r.Written() || r.Path == nil {
				continue
			}
			k := r.Path.String()
			if seen[k] {
				continue
			}
			seen[k] = true
			fn(d, r)
		}
	}
}

// ---- NI001 and NI002: DNS ----

// dnsTarget returns the sample standing for the DNS service and the probes of its ports.
func (l *linter) dnsTarget() (Sample, []Probe, bool) {
	for _, i := range l.s.peerCandidates(l.m.DNS) {
		s := l.s.all[i]
		if !l.s.matches(l.m.DNS, i) {
			continue
		}
		var probes []Probe
		for _, pt := range l.m.DNSPorts {
			switch {
			case pt.Name != "":
				if np, ok := s.NamedPorts[pt.Name]; ok {
					probes = append(probes, Probe{Protocol: np.Protocol, Port: np.Port})
				}
			case pt.Port == 0:
				probes = append(probes, Probe{Protocol: pt.Protocol, Port: 53})
			default:
				probes = append(probes, Probe{Protocol: pt.Protocol, Port: pt.Port})
			}
		}
		return s, probes, len(probes) > 0
	}
	return Sample{}, nil, false
}

func (l *linter) lintDNS() {
	target, probes, ok := l.dnsTarget()
	if !ok {
		return
	}
	type group struct {
		sev     Severity
		path    string
		denied  string
		samples []string
		example Verdict
		fix     string
	}
	groups := map[string]*group{}
	var keys []string
	for _, i := range l.s.pods {
		s := l.s.all[i]
		if s.Name == target.Name || s.Cluster != "" {
			continue
		}
		var denied []string
		var first Verdict
		for _, pr := range probes {
			if v := l.j.verdict(s, target, pr.flow(s.Endpoint, target.Endpoint)); !v.Allowed {
				if len(denied) == 0 {
					first = v
				}
				denied = append(denied, pr.String())
			}
		}
		if len(denied) == 0 {
			continue
		}
		sev := SeverityWarning
		if len(denied) == len(probes) {
			sev = SeverityError
		}
		path, fix := l.dnsBlame(s, target, first)
		key := string(sev) + "\x00" + path + "\x00" + strings.Join(denied, ",")
		g := groups[key]
		if g == nil {
			g = &group{sev: sev, path: path, denied: strings.Join(denied, ", "), example: first, fix: fix}
			groups[key] = g
			keys = append(keys, key)
		}
		g.samples = append(g.samples, l.who(s))
	}
	for _, k := range keys {
		g := groups[k]
		l.add(LintDefaultDenyWithoutDNS, g.sev, g.path,
			fmt.Sprintf("%s cannot reach the DNS service (%s) on %s: %s", sampleList(g.samples), l.who(target), g.denied, g.example),
			g.fix)
	}
}

// dnsBlame names the intent that drops a lookup from s to the DNS service, and the fix.
func (l *linter) dnsBlame(s, target Sample, v Verdict) (string, string) {
	dnsTo := podPeerExpr(l.m.DNS, l.m.ServiceLabel)
	ports := portsExpr(l.m.DNSPorts)
	self, dir, d := s, Egress, v.Source
	if !v.Source.Judged || v.Source.Allowed {
		self, dir, d = target, Ingress, v.Destination
	}
	p, byRule := l.blame(self, dir, d)
	switch {
	case p == nil:
		return "options.dns", "choose a DNS service that the Set lets workloads reach (policy.DNSService)"
	case byRule:
		return d.Rule, fmt.Sprintf("narrow the deny rule at %s so that it does not match the DNS service %s on port 53", d.Rule, dnsTo)
	case dir == Ingress:
		return p.Path.String(), fmt.Sprintf("%s.AllowFrom(policy.AllNamespaces())%s", builderExpr(p), ports)
	case p.Tier != "":
		return p.Path.String(), fmt.Sprintf("%s.AllowTo(%s)%s (before the end of tier %s)", builderExpr(p), dnsTo, ports, p.Tier)
	default:
		return p.Path.String(), fmt.Sprintf("remove .WithoutDNS() from %s, or add %s.AllowTo(%s)%s", builderExpr(p), builderExpr(p), dnsTo, ports)
	}
}

// blame returns the policy that made decision d for self in direction dir, and whether a
// rule of it decided (rather than its isolation or the end of its tier).
func (l *linter) blame(self Sample, dir Direction, d Decision) (*Policy, bool) {
	if d.Policy != "" {
		return l.byName[d.Policy], d.Rule != ""
	}
	for _, p := range l.j.policies(self) {
		if p.Tier == "" && p.Isolates(dir) {
			return p, false
		}
	}
	return nil, false
}

func (l *linter) lintFQDNLookups() {
	target, probes, ok := l.dnsTarget()
	if !ok {
		return
	}
	for _, p := range l.m.Policies {
		userRules(p, func(d Direction, r Rule) {
			if d != Egress || r.Action != Allow {
				return
			}
			for i, peer := range r.Peers {
				if peer.Kind != PeerFQDN {
					continue
				}
				name := exampleName(peer.FQDN)
				for _, si := range l.s.subjectSamples(p.Subject) {
					s := l.s.all[si]
					var last Verdict
					admitted := false
					for _, pr := range probes {
						f := pr.flow(s.Endpoint, target.Endpoint)
						f.DNSQuery = name
						if last = l.j.verdict(s, target, f); last.Allowed {
							admitted = true
							break
						}
					}
					if admitted {
						continue
					}
					_, fix := l.dnsBlame(s, target, last)
					l.add(LintFQDNWithoutDNSVisibility, SeverityError, r.Path.Child("peers").Index(i).String(),
						fmt.Sprintf("%s cannot look up %s (a name %q matches) at the DNS service: %s; engines learn the addresses of an FQDN from the lookups they see, so this peer admits nothing",
							l.who(s), name, peer.FQDN, last), fix)
					break
				}
			}
		})
	}
}

// ---- NI003, NI004, NI008: peers ----

func (l *linter) lintPeers() {
	declared := map[string]bool{}       // "ns/name" of services the Set declares
	servicesIn := map[string][]string{} // namespace → declared services
	byService := map[string][]string{}  // service → namespaces declaring it
	for _, p := range l.m.Policies {
		if ns, name, ok := declaredService(p); ok && !declared[ns+"/"+name] {
			declared[ns+"/"+name] = true
			servicesIn[ns] = append(servicesIn[ns], name)
			byService[name] = append(byService[name], ns)
		}
	}
	for _, p := range l.m.Policies {
		if p.Subject.NamespaceSelector != nil && !l.namespaceMatches(p.Subject.NamespaceSelector) {
			l.add(LintPeerSelectsNothing, SeverityInfo, p.Path.Child("namespaceSelector").String(),
				fmt.Sprintf("no namespace the Set declares has labels matching %s, so the policy selects nothing the Set knows of", selectorString(p.Subject.NamespaceSelector)),
				"declare the labels the namespaces carry: set.Namespace(\"<name>\").Labels(map[string]string{...})")
		}
		userRules(p, func(d Direction, r Rule) {
			for i, peer := range r.Peers {
				path := r.Path.Child("peers").Index(i).String()
				switch peer.Kind {
				case PeerPods:
					l.podPeer(peer, path, declared, servicesIn, byService)
				case PeerCIDR:
					l.cidrPeer(peer, path)
				case PeerFQDN:
					l.fqdnPeer(peer, path, r.Action)
				}
			}
		})
	}
}

// declaredService reports the service a policy was declared for with Set.Service or
// Set.ServiceIn (not derived from mirroring).
func declaredService(p *Policy) (string, string, bool) {
	root, key := splitPolicyPath(p.Path.String())
	if root != "services" {
		return "", "", false
	}
	ns, name, ok := strings.Cut(key, "/")
	return ns, name, ok
}

func (l *linter) namespaceMatches(sel *metav1.LabelSelector) bool {
	for _, n := range l.m.Namespaces {
		if selectorMatches(sel, n.Labels) {
			return true
		}
	}
	return false
}

func (l *linter) podPeer(peer Peer, path string, declared map[string]bool, servicesIn, byService map[string][]string) {
	if peer.NamespaceSelector != nil && !l.namespaceMatches(peer.NamespaceSelector) {
		l.add(LintPeerSelectsNothing, SeverityInfo, path,
			fmt.Sprintf("no namespace the Set declares has labels matching %s", selectorString(peer.NamespaceSelector)),
			"declare the labels the namespaces carry: set.Namespace(\"<name>\").Labels(map[string]string{...}), or name the namespace: policy.Namespace(\"<name>\")")
	}
	if peer.Service == "" || peer.Namespace == "" || peer.Cluster != "" || declared[peer.Namespace+"/"+peer.Service] {
		return
	}
	// A callee without rules of its own is common and fine: only a name that looks like
	// a slip (a near declared name, or the name declared in another namespace) is reported.
	msg := fmt.Sprintf("service %s/%s is not declared in the Set", peer.Namespace, peer.Service)
	if near := closest(peer.Service, servicesIn[peer.Namespace]); near != "" {
		l.add(LintPeerSelectsNothing, SeverityInfo, path, msg+fmt.Sprintf("; %s/%s is", peer.Namespace, near),
			fmt.Sprintf("policy.ServiceIn(%q, %q)", peer.Namespace, near))
	} else if nss := byService[peer.Service]; len(nss) > 0 {
		l.add(LintPeerSelectsNothing, SeverityInfo, path, msg+fmt.Sprintf("; it is declared in namespace %s", nss[0]),
			fmt.Sprintf("policy.ServiceIn(%q, %q)", nss[0], peer.Service))
	}
}

func (l *linter) cidrPeer(peer Peer, path string) {
	if exceptsCover(peer.CIDR, peer.Except) {
		l.add(LintPeerSelectsNothing, SeverityWarning, path,
			fmt.Sprintf("the except ranges cover all of %s: the peer matches no address", peer.CIDR),
			"remove the peer, or the except ranges that cover it")
	}
	if peer.CIDR.IsSingleIP() && slices.Contains(MetadataAddresses(), peer.CIDR.Addr()) {
		return // AWS's IPv6 metadata address lies in fd00::/8, and is not a pod
	}
	for _, r := range l.cfg.ranges {
		if r.Bits() > peer.CIDR.Bits() || !r.Contains(peer.CIDR.Addr()) {
			continue
		}
		sev, what := SeverityInfo, "a range clusters commonly use for pods and services"
		if l.cfg.rangesGiven {
			sev, what = SeverityWarning, "a range of the cluster"
		}
		where := "lies in " + r.String() + ","
		if r == peer.CIDR {
			where = "is"
		}
		l.add(LintCIDRInClusterRange, sev, path,
			fmt.Sprintf("%s %s %s: CIDR peers match only addresses outside the cluster, and pod addresses change", peer.CIDR, where, what),
			"select in-cluster workloads by labels: policy.ServiceIn(\"<namespace>\", \"<service>\"), policy.Namespace(\"<namespace>\") or policy.AllNamespaces(); nodes with policy.Host() or policy.RemoteNodes()")
		return
	}
}

func (l *linter) fqdnPeer(peer Peer, path string, action Action) {
	name := peer.FQDN
	if a, err := netip.ParseAddr(name); err == nil {
		l.add(LintPeerSelectsNothing, SeverityWarning, path,
			fmt.Sprintf("%q is an IP address: clients do not look it up, so no engine learns it as a name", name),
			fmt.Sprintf("policy.CIDR(%q)", netip.PrefixFrom(a, a.BitLen())))
		return
	}
	labels := strings.Split(name, ".")
	if strings.HasSuffix(name, ".cluster.local") || strings.HasSuffix(name, ".svc") {
		fix := "policy.ServiceIn(\"<namespace>\", \"<service>\")"
		if len(labels) > 2 && labels[2] == "svc" && !strings.Contains(labels[0]+labels[1], "*") {
			fix = fmt.Sprintf("policy.ServiceIn(%q, %q)", labels[1], labels[0])
		}
		l.add(LintPeerSelectsNothing, SeverityWarning, path,
			fmt.Sprintf("%q is an in-cluster name: it resolves to service addresses that engines translate to pods, which FQDN rules never match", name), fix)
		return
	}
	if action != Allow || !strings.Contains(name, "*") {
		return
	}
	last := -1
	for i, lb := range labels {
		if strings.Contains(lb, "*") {
			last = i
		}
	}
	after := len(labels) - 1 - last
	if after > 1 {
		return
	}
	example := strings.ReplaceAll(strings.ReplaceAll(name, "**", "*"), "*", "evil")
	fix := "name the hosts, or a wildcard under a domain you trust: policy.FQDN(\"*.example.com\")"
	if after == 0 {
		example = "evil.example"
	} else if lb := labels[last]; lb != "*" && lb != "**" && last == len(labels)-2 {
		fix = fmt.Sprintf("policy.FQDN(%q)", "*."+strings.Trim(lb, "*")+"."+labels[len(labels)-1])
	}
	l.add(LintBroadFQDN, SeverityWarning, path,
		fmt.Sprintf("%q is broader than likely meant: it also matches %s", name, example), fix)
}

// exceptsCover reports whether the except ranges cover every address of c.
func exceptsCover(c netip.Prefix, except []netip.Prefix) bool {
	ex := append([]netip.Prefix(nil), except...)
	sort.Slice(ex, func(i, j int) bool { return ex[i].Addr().Less(ex[j].Addr()) })
	next, end := c.Masked().Addr(), lastAddr(c)
	for _, x := range ex {
		if next.Less(x.Addr()) {
			return false
		}
		if last := lastAddr(x); !last.Less(next) {
			if last == end {
				return true
			}
			next = last.Next()
		}
	}
	return false
}

// closest returns the name in names nearest to want (edit distance at most 2), or "".
func closest(want string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(want, n); d < bestD || d == bestD && n < best {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ---- NI005 and NI006: flows ----

func (l *linter) lintShadowedAllows() {
	for _, p := range l.m.Policies {
		subjects := l.s.subjectSamples(p.Subject)
		userRules(p, func(d Direction, r Rule) {
			if r.Action != Allow {
				return
			}
			judged, admitted := 0, false
			var example string
			l.ruleFlows(subjects, d, r, func(from, to Sample, pr Probe) bool {
				if judged++; judged > lintFlowBudget {
					return false
				}
				v := l.j.verdict(from, to, pr.flow(from.Endpoint, to.Endpoint))
				if v.Allowed {
					admitted = true
					return false
				}
				if example == "" {
					example = fmt.Sprintf("%s → %s %s: %s", from.Name, to.Name, pr, v)
				}
				return true
			})
			if admitted || judged == 0 || judged > lintFlowBudget {
				return
			}
			fix := "remove the rule, or narrow what drops its traffic (the deny, tier or other end named above)"
			if r.OneSided && slices.ContainsFunc(r.Peers, func(x Peer) bool { return namesWorkloads(&x) }) {
				// Lifted policies are one-sided: where the other end is isolated and does not
				// admit the edge, dropping OneSided mirrors it there.
				fix = "drop .OneSided(), so that the allow also opens the other end; or " + fix
			}
			l.add(LintAllowShadowed, SeverityWarning, r.Path.String(),
				fmt.Sprintf("the rule allows none of the %d sampled flows it matches; for example %s", judged, example), fix)
		})
	}
}

// ruleFlows calls fn with every flow of the sample that rule r of a policy selecting
// subjects matches, in direction d, until fn returns false.
func (l *linter) ruleFlows(subjects []int, d Direction, r Rule, fn func(from, to Sample, pr Probe) bool) {
	peers := l.peerSamples(r)
	for _, si := range subjects {
		for _, pi := range peers {
			if si == pi {
				continue
			}
			from, to := l.s.all[si], l.s.all[pi]
			if d == Ingress {
				from, to = to, from
			}
			for _, pr := range l.probes {
				if !r.trafficMatches(pr.flow(from.Endpoint, to.Endpoint)) {
					continue
				}
				if !fn(from, to, pr) {
					return
				}
			}
		}
	}
}

func (l *linter) lintUnreachable() {
	for _, si := range l.s.pods {
		s := l.s.all[si]
		if s.Cluster != "" || len(s.Labels) == 0 || s.Labels[l.m.ServiceLabel] == "netintent-unselected" {
			continue
		}
		policies := l.j.policies(s)
		var isolating *Policy
		for _, p := range policies {
			if p.Isolates(Ingress) || tierDrops(l.m, p, Ingress) {
				isolating = p
				break
			}
		}
		if isolating == nil {
			continue
		}
		judged, reachable := 0, false
		for _, p := range policies {
			for _, r := range p.Ingress {
				if r.Action == Deny || reachable || judged > lintFlowBudget {
					continue
				}
				l.ruleFlows([]int{si}, Ingress, r, func(from, to Sample, pr Probe) bool {
					if judged++; judged > lintFlowBudget {
						return false
					}
					reachable = l.j.verdict(from, to, pr.flow(from.Endpoint, to.Endpoint)).Allowed
					return !reachable
				})
			}
		}
		if reachable || judged > lintFlowBudget {
			continue
		}
		fix := fmt.Sprintf("%s.AllowFrom(/* its callers */).TCP(/* its port */)", builderExpr(isolating))
		if v, ok := s.Labels[l.m.ServiceLabel]; ok && len(s.Labels) == 1 {
			fix = fmt.Sprintf("set.ServiceIn(%q, %q).AllowFrom(/* its callers, e.g. policy.World() */).TCP(/* its port */)", s.Namespace, v)
		}
		why := "no rule admits anything into it"
		if judged > 0 {
			why = fmt.Sprintf("none of the %d sampled flows its rules match is allowed", judged)
		}
		l.add(LintIsolatedWithoutIngress, SeverityWarning, isolating.Path.String(),
			fmt.Sprintf("%s is isolated for ingress by %s and nothing may reach it: %s", l.who(s), policyName(isolating), why),
			fix)
	}
}

// ---- NI007 and NI010: tiers ----

func (l *linter) lintTierOrders() {
	byTier := map[string]map[float64][]*Policy{}
	for _, p := range l.m.Policies {
		if p.Tier == "" {
			continue
		}
		if byTier[p.Tier] == nil {
			byTier[p.Tier] = map[float64][]*Policy{}
		}
		byTier[p.Tier][p.Order] = append(byTier[p.Tier][p.Order], p)
	}
	for _, t := range l.m.Tiers {
		orders := make([]float64, 0, len(byTier[t.Name]))
		for o := range byTier[t.Name] {
			orders = append(orders, o)
		}
		sort.Float64s(orders)
		for i, o := range orders {
			ps := byTier[t.Name][o]
			if len(ps) < 2 {
				continue
			}
			sort.Slice(ps, func(a, b int) bool { return ps[a].Name < ps[b].Name })
			step := 1.0
			if i+1 < len(orders) {
				step = (orders[i+1] - o) / float64(len(ps))
			}
			for k := 1; k < len(ps); k++ {
				l.add(LintEqualTierOrder, SeverityWarning, ps[k].Path.Child("order").String(),
					fmt.Sprintf("%s has order %v in tier %s, like %s: Calico breaks the tie by name, so %s is evaluated first and decides what both match",
						policyName(ps[k]), o, t.Name, policyName(ps[0]), policyName(ps[0])),
					fmt.Sprintf("%s.InTier(%q, %s)", builderExpr(ps[k]), t.Name, strconv.FormatFloat(o+float64(k)*step, 'g', -1, 64)))
			}
		}
	}
}

func (l *linter) lintTierEnds() {
	for _, p := range l.m.Policies {
		for _, d := range []Direction{Ingress, Egress} {
			if p.Isolates(d) || !tierDrops(l.m, p, d) {
				continue
			}
			pass := "PassTo"
			if d == Ingress {
				pass = "PassFrom"
			}
			l.add(LintTierDropsUnmatched, SeverityWarning, p.Path.Child(strings.ToLower(string(d))).String(),
				fmt.Sprintf("%s has only deny and pass rules for %s in tier %s, whose default action is Deny: %s traffic they do not match is dropped at the end of the tier for every endpoint the policy selects",
					policyName(p), strings.ToLower(string(d)), p.Tier, strings.ToLower(string(d))),
				fmt.Sprintf("end the rules with %s.%s(policy.Any()), or make the tier pass: set.Tier(%q, <order>).DefaultPass()", builderExpr(p), pass, p.Tier))
		}
	}
}

// tierDrops reports whether tiered policy p drops, at the end of its tier, the traffic in
// direction d that its rules leave undecided: it has rules in d, none matches everything,
// and the tier's default action is not Pass. Such a policy isolates like a default-deny.
func tierDrops(m *Model, p *Policy, d Direction) bool {
	rules := p.Rules(d)
	return p.Tier != "" && len(rules) > 0 && tierDefaultAction(m, p.Tier) != Pass && !hasCatchAll(rules)
}

// ---- NI011: HTTP paths ----

func (l *linter) lintHTTPPaths() {
	for _, p := range l.m.Policies {
		for _, d := range []Direction{Ingress, Egress} {
			for _, r := range p.Rules(d) {
				if !r.Written() {
					continue
				}
				for i, h := range r.HTTP {
					if h.PathKind == PathRegex || !strings.Contains(h.Path, "*") {
						continue
					}
					prefix, _, _ := strings.Cut(h.Path, "*")
					l.add(LintLiteralWildcardPath, SeverityWarning, r.Path.Child("http").Index(i).Child("path").String(),
						fmt.Sprintf("HTTP path %q is matched literally: '*' is no wildcard, so only requests for that very path are admitted", h.Path),
						fmt.Sprintf("for every path under %q, write HTTPPrefix(%q, %q)", prefix, h.Method, prefix))
				}
			}
		}
	}
}

// ---- NI009: metadata ----

func (l *linter) lintMetadata() {
	type group struct {
		samples, addrs []string
		example        string
	}
	groups := map[string]*group{}
	var keys []string
	pr := Probe{Protocol: TCP, Port: 80}
	for _, si := range l.s.pods {
		s := l.s.all[si]
		if s.Cluster != "" {
			continue
		}
		for _, addr := range MetadataAddresses() {
			md := Sample{Name: "ip:" + addr.String(), Endpoint: Endpoint{Kind: EndpointExternal, IP: addr}}
			v := l.j.verdict(s, md, pr.flow(s.Endpoint, md.Endpoint))
			if !v.Allowed || v.Source.Rule == "" {
				continue
			}
			key := v.Source.Rule
			g := groups[key]
			if g == nil {
				if r, ok := l.ruleAt(v.Source.Policy, key); !ok || namesHost(r, addr) {
					continue
				}
				g = &group{example: fmt.Sprintf("%s → %s %s: %s", l.who(s), l.who(md), pr, v)}
				groups[key] = g
				keys = append(keys, key)
			}
			if w := l.who(s); !slices.Contains(g.samples, w) {
				g.samples = append(g.samples, w)
			}
			if !slices.Contains(g.addrs, addr.String()) {
				g.addrs = append(g.addrs, addr.String())
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		l.add(LintMetadataReachable, SeverityWarning, k,
			fmt.Sprintf("the rule lets egress-isolated %s reach the cloud metadata service at %s (%s), where instance credentials are one request away; for example %s",
				sampleList(g.samples), strings.Join(g.addrs, ", "), pr, g.example),
			`set.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"), policy.CIDR("fd00:ec2::254/128")), or leave the metadata range out of the allow: policy.CIDR("0.0.0.0/0", "169.254.0.0/16")`)
	}
}

// ruleAt returns the rule at path of the policy named name.
func (l *linter) ruleAt(name, path string) (Rule, bool) {
	p := l.byName[name]
	if p == nil {
		return Rule{}, false
	}
	for _, r := range append(append([]Rule(nil), p.Ingress...), p.Egress...) {
		if r.Path != nil && r.Path.String() == path {
			return r, true
		}
	}
	return Rule{}, false
}

// namesHost reports whether r names addr itself as a host CIDR.
func namesHost(r Rule, addr netip.Addr) bool {
	for _, p := range r.Peers {
		if p.Kind == PeerCIDR && p.CIDR == netip.PrefixFrom(addr, addr.BitLen()) {
			return true
		}
	}
	return false
}

// ---- samples and judging ----

// flow returns the flow of this probe between two endpoints.
func (p Probe) flow(from, to Endpoint) Flow {
	return Flow{From: from, To: to, Protocol: p.Protocol, Port: p.Port, ICMP: p.ICMP}
}

// sampleIndex finds the samples a subject or peer may select without scanning them all.
type sampleIndex struct {
	all       []Sample
	label     string
	pods      []int
	nodes     []int
	externals []int
	others    []int // neither pods nor externals: nodes and the API server
	byNS      map[string][]int
	byNSApp   map[[2]string][]int
	byApp     map[string][]int
	fqdn      map[[2]string]bool // MatchFQDN results, by pattern and name
}

func newSampleIndex(samples []Sample, label string) *sampleIndex {
	x := &sampleIndex{all: samples, label: label, byNS: map[string][]int{}, byNSApp: map[[2]string][]int{}, byApp: map[string][]int{},
		fqdn: map[[2]string]bool{}}
	for i, s := range samples {
		switch s.Kind {
		case EndpointPod:
			x.pods = append(x.pods, i)
			x.byNS[s.Namespace] = append(x.byNS[s.Namespace], i)
			if v, ok := s.Labels[label]; ok {
				x.byNSApp[[2]string{s.Namespace, v}] = append(x.byNSApp[[2]string{s.Namespace, v}], i)
				x.byApp[v] = append(x.byApp[v], i)
			}
		case EndpointExternal:
			x.externals = append(x.externals, i)
		default:
			x.others = append(x.others, i)
			if s.Kind == EndpointHost || s.Kind == EndpointRemoteNode {
				x.nodes = append(x.nodes, i)
			}
		}
	}
	return x
}

// podCandidates returns the pods that may be in namespace ns (any if empty) and match sel.
func (x *sampleIndex) podCandidates(ns string, sel *metav1.LabelSelector) []int {
	v := ""
	if sel != nil {
		v = sel.MatchLabels[x.label]
	}
	switch {
	case ns != "" && v != "":
		return x.byNSApp[[2]string{ns, v}]
	case ns != "":
		return x.byNS[ns]
	case v != "":
		return x.byApp[v]
	default:
		return x.pods
	}
}

// peerCandidates returns the samples that may match peer; matches decides.
func (x *sampleIndex) peerCandidates(peer Peer) []int {
	switch {
	case peer.Kind == PeerPods:
		return x.podCandidates(peer.Namespace, peer.PodSelector)
	case peer.Kind == PeerCIDR || peer.Kind == PeerFQDN || peer.Kind == PeerEntity && peer.Entity == EntityWorld:
		return x.externals
	case peer.Kind == PeerEntity && peer.Entity != EntityCluster:
		return x.others
	}
	out := make([]int, len(x.all))
	for i := range out {
		out[i] = i
	}
	return out
}

// matches is peer.matches, remembering FQDN matches (each compiles a regular expression).
func (x *sampleIndex) matches(peer Peer, i int) bool {
	e := x.all[i].Endpoint
	if peer.Kind != PeerFQDN || e.DNSName == "" {
		return peer.matches(e)
	}
	k := [2]string{peer.FQDN, e.DNSName}
	m, ok := x.fqdn[k]
	if !ok {
		m = fqdnMayMatch(peer.FQDN, e.DNSName) && peer.matches(e)
		x.fqdn[k] = m
	}
	return m
}

// fqdnMayMatch is a quick necessary condition for MatchFQDN: a name matches a pattern only
// if it starts with the pattern's text before the first "*" and ends with its text after
// the last one (the whole pattern when it has no "*").
func fqdnMayMatch(pattern, name string) bool {
	pattern = strings.TrimSuffix(strings.ToLower(pattern), ".")
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	first, last := strings.IndexByte(pattern, '*'), strings.LastIndexByte(pattern, '*')
	if first < 0 {
		return pattern == name
	}
	return strings.HasPrefix(name, pattern[:first]) && strings.HasSuffix(name, pattern[last+1:])
}

// subjectSamples returns the samples a subject selects.
func (x *sampleIndex) subjectSamples(subj Subject) []int {
	var cand []int
	switch subj.Scope {
	case ScopeHost:
		cand = x.nodes
	case ScopeCluster:
		cand = x.podCandidates("", &subj.Pods)
	default:
		cand = x.podCandidates(subj.Namespace, &subj.Pods)
	}
	var out []int
	for _, i := range cand {
		if subj.selects(x.all[i].Endpoint) {
			out = append(out, i)
		}
	}
	return out
}

// peerSamples returns the samples any peer of r matches, in order.
func (l *linter) peerSamples(r Rule) []int {
	seen := map[int]bool{}
	var out []int
	for _, peer := range r.Peers {
		for _, i := range l.s.peerCandidates(peer) {
			if !seen[i] && l.s.matches(peer, i) {
				seen[i] = true
				out = append(out, i)
			}
		}
	}
	sort.Ints(out)
	return out
}

// judge evaluates flows against the few policies that select either end, which gives the
// verdict of the whole model: an end is judged only by the policies selecting it.
type judge struct {
	m       *Model
	label   string
	cluster []int
	host    []int
	byNS    map[string][]int
	byNSApp map[[2]string][]int
	cache   map[string][]int
}

func newJudge(m *Model) *judge {
	j := &judge{m: m, label: m.ServiceLabel, byNS: map[string][]int{}, byNSApp: map[[2]string][]int{}, cache: map[string][]int{}}
	for i, p := range m.Policies {
		switch p.Subject.Scope {
		case ScopeCluster:
			j.cluster = append(j.cluster, i)
		case ScopeHost:
			j.host = append(j.host, i)
		default:
			if v := p.Subject.Pods.MatchLabels[j.label]; v != "" {
				k := [2]string{p.Subject.Namespace, v}
				j.byNSApp[k] = append(j.byNSApp[k], i)
			} else {
				j.byNS[p.Subject.Namespace] = append(j.byNS[p.Subject.Namespace], i)
			}
		}
	}
	return j
}

// selecting returns the indexes of the policies selecting s, in model order. Sample names
// identify endpoints within one judge's use.
func (j *judge) selecting(s Sample) []int {
	if out, ok := j.cache[s.Name]; ok {
		return out
	}
	var cand []int
	switch s.Kind {
	case EndpointPod:
		cand = append(cand, j.cluster...)
		cand = append(cand, j.byNS[s.Namespace]...)
		if v, ok := s.Labels[j.label]; ok {
			cand = append(cand, j.byNSApp[[2]string{s.Namespace, v}]...)
		}
	case EndpointHost, EndpointRemoteNode:
		cand = j.host
	}
	var out []int
	for _, i := range cand {
		if j.m.Policies[i].Subject.selects(s.Endpoint) {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	j.cache[s.Name] = out
	return out
}

func (j *judge) policies(s Sample) []*Policy {
	idx := j.selecting(s)
	out := make([]*Policy, len(idx))
	for k, i := range idx {
		out[k] = j.m.Policies[i]
	}
	return out
}

// verdict evaluates f, whose ends are the samples from and to.
func (j *judge) verdict(from, to Sample, f Flow) Verdict {
	return j.evaluate(j.selecting(from), j.selecting(to), f)
}

// evaluate evaluates f with the policies of indexes a and b (each in model order).
func (j *judge) evaluate(a, b []int, f Flow) Verdict {
	ps := make([]*Policy, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || len(a) > 0 && a[0] < b[0]:
			ps, a = append(ps, j.m.Policies[a[0]]), a[1:]
		case len(a) == 0 || b[0] < a[0]:
			ps, b = append(ps, j.m.Policies[b[0]]), b[1:]
		default:
			ps, a, b = append(ps, j.m.Policies[a[0]]), a[1:], b[1:]
		}
	}
	sub := *j.m
	sub.Policies = ps
	return sub.Evaluate(f)
}

// ---- rendering intent as Go ----

// who names a sample for a reader: "shop/web" for a pod of a service, "pods labelled
// tier=batch in shop", "other pods of shop" for the pod the Universe adds that nothing
// selects, "any pod of shop" for one without labels, and the endpoint otherwise.
func (l *linter) who(s Sample) string {
	if s.Kind != EndpointPod {
		return s.Describe()
	}
	ns := s.Namespace
	if s.Cluster != "" {
		ns = s.Cluster + ":" + ns
	}
	sa := ""
	if s.ServiceAccount != "" {
		sa = " (service account " + s.ServiceAccount + ")"
	}
	v, svc := s.Labels[l.m.ServiceLabel]
	switch {
	case svc && v == "netintent-unselected":
		return "other pods of " + ns + sa
	case svc && len(s.Labels) == 1:
		return ns + "/" + v + sa
	case len(s.Labels) == 0:
		return "any pod of " + ns + sa
	}
	keys := slices.Sorted(maps.Keys(s.Labels))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + s.Labels[k]
	}
	return "pods labelled " + strings.Join(parts, ",") + " in " + ns + sa
}

// sampleList names up to three samples and counts the rest.
func sampleList(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
}

// splitPolicyPath splits a policy's path "services[ns/name]" into "services", "ns/name".
func splitPolicyPath(path string) (string, string) {
	root, rest, _ := strings.Cut(path, "[")
	key, _, _ := strings.Cut(rest, "]")
	return root, key
}

// builderExpr returns the Go expression of the builder that declares p.
func builderExpr(p *Policy) string {
	if p.Subject.Scope == ScopeNamespace && p.Subject.Service != "" {
		return fmt.Sprintf("set.ServiceIn(%q, %q)", p.Subject.Namespace, p.Subject.Service)
	}
	root, key := splitPolicyPath(p.Path.String())
	switch root {
	case "services":
		ns, name, _ := strings.Cut(key, "/")
		return fmt.Sprintf("set.ServiceIn(%q, %q)", ns, name)
	case "pods":
		ns, name, _ := strings.Cut(key, "/")
		return fmt.Sprintf("set.Pods(%q, %q, %s)", ns, name, selectorExpr(&p.Subject.Pods))
	case "namespaces":
		return fmt.Sprintf("set.Namespace(%q)", key)
	case "hosts":
		return fmt.Sprintf("set.Host(%q)", key)
	default:
		return fmt.Sprintf("set.Cluster(%q)", key)
	}
}

// selectorExpr returns Go code for a selector (see goexpr.Selector).
func selectorExpr(sel *metav1.LabelSelector) string { return goexpr.Selector(sel) }

// selectorString renders a selector as Kubernetes prints it.
func selectorString(sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return fmt.Sprint(sel)
	}
	return "{" + s.String() + "}"
}

// podPeerExpr returns Go code for a resolved pod peer.
func podPeerExpr(p Peer, serviceLabel string) string {
	var s string
	pods := p.PodSelector
	svc := p.Service != "" && pods != nil && len(pods.MatchExpressions) == 0 && len(pods.MatchLabels) == 1 && pods.MatchLabels[serviceLabel] == p.Service
	kubeDNS := p.Namespace == "kube-system" && pods != nil && len(pods.MatchExpressions) == 0 && len(pods.MatchLabels) == 1 && pods.MatchLabels["k8s-app"] == "kube-dns"
	switch {
	case svc && p.Namespace != "":
		s, pods = fmt.Sprintf("policy.ServiceIn(%q, %q)", p.Namespace, p.Service), nil
	case kubeDNS:
		s, pods = "policy.KubeDNS()", nil
	case p.Namespace != "":
		s = fmt.Sprintf("policy.Namespace(%q)", p.Namespace)
	case p.AllNamespaces:
		s = "policy.AllNamespaces()"
	default:
		s = "policy.Namespaces(" + selectorExpr(p.NamespaceSelector) + ")"
	}
	if !isEmptySelector(pods) {
		s += ".Pods(" + selectorExpr(pods) + ")"
	}
	if p.ServiceAccount != "" {
		s += fmt.Sprintf(".WithServiceAccount(%q)", p.ServiceAccount)
	}
	if p.Cluster != "" {
		s += fmt.Sprintf(".InCluster(%q)", p.Cluster)
	}
	return s
}

// portsExpr returns the RuleBuilder calls that narrow a rule to ports.
func portsExpr(ports []Port) string {
	var b strings.Builder
	for _, pt := range ports {
		b.WriteString(goexpr.Port(string(pt.Protocol), pt.Port, pt.EndPort, pt.Name))
	}
	return b.String()
}
