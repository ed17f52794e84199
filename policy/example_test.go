package policy_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netintent/netintent/policy"
)

// designCard is the Set of the design's section 3: an order service behind a gateway,
// a default-deny namespace, and a cluster-wide guardrail.
func designCard() *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	set.Service("order-service").
		AllowFrom("api-gateway").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
		AllowTo("inventory-service").TCP(8080).
		AllowTo("payment-service").TCP(8080)
	set.Namespace("ecommerce").DefaultDeny() // isolates every pod; DNS stays allowed
	set.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
	return set
}

func describeRule(r policy.Rule) string {
	var peers, ports []string
	for _, p := range r.Peers {
		switch p.Kind {
		case policy.PeerPods:
			peers = append(peers, p.Namespace+"/"+p.Service)
		case policy.PeerCIDR:
			peers = append(peers, p.CIDR.String())
		default:
			peers = append(peers, string(p.Kind))
		}
	}
	for _, pt := range r.Ports {
		ports = append(ports, fmt.Sprintf("%s/%d", pt.Protocol, pt.Port))
	}
	s := fmt.Sprintf("%s %s %s", r.Action, strings.Join(peers, ","), strings.Join(ports, ","))
	for _, h := range r.HTTP {
		s += fmt.Sprintf(" [%s %s %s]", h.Method, h.PathKind, h.Path)
	}
	if r.Mirrored {
		s += " (mirrored)"
	}
	return s
}

// Build the design card's Set and look at the Model the backends read: each edge appears
// at both ends, the gateway and the two backends get mirrored rules because the namespace
// isolates them, and DNS stays open where egress is isolated.
func ExampleSet_Model() {
	m, err := designCard().Model()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range m.Policies {
		fmt.Printf("%s isolate=%v dns=%v\n", policyID(p), p.Isolate, p.DNS)
		for _, r := range p.Ingress {
			fmt.Println("  ingress:", describeRule(r))
		}
		for _, r := range p.Egress {
			fmt.Println("  egress: ", describeRule(r))
		}
	}
	// Output:
	// block-metadata isolate=[] dns=false
	//   egress:  Deny 169.254.169.254/32 TCP/80
	// ecommerce/api-gateway isolate=[Egress] dns=true
	//   egress:  Allow ecommerce/order-service TCP/8080 (mirrored)
	// ecommerce/inventory-service isolate=[Ingress] dns=false
	//   ingress: Allow ecommerce/order-service TCP/8080 (mirrored)
	// ecommerce/namespace-defaults isolate=[Ingress Egress] dns=true
	// ecommerce/order-service isolate=[Ingress Egress] dns=true
	//   ingress: Allow ecommerce/api-gateway TCP/8080 [POST Exact /orders] [GET Regex /orders/[0-9]+]
	//   egress:  Allow ecommerce/inventory-service TCP/8080
	//   egress:  Allow ecommerce/payment-service TCP/8080
	// ecommerce/payment-service isolate=[Ingress] dns=false
	//   ingress: Allow ecommerce/order-service TCP/8080 (mirrored)
}

// Problems are reported all at once, each with the field path of the intent.
func ExampleSet_Validate() {
	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	set.Service("order-service").
		AllowFrom("api-gateway").TCP(8080).HTTPRegex("GET", "/orders/[0-9+").
		AllowTo(policy.CIDR("10.0.0.1/8")).TCP(70000)
	fmt.Println(set.Validate())
	// Output:
	// invalid policy set (3 problems):
	//   services[ecommerce/order-service].ingress[0].http[0].path: Invalid value: "/orders/[0-9+": not an RE2 regular expression: error parsing regexp: missing closing ]: `[0-9+`
	//   services[ecommerce/order-service].egress[0].peers[0].cidr: Invalid value: "10.0.0.1/8": host bits are set; the range is 10.0.0.0/8
	//   services[ecommerce/order-service].egress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive
}

// The evaluator answers whether a flow is allowed, and why, at each end.
func ExampleSet_Evaluate() {
	set := designCard()
	pod := func(app string) policy.Endpoint {
		return policy.PodEndpoint("ecommerce", map[string]string{"app": app})
	}
	get := policy.NewFlow(pod("api-gateway"), pod("order-service"), policy.TCP, 8080)
	get.HTTP = &policy.HTTPRequest{Method: "GET", Path: "/orders/42"}
	del := get
	del.HTTP = &policy.HTTPRequest{Method: "DELETE", Path: "/orders/42"}
	flows := []policy.Flow{
		get,
		del,
		policy.NewFlow(pod("order-service"), policy.AddressEndpoint(netip.MustParseAddr("169.254.169.254")), policy.TCP, 80),
		policy.NewFlow(pod("order-service"), policy.PodEndpoint("kube-system", map[string]string{"k8s-app": "kube-dns"}), policy.UDP, 53),
	}
	for _, f := range flows {
		v, err := set.Evaluate(f)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(v)
	}
	// Output:
	// allowed (source: allowed (mirrored from the other end) by services[ecommerce/order-service].ingress[0]; destination: allowed by services[ecommerce/order-service].ingress[0])
	// denied (source: allowed (mirrored from the other end) by services[ecommerce/order-service].ingress[0]; destination: isolated for ingress and no allow rule matches)
	// denied (source: denied by cluster[block-metadata].egress[0])
	// allowed (source: allowed: DNS stays open for egress-isolated workloads by ecommerce/namespace-defaults; destination: not isolated for ingress)
}

// FQDN patterns follow Cilium: "*" stays within one label, a leading "**." spans labels.
func ExampleMatchFQDN() {
	for _, c := range [][2]string{
		{"*.stripe.com", "api.stripe.com"},
		{"*.stripe.com", "stripe.com"},
		{"*.stripe.com", "a.b.stripe.com"},
		{"**.stripe.com", "a.b.stripe.com"},
	} {
		fmt.Println(c[0], c[1], policy.MatchFQDN(c[0], c[1]))
	}
	// Output:
	// *.stripe.com api.stripe.com true
	// *.stripe.com stripe.com false
	// *.stripe.com a.b.stripe.com false
	// **.stripe.com a.b.stripe.com true
}
