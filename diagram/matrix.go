package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/netintent/netintent/policy"
)

// Matrix renders, as a Markdown table, what the model allows between the endpoints of u
// that it talks about, as judged by the reference evaluator (policy.Model.Evaluate) for
// every probe of u. A nil u stands for m.Universe().
//
// To stay readable the table keeps only the endpoints that a policy subject selects or a
// rule peer (or the DNS service kept open for egress-isolated subjects) covers, including
// the addresses in a CIDR peer's exceptions. A subject or peer that stands for every pod
// of a namespace or of the cluster, or for every address ("any", world, a /0 range),
// brings one representative pod and one representative address among those that no
// narrower subject or peer covers. Rows are sources and columns destinations, pods first,
// then nodes, then addresses; see MatrixFor for the cells.
func Matrix(m *policy.Model, u *policy.Universe) string {
	if m == nil {
		m = &policy.Model{}
	}
	if u == nil {
		u = m.Universe()
	}
	return MatrixFor(m, relevant(m, u.Endpoints), u.Probes)
}

// MatrixFor renders the reachability table for the given endpoints, in the given order, as
// both rows (sources) and columns (destinations), and the given probes. Endpoints are named
// briefly ("ecommerce/order-service" for a pod of a service, "10.0.0.1", "api.stripe.com"),
// or by their Sample.Name where brief names would collide.
//
// A cell lists the probes the evaluator allows from the row to the column ("TCP/8080,
// UDP/53"): "all" when every probe is, "all but TCP/80" when that is shorter, "—" when
// none is, and "·" when no policy applies to either end. A probe is marked "(HTTP)" or
// "(DNS)" when only matching requests or lookups are allowed, and listed after
// "audit-denied:" when it is allowed but would be denied once the audit-mode policies are
// enforced. A legend and the list of probes follow the table.
func MatrixFor(m *policy.Model, endpoints []policy.Sample, probes []policy.Probe) string {
	if m == nil {
		m = &policy.Model{}
	}
	if len(endpoints) == 0 {
		return "(no endpoints)\n"
	}
	names := briefNames(m.ServiceLabel, endpoints)
	j := newJudge(m)
	var b strings.Builder
	b.WriteString(`| from \ to |`)
	for _, n := range names {
		b.WriteString(" " + mdText(n) + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(names)) + "\n")
	for i, from := range endpoints {
		b.WriteString("| " + mdText(names[i]) + " |")
		for _, to := range endpoints {
			b.WriteString(" " + mdText(j.cell(from.Endpoint, to.Endpoint, probes)) + " |")
		}
		b.WriteString("\n")
	}
	probeNames := make([]string, len(probes))
	for i, p := range probes {
		probeNames[i] = probeText(p)
	}
	b.WriteString("\nRows send, columns receive. all: every probe; all but: every probe except those listed; —: none; ·: no policy applies to either end; " +
		"(HTTP), (DNS): only matching requests or lookups; audit-denied: allowed, but denied once audit-mode policies are enforced.\n" +
		"Probes: " + mdText(strings.Join(probeNames, ", ")) + ".\n")
	return b.String()
}

// judge asks the reference evaluator about flows.
type judge struct {
	m *policy.Model
	// http and dns say whether some rule of the model has HTTP (DNS) matches.
	http, dns bool
}

func newJudge(m *policy.Model) judge {
	j := judge{m: m}
	for _, p := range m.Policies {
		for _, rules := range [][]policy.Rule{p.Ingress, p.Egress} {
			for _, r := range rules {
				j.http = j.http || len(r.HTTP) > 0
				j.dns = j.dns || len(r.DNS) > 0
			}
		}
	}
	return j
}

// cell judges every probe from one endpoint to another.
func (j judge) cell(from, to policy.Endpoint, probes []policy.Probe) string {
	var plain, audited, denied []string
	judged, marked := false, false
	for _, p := range probes {
		f := policy.Flow{From: from, To: to, Protocol: p.Protocol, Port: p.Port, ICMP: p.ICMP}
		v := j.m.Evaluate(f)
		judged = judged || v.Source.Judged || v.Destination.Judged
		text := probeText(p)
		if !v.Allowed {
			denied = append(denied, text)
			continue
		}
		if l7 := j.l7(f); l7 != "" {
			text += " (" + l7 + ")"
			marked = true
		}
		if v.AuditDenied {
			audited = append(audited, text)
		} else {
			plain = append(plain, text)
		}
	}
	switch {
	case !judged:
		return "·"
	case len(plain) == 0 && len(audited) == 0:
		return "—"
	}
	// One kind of allowance, unrestricted at L7, reads best as what it leaves out.
	if !marked && (len(plain) == 0 || len(audited) == 0) {
		what, prefix := plain, ""
		if len(plain) == 0 {
			what, prefix = audited, "audit-denied: "
		}
		switch {
		case len(denied) == 0:
			return prefix + "all"
		case len(denied) < len(what):
			return prefix + "all but " + strings.Join(denied, ", ")
		}
	}
	var parts []string
	if len(plain) > 0 {
		parts = append(parts, strings.Join(plain, ", "))
	}
	if len(audited) > 0 {
		parts = append(parts, "audit-denied: "+strings.Join(audited, ", "))
	}
	return strings.Join(parts, "; ")
}

// probeText renders a probe as "TCP/8080", "ICMPv4/8" or "ICMPv6/128/0". (Probe.String
// writes the ICMP family in lower case after "ICMP": "ICMPipv4/8".)
func probeText(p policy.Probe) string {
	if p.ICMP == nil {
		return p.String()
	}
	s := fmt.Sprintf("ICMPv4/%d", p.ICMP.Type)
	if p.ICMP.Family == policy.IPv6 {
		s = fmt.Sprintf("ICMPv6/%d", p.ICMP.Type)
	}
	if p.ICMP.Code != nil {
		s += fmt.Sprintf("/%d", *p.ICMP.Code)
	}
	return s
}

// l7 says which L7 matches restrict an allowed flow: "HTTP" when a request that no
// realistic rule names is denied, "DNS" likewise for a lookup.
func (j judge) l7(f policy.Flow) string {
	var kinds []string
	if j.http && f.ICMP == nil && f.Protocol == policy.TCP {
		h := f
		h.HTTP = &policy.HTTPRequest{Method: "NETINTENT-UNMATCHED", Path: "/.netintent/unmatched", Host: "unmatched.netintent.invalid"}
		if !j.m.Evaluate(h).Allowed {
			kinds = append(kinds, "HTTP")
		}
	}
	if j.dns && f.ICMP == nil {
		d := f
		d.DNSQuery = "unmatched.netintent.invalid"
		if !j.m.Evaluate(d).Allowed {
			kinds = append(kinds, "DNS")
		}
	}
	return strings.Join(kinds, "+")
}

// cover is what a subject or peer covers; broad ones stand for every pod of a namespace
// or more, or every address of a family.
type cover struct {
	broad  bool
	covers func(policy.Endpoint) bool
}

// covers lists the subjects and peers of the model that the diagrams draw, and the DNS
// service when some subject keeps it.
func covers(m *policy.Model) []cover {
	var out []cover
	dns := false
	for _, p := range m.Policies {
		if silent(p) {
			continue
		}
		s := p.Subject
		out = append(out, cover{
			broad:  s.Scope != policy.ScopeHost && emptySelector(&s.Pods),
			covers: func(e policy.Endpoint) bool { return subjectSelects(m, s, e) },
		})
		for _, rules := range [][]policy.Rule{p.Ingress, p.Egress} {
			for _, r := range rules {
				for _, peer := range r.Peers {
					out = append(out, peerCovers(m, peer)...)
				}
			}
		}
		dns = dns || p.DNS
	}
	if dns {
		out = append(out, peerCovers(m, m.DNS)...)
	}
	return out
}

// peerCovers is what a peer covers; a CIDR peer also names its exceptions.
func peerCovers(m *policy.Model, p policy.Peer) []cover {
	switch p.Kind {
	case policy.PeerAny:
		return []cover{{broad: true, covers: func(policy.Endpoint) bool { return true }}}
	case policy.PeerEntity:
		broad := p.Entity == policy.EntityWorld || p.Entity == policy.EntityCluster
		return []cover{{broad: broad, covers: func(e policy.Endpoint) bool { return peerMatches(m, p, e) }}}
	case policy.PeerPods:
		broad := emptySelector(p.PodSelector) && p.ServiceAccount == ""
		return []cover{{broad: broad, covers: func(e policy.Endpoint) bool { return peerMatches(m, p, e) }}}
	case policy.PeerCIDR:
		out := []cover{{broad: p.CIDR.Bits() == 0, covers: func(e policy.Endpoint) bool { return peerMatches(m, p, e) }}}
		for _, x := range p.Except {
			hole := policy.Peer{Kind: policy.PeerCIDR, CIDR: x}
			out = append(out, cover{covers: func(e policy.Endpoint) bool { return peerMatches(m, hole, e) }})
		}
		return out
	default:
		return []cover{{covers: func(e policy.Endpoint) bool { return peerMatches(m, p, e) }}}
	}
}

// relevant picks the samples Matrix shows (see there), pods first, then nodes, then
// addresses, each by name. The representative of a broad subject or peer is, among the
// pods (addresses) it covers that nothing narrower covers, one that the fewest subjects
// and peers cover, with the fewest labels, first by name: the most ordinary one.
func relevant(m *policy.Model, samples []policy.Sample) []policy.Sample {
	cs := covers(m)
	covered := make([][]bool, len(cs))
	count := make([]int, len(samples))
	chosen := make([]bool, len(samples))
	for c := range cs {
		covered[c] = make([]bool, len(samples))
		for i, s := range samples {
			if cs[c].covers(s.Endpoint) {
				covered[c][i] = true
				count[i]++
				chosen[i] = chosen[i] || !cs[c].broad
			}
		}
	}
	specific := append([]bool(nil), chosen...)
	for c := range cs {
		if !cs[c].broad {
			continue
		}
		for _, kind := range []policy.EndpointKind{policy.EndpointPod, policy.EndpointExternal} {
			best := -1
			for i, s := range samples {
				if s.Kind != kind || specific[i] || !covered[c][i] {
					continue
				}
				if best < 0 || count[i] < count[best] || count[i] == count[best] && len(s.Labels) < len(samples[best].Labels) {
					best = i
				}
			}
			if best >= 0 {
				chosen[best] = true
			}
		}
	}
	var out []policy.Sample
	for i, s := range samples {
		if chosen[i] {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := kindRank(out[i].Kind), kindRank(out[j].Kind); ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func kindRank(k policy.EndpointKind) int {
	switch k {
	case policy.EndpointPod:
		return 0
	case policy.EndpointHost, policy.EndpointRemoteNode, policy.EndpointKubeAPIServer:
		return 1
	default:
		return 2
	}
}

// briefNames names endpoints for the table, falling back to Sample.Name on collisions.
func briefNames(serviceLabel string, samples []policy.Sample) []string {
	names := make([]string, len(samples))
	count := map[string]int{}
	for i, s := range samples {
		names[i] = briefName(serviceLabel, s.Endpoint)
		count[names[i]]++
	}
	for i, s := range samples {
		if count[names[i]] > 1 {
			names[i] = s.Name
		}
	}
	return names
}

func briefName(serviceLabel string, e policy.Endpoint) string {
	switch e.Kind {
	case policy.EndpointPod:
		what := "*"
		if v, ok := e.Labels[serviceLabel]; ok && len(e.Labels) == 1 {
			what = v
		} else if len(e.Labels) > 0 {
			keys := make([]string, 0, len(e.Labels))
			for k := range e.Labels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for i, k := range keys {
				keys[i] = k + "=" + e.Labels[k]
			}
			what = strings.Join(keys, ",")
		}
		name := e.Namespace + "/" + what
		if e.ServiceAccount != "" {
			name += " sa=" + e.ServiceAccount
		}
		if e.Cluster != "" {
			name = e.Cluster + ":" + name
		}
		return name
	case policy.EndpointExternal:
		switch {
		case e.DNSName != "":
			return e.DNSName
		case e.IP == policy.ExampleIPv4 || e.IP == policy.ExampleIPv6:
			return e.IP.String() + " (example address)"
		}
		return e.IP.String()
	case policy.EndpointHost:
		return "local node"
	case policy.EndpointRemoteNode:
		return "remote node"
	case policy.EndpointKubeAPIServer:
		return "kube-apiserver"
	default:
		return string(e.Kind)
	}
}

// mdEscaper escapes what Markdown would read as table or inline syntax.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, `|`, `\|`, "`", "\\`", `*`, `\*`, `_`, `\_`,
	`[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`, `~`, `\~`, `&`, `\&`,
)

// mdText escapes text for a Markdown table cell; control characters become spaces.
func mdText(s string) string { return mdEscaper.Replace(strings.Map(noControl, s)) }
