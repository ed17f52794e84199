// Package calico compiles a policy.Set into Calico 3.31 (open source) objects of the
// projectcalico.org/v3 API: Tier, NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy
// and StagedGlobalNetworkPolicy, as typed values of github.com/projectcalico/api with
// TypeMeta set.
//
//	res, err := calico.Compile(set, calico.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))
//	if err != nil { ... }          // *policy.ValidationError or *policy.CompileError
//	err = res.WriteYAML(os.Stdout) // tiers first
//
// # How the intent maps onto Calico's evaluation
//
// Calico evaluates tiers by ascending order; within a tier, policies by ascending order
// (ties by name) and their rules in order; the first Allow or Deny decides, Pass goes on
// to the next tier, and a tier in which a policy selected the endpoint for the direction
// but nothing decided drops the traffic, unless the tier's defaultAction is Pass; after
// the last tier the namespace's profile allows
// (https://docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy,
// https://docs.tigera.io/calico/latest/reference/resources/tier). So:
//
//   - Tiers of the Set become Tier objects with explicit order and defaultAction; their
//     policies are named "<tier>.<name>" (Calico 3.31 requires the prefix) and keep their
//     rules, with Allow, Deny and Pass, in order. Their orders must be below
//     DenyTierOrder. Two policies of a tier with equal orders are refused when they may
//     select the same endpoint: Calico would break the tie by name, namespace first.
//   - Untiered deny rules go to DenyTier ("netintent-deny", order 999,999, defaultAction
//     Pass), after the Set's tiers and before Calico's default tier (order 1,000,000): a
//     matching deny decides, anything else passes on, so denies win and never isolate.
//   - Untiered allow rules, mirrored rules and the DNS allowance go to the default tier,
//     in a policy whose types are the directions the intent isolates: an endpoint it
//     selects is isolated by the tier's end-of-tier drop, like a Kubernetes
//     NetworkPolicy, and allows of all such policies add up. Every policy of DenyTier and
//     of the default tier has order UntieredOrder (1000, that of the Kubernetes
//     NetworkPolicies Calico converts): their verdicts do not depend on the order, and
//     adding or removing one leaves the other objects unchanged.
//   - Audit mode emits the Staged kinds with stagedAction Set: Calico reports what they
//     would do and enforces nothing
//     (https://docs.tigera.io/calico/latest/reference/resources/stagednetworkpolicy).
//   - Namespace scope is a NetworkPolicy; cluster scope a GlobalNetworkPolicy whose
//     selector requires projectcalico.org/orchestrator == 'k8s' and whose
//     namespaceSelector is all() unless the intent narrows it: a global policy's selector
//     alone also selects host endpoints, which carry their node's labels
//     (https://docs.tigera.io/calico/latest/network-policy/get-started/calico-policy/calico-labels).
//   - Calico selectors match NetworkSets, GlobalNetworkSets and host endpoints that carry
//     the labels, not only pods: every pod peer requires projectcalico.org/orchestrator ==
//     'k8s', the label only workload endpoints carry (Calico's own translation of
//     Kubernetes pod selectors requires it too), and a namespace selector made only of
//     negative terms ("! has(k)", "k not in {...}") also requires
//     has(projectcalico.org/name), which only endpoints of a namespace inherit.
//
// types is always explicit, and every object carries the label
// app.kubernetes.io/managed-by: netintent. Every policy carries its rollout stage in the
// annotation policy.RolloutStageAnnotation: its policy's, except that a policy in DenyTier
// isolates nothing and is a guardrail (audit if staged). Tiers carry none and come first.
//
// # Capabilities
//
//	Intent                                   Calico 3.31 open source
//	namespace / service / pod-group policy   exact: NetworkPolicy
//	cluster-wide policy                      exact: GlobalNetworkPolicy, workloads only
//	host policy (Set.Host)                   refused: needs HostEndpoints; failsafe ports stay open
//	deny rules, deny wins                    exact: tier netintent-deny (defaultAction Pass)
//	default-deny, isolation by allows        exact: types + end-of-tier drop in the default tier
//	DNS kept open under egress isolation     exact: allow to the DNS service on its ports
//	mirrored rules (both ends)               exact
//	tiers, order, Pass, DefaultPass          exact: Tier + "<tier>.<name>" policies
//	audit mode                               exact: StagedNetworkPolicy / StagedGlobalNetworkPolicy
//	pods by labels (incl. expressions)       exact: selector (k == 'v', k in {...}, has(k), ...),
//	                                         workloads only (projectcalico.org/orchestrator)
//	pods of other namespaces, by name        exact: namespaceSelector projectcalico.org/name == 'ns'
//	namespaces by labels, all namespaces     exact: namespaceSelector expr / all()
//	service account peers                    exact: serviceAccounts.names
//	cluster-mesh peers                       refused: federation is Calico Enterprise
//	CIDR with except                         exact with ClusterCIDRs: nets / notNets; refused without
//	FQDN peers                               refused: domains is Calico Enterprise
//	world entity                             exact with ClusterCIDRs; WorldAsNets() widens
//	cluster entity                           exact with ClusterCIDRs
//	host entity                              ingress allow: exact, needs no rule; else refused
//	remote-node, kube-apiserver entities     refused: no selector without host endpoints
//	any peer                                 exact: empty entity rule
//	TCP/UDP/SCTP ports, ranges, named ports  exact: one rule per protocol
//	ICMP / ICMPv6 type and code              exact; type 255 refused (Calico accepts 0-254)
//	HTTP method + exact/prefix path, ingress exact with ApplicationLayerPolicy(); WidenL7() widens
//	HTTP regex path, host, headers, egress   refused; WidenL7() widens
//	DNS lookup patterns                      refused; WidenL7() widens
//	labels, annotations                      exact
//
// # Options
//
// ClusterCIDRs declares the cluster's pod, node and API server ranges: Calico's nets match
// every address, pods, nodes and the API server included, while a CIDR peer means
// addresses outside the cluster; with the ranges known, CIDR peers exclude them (notNets)
// and the world and cluster entities become exact. Without it every CIDR peer is refused:
// no selector can exclude in-cluster addresses (a notSelector limits a namespaced
// policy's rule to workloads, libcalico-go's getEndpointSelector, and nodes have no
// labels without host endpoints). A CIDR peer inside the declared ranges matches no
// address and yields no rule: an allow of it allows nothing, and the isolation of its
// policy stays.
//
// ApplicationLayerPolicy declares that the workloads run Calico's application layer
// policy (Istio with the Dikastes sidecar), the only enforcer of http matches in Calico
// open source; Felix ignores them
// (https://docs.tigera.io/calico/latest/network-policy/istio/http-methods).
//
// WidenL7 and WorldAsNets translate lossily; each widening is a policy.Warning in
// Result.Warnings() and a line in the policy.WarningsAnnotation of the object.
//
// # What Calico does regardless of the intent
//
// Felix never applies a workload's ingress policy to traffic from its own node
// (felix/rules/static.go), so kubelet probes and host-network processes on the same node
// always reach the node's pods. Policies already in the cluster's default tier, such as
// Kubernetes NetworkPolicies, add their allows to the emitted ones; the deny tier still
// overrides them. Host endpoints and network sets are never selected by the emitted
// selectors, unless they carry projectcalico.org/orchestrator == 'k8s' and the labels of
// a namespace (projectcalico.org/namespace or pcns.*), which Calico gives workloads and
// their namespaces' endpoints only.
package calico
