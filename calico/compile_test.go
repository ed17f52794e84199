package calico_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// constructCase is one construct and the exact spec it must produce.
type constructCase struct {
	name   string
	build  func(s *policy.Set)
	opts   []calico.Option
	object string // "Kind namespace/name" or "Kind name"
	want   string // the object's spec as YAML (dedented)
}

func compileCase(c constructCase) (*calico.Result, error) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	c.build(s)
	return calico.Compile(s, c.opts...)
}

func constructCases() []constructCase {
	// outside declares a cluster range that none of the CIDR peers below reaches, so
	// that they are emitted as they are written.
	outside := calico.ClusterCIDRs(netip.MustParsePrefix("100.64.0.0/10"))
	expr := func(reqs ...metav1.LabelSelectorRequirement) policy.Selector {
		return policy.LabelSelector{MatchExpressions: reqs}
	}
	return []constructCase{
		{
			name:   "service in the same namespace, ports merged and sorted",
			build:  func(s *policy.Set) { s.Service("api").AllowFrom("web", "admin").TCP(8080, 443, 8080) },
			object: "NetworkPolicy shop/api",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 443
				    - 8080
				  protocol: TCP
				  source:
				    selector: projectcalico.org/orchestrator == 'k8s' && app in {'admin', 'web'}
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
			`,
		},
		{
			name: "services of other namespaces by name",
			build: func(s *policy.Set) {
				s.Service("api").AllowFrom(policy.ServiceIn("pay", "web"), policy.ServiceIn("dev", "web")).TCP(8080)
			},
			object: "NetworkPolicy shop/api",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 8080
				  protocol: TCP
				  source:
				    namespaceSelector: projectcalico.org/name in {'dev', 'pay'}
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'web'
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
			`,
		},
		{
			name: "namespace selector and every selector operator",
			build: func(s *policy.Set) {
				s.Service("api").AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "prod"}).Pods(expr(
					metav1.LabelSelectorRequirement{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"front", "edge"}},
					metav1.LabelSelectorRequirement{Key: "legacy", Operator: metav1.LabelSelectorOpDoesNotExist},
					metav1.LabelSelectorRequirement{Key: "zone", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"b", "a"}},
					metav1.LabelSelectorRequirement{Key: "canary", Operator: metav1.LabelSelectorOpExists},
				))).UDP(53)
			},
			object: "NetworkPolicy shop/api",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 53
				  protocol: UDP
				  source:
				    namespaceSelector: env == 'prod'
				    selector: projectcalico.org/orchestrator == 'k8s' && has(canary) && ! has(legacy)
				      && tier in {'edge', 'front'} && zone not in {'a', 'b'}
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
			`,
		},
		{
			name: "all namespaces, the own namespace and a service account",
			build: func(s *policy.Set) {
				s.Service("api").
					AllowFrom(policy.AllNamespaces()).SCTP(3868).
					AllowFrom(policy.SameNamespace()).SCTP(3869).
					AllowFrom(policy.ServiceAccount("shop", "robot")).SCTP(3870).
					AllowFrom(policy.ServiceAccount("pay", "robot").Pods(policy.MatchLabels{"app": "job"})).SCTP(3871)
			},
			object: "NetworkPolicy shop/api",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 3868
				  protocol: SCTP
				  source:
				    namespaceSelector: all()
				    selector: projectcalico.org/orchestrator == 'k8s'
				- action: Allow
				  destination:
				    ports:
				    - 3869
				  protocol: SCTP
				  source:
				    selector: projectcalico.org/orchestrator == 'k8s'
				- action: Allow
				  destination:
				    ports:
				    - 3870
				  protocol: SCTP
				  source:
				    selector: projectcalico.org/orchestrator == 'k8s'
				    serviceAccounts:
				      names:
				      - robot
				- action: Allow
				  destination:
				    ports:
				    - 3871
				  protocol: SCTP
				  source:
				    namespaceSelector: projectcalico.org/name == 'pay'
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'job'
				    serviceAccounts:
				      names:
				      - robot
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
			`,
		},
		{
			name: "one rule per protocol; ranges, named ports, every port of a protocol, ICMP",
			build: func(s *policy.Set) {
				s.Service("api").AllowFrom(policy.Any()).
					PortRange(policy.TCP, 9000, 9100).NamedPort("metrics").TCP(22).AllPorts(policy.UDP).UDP(53).
					ICMP(8, 0).ICMPv6(128)
			},
			object: "NetworkPolicy shop/api",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 22
				    - 9000:9100
				    - metrics
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination: {}
				  protocol: UDP
				  source: {}
				- action: Allow
				  destination: {}
				  icmp:
				    code: 0
				    type: 8
				  protocol: ICMP
				  source: {}
				- action: Allow
				  destination: {}
				  icmp:
				    type: 128
				  protocol: ICMPv6
				  source: {}
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
			`,
		},
		{
			name: "CIDRs: nets with the same exceptions join, families stay apart",
			build: func(s *policy.Set) {
				s.Service("api").AllowTo(policy.CIDR("10.0.0.0/8", "10.0.1.0/24"), policy.CIDR("2001:db8::/32"),
					policy.CIDR("198.51.100.0/24"), policy.CIDR("203.0.113.0/24")).TCP(443)
			},
			opts:   []calico.Option{outside},
			object: "NetworkPolicy shop/api",
			want: `
				egress:
				- action: Allow
				  destination:
				    nets:
				    - 10.0.0.0/8
				    notNets:
				    - 10.0.1.0/24
				    ports:
				    - 443
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    nets:
				    - 2001:db8::/32
				    ports:
				    - 443
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    nets:
				    - 198.51.100.0/24
				    - 203.0.113.0/24
				    ports:
				    - 443
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    namespaceSelector: projectcalico.org/name == 'kube-system'
				    ports:
				    - 53
				    selector: projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    namespaceSelector: projectcalico.org/name == 'kube-system'
				    ports:
				    - 53
				    selector: projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'
				  protocol: UDP
				  source: {}
				order: 1000
				selector: app == 'api'
				types:
				- Egress
			`,
		},
		{
			name: "cluster ranges are cut out of CIDRs; a CIDR inside them matches nothing",
			build: func(s *policy.Set) {
				s.Service("api").WithoutDNS().
					AllowTo(policy.CIDR("0.0.0.0/0", "10.0.0.0/8"), policy.CIDR("100.64.1.0/24")).TCP(443).
					AllowTo(policy.World()).TCP(80).
					AllowFrom(policy.WholeCluster()).TCP(8080)
			},
			opts:   []calico.Option{calico.ClusterCIDRs(netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("fd00:10::/64"))},
			object: "NetworkPolicy shop/api",
			want: `
				egress:
				- action: Allow
				  destination:
				    nets:
				    - 0.0.0.0/0
				    notNets:
				    - 10.0.0.0/8
				    - 100.64.0.0/10
				    ports:
				    - 443
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    nets:
				    - 0.0.0.0/0
				    notNets:
				    - 100.64.0.0/10
				    ports:
				    - 80
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    nets:
				    - ::/0
				    notNets:
				    - fd00:10::/64
				    ports:
				    - 80
				  protocol: TCP
				  source: {}
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 8080
				  protocol: TCP
				  source:
				    nets:
				    - 100.64.0.0/10
				- action: Allow
				  destination:
				    ports:
				    - 8080
				  protocol: TCP
				  source:
				    nets:
				    - fd00:10::/64
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
				- Egress
			`,
		},
		{
			name: "a rule whose CIDR peers all lie in the cluster allows nothing and still isolates",
			build: func(s *policy.Set) {
				s.Service("api").WithoutDNS().AllowTo(policy.CIDR("100.64.1.0/24"), policy.CIDR("fd00:10::/80")).TCP(443).
					AllowFrom(policy.CIDR("100.64.0.0/16", "100.64.1.0/24")).TCP(8080)
			},
			opts:   []calico.Option{calico.ClusterCIDRs(netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("fd00:10::/64"))},
			object: "NetworkPolicy shop/api",
			want: `
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
				- Egress
			`,
		},
		{
			name: "DNS allowance for an egress default-deny namespace",
			build: func(s *policy.Set) {
				s.Namespace("shop").DefaultDenyEgress()
			},
			object: "NetworkPolicy shop/namespace-defaults",
			want: `
				egress:
				- action: Allow
				  destination:
				    namespaceSelector: projectcalico.org/name == 'kube-system'
				    ports:
				    - 53
				    selector: projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    namespaceSelector: projectcalico.org/name == 'kube-system'
				    ports:
				    - 53
				    selector: projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'
				  protocol: UDP
				  source: {}
				order: 1000
				selector: all()
				types:
				- Egress
			`,
		},
		{
			name: "without DNS, default-deny is types with no rules",
			build: func(s *policy.Set) {
				s.Namespace("shop").DefaultDeny().WithoutDNS()
			},
			object: "NetworkPolicy shop/namespace-defaults",
			want: `
				order: 1000
				selector: all()
				types:
				- Ingress
				- Egress
			`,
		},
		{
			name: "untiered denies go to the deny tier and select without isolating",
			build: func(s *policy.Set) {
				s.Service("api").DenyFrom(policy.Namespace("dev")).DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
			},
			opts:   []calico.Option{outside},
			object: "NetworkPolicy shop/netintent-deny.api",
			want: `
				egress:
				- action: Deny
				  destination:
				    nets:
				    - 169.254.169.254/32
				    ports:
				    - 80
				  protocol: TCP
				  source: {}
				ingress:
				- action: Deny
				  destination: {}
				  source:
				    namespaceSelector: projectcalico.org/name == 'dev'
				    selector: projectcalico.org/orchestrator == 'k8s'
				order: 1000
				selector: app == 'api'
				tier: netintent-deny
				types:
				- Ingress
				- Egress
			`,
		},
		{
			name:   "the deny tier passes what its policies do not deny",
			build:  func(s *policy.Set) { s.Cluster("no-imds").DenyTo(policy.CIDR("169.254.169.254/32")) },
			opts:   []calico.Option{outside},
			object: "Tier netintent-deny",
			want: `
				defaultAction: Pass
				order: 999999
			`,
		},
		{
			name: "cluster scope: namespaceSelector keeps host endpoints out",
			build: func(s *policy.Set) {
				s.Cluster("web").Select(policy.MatchLabels{"app": "web"}).InNamespaces(policy.MatchLabels{"env": "prod"}).
					AllowFrom(policy.Namespace("shop")).TCP(80)
				s.Cluster("all").DenyTo(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "db"})).TCP(5432)
			},
			object: "GlobalNetworkPolicy web",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 80
				  protocol: TCP
				  source:
				    namespaceSelector: projectcalico.org/name == 'shop'
				    selector: projectcalico.org/orchestrator == 'k8s'
				namespaceSelector: env == 'prod'
				order: 1000
				selector: projectcalico.org/orchestrator == 'k8s' && app == 'web'
				types:
				- Ingress
			`,
		},
		{
			name: "negative-only namespace selectors require a namespace; pod selectors require a workload",
			build: func(s *policy.Set) {
				s.Cluster("untagged").Select(expr(metav1.LabelSelectorRequirement{Key: "app", Operator: metav1.LabelSelectorOpDoesNotExist})).
					InNamespaces(expr(metav1.LabelSelectorRequirement{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist})).
					AllowFrom(policy.Namespaces(expr(metav1.LabelSelectorRequirement{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}}))).TCP(80).
					AllowFrom(policy.Namespaces(expr(
						metav1.LabelSelectorRequirement{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}},
						metav1.LabelSelectorRequirement{Key: "team", Operator: metav1.LabelSelectorOpExists}))).TCP(81)
			},
			object: "GlobalNetworkPolicy untagged",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 80
				  protocol: TCP
				  source:
				    namespaceSelector: env not in {'dev'} && has(projectcalico.org/name)
				    selector: projectcalico.org/orchestrator == 'k8s'
				- action: Allow
				  destination:
				    ports:
				    - 81
				  protocol: TCP
				  source:
				    namespaceSelector: env not in {'dev'} && has(team)
				    selector: projectcalico.org/orchestrator == 'k8s'
				namespaceSelector: has(projectcalico.org/name) && ! has(team)
				order: 1000
				selector: projectcalico.org/orchestrator == 'k8s' && ! has(app)
				types:
				- Ingress
			`,
		},
		{
			name: "cluster-wide guardrail over every pod",
			build: func(s *policy.Set) {
				s.Cluster("all").DenyTo(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "db"})).TCP(5432)
			},
			object: "GlobalNetworkPolicy netintent-deny.all",
			want: `
				egress:
				- action: Deny
				  destination:
				    namespaceSelector: all()
				    ports:
				    - 5432
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'db'
				  protocol: TCP
				  source: {}
				namespaceSelector: all()
				order: 1000
				selector: projectcalico.org/orchestrator == 'k8s'
				tier: netintent-deny
				types:
				- Egress
			`,
		},
		{
			name: "tiered policy keeps rule order; only same-action neighbours merge",
			build: func(s *policy.Set) {
				s.Tier("security", 100).DefaultPass()
				s.Cluster("threats").InTier("security", 10).
					DenyFrom(policy.CIDR("198.51.100.0/24")).DenyFrom(policy.CIDR("203.0.113.0/24")).
					PassFrom(policy.Namespace("dev")).
					AllowFrom(policy.Any()).TCP(80)
			},
			opts:   []calico.Option{outside},
			object: "GlobalNetworkPolicy security.threats",
			want: `
				ingress:
				- action: Deny
				  destination: {}
				  source:
				    nets:
				    - 198.51.100.0/24
				    - 203.0.113.0/24
				- action: Pass
				  destination: {}
				  source:
				    namespaceSelector: projectcalico.org/name == 'dev'
				    selector: projectcalico.org/orchestrator == 'k8s'
				- action: Allow
				  destination:
				    ports:
				    - 80
				  protocol: TCP
				  source: {}
				namespaceSelector: all()
				order: 10
				selector: projectcalico.org/orchestrator == 'k8s'
				tier: security
				types:
				- Ingress
			`,
		},
		{
			name: "a tier of the Set",
			build: func(s *policy.Set) {
				s.Tier("security", 100).DefaultPass()
			},
			object: "Tier security",
			want: `
				defaultAction: Pass
				order: 100
			`,
		},
		{
			name: "tiered egress isolation keeps DNS after the policy's rules",
			build: func(s *policy.Set) {
				s.Tier("platform", 200)
				s.Service("api").InTier("platform", 1).AllowTo("db").TCP(5432)
			},
			object: "NetworkPolicy shop/platform.api",
			want: `
				egress:
				- action: Allow
				  destination:
				    ports:
				    - 5432
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'db'
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    namespaceSelector: projectcalico.org/name == 'kube-system'
				    ports:
				    - 53
				    selector: projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'
				  protocol: TCP
				  source: {}
				- action: Allow
				  destination:
				    namespaceSelector: projectcalico.org/name == 'kube-system'
				    ports:
				    - 53
				    selector: projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'
				  protocol: UDP
				  source: {}
				order: 1
				selector: app == 'api'
				tier: platform
				types:
				- Egress
			`,
		},
		{
			name:   "audit mode is a staged policy",
			build:  func(s *policy.Set) { s.Namespace("shop").DefaultDenyIngress().Audit() },
			object: "StagedNetworkPolicy shop/namespace-defaults",
			want: `
				order: 1000
				selector: all()
				stagedAction: Set
				types:
				- Ingress
			`,
		},
		{
			name:   "audit mode for cluster scope",
			build:  func(s *policy.Set) { s.Cluster("no-imds").Audit().DenyTo(policy.CIDR("169.254.169.254/32")) },
			opts:   []calico.Option{outside},
			object: "StagedGlobalNetworkPolicy netintent-deny.no-imds",
			want: `
				egress:
				- action: Deny
				  destination:
				    nets:
				    - 169.254.169.254/32
				  source: {}
				namespaceSelector: all()
				order: 1000
				selector: projectcalico.org/orchestrator == 'k8s'
				stagedAction: Set
				tier: netintent-deny
				types:
				- Egress
			`,
		},
		{
			name: "HTTP with application layer policy: one match per set of paths",
			build: func(s *policy.Set) {
				s.Service("api").AllowFrom("web").TCP(8080).
					HTTP("GET", "/api").HTTP("POST", "/orders").HTTPPrefix("GET", "/orders/").HTTP("PUT", "/orders").HTTP("DELETE", "")
			},
			opts:   []calico.Option{calico.ApplicationLayerPolicy()},
			object: "NetworkPolicy shop/api",
			want: `
				ingress:
				- action: Allow
				  destination:
				    ports:
				    - 8080
				  http:
				    methods:
				    - DELETE
				  protocol: TCP
				  source:
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'web'
				- action: Allow
				  destination:
				    ports:
				    - 8080
				  http:
				    methods:
				    - GET
				    paths:
				    - exact: /api
				    - prefix: /orders/
				  protocol: TCP
				  source:
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'web'
				- action: Allow
				  destination:
				    ports:
				    - 8080
				  http:
				    methods:
				    - POST
				    - PUT
				    paths:
				    - exact: /orders
				  protocol: TCP
				  source:
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'web'
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
			`,
		},
		{
			name: "an allow from the node needs no rule",
			build: func(s *policy.Set) {
				s.Service("api").AllowFrom(policy.Host()).TCP(8080)
			},
			object: "NetworkPolicy shop/api",
			want: `
				order: 1000
				selector: app == 'api'
				types:
				- Ingress
			`,
		},
		{
			name: "mirrored rules open the isolated other end",
			build: func(s *policy.Set) {
				s.Namespace("shop").DefaultDenyEgress().WithoutDNS()
				s.Service("api").AllowFrom("web").TCP(8080)
			},
			object: "NetworkPolicy shop/web",
			want: `
				egress:
				- action: Allow
				  destination:
				    ports:
				    - 8080
				    selector: projectcalico.org/orchestrator == 'k8s' && app == 'api'
				  protocol: TCP
				  source: {}
				order: 1000
				selector: app == 'web'
				types:
				- Egress
			`,
		},
	}
}

func TestConstructs(t *testing.T) {
	for _, c := range constructCases() {
		t.Run(c.name, func(t *testing.T) {
			res, err := compileCase(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings()) > 0 {
				t.Errorf("unexpected warnings: %v", res.Warnings())
			}
			if got, want := specYAML(t, res, c.object), dedent(c.want); got != want {
				t.Errorf("%s spec:\n%s\nwant:\n%s", c.object, got, want)
			}
		})
	}
}

// TestMetadata checks that labels and annotations reach every object of a policy, with
// the managed-by label, whatever the declaration order.
func TestMetadata(t *testing.T) {
	build := func(reverse bool) *policy.Set {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		w := s.Service("api")
		first, second := map[string]string{"team": "a", "tier": "back"}, map[string]string{"owner": "x"}
		if reverse {
			first, second = second, first
		}
		w.WithLabels(first).WithLabels(second).WithAnnotations(map[string]string{"note": "reviewed"}).
			AllowFrom("web").TCP(80).DenyTo(policy.CIDR("8.8.8.8/32"))
		return s
	}
	var yamls [2]string
	for i, reverse := range []bool{false, true} {
		res, err := calico.Compile(build(reverse), clusterCIDRs())
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"NetworkPolicy shop/api", "NetworkPolicy shop/netintent-deny.api"} {
			y := objectYAML(t, res, id)
			for _, want := range []string{"    note: reviewed\n", "    app.kubernetes.io/managed-by: netintent\n", "    owner: x\n", "    team: a\n", "    tier: back\n"} {
				if !strings.Contains(y, want) {
					t.Errorf("%s lacks %q:\n%s", id, want, y)
				}
			}
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		yamls[i] = string(y)
	}
	if yamls[0] != yamls[1] {
		t.Errorf("output depends on declaration order:\n%s\n---\n%s", yamls[0], yamls[1])
	}
}

// TestClusterCIDRsInvalid checks that bad ranges are an error naming the option and the
// range, as in k8snp (internal/clusterrange has every case): a range with host bits set
// was silently masked before.
func TestClusterCIDRsInvalid(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowFrom("a").TCP(80)
	p := netip.MustParsePrefix
	if _, err := calico.Compile(set, calico.ClusterCIDRs(p("10.244.1.0/16"))); err == nil ||
		!strings.Contains(err.Error(), "calico: invalid options: ClusterCIDRs[0]") || !strings.Contains(err.Error(), "host bits are set") {
		t.Errorf("host bits: %v", err)
	}
	if _, err := calico.Compile(set, calico.ClusterCIDRs(p("10.0.0.0/8"), p("10.244.0.0/16"))); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("overlap: %v", err)
	}
	if _, err := calico.Compile(set, calico.ClusterCIDRs()); err == nil || !strings.Contains(err.Error(), "ClusterCIDRs: Required value") {
		t.Errorf("no range: %v", err)
	}
}
