package explain_test

import (
	"fmt"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/k8snp"
	"net/netip"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/explain"
	"github.com/netintent/netintent/policy"
)

func pod(app string) policy.Endpoint {
	return policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": app}}
}

// Why may web call orders? Both ends decide: orders admits the call, and web, whose
// egress the namespace isolates, sends it by the rule mirrored from orders' intent. Each
// backend names the object and the rule that carry the decision.
func ExampleFlow() {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("orders").AllowFrom("web").TCP(8080)
	set.Namespace("shop").DefaultDeny()

	flow := policy.Flow{From: pod("web"), To: pod("orders"), Protocol: policy.TCP, Port: 8080}
	out, err := explain.Flow(set, flow, k8snp.Backend(), cilium.Backend(), calico.Backend(calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"))))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out)
	// Output:
	// TCP/8080 from pod shop{app=web} to pod shop{app=orders}: allowed
	// source, egress: allowed (mirrored from the other end)
	//   intent: services[shop/orders].ingress[0] in policy shop/web
	//   k8snp: NetworkPolicy shop/web spec.egress[0]
	//   cilium: CiliumNetworkPolicy shop/web spec.egress[0]
	//   calico: NetworkPolicy shop/web spec.egress[0]
	// destination, ingress: allowed
	//   intent: services[shop/orders].ingress[0] in policy shop/orders
	//   k8snp: NetworkPolicy shop/orders spec.ingress[0]
	//   cilium: CiliumNetworkPolicy shop/orders spec.ingress[0]
	//   calico: NetworkPolicy shop/orders spec.ingress[0]
}

// Why can't orders reach the metadata service? A guardrail denies it. NetworkPolicy has
// no denies, so k8snp refuses the Set and says why.
func ExampleFlow_denied() {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32"))

	imds := policy.Endpoint{Kind: policy.EndpointExternal, IP: netip.MustParseAddr("169.254.169.254")}
	flow := policy.Flow{From: pod("orders"), To: imds, Protocol: policy.TCP, Port: 80}
	out, err := explain.Flow(set, flow, k8snp.Backend(), cilium.Backend(), calico.Backend(calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"))))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out)
	// Output:
	// TCP/80 from pod shop{app=orders} to 169.254.169.254: denied
	// source, egress: denied
	//   intent: cluster[block-metadata].egress[0] in policy block-metadata
	//   cilium: CiliumClusterwideNetworkPolicy block-metadata spec.egressDeny[0]
	//   calico: GlobalNetworkPolicy netintent-deny.block-metadata spec.egress[0]
	// destination: no policy applies (169.254.169.254)
	// k8snp: cannot compile the Set: 1 intent(s) cannot be expressed exactly:
	//     cluster[block-metadata]: cluster scope: NetworkPolicy is namespaced and cannot select pods in every namespace; a ClusterNetworkPolicy of the Admin tier expresses this guardrail exactly where its CRD and an implementation are installed (option k8snp/clusternp.Compile makes it exact)
}
