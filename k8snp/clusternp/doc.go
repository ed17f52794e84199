// Package clusternp is the k8snp backend with ClusterNetworkPolicies: Compile emits the
// NetworkPolicies of k8snp.Compile and, for every cluster-wide guardrail of the Set, a
// policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (sigs.k8s.io/network-policy-api
// v0.2.0) where k8snp alone refuses it.
//
// The cluster needs the ClusterNetworkPolicy CRD of sigs.k8s.io/network-policy-api v0.2.0
// (standard channel) and an implementation: Cilium from 1.20, Calico from 3.32. Hence a
// Compile of its own rather than k8snp's default: on a cluster without them the objects
// are rejected, or accepted and ignored.
//
// A guardrail is an enforced, untiered, cluster-scoped policy with deny rules only: it
// denies what it names and isolates nothing (docs/semantics.md, "deny wins"). Its
// ClusterNetworkPolicy is in the Admin tier with Deny rules, which decide before any
// NetworkPolicy and never isolate: the same meaning. How the intent maps:
//
//	intent                                 ClusterNetworkPolicy
//	Cluster(name)                          metadata.name name, spec.tier Admin
//	subject: every pod                     spec.subject.namespaces {}
//	subject: namespaces by labels          spec.subject.namespaces <selector>
//	subject: pods (in namespaces)          spec.subject.pods {namespaceSelector, podSelector}
//	DenyFrom / DenyTo                      ingress / egress rule, action Deny
//	pod peer, all or selected namespaces   namespaces <selector> or pods {namespaceSelector, podSelector}
//	pod peer in a namespace                namespaceSelector kubernetes.io/metadata.name
//	egress CIDR peer with excepts          networks: the range minus its excepts and the
//	                                       cluster's declared ranges, as disjoint CIDRs
//	egress world entity                    networks: 0.0.0.0/0 and ::/0 minus the cluster's ranges
//	port, range, all ports of a protocol   protocols: destinationPort number, range, range 1-65535
//	named port                             protocols: destinationNamedPort
//
// A networks peer applies to pod traffic too (the API's definition), while a netintent
// CIDR peer means addresses outside the cluster: as with k8snp's ipBlocks, CIDR and world
// peers need k8snp.ClusterCIDRs, whose ranges the networks leave out. The guardrails get
// priorities 0, 1, 2... in the Model's order (by name): among Deny rules the order decides
// nothing, but distinct priorities keep every implementation's order the same. A
// guardrail with more than 25 rules in a direction is split into objects of 25, named
// <name>, <name>-2, ...; a peer with more than 25 networks into peers of 25.
//
// Everything else is refused, as k8snp refuses it: ingress CIDR and world peers (the API
// has none), policy.Any() (it includes nodes and the API server, which Cilium 1.20 does not
// match by networks; World() with AllNamespaces() is exact), other entities, FQDN peers
// (experimental channel), ICMP and L7 matches on
// deny rules, named ports on rules with networks peers (the CRD forbids them), and every
// cluster-wide policy that is not a guardrail.
package clusternp
