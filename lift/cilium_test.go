package lift_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
)

// liftCilium decodes Cilium manifests and lifts them with lift.Lift.
func liftCilium(t *testing.T, manifests string, opts ...lift.Option) (*policy.Set, error) {
	t.Helper()
	objs, err := lift.Decode(strings.NewReader(manifests))
	if err != nil {
		t.Fatal(err)
	}
	return lift.Lift(objs, opts...)
}

func mustLiftCilium(t *testing.T, manifests string, opts ...lift.Option) *policy.Model {
	t.Helper()
	set, err := liftCilium(t, manifests, opts...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// cnp is a CiliumNetworkPolicy in namespace shop with the given spec (indented by two).
func cnp(name, spec string) string {
	return "---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: " + name + ", namespace: shop}\nspec:\n" + spec
}

// ccnp is a CiliumClusterwideNetworkPolicy with the given spec.
func ccnp(name, spec string) string {
	return "---\napiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: " + name + "}\nspec:\n" + spec
}

var (
	other      = pod("other", map[string]string{"app": "gateway"})
	teamA      = policy.Endpoint{Kind: policy.EndpointPod, Namespace: "data", NamespaceLabels: map[string]string{"team": "a"}, Labels: map[string]string{"app": "db"}}
	node       = policy.NodeEndpoint(map[string]string{"role": "worker"})
	remoteNode = policy.RemoteNodeEndpoint(map[string]string{"role": "worker"})
	apiServer  = policy.KubeAPIServerEndpoint()
	outside    = policy.AddressEndpoint(netip.MustParseAddr("203.0.113.9"))
	excepted   = policy.AddressEndpoint(netip.MustParseAddr("203.0.113.200"))
	health     = policy.Endpoint{Kind: policy.EndpointSystem, Component: policy.ComponentHealth}
	east       = policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": "gateway"}, Cluster: "east"}
)

func named(ep policy.Endpoint, name string, pt policy.Port) policy.Endpoint {
	ep.NamedPorts = map[string]policy.Port{name: pt}
	return ep
}

func httpFlow(from, to policy.Endpoint, method, target string) policy.Flow {
	f := policy.NewFlow(from, to, policy.TCP, 8080)
	f.HTTP = &policy.HTTPRequest{Method: method, Path: target}
	return f
}

func icmpFlow(from, to policy.Endpoint, family policy.IPFamily, typ int32) policy.Flow {
	f := policy.NewFlow(from, to, "", 0)
	f.ICMP = &policy.ICMP{Family: family, Type: typ}
	return f
}

// TestCiliumMappings lifts each construct and checks what the Set allows where Cilium's
// meaning differs from the intent's defaults or depends on the construct's reading.
func TestCiliumMappings(t *testing.T) {
	tests := []struct {
		name      string
		manifests string
		opts      []lift.Option
		flows     []flowCase
	}{
		{"one-sided: an ingress allow does not open the peer's isolated egress", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress: [{fromEndpoints: [{matchLabels: {app: gateway}}], toPorts: [{ports: [{port: "80", protocol: TCP}]}]}]
`) + cnp("gateway", `
  endpointSelector: {matchLabels: {app: gateway}}
  egress: [{toEntities: [world]}]
`), nil, []flowCase{
			{"gateway to web", policy.NewFlow(gateway, web, policy.TCP, 80), false},
			{"gateway to the world", policy.NewFlow(gateway, outside, policy.TCP, 443), true},
		}},
		{"egress isolation keeps no DNS", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  egress: [{toEntities: [world]}]
`), nil, []flowCase{
			{"web to kube-dns", policy.NewFlow(web, kubeDNS, policy.UDP, 53), false},
		}},
		{"a deny-only policy isolates its direction", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  egressDeny: [{toEntities: [world]}]
`), nil, []flowCase{
			{"web to the world", policy.NewFlow(web, outside, policy.TCP, 443), false},
			{"web to gateway", policy.NewFlow(web, gateway, policy.TCP, 80), false},
			{"gateway to web (ingress not isolated)", policy.NewFlow(gateway, web, policy.TCP, 80), true},
		}},
		{"enableDefaultDeny false: denies only", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  enableDefaultDeny: {egress: false}
  egressDeny: [{toEntities: [world]}]
`), nil, []flowCase{
			{"web to the world", policy.NewFlow(web, outside, policy.TCP, 443), false},
			{"web to gateway", policy.NewFlow(web, gateway, policy.TCP, 80), true},
		}},
		{"enableDefaultDeny true without rules of the direction isolates nothing", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  enableDefaultDeny: {egress: true, ingress: true}
  ingress: [{fromEndpoints: [{matchLabels: {app: gateway}}]}]
`), nil, []flowCase{
			{"web to the world", policy.NewFlow(web, outside, policy.TCP, 443), true},
			{"gateway to web", policy.NewFlow(gateway, web, policy.TCP, 80), true},
			{"other's gateway to web", policy.NewFlow(other, web, policy.TCP, 80), false},
		}},
		{"an empty rule only isolates; none selects nothing", cnp("web", `
  endpointSelector: {}
  ingress: [{}]
  egress: [{toEntities: [none]}]
`), nil, []flowCase{
			{"other's gateway to web", policy.NewFlow(other, web, policy.TCP, 80), false},
			{"web to the world", policy.NewFlow(web, outside, policy.TCP, 443), false},
			{"the node to web (kubelet)", policy.NewFlow(node, web, policy.TCP, 80), true},
		}},
		{"selectors: own namespace unless named; namespace labels; service account", `
apiVersion: v1
kind: Namespace
metadata: {name: data, labels: {team: a}}
` + cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints:
    - {matchLabels: {app: gateway}}
    - {matchLabels: {k8s:io.kubernetes.pod.namespace: other}}
    - {matchLabels: {io.cilium.k8s.namespace.labels.team: a, app: db}}
`), nil, []flowCase{
			{"gateway to web", policy.NewFlow(gateway, web, policy.TCP, 80), true},
			{"other namespace to web", policy.NewFlow(other, web, policy.TCP, 80), true},
			{"team a's db to web", policy.NewFlow(teamA, web, policy.TCP, 80), true},
			{"web to web", policy.NewFlow(web, web, policy.TCP, 80), false},
			{"gateway of a remote cluster", policy.NewFlow(east, web, policy.TCP, 80), false},
		}},
		{"cluster label with LocalCluster", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints:
    - {matchLabels: {app: gateway, io.cilium.k8s.policy.cluster: east}}
    - {matchLabels: {app: db, io.cilium.k8s.policy.cluster: home}}
`), []lift.Option{lift.LocalCluster("home")}, []flowCase{
			{"east's gateway to web", policy.NewFlow(east, web, policy.TCP, 80), true},
			{"local gateway to web", policy.NewFlow(gateway, web, policy.TCP, 80), false},
			{"local db to web", policy.NewFlow(pod("shop", map[string]string{"app": "db"}), web, policy.TCP, 80), true},
		}},
		{"clusterwide: subject and peers in every namespace", ccnp("web", `
  endpointSelector: {matchLabels: {app: web}, matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}
  ingress: [{fromEndpoints: [{matchLabels: {app: gateway}}]}]
`), nil, []flowCase{
			{"other's gateway to web", policy.NewFlow(other, web, policy.TCP, 80), true},
			{"web to web", policy.NewFlow(web, web, policy.TCP, 80), false},
		}},
		{"entities and reserved selectors", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEntities: [remote-node]
  - fromEndpoints: [{matchLabels: {reserved:kube-apiserver: ""}}]
  egress:
  - toEntities: [host]
  - toEndpoints: [{matchLabels: {reserved:remote-node: ""}}]
  - toCIDRSet: [{cidr: 203.0.113.0/24, except: [203.0.113.128/25]}]
`), nil, []flowCase{
			{"a remote node to web", policy.NewFlow(remoteNode, web, policy.TCP, 80), true},
			{"the API server to web", policy.NewFlow(apiServer, web, policy.TCP, 80), true},
			{"health to web", policy.NewFlow(health, web, policy.TCP, 80), false},
			{"web to its node", policy.NewFlow(web, node, policy.TCP, 10250), true},
			{"web to a remote node", policy.NewFlow(web, remoteNode, policy.TCP, 10250), true},
			{"web to the CIDR", policy.NewFlow(web, outside, policy.TCP, 443), true},
			{"web to the except", policy.NewFlow(web, excepted, policy.TCP, 443), false},
			{"web to the world", policy.NewFlow(web, policy.AddressEndpoint(netip.MustParseAddr("198.51.100.1")), policy.TCP, 443), false},
		}},
		{"cluster and all", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress: [{fromEntities: [cluster]}]
  egress: [{toEntities: [all], toPorts: [{ports: [{port: "443", protocol: TCP}]}]}]
`), nil, []flowCase{
			{"health to web", policy.NewFlow(health, web, policy.TCP, 80), true},
			{"the world to web", policy.NewFlow(outside, web, policy.TCP, 80), false},
			{"web to the world on 443", policy.NewFlow(web, outside, policy.TCP, 443), true},
			{"web to the world on 80", policy.NewFlow(web, outside, policy.TCP, 80), false},
		}},
		{"no peer field with ports: every peer", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress: [{toPorts: [{ports: [{port: "80"}]}]}]
`), nil, []flowCase{
			{"the world to web on 80", policy.NewFlow(outside, web, policy.TCP, 80), true},
			{"the world to web on UDP 80 (ANY)", policy.NewFlow(outside, web, policy.UDP, 80), true},
			{"the world to web on SCTP 80 (ANY)", policy.NewFlow(outside, web, policy.SCTP, 80), true},
			{"the world to web on 81", policy.NewFlow(outside, web, policy.TCP, 81), false},
		}},
		{"ports: ranges, named, every port, ICMP by name", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints: [{}]
    toPorts: [{ports: [{port: "8000", endPort: 8010, protocol: TCP}, {port: http-alt, protocol: TCP}, {port: "0", protocol: UDP}]}]
  - fromEndpoints: [{}]
    icmps: [{fields: [{type: EchoRequest}, {family: IPv6, type: 128}]}]
`), nil, []flowCase{
			{"8005", policy.NewFlow(gateway, web, policy.TCP, 8005), true},
			{"8011", policy.NewFlow(gateway, web, policy.TCP, 8011), false},
			{"named port", policy.NewFlow(gateway, named(web, "http-alt", policy.Port{Protocol: policy.TCP, Port: 9000}), policy.TCP, 9000), true},
			{"any UDP port", policy.NewFlow(gateway, web, policy.UDP, 5353), true},
			{"echo request", icmpFlow(gateway, web, policy.IPv4, 8), true},
			{"echo reply", icmpFlow(gateway, web, policy.IPv4, 0), false},
			{"ICMPv6 echo request", icmpFlow(gateway, web, policy.IPv6, 128), true},
		}},
		{"HTTP: exact, prefix and regex paths, literal methods", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: gateway}}]
    toPorts:
    - ports: [{port: "8080", protocol: TCP}]
      rules:
        http:
        - {method: GET, path: '/orders(?:[?#].*)?'}
        - {method: POST, path: '/api/.*'}
        - {path: '/items/[0-9]+(?:[?#].*)?'}
`), nil, []flowCase{
			{"GET /orders?page=2", httpFlow(gateway, web, "GET", "/orders?page=2"), true},
			{"GET /orders/1", httpFlow(gateway, web, "GET", "/orders/1"), false},
			{"PUT /orders", httpFlow(gateway, web, "PUT", "/orders"), false},
			{"POST /api/v1", httpFlow(gateway, web, "POST", "/api/v1"), true},
			{"DELETE /items/12?x", httpFlow(gateway, web, "DELETE", "/items/12?x"), true},
			{"DELETE /items/a", httpFlow(gateway, web, "DELETE", "/items/a"), false},
		}},
		{"FQDN with its lookups through the DNS proxy", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  egress:
  - toEndpoints: [{matchLabels: {io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}], rules: {dns: [{matchPattern: "*.stripe.com"}]}}]
  - toFQDNs: [{matchPattern: "*.stripe.com"}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
`), nil, []flowCase{
			{"web to api.stripe.com", policy.NewFlow(web, policy.NamedAddressEndpoint(netip.MustParseAddr("198.51.100.1"), "api.stripe.com"), policy.TCP, 443), true},
			{"web to example.com", policy.NewFlow(web, policy.NamedAddressEndpoint(netip.MustParseAddr("198.51.100.2"), "example.com"), policy.TCP, 443), false},
			{"lookup of api.stripe.com", policy.Flow{From: web, To: kubeDNS, Protocol: policy.UDP, Port: 53, DNSQuery: "api.stripe.com"}, true},
			{"lookup of example.com", policy.Flow{From: web, To: kubeDNS, Protocol: policy.UDP, Port: 53, DNSQuery: "example.com"}, false},
		}},
		{"host policy", ccnp("nodes", `
  nodeSelector: {matchLabels: {role: worker}}
  ingress: [{fromEntities: [remote-node]}]
`), nil, []flowCase{
			{"a remote node to the node", policy.NewFlow(remoteNode, node, policy.TCP, 22), true},
			{"the world to the node", policy.NewFlow(outside, node, policy.TCP, 22), false},
		}},
		{"ingress deny of pods without the node: WholeCluster", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  enableDefaultDeny: {ingress: false}
  ingressDeny:
  - fromEntities: [remote-node, kube-apiserver, health, ingress, init, unmanaged]
  - fromEndpoints: [{matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}]
`), nil, []flowCase{
			{"health to web", policy.NewFlow(health, web, policy.TCP, 80), false},
			{"gateway to web", policy.NewFlow(gateway, web, policy.TCP, 80), false},
			{"the node to web", policy.NewFlow(node, web, policy.TCP, 80), true},
			{"the world to web", policy.NewFlow(outside, web, policy.TCP, 80), true},
		}},
		{"specs: one subject each", `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: two, namespace: shop}
specs:
- endpointSelector: {matchLabels: {app: web}}
  ingress: [{fromEndpoints: [{matchLabels: {app: gateway}}]}]
- endpointSelector: {matchLabels: {app: gateway}}
  egress: [{toEndpoints: [{matchLabels: {app: web}}]}]
`, nil, []flowCase{
			{"gateway to web", policy.NewFlow(gateway, web, policy.TCP, 80), true},
			{"gateway to the world", policy.NewFlow(gateway, outside, policy.TCP, 80), false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFlows(t, mustLiftCilium(t, tt.manifests, tt.opts...), tt.flows)
		})
	}
}

// TestCiliumRefused lifts constructs without an exact intent equivalent: each is refused
// with its field path and reason, and all problems are reported at once.
func TestCiliumRefused(t *testing.T) {
	tests := []struct {
		name, manifests string
		// want are field paths and parts of their reasons, in order.
		want [][2]string
	}{
		{"peer fields", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromRequires: ["k8s:env=prod"]
  egress:
  - toServices: [{k8sService: {serviceName: db, namespace: shop}}]
  - toGroups: [{aws: {labels: {a: b}}}]
`), [][2]string{
			{"spec.ingress[0].fromRequires", "no requirement that spans rules"},
			{"spec.egress[0].toServices", "Kubernetes Service's backends"},
			{"spec.egress[1].toGroups", "cloud provider groups"},
		}},
		{"nodes by labels", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  egress: [{toNodes: [{}]}]
`), [][2]string{
			{"spec", "enable-node-selector-labels"},
		}},
		{"port rule fields and authentication", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints: [{}]
    authentication: {mode: required}
  egress:
  - toEndpoints: [{}]
    toPorts: [{ports: [{port: "443", protocol: TCP}], serverNames: [a.example]}]
  - toEndpoints: [{}]
    toPorts: [{ports: [{port: "443", protocol: TCP}], terminatingTLS: {secret: {name: s}}, originatingTLS: {secret: {name: s}}}]
`), [][2]string{
			{"spec.ingress[0].authentication", "mutual authentication"},
			{"spec.egress[0].toPorts[0].serverNames", "server name"},
			{"spec.egress[1].toPorts[0].terminatingTLS", "TLS interception"},
			{"spec.egress[1].toPorts[0].originatingTLS", "TLS origination"},
		}},
		{"HTTP", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints: [{}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
      rules:
        http:
        - {path: /orders}
        - {method: 'GET|POST'}
        - {headers: [X-Debug]}
        - {headerMatches: [{name: X-Token, value: a, mismatch: LOG}]}
        - {path: '/a.b(?:[?#].*)?'}
`), [][2]string{
			{"spec.ingress[0].toPorts[0].rules.http[0].path", "admits /orders with no query string only"},
			{"spec.ingress[0].toPorts[0].rules.http[1].method", "the intent's methods are exact"},
			{"spec.ingress[0].toPorts[0].rules.http[2].headers[0]", "presence only"},
			{"spec.ingress[0].toPorts[0].rules.http[3].headerMatches[0]", "mismatch action"},
			{"spec.ingress[0].toPorts[0].rules.http[4].path", "'.' matches '?' or '#'"},
		}},
		{"selectors", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEntities: [health]
  - fromEndpoints:
    - {matchLabels: {app: gateway, io.cilium.k8s.policy.cluster: east}}
    - {matchLabels: {pod-template-hash: abc}}
    - {matchExpressions: [{key: io.kubernetes.pod.namespace, operator: NotIn, values: [kube-system]}]}
    - {matchLabels: {reserved:health: ""}}
    - {matchLabels: {container:app: x}}
`), [][2]string{
			{"spec.ingress[1].fromEndpoints[0].matchLabels[io.cilium.k8s.policy.cluster]", "lift.LocalCluster"},
			{"spec.ingress[1].fromEndpoints[1].matchLabels[pod-template-hash]", "identity label filter drops this key"},
			{"spec.ingress[1].fromEndpoints[2]", "also matches identities that have none"},
			{"spec.ingress[1].fromEndpoints[3]", "use the entities"},
			{"spec.ingress[1].fromEndpoints[4].matchLabels[container:app]", `source "container"`},
			{"spec.ingress[0].fromEntities[0]", "health alone has no intent peer"},
		}},
		{"subjects", ccnp("all", `
  endpointSelector: {}
  egressDeny: [{toCIDR: [169.254.169.254/32]}]
`) + cnp("web", `
  endpointSelector: {matchLabels: {app: web, io.kubernetes.pod.namespace: other}}
  ingress: [{}]
`) + cnp("host", `
  nodeSelector: {}
  ingress: [{}]
`), [][2]string{
			{"spec.endpointSelector", "also selects Cilium's reserved endpoints"},
			{"spec.nodeSelector", "rejects a nodeSelector in a CiliumNetworkPolicy"},
			{"spec.endpointSelector.matchLabels[io.kubernetes.pod.namespace]", "limits a CiliumNetworkPolicy's endpointSelector to its own namespace"},
		}},
		{"directions", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  enableDefaultDeny: {egress: false}
  egress: [{toEntities: [world]}]
  ingressDeny:
  - fromEntities: [host]
  - fromEntities: [cluster]
  - icmps: [{fields: [{type: 0}]}]
`), [][2]string{
			{"spec.ingressDeny[0]", "also cuts the pod's own node"},
			{"spec.ingressDeny[1]", "also cuts the pod's own node"},
			{"spec.ingressDeny[2]", "also cuts the pod's own node"},
			{"spec.ingressDeny[2].icmps[0].fields[0].type", "matches every ICMP type"},
			{"spec.egress[0]", "with enableDefaultDeny.egress false an allow only adds"},
		}},
		{"duplicate objects and names", cnp("a", "  endpointSelector: {}\n  ingress: [{}]\n") + `
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: a, namespace: shop}
specs:
- {endpointSelector: {}, ingress: [{}]}
- {endpointSelector: {}, ingress: [{}]}
` + cnp("b-1", "  endpointSelector: {}\n  ingress: [{}]\n") + `
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: b, namespace: shop}
specs:
- {endpointSelector: {}, ingress: [{}]}
- {endpointSelector: {}, ingress: [{}]}
`, [][2]string{
			{"metadata.name", "Duplicate value"},
			{"metadata.name", "lifts to the name \"b-1\", which b already has"},
		}},
		{"FQDN without its lookups", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  egress:
  - toEndpoints: [{matchLabels: {io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}], rules: {dns: [{matchName: a.example}]}}]
  - toFQDNs: [{matchName: b.example}]
`), [][2]string{
			{"spec.egress[1].toFQDNs[0]", "lift needs the same policy to allow egress to kube-dns"},
		}},
		{"rejected by Cilium", cnp("web", `
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints: [{}]
    toPorts: [{ports: [{port: "80"}], rules: {http: [{method: GET}]}}]
`), [][2]string{
			{"spec", "L7 rules can only apply to TCP"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := liftCilium(t, tt.manifests)
			var le *lift.Error
			if !errors.As(err, &le) {
				t.Fatalf("got %v; want a *lift.Error", err)
			}
			if len(le.Problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(le.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				if got := le.Problems[i].Err; got.Field != w[0] || !strings.Contains(got.Error(), w[1]) {
					t.Errorf("problem %d: got %s: %v\nwant %s: ...%s...", i, got.Field, got, w[0], w[1])
				}
			}
		})
	}
}

// TestLiftMixedEngines checks that Lift refuses NetworkPolicies and Cilium objects
// together.
func TestLiftMixedEngines(t *testing.T) {
	_, err := liftCilium(t, cnp("web", "  endpointSelector: {}\n  ingress: [{}]\n")+`
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {}}
`)
	if err == nil || !strings.Contains(err.Error(), "2 engines") || !strings.Contains(err.Error(), "CiliumNetworkPolicy") {
		t.Fatalf("got %v; want the engines refused", err)
	}
}
