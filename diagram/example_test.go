package diagram_test

import (
	"fmt"

	"github.com/netintent/netintent/diagram"
	"github.com/netintent/netintent/policy"
)

// A service that accepts one HTTP call from another, drawn for a pull request.
func ExampleMermaid() {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("orders").AllowFrom("web").TCP(8080).HTTP("POST", "/orders")
	m, err := set.Model()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(diagram.Mermaid(m))
	// Output:
	// flowchart LR
	//   subgraph ns_shop_bc95b5f8["shop"]
	//     n_orders_7ad2e976["orders"]
	//     n_web_cb3d1285["web"]
	//   end
	//   n_web_cb3d1285 -->|"TCP 8080<br/>POST /orders"| n_orders_7ad2e976
}

// What the same intent allows between the pods it names, for every probe of its universe:
// web may call orders on TCP 8080, only with matching requests; orders accepts nothing
// else, while web's own traffic stays open.
func ExampleMatrix() {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("orders").AllowFrom("web").TCP(8080).HTTP("POST", "/orders")
	m, err := set.Model()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(diagram.Matrix(m, nil))
	// Output:
	// | from \ to | shop/orders | shop/web |
	// |---|---|---|
	// | shop/orders | — | all |
	// | shop/web | TCP/8080 (HTTP) | all |
	//
	// Rows send, columns receive. all: every probe; all but: every probe except those listed; —: none; ·: no policy applies to either end; (HTTP), (DNS): only matching requests or lookups; audit-denied: allowed, but denied once audit-mode policies are enforced.
	// Probes: TCP/52, TCP/53, TCP/7777, TCP/8079, TCP/8080, UDP/52, UDP/53, UDP/7777.
}
