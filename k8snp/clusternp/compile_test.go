package clusternp_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

func clusterCIDRs() k8snp.Option { return k8snp.ClusterCIDRs(goldenClusterCIDRs...) }

// TestRefusals: what ClusterNetworkPolicy cannot express in a guardrail is refused with
// the construct and the option that would change it; k8snp's refusals of the rest of the
// Set follow.
func TestRefusals(t *testing.T) {
	type problem struct{ path, construct, fixes string }
	tests := []struct {
		name  string
		build func(*policy.Set)
		opts  []k8snp.Option
		want  []problem
	}{{
		name:  "CIDR peers without the cluster's ranges",
		build: func(s *policy.Set) { s.Cluster("g").DenyTo(policy.CIDR("169.254.169.254/32")) },
		want:  []problem{{"cluster[g].egress[0].peers[0]", "CIDR peers", "k8snp.ClusterCIDRs(...) exact"}},
	}, {
		name:  "ingress CIDR peers",
		build: func(s *policy.Set) { s.Cluster("g").DenyFrom(policy.CIDR("192.0.2.0/24")) },
		opts:  []k8snp.Option{clusterCIDRs()},
		want:  []problem{{"cluster[g].ingress[0].peers[0]", "ingress CIDR peers", ""}},
	}, {
		// The API admits domainNames in Accept rules only.
		name:  "FQDN peers in deny rules",
		build: func(s *policy.Set) { s.Cluster("g").DenyTo(policy.FQDN("example.com")) },
		opts:  []k8snp.Option{clusternp.DomainNames()},
		want:  []problem{{"cluster[g].egress[0].peers[0]", "FQDN peers in deny rules", ""}},
	}, {
		// Cilium admits the names' lookups at the domainNames rule's priority.
		name: "tiered FQDN allows before denies",
		build: func(s *policy.Set) {
			s.Tier("security", 10).DefaultPass()
			s.Cluster("g").InTier("security", 1).AllowTo(policy.FQDN("example.com")).TCP(443).DenyTo(policy.KubeDNS())
		},
		opts: []k8snp.Option{clusternp.DomainNames()},
		want: []problem{{"cluster[g].egress[0].peers[0]", "tiered FQDN allows before denies", ""}},
	}, {
		name: "FQDN peers in pass rules",
		build: func(s *policy.Set) {
			s.Tier("security", 10).DefaultPass()
			s.Cluster("g").InTier("security", 1).PassTo(policy.FQDN("example.com"))
		},
		opts: []k8snp.Option{clusternp.DomainNames()},
		want: []problem{{"cluster[g].egress[0].peers[0]", "FQDN peers in pass rules", ""}},
	}, {
		name:  "FQDN peers without DomainNames",
		build: func(s *policy.Set) { s.Cluster("g").AllowTo(policy.FQDN("example.com")).TCP(443) },
		opts:  []k8snp.Option{clusterCIDRs(), clusternp.Nodes()},
		want:  []problem{{"cluster[g].egress[0].peers[0]", "FQDN peers", "k8snp/clusternp.DomainNames() exact"}},
	}, {
		// The intent's *. spans one label, the API's one or more.
		name:  "FQDN patterns",
		build: func(s *policy.Set) { s.Cluster("g").AllowTo(policy.FQDN("*.example.com")).TCP(443) },
		opts:  []k8snp.Option{clusterCIDRs(), clusternp.Nodes(), clusternp.DomainNames()},
		want:  []problem{{"cluster[g].egress[0].peers[0]", "FQDN patterns", ""}},
	}, {
		name:  "named ports with FQDN peers",
		build: func(s *policy.Set) { s.Cluster("g").AllowTo(policy.FQDN("example.com")).NamedPort("https") },
		opts:  []k8snp.Option{clusterCIDRs(), clusternp.Nodes(), clusternp.DomainNames()},
		want:  []problem{{"cluster[g].egress[0].ports[0]", "named ports with FQDN peers", ""}},
	}, {
		name:  "entities",
		build: func(s *policy.Set) { s.Cluster("g").DenyTo(policy.KubeAPIServer()) },
		want:  []problem{{"cluster[g].egress[0].peers[0]", "kube-apiserver entity", ""}},
	}, {
		// Every peer includes nodes and the API server, which Cilium does not match by
		// networks: the deny would miss them.
		name:  "any peer without nodes peers",
		build: func(s *policy.Set) { s.Cluster("g").DenyTo(policy.Any()).TCP(25) },
		opts:  []k8snp.Option{clusterCIDRs()},
		want:  []problem{{"cluster[g].egress[0].peers[0]", "any peer", "k8snp/clusternp.Nodes()"}},
	}, {
		name:  "any peer without the cluster's ranges",
		build: func(s *policy.Set) { s.Cluster("g").DenyTo(policy.Any()).TCP(25) },
		opts:  []k8snp.Option{clusternp.Nodes()},
		want:  []problem{{"cluster[g].egress[0].peers[0]", "any peer", "k8snp.ClusterCIDRs(...) exact"}},
	}, {
		name:  "ICMP",
		build: func(s *policy.Set) { s.Cluster("g").DenyTo(policy.AllNamespaces()).ICMP(8) },
		want:  []problem{{"cluster[g].egress[0].icmp", "ICMP", ""}},
	}, {
		name: "named ports with CIDR peers",
		build: func(s *policy.Set) {
			s.Cluster("g").DenyTo(policy.CIDR("192.0.2.0/24"), policy.AllNamespaces()).NamedPort("http")
		},
		opts: []k8snp.Option{clusterCIDRs()},
		want: []problem{{"cluster[g].egress[0].ports[0]", "named ports with CIDR peers", ""}},
	}, {
		// Ingress peers are pods only: the isolation could not cut traffic from outside.
		name:  "cluster-wide ingress isolation",
		build: func(s *policy.Set) { s.Cluster("g").AllowFrom(policy.AllNamespaces()).TCP(80) },
		opts:  []k8snp.Option{clusterCIDRs(), clusternp.Nodes()},
		want:  []problem{{"cluster[g]", "cluster-wide ingress isolation", ""}},
	}, {
		name:  "cluster-wide egress isolation without nodes peers",
		build: func(s *policy.Set) { s.Cluster("g").AllowTo(policy.AllNamespaces()).TCP(80) },
		opts:  []k8snp.Option{clusterCIDRs()},
		want:  []problem{{"cluster[g]", "cluster-wide egress isolation", "k8snp/clusternp.Nodes()"}},
	}, {
		name:  "cluster-wide egress isolation without the cluster's ranges",
		build: func(s *policy.Set) { s.Cluster("g").DefaultDenyEgress() },
		opts:  []k8snp.Option{clusternp.Nodes()},
		want:  []problem{{"cluster[g]", "cluster-wide egress isolation", "k8snp.ClusterCIDRs(...) exact"}},
	}, {
		name:  "host entity",
		build: func(s *policy.Set) { s.Cluster("g").AllowTo(policy.Host()).TCP(10250) },
		opts:  []k8snp.Option{clusterCIDRs(), clusternp.Nodes()},
		want:  []problem{{"cluster[g].egress[0].peers[0]", "host entity", ""}},
	}, {
		name:  "audit mode",
		build: func(s *policy.Set) { s.Cluster("g").Audit().DenyTo(policy.AllNamespaces()).TCP(80) },
		want:  []problem{{"cluster[g]", "audit mode", ""}},
	}, {
		// The tier's end denies every destination: the nodes peer completes it.
		name: "tier end for egress without nodes peers",
		build: func(s *policy.Set) {
			s.Tier("security", 10)
			s.Cluster("g").InTier("security", 1).DenyTo(policy.AllNamespaces()).TCP(80)
		},
		opts: []k8snp.Option{clusterCIDRs()},
		want: []problem{{"cluster[g]", "tier end for egress", "k8snp/clusternp.Nodes()"}},
	}, {
		name: "tier end for ingress",
		build: func(s *policy.Set) {
			s.Tier("security", 10)
			s.Namespace("shop").InTier("security", 1).DenyFrom(policy.AllNamespaces()).TCP(80)
		},
		opts: []k8snp.Option{clusterCIDRs(), clusternp.Nodes()},
		want: []problem{{"namespaces[shop]", "tier end for ingress", ""}},
	}, {
		// The Pass would skip the untiered deny of the same pods too.
		name: "Pass before an untiered deny",
		build: func(s *policy.Set) {
			s.Tier("security", 10).DefaultPass()
			s.Cluster("g").InTier("security", 1).PassTo(policy.AllNamespaces()).TCP(80)
			s.ServiceIn("shop", "web").DenyTo(policy.ServiceIn("pay", "db"))
		},
		opts: []k8snp.Option{clusterCIDRs(), clusternp.Nodes()},
		want: []problem{{"cluster[g]", "Pass before later Admin-tier rules", ""}},
	}, {
		name: "Pass before a later tier",
		build: func(s *policy.Set) {
			s.Tier("security", 10).DefaultPass()
			s.Tier("platform", 20).DefaultPass()
			s.Cluster("g").InTier("security", 1).Select(policy.MatchLabels{"app": "web"}).PassTo(policy.AllNamespaces()).TCP(80)
			s.Cluster("h").InTier("platform", 1).InNamespaces(policy.MatchLabels{"env": "prod"}).DenyTo(policy.AllNamespaces())
		},
		opts: []k8snp.Option{clusterCIDRs(), clusternp.Nodes()},
		want: []problem{{"cluster[g]", "Pass before later Admin-tier rules", ""}},
	}, {
		name: "tiered audit mode",
		build: func(s *policy.Set) {
			s.Tier("security", 10).DefaultPass()
			s.Cluster("g").InTier("security", 1).Audit().DenyTo(policy.AllNamespaces()).TCP(80)
		},
		want: []problem{{"cluster[g]", "audit mode", ""}},
	}, {
		name: "object names",
		build: func(s *policy.Set) {
			s.Cluster("g").DenyTo(policy.AllNamespaces()).TCP(1).AllowTo(policy.AllNamespaces()).TCP(2)
			s.Cluster("g-deny").DenyTo(policy.AllNamespaces()).TCP(3)
		},
		opts: []k8snp.Option{clusterCIDRs(), clusternp.Nodes()},
		want: []problem{{"cluster[g]", "ClusterNetworkPolicy names", ""}},
	}, {
		name:  "namespaced deny from CIDR peers",
		build: func(s *policy.Set) { s.ServiceIn("shop", "web").DenyFrom(policy.CIDR("192.0.2.0/24")) },
		opts:  []k8snp.Option{clusterCIDRs()},
		want:  []problem{{"services[shop/web].ingress[0].peers[0]", "ingress CIDR peers", ""}},
	}, {
		name: "own refusals first, then k8snp's",
		build: func(s *policy.Set) {
			s.Cluster("g").DenyTo(policy.FQDN("example.com"))
			s.ServiceIn("shop", "web").AllowFrom(policy.ServiceIn("shop", "x")).TCP(80).HTTP("GET", "/")
		},
		want: []problem{
			{"cluster[g].egress[0].peers[0]", "FQDN peers in deny rules", ""},
			{"services[shop/web].ingress[0].http", "L7 HTTP rules", "k8snp.WidenL7()"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := policy.NewSet()
			tt.build(set)
			res, err := clusternp.Compile(set, tt.opts...)
			var ce *policy.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, %v; want a *policy.CompileError", res, err)
			}
			var got []problem
			for _, p := range ce.Problems {
				got = append(got, problem{p.Path, p.Construct, golden.Fixes(p.Fixes)})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("problems\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

// TestInvalidSet: an invalid Set's ValidationError comes back unchanged.
func TestInvalidSet(t *testing.T) {
	set := policy.NewSet()
	set.Cluster("Bad_Name").DenyTo(policy.AllNamespaces())
	_, err := clusternp.Compile(set)
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *policy.ValidationError", err)
	}
	if _, err := clusternp.Compile(nil); err == nil {
		t.Fatal("nil Set compiled")
	}
}

// TestSplit: a direction with more than 25 rules is split into objects of 25, never
// truncated, with distinct priorities in order.
func TestSplit(t *testing.T) {
	set := policy.NewSet()
	g := set.Cluster("g")
	for i := range 30 {
		g.DenyTo(policy.AllNamespaces()).TCP(1000 + i)
	}
	set.Cluster("h").DenyFrom(policy.AllNamespaces()).UDP(53)
	res, err := clusternp.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	rules := 0
	for _, c := range res.ClusterNetworkPolicies {
		got = append(got, fmt.Sprintf("%s:%d:%d", c.Name, c.Spec.Priority, len(c.Spec.Egress)+len(c.Spec.Ingress)))
		rules += len(c.Spec.Egress)
		if c.Spec.Tier != v1alpha2.AdminTier {
			t.Errorf("%s: tier %s", c.Name, c.Spec.Tier)
		}
	}
	if want := "[g:0:25 g-2:1:5 h:2:1]"; fmt.Sprint(got) != want {
		t.Errorf("objects %v, want %s", got, want)
	}
	if len(res.Objects()) != 3 {
		t.Errorf("Objects() holds %d objects", len(res.Objects()))
	}
	// A split whose next name is another guardrail's is refused, not renamed.
	set.Cluster("g-2").DenyTo(policy.AllNamespaces()).TCP(1)
	if _, err := clusternp.Compile(set); err == nil {
		t.Error("colliding split compiled")
	}
}

// TestNetworks: a CIDR peer's networks are the range minus its excepts and the cluster's
// ranges, as disjoint CIDRs; a peer inside the cluster's ranges names nothing and its
// rule is left out.
func TestNetworks(t *testing.T) {
	set := policy.NewSet()
	set.Cluster("g").
		DenyTo(policy.CIDR("10.0.0.0/8", "10.128.0.0/9")).TCP(80).
		DenyTo(policy.CIDR("10.244.1.0/24")).TCP(81)
	res, err := clusternp.Compile(set, k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))
	if err != nil {
		t.Fatal(err)
	}
	c := res.ClusterNetworkPolicies[0]
	if len(c.Spec.Egress) != 1 {
		t.Fatalf("egress %+v", c.Spec.Egress)
	}
	want := "[10.0.0.0/9]"
	if len(c.Spec.Egress[0].To) != 1 || fmt.Sprint(c.Spec.Egress[0].To[0].Networks) != "[10.0.0.0/9]" {
		t.Fatalf("networks %+v, want %s", c.Spec.Egress[0].To, want)
	}
}

// TestIndependent: the emitted objects share no memory with each other or with the Set,
// split objects included.
func TestIndependent(t *testing.T) {
	set := policy.NewSet()
	set.ServiceIn("shop", "web").AllowFrom(policy.ServiceIn("shop", "api")).TCP(80)
	g := set.Cluster("g").Select(policy.MatchLabels{"app": "web"})
	for i := range 27 {
		g.DenyTo(policy.Namespaces(policy.MatchLabels{"env": "dev"}), policy.CIDR("0.0.0.0/0", "10.0.0.0/8")).TCP(2000 + i)
	}
	set.Cluster("h").DenyFrom(policy.ServiceIn("ops", "x")).PortRange(policy.UDP, 5000, 5100)
	golden.Independent(t, set, nil, func(s *policy.Set) (*clusternp.Result, error) {
		return clusternp.Compile(s, clusterCIDRs())
	})
}

// TestLayout: deny rules, of cluster-wide and namespaced policies, come first in the
// Admin tier, then the cluster-wide allows with their DNS allowance, each decided before
// NetworkPolicy; the isolation is a Baseline-tier Deny of everything, applied last.
func TestLayout(t *testing.T) {
	set := policy.NewSet()
	set.ServiceIn("shop", "web").AllowFrom(policy.ServiceIn("shop", "api")).TCP(80).
		DenyTo(policy.ServiceIn("pay", "db")).TCP(5432)
	set.Cluster("prod").InNamespaces(policy.MatchLabels{"env": "prod"}).
		DenyTo(policy.CIDR("192.0.2.0/24")).
		AllowTo(policy.AllNamespaces()).TCP(443)
	set.Cluster("a-guard").DenyTo(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "db"})).UDP(53)
	res, err := clusternp.Compile(set, clusterCIDRs(), clusternp.Nodes())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.ClusterNetworkPolicies {
		var actions []string
		for _, r := range c.Spec.Ingress {
			actions = append(actions, "in:"+string(r.Action))
		}
		for _, r := range c.Spec.Egress {
			actions = append(actions, "out:"+string(r.Action))
		}
		got = append(got, fmt.Sprintf("%s %s/%d %v %s", c.Name, c.Spec.Tier, c.Spec.Priority, actions, c.Annotations[policy.RolloutStageAnnotation]))
	}
	want := []string{
		"a-guard Admin/0 [out:Deny] guardrail",
		"prod-deny Admin/1 [out:Deny] guardrail",
		"shop.web Admin/2 [out:Deny] guardrail",
		"prod Admin/3 [out:Accept out:Accept] guardrail",
		// prod isolates shop/api's egress: the Model derives a policy for those pods with
		// prod's allows and the edge to shop/web, mirrored.
		"prod-cdf8bc9f Admin/4 [out:Accept out:Accept out:Accept] guardrail",
		"prod-isolation Baseline/0 [out:Deny] cluster",
		"prod-cdf8bc9f-isolation Baseline/1 [out:Deny] cluster",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("objects\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	web := res.ClusterNetworkPolicies[2].Spec.Subject
	if web.Pods == nil || web.Pods.NamespaceSelector.MatchLabels[policy.NamespaceNameLabel] != "shop" || web.Pods.PodSelector.MatchLabels["app"] != "web" {
		t.Errorf("shop.web subject %+v", web)
	}
	if len(res.NetworkPolicies) != 1 || len(res.NetworkPolicies[0].Spec.Egress) != 0 {
		t.Errorf("NetworkPolicies %+v: want shop/web's ingress alone", res.NetworkPolicies)
	}
}
