// Package clusternp is the k8snp backend with ClusterNetworkPolicies: Compile emits the
// NetworkPolicies of k8snp.Compile and, for every tiered policy, every untiered
// cluster-wide policy and every deny rule, policy.networking.k8s.io/v1alpha2
// ClusterNetworkPolicies (sigs.k8s.io/network-policy-api v0.2.0) where k8snp alone
// refuses them.
//
// The cluster needs the ClusterNetworkPolicy CRD of sigs.k8s.io/network-policy-api v0.2.0
// and an implementation: Cilium from 1.20, Calico from 3.32. Hence a Compile of its own
// rather than k8snp's default: on a cluster without them the objects are rejected, or
// accepted and ignored.
//
// The API decides a flow at each end in three tiers: the Admin tier (policies by
// priority, rules in order; Accept and Deny are final, Pass skips the rest of the tier),
// then NetworkPolicy (for the pods it isolates in that direction), then the Baseline
// tier (for the pods no NetworkPolicy isolates). The intent maps onto them so:
//
//   - Deny rules, of cluster-wide and of enforced, untiered namespaced policies, are
//     Admin-tier Deny rules, in objects of the lowest priorities: deny wins, and never
//     isolates. A namespaced policy's object is named <namespace>.<name>, its subject
//     limited to the namespace by kubernetes.io/metadata.name.
//   - A cluster-wide policy's allows, the rules mirrored or inherited into it and its
//     DNS allowance are Admin-tier Accept rules, in objects after every Deny: an Accept
//     decides what no deny matches, at its own end only (an egress rule at the source,
//     as the intent judges each end).
//   - Its egress isolation is a Baseline-tier Deny of every destination. A pod that a
//     NetworkPolicy also isolates is decided by the NetworkPolicy after the Accepts: the
//     union of both policies' allows. A pod only the cluster-wide policy isolates is
//     denied by the Baseline what no Accept admits. Cilium 1.20 reads the tiers the same
//     way (a NetworkPolicy allow precedes the Baseline tier).
//
// The intent's tiers come first in the Admin tier, as they decide before the untiered
// rules: each tier in order, its policies by order (then name), each policy's rules in
// order (Allow as Accept, final as in the intent; Deny; Pass) and then its DNS
// allowance; then, unless the tier passes by default, the end of the tier: a Deny of
// every peer for the subject of each of its policies, in each direction the policy has
// rules in or isolates (none after a rule matching everything). A tier that passes by
// default needs no end: the next Admin object is the next tier's. A policy's rules are
// split into objects of consecutive priorities, its runs of Deny rules apart from its
// runs of Accept and Pass rules, so that a rollout applies every Accept and Pass first
// (see below). A Pass skips every later Admin-tier object, where the intent's skips the
// rest of its tier only: it is emitted where no object of a later tier, and no untiered
// Deny or Accept, may select the same pods with rules in its direction (subjects are
// told apart by a label they require different values of), and refused otherwise.
//
// Objects: a guardrail (deny rules only) is <name>; a policy with allows is <name> (the
// Accepts), <name>-deny and <name>-isolation; more than 25 rules in a direction are
// split into <name>-2, ... A tiered policy's objects are tier.<tier>.<name> (namespaced:
// tier.<tier>.<namespace>.<name>), its further runs of rules tier.<tier>.<name>-2, ...,
// and the end of its tier tier.<tier>.<name>-end. Priorities number each tier's objects
// 0, 1, 2... in order: the intent's tiers, then the denies, then the accepts; distinct
// priorities keep every implementation's order the same. Names that collide are
// refused, never changed.
//
// Rollout (WriteDir's steps): the Admin-tier objects isolate nothing and go first, at
// step 20, except the end of a tier, which isolates like a default-deny, at its policy's
// step (30-50). In a Set with tiers, the Deny objects, tiered and untiered, take step 21:
// applied before an Accept or Pass that precedes them, a Deny would drop what the Set
// allows before and after.
//
//	intent                                 ClusterNetworkPolicy
//	Cluster(name)                          spec.tier Admin (deny rules, allows), Baseline (isolation)
//	subject: every pod                     spec.subject.namespaces {}
//	subject: namespaces by labels          spec.subject.namespaces <selector>
//	subject: pods (in namespaces)          spec.subject.pods {namespaceSelector, podSelector}
//	namespaced subject                     the same with namespaceSelector kubernetes.io/metadata.name
//	DenyFrom / DenyTo                      ingress / egress rule, action Deny
//	AllowTo, mirrored, DNS allowance       egress rule, action Accept
//	egress isolation                       Baseline egress rule, action Deny, to every destination
//	pod peer, all or selected namespaces   namespaces <selector> or pods {namespaceSelector, podSelector}
//	pod peer in a namespace                namespaceSelector kubernetes.io/metadata.name
//	InTier(tier, order)                    spec.tier Admin, before the untiered objects
//	PassTo / PassFrom                      egress / ingress rule, action Pass (where exact)
//	end of a tier (default Deny)           egress rule, action Deny, to every destination
//	egress FQDN peer, name or **.name      domainNames: name or *.name (with DomainNames)
//	egress CIDR peer with excepts          networks: the range minus its excepts and the
//	                                       cluster's declared ranges, as disjoint CIDRs
//	egress world entity                    networks: 0.0.0.0/0 and ::/0 minus the cluster's ranges
//	egress Any(), every destination        namespaces {}, nodes {} (with Nodes) and the world's networks
//	port, range, all ports of a protocol   protocols: destinationPort number, range, range 1-65535
//	named port                             protocols: destinationNamedPort
//
// A networks peer applies to pod traffic too (the API's definition), while a netintent
// CIDR peer means addresses outside the cluster: as with k8snp's ipBlocks, CIDR and world
// peers need k8snp.ClusterCIDRs, whose ranges the networks leave out. Every destination
// includes the nodes and the API server: the standard channel has no peer for them, and
// Cilium 1.20 does not match them by networks, so egress isolation and Any() need the
// Nodes option (the experimental channel's nodes peer), which is lossy on Cilium: no
// ClusterNetworkPolicy peer matches its health, ingress, unmanaged and init endpoints.
//
// FQDN peers of allow rules are domainNames peers, on the experimental channel, with
// the DomainNames option, where one matches exactly the names the intent's pattern
// does: a name (itself only) and a leading "**." (one or more labels, the API's "*.").
//
// Refused: ingress isolation by a cluster-wide policy (ingress peers are pods and
// namespaces only, so nothing denies traffic from outside the cluster or from other
// nodes), ingress CIDR and world peers (the same), the end of a tier in ingress (the
// same: a tier with ingress rules must pass by default), other entities (the nodes peer
// names every node, never the local one or the others alone, and no peer names the API
// server alone), FQDN peers without DomainNames, in deny and pass rules (the API admits
// domainNames in Accept rules only) and with other patterns ("*." spans one label in the
// intent, one or more in the API), a tiered policy's FQDN allows that a deny of the same
// policy follows (Cilium admits the names' lookups at the allow's priority), ICMP and L7
// matches (among them the DNS lookups an
// FQDN allow of a policy without the DNS allowance carries), named ports on rules with
// networks or domainNames peers (the CRD forbids them), audit mode, and a Pass that a
// later Admin-tier object may follow for the same pods. Seed 09 (tiers) stays refused
// for its ingress rules: a deny from a CIDR and a pass from every peer, which no
// ingress peer expresses.
package clusternp
