// Package k8snp compiles a policy.Set into Kubernetes NetworkPolicy objects
// (networking.k8s.io/v1, as in k8s.io/api v0.36.4).
//
//	res, err := k8snp.Compile(set, k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))
//	if err != nil {
//		return err // *policy.ValidationError or *policy.CompileError
//	}
//	err = res.WriteYAML(os.Stdout)
//
// # What it emits
//
// One NetworkPolicy per namespaced subject of the Set (a service, a pod group, a namespace's
// defaults, or the pods that only mirrored rules constrain) that isolates at least one
// direction. The object carries the Policy's name, namespace, labels and annotations, plus
// the label app.kubernetes.io/managed-by: netintent and the Policy's rollout stage in the
// annotation policy.RolloutStageAnnotation. spec.podSelector selects the subject;
// spec.policyTypes lists exactly the directions the Policy isolates, Ingress before Egress.
// A subject whose egress is isolated keeps DNS: its object gets an egress rule to the Set's
// DNS service (kube-dns, UDP and TCP 53, by default). A subject that isolates nothing needs
// no object: NetworkPolicy only ever restricts the pods it selects.
//
// NetworkPolicy is allow-only and unions every policy that selects a pod, which is the
// reference semantics of an untiered Set without denies: a pod is isolated in a direction
// when some policy isolates it, and then admits what some rule allows; a flow needs the
// source's egress and the destination's ingress. Both ends of every edge are already in the
// Model (docs/semantics.md, "Both ends: mirroring"), so each Policy translates on its own.
//
// Rules are compacted without changing their meaning: rules of one direction with the same
// peers merge their ports, rules with the same ports merge their peers, duplicates drop, and
// what a rule for every peer or for all ports already admits is removed from the others.
// Peers, ports and rules are sorted by a canonical key, so the output depends only on the
// intent, not on the order in which it was written.
//
// # Capabilities
//
//	Intent                                        NetworkPolicy
//	--------------------------------------------  ------------------------------------------------
//	service, pod group, namespace subjects        exact: spec.podSelector in the namespace
//	cluster-wide policies                         refused ("cluster scope"); guardrails (deny rules
//	                                              only) are ClusterNetworkPolicies with
//	                                              k8snp/clusternp
//	host policies (nodes)                         refused ("host scope")
//	allow rules, ingress and egress               exact
//	default-deny ingress / egress                 exact: spec.policyTypes
//	DNS kept under egress default-deny            exact: egress rule to the DNS service
//	deny rules                                    refused; those of cluster-wide guardrails
//	                                              with k8snp/clusternp
//	tiers, order, Pass                            refused
//	audit mode                                    refused (NetworkPolicy is always enforced)
//	service / pods in the same namespace          exact: podSelector
//	pods in a namespace named                     exact: namespaceSelector on
//	                                              kubernetes.io/metadata.name (+ podSelector)
//	pods in namespaces by labels, all namespaces  exact: namespaceSelector (+ podSelector)
//	service-account peers                         refused
//	cluster-mesh peers                            refused
//	CIDR with except, IPv4 and IPv6               refused; ClusterCIDRs: ipBlock, excepting the
//	                                              cluster's ranges (see below)
//	any peer                                      exact: a rule without from / to
//	FQDN peers                                    refused
//	world entity                                  refused; WorldAsIPBlock: ipBlocks 0.0.0.0/0 and
//	                                              ::/0, exact with ClusterCIDRs (excepting the
//	                                              cluster's ranges), with a warning without
//	cluster, host, remote-node, kube-apiserver    refused
//	TCP, UDP, SCTP ports, ranges, named ports     exact: ports with protocol, port, endPort
//	all ports of a protocol; all traffic          exact: protocol only; no ports
//	ICMP                                          refused
//	HTTP method, path, host, headers; gRPC        refused; WidenL7: L3/L4 part kept, with a warning
//	DNS lookup patterns                           refused; WidenL7: L3/L4 part kept, with a warning
//
// A refusal is a *policy.CompileError that lists every intent the backend cannot express,
// each with its field path, the missing construct, and the option that would translate it
// lossily, if any. A lossy translation happens only behind its option and is reported twice:
// as a policy.Warning in Result.Warnings(), and in the annotation netintent.io/warnings
// (policy.WarningsAnnotation) of the object it affects, one "path: message" per line.
// When WidenL7 drops the L7 part of a rule, the other end's mirrored rule needs no
// warning: mirrored rules carry L3/L4 only in every backend.
//
// # Where NetworkPolicy itself differs from the intent
//
// Two facts of NetworkPolicy hold whatever the backend emits:
//
//   - Traffic from a pod's own node (kubelet probes, host-network processes) always reaches
//     the pod: NetworkPolicy cannot block it. The reference evaluator judges such traffic
//     like any other peer, so an ingress-isolated pod "denies" it there.
//   - ipBlock is meant for addresses outside the cluster; whether an ipBlock also matches pod
//     and node addresses is left to the implementation: Calico and iptables-based CNIs match
//     them, Cilium does not. A CIDR peer never matches a pod, a node or the API server, so
//     an ipBlock is exact only where it excepts every in-cluster range it covers. The
//     backend cannot know those ranges: CIDR peers are refused until ClusterCIDRs declares
//     them. With the ranges declared, every ipBlock excepts the declared ranges inside its
//     cidr (merged with the peer's own except list), and a CIDR peer entirely inside a
//     declared range names no address and is dropped; a rule left without peers admits
//     nothing and is dropped too, while the isolation its policy declares stays.
//     WorldAsIPBlock without ClusterCIDRs warns because 0.0.0.0/0 and ::/0 always cover the
//     cluster's ranges.
//
// # Options
//
// ClusterCIDRs declares the cluster's pod, node and API server ranges, which makes CIDR
// peers (and, with WorldAsIPBlock, the world entity) exact. WidenL7 and WorldAsIPBlock,
// described above, translate lossily. Without options, Compile either expresses the intent
// exactly or refuses it.
package k8snp
