// Package clusternp lifts networking.k8s.io/v1 NetworkPolicies together with
// policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicies (sigs.k8s.io/network-policy-api
// v0.2.0), typed (NetworkPolicies) or decoded from YAML and JSON streams (Decode, then
// Lift), into a policy.Set that means what they mean under the API, for every flow, or an
// error naming every construct that has no exact equivalent, with its object and field
// path. It reads what k8snp/clusternp emits, and restores the Set that compiled it.
//
// It is a package of its own because package lift must not import v1alpha2: the module
// internal/conformance imports lift and pins network-policy-api v0.1.5, which has no
// v1alpha2. The NetworkPolicies are lifted by lift.NetworkPolicies, unchanged.
//
// The API decides a flow at each end, per direction: the Admin tier (policies by
// priority, rules in order; Accept and Deny are final, Pass skips the rest of the tier),
// then NetworkPolicy for the pods it isolates in that direction, then the Baseline tier
// for the others; nothing matched allows. Every lifted allow is one-sided (the API judges
// each end on its own) and every lifted policy says WithoutDNS (the API keeps no DNS
// open):
//
//	Admin tier                                 the intent tier "admin" (DefaultPass), each
//	                                             policy InTier at its priority; or untiered,
//	                                             see below
//	Accept / Deny / Pass                       AllowTo/From(...).OneSided() / DenyTo/From /
//	                                             PassTo/From
//	Baseline tier: Accept or Pass rules, then  DefaultDenyEgress with the Accepts and Passes
//	  Deny rules, the last of every              as one-sided allows
//	  destination
//	subject namespaces / pods                  set.Cluster(name).InNamespaces(ns)[.Select(pods)]
//	peer namespaces / pods                     policy.AllNamespaces() or Namespaces(sel),
//	                                             .Pods(sel)
//	namespaces {}, nodes {} and networks       policy.Any()
//	  naming every address outside the
//	  cluster, in one rule
//	networks naming every address outside      policy.World()
//	  the cluster (with lift.ClusterCIDRs)
//	other networks (with lift.ClusterCIDRs,    policy.CIDR: the smallest range holding
//	  none in a cluster range)                   a rule's (else a peer's) networks of a
//	                                             family, with excepts; else one each
//	protocols none                             every protocol and port
//	tcp/udp/sctp destinationPort number /      Port{Protocol, Port} / Port, EndPort / every
//	  range (1-65535: every port)                port of the protocol
//	destinationNamedPort                       the named port for TCP, UDP and SCTP (it
//	                                             names the pod's port, whatever its protocol)
//
// The Admin tier lifts untiered (deny rules and isolated subjects' allows, which
// k8snp/clusternp compiles back) when that means the same: no Pass and no ingress
// Accept; every Deny before every Accept of a policy that may select the same pods (the
// first match is then a Deny exactly when some Deny matches: the intent's "deny wins");
// and every policy with Accepts has the subject of a Baseline policy that lifts as egress
// isolation, into which it merges (its pods are isolated in both readings, and a
// NetworkPolicy's allows add up with the Accepts in both).
//
// Baseline isolation is exact: where a NetworkPolicy isolates a pod, the union of allows
// is the NetworkPolicy's, which alone decides under the API; elsewhere nothing but the
// Baseline policy's Accepts allows. Accepts are refused where a NetworkPolicy may
// isolate a pod the Baseline policy selects (the API lets the NetworkPolicy alone decide
// there, the intent would add the Accepts) or an earlier Baseline policy may select it
// (its rules decide first). Whether two subjects may share a pod is decided from the
// declared namespaces' labels and the selectors' requirements: they share none only
// when some label is required with disjoint values, or present by one and absent by the
// other.
//
// Refused, each with the object and field path: Admin policies of equal priority that
// may select the same pods (the API leaves their order to the implementation); every
// other Baseline form (rules that do not end in a Deny of every destination, Accepts after
// a Deny, ingress rules: ingress peers are pods only, so a Baseline ingress Deny is no
// isolation); networks without lift.ClusterCIDRs or overlapping a declared range (the API
// applies networks to pod and node addresses, a CIDR peer means addresses outside the
// cluster); nodes peers other than in a rule naming every destination (nodes {} names
// every node and the API server, which no intent peer names alone; the intent selects no
// node by labels); domainNames peers; and what the CRD rejects (a tier other than Admin
// and Baseline, priorities beyond 0-1000, subjects, peers and protocols with other than
// one field, ports without destinationPort, empty ranges, named ports with networks,
// nodes or domainNames peers, more than 25 items in a list, invalid selectors and CIDRs).
package clusternp
