package k8snp_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func newSet() *policy.Set { return policy.NewSet(policy.DefaultNamespace("shop")) }

// specYAML renders the spec of the only emitted object whose name is name.
func specYAML(t *testing.T, res *k8snp.Result, name string) string {
	t.Helper()
	for _, np := range res.NetworkPolicies {
		if np.Name == name {
			y, err := yaml.Marshal(np.Spec)
			if err != nil {
				t.Fatal(err)
			}
			return string(y)
		}
	}
	t.Fatalf("no NetworkPolicy %q in %d objects", name, len(res.NetworkPolicies))
	return ""
}

// TestConstructs pins the exact translation of each peer kind, port kind, isolation and DNS.
func TestConstructs(t *testing.T) {
	tests := []struct {
		name   string
		newSet func() *policy.Set
		build  func(*policy.Set)
		opts   []k8snp.Option
		// warns: the options translate lossily here, with a warning.
		warns  bool
		object string
		want   string
	}{{
		name: "same-namespace service, TCP port; DNS to kube-dns",
		build: func(s *policy.Set) {
			s.Service("web").DefaultDenyEgress().AllowFrom("gateway").TCP(8080)
		},
		object: "web",
		want: `egress:
- ports:
  - port: 53
    protocol: TCP
  - port: 53
    protocol: UDP
  to:
  - namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: kube-system
    podSelector:
      matchLabels:
        k8s-app: kube-dns
ingress:
- from:
  - podSelector:
      matchLabels:
        app: gateway
  ports:
  - port: 8080
    protocol: TCP
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
- Egress
`,
	}, {
		name: "service in another namespace, UDP and SCTP",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom(policy.ServiceIn("edge", "proxy")).UDP(5000).SCTP(7000)
		},
		object: "web",
		want: `ingress:
- from:
  - namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: edge
    podSelector:
      matchLabels:
        app: proxy
  ports:
  - port: 7000
    protocol: SCTP
  - port: 5000
    protocol: UDP
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
`,
	}, {
		name: "whole namespace by name: no podSelector; all pods of own namespace: podSelector {}",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom(policy.Namespace("monitoring"), policy.SameNamespace()).TCP(9090)
		},
		object: "web",
		want: `ingress:
- from:
  - podSelector: {}
  - namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: monitoring
  ports:
  - port: 9090
    protocol: TCP
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
`,
	}, {
		name: "namespace selector with pods and expressions (canonical order), all namespaces",
		build: func(s *policy.Set) {
			s.Service("web").
				AllowFrom(policy.Namespaces(policy.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a", "b"}},
						{Key: "env", Operator: metav1.LabelSelectorOpExists},
					},
				}).Pods(policy.MatchLabels{"role": "client"})).TCP(80).
				AllowFrom(policy.AllNamespaces()).TCP(443).
				AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"role": "probe"})).TCP(8081)
		},
		object: "web",
		want: `ingress:
- from:
  - namespaceSelector: {}
  ports:
  - port: 443
    protocol: TCP
- from:
  - namespaceSelector: {}
    podSelector:
      matchLabels:
        role: probe
  ports:
  - port: 8081
    protocol: TCP
- from:
  - namespaceSelector:
      matchExpressions:
      - key: env
        operator: Exists
      - key: tier
        operator: In
        values:
        - a
        - b
    podSelector:
      matchLabels:
        role: client
  ports:
  - port: 80
    protocol: TCP
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
`,
	}, {
		name: "CIDRs with except, IPv4 before IPv6; egress isolation without DNS",
		build: func(s *policy.Set) {
			s.Service("web").WithoutDNS().
				AllowTo(policy.CIDR("2001:db8::/32", "2001:db8:1::/48"), policy.CIDR("192.0.2.0/24", "192.0.2.128/25", "192.0.2.64/26")).TCP(443)
		},
		opts:   []k8snp.Option{clusterCIDRs()},
		object: "web",
		want: `egress:
- ports:
  - port: 443
    protocol: TCP
  to:
  - ipBlock:
      cidr: 192.0.2.0/24
      except:
      - 192.0.2.128/25
      - 192.0.2.64/26
  - ipBlock:
      cidr: 2001:db8::/32
      except:
      - 2001:db8:1::/48
podSelector:
  matchLabels:
    app: web
policyTypes:
- Egress
`,
	}, {
		name: "any peer: a rule without from, which absorbs the other peers of its rule and of rules on the same ports",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom(policy.Any(), "gateway").TCP(80).AllowFrom("gateway").TCP(9000).
				AllowFrom("probe").TCP(80).AllowFrom(policy.Any()).UDP(53).AllowFrom("gateway").UDP(53)
		},
		object: "web",
		want: `ingress:
- from:
  - podSelector:
      matchLabels:
        app: gateway
  ports:
  - port: 9000
    protocol: TCP
- ports:
  - port: 80
    protocol: TCP
  - port: 53
    protocol: UDP
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
`,
	}, {
		name: "port kinds: range, named, protocol only (which absorbs its protocol's ports), none = all traffic",
		build: func(s *policy.Set) {
			s.Service("web").
				AllowFrom("a").PortRange(policy.TCP, 8000, 8100).NamedPort("metrics").UDP(53).
				AllowFrom("b").AllPorts(policy.UDP).UDP(514).TCP(22).
				AllowFrom("c")
		},
		object: "web",
		want: `ingress:
- from:
  - podSelector:
      matchLabels:
        app: a
  ports:
  - endPort: 8100
    port: 8000
    protocol: TCP
  - port: metrics
    protocol: TCP
  - port: 53
    protocol: UDP
- from:
  - podSelector:
      matchLabels:
        app: b
  ports:
  - port: 22
    protocol: TCP
  - protocol: UDP
- from:
  - podSelector:
      matchLabels:
        app: c
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
`,
	}, {
		name: "compaction: same ports merge peers, same peers merge ports, duplicates drop, all ports absorb",
		build: func(s *policy.Set) {
			s.Service("web").
				AllowFrom("a").TCP(80).
				AllowFrom("b").TCP(80).
				AllowFrom("a").TCP(443).
				AllowFrom("b").TCP(443).
				AllowFrom("b", "a").TCP(443, 80).
				AllowFrom("c").TCP(80).
				AllowFrom("c").
				AllowFrom("d").TCP(80)
		},
		object: "web",
		want: `ingress:
- from:
  - podSelector:
      matchLabels:
        app: a
  - podSelector:
      matchLabels:
        app: b
  ports:
  - port: 80
    protocol: TCP
  - port: 443
    protocol: TCP
- from:
  - podSelector:
      matchLabels:
        app: c
- from:
  - podSelector:
      matchLabels:
        app: d
  ports:
  - port: 80
    protocol: TCP
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
`,
	}, {
		name: "namespace default-deny isolates both directions; DNS kept",
		build: func(s *policy.Set) {
			s.Namespace("shop").DefaultDeny()
		},
		object: "namespace-defaults",
		want: `egress:
- ports:
  - port: 53
    protocol: TCP
  - port: 53
    protocol: UDP
  to:
  - namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: kube-system
    podSelector:
      matchLabels:
        k8s-app: kube-dns
podSelector: {}
policyTypes:
- Ingress
- Egress
`,
	}, {
		name: "ingress-only default-deny",
		build: func(s *policy.Set) {
			s.Namespace("shop").DefaultDenyIngress()
		},
		object: "namespace-defaults",
		want: `podSelector: {}
policyTypes:
- Ingress
`,
	}, {
		name: "egress default-deny without DNS denies all egress",
		build: func(s *policy.Set) {
			s.Service("batch").DefaultDenyEgress().WithoutDNS()
		},
		object: "batch",
		want: `podSelector:
  matchLabels:
    app: batch
policyTypes:
- Egress
`,
	}, {
		name: "DNS in kube-system itself is a plain podSelector; an explicit kube-dns rule merges with it",
		build: func(s *policy.Set) {
			s.ServiceIn("kube-system", "metrics").AllowTo(policy.KubeDNS()).UDP(53).TCP(53).AllowTo("api").TCP(443)
		},
		object: "metrics",
		want: `egress:
- ports:
  - port: 443
    protocol: TCP
  to:
  - podSelector:
      matchLabels:
        app: api
- ports:
  - port: 53
    protocol: TCP
  - port: 53
    protocol: UDP
  to:
  - podSelector:
      matchLabels:
        k8s-app: kube-dns
podSelector:
  matchLabels:
    app: metrics
policyTypes:
- Egress
`,
	}, {
		name: "custom DNS service and pod group with expression selector",
		newSet: func() *policy.Set {
			return policy.NewSet(policy.DefaultNamespace("shop"), policy.DNSService(policy.ServiceIn("dns", "coredns"), policy.Port{Protocol: policy.UDP, Port: 5353}))
		},
		build: func(s *policy.Set) {
			s.Pods("shop", "workers", policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "role", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"web"}},
			}}).DefaultDenyEgress()
		},
		object: "workers",
		want: `egress:
- ports:
  - port: 5353
    protocol: UDP
  to:
  - namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: dns
    podSelector:
      matchLabels:
        app: coredns
podSelector:
  matchExpressions:
  - key: role
    operator: NotIn
    values:
    - web
policyTypes:
- Egress
`,
	}, {
		name: "mirrored rule on the isolated other end is L4 only",
		build: func(s *policy.Set) {
			s.Service("db").AllowFrom("api").TCP(5432)
			s.Service("api").DefaultDenyEgress().WithoutDNS()
		},
		object: "api",
		want: `egress:
- ports:
  - port: 5432
    protocol: TCP
  to:
  - podSelector:
      matchLabels:
        app: db
podSelector:
  matchLabels:
    app: api
policyTypes:
- Egress
`,
	}, {
		name: "L7 widened: the L3/L4 part stays",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom("gateway").TCP(8080).HTTP("GET", "/health")
		},
		opts:   []k8snp.Option{k8snp.WidenL7()},
		warns:  true,
		object: "web",
		want: `ingress:
- from:
  - podSelector:
      matchLabels:
        app: gateway
  ports:
  - port: 8080
    protocol: TCP
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
`,
	}, {
		name: "CIDRs except the cluster's ranges inside them, merged with their own, sorted by address",
		build: func(s *policy.Set) {
			s.Service("web").WithoutDNS().
				AllowTo(policy.CIDR("10.0.0.0/8", "10.244.1.0/24", "10.0.1.0/24"), policy.CIDR("fd00::/8"), policy.CIDR("192.0.2.0/24")).TCP(443)
		},
		opts: []k8snp.Option{k8snp.ClusterCIDRs(netip.MustParsePrefix("fd00:10:244::/56"), netip.MustParsePrefix("10.244.0.0/16"),
			netip.MustParsePrefix("10.96.0.0/12"), netip.MustParsePrefix("172.18.0.0/16"))},
		object: "web",
		want: `egress:
- ports:
  - port: 443
    protocol: TCP
  to:
  - ipBlock:
      cidr: 10.0.0.0/8
      except:
      - 10.0.1.0/24
      - 10.96.0.0/12
      - 10.244.0.0/16
  - ipBlock:
      cidr: 192.0.2.0/24
  - ipBlock:
      cidr: fd00::/8
      except:
      - fd00:10:244::/56
podSelector:
  matchLabels:
    app: web
policyTypes:
- Egress
`,
	}, {
		name: "CIDR peers inside the cluster's ranges name no address: dropped with rules left without peers, isolation kept",
		build: func(s *policy.Set) {
			s.Service("web").WithoutDNS().
				AllowTo(policy.CIDR("10.244.1.0/24")).TCP(443).
				AllowTo(policy.CIDR("10.244.0.0/16"), "db").TCP(5432).
				AllowFrom(policy.CIDR("10.244.0.0/17"), policy.Host()).TCP(80)
		},
		opts:   []k8snp.Option{clusterCIDRs()},
		object: "web",
		want: `egress:
- ports:
  - port: 5432
    protocol: TCP
  to:
  - podSelector:
      matchLabels:
        app: db
podSelector:
  matchLabels:
    app: web
policyTypes:
- Ingress
- Egress
`,
	}, {
		name: "world as ipBlocks except the cluster's ranges",
		build: func(s *policy.Set) {
			s.Service("web").WithoutDNS().AllowTo(policy.World()).TCP(443)
		},
		opts: []k8snp.Option{k8snp.WorldAsIPBlock(), k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"),
			netip.MustParsePrefix("fd00:10:244::/56"), netip.MustParsePrefix("10.96.0.0/12"))},
		object: "web",
		want: `egress:
- ports:
  - port: 443
    protocol: TCP
  to:
  - ipBlock:
      cidr: 0.0.0.0/0
      except:
      - 10.96.0.0/12
      - 10.244.0.0/16
  - ipBlock:
      cidr: ::/0
      except:
      - fd00:10:244::/56
podSelector:
  matchLabels:
    app: web
policyTypes:
- Egress
`,
	}, {
		name: "world as ipBlocks",
		build: func(s *policy.Set) {
			s.Service("web").WithoutDNS().AllowTo(policy.World()).TCP(443)
		},
		opts:   []k8snp.Option{k8snp.WorldAsIPBlock()},
		warns:  true,
		object: "web",
		want: `egress:
- ports:
  - port: 443
    protocol: TCP
  to:
  - ipBlock:
      cidr: 0.0.0.0/0
  - ipBlock:
      cidr: ::/0
podSelector:
  matchLabels:
    app: web
policyTypes:
- Egress
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := newSet()
			if tt.newSet != nil {
				set = tt.newSet()
			}
			tt.build(set)
			res, err := k8snp.Compile(set, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.warns != (len(res.Warnings()) > 0) {
				t.Errorf("warnings: %v; want some: %v", res.Warnings(), tt.warns)
			}
			if got := specYAML(t, res, tt.object); got != tt.want {
				t.Errorf("spec of %s:\n%s\nwant:\n%s", tt.object, got, tt.want)
			}
		})
	}
}

// TestObjectMeta checks names, namespaces, labels, annotations and TypeMeta, and that a
// policy isolating nothing emits no object.
func TestObjectMeta(t *testing.T) {
	set := newSet()
	set.Service("web").Named("web-policy").
		WithLabels(map[string]string{"team": "shop", policy.ManagedByLabel: "someone-else"}).
		WithAnnotations(map[string]string{"owner": "ops@example.com"}).
		AllowFrom("gateway").TCP(80)
	set.Service("idle")
	res, err := k8snp.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NetworkPolicies) != 1 {
		t.Fatalf("got %d objects, want 1 (idle isolates nothing)", len(res.NetworkPolicies))
	}
	np := res.NetworkPolicies[0]
	want := metav1.ObjectMeta{
		Name:        "web-policy",
		Namespace:   "shop",
		Labels:      map[string]string{"team": "shop", policy.ManagedByLabel: policy.ManagedByValue},
		Annotations: map[string]string{"owner": "ops@example.com", policy.RolloutStageAnnotation: "workload"},
	}
	if got, _ := yaml.Marshal(np.ObjectMeta); string(got) != mustYAML(t, want) {
		t.Errorf("metadata:\n%s\nwant:\n%s", got, mustYAML(t, want))
	}
	if np.APIVersion != "networking.k8s.io/v1" || np.Kind != "NetworkPolicy" {
		t.Errorf("TypeMeta = %+v", np.TypeMeta)
	}
	if len(res.Warnings()) != 0 {
		t.Errorf("warnings: %v", res.Warnings())
	}
}

func mustYAML(t *testing.T, v any) string {
	t.Helper()
	y, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(y)
}

// TestRefusals checks that every intent NetworkPolicy cannot express is refused, all at
// once, with its path, construct and the option that would translate it.
func TestRefusals(t *testing.T) {
	type problem struct{ path, construct, option string }
	tests := []struct {
		name   string
		newSet func() *policy.Set
		build  func(*policy.Set)
		opts   []k8snp.Option
		want   []problem
	}{{
		name:  "cluster scope",
		build: func(s *policy.Set) { s.Cluster("guard").AllowFrom(policy.AllNamespaces()).TCP(80) },
		want:  []problem{{"cluster[guard]", "cluster scope", ""}},
	}, {
		name:  "host scope",
		build: func(s *policy.Set) { s.Host("nodes").AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(22) },
		want:  []problem{{"hosts[nodes]", "host scope", ""}},
	}, {
		name: "tiers and pass",
		build: func(s *policy.Set) {
			s.Tier("security", 10)
			s.Service("web").InTier("security", 1).PassFrom(policy.Any()).AllowFrom("a").TCP(80)
		},
		want: []problem{{"services[shop/web].tier", "tiers", ""}, {"services[shop/web].ingress[0]", "pass rules", ""}},
	}, {
		name:  "deny rules",
		build: func(s *policy.Set) { s.Service("web").DenyTo(policy.CIDR("192.0.2.0/24")).AllowTo("b").TCP(1) },
		want:  []problem{{"services[shop/web].egress[0]", "deny rules", "k8snp/clusternp.Compile exact"}},
	}, {
		// ClusterNetworkPolicy isolates egress only with nodes peers, lossy on Cilium.
		name:  "cluster-wide egress isolation",
		build: func(s *policy.Set) { s.Cluster("guard").AllowTo(policy.AllNamespaces()).TCP(80) },
		want:  []problem{{"cluster[guard]", "cluster scope", "k8snp/clusternp.Compile with k8snp/clusternp.Nodes()"}},
	}, {
		name: "audit mode, once even where mirrored",
		build: func(s *policy.Set) {
			s.Service("web").Audit().AllowFrom("api").TCP(80)
			s.Service("api").DefaultDenyEgress()
		},
		want: []problem{{"services[shop/web]", "audit mode", ""}},
	}, {
		// An audited isolation that holds only rules mirrored from enforced policies is
		// where audit mode was asked for: emitted, it would enforce the isolation.
		name: "audit mode of an isolation with only mirrored rules",
		build: func(s *policy.Set) {
			s.Service("api").DefaultDenyIngress().Audit()
			s.ServiceIn("edge", "web").AllowTo(policy.ServiceIn("shop", "api")).TCP(80)
		},
		want: []problem{{"services[shop/api]", "audit mode", ""}},
	}, {
		name: "service account and cluster-mesh peers",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom(policy.ServiceAccount("shop", "robot"), policy.Service("api").InCluster("east")).TCP(80)
		},
		want: []problem{
			{"services[shop/web].ingress[0].peers[0].serviceAccount", "service account peers", ""},
			{"services[shop/web].ingress[0].peers[1].cluster", "cluster-mesh peers", ""},
		},
	}, {
		name:  "FQDN",
		build: func(s *policy.Set) { s.Service("web").AllowTo(policy.FQDN("api.example.com")).TCP(443) },
		want:  []problem{{"services[shop/web].egress[0].peers[0]", "FQDN peers", ""}},
	}, {
		name: "entities",
		build: func(s *policy.Set) {
			s.Service("web").AllowTo(policy.World(), policy.WholeCluster(), policy.Host(), policy.RemoteNodes(), policy.KubeAPIServer()).TCP(443)
		},
		want: []problem{
			{"services[shop/web].egress[0].peers[0]", "world entity", "k8snp.WorldAsIPBlock()"},
			{"services[shop/web].egress[0].peers[1]", "cluster entity", ""},
			{"services[shop/web].egress[0].peers[2]", "host entity", ""},
			{"services[shop/web].egress[0].peers[3]", "remote-node entity", ""},
			{"services[shop/web].egress[0].peers[4]", "kube-apiserver entity", ""},
		},
	}, {
		name: "CIDR peers without the cluster's ranges",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom(policy.CIDR("192.0.2.0/24"), "a").TCP(80).AllowTo(policy.CIDR("2001:db8::/32")).TCP(443)
		},
		opts: []k8snp.Option{k8snp.WorldAsIPBlock(), k8snp.WidenL7()},
		want: []problem{
			{"services[shop/web].ingress[0].peers[0]", "CIDR peers", "k8snp.ClusterCIDRs(...) exact"},
			{"services[shop/web].egress[0].peers[0]", "CIDR peers", "k8snp.ClusterCIDRs(...) exact"},
		},
	}, {
		name: "world with the cluster's ranges but without WorldAsIPBlock",
		build: func(s *policy.Set) {
			s.Service("api").AllowTo(policy.World()).TCP(443)
		},
		opts: []k8snp.Option{clusterCIDRs()},
		want: []problem{{"services[shop/api].egress[0].peers[0]", "world entity", "k8snp.WorldAsIPBlock()"}},
	}, {
		name: "world stays refused for other entities under WorldAsIPBlock",
		build: func(s *policy.Set) {
			s.Service("web").AllowTo(policy.World(), policy.Host()).TCP(443)
		},
		opts: []k8snp.Option{k8snp.WorldAsIPBlock()},
		want: []problem{{"services[shop/web].egress[0].peers[1]", "host entity", ""}},
	}, {
		name: "ICMP, alone or with ports, once though mirrored",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom("ping").ICMP(8).AllowFrom("b").TCP(80).ICMPv6(128)
			s.Service("ping").DefaultDenyEgress()
		},
		want: []problem{
			{"services[shop/web].ingress[0].icmp", "ICMP", ""},
			{"services[shop/web].ingress[1].icmp", "ICMP", ""},
		},
	}, {
		name: "L7 HTTP and DNS",
		build: func(s *policy.Set) {
			s.Service("web").AllowFrom("a").TCP(80).HTTP("GET", "/").AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com")
		},
		want: []problem{
			{"services[shop/web].ingress[0].http", "L7 HTTP rules", "k8snp.WidenL7()"},
			{"services[shop/web].egress[0].dns", "L7 DNS rules", "k8snp.WidenL7()"},
		},
	}, {
		name: "custom DNS service that NetworkPolicy cannot select",
		newSet: func() *policy.Set {
			return policy.NewSet(policy.DefaultNamespace("shop"), policy.DNSService(policy.ServiceIn("dns", "coredns").WithServiceAccount("coredns"), policy.Port{Protocol: policy.UDP, Port: 53}))
		},
		build: func(s *policy.Set) {
			s.Service("a").DefaultDenyEgress()
			s.Service("b").DefaultDenyEgress()
		},
		want: []problem{{"options.dns.peer.serviceAccount", "service account peers", ""}},
	}, {
		name: "every problem at once, in policy order",
		build: func(s *policy.Set) {
			s.Cluster("guard").DenyTo(policy.CIDR("169.254.169.254/32"))
			s.Service("web").AllowTo(policy.FQDN("example.com")).TCP(443).DenyFrom("x")
		},
		want: []problem{
			{"cluster[guard]", "cluster scope", "k8snp/clusternp.Compile exact"},
			{"services[shop/web].ingress[0]", "deny rules", "k8snp/clusternp.Compile exact"},
			{"services[shop/web].egress[0].peers[0]", "FQDN peers", ""},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := newSet()
			if tt.newSet != nil {
				set = tt.newSet()
			}
			tt.build(set)
			res, err := k8snp.Compile(set, tt.opts...)
			var ce *policy.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("got result %v, error %v; want a *policy.CompileError", res, err)
			}
			if res != nil {
				t.Errorf("got a result with the error")
			}
			if ce.Backend != "k8snp" {
				t.Errorf("Backend = %q", ce.Backend)
			}
			var got []problem
			for _, p := range ce.Problems {
				got = append(got, problem{p.Path, p.Construct, golden.Fixes(p.Fixes)})
				if p.Detail == "" {
					t.Errorf("%s: empty detail", p.Path)
				}
				if !strings.Contains(err.Error(), p.Path+": "+p.Construct+": ") {
					t.Errorf("error text lacks %s: %s", p.Path, p.Construct)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems:\n%v\nwant:\n%v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("problem %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestCIDRRefusalDetail checks that refusing a CIDR peer says why (ipBlock over pod and
// node addresses differs between implementations) and that the option declares a fact
// rather than widening.
func TestCIDRRefusalDetail(t *testing.T) {
	set := newSet()
	set.Service("web").AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(80)
	_, err := k8snp.Compile(set)
	var ce *policy.CompileError
	if !errors.As(err, &ce) || len(ce.Problems) != 1 {
		t.Fatalf("got %v; want one problem", err)
	}
	p := ce.Problems[0]
	for _, word := range []string{"implementation-defined", "Calico and iptables-based CNIs match them", "Cilium does not"} {
		if !strings.Contains(p.Detail, word) {
			t.Errorf("detail lacks %q: %s", word, p.Detail)
		}
	}
	if golden.Fixes(p.Fixes) != "k8snp.ClusterCIDRs(...) exact" || !strings.Contains(err.Error(), "(option k8snp.ClusterCIDRs(...) makes it exact)") {
		t.Errorf("the option is not reported as declaring a fact: %v", err)
	}
}

// TestEntityRefusalsNameTheExactPeer checks that the refusals of the world and cluster
// entities name, in API terms, the peers that are exact.
func TestEntityRefusalsNameTheExactPeer(t *testing.T) {
	set := newSet()
	set.Service("web").AllowFrom(policy.World()).TCP(80).AllowFrom(policy.WholeCluster()).TCP(81)
	_, err := k8snp.Compile(set)
	var ce *policy.CompileError
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Fatalf("got %v; want two problems", err)
	}
	for i, want := range []string{"policy.Any() is exact", "policy.AllNamespaces() is exact"} {
		if d := ce.Problems[i].Detail; !strings.Contains(d, want) || strings.Contains(d, "{}") {
			t.Errorf("problem %d: detail %q lacks %q or speaks YAML", i, d, want)
		}
	}
}

// TestClusterCIDRsInvalid checks that bad ranges are an error naming the option and the
// range (internal/clusterrange has every case), and that ranges may come in two options.
func TestClusterCIDRsInvalid(t *testing.T) {
	set := newSet()
	set.Service("web").AllowFrom("a").TCP(80)
	p := netip.MustParsePrefix
	if _, err := k8snp.Compile(set, k8snp.ClusterCIDRs(p("10.244.1.0/16"))); err == nil ||
		!strings.Contains(err.Error(), "k8snp: invalid options: ClusterCIDRs[0]") || !strings.Contains(err.Error(), "host bits are set") {
		t.Errorf("host bits: %v", err)
	}
	if _, err := k8snp.Compile(set, k8snp.ClusterCIDRs()); err == nil || !strings.Contains(err.Error(), "ClusterCIDRs: Required value") {
		t.Errorf("no range: %v", err)
	}
	if _, err := k8snp.Compile(set, k8snp.ClusterCIDRs(p("10.244.0.0/16")), k8snp.ClusterCIDRs(p("10.96.0.0/12"), p("fd00::/8"))); err != nil {
		t.Errorf("disjoint ranges over two options: %v", err)
	}
}

// TestValidationErrorUnchanged checks that an invalid Set's error is returned as is.
func TestValidationErrorUnchanged(t *testing.T) {
	set := newSet()
	set.Service("web").AllowFrom("gateway").TCP(70000)
	_, err := k8snp.Compile(set)
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want *policy.ValidationError", err)
	}
	if want := set.Validate(); err.Error() != want.Error() {
		t.Errorf("error:\n%v\nwant:\n%v", err, want)
	}
}

// TestWidening checks that each lossy option produces a warning in the Result and the
// same message in the annotation of the affected object, and nothing on other objects.
func TestWidening(t *testing.T) {
	set := newSet()
	set.Service("web").
		WithAnnotations(map[string]string{"owner": "ops"}).
		AllowFrom("gateway").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
		AllowFrom("probe").TCP(8081).HTTPRequest(policy.HTTPMatch{Path: "/healthz", PathKind: policy.PathPrefix, Host: "web.shop", Headers: []policy.Header{{Name: "X-Probe", Value: "1"}}})
	set.Service("gateway").DefaultDenyEgress().
		AllowTo(policy.World()).TCP(443).
		AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com")
	res, err := k8snp.Compile(set, k8snp.WidenL7(), k8snp.WorldAsIPBlock())
	if err != nil {
		t.Fatal(err)
	}
	want := []policy.Warning{
		{Backend: "k8snp", Path: "services[shop/gateway].egress[0]", Object: "shop/gateway",
			Message: "egress to world on TCP/443: world is emitted as ipBlock 0.0.0.0/0 and ::/0; implementations may also match pod and node IPs against an ipBlock, so this can admit in-cluster traffic as well"},
		{Backend: "k8snp", Path: "services[shop/gateway].egress[1]", Object: "shop/gateway",
			Message: "egress to pods k8s-app=kube-dns in namespace kube-system on UDP/53: the DNS lookup match is dropped, so lookups of every name are admitted, not only *.example.com"},
		{Backend: "k8snp", Path: "services[shop/web].ingress[0]", Object: "shop/web",
			Message: "ingress from pods app=gateway in namespace shop on TCP/8080: the HTTP match is dropped, so every request is admitted, not only POST /orders; GET regex /orders/[0-9]+"},
		{Backend: "k8snp", Path: "services[shop/web].ingress[1]", Object: "shop/web",
			Message: "ingress from pods app=probe in namespace shop on TCP/8081: the HTTP match is dropped, so every request is admitted, not only any method prefix /healthz host web.shop header X-Probe: 1"},
	}
	if len(res.Warnings()) != len(want) {
		t.Fatalf("warnings:\n%v\nwant %d", res.Warnings(), len(want))
	}
	for i := range want {
		if res.Warnings()[i] != want[i] {
			t.Errorf("warning %d:\n%#v\nwant\n%#v", i, res.Warnings()[i], want[i])
		}
	}
	byName := map[string]*networkingv1.NetworkPolicy{}
	for _, np := range res.NetworkPolicies {
		byName[np.Name] = np
	}
	line := func(w policy.Warning) string { return w.Path + ": " + w.Message }
	if got, want := byName["gateway"].Annotations[policy.WarningsAnnotation], line(want[0])+"\n"+line(want[1]); got != want {
		t.Errorf("gateway annotation:\n%s\nwant:\n%s", got, want)
	}
	if got, want := byName["web"].Annotations, map[string]string{"owner": "ops", policy.RolloutStageAnnotation: "workload",
		policy.WarningsAnnotation: line(want[2]) + "\n" + line(want[3])}; mustYAML(t, got) != mustYAML(t, want) {
		t.Errorf("web annotations:\n%v\nwant:\n%v", got, want)
	}
	// gateway's mirrored egress to web was L4 only already: it carries no warning, which the
	// count of warnings above checks.
	if w := res.Warnings()[0].String(); !strings.HasPrefix(w, "k8snp: services[shop/gateway].egress[0]: egress to world") || !strings.HasSuffix(w, "(in shop/gateway)") {
		t.Errorf("Warning.String() = %q", w)
	}
}
