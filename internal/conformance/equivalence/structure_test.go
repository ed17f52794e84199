package equivalence

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/api/pkg/lib/numorstring"
	"k8s.io/apimachinery/pkg/runtime"
)

// The engines judge connections (L3/L4): an L7 rule counts as an allow of its port, and
// Cilium's toFQDNs is judged on the assumption that the source looked the name up. What
// they cannot judge (the L7 rules, the DNS rule toFQDNs needs) is checked
// here against the Model, semantically where possible: each HTTP match of the intent is
// compared with the emitted one on sample requests built to tell them apart (the exact
// request, and variants with another method, a longer or shorter path, a regex
// metacharacter replaced, another host, a header missing or changed). For Calico with
// application layer policy, requests are also judged by Calico's own checker
// (requests_test.go); the structural check stays, as it also sees HTTP matches that
// another rule subsumes, which no request can tell apart.

// structReport is the outcome of a structural check.
type structReport struct {
	// checked counts the items compared by kind (HTTP, DNS, FQDN, ICMP): each HTTP match
	// or DNS pattern of the intent on each of its ports, each FQDN peer, each ICMP match,
	// and each emitted L7 rule, toFQDNs selector and ICMP match.
	checked map[string]int
	// problems holds one line per difference.
	problems []string
}

// fail records a problem.
func (r *structReport) fail(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// directions lists both directions, ingress first.
var directions = []policy.Direction{policy.Ingress, policy.Egress}

// allowRules returns p's enforced allow rules of direction d written in the Set (mirrored
// rules carry L3/L4 only).
func allowRules(p *policy.Policy, d policy.Direction) []policy.Rule {
	var out []policy.Rule
	for _, r := range p.Rules(d) {
		if r.Action == policy.Allow && !r.Mirrored {
			out = append(out, r)
		}
	}
	return out
}

// subsumed reports whether another rule of p with r's action in direction d matches all
// traffic on port pt (on every port and protocol, ICMP included, when pt is nil) from or
// to every peer of r (mirrored rules too): the L7 or ICMP matches of r then restrict
// nothing there, and a backend may leave them out.
func subsumed(p *policy.Policy, d policy.Direction, r policy.Rule, pt *policy.Port) bool {
	peerKey := func(x policy.Peer) string {
		return fmt.Sprintf("%s|%s|%v|%v|%v|%s|%s|%s|%v|%s|%s", x.Kind, x.Namespace, x.NamespaceSelector, x.AllNamespaces,
			x.PodSelector, x.ServiceAccount, x.Cluster, x.CIDR, x.Except, x.FQDN, x.Entity)
	}
	for _, o := range p.Rules(d) {
		if o.Action != r.Action || o.Path.String() == r.Path.String() && !o.Mirrored || len(o.HTTP) > 0 || len(o.DNS) > 0 || len(o.ICMP) > 0 {
			continue
		}
		covers := len(o.Ports) == 0 || pt != nil && slices.ContainsFunc(o.Ports, func(q policy.Port) bool {
			return q.Protocol == pt.Protocol && q.Name == pt.Name &&
				(pt.Name != "" || q.Port <= pt.Port && max(pt.Port, pt.EndPort) <= max(q.Port, q.EndPort))
		})
		if !covers {
			continue
		}
		have := map[string]bool{}
		for _, x := range o.Peers {
			have[peerKey(x)] = true
		}
		if !slices.ContainsFunc(r.Peers, func(x policy.Peer) bool { return !have[peerKey(x)] }) {
			return true
		}
	}
	return false
}

// httpSamples returns requests that tell h apart from near misses: first one that h
// admits, then variants, each also with a query string and a fragment (which the intent's
// paths ignore and Cilium's proxy sees). A regex path is sampled with strings its syntax
// tree produces (regexSamples), '?' and '#' included where it could match them.
func httpSamples(h policy.HTTPMatch) []policy.HTTPRequest {
	base := policy.HTTPRequest{Method: h.Method, Host: h.Host, Headers: h.Headers}
	if base.Method == "" {
		base.Method = "GET"
	}
	if base.Host == "" {
		base.Host = "netintent.example"
	}
	var paths []string
	switch {
	case h.Path == "":
		paths = []string{"/netintent"}
	case h.PathKind == policy.PathPrefix:
		paths = []string{h.Path + "netintent/x", h.Path, h.Path[:len(h.Path)-1], unmeta(h.Path) + "x"}
	case h.PathKind == policy.PathRegex:
		paths = regexSamples(h.Path)
	default:
		paths = []string{h.Path, h.Path[:len(h.Path)-1], unmeta(h.Path)}
	}
	var reqs []policy.HTTPRequest
	for _, p := range paths {
		for _, v := range []string{p, p + "x", "/other" + p, p + "?page=2", p + "#top", p + "?", p + "x?y"} {
			q := base
			q.Path = v
			reqs = append(reqs, q)
		}
	}
	vary := func(f func(q *policy.HTTPRequest)) {
		q := reqs[0]
		q.Headers = append([]policy.Header(nil), q.Headers...)
		f(&q)
		reqs = append(reqs, q)
	}
	vary(func(q *policy.HTTPRequest) { q.Method += "X" })
	vary(func(q *policy.HTTPRequest) { q.Method = strings.ToLower(q.Method) })
	vary(func(q *policy.HTTPRequest) { q.Method = "NETINTENT" })
	vary(func(q *policy.HTTPRequest) { q.Host += "x" })
	vary(func(q *policy.HTTPRequest) { q.Host = unmeta(q.Host) })
	for i := range h.Headers {
		vary(func(q *policy.HTTPRequest) { q.Headers = append(q.Headers[:i:i], q.Headers[i+1:]...) })
		vary(func(q *policy.HTTPRequest) { q.Headers[i].Value += "x" })
	}
	return reqs
}

// maxSamples bounds the strings regexSamples makes of one node of a regex.
const maxSamples = 24

// regexSamples returns strings near the language of the RE2 regex expr: for each node of
// its syntax tree a few strings it matches (every branch of an alternation, both ends of
// every class range, zero, one and two repetitions), and '?', '#' and a letter wherever it
// matches any character. They need not all match: the caller compares verdicts.
func regexSamples(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return []string{"/"}
	}
	return samplesOf(re)
}

func samplesOf(re *syntax.Regexp) []string {
	capped := func(ss []string) []string {
		slices.Sort(ss)
		ss = slices.Compact(ss)
		if len(ss) > maxSamples {
			ss = ss[:maxSamples]
		}
		return ss
	}
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		var out []string
		for i := 0; i < len(re.Rune); i += 2 {
			out = append(out, string(re.Rune[i]), string(re.Rune[i+1]))
			for _, x := range "?#/" {
				if re.Rune[i] <= x && x <= re.Rune[i+1] {
					out = append(out, string(x))
				}
			}
		}
		return capped(out)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"a", "?", "#", "/"}
	case syntax.OpNoMatch:
		return nil
	case syntax.OpCapture:
		return samplesOf(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		sub := samplesOf(re.Sub[0])
		var out []string
		if re.Op == syntax.OpStar || re.Op == syntax.OpQuest || re.Op == syntax.OpRepeat && re.Min == 0 {
			out = append(out, "")
		}
		for _, x := range sub {
			out = append(out, x)
			if re.Op != syntax.OpQuest {
				out = append(out, x+x, x+sub[0])
			}
			if re.Op == syntax.OpRepeat && re.Min > 1 {
				out = append(out, strings.Repeat(x, re.Min))
			}
		}
		return capped(out)
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			var next []string
			for _, a := range out {
				for _, b := range samplesOf(sub) {
					next = append(next, a+b)
				}
			}
			out = capped(next)
		}
		return out
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			out = append(out, samplesOf(sub)...)
		}
		return capped(out)
	}
	return []string{""} // empty matches and assertions
}

// unmeta replaces the first regex metacharacter of s with a letter: a literal left
// unquoted in a regex would still match the result.
func unmeta(s string) string {
	if i := strings.IndexAny(s, `.+*?()|[]{}^$\`); i >= 0 {
		return s[:i] + "Q" + s[i+1:]
	}
	return s
}

// fullMatch matches s against re the way Envoy's safe_regex header matchers do: RE2,
// the whole value.
func fullMatch(re, s string) (bool, error) {
	r, err := regexp.Compile(`^(?:` + re + `)$`)
	if err != nil {
		return false, fmt.Errorf("regex %q: %w", re, err)
	}
	return r.MatchString(s), nil
}

// ciliumAdmits reports whether Cilium's proxy admits q under e, as the agent configures
// Envoy (pkg/envoy/policy getHTTPRule): method, path and host are RE2 regexes on the
// whole value; a header "Name: value" needs that exact value, "Name" only its presence.
func ciliumAdmits(e api.PortRuleHTTP, q policy.HTTPRequest) (bool, error) {
	if len(e.HeaderMatches) > 0 {
		return false, fmt.Errorf("unexpected headerMatches %v", e.HeaderMatches)
	}
	for _, f := range []struct{ re, v string }{{e.Method, q.Method}, {e.Path, q.Path}, {e.Host, q.Host}} {
		if f.re == "" {
			continue
		}
		if ok, err := fullMatch(f.re, f.v); err != nil || !ok {
			return false, err
		}
	}
	for _, hdr := range e.Headers {
		name, value, hasValue := strings.Cut(hdr, " ")
		name = strings.TrimRight(name, ":")
		found := false
		for _, h := range q.Headers {
			if strings.EqualFold(h.Name, name) && (!hasValue || h.Value == value) {
				found = true
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// ciliumEquivalent reports whether e admits exactly what h admits on h's samples.
func ciliumEquivalent(e api.PortRuleHTTP, h policy.HTTPMatch) (bool, error) {
	for _, q := range httpSamples(h) {
		got, err := ciliumAdmits(e, q)
		if err != nil {
			return false, err
		}
		if got != h.Matches(q) {
			return false, nil
		}
	}
	return true, nil
}

// ciliumPortCovers reports whether a Cilium port entry covers the intent's port.
func ciliumPortCovers(pp api.PortProtocol, pt policy.Port) bool {
	if pp.Protocol != api.ProtoAny && pp.Protocol != "" && !strings.EqualFold(string(pp.Protocol), string(pt.Protocol)) {
		return false
	}
	if pt.Name != "" {
		return pp.Port == pt.Name
	}
	lo, err := strconv.Atoi(pp.Port)
	if err != nil {
		return false
	}
	if lo == 0 {
		return true
	}
	hi := lo
	if pp.EndPort != 0 {
		hi = int(pp.EndPort)
	}
	end := pt.Port
	if pt.EndPort != 0 {
		end = pt.EndPort
	}
	return pt.Port != 0 && lo <= int(pt.Port) && int(end) <= hi
}

// ciliumObject is the rules of one emitted object by direction.
type ciliumObject struct {
	ingress []api.IngressRule
	egress  []api.EgressRule
	// icmp holds the ICMP matches of the object's rules as icmpKey, with family and
	// type "*" for rules that match all traffic.
	icmp map[string]bool
}

// anyTraffic is the icmpKey of rules that match all traffic (no ports, no ICMP), which
// admit (or deny) every ICMP message of their peers too: compaction drops ICMP matches
// such a rule of the same peers already covers.
func anyTraffic(d policy.Direction, a policy.Action) string { return icmpKey(d, a, "*", "*") }

// icmpKey names an ICMP match of a direction and action.
func icmpKey(d policy.Direction, a policy.Action, family policy.IPFamily, typ string) string {
	return fmt.Sprintf("%s %s %s/%s", d, a, family, typ)
}

// addICMP records the ICMP matches of a rule of direction d and action a; noPorts says
// the rule names no ports.
func (o *ciliumObject) addICMP(d policy.Direction, a policy.Action, rules api.ICMPRules, noPorts bool) {
	if noPorts && len(rules) == 0 {
		o.icmp[anyTraffic(d, a)] = true
	}
	for _, r := range rules {
		for _, f := range r.Fields {
			fam := policy.IPv4
			if f.Family == api.IPv6Family {
				fam = policy.IPv6
			}
			typ := "?"
			if f.Type != nil {
				typ = f.Type.String()
			}
			o.icmp[icmpKey(d, a, fam, typ)] = true
		}
	}
}

// ciliumObjects indexes the Cilium objects by "namespace/name" (CNP) or name (CCNP).
func ciliumObjects(objs []runtime.Object) map[string]*ciliumObject {
	out := map[string]*ciliumObject{}
	add := func(key string, spec *api.Rule, specs api.Rules) {
		o := &ciliumObject{icmp: map[string]bool{}}
		for _, r := range append(api.Rules{spec}, specs...) {
			if r == nil {
				continue
			}
			o.ingress = append(o.ingress, r.Ingress...)
			o.egress = append(o.egress, r.Egress...)
			for _, x := range r.Ingress {
				o.addICMP(policy.Ingress, policy.Allow, x.ICMPs, len(x.ToPorts) == 0)
			}
			for _, x := range r.IngressDeny {
				o.addICMP(policy.Ingress, policy.Deny, x.ICMPs, len(x.ToPorts) == 0)
			}
			for _, x := range r.Egress {
				o.addICMP(policy.Egress, policy.Allow, x.ICMPs, len(x.ToPorts) == 0 && len(x.ToFQDNs) == 0)
			}
			for _, x := range r.EgressDeny {
				o.addICMP(policy.Egress, policy.Deny, x.ICMPs, len(x.ToPorts) == 0)
			}
		}
		out[key] = o
	}
	for _, obj := range objs {
		switch o := obj.(type) {
		case *ciliumv2.CiliumNetworkPolicy:
			add(o.Namespace+"/"+o.Name, o.Spec, o.Specs)
		case *ciliumv2.CiliumClusterwideNetworkPolicy:
			add(o.Name, o.Spec, o.Specs)
		}
	}
	return out
}

// portRules returns the toPorts of every rule of direction d.
func (o *ciliumObject) portRules(d policy.Direction) []api.PortRule {
	var out []api.PortRule
	if d == policy.Ingress {
		for _, r := range o.ingress {
			out = append(out, r.ToPorts...)
		}
		return out
	}
	for _, r := range o.egress {
		out = append(out, r.ToPorts...)
	}
	return out
}

// l7At returns the L7 rules of direction d on ports covering pt.
func (o *ciliumObject) l7At(d policy.Direction, pt policy.Port) (http []api.PortRuleHTTP, dns []api.PortRuleDNS) {
	for _, pr := range o.portRules(d) {
		if pr.Rules == nil {
			continue
		}
		for _, pp := range pr.Ports {
			if ciliumPortCovers(pp, pt) {
				http = append(http, pr.Rules.HTTP...)
				dns = append(dns, pr.Rules.DNS...)
				break
			}
		}
	}
	return http, dns
}

// exampleName returns a DNS name an FQDN pattern matches ("*" stands for one label
// part, a leading "**." for labels).
func exampleName(pattern string) string {
	n := pattern
	if strings.HasPrefix(n, "**.") {
		n = "a.b." + strings.TrimPrefix(n, "**.")
	}
	n = strings.ReplaceAll(n, "*", "x")
	if n == "x" {
		return "anything.example"
	}
	return n
}

// dnsPattern is the text of an FQDN selector or DNS rule.
func dnsPattern(name, pattern string) string {
	if pattern != "" {
		return pattern
	}
	return name
}

// ciliumStructure checks the cilium backend's L7 and FQDN rules against the Model:
//
//   - every HTTP match of an allow rule appears in rules.http on each of the rule's ports,
//     in the object of the rule's policy and direction, admitting exactly the same sample
//     requests (method, path and host as anchored RE2, literals escaped, prefixes
//     followed by ".*", regexes as written; headers exact); and every emitted HTTP rule
//     is such a match;
//   - every DNS-lookup pattern appears in rules.dns on the rule's ports, and every emitted
//     DNS rule is such a pattern or the "*" that an FQDN policy's DNS allowance carries;
//   - every FQDN peer appears in a toFQDNs rule on the rule's ports, and the same object
//     sends the endpoint's lookups through the DNS proxy (an egress rules.dns rule that
//     admits a name the peer matches); every emitted toFQDNs selector is such a peer.
func ciliumStructure(m *policy.Model, objs []runtime.Object) *structReport {
	emitted := ciliumObjects(objs)
	rep := &structReport{checked: map[string]int{}}
	fail := rep.fail
	for _, p := range m.Policies {
		if p.Mode != policy.Enforce {
			continue
		}
		key := p.Name
		if p.Subject.Scope == policy.ScopeNamespace {
			key = p.Subject.Namespace + "/" + p.Name
		}
		o := emitted[key]
		if o == nil {
			o = &ciliumObject{icmp: map[string]bool{}}
		}
		// ICMP: each match of the intent (allow or deny, mirrored too) in a rule of the
		// same direction and action, or such a rule matching all traffic; and no other
		// ICMP match. (Peers are not compared: the engine judges them on TCP/UDP.)
		want := map[string]bool{}
		for _, d := range directions {
			for _, r := range p.Rules(d) {
				for _, ic := range r.ICMP {
					rep.checked["ICMP"]++
					k := icmpKey(d, r.Action, ic.Family, strconv.Itoa(int(ic.Type)))
					want[k] = true
					if !o.icmp[k] && !o.icmp[anyTraffic(d, r.Action)] && !subsumed(p, d, r, nil) {
						fail("%s %s: ICMP %s type %d is not in the icmps of a %s %s rule", key, r.Path, ic.Family, ic.Type, d, r.Action)
					}
				}
			}
		}
		for k := range o.icmp {
			if strings.Contains(k, "*") {
				continue
			}
			rep.checked["ICMP"]++
			if !want[k] {
				fail("%s: emitted ICMP match %q is no ICMP match of the intent", key, k)
			}
		}
		for _, d := range directions {
			var allHTTP []policy.HTTPMatch
			var allDNS []string
			for _, r := range allowRules(p, d) {
				allHTTP = append(allHTTP, r.HTTP...)
				allDNS = append(allDNS, r.DNS...)
				for _, pt := range r.Ports {
					if subsumed(p, d, r, &pt) {
						continue
					}
					http, dns := o.l7At(d, pt)
					for _, h := range r.HTTP {
						rep.checked["HTTP"]++
						found := false
						for _, e := range http {
							ok, err := ciliumEquivalent(e, h)
							if err != nil {
								fail("%s %s %s: %v", key, d, r.Path, err)
							}
							found = found || ok
						}
						if !found {
							fail("%s %s %s: HTTP match %+v has no equivalent rules.http on port %s/%d%s (have %+v)",
								key, d, r.Path, h, pt.Protocol, pt.Port, pt.Name, http)
						}
					}
					for _, n := range r.DNS {
						rep.checked["DNS"]++
						found := false
						for _, e := range dns {
							found = found || dnsPattern(e.MatchName, e.MatchPattern) == n
						}
						if !found {
							fail("%s %s %s: DNS lookup %q missing from rules.dns on port %s/%d (have %+v)", key, d, r.Path, n, pt.Protocol, pt.Port, dns)
						}
					}
				}
				// Any covers what an FQDN peer of the same rule resolves to: the backend
				// emits toEntities all on the same traffic, which the engine judges.
				anyPeer := slices.ContainsFunc(r.Peers, func(x policy.Peer) bool { return x.Kind == policy.PeerAny })
				for _, x := range r.Peers {
					if x.Kind != policy.PeerFQDN || anyPeer {
						continue
					}
					rep.checked["FQDN"]++
					alone := r
					alone.Peers = []policy.Peer{x}
					if !o.hasFQDNRule(x.FQDN, r) && !subsumed(p, d, alone, nil) {
						fail("%s %s: FQDN peer %q has no toFQDNs rule on ports %v", key, r.Path, x.FQDN, r.Ports)
					}
					if !o.proxiesDNS(exampleName(x.FQDN)) {
						fail("%s %s: FQDN peer %q: no egress rules.dns on the same endpoint sends lookups of %q through the DNS proxy",
							key, r.Path, x.FQDN, exampleName(x.FQDN))
					}
				}
			}
			// Conversely, every emitted L7 rule is one the intent asked for.
			for _, pr := range o.portRules(d) {
				if pr.Rules == nil {
					continue
				}
				for _, e := range pr.Rules.HTTP {
					rep.checked["HTTP"]++
					found := false
					for _, h := range allHTTP {
						ok, _ := ciliumEquivalent(e, h)
						found = found || ok
					}
					if !found {
						fail("%s %s: emitted rules.http %+v matches no HTTP match of the intent", key, d, e)
					}
				}
				for _, e := range pr.Rules.DNS {
					rep.checked["DNS"]++
					pat := dnsPattern(e.MatchName, e.MatchPattern)
					found := d == policy.Egress && p.DNS && pat == "*"
					for _, n := range allDNS {
						found = found || n == pat
					}
					if !found {
						fail("%s %s: emitted rules.dns %q is no DNS lookup of the intent", key, d, pat)
					}
				}
			}
		}
		for _, r := range o.egress {
			for _, s := range r.ToFQDNs {
				rep.checked["FQDN"]++
				if !intentHasFQDN(p, dnsPattern(s.MatchName, s.MatchPattern)) {
					fail("%s: emitted toFQDNs %+v is no FQDN peer of the intent", key, s)
				}
			}
		}
	}
	return rep
}

// intentHasFQDN reports whether an egress allow rule of p has the FQDN peer pattern.
func intentHasFQDN(p *policy.Policy, pattern string) bool {
	for _, r := range allowRules(p, policy.Egress) {
		for _, x := range r.Peers {
			if x.Kind == policy.PeerFQDN && x.FQDN == pattern {
				return true
			}
		}
	}
	return false
}

// hasFQDNRule reports whether an egress rule names fqdn in toFQDNs with toPorts
// covering every port of r (none when r matches all traffic).
func (o *ciliumObject) hasFQDNRule(fqdn string, r policy.Rule) bool {
	for _, er := range o.egress {
		named := false
		for _, s := range er.ToFQDNs {
			named = named || dnsPattern(s.MatchName, s.MatchPattern) == fqdn
		}
		if !named {
			continue
		}
		if r.AllTraffic() {
			if len(er.ToPorts) == 0 && len(er.ICMPs) == 0 {
				return true
			}
			continue
		}
		covered := true
		for _, pt := range r.Ports {
			c := false
			for _, pr := range er.ToPorts {
				for _, pp := range pr.Ports {
					c = c || ciliumPortCovers(pp, pt)
				}
			}
			covered = covered && c
		}
		if covered {
			return true
		}
	}
	return false
}

// proxiesDNS reports whether an egress rule of the object carries rules.dns admitting
// name, so that the DNS proxy sees (and toFQDNs learns) its lookups.
func (o *ciliumObject) proxiesDNS(name string) bool {
	for _, er := range o.egress {
		for _, pr := range er.ToPorts {
			if pr.Rules == nil {
				continue
			}
			for _, d := range pr.Rules.DNS {
				if d.MatchName != "" && strings.EqualFold(strings.TrimSuffix(d.MatchName, "."), strings.TrimSuffix(name, ".")) {
					return true
				}
				if d.MatchPattern != "" && policy.MatchFQDN(d.MatchPattern, name) {
					return true
				}
			}
		}
	}
	return false
}

// calicoHTTPCombos expands a Calico http match into the (method, path) pairs it
// admits: Dikastes admits a request whose method is one of Methods (any if none) and
// whose path matches one of Paths (any if none).
func calicoHTTPCombos(m *calicov3.HTTPMatch) []policy.HTTPMatch {
	methods := m.Methods
	if len(methods) == 0 {
		methods = []string{""}
	}
	var out []policy.HTTPMatch
	for _, me := range methods {
		if len(m.Paths) == 0 {
			out = append(out, policy.HTTPMatch{Method: me})
		}
		for _, p := range m.Paths {
			if p.Prefix != "" {
				out = append(out, policy.HTTPMatch{Method: me, Path: p.Prefix, PathKind: policy.PathPrefix})
			} else {
				out = append(out, policy.HTTPMatch{Method: me, Path: p.Exact, PathKind: policy.PathExact})
			}
		}
	}
	return out
}

// httpWithin reports whether every request a admits is admitted by b (for method and
// exact/prefix path matches, the only ones Calico expresses).
func httpWithin(a, b policy.HTTPMatch) bool {
	if b.Host != "" || len(b.Headers) > 0 || a.Host != "" || len(a.Headers) > 0 {
		return false
	}
	if b.Method != "" && a.Method != b.Method {
		return false
	}
	switch {
	case b.Path == "":
		return true
	case a.Path == "":
		return false
	case b.PathKind == policy.PathPrefix:
		return strings.HasPrefix(a.Path, b.Path)
	case b.PathKind == policy.PathRegex || a.PathKind == policy.PathRegex:
		return false
	default:
		return a.PathKind != policy.PathPrefix && a.Path == b.Path
	}
}

// calicoPortCovers reports whether a Calico rule's protocol and destination ports cover
// the intent's port.
func calicoPortCovers(r calicov3.Rule, pt policy.Port) bool {
	if r.Protocol == nil || !strings.EqualFold(r.Protocol.String(), string(pt.Protocol)) {
		return false
	}
	if len(r.Destination.Ports) == 0 {
		return true
	}
	for _, p := range r.Destination.Ports {
		if pt.Name != "" {
			if p.PortName == pt.Name {
				return true
			}
			continue
		}
		end := pt.Port
		if pt.EndPort != 0 {
			end = pt.EndPort
		}
		if p.PortName == "" && int32(p.MinPort) <= pt.Port && end <= int32(p.MaxPort) {
			return true
		}
	}
	return false
}

// calicoStructure checks the calico backend's HTTP and ICMP rules against the Model.
// HTTP (application layer policy): every HTTP match of an ingress allow rule is admitted
// by an emitted Allow rule's http match on each of the rule's ports, in a policy emitted
// for the rule's policy; and every (method, path) an emitted http match admits lies
// within an HTTP match of that policy's ingress rules. ICMP: every ICMP match of a rule
// appears as a rule of the same direction and action with protocol ICMP or ICMPv6 and
// that type and code (or one matching all traffic), and every emitted ICMP match is one
// of the intent. Peers are not compared: the engine judges them on TCP and UDP flows.
func calicoStructure(m *policy.Model, objs []runtime.Object) *structReport {
	type key struct{ ns, name string }
	type rules struct{ ingress, egress []calicov3.Rule }
	emittedRules := map[key]*rules{}
	base := func(name string) string {
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			return name[i+1:]
		}
		return name
	}
	add := func(ns, name string, in, out []calicov3.Rule) {
		k := key{ns, base(name)}
		if emittedRules[k] == nil {
			emittedRules[k] = &rules{}
		}
		emittedRules[k].ingress = append(emittedRules[k].ingress, in...)
		emittedRules[k].egress = append(emittedRules[k].egress, out...)
	}
	for _, obj := range objs {
		switch o := obj.(type) {
		case *calicov3.NetworkPolicy:
			add(o.Namespace, o.Name, o.Spec.Ingress, o.Spec.Egress)
		case *calicov3.GlobalNetworkPolicy:
			add("", o.Name, o.Spec.Ingress, o.Spec.Egress)
		case *calicov3.StagedNetworkPolicy:
			add(o.Namespace, o.Name, o.Spec.Ingress, o.Spec.Egress)
		case *calicov3.StagedGlobalNetworkPolicy:
			add("", o.Name, o.Spec.Ingress, o.Spec.Egress)
		}
	}
	rep := &structReport{checked: map[string]int{}}
	fail := rep.fail
	for _, p := range m.Policies {
		ns := ""
		if p.Subject.Scope == policy.ScopeNamespace {
			ns = p.Subject.Namespace
		}
		emitted := emittedRules[key{ns, p.Name}]
		if emitted == nil {
			emitted = &rules{}
		}

		// HTTP.
		var all []policy.HTTPMatch
		for _, r := range allowRules(p, policy.Ingress) {
			all = append(all, r.HTTP...)
			for _, h := range r.HTTP {
				for _, pt := range r.Ports {
					rep.checked["HTTP"]++
					found := false
					for _, er := range emitted.ingress {
						if er.Action != calicov3.Allow || !calicoPortCovers(er, pt) {
							continue
						}
						if er.HTTP == nil {
							// No L7 constraint: right only for an HTTP match that admits
							// every request (the backend then emits none).
							found = found || (h.Method == "" && h.Path == "")
							continue
						}
						for _, c := range calicoHTTPCombos(er.HTTP) {
							found = found || httpWithin(h, c)
						}
					}
					if !found && !subsumed(p, policy.Ingress, r, &pt) {
						fail("%s/%s %s: HTTP match %+v is not admitted on port %s/%d%s", ns, p.Name, r.Path, h, pt.Protocol, pt.Port, pt.Name)
					}
				}
			}
		}
		for _, er := range append(append([]calicov3.Rule(nil), emitted.ingress...), emitted.egress...) {
			if er.HTTP == nil {
				continue
			}
			for _, c := range calicoHTTPCombos(er.HTTP) {
				rep.checked["HTTP"]++
				found := false
				for _, h := range all {
					found = found || httpWithin(c, h)
				}
				if !found {
					fail("%s/%s: emitted http %+v admits %s %s, which no HTTP match of the intent admits", ns, p.Name, *er.HTTP, c.Method, c.Path)
				}
			}
		}

		// ICMP.
		want := map[string]bool{}
		for _, d := range directions {
			have := map[string]bool{}
			ers := emitted.ingress
			if d == policy.Egress {
				ers = emitted.egress
			}
			for _, er := range ers {
				switch {
				case er.ICMP != nil:
					have[calicoICMPKey(d, string(er.Action), er.Protocol, er.ICMP)] = true
				case er.Protocol == nil && er.NotProtocol == nil && er.NotICMP == nil && er.HTTP == nil &&
					len(er.Destination.Ports) == 0 && len(er.Destination.NotPorts) == 0:
					have[anyTraffic(d, policy.Action(er.Action))] = true
				}
			}
			for _, r := range p.Rules(d) {
				if onlyHost(r) {
					// Felix never polices a node's traffic to its own pods: the backend
					// emits nothing for ingress allows from the host entity.
					continue
				}
				for _, ic := range r.ICMP {
					rep.checked["ICMP"]++
					k := icmpKey(d, r.Action, ic.Family, icmpTypeCode(int(ic.Type), ic.Code))
					want[k] = true
					if !have[k] && !have[anyTraffic(d, r.Action)] && !subsumed(p, d, r, nil) {
						fail("%s/%s %s: ICMP %s type %d is not in a %s %s rule (have %v)", ns, p.Name, r.Path, ic.Family, ic.Type, d, r.Action, have)
					}
				}
			}
			for k := range have {
				if strings.Contains(k, "*") {
					continue
				}
				rep.checked["ICMP"]++
				if !want[k] {
					fail("%s/%s: emitted ICMP match %q is no ICMP match of the intent", ns, p.Name, k)
				}
			}
		}
	}
	return rep
}

// onlyHost reports whether every peer of r is the host entity.
func onlyHost(r policy.Rule) bool {
	for _, x := range r.Peers {
		if x.Kind != policy.PeerEntity || x.Entity != policy.EntityHost {
			return false
		}
	}
	return len(r.Peers) > 0
}

// icmpTypeCode renders an ICMP type and optional code: "8" or "8/0".
func icmpTypeCode(typ int, code *int32) string {
	if code == nil {
		return strconv.Itoa(typ)
	}
	return fmt.Sprintf("%d/%d", typ, *code)
}

// calicoICMPKey names a Calico rule's ICMP match like icmpKey.
func calicoICMPKey(d policy.Direction, action string, proto *numorstring.Protocol, f *calicov3.ICMPFields) string {
	fam := policy.IPFamily("?")
	if proto != nil {
		switch strings.ToUpper(proto.String()) {
		case "ICMP", "1":
			fam = policy.IPv4
		case "ICMPV6", "58":
			fam = policy.IPv6
		}
	}
	typ := "?"
	if f.Type != nil {
		typ = strconv.Itoa(*f.Type)
		if f.Code != nil {
			typ += "/" + strconv.Itoa(*f.Code)
		}
	}
	return icmpKey(d, policy.Action(action), fam, typ)
}
