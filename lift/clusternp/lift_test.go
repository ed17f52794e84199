package clusternp_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/lift"
	liftcnp "github.com/netintent/netintent/lift/clusternp"
	"github.com/netintent/netintent/policy"
)

// ranges are the cluster's ranges of the hand-written cases.
var ranges = lift.ClusterCIDRs(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"))

// namespaces declares the namespaces of the hand-written cases.
const namespaces = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: pay, labels: {team: pay}}
`

// everywhere is an egress peer list naming every destination with ranges: every pod,
// every node and every address outside 10.0.0.0/8 and fd00::/8.
const everywhere = `
    - namespaces: {}
    - nodes: {}
    - networks: [0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/1]
    - networks: ["::/1", "8000::/2", "c000::/3", "e000::/4", "f000::/5", "f800::/6", "fc00::/8", "fe00::/7"]
`

// webToDB is a NetworkPolicy isolating shop's web pods for egress, allowing db on TCP
// 5432.
const webToDB = `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]
`

func liftYAML(t *testing.T, manifests string, opts ...lift.Option) (*policy.Set, error) {
	t.Helper()
	objs, err := liftcnp.Decode(strings.NewReader(manifests))
	if err != nil {
		t.Fatal(err)
	}
	return liftcnp.Lift(objs, opts...)
}

var (
	web     = policy.PodEndpoint("shop", map[string]string{"app": "web"})
	db      = policy.PodEndpoint("shop", map[string]string{"app": "db"})
	gateway = policy.PodEndpoint("shop", map[string]string{"app": "gateway"})
	api     = policy.PodEndpoint("pay", map[string]string{"app": "api"})
	outside = policy.AddressEndpoint(netip.MustParseAddr("192.0.2.1"))
	node    = policy.RemoteNodeEndpoint(nil)
	kubeDNS = policy.PodEndpoint("kube-system", map[string]string{"k8s-app": "kube-dns"})
)

type flowCase struct {
	from, to policy.Endpoint
	proto    policy.Protocol
	port     int32
	allowed  bool
}

// TestLift: each mapping, judged by the reference evaluator on the lifted Set.
func TestLift(t *testing.T) {
	tests := []struct {
		name string
		// file holds the manifests, in testdata (internal/conformance/cnp judges them with
		// Cilium's engine too).
		file string
		// untiered says the Admin tier lifts without a tier.
		untiered bool
		flows    []flowCase
	}{{
		// Priorities order the Admin tier; Deny and Accept are final, Pass leaves the flow
		// to NetworkPolicy (which allows 5432 only).
		name: "admin tier",
		file: "admin-tier.yaml",
		flows: []flowCase{
			{web, db, policy.TCP, 22, false},      // Deny, first
			{web, db, policy.TCP, 5432, true},     // Pass, then the NetworkPolicy allows
			{web, db, policy.TCP, 5433, false},    // Pass, then the NetworkPolicy isolates
			{web, db, policy.TCP, 6000, true},     // Accept, final
			{web, outside, policy.TCP, 80, false}, // the NetworkPolicy isolates
			{web, kubeDNS, policy.UDP, 53, false}, // no DNS allowance anywhere
			{api, db, policy.TCP, 22, false},
			{api, db, policy.UDP, 5433, true}, // Accept; api is not isolated anyway
			{api, outside, policy.TCP, 80, true},
		},
	}, {
		// A Baseline Deny of every destination isolates: the NetworkPolicy decides for the
		// pods it isolates, the rest are denied.
		name:     "baseline isolation",
		file:     "baseline-isolation.yaml",
		untiered: true, // no Admin tier
		flows: []flowCase{
			{web, db, policy.TCP, 5432, true},
			{web, db, policy.TCP, 80, false},
			{web, outside, policy.TCP, 80, false},
			{gateway, db, policy.TCP, 5432, false},
			{api, outside, policy.TCP, 443, false},
			{api, node, policy.TCP, 443, false},
			{api, kubeDNS, policy.UDP, 53, false}, // NetworkPolicy keeps no DNS open
			{outside, db, policy.TCP, 5432, true}, // ingress is not isolated
		},
	}, {
		// Baseline Accepts before the Deny of everything, for pods no NetworkPolicy
		// isolates: one-sided allows of the isolated subject. Networks naming every address
		// outside the ranges are the world.
		name:     "baseline allows",
		file:     "baseline-allows.yaml",
		untiered: true, // no Admin tier
		flows: []flowCase{
			{api, db, policy.TCP, 5432, true},
			{api, db, policy.UDP, 9999, true},
			{api, db, policy.TCP, 5433, false},
			{api, outside, policy.TCP, 443, true},
			{api, outside, policy.TCP, 80, false},
			{api, web, policy.TCP, 5432, false},
			{web, outside, policy.TCP, 443, false}, // not selected: the NetworkPolicy isolates
			{gateway, outside, policy.TCP, 80, true},
		},
	}, {
		// An Accept opens its own end only: db's ingress is the NetworkPolicy's to allow.
		name: "accepts are one-sided",
		file: "accepts-are-one-sided.yaml",
		flows: []flowCase{
			{web, db, policy.TCP, 80, false},
			{gateway, db, policy.TCP, 80, true},
			{api, db, policy.TCP, 80, false},
			{api, web, policy.TCP, 80, false},
			{web, outside, policy.TCP, 80, true}, // no Baseline isolates shop: the Accept isolates nothing
		},
	}, {
		// An Accept before a Deny that may match the same flows keeps the Admin tier: the
		// first match decides, not "deny wins".
		name: "accept before deny",
		file: "accept-before-deny.yaml",
		flows: []flowCase{
			{web, db, policy.TCP, 22, true},
			{web, gateway, policy.TCP, 22, false},
			{web, gateway, policy.TCP, 80, false},
			{web, outside, policy.TCP, 80, false},
		},
	}, {
		// Denies first, then the Accepts of a subject the Baseline tier isolates: untiered
		// denies and an isolated subject's allows, as clusternp emits them.
		name:     "untiered",
		file:     "untiered.yaml",
		untiered: true,
		flows: []flowCase{
			{web, db, policy.TCP, 22, false},
			{web, kubeDNS, policy.UDP, 53, false},
			{web, db, policy.TCP, 80, true},
			{web, gateway, policy.TCP, 80, false},
			{gateway, db, policy.TCP, 80, true},
			{api, outside, policy.TCP, 80, false},
		},
	}, {
		// A Pass keeps the tier: it leaves the flow to the NetworkPolicy, past later Denies.
		name: "pass before deny",
		file: "pass-before-deny.yaml",
		flows: []flowCase{
			{web, db, policy.TCP, 5432, true},
			{gateway, db, policy.TCP, 5432, false},
			{web, gateway, policy.TCP, 5432, false},
			{web, gateway, policy.TCP, 80, true},
		},
	}, {
		// Equal priorities are fine where the subjects cannot share a pod.
		name: "equal priorities, disjoint subjects",
		file: "equal-priorities-disjoint-subjects.yaml",
		flows: []flowCase{
			{api, web, policy.TCP, 80, false},
			{api, db, policy.TCP, 80, true},
			{gateway, web, policy.TCP, 80, true},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			set, err := liftYAML(t, string(b), ranges)
			if err != nil {
				t.Fatal(err)
			}
			m, err := set.Model()
			if err != nil {
				t.Fatal(err)
			}
			if tiers := len(m.Tiers); (tiers == 0) != tt.untiered {
				t.Errorf("%d tiers, want untiered=%v", tiers, tt.untiered)
			}
			for _, f := range tt.flows {
				if v := m.Evaluate(policy.NewFlow(f.from, f.to, f.proto, f.port)); v.Allowed != f.allowed {
					t.Errorf("%v -> %v %s/%d: %s; want allowed=%v", f.from, f.to, f.proto, f.port, v, f.allowed)
				}
			}
		})
	}
}

// cnpDoc is a ClusterNetworkPolicy document named name with spec.
func cnpDoc(name, spec string) string {
	return "\n---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: " + name + "}\nspec:\n" + spec
}

// TestRefusals: what has no exact intent equivalent, or what the API server rejects, is
// refused with the object, the field path and why; every problem at once.
func TestRefusals(t *testing.T) {
	type problem struct{ object, path, why string }
	tests := []struct {
		name      string
		manifests string
		opts      []lift.Option
		want      []problem
	}{{
		name: "baseline accepts for pods a NetworkPolicy isolates",
		manifests: namespaces + webToDB + cnpDoc("b", `
  tier: Baseline
  priority: 0
  subject: {namespaces: {matchLabels: {team: shop}}}
  egress:
  - action: Accept
    to: [{namespaces: {}}]
  - action: Deny
    to:`+everywhere),
		opts: []lift.Option{ranges},
		want: []problem{{"ClusterNetworkPolicy b", "spec.egress[0]", "NetworkPolicy shop/web may isolate pods this policy selects"}},
	}, {
		name: "baseline accepts after an earlier overlapping baseline policy",
		manifests: namespaces + cnpDoc("first", `
  tier: Baseline
  priority: 0
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}
  egress:
  - action: Deny
    to:`+everywhere) + cnpDoc("second", `
  tier: Baseline
  priority: 1
  subject: {namespaces: {matchLabels: {team: shop}}}
  egress:
  - action: Accept
    to: [{namespaces: {}}]
  - action: Deny
    to:`+everywhere),
		opts: []lift.Option{ranges},
		want: []problem{{"ClusterNetworkPolicy second", "spec.egress[0]", "Baseline ClusterNetworkPolicy first comes first"}},
	}, {
		name: "baseline without a deny of everything",
		manifests: cnpDoc("b", `
  tier: Baseline
  priority: 0
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{namespaces: {}}]
`),
		opts: []lift.Option{ranges},
		want: []problem{{"ClusterNetworkPolicy b", "spec.egress[0]", "lifts as isolation only when its last egress rule denies every destination"}},
	}, {
		name: "baseline accept after a deny, baseline ingress",
		manifests: cnpDoc("b", `
  tier: Baseline
  priority: 0
  subject: {namespaces: {}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
  egress:
  - action: Deny
    to: [{namespaces: {}}]
    protocols: [{tcp: {destinationPort: {number: 22}}}]
  - action: Accept
    to: [{namespaces: {}}]
  - action: Deny
    to:`+everywhere),
		opts: []lift.Option{ranges},
		want: []problem{
			{"ClusterNetworkPolicy b", "spec.ingress", "a Baseline ingress rule"},
			{"ClusterNetworkPolicy b", "spec.egress[1]", "a Baseline Accept or Pass after a Deny"},
		},
	}, {
		name: "equal priorities, overlapping subjects",
		manifests: namespaces + cnpDoc("a", `
  tier: Admin
  priority: 3
  subject: {namespaces: {matchLabels: {team: shop}}}
  egress: [{action: Deny, to: [{namespaces: {}}]}]
`) + cnpDoc("b", `
  tier: Admin
  priority: 3
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}
  egress: [{action: Accept, to: [{namespaces: {}}]}]
`),
		want: []problem{{"ClusterNetworkPolicy b", "spec.priority", "ClusterNetworkPolicy a has the same priority and may select the same pods"}},
	}, {
		name: "networks without the cluster's ranges, inside them; nodes; domain names",
		manifests: cnpDoc("a", `
  tier: Admin
  priority: 0
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [192.0.2.0/24]}]}
  - {action: Deny, to: [{nodes: {}}]}
  - {action: Deny, to: [{domainNames: [example.com]}]}
`) + cnpDoc("b", `
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}
`),
		want: []problem{
			{"ClusterNetworkPolicy a", "spec.egress[0].to[0].networks[0]", "declare the cluster's ranges with lift.ClusterCIDRs"},
			{"ClusterNetworkPolicy a", "spec.egress[1].to[0].nodes", "nodes {} names every node and the API server"},
			{"ClusterNetworkPolicy a", "spec.egress[2].to[0].domainNames", "domainNames peers"},
			{"ClusterNetworkPolicy b", "spec.egress[0].to[0].networks[0]", "declare the cluster's ranges"},
		},
	}, {
		name: "networks inside the cluster's ranges, named ports with networks",
		manifests: cnpDoc("a", `
  tier: Admin
  priority: 0
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}
  - {action: Deny, to: [{networks: [192.0.2.0/24]}], protocols: [{destinationNamedPort: http}]}
`),
		opts: []lift.Option{ranges},
		want: []problem{
			{"ClusterNetworkPolicy a", "spec.egress[0].to[0].networks[0]", "0.0.0.0/0 overlaps the cluster's range 10.0.0.0/8"},
			{"ClusterNetworkPolicy a", "spec.egress[1].protocols[0].destinationNamedPort", "the CRD forbids named ports"},
		},
	}, {
		// The API server's rejections, with a NetworkPolicy's problems: all at once.
		name: "invalid objects",
		manifests: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {}
  egress: [{to: [{ipBlock: {cidr: 192.0.2.0/24}}]}]
  policyTypes: [Egress]
` + cnpDoc("a", `
  tier: Middle
  priority: 2000
  subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}
`) + cnpDoc("b", `
  tier: Admin
  priority: 0
  subject: {namespaces: {}}
  ingress:
  - action: Allow
    from: [{namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}]
    protocols: [{tcp: {destinationPort: {number: 0}}}, {tcp: {}, udp: {}}]
`) + cnpDoc("c", `
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{networks: [192.0.2.0/24]}]
    protocols: [{destinationNamedPort: http}, {udp: {}}, {sctp: {destinationPort: {range: {start: 80, end: 80}}}}]
`),
		want: []problem{
			{"NetworkPolicy shop/np", "spec.egress[0].to[0].ipBlock", "lift.ClusterCIDRs"},
			{"ClusterNetworkPolicy a", "spec.priority", "between 0 and 1000"},
			{"ClusterNetworkPolicy a", "spec.subject", "exactly one of namespaces and pods"},
			{"ClusterNetworkPolicy b", "spec.ingress[0].action", "Unsupported value"},
			{"ClusterNetworkPolicy b", "spec.ingress[0].from[0]", "exactly one of namespaces and pods"},
			{"ClusterNetworkPolicy b", "spec.ingress[0].protocols[0].tcp.destinationPort", "exactly one of number and range"},
			{"ClusterNetworkPolicy b", "spec.ingress[0].protocols[1]", "exactly one of tcp, udp, sctp and destinationNamedPort"},
			{"ClusterNetworkPolicy c", "spec.egress[0].to[0].networks[0]", "declare the cluster's ranges"},
			{"ClusterNetworkPolicy c", "spec.egress[0].protocols[1].udp.destinationPort", "the CRD requires a port or a range"},
			{"ClusterNetworkPolicy c", "spec.egress[0].protocols[2].sctp.destinationPort.range", "start < end"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := liftYAML(t, tt.manifests, tt.opts...)
			var le *lift.Error
			if !errors.As(err, &le) {
				t.Fatalf("want a *lift.Error, got %v", err)
			}
			var got []problem
			for _, p := range le.Problems {
				got = append(got, problem{p.Object, p.Err.Field, p.Err.Error()})
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(got), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(g problem) bool {
					return g.object == w.object && g.path == w.path && strings.Contains(g.why, w.why)
				}) {
					t.Errorf("missing %s: %s: ...%s...; got\n%v", w.object, w.path, w.why, err)
				}
			}
		})
	}
}
