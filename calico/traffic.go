package calico

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/api/pkg/lib/numorstring"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxICMPType is the largest ICMP type Calico's validator accepts (ICMPFields.Type,
// validate:"lte=254").
const maxICMPType = 254

// traffics translates the ports, ICMP and L7 parts of r: one traffic per protocol (a
// Calico rule has one protocol), one per ICMP message, and the TCP ones once per HTTP
// match Calico needs. It appends them to out.
func (c *compiler) traffics(out []traffic, e *emitted, d policy.Direction, r *policy.Rule) []traffic {
	start := len(out)
	if r.AllTraffic() {
		out = append(out, traffic{})
	}
	for _, proto := range []policy.Protocol{policy.TCP, policy.UDP, policy.SCTP} {
		// The ports go to the compiler's buffer, which rules copies from.
		ports := c.scratch.ports
		at := len(ports)
		found, all := false, false
		for i := range r.Ports {
			pt := &r.Ports[i]
			if pt.Protocol != proto {
				continue
			}
			found = true
			switch {
			case pt.Name != "":
				ports = append(ports, numorstring.NamedPort(pt.Name))
			case pt.Port == 0:
				all = true
			case pt.EndPort != 0:
				p, _ := numorstring.PortFromRange(uint16(pt.Port), uint16(pt.EndPort))
				ports = append(ports, p)
			default:
				ports = append(ports, numorstring.SinglePort(uint16(pt.Port)))
			}
		}
		c.scratch.ports = ports
		if !found {
			continue
		}
		t := traffic{proto: string(proto)}
		if !all {
			t.ports = sortPorts(ports[at:len(ports):len(ports)])
		}
		out = append(out, t)
	}
	seenICMP := map[[3]int32]bool{}
	for i, m := range r.ICMP {
		key := [3]int32{0, m.Type, -1}
		if m.Family == policy.IPv6 {
			key[0] = 1
		}
		if m.Code != nil {
			key[2] = *m.Code
		}
		if seenICMP[key] {
			continue
		}
		seenICMP[key] = true
		if m.Type > maxICMPType {
			c.Refuse(r.Path.Child("icmp").Index(i).Child("type"), constructICMPType255,
				"Calico's validator accepts ICMP types 0 to 254")
			continue
		}
		proto := "ICMP"
		if m.Family == policy.IPv6 {
			proto = "ICMPv6"
		}
		typ := int(m.Type)
		f := &calicov3.ICMPFields{Type: &typ}
		if m.Code != nil {
			code := int(*m.Code)
			f.Code = &code
		}
		out = append(out, traffic{proto: proto, icmp: f})
	}
	if len(r.DNS) > 0 {
		if c.opts.widenL7 {
			e.Warn(r.Path, "DNS lookup patterns dropped: every lookup to the DNS servers on the rule's ports is admitted")
		} else {
			c.Refuse(r.Path.Child("dns"), constructDNS,
				"Calico open source does not inspect DNS queries", backend.Lossy(optWidenL7))
		}
	}
	if len(r.HTTP) == 0 {
		return out
	}
	matches := c.httpMatches(e, d, r)
	if len(matches) == 0 {
		return out
	}
	var withHTTP []traffic
	for _, t := range out[start:] {
		if t.proto != string(policy.TCP) {
			withHTTP = append(withHTTP, t)
			continue
		}
		for _, m := range matches {
			t.http = m
			withHTTP = append(withHTTP, t)
		}
	}
	return append(out[:start], withHTTP...)
}

// httpMatches translates the HTTP matches of r into Calico http matches, any of which
// admits a request; none means every request (no L7 constraint, or widened).
//
// A Calico http match admits a request whose method is one of its methods and whose path
// matches one of its paths (exact or prefix), checked by Dikastes in app-policy/checker
// (match.go). One match per distinct set of paths keeps "GET /a or POST /b" from
// becoming "GET or POST on /a or /b".
func (c *compiler) httpMatches(e *emitted, d policy.Direction, r *policy.Rule) []*calicov3.HTTPMatch {
	type issue struct {
		path      *field.Path
		construct backend.Construct
		detail    string
		exact     bool // calico.ApplicationLayerPolicy() makes it exact
	}
	var issues []issue
	switch {
	case d == policy.Egress:
		issues = append(issues, issue{r.Path.Child("http"), constructEgressHTTP,
			"Calico's application layer policy matches HTTP on ingress allow rules only; written at the callee (AllowFrom on the receiving workload), the same rule is exact", false})
	case !c.opts.alp:
		issues = append(issues, issue{r.Path.Child("http"), constructHTTP,
			"Felix ignores http matches, so the rule would admit every request; they are enforced only by application layer policy (Istio with Dikastes)", true})
	default:
		for i, h := range r.HTTP {
			hp := r.Path.Child("http").Index(i)
			if h.PathKind == policy.PathRegex && h.Path != "" {
				issues = append(issues, issue{hp.Child("path"), constructHTTPRegex, "Calico matches HTTP paths exactly or by prefix only", false})
			}
			if h.Host != "" {
				issues = append(issues, issue{hp.Child("host"), constructHTTPHost, "Calico matches HTTP methods and paths only", false})
			}
			if len(h.Headers) > 0 {
				issues = append(issues, issue{hp.Child("headers"), constructHTTPHeaders, "Calico matches HTTP methods and paths only", false})
			}
		}
	}
	if len(issues) > 0 {
		if c.opts.widenL7 {
			var why []string
			for _, is := range issues {
				why = append(why, string(is.construct))
			}
			e.Warn(r.Path, "HTTP matches dropped ("+strings.Join(why, ", ")+"): every request on the rule's peers and ports is admitted")
			return nil
		}
		for _, is := range issues {
			if is.exact {
				c.Refuse(is.path, is.construct, is.detail, backend.Exact(optALP), backend.Lossy(optWidenL7))
			} else {
				c.Refuse(is.path, is.construct, is.detail, backend.Lossy(optWidenL7))
			}
		}
		return nil
	}

	anyPath := map[string]bool{}
	paths := map[string][]calicov3.HTTPPath{}
	for _, h := range r.HTTP {
		switch {
		case h.Path == "":
			anyPath[h.Method] = true
		case h.PathKind == policy.PathPrefix:
			paths[h.Method] = append(paths[h.Method], calicov3.HTTPPath{Prefix: h.Path})
		default:
			paths[h.Method] = append(paths[h.Method], calicov3.HTTPPath{Exact: h.Path})
		}
	}
	if anyPath[""] {
		return nil
	}
	methods := map[string]bool{}
	for m := range paths {
		methods[m] = true
	}
	for m := range anyPath {
		methods[m] = true
	}
	type group struct {
		paths   []calicov3.HTTPPath
		methods []string
	}
	groups := map[string]*group{}
	for m := range methods {
		var ps []calicov3.HTTPPath
		if !anyPath[m] {
			ps = sortPaths(paths[m])
		}
		b, _ := json.Marshal(ps)
		g, ok := groups[string(b)]
		if !ok {
			g = &group{paths: ps}
			groups[string(b)] = g
		}
		g.methods = append(g.methods, m)
	}
	sorted := make([]*group, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g.methods)
		sorted = append(sorted, g)
	}
	// Every method is in one group, so the groups sort by their first method.
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].methods[0] < sorted[j].methods[0] })
	out := make([]*calicov3.HTTPMatch, 0, len(sorted))
	for _, g := range sorted {
		m := &calicov3.HTTPMatch{Paths: g.paths}
		if g.methods[0] != "" {
			// Method "" admits every method, so it absorbs the others of its group.
			m.Methods = g.methods
		}
		out = append(out, m)
	}
	return out
}

// sortPaths sorts exact paths before prefixes, each by path, and drops duplicates.
func sortPaths(ps []calicov3.HTTPPath) []calicov3.HTTPPath {
	sort.Slice(ps, func(i, j int) bool {
		if (ps[i].Exact == "") != (ps[j].Exact == "") {
			return ps[i].Exact != ""
		}
		return ps[i].Exact+ps[i].Prefix < ps[j].Exact+ps[j].Prefix
	})
	out := ps[:0]
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return out
}
