package policy_test

import (
	"net/netip"
	"fmt"
	"testing"

	"github.com/netintent/netintent/policy"
)

func TestSmoke(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	set.Service("order-service").
		AllowFrom("api-gateway").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
		AllowTo("inventory-service").TCP(8080).
		AllowTo("payment-service").TCP(8080)
	set.Namespace("ecommerce").DefaultDeny()
	set.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Policies {
		fmt.Printf("%s/%s %v dns=%v in=%d eg=%d\n", p.Subject.Namespace, p.Name, p.Isolate, p.DNS, len(p.Ingress), len(p.Egress))
	}
	pod := func(app string) policy.Endpoint {
		return policy.Endpoint{Kind: policy.EndpointPod, Namespace: "ecommerce", Labels: map[string]string{"app": app}}
	}
	fmt.Println(m.Evaluate(policy.Flow{From: pod("api-gateway"), To: pod("order-service"), Protocol: policy.TCP, Port: 8080}))
	fmt.Println(m.Evaluate(policy.Flow{From: pod("api-gateway"), To: pod("order-service"), Protocol: policy.TCP, Port: 8081}))
	fmt.Println(m.Evaluate(policy.Flow{From: pod("api-gateway"), To: pod("order-service"), Protocol: policy.TCP, Port: 8080, HTTP: &policy.HTTPRequest{Method: "GET", Path: "/orders/12"}}))
	fmt.Println(m.Evaluate(policy.Flow{From: pod("api-gateway"), To: pod("order-service"), Protocol: policy.TCP, Port: 8080, HTTP: &policy.HTTPRequest{Method: "GET", Path: "/orders/x"}}))
	fmt.Println(m.Evaluate(policy.Flow{From: pod("order-service"), To: policy.Endpoint{Kind: policy.EndpointPod, Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}}, Protocol: policy.UDP, Port: 53}))
	fmt.Println(m.Evaluate(policy.Flow{From: pod("x"), To: policy.Endpoint{Kind: policy.EndpointExternal, IP: mustAddr("169.254.169.254")}, Protocol: policy.TCP, Port: 80}))

	bad := policy.NewSet()
	bad.Service("x").AllowFrom(42, policy.CIDR("10.0.0.1/8", "11.0.0.0/16")).TCP(70000).HTTPRegex("GET", "[")
	bad.Namespace("Bad_NS")
	fmt.Println(bad.Validate())
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
