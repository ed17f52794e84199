package lift_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
)

// Lift a namespace's default deny and one allow, and judge flows with the reference
// evaluator.
func Example() {
	objs, err := lift.Decode(strings.NewReader(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16]}}]
    ports: [{port: 443}]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := lift.NetworkPolicies(objs.NetworkPolicies, objs.Namespaces,
		lift.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))
	if err != nil {
		fmt.Println(err)
		return
	}
	web := policy.PodEndpoint("shop", map[string]string{"app": "web"})
	client := policy.AddressEndpoint(netip.MustParseAddr("203.0.113.7"))
	for _, f := range []policy.Flow{
		policy.NewFlow(client, web, policy.TCP, 443),
		policy.NewFlow(client, web, policy.TCP, 80),
		policy.NewFlow(web, policy.PodEndpoint("kube-system", map[string]string{"k8s-app": "kube-dns"}), policy.UDP, 53),
	} {
		v, err := set.Evaluate(f)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s:%d allowed=%v\n", f.Protocol, f.Port, v.Allowed)
	}
	// Output:
	// TCP:443 allowed=true
	// TCP:80 allowed=false
	// UDP:53 allowed=false
}
