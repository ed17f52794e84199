// Package lift turns existing policy objects back into intent: a policy.Set that means,
// for every flow, what the objects mean in their engine, or an error naming every
// construct that has no exact equivalent.
//
// This package lifts networking.k8s.io/v1 NetworkPolicy objects (NetworkPolicies), typed
// or decoded from YAML and JSON streams (Decode), with the labels of the namespaces they
// select by (corev1 Namespace objects).
//
// NetworkPolicy judges the two ends of a flow independently: a rule opens its own end
// only. The intent mirrors an allow into the other end where that end is isolated and
// the peer names workloads (docs/semantics.md, "Both ends: mirroring"); every lifted
// allow is therefore one-sided (policy.RuleBuilder.OneSided). The intent also keeps DNS
// open for egress-isolated workloads; NetworkPolicy does not, so every lifted subject that
// isolates egress says WithoutDNS and its DNS rules, if any, are lifted as written.
//
// The rules, NetworkPolicy to intent:
//
//	spec.podSelector {}                        set.Namespace(ns)
//	spec.podSelector (non-empty)               set.Pods(ns, name, selector)
//	policyTypes (defaulted as the API server   the direction is isolated: by its allow
//	  does: Ingress, and Egress when the       rules, or DefaultDenyIngress/Egress when it
//	  policy has egress rules)                 has none; Egress also WithoutDNS()
//	ingress[i] / egress[i]                     AllowFrom / AllowTo(...).OneSided()
//	from/to empty                              policy.Any()
//	podSelector {}                             policy.Namespace(ns)
//	podSelector                                policy.PodsIn(ns, selector)
//	namespaceSelector {}                       policy.AllNamespaces()
//	namespaceSelector                          policy.Namespaces(selector)
//	namespaceSelector + podSelector            the above, .Pods(selector)
//	ipBlock (with ClusterCIDRs, none of its    policy.CIDR(cidr, except...)
//	  addresses in a cluster range)
//	ports empty                                every protocol and port (no port call)
//	port: number / number..endPort / name      Port{Protocol, Port[, EndPort] | Name}
//	port absent                                every port of the protocol
//	protocol absent                            TCP
//
// Selectors are carried verbatim (policy.LabelSelector), matchExpressions included. A
// policy's name becomes its workload's name; a name the Set does not accept (dots, more
// than 63 characters) is cleaned up and given a hash of the original, and two policies
// that would still share a name are refused rather than merged.
//
// Refused, each with the object and field path: ipBlocks without ClusterCIDRs, or whose
// addresses include a declared cluster range (NetworkPolicy leaves it to the
// implementation whether an ipBlock matches pod and node addresses; a CIDR peer means
// addresses outside the cluster only); rules of a direction that policyTypes does not
// list (they have no effect, and the Set could not show them); and whatever the API server
// would reject (invalid selectors, CIDRs, ports, protocols, policy types).
//
// Source writes a Set, lifted or not, as the Go program that builds it with the fluent
// API: services recognised by the service label, rules grouped as the Set has them, and
// the one-sided rules at both ends of an edge merged into one edge where mirroring derives
// them exactly. examples/lift is the command line: manifests in, Go (or another engine's
// objects) out.
package lift
