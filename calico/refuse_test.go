package calico_test

import (
	"errors"
	"github.com/netintent/netintent/internal/golden"
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/policy"
	"sigs.k8s.io/yaml"
)

// The refusal of a CIDR peer without the cluster's ranges, and the option that makes it
// exact.
const (
	cidrConstruct = "CIDR peers"
	cidrOption    = "calico.ClusterCIDRs(...) exact"
)

// problem is the part of a policy.Unsupported a test pins down.
type problem struct {
	path, construct, option string
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name  string
		build func(s *policy.Set)
		opts  []calico.Option
		want  []problem
		// details are words every problem's detail must hold.
		details []string
	}{
		{
			name:  "FQDN peers",
			build: func(s *policy.Set) { s.Service("api").AllowTo(policy.FQDN("api.stripe.com")).TCP(443) },
			want:  []problem{{"services[shop/api].egress[0].peers[0]", "FQDN peers", ""}},
		},
		{
			name:  "cluster-mesh peers",
			build: func(s *policy.Set) { s.Service("db").AllowFrom(policy.Service("api").InCluster("east")).TCP(5432) },
			want:  []problem{{"services[shop/db].ingress[0].peers[0].cluster", "cluster-mesh peers", ""}},
		},
		{
			name:  "host policies",
			build: func(s *policy.Set) { s.Host("nodes").AllowFrom(policy.CIDR("10.0.0.0/8")).TCP(22) },
			want:  []problem{{"hosts[nodes]", "host policies", ""}},
		},
		{
			name: "node and API server entities",
			build: func(s *policy.Set) {
				s.Service("api").AllowTo(policy.Host()).TCP(10250).
					AllowTo(policy.RemoteNodes(), policy.KubeAPIServer()).TCP(443)
			},
			want: []problem{
				{"services[shop/api].egress[0].peers[0]", "host entity", ""},
				{"services[shop/api].egress[1].peers[0]", "remote-node entity", ""},
				{"services[shop/api].egress[1].peers[1]", "kube-apiserver entity", ""},
			},
		},
		{
			name: "world and cluster entities without the cluster's ranges",
			build: func(s *policy.Set) {
				s.Service("api").AllowTo(policy.World()).TCP(443).AllowFrom(policy.WholeCluster())
			},
			want: []problem{
				{"services[shop/api].ingress[0].peers[0]", "cluster entity", "calico.ClusterCIDRs(...) exact"},
				{"services[shop/api].egress[0].peers[0]", "world entity", "calico.ClusterCIDRs(...) exact, calico.WorldAsNets()"},
			},
		},
		{
			name: "CIDR peers without the cluster's ranges, of every kind",
			build: func(s *policy.Set) {
				s.Tier("sec", 1)
				s.Service("api").AllowTo(policy.CIDR("10.0.0.0/8", "10.0.1.0/24")).TCP(443).
					AllowFrom(policy.CIDR("2001:db8::/32")).TCP(8080).
					DenyTo(policy.CIDR("169.254.169.254/32")).
					DenyFrom(policy.CIDR("198.51.100.0/24"))
				s.Cluster("guard").DenyTo(policy.CIDR("0.0.0.0/0"), policy.CIDR("::/0"))
				s.ServiceIn("pay", "x").InTier("sec", 1).PassFrom(policy.CIDR("203.0.113.0/24")).AllowTo(policy.CIDR("8.8.8.8/32"))
			},
			opts: []calico.Option{calico.ApplicationLayerPolicy(), calico.WorldAsNets(), calico.WidenL7()},
			want: []problem{
				{"cluster[guard].egress[0].peers[0]", cidrConstruct, cidrOption},
				{"cluster[guard].egress[0].peers[1]", cidrConstruct, cidrOption},
				{"services[pay/x].ingress[0].peers[0]", cidrConstruct, cidrOption},
				{"services[pay/x].egress[0].peers[0]", cidrConstruct, cidrOption},
				{"services[shop/api].ingress[1].peers[0]", cidrConstruct, cidrOption},
				{"services[shop/api].egress[1].peers[0]", cidrConstruct, cidrOption},
				{"services[shop/api].ingress[0].peers[0]", cidrConstruct, cidrOption},
				{"services[shop/api].egress[0].peers[0]", cidrConstruct, cidrOption},
			},
			details: []string{"pod, node and API-server addresses"},
		},
		{
			name:  "HTTP without application layer policy",
			build: func(s *policy.Set) { s.Service("api").AllowFrom("web").TCP(8080).HTTP("GET", "/") },
			want:  []problem{{"services[shop/api].ingress[0].http", "L7 HTTP rules", "calico.ApplicationLayerPolicy() exact, calico.WidenL7()"}},
		},
		{
			name: "HTTP matches Calico lacks, and egress HTTP",
			build: func(s *policy.Set) {
				s.Service("api").
					AllowFrom("web").TCP(8080).
					HTTPRegex("GET", "/orders/[0-9]+").
					HTTPRequest(policy.HTTPMatch{Method: "GET", Path: "/", Host: "shop.example.com"}).
					HTTPRequest(policy.HTTPMatch{Method: "POST", Path: "/", Headers: []policy.Header{{Name: "X-Token", Value: "t"}}}).
					AllowTo("db").TCP(8080).HTTP("GET", "/")
			},
			opts: []calico.Option{calico.ApplicationLayerPolicy()},
			want: []problem{
				{"services[shop/api].ingress[0].http[0].path", "HTTP regex paths", "calico.WidenL7()"},
				{"services[shop/api].ingress[0].http[1].host", "HTTP host matches", "calico.WidenL7()"},
				{"services[shop/api].ingress[0].http[2].headers", "HTTP header matches", "calico.WidenL7()"},
				{"services[shop/api].egress[0].http", "egress HTTP rules", "calico.WidenL7()"},
			},
		},
		{
			name:    "egress HTTP names the exact way to write it",
			build:   func(s *policy.Set) { s.Service("api").AllowTo("db").TCP(8080).HTTP("GET", "/") },
			opts:    []calico.Option{calico.ApplicationLayerPolicy()},
			want:    []problem{{"services[shop/api].egress[0].http", "egress HTTP rules", "calico.WidenL7()"}},
			details: []string{"written at the callee (AllowFrom on the receiving workload), the same rule is exact"},
		},
		{
			name: "DNS lookup patterns",
			build: func(s *policy.Set) {
				s.Service("api").AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com")
			},
			want: []problem{{"services[shop/api].egress[0].dns", "DNS lookup rules", "calico.WidenL7()"}},
		},
		{
			name:  "ICMP type 255",
			build: func(s *policy.Set) { s.Service("api").AllowFrom(policy.Any()).ICMP(255) },
			want:  []problem{{"services[shop/api].ingress[0].icmp[0].type", "ICMP type 255", ""}},
		},
		{
			name: "reserved tier names",
			build: func(s *policy.Set) {
				s.Tier("adminnetworkpolicy", 1)
				s.Tier("netintent-deny", 2)
			},
			want: []problem{
				{"tiers[adminnetworkpolicy]", "reserved tier name", ""},
				{"tiers[netintent-deny]", "reserved tier name", ""},
			},
		},
		{
			name:  "a tier order at or after the deny tier",
			build: func(s *policy.Set) { s.Tier("late", calico.DenyTierOrder) },
			want:  []problem{{"tiers[late].order", "tier order", ""}},
		},
		{
			name: "equal orders in a tier for policies that may select one endpoint",
			build: func(s *policy.Set) {
				s.Tier("sec", 1)
				s.Cluster("a").InTier("sec", 5).DenyFrom(policy.Namespace("dev"))
				s.ServiceIn("pay", "x").InTier("sec", 5).AllowFrom(policy.Any())
				s.ServiceIn("shop", "x").InTier("sec", 7).AllowFrom(policy.Any())
				s.ServiceIn("dev", "x").InTier("sec", 7).AllowFrom(policy.Any())
			},
			want: []problem{{"services[pay/x].order", "equal policy orders in a tier", ""}},
		},
		{
			name: "every problem at once, in policy order",
			build: func(s *policy.Set) {
				s.Service("b").AllowTo(policy.FQDN("example.com")).TCP(443)
				s.Service("a").AllowFrom("web").TCP(80).HTTP("GET", "/")
				s.Cluster("c").AllowTo(policy.World())
			},
			want: []problem{
				{"cluster[c].egress[0].peers[0]", "world entity", "calico.ClusterCIDRs(...) exact, calico.WorldAsNets()"},
				{"services[shop/a].ingress[0].http", "L7 HTTP rules", "calico.ApplicationLayerPolicy() exact, calico.WidenL7()"},
				{"services[shop/b].egress[0].peers[0]", "FQDN peers", ""},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := policy.NewSet(policy.DefaultNamespace("shop"))
			c.build(s)
			res, err := calico.Compile(s, c.opts...)
			var ce *policy.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, %v; want a *policy.CompileError", res, err)
			}
			if ce.Backend != calico.Name {
				t.Errorf("backend %q", ce.Backend)
			}
			var got []problem
			for _, p := range ce.Problems {
				got = append(got, problem{p.Path, p.Construct, golden.Fixes(p.Fixes)})
				if p.Detail == "" {
					t.Errorf("%s: %s: no detail", p.Path, p.Construct)
				}
				for _, d := range c.details {
					if !strings.Contains(p.Detail, d) {
						t.Errorf("%s: %s: detail %q lacks %q", p.Path, p.Construct, p.Detail, d)
					}
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("problems:\n%v\nwant:\n%v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("problem %d: %v, want %v", i, got[i], c.want[i])
				}
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w.path+": "+w.construct) {
					t.Errorf("error text lacks %s: %s:\n%v", w.path, w.construct, err)
				}
			}
		})
	}
}

// TestTiesAcrossNamespaces checks that equal orders are accepted where two policies can
// never select the same endpoint.
func TestTiesAcrossNamespaces(t *testing.T) {
	s := policy.NewSet()
	s.Tier("sec", 1)
	s.ServiceIn("shop", "x").InTier("sec", 7).AllowFrom(policy.Any())
	s.ServiceIn("dev", "x").InTier("sec", 7).AllowFrom(policy.Any())
	if _, err := calico.Compile(s); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidSetIsReturnedUnchanged(t *testing.T) {
	s := policy.NewSet()
	s.Service("api").AllowFrom("web").TCP(70000)
	_, err := calico.Compile(s)
	var ve *policy.ValidationError
	if !errors.As(err, &ve) || err != s.Validate() && err.Error() != s.Validate().Error() {
		t.Fatalf("got %v, want the Set's *policy.ValidationError", err)
	}
}

func TestWidening(t *testing.T) {
	cases := []struct {
		name    string
		build   func(s *policy.Set)
		opts    []calico.Option
		object  string
		path    string
		message string
		spec    string // a fragment the object's spec must contain
	}{
		{
			name:    "HTTP without application layer policy becomes L4",
			build:   func(s *policy.Set) { s.Service("api").AllowFrom("web").TCP(8080).HTTP("GET", "/") },
			opts:    []calico.Option{calico.WidenL7()},
			object:  "NetworkPolicy shop/api",
			path:    "services[shop/api].ingress[0]",
			message: "HTTP matches dropped (L7 HTTP rules): every request on the rule's peers and ports is admitted",
			spec:    "  protocol: TCP\n  source:\n    selector: projectcalico.org/orchestrator == 'k8s' && app == 'web'\n",
		},
		{
			name: "regex paths with application layer policy",
			build: func(s *policy.Set) {
				s.Service("api").AllowFrom("web").TCP(8080).HTTP("GET", "/a").HTTPRegex("GET", "/b/[0-9]+")
			},
			opts:    []calico.Option{calico.WidenL7(), calico.ApplicationLayerPolicy()},
			object:  "NetworkPolicy shop/api",
			path:    "services[shop/api].ingress[0]",
			message: "HTTP matches dropped (HTTP regex paths): every request on the rule's peers and ports is admitted",
			spec:    "  protocol: TCP\n  source:\n    selector: projectcalico.org/orchestrator == 'k8s' && app == 'web'\n",
		},
		{
			name:    "DNS lookup patterns",
			build:   func(s *policy.Set) { s.Service("api").AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com") },
			opts:    []calico.Option{calico.WidenL7()},
			object:  "NetworkPolicy shop/api",
			path:    "services[shop/api].egress[0]",
			message: "DNS lookup patterns dropped: every lookup to the DNS servers on the rule's ports is admitted",
			spec:    "    selector: projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'\n",
		},
		{
			name:    "world as nets",
			build:   func(s *policy.Set) { s.Cluster("no-world").DenyTo(policy.World()).TCP(25) },
			opts:    []calico.Option{calico.WorldAsNets()},
			object:  "GlobalNetworkPolicy netintent-deny.no-world",
			path:    "cluster[no-world].egress[0].peers[0]",
			message: "world translated to nets 0.0.0.0/0 and ::/0, which also match pod and node addresses",
			spec:    "    nets:\n    - ::/0\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := policy.NewSet(policy.DefaultNamespace("shop"))
			c.build(s)
			res, err := calico.Compile(s, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings()) != 1 {
				t.Fatalf("warnings %v, want one", res.Warnings())
			}
			w := res.Warnings()[0]
			obj := strings.SplitN(c.object, " ", 2)[1]
			if w.Backend != calico.Name || w.Path != c.path || w.Object != obj || w.Message != c.message {
				t.Errorf("warning %+v, want path %q, object %q, message %q", w, c.path, obj, c.message)
			}
			y := objectYAML(t, res, c.object)
			var meta struct {
				Metadata struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(y), &meta); err != nil {
				t.Fatal(err)
			}
			if got, want := meta.Metadata.Annotations[policy.WarningsAnnotation], c.path+": "+c.message; got != want {
				t.Errorf("annotation %q, want %q", got, want)
			}
			if strings.Contains(y, "http:") {
				t.Errorf("object still has an http match:\n%s", y)
			}
			if !strings.Contains(specYAML(t, res, c.object), c.spec) {
				t.Errorf("spec lacks %q:\n%s", c.spec, specYAML(t, res, c.object))
			}
		})
	}
}
