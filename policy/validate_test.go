package policy_test

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netintent/netintent/policy"
)

// problem is the part of a field.Error a case asserts: its type and exact field path, and
// optionally its bad value.
type problem struct {
	typ   field.ErrorType
	field string
	value any // compared when non-nil
}

const web = "services[shop/web]"

func TestValidationErrors(t *testing.T) {
	invalid := field.ErrorTypeInvalid
	required := field.ErrorTypeRequired
	notSupported := field.ErrorTypeNotSupported
	duplicate := field.ErrorTypeDuplicate
	forbidden := field.ErrorTypeForbidden
	notFound := field.ErrorTypeNotFound
	tooMany := field.ErrorTypeTooMany

	other := policy.NewSet(policy.DefaultNamespace("shop"))
	otherWorkload := other.Service("gw")

	cases := []struct {
		name string
		// opts are the options of the Set; DefaultNamespace("shop") when nil.
		opts  []policy.SetOption
		build func(s *policy.Set)
		want  []problem
	}{
		// Names, namespaces, metadata.
		{name: "invalid service name",
			build: func(s *policy.Set) { s.Service("Web_1").AllowFrom("a").TCP(80) },
			want:  []problem{{invalid, "services[shop/Web_1].name", "Web_1"}}},
		{name: "invalid namespace name",
			build: func(s *policy.Set) { s.ServiceIn("Shop", "web").AllowFrom(policy.World()).TCP(80) },
			want:  []problem{{invalid, "services[Shop/web].namespace", "Shop"}}},
		{name: "missing namespace", opts: []policy.SetOption{},
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.World()).TCP(80) },
			want:  []problem{{required, "services[/web].namespace", nil}}},
		{name: "invalid object name",
			build: func(s *policy.Set) { s.Service("web").Named("Web.Policy").AllowFrom("a").TCP(80) },
			want:  []problem{{invalid, web + ".objectName", "Web.Policy"}}},
		{name: "invalid object label key",
			build: func(s *policy.Set) { s.Service("web").WithLabels(map[string]string{"bad key": "v"}) },
			want:  []problem{{invalid, web + ".labels", "bad key"}}},
		{name: "invalid object label value",
			build: func(s *policy.Set) { s.Service("web").WithLabels(map[string]string{"team": "a b"}) },
			want:  []problem{{invalid, web + ".labels", "a b"}}},
		{name: "invalid annotation key",
			build: func(s *policy.Set) { s.Service("web").WithAnnotations(map[string]string{"no spaces/ok": "v"}) },
			want:  []problem{{invalid, web + ".annotations", "no spaces/ok"}}},
		{name: "reserved annotation",
			build: func(s *policy.Set) {
				s.Service("web").WithAnnotations(map[string]string{policy.RolloutStageAnnotation: "allow"})
			},
			want: []problem{{forbidden, web + ".annotations[netintent.io/rollout-stage]", nil}}},
		{name: "reserved annotations, all reported in key order",
			build: func(s *policy.Set) {
				s.Service("web").WithAnnotations(map[string]string{"netintent.io/warnings": "none", "netintent.io/x": "y", "note": "ok"})
			},
			want: []problem{
				{forbidden, web + ".annotations[netintent.io/warnings]", nil},
				{forbidden, web + ".annotations[netintent.io/x]", nil},
			}},
		{name: "invalid cluster policy name",
			build: func(s *policy.Set) { s.Cluster("Guard").DenyTo(policy.World()) },
			want:  []problem{{invalid, "cluster[Guard].name", "Guard"}}},
		{name: "invalid host policy name",
			build: func(s *policy.Set) { s.Host("").AllowFrom(policy.World()) },
			want:  []problem{{invalid, "hosts[].name", ""}}},
		{name: "invalid namespace defaults name",
			build: func(s *policy.Set) { s.Namespace("Bad_NS").DefaultDeny() },
			want:  []problem{{invalid, "namespaces[Bad_NS].name", "Bad_NS"}}},
		{name: "empty namespace defaults name",
			build: func(s *policy.Set) { s.Namespace("").DefaultDeny() },
			want:  []problem{{required, "namespaces[].name", nil}}},
		{name: "invalid namespace label",
			build: func(s *policy.Set) { s.Namespace("shop").Labels(map[string]string{"bad key": "x"}) },
			want:  []problem{{invalid, "namespaces[shop].labels", "bad key"}}},
		{name: "namespace name label contradicts the name",
			build: func(s *policy.Set) {
				s.Namespace("shop").Labels(map[string]string{policy.NamespaceNameLabel: "other"})
			},
			want: []problem{{invalid, "namespaces[shop].labels[kubernetes.io/metadata.name]", "other"}}},

		// Options.
		{name: "invalid service label", opts: []policy.SetOption{policy.DefaultNamespace("shop"), policy.ServiceLabel("bad key")},
			build: func(s *policy.Set) {},
			want:  []problem{{invalid, "options.serviceLabel", "bad key"}}},
		{name: "invalid default namespace", opts: []policy.SetOption{policy.DefaultNamespace("Shop")},
			build: func(s *policy.Set) {},
			want:  []problem{{invalid, "options.defaultNamespace", "Shop"}}},
		{name: "DNS service that is not pods", opts: []policy.SetOption{policy.DefaultNamespace("shop"),
			policy.DNSService(policy.CIDR("10.0.0.10/32"), policy.Port{Protocol: policy.UDP, Port: 53})},
			build: func(s *policy.Set) {},
			want:  []problem{{invalid, "options.dns.peer", policy.PeerCIDR}}},
		{name: "DNS service relative to a namespace", opts: []policy.SetOption{policy.DefaultNamespace("shop"),
			policy.DNSService(policy.Service("coredns"), policy.Port{Protocol: policy.UDP, Port: 53})},
			build: func(s *policy.Set) {},
			want:  []problem{{invalid, "options.dns.peer", nil}}},
		{name: "DNS service without ports", opts: []policy.SetOption{policy.DefaultNamespace("shop"),
			policy.DNSService(policy.KubeDNS())},
			build: func(s *policy.Set) {},
			want:  []problem{{required, "options.dns.ports", nil}}},
		{name: "DNS service zero peer", opts: []policy.SetOption{policy.DefaultNamespace("shop"),
			policy.DNSService(policy.Peer{}, policy.Port{Protocol: policy.UDP, Port: 53})},
			build: func(s *policy.Set) {},
			want:  []problem{{notSupported, "options.dns.peer.kind", policy.PeerKind("")}}},

		// Selectors.
		{name: "bad label key in subject selector",
			build: func(s *policy.Set) {
				s.Pods("shop", "fe", policy.MatchLabels{"bad key": "x"}).AllowFrom("a").TCP(80)
			},
			want: []problem{{invalid, "pods[shop/fe].selector.matchLabels", "bad key"}}},
		{name: "bad label value in subject selector",
			build: func(s *policy.Set) { s.Service("web").Select(policy.MatchLabels{"tier": "front end"}) },
			want:  []problem{{invalid, web + ".selector.matchLabels", "front end"}}},
		{name: "bad selector operator",
			build: func(s *policy.Set) {
				s.Pods("shop", "fe", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: "Like", Values: []string{"fe"}}}}).AllowFrom("a").TCP(80)
			},
			want: []problem{{invalid, "pods[shop/fe].selector.matchExpressions[0].operator", metav1.LabelSelectorOperator("Like")}}},
		{name: "In with no values",
			build: func(s *policy.Set) {
				s.Pods("shop", "fe", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpIn}}}).AllowFrom("a").TCP(80)
			},
			want: []problem{{required, "pods[shop/fe].selector.matchExpressions[0].values", nil}}},
		{name: "Exists with values",
			build: func(s *policy.Set) {
				s.Pods("shop", "fe", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpExists, Values: []string{"x"}}}}).AllowFrom("a").TCP(80)
			},
			want: []problem{{forbidden, "pods[shop/fe].selector.matchExpressions[0].values", nil}}},
		{name: "bad expression key in peer selector",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.Pods(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "-bad", Operator: metav1.LabelSelectorOpExists}}})).TCP(80)
			},
			want: []problem{{invalid, web + ".ingress[0].peers[0].pods.matchExpressions[0].key", "-bad"}}},
		{name: "bad namespace selector in peer",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"team": "a b"})).TCP(80)
			},
			want: []problem{{invalid, web + ".ingress[0].peers[0].namespaceSelector.matchLabels", "a b"}}},
		{name: "bad namespace selector of a cluster policy",
			build: func(s *policy.Set) {
				s.Cluster("guard").InNamespaces(policy.MatchLabels{"bad key": "x"}).DenyTo(policy.World())
			},
			want: []problem{{invalid, "cluster[guard].namespaceSelector.matchLabels", "bad key"}}},
		{name: "pod group without selector",
			build: func(s *policy.Set) { s.Pods("shop", "fe", nil).AllowFrom("a").TCP(80) },
			want:  []problem{{required, "pods[shop/fe].selector", nil}}},
		{name: "pod group with a nil *LabelSelector",
			build: func(s *policy.Set) { s.Pods("shop", "fe", (*policy.LabelSelector)(nil)).AllowFrom("a").TCP(80) },
			want:  []problem{{required, "pods[shop/fe].selector", nil}}},
		{name: "Select on a namespace",
			build: func(s *policy.Set) { s.Namespace("shop").Select(policy.MatchLabels{"app": "x"}) },
			want:  []problem{{forbidden, "namespaces[shop].selector", nil}}},
		{name: "InNamespaces on a service",
			build: func(s *policy.Set) { s.Service("web").InNamespaces(policy.Everything()).AllowFrom("a").TCP(80) },
			want:  []problem{{forbidden, web + ".namespaceSelector", nil}}},
		{name: "InNamespaces on a host policy",
			build: func(s *policy.Set) { s.Host("nodes").InNamespaces(policy.Everything()) },
			want:  []problem{{forbidden, "hosts[nodes].namespaceSelector", nil}}},

		// CIDRs.
		{name: "garbage CIDR",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("10.0.0.0/33")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].cidr", "10.0.0.0/33"}}},
		{name: "address without prefix length",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("10.0.0.1")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].cidr", "10.0.0.1"}}},
		{name: "CIDR with host bits",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("10.0.0.1/8")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].cidr", "10.0.0.1/8"}}},
		{name: "IPv6 CIDR with host bits",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("2001:db8::1/32")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].cidr", "2001:db8::1/32"}}},
		{name: "IPv4-mapped IPv6 CIDR",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("::ffff:10.0.0.0/104")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].cidr", "::ffff:10.0.0.0/104"}}},
		{name: "except outside cidr",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.CIDR("10.0.0.0/8", "11.0.0.0/16")).TCP(80)
			},
			want: []problem{{invalid, web + ".ingress[0].peers[0].except[0]", "11.0.0.0/16"}}},
		{name: "except equal to cidr",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("10.0.0.0/8", "10.0.0.0/8")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].except[0]", "10.0.0.0/8"}}},
		{name: "except in other family",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.CIDR("10.0.0.0/8", "2001:db8::/32")).TCP(80)
			},
			want: []problem{{invalid, web + ".ingress[0].peers[0].except[0]", "2001:db8::/32"}}},
		{name: "except with host bits",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("10.0.0.0/8", "10.1.0.1/16")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].except[0]", "10.1.0.1/16"}}},
		{name: "duplicate except",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.CIDR("10.0.0.0/8", "10.1.0.0/16", "10.1.0.0/16")).TCP(80)
			},
			want: []problem{{duplicate, web + ".ingress[0].peers[0].except[1]", "10.1.0.0/16"}}},
		{name: "garbage except",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.CIDR("10.0.0.0/8", "ten")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].except[0]", "ten"}}},
		{name: "CIDR literal with host bits",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.Peer{Kind: policy.PeerCIDR, CIDR: netip.MustParsePrefix("10.1.2.3/16")}).TCP(80)
			},
			want: []problem{{invalid, web + ".ingress[0].peers[0].cidr", "10.1.2.3/16"}}},
		{name: "CIDR literal without a prefix",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.Peer{Kind: policy.PeerCIDR}).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].cidr", ""}}},

		// Ports and ICMP.
		{name: "port out of range",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(70000) },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].port", int32(70000)}}},
		{name: "huge port",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").UDP(math.MaxInt) },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].port", nil}}},
		{name: "negative port",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").SCTP(-3) },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].port", nil}}},
		{name: "no port is not every protocol",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP() },
			want:  []problem{{required, web + ".ingress[0].ports[0]", nil}}},
		{name: "an empty port list is not every protocol",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").UDP(53).SCTP([]int{}...) },
			want:  []problem{{required, web + ".ingress[0].ports[1]", nil}}},
		{name: "port 0 is not all ports",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(0) },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].port", 0}}},
		{name: "range from 0",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").PortRange(policy.TCP, 0, 0) },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].port", 0}}},
		{name: "second port invalid keeps its index",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80, 65536) },
			want:  []problem{{invalid, web + ".ingress[0].ports[1].port", int32(65536)}}},
		{name: "endPort less than port",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").PortRange(policy.TCP, 100, 90) },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].endPort", int32(90)}}},
		{name: "endPort out of range",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").PortRange(policy.UDP, 100, 65536) },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].endPort", int32(65536)}}},
		{name: "range literal without start",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").Port(policy.Port{Protocol: policy.TCP, EndPort: 90})
			},
			want: []problem{{invalid, web + ".ingress[0].ports[0].endPort", int32(90)}}},
		{name: "invalid named port",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").NamedPort("Web_Port") },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].name", "Web_Port"}}},
		{name: "named port too long",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").NamedPort("abcdefghijklmnop") },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].name", "abcdefghijklmnop"}}},
		{name: "named port with number",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").Port(policy.Port{Protocol: policy.TCP, Name: "http", Port: 80})
			},
			want: []problem{{invalid, web + ".ingress[0].ports[0]", "http"}}},
		{name: "unknown protocol",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").AllPorts("ICMP") },
			want:  []problem{{notSupported, web + ".ingress[0].ports[0].protocol", policy.Protocol("ICMP")}}},
		{name: "lower-case protocol",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").Port(policy.Port{Protocol: "tcp", Port: 80}) },
			want:  []problem{{notSupported, web + ".ingress[0].ports[0].protocol", policy.Protocol("tcp")}}},
		{name: "empty protocol",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").Port(policy.Port{Port: 80}) },
			want:  []problem{{notSupported, web + ".ingress[0].ports[0].protocol", policy.Protocol("")}}},
		{name: "ICMP type out of range",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").ICMP(256) },
			want:  []problem{{invalid, web + ".ingress[0].icmp[0].type", int32(256)}}},
		{name: "ICMPv6 code out of range",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").ICMP(8).ICMPv6(128, 300) },
			want:  []problem{{invalid, web + ".ingress[0].icmp[1].code", int32(300)}}},
		{name: "ICMP with two codes",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").ICMP(3, 1, 2) },
			want:  []problem{{tooMany, web + ".ingress[0].icmp[0].code", 2}}},
		{name: "DNS service port invalid", opts: []policy.SetOption{policy.DefaultNamespace("shop"),
			policy.DNSService(policy.KubeDNS(), policy.Port{Protocol: policy.UDP, Port: 0, EndPort: 53})},
			build: func(s *policy.Set) {},
			want:  []problem{{invalid, "options.dns.ports[0].endPort", int32(53)}, {required, "options.dns.ports", nil}}},

		// HTTP.
		{name: "invalid HTTP method",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).HTTP("GE T", "/x") },
			want:  []problem{{invalid, web + ".ingress[0].http[0].method", "GE T"}}},
		{name: "exact path without slash",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).HTTP("GET", "orders") },
			want:  []problem{{invalid, web + ".ingress[0].http[0].path", "orders"}}},
		{name: "exact path with query",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).HTTP("GET", "/orders?id=1") },
			want:  []problem{{invalid, web + ".ingress[0].http[0].path", "/orders?id=1"}}},
		{name: "prefix path with space",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).HTTPPrefix("GET", "/a b") },
			want:  []problem{{invalid, web + ".ingress[0].http[0].path", "/a b"}}},
		{name: "exact path with a control character",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).HTTP("GET", "/\x7f") },
			want:  []problem{{invalid, web + ".ingress[0].http[0].path", "/\x7f"}}},
		{name: "prefix path not percent-encoded",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).HTTPPrefix("GET", "/café") },
			want:  []problem{{invalid, web + ".ingress[0].http[0].path", "/café"}}},
		{name: "regex with a character the output cannot carry",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).HTTPRegex("GET", "/a\u0085\x7f") },
			want:  []problem{{invalid, web + ".ingress[0].http[0].path", "/a\u0085\x7f"}}},
		{name: "regex that does not compile",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").TCP(80).HTTP("GET", "/").HTTPRegex("GET", "/orders/[0-9+")
			},
			want: []problem{{invalid, web + ".ingress[0].http[1].path", "/orders/[0-9+"}}},
		{name: "unknown path kind",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").TCP(80).HTTPRequest(policy.HTTPMatch{Path: "/x", PathKind: "Glob"})
			},
			want: []problem{{notSupported, web + ".ingress[0].http[0].pathKind", policy.PathKind("Glob")}}},
		{name: "invalid host",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").TCP(80).HTTPRequest(policy.HTTPMatch{Host: "bad host"})
			},
			want: []problem{{invalid, web + ".ingress[0].http[0].host", "bad host"}}},
		{name: "invalid host port",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").TCP(80).HTTPRequest(policy.HTTPMatch{Host: "api.example.com:99999"})
			},
			want: []problem{{invalid, web + ".ingress[0].http[0].host", "api.example.com:99999"}}},
		{name: "invalid header name",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").TCP(80).HTTPRequest(policy.HTTPMatch{Headers: []policy.Header{
					{Name: "X-Ok", Value: "1"}, {Name: "Bad Header", Value: "1"}}})
			},
			want: []problem{{invalid, web + ".ingress[0].http[0].headers[1].name", "Bad Header"}}},
		{name: "header value with line break",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").TCP(80).HTTPRequest(policy.HTTPMatch{Headers: []policy.Header{
					{Name: "X-Ok", Value: "1\r\nX-Evil: 1"}}})
			},
			want: []problem{{invalid, web + ".ingress[0].http[0].headers[0].value", "1\r\nX-Evil: 1"}}},
		{name: "header values with DEL or a C1 control, and one with a tab",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom("a").TCP(80).HTTPRequest(policy.HTTPMatch{Headers: []policy.Header{
					{Name: "X-A", Value: "a\x7f"}, {Name: "X-B", Value: "b\u0090"}, {Name: "X-C", Value: "c\td"}}})
			},
			want: []problem{
				{invalid, web + ".ingress[0].http[0].headers[0].value", "a\x7f"},
				{invalid, web + ".ingress[0].http[0].headers[1].value", "b\u0090"},
			}},
		{name: "annotation values the output cannot carry",
			build: func(s *policy.Set) {
				s.Service("web").WithAnnotations(map[string]string{"b": "x\x7f", "a": "\xff", "ok": "é"})
			},
			want: []problem{
				{invalid, web + ".annotations[a]", "\xff"},
				{invalid, web + ".annotations[b]", "x\x7f"},
			}},
		{name: "L7 on deny",
			build: func(s *policy.Set) { s.Service("web").DenyFrom("a").TCP(80).HTTP("GET", "/admin") },
			want:  []problem{{forbidden, web + ".ingress[0].http", nil}}},
		{name: "L7 without ports",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").HTTP("GET", "/") },
			want:  []problem{{required, web + ".ingress[0].ports", nil}}},
		{name: "L7 with invalid port only reports the port",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(70000).HTTP("GET", "/") },
			want:  []problem{{invalid, web + ".ingress[0].ports[0].port", int32(70000)}}},
		{name: "L7 with UDP port",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).UDP(80).HTTP("GET", "/") },
			want:  []problem{{invalid, web + ".ingress[0].ports[1]", policy.UDP}}},
		{name: "L7 with ICMP",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").TCP(80).ICMP(8).HTTP("GET", "/") },
			want:  []problem{{forbidden, web + ".ingress[0].icmp", nil}}},
		{name: "gRPC on UDP",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").UDP(9000).GRPC("shop.v1.Orders", "Get") },
			want:  []problem{{invalid, web + ".ingress[0].ports[0]", policy.UDP}}},

		// FQDN and DNS.
		{name: "FQDN with space",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.FQDN("api stripe.com")).TCP(443) },
			want:  []problem{{invalid, web + ".egress[0].peers[0].fqdn", "api stripe.com"}}},
		{name: "empty FQDN",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.FQDN("")).TCP(443) },
			want:  []problem{{invalid, web + ".egress[0].peers[0].fqdn", ""}}},
		{name: "FQDN with empty label",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.FQDN("api..stripe.com")).TCP(443) },
			want:  []problem{{invalid, web + ".egress[0].peers[0].fqdn", "api..stripe.com"}}},
		{name: "FQDN label starting with dash",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.FQDN("-api.stripe.com")).TCP(443) },
			want:  []problem{{invalid, web + ".egress[0].peers[0].fqdn", "-api.stripe.com"}}},
		{name: "FQDN with regex characters",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.FQDN("api.stripe.(com|net)")).TCP(443) },
			want:  []problem{{invalid, web + ".egress[0].peers[0].fqdn", "api.stripe.(com|net)"}}},
		{name: "FQDN label too long",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.FQDN(strings.Repeat("a", 64) + ".com")).TCP(443) },
			want:  []problem{{invalid, web + ".egress[0].peers[0].fqdn", nil}}},
		{name: "FQDN name too long",
			build: func(s *policy.Set) {
				s.Service("web").AllowTo(policy.FQDN(strings.Repeat(strings.Repeat("a", 60)+".", 5) + "com")).TCP(443)
			},
			want: []problem{{invalid, web + ".egress[0].peers[0].fqdn", nil}}},
		{name: "FQDN on ingress",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.FQDN("api.stripe.com")).TCP(443) },
			want:  []problem{{forbidden, web + ".ingress[0].peers[0]", nil}}},
		{name: "DNS patterns on ingress",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a").UDP(53).DNS("example.com") },
			want:  []problem{{forbidden, web + ".ingress[0].dns", nil}}},
		{name: "invalid DNS pattern",
			build: func(s *policy.Set) {
				s.Service("web").AllowTo(policy.KubeDNS()).UDP(53).DNS("ok.example.com", "bad_.ex ample.com")
			},
			want: []problem{{invalid, web + ".egress[0].dns[1]", "bad_.ex ample.com"}}},
		{name: "DNS patterns without ports",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.KubeDNS()).DNS("example.com") },
			want:  []problem{{required, web + ".egress[0].ports", nil}}},
		{name: "DNS patterns on SCTP",
			build: func(s *policy.Set) { s.Service("web").AllowTo(policy.KubeDNS()).SCTP(53).DNS("example.com") },
			want:  []problem{{invalid, web + ".egress[0].ports[0]", policy.SCTP}}},
		{name: "DNS patterns on a port that is not DNS",
			build: func(s *policy.Set) { s.Service("web").AllowTo("api").TCP(80).DNS("*.example.com") },
			want:  []problem{{invalid, web + ".egress[0].ports[0].port", int32(80)}}},
		{name: "DNS patterns on a port range",
			build: func(s *policy.Set) {
				s.Service("web").AllowTo(policy.KubeDNS()).PortRange(policy.UDP, 53, 54).NamedPort("dns-tcp").DNS("example.com")
			},
			want: []problem{{invalid, web + ".egress[0].ports[0].port", int32(53)}}},
		{name: "DNS patterns on deny",
			build: func(s *policy.Set) { s.Service("web").DenyTo(policy.KubeDNS()).UDP(53).DNS("example.com") },
			want:  []problem{{forbidden, web + ".egress[0].dns", nil}}},

		// Tiers.
		{name: "tier order not a number",
			build: func(s *policy.Set) { s.Tier("security", math.NaN()) },
			want:  []problem{{invalid, "tiers[security].order", "NaN"}}},
		{name: "policy order infinite",
			build: func(s *policy.Set) {
				s.Tier("security", 1)
				s.Service("web").InTier("security", math.Inf(-1)).AllowFrom("a").TCP(80)
			},
			want: []problem{{invalid, web + ".order", "-Inf"}}},
		{name: "Pass in untiered policy",
			build: func(s *policy.Set) { s.Service("web").PassFrom("a") },
			want:  []problem{{forbidden, web + ".ingress[0].action", nil}}},
		{name: "undeclared tier",
			build: func(s *policy.Set) { s.Service("web").InTier("security", 1).AllowFrom("a") },
			want:  []problem{{notFound, web + ".tier", "security"}}},
		{name: "duplicate tier order",
			build: func(s *policy.Set) { s.Tier("security", 10); s.Tier("platform", 10) },
			want:  []problem{{duplicate, "tiers[security].order", nil}}},
		{name: "tier redeclared with another order",
			build: func(s *policy.Set) { s.Tier("security", 10); s.Tier("security", 20) },
			want:  []problem{{invalid, "tiers[security].order", 20.0}}},
		{name: "tier named default",
			build: func(s *policy.Set) { s.Tier("default", 10) },
			want:  []problem{{invalid, "tiers[default]", "default"}}},
		{name: "tier name not a DNS label",
			build: func(s *policy.Set) { s.Tier("Sec.Ops", 10) },
			want:  []problem{{invalid, "tiers[Sec.Ops]", "Sec.Ops"}}},

		// Object names.
		{name: "duplicate object names",
			build: func(s *policy.Set) {
				s.Service("a").Named("same").AllowFrom("x").TCP(80)
				s.Service("b").Named("same").AllowFrom("x").TCP(81)
			},
			want: []problem{{duplicate, "services[shop/b].objectName", nil}}},
		{name: "object name taken by a service",
			build: func(s *policy.Set) {
				s.Service("a").AllowFrom("x").TCP(80)
				s.Pods("shop", "fe", policy.MatchLabels{"tier": "fe"}).Named("a").AllowFrom("x").TCP(81)
			},
			want: []problem{{duplicate, "services[shop/a].objectName", nil}}},
		{name: "cluster and host policy share the cluster scope",
			build: func(s *policy.Set) {
				s.Cluster("guard").DenyTo(policy.World())
				s.Host("guard").DenyTo(policy.World())
			},
			want: []problem{{duplicate, "hosts[guard].objectName", nil}}},

		// Peers.
		{name: "SameNamespace peer in a cluster policy",
			build: func(s *policy.Set) { s.Cluster("baseline").AllowFrom(policy.SameNamespace()) },
			want:  []problem{{invalid, "cluster[baseline].ingress[0].peers[0]", ""}}},
		{name: "service name peer in a cluster policy",
			build: func(s *policy.Set) { s.Cluster("baseline").AllowFrom("prometheus").TCP(9090) },
			want:  []problem{{invalid, "cluster[baseline].ingress[0].peers[0]", "prometheus"}}},
		{name: "relative peer in a host policy",
			build: func(s *policy.Set) { s.Host("nodes").AllowFrom(policy.Pods(policy.MatchLabels{"a": "b"})) },
			want:  []problem{{invalid, "hosts[nodes].ingress[0].peers[0]", ""}}},
		{name: "workload of another Set",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(otherWorkload).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", "services[shop/gw]"}}},
		{name: "host workload as peer",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(s.Host("nodes")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", "hosts[nodes]"}}},
		{name: "wrong peer type",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("a", 42).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[1]", "int"}}},
		{name: "nil peer",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(nil).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", "<nil>"}}},
		{name: "nil *Workload peer",
			build: func(s *policy.Set) { s.Service("web").AllowFrom((*policy.Workload)(nil)).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", "*policy.Workload"}}},
		{name: "nil *NamespaceDefaults peer",
			build: func(s *policy.Set) { s.Service("web").AllowFrom((*policy.NamespaceDefaults)(nil)).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", "*policy.NamespaceDefaults"}}},
		{name: "Peer value instead of pointer to builder",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(*s.Service("gw")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", "policy.Workload"}}},
		{name: "no peers",
			build: func(s *policy.Set) { s.Service("web").AllowFrom().TCP(80) },
			want:  []problem{{required, web + ".ingress[0].peers", nil}}},
		{name: "zero Peer",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.Peer{}).TCP(80) },
			want:  []problem{{notSupported, web + ".ingress[0].peers[0].kind", policy.PeerKind("")}}},
		{name: "unknown peer kind",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.Peer{Kind: "Node"}).TCP(80) },
			want:  []problem{{notSupported, web + ".ingress[0].peers[0].kind", policy.PeerKind("Node")}}},
		{name: "pod peer with several namespace fields",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.Peer{Kind: policy.PeerPods, Namespace: "a", AllNamespaces: true,
					NamespaceSelector: &metav1.LabelSelector{}}).TCP(80)
			},
			want: []problem{{invalid, web + ".ingress[0].peers[0]", 3}}},
		{name: "pod peer without namespace",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.Peer{Kind: policy.PeerPods}).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", 0}}},
		{name: "Namespaces with nil selector",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.Namespaces(nil)).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0]", 0}}},
		{name: "unknown entity",
			build: func(s *policy.Set) {
				s.Service("web").AllowFrom(policy.Peer{Kind: policy.PeerEntity, Entity: "moon"}).TCP(80)
			},
			want: []problem{{notSupported, web + ".ingress[0].peers[0].entity", policy.Entity("moon")}}},
		{name: "invalid peer service name",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("Api_Gateway").TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].service", "Api_Gateway"}}},
		{name: "empty peer service name",
			build: func(s *policy.Set) { s.Service("web").AllowFrom("").TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].service", ""}}},
		{name: "empty peer service name in another namespace",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.ServiceIn("edge", "")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].service", ""}}},
		{name: "invalid peer namespace",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.ServiceIn("Edge", "gw")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].namespace", "Edge"}}},
		{name: "invalid service account",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.ServiceAccount("shop", "Bad SA")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].serviceAccount", "Bad SA"}}},
		{name: "invalid mesh cluster",
			build: func(s *policy.Set) { s.Service("web").AllowFrom(policy.Service("gw").InCluster("East_1")).TCP(80) },
			want:  []problem{{invalid, web + ".ingress[0].peers[0].cluster", "East_1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			if opts == nil {
				opts = []policy.SetOption{policy.DefaultNamespace("shop")}
			}
			s := policy.NewSet(opts...)
			c.build(s)
			err := s.Validate()
			got := problems(t, err)
			if len(got) != len(c.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(got), len(c.want), err)
			}
			for i, w := range c.want {
				g := got[i]
				if g.Type != w.typ || g.Field != w.field {
					t.Errorf("problem %d: got %s at %q, want %s at %q\n(%v)", i, g.Type, g.Field, w.typ, w.field, g)
				}
				if w.value != nil && fmt.Sprint(g.BadValue) != fmt.Sprint(w.value) {
					t.Errorf("problem %d: bad value %#v, want %#v", i, g.BadValue, w.value)
				}
			}
			// Model and every Compile report the same problems: Model must agree.
			if _, merr := s.Model(); merr == nil || merr.Error() != err.Error() {
				t.Errorf("Model() = %v, want the Validate error", merr)
			}
			// errors.As reaches each *field.Error through Unwrap.
			var fe *field.Error
			if !errors.As(err, &fe) || fe.Field != got[0].Field {
				t.Errorf("errors.As(*field.Error) = %v, want the first problem", fe)
			}
		})
	}
}

// TestValidSetHasNoProblems guards the table above: its base Set is valid, so every
// problem a case reports comes from what the case adds.
func TestValidSetHasNoProblems(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("web").AllowFrom("a").TCP(80).HTTP("GET", "/").HTTPRegex("GET", `/a\x7f`).
		HTTPRequest(policy.HTTPMatch{Headers: []policy.Header{{Name: "X-Tab", Value: "a\tb"}}}).
		WithAnnotations(map[string]string{"note": "café"}).
		AllowTo(policy.FQDN("api.stripe.com")).TCP(443).
		AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com")
	s.Tier("security", 10)
	s.Tier("platform", 20).DefaultPass()
	s.Cluster("guard").InTier("security", 1).PassTo(policy.World())
	s.Namespace("shop").Labels(map[string]string{"team": "a", policy.NamespaceNameLabel: "shop"}).DefaultDeny()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestValidationReportsEverythingInStableOrder builds a Set with many problems in several
// objects and checks that all are reported, each once, in the same order on every run.
func TestValidationReportsEverythingInStableOrder(t *testing.T) {
	build := func() *policy.Set {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Service("zeta").AllowFrom(42).TCP(80) // builder error: reported first
		s.Service("web").
			WithLabels(map[string]string{"bad key": "1", "other bad": "2", "ok": "3", "val": "a b"}).
			AllowFrom("gw", policy.CIDR("10.0.0.1/8")).TCP(70000).HTTPRegex("GET", "[").
			AllowTo(policy.FQDN("a..b"))
		s.Namespace("shop").Labels(map[string]string{"x y": "1", "y z": "2"})
		s.Namespace("alpha").Labels(map[string]string{"a b": "1"})
		s.Tier("default", 1)
		s.Cluster("Guard").DenyTo(policy.World())
		return s
	}
	want := []string{
		`services[shop/zeta].ingress[0].peers[0]: Invalid value: "int"`,
		`tiers[default]: Invalid value: "default"`,
		`cluster[Guard].name: Invalid value: "Guard"`,
		`services[shop/web].labels: Invalid value: "a b"`,
		`services[shop/web].labels: Invalid value: "bad key"`,
		`services[shop/web].labels: Invalid value: "other bad"`,
		`services[shop/web].ingress[0].peers[1].cidr: Invalid value: "10.0.0.1/8"`,
		`services[shop/web].ingress[0].ports[0].port: Invalid value: 70000`,
		`services[shop/web].ingress[0].http[0].path: Invalid value: "["`,
		`services[shop/web].egress[0].peers[0].fqdn: Invalid value: "a..b"`,
		`namespaces[alpha].labels: Invalid value: "a b"`,
		`namespaces[shop].labels: Invalid value: "x y"`,
		`namespaces[shop].labels: Invalid value: "y z"`,
	}
	first := build().Validate()
	got := problems(t, first)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), first)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i].Error(), w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i].Error(), w)
		}
	}
	if !strings.HasPrefix(first.Error(), "invalid policy set (13 problems):\n  services[shop/zeta]") {
		t.Errorf("Error() starts %q", first.Error()[:60])
	}
	for i := 0; i < 50; i++ {
		if again := build().Validate(); again.Error() != first.Error() {
			t.Fatalf("run %d reported problems in another order:\n%v\nfirst:\n%v", i, again, first)
		}
	}
}

func TestValidationErrorSingular(t *testing.T) {
	s := policy.NewSet()
	s.Cluster("ok").DenyTo(policy.CIDR("bad"))
	err := s.Validate()
	if got, want := err.Error(), "invalid policy set (1 problem):\n  cluster[ok].egress[0].peers[0].cidr: Invalid value: \"bad\": not a CIDR"; !strings.HasPrefix(got, want) {
		t.Errorf("Error() = %q, want prefix %q", got, want)
	}
}

// TestBadInputNeverPanics feeds the builder hostile input; each must end in a
// ValidationError (or a valid Model), never in a panic, from the builder, Model, Validate
// or Evaluate.
func TestBadInputNeverPanics(t *testing.T) {
	var nilLS *policy.LabelSelector
	cases := map[string]func(s *policy.Set){
		"nil selectors": func(s *policy.Set) {
			s.Service("a").Select(nil).AllowFrom(policy.Pods(nil), policy.PodsIn("b", nil), policy.Namespaces(nil),
				policy.AllNamespaces().Pods(nil)).TCP(1)
			s.Pods("shop", "p", nil).AllowFrom("a")
			s.Cluster("c").Select(nil).InNamespaces(nil).DenyTo(policy.World())
			s.Host("h").Select(nil).AllowFrom(policy.World())
		},
		"nil pointer selectors": func(s *policy.Set) {
			s.Service("a").Select(nilLS).AllowFrom(policy.Pods(nilLS), policy.Namespaces(nilLS)).TCP(1)
			s.Pods("shop", "p", nilLS).AllowFrom("a")
			s.Cluster("c").Select(nilLS).InNamespaces(nilLS).DenyTo(policy.World())
			s.Host("h").Select(nilLS)
		},
		"nil selector internals": func(s *policy.Set) {
			s.Service("a").Select(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{}}}).
				AllowFrom(policy.Peer{Kind: policy.PeerPods, AllNamespaces: true, PodSelector: &metav1.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{{Operator: metav1.LabelSelectorOpIn}}}})
		},
		"zero peers": func(s *policy.Set) {
			s.Service("a").AllowFrom(policy.Peer{}, policy.Peer{Kind: policy.PeerCIDR}, policy.Peer{Kind: policy.PeerFQDN},
				policy.Peer{Kind: policy.PeerEntity}, policy.Peer{Kind: policy.PeerPods}, policy.Peer{Kind: policy.PeerAny})
			s.Service("b").AllowTo(policy.Peer{Kind: policy.PeerCIDR, Except: []netip.Prefix{{}, netip.MustParsePrefix("::/0")}})
		},
		"several namespace fields": func(s *policy.Set) {
			s.Service("a").AllowFrom(policy.Peer{Kind: policy.PeerPods, Namespace: "x", AllNamespaces: true,
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"": ""}}, Service: "svc"})
		},
		"huge ints": func(s *policy.Set) {
			s.Service("a").AllowFrom("b").TCP(math.MaxInt, math.MinInt, 1<<31, -(1<<31), 65536).
				UDP(math.MaxInt64).SCTP(math.MinInt64).PortRange(policy.TCP, math.MinInt, math.MaxInt).
				ICMP(math.MaxInt, math.MinInt).ICMPv6(-1, math.MaxInt, 3).
				Port(policy.Port{Protocol: policy.TCP, Port: math.MaxInt32, EndPort: math.MinInt32})
			s.Tier("t", math.Inf(1))
			s.Tier("u", math.NaN())
			s.Service("a").InTier("t", math.NaN())
		},
		"empty strings": func(s *policy.Set) {
			s.Service("").AllowFrom("", policy.ServiceIn("", ""), policy.Namespace(""), policy.CIDR(""), policy.FQDN(""),
				policy.ServiceAccount("", ""), policy.Service("").InCluster("").WithServiceAccount("")).
				TCP().HTTP("", "").HTTPPrefix("", "").HTTPRegex("", "").GRPC("", "").
				HTTPRequest(policy.HTTPMatch{Headers: []policy.Header{{}}}).DNS("").NamedPort("").AllPorts("")
			s.ServiceIn("", "").Named("").WithLabels(map[string]string{"": ""}).WithAnnotations(map[string]string{"": ""})
			s.Pods("", "", policy.MatchLabels{"": ""})
			s.Namespace("").Labels(map[string]string{"": ""}).AllowSameNamespace().DefaultDeny()
			s.Cluster("").InTier("", 0).PassTo(policy.CIDR("", ""))
			s.Host("").AllowFrom(policy.Peer{Kind: policy.PeerEntity, Entity: ""})
			s.Tier("", 0)
		},
		"nil builders as peers": func(s *policy.Set) {
			s.Service("a").AllowFrom((*policy.Workload)(nil), (*policy.NamespaceDefaults)(nil), nil, &policy.Workload{},
				&policy.NamespaceDefaults{}, struct{}{}, []string{"x"})
		},
		"zero builders as peers": func(s *policy.Set) {
			s.Service("a").AllowFrom(&policy.Workload{}).TCP(80)
		},
		"nil maps": func(s *policy.Set) {
			s.Service("a").WithLabels(nil).WithAnnotations(nil)
			s.Namespace("shop").Labels(nil)
		},
		"L7 oddities": func(s *policy.Set) {
			s.Service("a").AllowFrom("b").TCP(80).HTTPRegex("GET", `(?P<x`).HTTPRegex("GET", `\`).
				HTTPRegex("GET", strings.Repeat("(", 1000)).DNS("*", "**.", "***", ".").
				HTTPRequest(policy.HTTPMatch{Host: ":", Headers: []policy.Header{{Name: ":"}}})
		},
		"options": func(s *policy.Set) {},
	}
	for name, build := range cases {
		for _, opts := range [][]policy.SetOption{
			{policy.DefaultNamespace("shop")},
			{policy.DefaultNamespace(""), policy.ServiceLabel(""), policy.DNSService(policy.Peer{})},
			{policy.DNSService(policy.FQDN("*")), policy.AuditAll()},
		} {
			t.Run(name, func(t *testing.T) {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				s := policy.NewSet(opts...)
				build(s)
				m, err := s.Model()
				if err != nil {
					problems(t, err)
					_ = err.Error()
					if _, err := s.Evaluate(policy.Flow{}); err == nil {
						t.Error("Evaluate of an invalid Set returned no error")
					}
					return
				}
				for _, f := range []policy.Flow{{}, tcp(pod("shop", "a"), pod("shop", "b"), 80),
					{From: ext("10.0.0.1"), To: policy.Endpoint{Kind: policy.EndpointHost}, ICMP: &policy.ICMP{}},
					{From: pod("", ""), To: pod("", ""), HTTP: &policy.HTTPRequest{}, DNSQuery: "."}} {
					_ = m.Evaluate(f).String()
				}
			})
		}
	}
}
