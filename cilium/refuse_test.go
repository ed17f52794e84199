package cilium_test

import (
	"errors"
	"github.com/netintent/netintent/internal/golden"
	"strings"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/policy"
)

// refusal is one expected problem of a CompileError.
type refusal struct {
	path, construct, option string
}

// TestRefusals checks that every intent Cilium cannot express exactly is refused with its
// path, the missing construct and the option that would translate it lossily, all at once.
func TestRefusals(t *testing.T) {
	cases := []struct {
		name  string
		build func() *policy.Set
		want  []refusal
	}{
		{"tiers and pass", func() *policy.Set {
			s := policy.NewSet()
			s.Tier("security", 10)
			s.Cluster("threats").InTier("security", 1).DenyFrom(policy.CIDR("198.51.100.0/24")).PassFrom(policy.Any())
			return s
		}, []refusal{
			{"cluster[threats].tier", "tiers", ""},
			{"cluster[threats].ingress[1].action", "pass rules", ""},
		}},
		{"a regex path whose '$' does not end it", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").TCP(80).HTTPRegex("GET", "/ok").HTTPRegex("GET", "/v1$/x")
			return s
		}, []refusal{{"services[shop/web].ingress[0].http[1].path", "HTTP regex paths", ""}}},
		{"audit", func() *policy.Set {
			s := shop()
			s.Namespace("shop").DefaultDeny().Audit()
			s.Service("web").AllowFrom("api").TCP(80)
			return s
		}, []refusal{{"namespaces[shop]", "audit mode", "cilium.OmitAudit()"}}},
		{"audited isolation holding only mirrored rules", func() *policy.Set {
			s := shop()
			s.Service("api").DefaultDenyEgress().Audit()
			s.Service("web").AllowFrom("api").TCP(80)
			return s
		}, []refusal{{"services[shop/api]", "audit mode", "cilium.OmitAudit()"}}},
		{"fqdn deny", func() *policy.Set {
			s := shop()
			s.Service("web").DenyTo(policy.FQDN("evil.example.com"), policy.CIDR("192.0.2.0/24"))
			return s
		}, []refusal{{"services[shop/web].egress[0].peers[0]", "FQDN peers in deny rules", ""}}},
		{"icmp code of a deny rule whose peers are all refused", func() *policy.Set {
			s := shop()
			s.Service("web").DenyTo(policy.FQDN("evil.example.com")).ICMP(3, 4)
			return s
		}, []refusal{
			{"services[shop/web].egress[0].peers[0]", "FQDN peers in deny rules", ""},
			{"services[shop/web].egress[0].icmp[0].code", "ICMP codes", "cilium.WidenICMPCodes()"},
		}},
		{"icmp code", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").ICMP(3, 4)
			return s
		}, []refusal{{"services[shop/web].ingress[0].icmp[0].code", "ICMP codes", "cilium.WidenICMPCodes()"}}},
		{"http on a host policy", func() *policy.Set {
			s := policy.NewSet()
			s.Host("nodes").AllowFrom(policy.WholeCluster()).TCP(10250).HTTP("GET", "/healthz")
			return s
		}, []refusal{{"hosts[nodes].ingress[0].http", "HTTP rules", "cilium.WidenL7()"}}},
		{"http on all ports", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").AllPorts(policy.TCP).HTTP("GET", "/")
			return s
		}, []refusal{{"services[shop/web].ingress[0].http", "HTTP rules", "cilium.WidenL7()"}}},
		{"header values", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").TCP(80).HTTPRequest(policy.HTTPMatch{Headers: []policy.Header{
				{Name: "X-A", Value: " padded"}, {Name: "X-B", Value: "1"}, {Name: "x-b", Value: "2"}}})
			return s
		}, []refusal{{"services[shop/web].ingress[0].http", "HTTP rules", "cilium.WidenL7()"}}},
		{"fqdn with dns on all ports", func() *policy.Set {
			s := policy.NewSet(policy.DefaultNamespace("shop"), policy.DNSService(policy.KubeDNS(), policy.Port{Protocol: policy.UDP}))
			s.Service("web").AllowTo(policy.FQDN("api.example.com")).TCP(443)
			return s
		}, []refusal{{"options.dns", "DNS lookups for FQDN peers", ""}}},
		{"unmatchable label keys", func() *policy.Set {
			s := shop()
			s.Pods("shop", "sts-0", policy.MatchLabels{"statefulset.kubernetes.io/pod-name": "db-0"}).
				AllowFrom(policy.Pods(policy.MatchLabels{"io.cilium.k8s.policy.serviceaccount": "x"})).TCP(5432)
			s.Host("node-a").Select(policy.MatchLabels{"kubernetes.io/hostname": "node-a"}).AllowFrom(policy.World()).TCP(22)
			return s
		}, []refusal{
			{"hosts[node-a].selector", "node label key kubernetes.io/hostname", ""},
			{"pods[shop/sts-0].selector", "pod label key statefulset.kubernetes.io/pod-name", ""},
			{"pods[shop/sts-0].ingress[0].peers[0].pods", "pod label key io.cilium.k8s.policy.serviceaccount", ""},
		}},
		// A namespace label reaches identities as io.cilium.k8s.namespace.labels.<key>: the
		// default filter drops it when the key matches .*beta\.kubernetes\.io, in peers
		// and in the namespace selectors of cluster-wide subjects alike. Its neighbours
		// topology.kubernetes.io/region (dropped as a pod label, kept under the prefix) and
		// beta.kubernetes (no ".io") pass.
		{"unmatchable namespace label keys", func() *policy.Set {
			s := shop()
			s.Service("web").
				AllowFrom(policy.Namespaces(policy.MatchLabels{"failure-domain.beta.kubernetes.io/region": "eu"})).TCP(80).
				AllowFrom(policy.Namespaces(policy.MatchLabels{"topology.kubernetes.io/region": "eu", "beta.kubernetes": "x"})).TCP(81)
			s.Cluster("zone").InNamespaces(policy.MatchLabels{"node.beta.kubernetes.io/instance-type": "x"}).
				DenyFrom(policy.World()).TCP(22)
			return s
		}, []refusal{
			{"cluster[zone].namespaceSelector", "namespace label key node.beta.kubernetes.io/instance-type", ""},
			{"services[shop/web].ingress[0].peers[0].namespaces", "namespace label key failure-domain.beta.kubernetes.io/region", ""},
		}},
		{"icmp type 0", func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").ICMP(8).ICMP(0).ICMPv6(0)
			return s
		}, []refusal{
			{"services[shop/web].ingress[0].icmp[1].type", "ICMP type 0", ""},
			{"services[shop/web].ingress[0].icmp[2].type", "ICMP type 0", ""},
		}},
		// Translations of peers are shared: every rule naming the peer still refuses its
		// keys, in key order whatever the map's.
		{"unmatchable keys of a peer named by several rules", func() *policy.Set {
			s := shop()
			bad := policy.Pods(policy.MatchLabels{"pod-template-hash": "x", "controller-revision-hash": "y", "app": "z"})
			s.Service("web").AllowFrom(bad).TCP(80)
			s.Service("web").AllowFrom(bad, policy.Service("api")).TCP(81)
			s.Service("api").AllowFrom(bad).TCP(82)
			return s
		}, []refusal{
			{"services[shop/api].ingress[0].peers[0].pods", "pod label key controller-revision-hash", ""},
			{"services[shop/api].ingress[0].peers[0].pods", "pod label key pod-template-hash", ""},
			{"services[shop/web].ingress[0].peers[0].pods", "pod label key controller-revision-hash", ""},
			{"services[shop/web].ingress[0].peers[0].pods", "pod label key pod-template-hash", ""},
			{"services[shop/web].ingress[1].peers[0].pods", "pod label key controller-revision-hash", ""},
			{"services[shop/web].ingress[1].peers[0].pods", "pod label key pod-template-hash", ""},
		}},
		// Services' peers take a path of their own (servicePeer) only when the service label
		// is one Cilium can match.
		{"unmatchable service label", func() *policy.Set {
			s := policy.NewSet(policy.DefaultNamespace("shop"), policy.ServiceLabel("pod-template-hash"))
			s.Service("web").AllowFrom("api", policy.ServiceIn("edge", "gateway")).TCP(80)
			return s
		}, []refusal{
			{"services[shop/web].selector", "pod label key pod-template-hash", ""},
			{"services[shop/web].ingress[0].peers[0].pods", "pod label key pod-template-hash", ""},
			{"services[shop/web].ingress[0].peers[1].pods", "pod label key pod-template-hash", ""},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := cilium.Compile(c.build())
			var ce *policy.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, %v; want a *policy.CompileError", res, err)
			}
			if ce.Backend != cilium.Name {
				t.Errorf("Backend = %q", ce.Backend)
			}
			var got []refusal
			for _, p := range ce.Problems {
				got = append(got, refusal{p.Path, p.Construct, golden.Fixes(p.Fixes)})
				if p.Detail == "" {
					t.Errorf("%s: %s: no detail", p.Path, p.Construct)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("problems:\n%v\nwant:\n%v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("problem %d = %+v, want %+v", i, got[i], c.want[i])
				}
			}
			if !strings.Contains(err.Error(), c.want[0].path) {
				t.Errorf("error text does not name %s:\n%v", c.want[0].path, err)
			}
		})
	}
}

// TestOptions checks that each option turns its refusal into a translation, reported as
// a warning and in the object's annotation, and that the result is what the option says.
func TestOptions(t *testing.T) {
	t.Run("WidenICMPCodes", func(t *testing.T) {
		s := shop()
		s.Service("web").AllowFrom("api").ICMP(3, 4)
		res := compileOK(t, s, cilium.WidenICMPCodes())
		assertWarned(t, res, "shop/web", "services[shop/web].ingress[0].icmp[0].code", "ICMP code 4 dropped")
		fields := res.CiliumNetworkPolicies[0].Spec.Ingress[0].ICMPs[0].Fields
		if len(fields) != 1 || fields[0].Type.String() != "3" {
			t.Errorf("icmps = %+v, want type 3", fields)
		}
	})
	t.Run("WidenL7", func(t *testing.T) {
		s := policy.NewSet()
		s.Host("nodes").AllowFrom(policy.WholeCluster()).TCP(10250).HTTP("GET", "/healthz")
		res := compileOK(t, s, cilium.WidenL7())
		assertWarned(t, res, "nodes", "hosts[nodes].ingress[0]", "HTTP matches dropped")
		in := res.CiliumClusterwideNetworkPolicies[0].Spec.Ingress
		if len(in) != 1 || in[0].ToPorts[0].Rules != nil || in[0].ToPorts[0].Ports[0].Port != "10250" {
			t.Errorf("ingress = %+v, want TCP 10250 without L7", in)
		}
	})
	t.Run("OmitAudit", func(t *testing.T) {
		s := shop()
		s.Namespace("shop").DefaultDeny().Audit()
		s.Service("web").AllowFrom("api").TCP(80)
		res := compileOK(t, s, cilium.OmitAudit())
		// The namespace's audited isolation holds api's side of the edge from api to web
		// (mirrored), so api's audited policy goes too.
		var omitted []string
		for _, w := range res.Warnings() {
			if w.Path != "namespaces[shop]" || !strings.Contains(w.Message, "not emitted") {
				t.Errorf("warning = %v", w)
			}
			omitted = append(omitted, w.Object)
		}
		if strings.Join(omitted, " ") != "shop/api shop/namespace-defaults" {
			t.Errorf("omitted %v, want shop/api and shop/namespace-defaults", omitted)
		}
		if len(res.CiliumNetworkPolicies) != 1 || res.CiliumNetworkPolicies[0].Name != "web" {
			t.Errorf("objects = %v, want only web", res.Objects())
		}
	})
	t.Run("LocalCluster", func(t *testing.T) {
		s := shop()
		s.Service("db").AllowFrom("api", policy.Service("api").InCluster("east")).TCP(5432)
		res := compileOK(t, s, cilium.LocalCluster("west"))
		if len(res.Warnings()) > 0 {
			t.Errorf("warnings = %v", res.Warnings())
		}
		var clusters []string
		for _, es := range res.CiliumNetworkPolicies[0].Spec.Ingress[0].FromEndpoints {
			clusters = append(clusters, es.MatchLabels["io.cilium.k8s.policy.cluster"])
		}
		if strings.Join(clusters, ",") != "west,east" && strings.Join(clusters, ",") != "east,west" {
			t.Errorf("clusters = %v, want east and west", clusters)
		}
		// Parsed with the agent's policy-default-local-cluster off, the selectors keep
		// their clusters.
		for _, o := range res.CiliumNetworkPolicies {
			rules, err := o.DeepCopy().Parse(quiet, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, es := range rules[0].Ingress[0].FromEndpoints {
				if _, ok := es.MatchLabels["any:io.cilium.k8s.policy.cluster"]; !ok {
					t.Errorf("parsed selector %v has no cluster", es)
				}
			}
		}
	})
}

func compileOK(t *testing.T, s *policy.Set, opts ...cilium.Option) *cilium.Result {
	t.Helper()
	res, err := cilium.Compile(s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	parseAll(t, res)
	return res
}

// assertWarned checks that the result carries exactly one warning, for object at path,
// containing msg, and that the object's annotation says the same.
func assertWarned(t *testing.T, res *cilium.Result, object, path, msg string) {
	t.Helper()
	if len(res.Warnings()) != 1 {
		t.Fatalf("warnings = %v, want one", res.Warnings())
	}
	w := res.Warnings()[0]
	if w.Backend != cilium.Name || w.Object != object || w.Path != path || !strings.Contains(w.Message, msg) {
		t.Errorf("warning = %+v, want %s at %s in %s", w, msg, path, object)
	}
	for _, o := range res.Objects() {
		name := o.GetName()
		if o.GetNamespace() != "" {
			name = o.GetNamespace() + "/" + name
		}
		if name != object {
			continue
		}
		if got := o.GetAnnotations()[policy.WarningsAnnotation]; got != path+": "+w.Message {
			t.Errorf("annotation = %q, want %q", got, path+": "+w.Message)
		}
		return
	}
	t.Errorf("no object %s", object)
}
