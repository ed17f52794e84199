package policy_test

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// lintSet returns a Set in namespace shop.
func lintSet() *policy.Set { return policy.NewSet(policy.DefaultNamespace("shop")) }

// lintFindings lints s and returns the findings with the code, as "severity path".
func lintFindings(t *testing.T, s *policy.Set, code string, opts ...policy.LintOption) []string {
	t.Helper()
	fs, err := policy.Lint(s, opts...)
	if err != nil {
		t.Fatalf("Lint: %v", err)
	}
	var out []string
	for _, f := range fs {
		if f.Code == code {
			out = append(out, string(f.Severity)+" "+f.Path)
		}
	}
	return out
}

// lintOne lints s and returns its only finding with the code.
func lintOne(t *testing.T, s *policy.Set, code string) policy.Finding {
	t.Helper()
	fs, err := policy.Lint(s)
	if err != nil {
		t.Fatalf("Lint: %v", err)
	}
	var out []policy.Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	if len(out) != 1 {
		t.Fatalf("got %d findings with code %s, want 1: %v", len(out), code, out)
	}
	return out[0]
}

// TestLint triggers every lint and shows a close variant that does not trigger it.
func TestLint(t *testing.T) {
	tests := []struct {
		name string
		code string
		set  func() *policy.Set
		opts []policy.LintOption
		want []string // "severity path" of the findings with code, in order
	}{
		// NI011
		{
			name: "a literal '*' in exact and prefix paths",
			code: policy.LintLiteralWildcardPath,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("api").AllowFrom("web").TCP(8080).HTTP("GET", "/reviews/*").HTTPPrefix("GET", "/a*b").
					HTTPRegex("GET", "/ok/.*").HTTP("POST", "/orders")
				return s
			},
			want: []string{"warning services[shop/api].ingress[0].http[0].path", "warning services[shop/api].ingress[0].http[1].path"},
		},
		// NI001
		{
			name: "egress isolated WithoutDNS and no DNS rule",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").WithoutDNS().AllowTo("api").TCP(8080)
				return s
			},
			want: []string{"error services[shop/web]"},
		},
		{
			name: "WithoutDNS and DNS over UDP only",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").WithoutDNS().AllowTo("api").TCP(8080).AllowTo(policy.KubeDNS()).UDP(53)
				return s
			},
			want: []string{"warning services[shop/web]"},
		},
		{
			name: "a guardrail denies the DNS service to every pod",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo("api").TCP(8080)
				s.Cluster("no-kube-system").DenyTo(policy.Namespace("kube-system"))
				return s
			},
			want: []string{"error cluster[no-kube-system].egress[0]"},
		},
		{
			name: "the DNS service itself is isolated for ingress",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Namespace("kube-system").DefaultDenyIngress()
				return s
			},
			want: []string{"error namespaces[kube-system]"},
		},
		{
			name: "default-deny keeps DNS",
			code: policy.LintDefaultDenyWithoutDNS,
			set:  scenarios.Ecommerce,
		},
		{
			name: "WithoutDNS with an explicit DNS rule",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").WithoutDNS().AllowTo("api").TCP(8080).AllowTo(policy.KubeDNS()).UDP(53).TCP(53)
				return s
			},
		},

		// NI002
		{
			name: "FQDN whose lookups a guardrail denies",
			code: policy.LintFQDNWithoutDNSVisibility,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("pay").AllowTo(policy.FQDN("api.stripe.com")).TCP(443)
				s.Cluster("no-dns").DenyTo(policy.KubeDNS())
				return s
			},
			want: []string{"error services[shop/pay].egress[0].peers[0]"},
		},
		{
			name: "FQDN whose lookups the DNS service does not accept",
			code: policy.LintFQDNWithoutDNSVisibility,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("pay").AllowTo(policy.FQDN("*.stripe.com")).TCP(443)
				// Isolation alone no longer does it: pay's DNS allowance is mirrored there.
				s.Namespace("kube-system").DenyFrom(policy.ServiceIn("shop", "pay")).UDP(53).TCP(53)
				return s
			},
			want: []string{"error services[shop/pay].egress[0].peers[0]"},
		},
		{
			name: "FQDN with lookups allowed (seed 06)",
			code: policy.LintFQDNWithoutDNSVisibility,
			set:  scenarios.DNSEgress,
		},
		{
			name: "FQDN with the automatic DNS allowance",
			code: policy.LintFQDNWithoutDNSVisibility,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("pay").AllowTo(policy.FQDN("api.stripe.com")).TCP(443)
				return s
			},
		},

		// NI003
		{
			name: "pod range as a CIDR, default ranges",
			code: policy.LintCIDRInClusterRange,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowFrom(policy.CIDR("10.244.0.0/16"), policy.CIDR("fd00:10:244::/64")).TCP(8080)
				return s
			},
			want: []string{"info services[shop/web].ingress[0].peers[0]", "info services[shop/web].ingress[0].peers[1]"},
		},
		{
			name: "pod range as a CIDR, ranges given",
			code: policy.LintCIDRInClusterRange,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowFrom(policy.CIDR("10.244.0.0/16"), policy.CIDR("10.10.0.0/16")).TCP(8080)
				return s
			},
			opts: []policy.LintOption{policy.ClusterRanges(netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("10.96.0.0/12"))},
			want: []string{"warning services[shop/web].ingress[0].peers[0]"},
		},
		{
			name: "external ranges, world minus private, metadata addresses",
			code: policy.LintCIDRInClusterRange,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.CIDR("203.0.113.0/24"), policy.CIDR("0.0.0.0/0", "10.0.0.0/8")).TCP(443)
				s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"), policy.CIDR("fd00:ec2::254/128"))
				return s
			},
		},

		// NI004
		{
			name: "namespace selector matching no declared namespace",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "prod"})).TCP(8080)
				s.Cluster("prod-only").InNamespaces(policy.MatchLabels{"env": "prod"}).DenyTo(policy.World())
				// Mirroring derives a second policy with prod-egress's path and selector,
				// which says the same once.
				s.Cluster("prod-egress").InNamespaces(policy.MatchLabels{"env": "prod"}).AllowTo(policy.World())
				s.Service("api").AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "client"})).TCP(8080)
				return s
			},
			want: []string{"info cluster[prod-egress].namespaceSelector", "info cluster[prod-only].namespaceSelector", "info services[shop/web].ingress[0].peers[0]"},
		},
		{
			name: "namespace selector matching a declared namespace",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Namespace("edge").Labels(map[string]string{"env": "prod"})
				s.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "prod"})).TCP(8080)
				s.Cluster("prod-only").InNamespaces(policy.MatchLabels{"env": "prod"}).DenyTo(policy.World())
				return s
			},
		},
		{
			name: "undeclared services",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("inventory").AllowFrom("web").TCP(8080)
				s.ServiceIn("pay", "audit").AllowFrom(policy.ServiceIn("shop", "web")).TCP(8080)
				// a typo, a name declared in another namespace, a callee without rules (fine)
				s.Service("web").AllowTo("inventroy").TCP(8080).AllowTo(policy.ServiceIn("pay", "web")).TCP(8080).
					AllowTo(policy.ServiceIn("pay", "ledger")).TCP(8080)
				return s
			},
			want: []string{"info services[shop/web].egress[0].peers[0]", "info services[shop/web].egress[1].peers[0]"},
		},
		{
			name: "declared services",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("inventory").AllowFrom("web").TCP(8080)
				s.Service("web").AllowTo("inventory").TCP(8080)
				return s
			},
		},
		{
			name: "FQDNs no lookup yields",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.FQDN("10.1.2.3"), policy.FQDN("api.pay.svc.cluster.local")).TCP(443)
				return s
			},
			want: []string{"warning services[shop/web].egress[0].peers[0]", "warning services[shop/web].egress[0].peers[1]"},
		},
		{
			name: "CIDR covered by its except ranges",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.CIDR("192.0.2.0/24", "192.0.2.0/25", "192.0.2.128/26", "192.0.2.192/26")).TCP(443)
				return s
			},
			want: []string{"warning services[shop/web].egress[0].peers[0]"},
		},
		{
			name: "CIDR with a hole left",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.CIDR("192.0.2.0/24", "192.0.2.0/25", "192.0.2.192/26"), policy.FQDN("api.example.com")).TCP(443)
				return s
			},
		},

		// NI005
		{
			name: "allow denied by the same service",
			code: policy.LintAllowShadowed,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo("api").TCP(8080).DenyTo("api")
				return s
			},
			want: []string{"warning services[shop/web].egress[0]"},
		},
		{
			name: "allow inside a guardrail",
			code: policy.LintAllowShadowed,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.CIDR("203.0.113.0/25")).TCP(443)
				s.Cluster("no-test-net").DenyTo(policy.CIDR("203.0.113.0/24"))
				return s
			},
			want: []string{"warning services[shop/web].egress[0]"},
		},
		{
			name: "allow after a tier that denies",
			code: policy.LintAllowShadowed,
			set: func() *policy.Set {
				s := lintSet()
				s.Tier("security", 100)
				s.Cluster("threats").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
				s.Service("web").AllowTo(policy.CIDR("198.51.100.0/24")).TCP(443)
				return s
			},
			want: []string{"warning services[shop/web].egress[0]"},
		},
		{
			name: "allow partly outside the deny",
			code: policy.LintAllowShadowed,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.CIDR("203.0.113.0/24")).TCP(443)
				s.Cluster("no-half").DenyTo(policy.CIDR("203.0.113.0/25"))
				return s
			},
		},

		// NI006
		{
			name: "API gateway behind a namespace default-deny",
			code: policy.LintIsolatedWithoutIngress,
			set:  scenarios.Ecommerce,
			want: []string{"warning namespaces[ecommerce]"},
		},
		{
			name: "service isolated by its own default-deny",
			code: policy.LintIsolatedWithoutIngress,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("db").DefaultDenyIngress()
				return s
			},
			want: []string{"warning services[shop/db]"},
		},
		{
			name: "service whose only caller is denied",
			code: policy.LintIsolatedWithoutIngress,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("db").AllowFrom("web").TCP(5432).DenyFrom("web")
				return s
			},
			want: []string{"warning services[shop/db]"},
		},
		{
			name: "every isolated service has a caller",
			code: policy.LintIsolatedWithoutIngress,
			set:  scenarios.Microservice,
		},
		{
			name: "a tier that passes everything on",
			code: policy.LintIsolatedWithoutIngress,
			set: func() *policy.Set {
				s := scenarios.Tiers()
				s.ServiceIn("shop", "web").AllowTo("api").TCP(8080)
				return s
			},
		},

		// NI007
		{
			name: "equal orders in a tier",
			code: policy.LintEqualTierOrder,
			set: func() *policy.Set {
				s := lintSet()
				s.Tier("security", 100)
				for _, name := range []string{"c", "b", "a"} {
					s.Cluster(name).InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
				}
				return s
			},
			want: []string{"warning cluster[b].order", "warning cluster[c].order"},
		},
		{
			name: "distinct orders, and equal orders in different tiers",
			code: policy.LintEqualTierOrder,
			set: func() *policy.Set {
				s := lintSet()
				s.Tier("security", 100)
				s.Tier("platform", 200)
				s.Cluster("a").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
				s.Cluster("b").InTier("security", 20).DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
				s.Cluster("c").InTier("platform", 10).DenyTo(policy.CIDR("198.51.100.0/24")).PassTo(policy.Any())
				return s
			},
		},

		// NI008
		{
			name: "broad FQDN patterns",
			code: policy.LintBroadFQDN,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.FQDN("*"), policy.FQDN("*.com"), policy.FQDN("**.io"), policy.FQDN("*stripe.com")).TCP(443)
				return s
			},
			want: []string{"warning services[shop/web].egress[0].peers[0]", "warning services[shop/web].egress[0].peers[1]",
				"warning services[shop/web].egress[0].peers[2]", "warning services[shop/web].egress[0].peers[3]"},
		},
		{
			name: "FQDN patterns under a domain",
			code: policy.LintBroadFQDN,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.FQDN("*.stripe.com"), policy.FQDN("**.stripe.com"), policy.FQDN("api.stripe.com"), policy.FQDN("api-*.stripe.com")).TCP(443)
				return s
			},
		},

		// NI009
		{
			name: "egress-isolated workload allowed to the world",
			code: policy.LintMetadataReachable,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.World()).TCP(80, 443)
				s.Service("crawler").AllowTo(policy.CIDR("0.0.0.0/0")).AllPorts(policy.TCP)
				return s
			},
			want: []string{"warning services[shop/crawler].egress[0]", "warning services[shop/web].egress[0]"},
		},
		{
			name: "an IPv4 guardrail leaves the IPv6 metadata address",
			code: policy.LintMetadataReachable,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.World()).TCP(80)
				s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"))
				return s
			},
			want: []string{"warning services[shop/web].egress[0]"},
		},
		{
			name: "a guardrail for both addresses",
			code: policy.LintMetadataReachable,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.World()).TCP(80)
				s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"), policy.CIDR("fd00:ec2::254/128"))
				return s
			},
		},
		{
			name: "excepted range, named address, other port, no isolation",
			code: policy.LintMetadataReachable,
			set: func() *policy.Set {
				s := lintSet()
				s.ServiceIn("other", "crawler").AllowTo(policy.CIDR("0.0.0.0/0", "169.254.0.0/16")).TCP(80)
				s.ServiceIn("other", "agent").AllowTo(policy.CIDR("169.254.169.254/32")).TCP(80)
				s.ServiceIn("other", "api").AllowTo(policy.World()).TCP(443)
				s.ServiceIn("other", "open").DenyTo(policy.CIDR("203.0.113.0/24"))
				return s
			},
		},

		// NI010
		{
			name: "tiered denies without a final pass (seed 12 in a tier)",
			code: policy.LintTierDropsUnmatched,
			set: func() *policy.Set {
				s := lintSet()
				s.Tier("security", 100)
				s.Cluster("block").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24")).DenyFrom(policy.CIDR("198.51.100.0/24")).PassFrom(policy.Any())
				return s
			},
			want: []string{"warning cluster[block].egress"},
		},
		{
			name: "tiered denies with a final pass, or in a passing tier (seed 09)",
			code: policy.LintTierDropsUnmatched,
			set: func() *policy.Set {
				s := scenarios.Tiers()
				s.Tier("platform", 200).DefaultPass()
				s.Cluster("platform-block").InTier("platform", 10).DenyTo(policy.CIDR("203.0.113.0/24"))
				return s
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.code[:5]+" "+tt.name, func(t *testing.T) {
			got := lintFindings(t, tt.set(), tt.code, tt.opts...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings %s:\ngot  %q\nwant %q", tt.code, got, tt.want)
			}
		})
	}
}

// TestLintMessagesAndFixes checks the words and the Go code of representative findings.
// TestLintAcknowledge checks that an acknowledged finding is left out, at its path and
// under it, and nothing else.
func TestLintAcknowledge(t *testing.T) {
	s := lintSet()
	s.Service("web").WithoutDNS().AllowTo("api").TCP(8080)
	s.Service("batch").WithoutDNS().AllowTo("api").TCP(8080)
	codes := func(opts ...policy.LintOption) []string {
		fs, err := policy.Lint(s, opts...)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			if f.Code == policy.LintDefaultDenyWithoutDNS {
				out = append(out, f.Path)
			}
		}
		return out
	}
	all := codes()
	if len(all) != 2 {
		t.Fatalf("without acknowledgements: %v, want both services", all)
	}
	got := codes(policy.Acknowledge(policy.LintDefaultDenyWithoutDNS, "services[shop/batch]"),
		policy.Acknowledge(policy.LintBroadFQDN, "services[shop/web]"),            // another code: no effect
		policy.Acknowledge(policy.LintDefaultDenyWithoutDNS, "services[shop/we]")) // a prefix of a name is no path
	if len(got) != 1 || got[0] != "services[shop/web]" {
		t.Errorf("acknowledged batch: %v, want only services[shop/web]", got)
	}
}

func TestLintMessagesAndFixes(t *testing.T) {
	tests := []struct {
		name     string
		code     string
		set      func() *policy.Set
		path     string
		severity policy.Severity
		message  []string // substrings
		fix      string
	}{
		{
			name: "NI001 WithoutDNS",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").WithoutDNS().AllowTo("api").TCP(8080)
				return s
			},
			path:     "services[shop/web]",
			severity: policy.SeverityError,
			message:  []string{"shop/web cannot reach the DNS service (pods labelled k8s-app=kube-dns in kube-system) on UDP/53, TCP/53", "isolated for egress"},
			fix:      `remove .WithoutDNS() from set.ServiceIn("shop", "web"), or add set.ServiceIn("shop", "web").AllowTo(policy.KubeDNS()).UDP(53).TCP(53)`,
		},
		{
			name: "NI001 guardrail",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo("api").TCP(8080)
				s.Cluster("no-kube-system").DenyTo(policy.Namespace("kube-system"))
				return s
			},
			path:     "cluster[no-kube-system].egress[0]",
			severity: policy.SeverityError,
			message:  []string{"any pod of kube-system, other pods of kube-system, any pod of netintent-elsewhere and 4 more cannot reach", "denied by cluster[no-kube-system].egress[0]"},
			fix:      `narrow the deny rule at cluster[no-kube-system].egress[0] so that it does not match the DNS service policy.KubeDNS() on port 53`,
		},
		{
			name: "NI001 DNS service isolated",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := lintSet()
				s.Namespace("kube-system").DefaultDenyIngress()
				return s
			},
			path:     "namespaces[kube-system]",
			severity: policy.SeverityError,
			message:  []string{"destination: isolated for ingress"},
			fix:      `set.Namespace("kube-system").AllowFrom(policy.AllNamespaces()).UDP(53).TCP(53)`,
		},
		{
			name: "NI001 pod group and a DNS service of its own",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := policy.NewSet(policy.DNSService(
					policy.Namespaces(policy.MatchLabels{"role": "dns"}).Pods(policy.MatchLabels{"k8s-app": "coredns"}).WithServiceAccount("coredns"),
					policy.Port{Protocol: policy.UDP, Name: "dns"}, policy.Port{Protocol: policy.TCP, Name: "dns-tcp"},
					policy.Port{Protocol: policy.TCP, Port: 5353, EndPort: 5354}, policy.Port{Protocol: policy.SCTP}))
				s.Pods("shop", "batch", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{"batch", "cron"}}}}).
					WithoutDNS().AllowTo(policy.World()).TCP(443)
				return s
			},
			path:     "pods[shop/batch]",
			severity: policy.SeverityError,
			// The named ports get numbers of the Universe's choosing.
			message: []string{"pods labelled role=batch in shop cannot reach the DNS service (pods labelled k8s-app=coredns in ns-role-dns (service account coredns)) on UDP/", ", TCP/5353, SCTP/53: denied"},
			fix: `remove .WithoutDNS() from set.Pods("shop", "batch", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{"batch", "cron"}}}}), or add ` +
				`set.Pods("shop", "batch", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{"batch", "cron"}}}}).AllowTo(policy.Namespaces(policy.MatchLabels{"role": "dns"}).Pods(policy.MatchLabels{"k8s-app": "coredns"}).WithServiceAccount("coredns"))` +
				`.Port(policy.Port{Protocol: policy.UDP, Name: "dns"}).NamedPort("dns-tcp").PortRange(policy.TCP, 5353, 5354).AllPorts(policy.SCTP)`,
		},
		{
			name: "NI001 DNS service in a mesh cluster and namespace",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := policy.NewSet(policy.DNSService(policy.Namespace("dns").Pods(policy.MatchLabels{"k8s-app": "coredns"}).InCluster("east"),
					policy.Port{Protocol: policy.UDP, Port: 53}))
				s.ServiceIn("shop", "web").WithoutDNS().AllowTo(policy.AllNamespaces()).TCP(8080)
				return s
			},
			path:     "services[shop/web]",
			severity: policy.SeverityError,
			message:  []string{"shop/web cannot reach the DNS service (pods labelled k8s-app=coredns in east:dns) on UDP/53"},
			fix: `remove .WithoutDNS() from set.ServiceIn("shop", "web"), or add set.ServiceIn("shop", "web").` +
				`AllowTo(policy.Namespace("dns").Pods(policy.MatchLabels{"k8s-app": "coredns"}).InCluster("east")).UDP(53)`,
		},
		{
			name: "NI001 DNS service named as a service, everywhere",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := policy.NewSet(policy.DNSService(policy.ServiceIn("dns", "resolver"), policy.Port{Protocol: policy.UDP, Port: 53}))
				s.Cluster("egress-lockdown").WithoutDNS().AllowTo(policy.World()).TCP(443)
				return s
			},
			path:     "cluster[egress-lockdown]",
			severity: policy.SeverityError,
			message:  []string{"cannot reach the DNS service (dns/resolver) on UDP/53"},
			fix:      `remove .WithoutDNS() from set.Cluster("egress-lockdown"), or add set.Cluster("egress-lockdown").AllowTo(policy.ServiceIn("dns", "resolver")).UDP(53)`,
		},
		{
			name: "NI001 DNS service in all namespaces, denied at the end of a tier",
			code: policy.LintDefaultDenyWithoutDNS,
			set: func() *policy.Set {
				s := policy.NewSet(policy.DNSService(policy.AllNamespaces().Pods(policy.MatchLabels{"k8s-app": "dns"}), policy.Port{Protocol: policy.UDP, Port: 53}))
				s.Tier("security", 100)
				s.Host("nodes").InTier("security", 1).AllowFrom(policy.Host())
				s.Cluster("lockdown").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24"))
				return s
			},
			path:     "cluster[lockdown]",
			severity: policy.SeverityError,
			message:  []string{"denied at the end of tier security"},
			fix:      `set.Cluster("lockdown").AllowTo(policy.AllNamespaces().Pods(policy.MatchLabels{"k8s-app": "dns"})).UDP(53) (before the end of tier security)`,
		},
		{
			name: "NI010 host policy",
			code: policy.LintTierDropsUnmatched,
			set: func() *policy.Set {
				s := lintSet()
				s.Tier("security", 100)
				s.Host("nodes").InTier("security", 1).DenyFrom(policy.CIDR("198.51.100.0/24"))
				return s
			},
			path:     "hosts[nodes].ingress",
			severity: policy.SeverityWarning,
			message:  []string{"nodes has only deny and pass rules for ingress in tier security"},
			fix:      `end the rules with set.Host("nodes").PassFrom(policy.Any()), or make the tier pass: set.Tier("security", <order>).DefaultPass()`,
		},
		{
			name: "NI002",
			code: policy.LintFQDNWithoutDNSVisibility,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("pay").AllowTo(policy.FQDN("*.stripe.com")).TCP(443)
				s.Cluster("no-dns").DenyTo(policy.KubeDNS())
				return s
			},
			path:     "services[shop/pay].egress[0].peers[0]",
			severity: policy.SeverityError,
			message:  []string{`shop/pay cannot look up x.stripe.com (a name "*.stripe.com" matches)`, "denied by cluster[no-dns].egress[0]"},
			fix:      `narrow the deny rule at cluster[no-dns].egress[0] so that it does not match the DNS service policy.KubeDNS() on port 53`,
		},
		{
			name: "NI003",
			code: policy.LintCIDRInClusterRange,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowFrom(policy.CIDR("10.244.1.0/24")).TCP(8080)
				return s
			},
			path:     "services[shop/web].ingress[0].peers[0]",
			severity: policy.SeverityInfo,
			message:  []string{"10.244.1.0/24 lies in 10.0.0.0/8, a range clusters commonly use for pods and services"},
			fix:      `select in-cluster workloads by labels: policy.ServiceIn("<namespace>", "<service>"), policy.Namespace("<namespace>") or policy.AllNamespaces(); nodes with policy.Host() or policy.RemoteNodes()`,
		},
		{
			name: "NI004 misspelt service",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("inventory").AllowFrom("web").TCP(8080)
				s.Service("web").AllowTo("inventroy").TCP(8080)
				return s
			},
			path:     "services[shop/web].egress[0].peers[0]",
			severity: policy.SeverityInfo,
			message:  []string{"service shop/inventroy is not declared in the Set; shop/inventory is"},
			fix:      `policy.ServiceIn("shop", "inventory")`,
		},
		{
			name: "NI004 service in another namespace",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.ServiceIn("pay", "ledger")
				s.Service("web").AllowTo("ledger").TCP(8080)
				return s
			},
			path:     "services[shop/web].egress[0].peers[0]",
			severity: policy.SeverityInfo,
			message:  []string{"service shop/ledger is not declared in the Set; it is declared in namespace pay"},
			fix:      `policy.ServiceIn("pay", "ledger")`,
		},
		{
			name: "NI004 in-cluster name",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.FQDN("ledger.pay.svc.cluster.local")).TCP(8080)
				return s
			},
			path:     "services[shop/web].egress[0].peers[0]",
			severity: policy.SeverityWarning,
			message:  []string{"in-cluster name"},
			fix:      `policy.ServiceIn("pay", "ledger")`,
		},
		{
			name: "NI004 IP address as FQDN",
			code: policy.LintPeerSelectsNothing,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.FQDN("192.0.2.7")).TCP(443)
				return s
			},
			path:     "services[shop/web].egress[0].peers[0]",
			severity: policy.SeverityWarning,
			message:  []string{`"192.0.2.7" is an IP address`},
			fix:      `policy.CIDR("192.0.2.7/32")`,
		},
		{
			name: "NI005",
			code: policy.LintAllowShadowed,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo("api").TCP(8080).DenyTo("api")
				return s
			},
			path:     "services[shop/web].egress[0]",
			severity: policy.SeverityWarning,
			message:  []string{"allows none of the 1 sampled flows it matches", "pod:shop/app=web → pod:shop/app=api TCP/8080: denied (source: denied by services[shop/web].egress[1]"},
			fix:      "remove the rule, or narrow what drops its traffic (the deny, tier or other end named above)",
		},
		{
			name: "NI005 one-sided allow the other end drops",
			code: policy.LintAllowShadowed,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowFrom("api").TCP(8080).OneSided()
				s.Service("api").DefaultDenyEgress()
				return s
			},
			path:     "services[shop/web].ingress[0]",
			severity: policy.SeverityWarning,
			message:  []string{"source: isolated for egress and no allow rule matches"},
			fix:      "drop .OneSided(), so that the allow also opens the other end; or remove the rule, or narrow what drops its traffic (the deny, tier or other end named above)",
		},
		{
			name:     "NI006",
			code:     policy.LintIsolatedWithoutIngress,
			set:      scenarios.Ecommerce,
			path:     "namespaces[ecommerce]",
			severity: policy.SeverityWarning,
			message:  []string{"ecommerce/api-gateway is isolated for ingress by ecommerce/namespace-defaults and nothing may reach it"},
			fix:      `set.ServiceIn("ecommerce", "api-gateway").AllowFrom(/* its callers, e.g. policy.World() */).TCP(/* its port */)`,
		},
		{
			name: "NI007",
			code: policy.LintEqualTierOrder,
			set: func() *policy.Set {
				s := lintSet()
				s.Tier("security", 100)
				s.Cluster("allow-scanner").InTier("security", 10).AllowFrom(policy.CIDR("192.0.2.0/24")).PassFrom(policy.Any())
				s.Cluster("block-scanner").InTier("security", 10).DenyFrom(policy.CIDR("192.0.2.0/24")).PassFrom(policy.Any())
				s.Cluster("late").InTier("security", 20).PassFrom(policy.Any())
				return s
			},
			path:     "cluster[block-scanner].order",
			severity: policy.SeverityWarning,
			message:  []string{"block-scanner has order 10 in tier security, like allow-scanner: Calico breaks the tie by name, so allow-scanner is evaluated first"},
			fix:      `set.Cluster("block-scanner").InTier("security", 15)`,
		},
		{
			name: "NI008",
			code: policy.LintBroadFQDN,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.FQDN("*stripe.com")).TCP(443)
				return s
			},
			path:     "services[shop/web].egress[0].peers[0]",
			severity: policy.SeverityWarning,
			message:  []string{`"*stripe.com" is broader than likely meant: it also matches evilstripe.com`},
			fix:      `policy.FQDN("*.stripe.com")`,
		},
		{
			name: "NI009",
			code: policy.LintMetadataReachable,
			set: func() *policy.Set {
				s := lintSet()
				s.Service("web").AllowTo(policy.World()).TCP(80)
				return s
			},
			path:     "services[shop/web].egress[0]",
			severity: policy.SeverityWarning,
			message:  []string{"the rule lets egress-isolated shop/web reach the cloud metadata service at 169.254.169.254, fd00:ec2::254 (TCP/80)", "shop/web → 169.254.169.254 TCP/80: allowed"},
			fix:      `set.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"), policy.CIDR("fd00:ec2::254/128")), or leave the metadata range out of the allow: policy.CIDR("0.0.0.0/0", "169.254.0.0/16")`,
		},
		{
			name: "NI010",
			code: policy.LintTierDropsUnmatched,
			set: func() *policy.Set {
				s := lintSet()
				s.Tier("security", 100)
				s.Cluster("block").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24"))
				return s
			},
			path:     "cluster[block].egress",
			severity: policy.SeverityWarning,
			message:  []string{"egress traffic they do not match is dropped at the end of the tier"},
			fix:      `end the rules with set.Cluster("block").PassTo(policy.Any()), or make the tier pass: set.Tier("security", <order>).DefaultPass()`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lintOne(t, tt.set(), tt.code)
			if f.Path != tt.path || f.Severity != tt.severity || f.Fix != tt.fix {
				t.Errorf("got  %s %s, fix %s\nwant %s %s, fix %s", f.Severity, f.Path, f.Fix, tt.severity, tt.path, tt.fix)
			}
			for _, m := range tt.message {
				if !strings.Contains(f.Message, m) {
					t.Errorf("message %q\ndoes not contain %q", f.Message, m)
				}
			}
		})
	}
}

// TestLintScenarios records what Lint says about every example, for review in diffs.
func TestLintScenarios(t *testing.T) {
	var b strings.Builder
	for _, sc := range scenarios.All() {
		fs, err := policy.Lint(sc.Build())
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		fmt.Fprintf(&b, "== %s (%d findings)\n", sc.Name, len(fs))
		for _, f := range fs {
			b.WriteString(f.String() + "\n")
		}
	}
	golden.Assert(t, "testdata/lint/scenarios.txt", []byte(b.String()))
}

// TestLintOrderAndDeterminism checks that findings come sorted by severity, code, path
// and message, and identically for the same Set built in another order.
func TestLintOrderAndDeterminism(t *testing.T) {
	build := func(reverse bool) *policy.Set {
		s := lintSet()
		steps := []func(){
			func() { s.Service("web").WithoutDNS().AllowTo(policy.World()).TCP(80) },
			func() { s.Service("api").AllowTo(policy.FQDN("*.com")).TCP(443) },
			func() { s.Service("db").AllowFrom(policy.CIDR("10.1.0.0/16")).TCP(5432) },
		}
		if reverse {
			for i := len(steps) - 1; i >= 0; i-- {
				steps[i]()
			}
		} else {
			for _, f := range steps {
				f()
			}
		}
		return s
	}
	a, err := policy.Lint(build(false))
	if err != nil {
		t.Fatal(err)
	}
	b, err := policy.Lint(build(true))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("findings depend on declaration order:\n%v\n%v", a, b)
	}
	rank := map[policy.Severity]int{policy.SeverityError: 0, policy.SeverityWarning: 1, policy.SeverityInfo: 2}
	for i := 1; i < len(a); i++ {
		p, q := a[i-1], a[i]
		if rank[p.Severity] > rank[q.Severity] || rank[p.Severity] == rank[q.Severity] && (p.Code > q.Code || p.Code == q.Code && p.Path > q.Path) {
			t.Errorf("findings out of order: %v before %v", p, q)
		}
	}
	var codes []string
	for _, f := range a {
		codes = append(codes, f.Code)
	}
	want := []string{policy.LintDefaultDenyWithoutDNS, policy.LintBroadFQDN, policy.LintMetadataReachable, policy.LintCIDRInClusterRange}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
}

// TestLintInvalidSet checks that an invalid Set gives its *ValidationError and no findings.
func TestLintInvalidSet(t *testing.T) {
	s := lintSet()
	s.Service("web").AllowFrom(policy.CIDR("10.0.0.1/8")).TCP(8080)
	fs, err := policy.Lint(s)
	var ve *policy.ValidationError
	if fs != nil || !errors.As(err, &ve) {
		t.Fatalf("got %v, %v; want nil and a *policy.ValidationError", fs, err)
	}
}

// TestFindingString checks the one-line rendering with the fix on its own line.
func TestFindingString(t *testing.T) {
	f := policy.Finding{Code: policy.LintBroadFQDN, Severity: policy.SeverityWarning, Path: "p", Message: "m", Fix: "x"}
	if got, want := f.String(), "warning NI008-broad-fqdn-pattern p: m\n  fix: x"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	f.Fix = ""
	if got, want := f.String(), "warning NI008-broad-fqdn-pattern p: m"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestRolloutOrderScenarios checks the rollout stages and order of every example.
func TestRolloutOrderScenarios(t *testing.T) {
	want := map[string][]string{
		"api-server":          {"workload production/api-server-policy"},
		"audit-rollout":       {"audit staging/audit-default-deny"},
		"block-external":      {"guardrail security-block-external"},
		"block-metadata":      {"guardrail block-metadata-access"},
		"cross-cluster":       {"workload shared-services/cross-cluster-policy"},
		"default-deny":        {"namespace production/default-deny-all"},
		"deny-internet":       {"cluster deny-egress-to-internet"},
		"dns-egress":          {"workload production/dns-based-egress"},
		"federation":          {"cluster federated-service-access"},
		"l7-api":              {"workload production/l7-api-policy"},
		"microservice":        {"workload ecommerce/microservice-pattern"},
		"microservice-l4":     {"workload ecommerce/microservice-pattern"},
		"namespace-isolation": {"namespace team-alpha/namespace-isolation"},
		"tiers":               {"guardrail block-known-threats"},
		// The guardrail first; the services, each with what the namespace's defaults
		// allow it (DNS for api-gateway, whose egress they isolate), then the defaults:
		// applied earlier, they would isolate api-gateway's egress without its mirrored
		// allow to order-service.
		"ecommerce": {
			"guardrail block-metadata-access",
			"workload ecommerce/api-gateway",
			"workload ecommerce/inventory-service",
			"workload ecommerce/order-service",
			"workload ecommerce/payment-service",
			"namespace ecommerce/namespace-defaults",
		},
	}
	for _, sc := range scenarios.All() {
		m, err := sc.Build().Model()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range m.RolloutOrder() {
			name := p.Name
			if p.Subject.Namespace != "" {
				name = p.Subject.Namespace + "/" + name
			}
			got = append(got, m.RolloutStage(p).String()+" "+name)
		}
		if !reflect.DeepEqual(got, want[sc.Name]) {
			t.Errorf("%s: rollout\ngot  %q\nwant %q", sc.Name, got, want[sc.Name])
		}
	}
}

// TestRolloutStage covers the stages the examples do not reach.
func TestRolloutStage(t *testing.T) {
	s := lintSet()
	s.Tier("security", 100)
	s.Cluster("tier-drops").InTier("security", 10).DenyTo(policy.CIDR("198.51.100.0/24"))
	s.Service("half").DefaultDenyEgress().AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(8080)
	s.Pods("shop", "batch", policy.MatchLabels{"role": "batch"}).AllowTo(policy.World()).TCP(443)
	s.Host("nodes").AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(22)
	s.Cluster("baseline").AllowFrom(policy.Host())
	// ops isolates its pods with an allow; gw's side of half's edge is derived from it.
	s.Namespace("ops").DefaultDeny().AllowSameNamespace()
	s.Service("half").AllowFrom(policy.ServiceIn("ops", "gw")).TCP(9090)
	m, err := s.Model()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range m.RolloutOrder() {
		got = append(got, m.RolloutStage(p).String()+" "+p.Name)
	}
	// Stages by breadth; within one, by namespace and name, as the objects' files sort.
	want := []string{
		"workload gw",             // derived: gw's side of half's edge, carrying what ops's defaults allow (DNS)
		"workload batch-4bb41c88", // derived: the pods both batch and half select, with both's allows
		"workload batch",
		"workload half", // isolates egress without an egress allow: it cuts only what the Set denies
		"namespace namespace-defaults",
		"cluster baseline-8518ef17", // derived: kube-dns accepts the DNS allowances
		"cluster nodes",
		"cluster tier-drops", // its tier drops what its deny leaves undecided
		"cluster baseline",   // level 1: after the derived policy inside it
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rollout\ngot  %q\nwant %q", got, want)
	}
}

// lintBenchSet is a Set of n services in 10 namespaces, each namespace default-deny: every
// service accepts TCP 8080 from a neighbour and calls a service of the next namespace;
// every tenth reaches an external API by name and every 25th an external range; a
// guardrail blocks the metadata service.
func lintBenchSet(n int) *policy.Set {
	set := policy.NewSet()
	const namespaces = 10
	per := n / namespaces
	for i := 0; i < namespaces; i++ {
		name := fmt.Sprintf("team-%02d", i)
		set.Namespace(name).Labels(map[string]string{"team": name}).DefaultDeny()
	}
	for i := 0; i < n; i++ {
		w := set.ServiceIn(fmt.Sprintf("team-%02d", i/per), fmt.Sprintf("svc-%05d", i))
		w.AllowFrom(fmt.Sprintf("svc-%05d", i/per*per+(i+1)%per)).TCP(8080)
		w.AllowTo(policy.ServiceIn(fmt.Sprintf("team-%02d", (i/per+1)%namespaces), fmt.Sprintf("svc-%05d", (i+per)%n))).TCP(8080)
		if i%10 == 0 {
			w.AllowTo(policy.FQDN(fmt.Sprintf("api-%d.example.com", i))).TCP(443)
		}
		if i%25 == 0 {
			w.AllowTo(policy.CIDR("203.0.113.0/24")).TCP(443)
		}
	}
	set.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"), policy.CIDR("fd00:ec2::254/128"))
	return set
}

// BenchmarkLint lints a model of 1,000 services (building the model is not measured; see
// Set.Model's own cost).
func BenchmarkLint(b *testing.B) {
	for _, n := range []int{250, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			m, err := lintBenchSet(n).Model()
			if err != nil {
				b.Fatal(err)
			}
			if fs := m.Lint(); len(fs) != 0 {
				b.Fatalf("the benchmark Set should be clean: %v", fs)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.Lint()
			}
		})
	}
}
