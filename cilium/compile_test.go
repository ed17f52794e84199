package cilium_test

import (
	"path/filepath"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// unitCase is one construct, compiled to the golden file testdata/unit/<name>.yaml.
type unitCase struct {
	name  string
	build func() *policy.Set
}

func shop() *policy.Set { return policy.NewSet(policy.DefaultNamespace("shop")) }

// unitCases covers every construct the backend expresses, one or a few per Set.
func unitCases() []unitCase {
	return []unitCase{
		{"peer-service", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").TCP(8080)
			return s
		}},
		{"peer-service-in", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom(policy.ServiceIn("edge", "gateway")).TCP(8080)
			return s
		}},
		{"peer-namespace", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom(policy.Namespace("monitoring")).TCP(9090)
			return s
		}},
		{"peer-namespace-selector", func() *policy.Set {
			s := shop()
			s.Namespace("tools").Labels(map[string]string{"team": "ops"})
			s.Service("web").
				AllowFrom(policy.Namespaces(policy.MatchLabels{"team": "ops"}).Pods(policy.MatchLabels{"role": "prober"})).TCP(8080).
				AllowFrom(policy.Namespaces(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "team", Operator: "NotIn", Values: []string{"ops"}}}})).TCP(8081).
				AllowFrom(policy.Namespaces(policy.MatchLabels{policy.NamespaceNameLabel: "tools"})).TCP(8082).
				AllowFrom(policy.Namespaces(policy.Everything())).TCP(8083)
			return s
		}},
		{"peer-all-namespaces", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "prometheus"})).TCP(9090)
			return s
		}},
		{"peer-service-account", func() *policy.Set {
			s := shop()
			s.Service("db").AllowFrom(policy.ServiceAccount("shop", "orders")).TCP(5432).
				AllowFrom(policy.Service("api").WithServiceAccount("reader")).TCP(5433)
			return s
		}},
		{"peer-cluster-mesh", func() *policy.Set {
			s := shop()
			s.Service("db").AllowFrom(policy.Service("api").InCluster("east"), policy.ServiceIn("edge", "api").InCluster("west")).TCP(5432)
			return s
		}},
		{"peer-cidr", func() *policy.Set {
			s := shop()
			s.Service("web").
				AllowFrom(policy.CIDR("198.51.100.0/24", "198.51.100.128/25")).TCP(443).
				AllowTo(policy.CIDR("2001:db8::/32", "2001:db8:1::/48")).TCP(443)
			return s
		}},
		{"peer-fqdn", func() *policy.Set {
			s := shop()
			s.Service("payments").AllowTo(policy.FQDN("api.example.com"), policy.FQDN("*.example.org"), policy.FQDN("**.example.net")).TCP(443)
			return s
		}},
		{"peer-fqdn-without-dns", func() *policy.Set {
			s := shop()
			s.Service("payments").WithoutDNS().AllowTo(policy.FQDN("api.example.com"), policy.FQDN("*.example.org")).TCP(443)
			return s
		}},
		{"peer-entities", func() *policy.Set {
			s := shop()
			s.Service("web").
				AllowFrom(policy.Host(), policy.RemoteNodes()).TCP(8080).
				AllowTo(policy.World()).TCP(443).
				AllowTo(policy.WholeCluster()).TCP(8443).
				AllowTo(policy.KubeAPIServer()).TCP(6443)
			return s
		}},
		{"peer-any", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom(policy.Any()).TCP(80).AllowTo(policy.Any())
			return s
		}},
		{"peer-kinds-mixed", func() *policy.Set {
			s := shop()
			s.Service("web").AllowTo("db", policy.CIDR("203.0.113.0/24"), policy.World(), policy.FQDN("api.example.com")).TCP(443)
			return s
		}},
		{"ports", func() *policy.Set {
			s := shop()
			s.Service("web").
				AllowFrom("api").TCP(80, 443).UDP(53).SCTP(3868).
				AllowFrom("batch").PortRange(policy.TCP, 8000, 8100).NamedPort("metrics").AllPorts(policy.UDP)
			return s
		}},
		{"icmp", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").ICMP(8).ICMPv6(128).AllowFrom("batch").TCP(80).ICMP(3)
			return s
		}},
		{"http", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").TCP(8080).
				HTTP("GET", "/v1/items.json").
				HTTPPrefix("GET", "/static/").
				HTTPRegex("PUT", "/items/[0-9]+").
				HTTPRequest(policy.HTTPMatch{Method: "POST", Path: "/submit", Host: "shop.example.com",
					Headers: []policy.Header{{Name: "X-Tenant", Value: "a b"}, {Name: "Content-Type", Value: "application/json"}}}).
				GRPC("shop.v1.Orders", "Get")
			return s
		}},
		{"dns-lookups", func() *policy.Set {
			s := shop()
			s.Service("web").WithoutDNS().AllowTo(policy.KubeDNS()).UDP(53).TCP(53).DNS("*.svc.cluster.local", "example.com")
			return s
		}},
		{"dns-lookups-and-allowance", func() *policy.Set {
			s := shop()
			s.Service("web").DefaultDenyEgress().AllowTo(policy.KubeDNS()).UDP(53).DNS("*.svc.cluster.local")
			return s
		}},
		{"fqdn-http", func() *policy.Set {
			s := shop()
			s.Service("web").AllowTo(policy.FQDN("api.example.com")).TCP(80).HTTPPrefix("GET", "/v1/")
			return s
		}},
		{"deny", func() *policy.Set {
			s := shop()
			s.Service("web").DenyFrom(policy.Namespace("guest")).DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80).ICMP(8)
			return s
		}},
		{"deny-any", func() *policy.Set {
			s := policy.NewSet()
			s.Cluster("no-smtp").DenyTo(policy.Any()).TCP(25).DenyFrom(policy.World()).ICMP(8)
			return s
		}},
		{"deny-from-everything", func() *policy.Set {
			s := shop()
			s.Service("db").DenyFrom(policy.Any()).TCP(22).DenyFrom(policy.WholeCluster()).TCP(23).
				AllowFrom("api").TCP(5432).DenyTo(policy.Any()).TCP(25)
			s.Cluster("no-telnet").DenyFrom(policy.WholeCluster()).TCP(23)
			s.Host("nodes").DenyFrom(policy.Any()).TCP(2379)
			return s
		}},
		{"deny-and-allow", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom(policy.AllNamespaces()).TCP(8080).DenyFrom(policy.Namespace("guest")).TCP(8080)
			return s
		}},
		{"default-deny", func() *policy.Set {
			s := shop()
			s.Namespace("shop").DefaultDeny()
			return s
		}},
		{"default-deny-without-dns", func() *policy.Set {
			s := shop()
			s.Namespace("shop").DefaultDeny().WithoutDNS()
			return s
		}},
		{"default-deny-egress", func() *policy.Set {
			s := shop()
			s.Namespace("shop").AllowSameNamespace().DefaultDenyEgress()
			return s
		}},
		{"cluster", func() *policy.Set {
			s := policy.NewSet()
			s.Namespace("prod").Labels(map[string]string{"env": "prod"})
			s.Cluster("prod-web").InNamespaces(policy.MatchLabels{"env": "prod"}).Select(policy.MatchLabels{"app": "web"}).
				AllowFrom(policy.Namespace("ingress")).TCP(8080).
				DenyTo(policy.World()).TCP(25)
			s.Cluster("not-dev").InNamespaces(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: "NotIn", Values: []string{"dev"}}}}).
				DenyFrom(policy.Namespace("dev"))
			return s
		}},
		{"host", func() *policy.Set {
			s := policy.NewSet()
			s.Host("ssh-bastion").Select(policy.MatchLabels{"node-access": "ssh"}).
				AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(22).
				AllowFrom(policy.WholeCluster()).
				AllowTo(policy.Any())
			return s
		}},
		{"host-nodes", func() *policy.Set {
			s := policy.NewSet()
			s.Host("kubelet").AllowFrom(policy.RemoteNodes()).TCP(10250).AllowFrom(policy.Host()).TCP(10255).
				AllowFrom(policy.ServiceIn("monitoring", "prometheus")).TCP(9100)
			return s
		}},
		{"merge", func() *policy.Set {
			s := shop()
			s.Service("web").
				AllowFrom("a").TCP(80).
				AllowFrom("b").TCP(80).
				AllowFrom("a").TCP(443).
				AllowFrom("b").TCP(443).
				AllowFrom("c").TCP(80).
				AllowFrom("c").
				AllowFrom("a").TCP(80)
			return s
		}},
		{"mirrored", func() *policy.Set {
			s := shop()
			s.Service("api").DefaultDeny()
			s.Service("web").AllowFrom("api").TCP(8080)
			return s
		}},
		{"metadata", func() *policy.Set {
			s := shop()
			s.Service("web").Named("web-ingress").
				WithLabels(map[string]string{"team": "shop"}).
				WithAnnotations(map[string]string{"owner": "shop@example.com"}).
				AllowFrom("api").TCP(8080)
			return s
		}},
	}
}

// TestConstructs compiles every unit case and compares the manifest with its golden file; every
// manifest must also survive the strict round trip and Cilium's own parser.
func TestConstructs(t *testing.T) {
	for _, c := range unitCases() {
		t.Run(c.name, func(t *testing.T) {
			res, err := cilium.Compile(c.build())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings()) > 0 {
				t.Errorf("unexpected warnings: %v", res.Warnings())
			}
			y, err := res.YAML()
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", "unit", c.name+".yaml"), y)
			golden.RoundTrip(t, y, newObject)
			parseAll(t, res)
		})
	}
}

// TestServicePeers checks that the peers of services, which servicePeer translates on a
// path of its own, come out as the same pods named by a selector do: in the policy's own
// namespace and another, with a service account, a cluster, the local cluster, in a
// clusterwide policy and mirrored; and that a rule naming both has one peer.
func TestServicePeers(t *testing.T) {
	type peers struct{ service, selector policy.Peer }
	api := func(ns string) peers {
		return peers{policy.ServiceIn(ns, "api"), policy.PodsIn(ns, policy.MatchLabels{"app": "api"})}
	}
	with := func(p peers, f func(policy.Peer) policy.Peer) peers { return peers{f(p.service), f(p.selector)} }
	cases := []struct {
		name string
		peer peers
		opts []cilium.Option
	}{
		{"own namespace", api("shop"), nil},
		{"other namespace", api("edge"), nil},
		{"service account", with(api("edge"), func(p policy.Peer) policy.Peer { return p.WithServiceAccount("reader") }), nil},
		{"own namespace and service account", with(api("shop"), func(p policy.Peer) policy.Peer { return p.WithServiceAccount("reader") }), nil},
		{"cluster", with(api("edge"), func(p policy.Peer) policy.Peer { return p.InCluster("east") }), nil},
		{"local cluster", api("edge"), []cilium.Option{cilium.LocalCluster("west")}},
		{"everything", with(api("edge"), func(p policy.Peer) policy.Peer { return p.WithServiceAccount("reader").InCluster("east") }),
			[]cilium.Option{cilium.LocalCluster("west")}},
	}
	compile := func(t *testing.T, opts []cilium.Option, peers ...any) string {
		t.Helper()
		s := shop()
		s.Namespace("edge").DefaultDeny() // mirrors the rules into edge's pods
		s.Service("web").AllowFrom(peers...).TCP(8080).AllowTo(peers...).TCP(9090)
		s.Cluster("guard").DenyFrom(peers...).TCP(22)
		res, err := cilium.Compile(s, opts...)
		if err != nil {
			t.Fatal(err)
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		return string(y)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			service, selector := compile(t, c.opts, c.peer.service), compile(t, c.opts, c.peer.selector)
			if service != selector {
				t.Errorf("a service's pods:\n%s\nthe same pods by selector:\n%s", service, selector)
			}
			if both := compile(t, c.opts, c.peer.service, c.peer.selector); both != service {
				t.Errorf("a rule naming both:\n%s\nwant one peer, as in:\n%s", both, service)
			}
		})
	}
}

// TestPodPeersDistinct checks that pod peers differing in one field keep translations of
// their own, although equal ones share one (see podKey): a rule naming both has both.
func TestPodPeersDistinct(t *testing.T) {
	sel := policy.MatchLabels{"role": "worker"}
	cases := []struct {
		name string
		a, b policy.Peer
	}{
		{"namespace", policy.PodsIn("edge", sel), policy.PodsIn("tools", sel)},
		{"pods", policy.PodsIn("edge", sel), policy.PodsIn("edge", policy.MatchLabels{"role": "batch"})},
		{"service account", policy.PodsIn("edge", sel), policy.PodsIn("edge", sel).WithServiceAccount("robot")},
		{"cluster", policy.PodsIn("edge", sel), policy.PodsIn("edge", sel).InCluster("east")},
		{"namespace selector", policy.Namespaces(policy.MatchLabels{"team": "a"}).Pods(sel), policy.Namespaces(policy.MatchLabels{"team": "b"}).Pods(sel)},
	}
	compile := func(t *testing.T, peers ...any) string {
		t.Helper()
		s := shop()
		s.Service("web").AllowFrom(peers...).TCP(8080)
		res, err := cilium.Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		return string(y)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b, both := compile(t, c.a), compile(t, c.b), compile(t, c.a, c.b)
			if a == b {
				t.Fatalf("the two peers translate alike:\n%s", a)
			}
			if both == a || both == b {
				t.Errorf("a rule naming both peers has one of them:\n%s", both)
			}
		})
	}
}
