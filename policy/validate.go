package policy

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/netintent/netintent/internal/representable"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// pathFn returns a field path. Validators call it only to report a problem: almost every
// value is valid, and building the paths of all of them would cost more than checking them.
type pathFn func() *field.Path

// at is the pathFn of a path built already.
func at(p *field.Path) pathFn { return func() *field.Path { return p } }

func (b *modelBuilder) add(errs ...*field.Error) { b.errs = append(b.errs, errs...) }

// addSorted adds errors from validators that iterate over maps (labels, annotations,
// matchLabels), whose order would otherwise change from run to run.
func (b *modelBuilder) addSorted(errs field.ErrorList) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	b.add(errs...)
}

func (b *modelBuilder) options(m *Model) {
	opts := field.NewPath("options")
	b.add(metav1validation.ValidateLabelName(b.set.serviceLabel, opts.Child("serviceLabel"))...)
	if b.set.defaultNamespace != "" {
		b.namespaceName(b.set.defaultNamespace, at(opts.Child("defaultNamespace")))
	}
	dnsPath := opts.Child("dns")
	dns := b.set.dns
	ok, _ := b.peer(nil, Egress, &dns, at(dnsPath.Child("peer")))
	if ok && dns.Kind != PeerPods {
		b.add(field.Invalid(dnsPath.Child("peer"), dns.Kind, "the DNS service must be a pod peer"))
	}
	m.DNS = dns
	m.DNSPorts = b.ports(b.set.dnsPorts, at(dnsPath.Child("ports")))
	b.dns, b.dnsPorts = []Peer{m.DNS}, m.DNSPorts
	if len(m.DNSPorts) == 0 {
		b.add(field.Required(dnsPath.Child("ports"), "the DNS service needs at least one port"))
	}
}

func (b *modelBuilder) tiers() []Tier {
	out := make([]Tier, 0, len(b.set.tiers))
	byOrder := map[float64]string{}
	for _, t := range b.set.tiers {
		out = append(out, Tier{Name: t.name, Order: t.order, DefaultAction: t.defaultAction, Path: t.path})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	for _, t := range out {
		for _, msg := range validation.IsDNS1123Label(t.Name) {
			b.add(field.Invalid(t.Path, t.Name, msg))
		}
		if t.Name == "default" {
			b.add(field.Invalid(t.Path, t.Name, "untiered policies form the default tier; name tiers otherwise"))
		}
		b.finite(t.Path.Child("order"), t.Order)
		if other, dup := byOrder[t.Order]; dup {
			b.add(field.Duplicate(t.Path.Child("order"), fmt.Sprintf("%v (also tier %q): equal orders would be decided by name", t.Order, other)))
		}
		byOrder[t.Order] = t.Name
	}
	return out
}

// finite checks an order: tiers and policies in a tier are evaluated by ascending order,
// which NaN and the infinities do not give.
func (b *modelBuilder) finite(path *field.Path, order float64) {
	if math.IsNaN(order) || math.IsInf(order, 0) {
		b.add(field.Invalid(path, order, "must be a finite number"))
	}
}

// namespaceName checks a namespace name and returns it, as the one string the builder
// keeps for that name: the Model's subjects and peers then share a few namespace
// strings, which compare and hash without reaching into the Set's memory.
func (b *modelBuilder) namespaceName(name string, path pathFn) string {
	if name == "" {
		b.add(field.Required(path(), "a namespace is required (set one or use policy.DefaultNamespace)"))
		return name
	}
	if known, ok := b.nsNames[name]; ok {
		return known
	}
	if !b.dnsLabel(name, path) {
		return name
	}
	if shared, ok := b.sharedNames[name]; ok {
		name = shared
	}
	b.nsNames[name] = name
	b.nsLabels[name] = nil
	return name
}

// dnsLabel reports whether value is a DNS-1123 label, recording the problem if not. Valid
// values are remembered: a large Set names the same services and namespaces many times.
func (b *modelBuilder) dnsLabel(value string, path pathFn) bool {
	if isDNS1123Label(value) || b.validLabels[value] {
		return true
	}
	msgs := validation.IsDNS1123Label(value)
	for _, msg := range msgs {
		b.add(field.Invalid(path(), value, msg))
	}
	if len(msgs) == 0 {
		b.validLabels[value] = true
	}
	return len(msgs) == 0
}

func (b *modelBuilder) selector(sel *metav1.LabelSelector, path pathFn) {
	if isEmptySelector(sel) {
		return // selects everything, and is valid
	}
	if len(sel.MatchExpressions) == 0 && b.validLabelSet(sel.MatchLabels) {
		return
	}
	b.keyBuf = appendSelectorKey(b.keyBuf[:0], sel)
	if b.validSelectors[string(b.keyBuf)] {
		return
	}
	key := string(b.keyBuf)
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path())
	b.addSorted(errs)
	if len(errs) == 0 && len(sel.MatchExpressions) > 0 {
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			b.add(field.Invalid(path(), sel, err.Error()))
			return
		}
	}
	if len(errs) == 0 {
		b.validSelectors[key] = true
	}
}

// validLabelSet reports whether every key and value of labels is valid, which is what
// metav1validation.ValidateLabelSelector checks of a selector without expressions.
func (b *modelBuilder) validLabelSet(labels map[string]string) bool {
	for k, v := range labels {
		if !b.validLabel(k, v) {
			return false
		}
	}
	return true
}

// validLabel reports whether k and v are a valid label key and value.
func (b *modelBuilder) validLabel(k, v string) bool {
	if !b.validKeys[k] {
		if len(validation.IsQualifiedName(k)) > 0 {
			return false
		}
		b.validKeys[k] = true
	}
	if !isLabelValue(v) && !b.validValues[v] {
		if len(validation.IsValidLabelValue(v)) > 0 {
			return false
		}
		b.validValues[v] = true
	}
	return true
}

func isDNS1123Label(s string) bool {
	if len(s) == 0 || len(s) > validation.DNS1123LabelMaxLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' && i > 0 && i < len(s)-1) {
			return false
		}
	}
	return true
}

func isLabelValue(s string) bool {
	if len(s) > validation.LabelValueMaxLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && !((c == '-' || c == '_' || c == '.') && i > 0 && i < len(s)-1) {
			return false
		}
	}
	return true
}

func (b *modelBuilder) cidrPeer(peer *Peer, path *field.Path) {
	if peer.rawCIDR != "" || !peer.CIDR.IsValid() {
		pfx, err := netip.ParsePrefix(peer.rawCIDR)
		if err != nil {
			b.add(field.Invalid(path.Child("cidr"), peer.rawCIDR, "not a CIDR: "+err.Error()))
			return
		}
		peer.CIDR = pfx
		peer.Except = nil
		for i, e := range peer.rawExcept {
			ep, err := netip.ParsePrefix(e)
			if err != nil {
				b.add(field.Invalid(path.Child("except").Index(i), e, "not a CIDR: "+err.Error()))
				continue
			}
			peer.Except = append(peer.Except, ep)
		}
	}
	c := peer.CIDR
	if c.Addr().Is4In6() {
		b.add(field.Invalid(path.Child("cidr"), c.String(), "IPv4-mapped IPv6 ranges are ambiguous; write the IPv4 range"))
		return
	}
	if c != c.Masked() {
		b.add(field.Invalid(path.Child("cidr"), c.String(), fmt.Sprintf("host bits are set; the range is %s", c.Masked())))
	}
	peer.Except = append([]netip.Prefix(nil), peer.Except...) // sorted below: not the caller's slice
	seen := map[netip.Prefix]bool{}
	for i, e := range peer.Except {
		ep := path.Child("except").Index(i)
		switch {
		case e.Addr().Is4() != c.Addr().Is4():
			b.add(field.Invalid(ep, e.String(), "except must be in the same IP family as the cidr "+c.String()))
		case e != e.Masked():
			b.add(field.Invalid(ep, e.String(), fmt.Sprintf("host bits are set; the range is %s", e.Masked())))
		case e.Bits() <= c.Bits() || !c.Contains(e.Addr()):
			b.add(field.Invalid(ep, e.String(), "except must be a strict sub-range of the cidr "+c.String()))
		case seen[e]:
			b.add(field.Duplicate(ep, e.String()))
		}
		seen[e] = true
	}
	sort.Slice(peer.Except, func(i, j int) bool { return peer.Except[i].String() < peer.Except[j].String() })
}

var fqdnLabel = regexp.MustCompile(`^[a-z0-9_*]([-a-z0-9_*]*[a-z0-9_*])?$`)

// fqdn validates a DNS name or "*" pattern and returns it in canonical form (lower case,
// no trailing dot).
func (b *modelBuilder) fqdn(name string, path *field.Path) (string, bool) {
	n := strings.TrimSuffix(strings.ToLower(name), ".")
	if n == "*" {
		return n, true
	}
	if n == "" || len(n) > 253 {
		b.add(field.Invalid(path, name, "a DNS name or pattern of 1 to 253 characters is required"))
		return n, false
	}
	for _, l := range strings.Split(n, ".") {
		if len(l) > 63 || !fqdnLabel.MatchString(l) {
			b.add(field.Invalid(path, name, fmt.Sprintf("label %q: each dot-separated label is 1-63 of a-z, 0-9, '-', '_' or '*', not starting or ending with '-'", l)))
			return n, false
		}
	}
	return n, true
}

func (b *modelBuilder) ports(in []Port, path pathFn) []Port {
	if len(in) == 0 {
		return nil
	}
	if len(in) == 1 {
		if out, ok := b.singlePorts[in[0]]; ok {
			return out // valid, as checked when it was stored
		}
	}
	out := make([]Port, 0, len(in))
	// Rules have few ports: a linear search finds duplicates faster than a map, up to many.
	var set map[Port]bool
	seen := func(pt Port) bool {
		if len(in) <= 32 {
			return slices.Contains(out, pt)
		}
		if set == nil {
			set = make(map[Port]bool, len(in))
		}
		if set[pt] {
			return true
		}
		set[pt] = true
		return false
	}
	for i, pt := range in {
		pp := func() *field.Path { return path().Index(i) }
		ok := true
		switch pt.Protocol {
		case TCP, UDP, SCTP:
		default:
			b.add(field.NotSupported(pp().Child("protocol"), pt.Protocol, []Protocol{TCP, UDP, SCTP}))
			ok = false
		}
		switch {
		case pt.Name != "":
			for _, msg := range validation.IsValidPortName(pt.Name) {
				b.add(field.Invalid(pp().Child("name"), pt.Name, msg))
				ok = false
			}
			if pt.Port != 0 || pt.EndPort != 0 {
				b.add(field.Invalid(pp(), pt.Name, "a named port has no number or range"))
				ok = false
			}
		case pt.Port == 0:
			if pt.EndPort != 0 {
				b.add(field.Invalid(pp().Child("endPort"), pt.EndPort, "a range needs a start port"))
				ok = false
			}
		default:
			for _, msg := range validation.IsValidPortNum(int(pt.Port)) {
				b.add(field.Invalid(pp().Child("port"), pt.Port, msg))
				ok = false
			}
			if pt.EndPort != 0 {
				for _, msg := range validation.IsValidPortNum(int(pt.EndPort)) {
					b.add(field.Invalid(pp().Child("endPort"), pt.EndPort, msg))
					ok = false
				}
				if ok && pt.EndPort < pt.Port {
					b.add(field.Invalid(pp().Child("endPort"), pt.EndPort, fmt.Sprintf("must not be less than port %d", pt.Port)))
					ok = false
				}
				if pt.EndPort == pt.Port {
					pt.EndPort = 0
				}
			}
		}
		if ok && !seen(pt) {
			out = append(out, pt)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if len(in) == 1 && len(out) == 1 && out[0] == in[0] {
		b.singlePorts[in[0]] = out[:1:1]
	}
	return out
}

func (b *modelBuilder) icmp(m ICMP, path *field.Path) {
	if m.Family != IPv4 && m.Family != IPv6 {
		b.add(field.NotSupported(path.Child("family"), m.Family, []IPFamily{IPv4, IPv6}))
	}
	for _, msg := range validation.IsInRange(int(m.Type), 0, 255) {
		b.add(field.Invalid(path.Child("type"), m.Type, msg))
	}
	if m.Code != nil {
		for _, msg := range validation.IsInRange(int(*m.Code), 0, 255) {
			b.add(field.Invalid(path.Child("code"), *m.Code, msg))
		}
	}
}

// httpMethod accepts method names (RFC 9110 tokens in practice: letters, digits, '-' and
// '_'); a '*' would mean "every method" to Calico and a regex to Cilium.
var httpMethod = regexp.MustCompile(`^[A-Za-z][-_0-9A-Za-z]*$`)

func (b *modelBuilder) http(h HTTPMatch, path *field.Path) {
	if h.Method != "" && !httpMethod.MatchString(h.Method) {
		b.add(field.Invalid(path.Child("method"), h.Method, "an HTTP method is a token such as GET or POST"))
	}
	switch h.PathKind {
	case "", PathExact, PathPrefix:
		// What a request carries (RFC 3986): other bytes are percent-encoded on the wire,
		// so a path holding them would never match.
		if h.Path != "" && (!strings.HasPrefix(h.Path, "/") || strings.ContainsAny(h.Path, "?#") || !visibleASCII(h.Path)) {
			b.add(field.Invalid(path.Child("path"), h.Path,
				"an HTTP path starts with '/' and has only visible ASCII characters (percent-encode the others), no query or fragment"))
		}
	case PathRegex:
		if _, err := syntax.Parse(h.Path, syntax.Perl); err != nil {
			b.add(field.Invalid(path.Child("path"), h.Path, "not an RE2 regular expression: "+err.Error()))
		} else if !representable.String(h.Path) {
			b.add(field.Invalid(path.Child("path"), h.Path, unrepresentable+"; write such characters as escapes (\\x7f)"))
		}
	default:
		b.add(field.NotSupported(path.Child("pathKind"), h.PathKind, []PathKind{PathExact, PathPrefix, PathRegex}))
	}
	if h.Host != "" {
		host := h.Host
		if i := strings.LastIndexByte(host, ':'); i > 0 {
			if n, err := strconv.Atoi(host[i+1:]); err != nil || len(validation.IsValidPortNum(n)) > 0 {
				b.add(field.Invalid(path.Child("host"), h.Host, "the port after ':' is invalid"))
			}
			host = host[:i]
		}
		for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(host)) {
			b.add(field.Invalid(path.Child("host"), h.Host, msg))
		}
	}
	for i, hd := range h.Headers {
		hp := path.Child("headers").Index(i)
		for _, msg := range validation.IsHTTPHeaderName(hd.Name) {
			b.add(field.Invalid(hp.Child("name"), hd.Name, msg))
		}
		if strings.ContainsFunc(hd.Value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7F }) || !representable.String(hd.Value) {
			b.add(field.Invalid(hp.Child("value"), hd.Value, "a header value has no control characters other than tab (RFC 9110), and "+unrepresentable))
		}
	}
}

// unrepresentable explains what representable.String refuses.
const unrepresentable = "the output cannot carry invalid UTF-8, DEL, C1 controls, U+FFFE or U+FFFF"

// visibleASCII reports whether s has only the characters from '!' to '~'.
func visibleASCII(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
