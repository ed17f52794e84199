package lift

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// portRule is one entry of a rule's toPorts: an allow's PortRule, or a deny's ports.
type portRule struct {
	ports []api.PortProtocol
	// rule is the allow's PortRule (nil for a deny).
	rule *api.PortRule
}

func allowPorts(prs api.PortRules) []portRule {
	out := make([]portRule, len(prs))
	for i := range prs {
		out[i] = portRule{ports: prs[i].Ports, rule: &prs[i]}
	}
	return out
}

func denyPorts(prs api.PortDenyRules) []portRule {
	out := make([]portRule, len(prs))
	for i := range prs {
		out[i] = portRule{ports: prs[i].Ports}
	}
	return out
}

// traffic is what one intent rule matches: ports and ICMP types (neither: all traffic),
// and the HTTP requests or DNS lookups it narrows its ports to.
type traffic struct {
	ports []policy.Port
	icmps []policy.ICMP
	http  []policy.HTTPMatch
	dns   []string
}

// apply narrows rb to t.
func (t traffic) apply(rb *policy.RuleBuilder) {
	for _, pt := range t.ports {
		rb.Port(pt)
	}
	for _, m := range t.icmps {
		if m.Family == policy.IPv6 {
			rb.ICMPv6(int(m.Type))
		} else {
			rb.ICMP(int(m.Type))
		}
	}
	for _, h := range t.http {
		rb.HTTPRequest(h)
	}
	if len(t.dns) > 0 {
		rb.DNS(t.dns...)
	}
}

// traffic lifts a rule's toPorts and icmps: one intent rule for its plain ports and ICMP
// types, and one for each port rule with L7 rules, which narrow that port rule's ports
// only. A rule without either matches all traffic.
func (l *ciliumLifter) traffic(sub subject, cr ciliumRule, p problems) ([]traffic, bool) {
	ok := true
	var plain traffic
	var out []traffic
	for i, pr := range cr.ports {
		path := cr.path.Child("toPorts").Index(i)
		l7 := pr.rule != nil && !pr.rule.Rules.IsEmpty()
		if pr.rule != nil && !portRuleSupported(pr.rule, path, p) {
			ok = false
			continue
		}
		var t traffic
		for j, pp := range pr.ports {
			ports, good := liftPort(pp, l7, path.Child("ports").Index(j), p)
			ok = ok && good
			t.ports = append(t.ports, ports...)
		}
		if !l7 {
			plain.ports = append(plain.ports, t.ports...)
			continue
		}
		rules := pr.rule.Rules
		if len(rules.HTTP) > 0 && sub.host {
			p.add(field.Forbidden(path.Child("rules", "http"), "Cilium 1.20 enforces no HTTP rules on host policies"))
			ok = false
			continue
		}
		for j, h := range rules.HTTP {
			m, good := liftHTTP(&h, path.Child("rules", "http").Index(j), p)
			ok = ok && good
			t.http = append(t.http, m)
		}
		for j, d := range rules.DNS {
			name := d.MatchName
			if d.MatchPattern != "" {
				name = d.MatchPattern
			}
			if name == "" {
				p.add(field.Required(path.Child("rules", "dns").Index(j), "matchName or matchPattern"))
				ok = false
				continue
			}
			t.dns = append(t.dns, strings.TrimSuffix(strings.ToLower(name), "."))
		}
		out = append(out, t)
	}
	for i, ir := range cr.icmps {
		for j, f := range ir.Fields {
			path := cr.path.Child("icmps").Index(i).Child("fields").Index(j)
			m, good := liftICMP(f, path, p)
			ok = ok && good
			plain.icmps = append(plain.icmps, m)
		}
	}
	if !ok {
		return nil, false
	}
	if len(plain.ports)+len(plain.icmps) > 0 || len(out) == 0 {
		out = append([]traffic{plain}, out...)
	}
	return out, true
}

// portRuleSupported refuses the port rule fields that have no intent equivalent.
func portRuleSupported(pr *api.PortRule, path *field.Path, p problems) bool {
	ok := true
	refuse := func(name, why string) {
		p.add(field.Forbidden(path.Child(name), why))
		ok = false
	}
	if pr.TerminatingTLS != nil {
		refuse("terminatingTLS", "TLS interception has no intent equivalent")
	}
	if pr.OriginatingTLS != nil {
		refuse("originatingTLS", "TLS origination has no intent equivalent")
	}
	if len(pr.ServerNames) > 0 {
		refuse("serverNames", "the intent matches no TLS server name (SNI)")
	}
	if pr.Listener != nil {
		refuse("listener", "a CiliumEnvoyConfig listener decides at run time; the intent has no such construct")
	}
	return ok
}

// liftPort lifts one port of a port rule. Protocol ANY (or none) is TCP, UDP and SCTP, as
// Cilium expands it; port 0 (or none) every port of the protocol.
func liftPort(pp api.PortProtocol, l7 bool, path *field.Path, p problems) ([]policy.Port, bool) {
	var protos []policy.Protocol
	switch pp.Protocol {
	case api.ProtoTCP, api.ProtoUDP, api.ProtoSCTP:
		protos = []policy.Protocol{policy.Protocol(pp.Protocol)}
	case api.ProtoAny, "":
		if l7 {
			// Only DNS rules get here: Sanitize rejects HTTP rules on ANY.
			p.add(field.Forbidden(path.Child("protocol"), "protocol ANY with rules.dns: Cilium also hands the port's SCTP "+
				"traffic to its DNS proxy, which the intent's DNS rules cannot say; name protocols UDP and TCP"))
			return nil, false
		}
		protos = []policy.Protocol{policy.TCP, policy.UDP, policy.SCTP}
	default:
		p.add(field.NotSupported(path.Child("protocol"), pp.Protocol, []string{"TCP", "UDP", "SCTP", "ANY"}))
		return nil, false
	}
	base := policy.Port{}
	switch n, err := strconv.Atoi(pp.Port); {
	case pp.Port == "" || err == nil && n == 0:
		if pp.EndPort != 0 {
			p.add(field.Forbidden(path.Child("endPort"), "may not be set without port"))
			return nil, false
		}
	case err != nil:
		if pp.EndPort != 0 {
			p.add(field.Forbidden(path.Child("endPort"), "may not be set with a named port"))
			return nil, false
		}
		base.Name = strings.ToLower(pp.Port)
	case n < 1 || n > 65535:
		p.add(field.Invalid(path.Child("port"), pp.Port, "must be between 1 and 65535"))
		return nil, false
	default:
		base.Port = int32(n)
		if pp.EndPort != 0 && pp.EndPort != base.Port {
			if pp.EndPort < base.Port || pp.EndPort > 65535 {
				p.add(field.Invalid(path.Child("endPort"), pp.EndPort, fmt.Sprintf("must be between port (%d) and 65535", n)))
				return nil, false
			}
			base.EndPort = pp.EndPort
		}
	}
	out := make([]policy.Port, len(protos))
	for i, proto := range protos {
		out[i] = base
		out[i].Protocol = proto
	}
	return out, true
}

// liftICMP lifts an ICMP field: its type, by number or by Cilium's name for it.
func liftICMP(f api.ICMPField, path *field.Path, p problems) (policy.ICMP, bool) {
	m := policy.ICMP{Family: policy.IPv4}
	switch f.Family {
	case api.IPv4Family, "":
	case api.IPv6Family:
		m.Family = policy.IPv6
	default:
		p.add(field.NotSupported(path.Child("family"), f.Family, []string{api.IPv4Family, api.IPv6Family}))
		return m, false
	}
	if f.Type == nil {
		p.add(field.Required(path.Child("type"), ""))
		return m, false
	}
	n, err := strconv.Atoi(f.PortProtocol().Port)
	switch {
	case err != nil || n < 0 || n > 255:
		p.add(field.Invalid(path.Child("type"), f.Type.String(), "not an ICMP type Cilium knows"))
		return m, false
	case n == 0:
		// Checked with Cilium's policy repository (TestCiliumICMP in the conformance oracle).
		p.add(field.Invalid(path.Child("type"), f.Type.String(), "Cilium keys ICMP types in a policy key's port, where 0 "+
			"stands for every port: this matches every ICMP type of the family, which no intent ICMP match says"))
		return m, false
	}
	m.Type = int32(n)
	return m, true
}

// querySuffix is what Cilium's proxy must admit after a path for the intent's path
// matches: the intent matches the request's path, the proxy the whole request target,
// query string included (see the cilium package).
const querySuffix = `(?:[?#].*)?`

// liftHTTP lifts an HTTP rule. Cilium's proxy matches method, path and host as RE2
// regexes against the whole value; the intent's methods and hosts are exact, so those
// must be literals. The path is matched against the whole request target: only a regex
// that admits any query after what it matches (ending in (?:[?#].*)?, or a literal prefix
// followed by .*) means what an intent path means.
func liftHTTP(h *api.PortRuleHTTP, path *field.Path, p problems) (policy.HTTPMatch, bool) {
	var m policy.HTTPMatch
	ok := true
	if h.Method != "" {
		lit, good := literal(h.Method)
		if !good {
			p.add(field.Invalid(path.Child("method"), h.Method, "a regex other than a literal method; the intent's methods are exact"))
			ok = false
		}
		m.Method = lit
	}
	if h.Host != "" {
		lit, good := literal(h.Host)
		if !good {
			p.add(field.Invalid(path.Child("host"), h.Host, "a regex other than a literal host; the intent's hosts are exact"))
			ok = false
		}
		m.Host = lit
	}
	if h.Path != "" {
		kind, pth, why := liftPath(h.Path)
		if why != "" {
			p.add(field.Invalid(path.Child("path"), h.Path, why))
			ok = false
		}
		m.PathKind, m.Path = kind, pth
	}
	for i, hd := range h.Headers {
		// As Cilium's Envoy translation reads it: "Name: value" (or "Name value") requires
		// the value exactly; a name alone only its presence.
		name, value, found := strings.Cut(hd, " ")
		name = strings.TrimRight(name, ":")
		switch {
		case !found:
			p.add(field.Invalid(path.Child("headers").Index(i), hd, "requires the header's presence only; the intent's headers "+
				"are exact values"))
			ok = false
		case strings.TrimSpace(value) != value || value == "":
			p.add(field.Invalid(path.Child("headers").Index(i), hd, "the proxy strips surrounding whitespace from header values, "+
				"so this value never matches"))
			ok = false
		default:
			m.Headers = append(m.Headers, policy.Header{Name: name, Value: value})
		}
	}
	for i, hm := range h.HeaderMatches {
		if hm == nil || hm.Mismatch != "" || hm.Secret != nil || hm.Value == "" {
			p.add(field.Forbidden(path.Child("headerMatches").Index(i), "headerMatches with a mismatch action, a secret or no "+
				"value have no intent equivalent (the intent's headers are exact values, and a request that does not match is "+
				"not admitted)"))
			ok = false
			continue
		}
		m.Headers = append(m.Headers, policy.Header{Name: hm.Name, Value: hm.Value})
	}
	return m, ok
}

// literal returns the string a regex matches when it matches exactly one, case-sensitively.
func literal(expr string) (string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || re.Op != syntax.OpLiteral || re.Flags&syntax.FoldCase != 0 {
		return "", false
	}
	return string(re.Rune), true
}

// liftPath lifts a Cilium HTTP path regex into an intent path match, or says why it has
// none: X(?:[?#].*)? with X a literal is the exact path X, with X a regex that matches no
// '?' or '#' the regex X; a literal followed by .* is a prefix.
func liftPath(expr string) (policy.PathKind, string, string) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", "", err.Error()
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	last := subs[len(subs)-1]
	rest := subs[:len(subs)-1]
	switch {
	case isQuerySuffix(last):
		if len(rest) == 1 && rest[0].Op == syntax.OpLiteral && rest[0].Flags&syntax.FoldCase == 0 {
			s := string(rest[0].Rune)
			if strings.ContainsAny(s, "?#") {
				return "", "", "the literal holds '?' or '#', which start the query or fragment: no request path matches it"
			}
			return policy.PathExact, s, ""
		}
		if len(rest) == 0 {
			return "", "", "matches the empty path only, which no request has"
		}
		body := &syntax.Regexp{Op: syntax.OpConcat, Sub: rest}
		if len(rest) == 1 {
			body = rest[0]
		}
		if why := pathOnly(body); why != "" {
			return "", "", why
		}
		return policy.PathRegex, body.String(), ""
	case last.Op == syntax.OpStar && last.Sub[0].Op == syntax.OpAnyCharNotNL:
		if len(rest) == 0 {
			return "", "", "" // every path
		}
		if len(rest) == 1 && rest[0].Op == syntax.OpLiteral && rest[0].Flags&syntax.FoldCase == 0 &&
			!strings.ContainsRune(string(rest[0].Rune), '?') && !strings.ContainsRune(string(rest[0].Rune), '#') {
			return policy.PathPrefix, string(rest[0].Rune), ""
		}
	}
	return "", "", "Cilium's proxy matches the path regex against the whole request target, query string included, " +
		"while the intent's paths are matched without it: this regex admits " + expr + " with no query string only (or " +
		"decides by the query), which no intent path says; end it with " + querySuffix + " to admit any query"
}

// isQuerySuffix reports whether re is (?:[?#].*)?.
func isQuerySuffix(re *syntax.Regexp) bool {
	if re.Op != syntax.OpQuest || re.Sub[0].Op != syntax.OpConcat || len(re.Sub[0].Sub) != 2 {
		return false
	}
	class, star := re.Sub[0].Sub[0], re.Sub[0].Sub[1]
	return class.Op == syntax.OpCharClass && len(class.Rune) == 4 && class.Rune[0] == '#' && class.Rune[1] == '#' &&
		class.Rune[2] == '?' && class.Rune[3] == '?' && star.Op == syntax.OpStar && star.Sub[0].Op == syntax.OpAnyCharNotNL
}

// pathOnly says why a regex may match more than a path (a '?' or '#', or an assertion
// whose meaning changes with the query after it), or returns "".
func pathOnly(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if strings.ContainsAny(string(re.Rune), "?#") {
			return "matches '?' or '#', which start the query or fragment"
		}
	case syntax.OpCharClass:
		for i := 0; i < len(re.Rune); i += 2 {
			for _, c := range []rune{'?', '#'} {
				if re.Rune[i] <= c && c <= re.Rune[i+1] {
					return "matches '?' or '#', which start the query or fragment"
				}
			}
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "'.' matches '?' or '#', which start the query or fragment; write [^?#] for a path character"
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return "an assertion matches differently before the query the proxy sees"
	}
	for _, sub := range re.Sub {
		if why := pathOnly(sub); why != "" {
			return why
		}
	}
	return ""
}
