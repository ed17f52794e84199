package lift_test

import (
	"fmt"
	"strings"

	"github.com/netintent/netintent/lift"
)

// Two published policies, each guarding one end of the edge from gw to web, read as the
// one edge they make: mirroring derives gw's egress rule from web's rule, and gw's egress
// stays isolated.
func ExampleSource() {
	const manifests = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: gw}}}]
    ports: [{port: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: gw, namespace: shop}
spec:
  podSelector: {matchLabels: {app: gw}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 8080}]
`
	objs, err := lift.Decode(strings.NewReader(manifests))
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := lift.Lift(objs)
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := lift.Source(set, lift.PackageName("shop"), lift.FuncName("Intent"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(src))
	// Output:
	// package shop
	//
	// import "github.com/netintent/netintent/policy"
	//
	// // Intent returns the Set.
	// func Intent() *policy.Set {
	// 	set := policy.NewSet(policy.DefaultNamespace("shop"))
	// 	set.Service("gw").
	// 		DefaultDenyEgress().
	// 		WithoutDNS()
	// 	set.Service("web").
	// 		AllowFrom(policy.Service("gw")).TCP(8080)
	// 	return set
	// }
}
