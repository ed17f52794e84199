// Package lift turns existing policy objects back into intent: a policy.Set that means,
// for every flow, what the objects mean in their engine, or an error naming every
// construct that has no exact equivalent.
//
// This package lifts networking.k8s.io/v1 NetworkPolicy objects (NetworkPolicies),
// Cilium's policies (Cilium, below) and Calico's projectcalico.org/v3 policies (Calico,
// below), typed or decoded from YAML and JSON streams (Decode, then Lift), with the labels
// of the namespaces they select by (corev1 Namespace objects).
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
// # Cilium
//
// Cilium lifts cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy
// objects (spec and specs; Decode reads both kinds), with the namespaces' labels, as a
// Cilium 1.20 agent with its default settings reads them: each rule is first checked with
// Cilium's own Sanitize, and peers are scoped as ParseToCiliumRule scopes them. Cilium also
// judges each end on its own, so every lifted allow is one-sided, and keeps no DNS, so
// every subject it isolates for egress says WithoutDNS. The rules, Cilium to intent:
//
//	CNP endpointSelector {} / selector         set.Namespace(ns) / set.Pods(ns, name, selector)
//	CCNP endpointSelector (requiring a         set.Cluster(name).Select(pods).InNamespaces(ns)
//	  namespace to be present)
//	CCNP nodeSelector                          set.Host(name).Select(nodes)
//	a direction with rules, allow or deny,     isolated (DefaultDeny<Dir> when it allows
//	  unless enableDefaultDeny says false        nothing); egress also WithoutDNS
//	ingress / egress                           AllowFrom / AllowTo(...).OneSided()
//	ingressDeny / egressDeny                   DenyFrom / DenyTo
//	no peer field, with toPorts or icmps       policy.Any()
//	{} or an empty peer list, entity none      nothing (the rule only isolates)
//	endpoint selector without namespace keys   the policy's namespace (CNP), every namespace
//	                                             (CCNP); .Pods(selector)
//	io.kubernetes.pod.namespace: ns            policy.Namespace(ns)
//	io.kubernetes.pod.namespace expressions,   policy.Namespaces(selector), the name as
//	  io.cilium.k8s.namespace.labels.<key>       kubernetes.io/metadata.name
//	io.cilium.k8s.policy.serviceaccount        .WithServiceAccount(name)
//	io.cilium.k8s.policy.cluster               .InCluster(name), unless LocalCluster's
//	reserved:host / remote-node /              policy.Host / RemoteNodes / KubeAPIServer
//	  kube-apiserver
//	entities world, world-ipv4/-ipv6, cluster, World, CIDR 0.0.0.0/0 and ::/0,
//	  host, remote-node, kube-apiserver, all     WholeCluster, Host, RemoteNodes,
//	                                             KubeAPIServer, Any
//	the system entities with the nodes, the    WholeCluster (Any with world and the pods
//	  API server and every local pod, for one    of every cluster); the pod's own node may
//	  action and traffic                         be left out of ingress denies of pods
//	toCIDR, toCIDRSet with except              policy.CIDR (Cilium's CIDR rules match
//	                                             addresses outside the cluster only)
//	toFQDNs matchName / matchPattern           policy.FQDN, lower case
//	toPorts port, endPort, name; 0: every      policy.Port; ANY (or none): TCP, UDP, SCTP
//	  port
//	icmps type (number or name)                ICMP / ICMPv6 type
//	rules.http method, host (literal regexes)  HTTPMatch Method, Host; headers exact
//	rules.http path X(?:[?#].*)? / X.*         exact path or HTTPRegex X / HTTPPrefix X
//	rules.dns matchName / matchPattern         RuleBuilder.DNS
//
// Refused, each with the object and field path: whatever Sanitize rejects (fromNodes and
// toNodes without enable-node-selector-labels, HTTP rules on protocol ANY, ...);
// fromRequires, toRequires, toServices, fromGroups, toGroups, CIDR groups,
// authentication, TLS (terminatingTLS, originatingTLS, serverNames), listeners;
// headerMatches with a mismatch action, a secret or no value, and headers required by
// presence only; HTTP methods and hosts that are not literals; paths that admit no query
// string (Cilium's proxy matches the whole request target, the intent the path before the
// query) or whose regex can match '?' or '#'; rules.dns on protocol ANY (it reaches SCTP);
// ICMP type 0 (Cilium matches every type for it); HTTP on host policies; allows of a
// direction whose enableDefaultDeny is false (they only add to what other policies
// isolating the endpoint allow); ingress denies of pods that name the pod's own node (the
// entities host, cluster or all, or no peer field: Cilium's denies cut it, the intent
// always lets it reach its pods); toFQDNs whose names the same policy does not let the
// endpoint look up at kube-dns on UDP and TCP 53 (Cilium learns the addresses from those
// lookups; the intent adds them itself); the entities health, ingress, init, unmanaged and
// cluster-mesh alone; selectors of other label sources, of keys the agent's default
// identity label filter drops (loaded from pkg/labelsfilter), of Cilium's other
// io.cilium.k8s keys, and peer selectors that require no namespace (they also match
// nodes, addresses and reserved identities); subjects selecting by namespace (beyond a
// CCNP's), service account, cluster or reserved identity, and CCNP subjects that require
// no namespace (they also select the reserved endpoints); a cluster label without
// LocalCluster. Metadata labels and annotations (policy.cilium.io/audit-mode included:
// audit mode is agent-wide or per endpoint), a rule's labels, description and log
// settings decide nothing and are ignored.
//
// # Calico
//
// Calico lifts projectcalico.org/v3 Tier, NetworkPolicy, GlobalNetworkPolicy and their
// Staged kinds (StagedKubernetesNetworkPolicy too), typed (CalicoObjects) or decoded, as
// Felix evaluates them: tiers by order, policies in a tier by order (none: last) then
// name (namespace first), rules first match; Log decides nothing; a tier in which a
// policy governs the endpoint's direction (spec.types, defaulted as Calico does) drops
// what nothing decided, unless its defaultAction is Pass; after the default tier the
// namespace's profile allows. The intent's tiers mean the same:
//
//	Tier (order < 1,000,000)                  set.Tier(name, order), DefaultPass for Pass;
//	                                          equal orders spread apart in Calico's order
//	policy in a tier                          InTier(tier, order); every type isolates that
//	                                          direction (the end-of-tier drop)
//	last tiers with defaultAction Pass and    untiered denies (they win and isolate
//	  only Deny rules                         nothing, as a pass-through tier before the
//	                                          default tier does); calico's DenyTier lifts so
//	default tier                              untiered: types isolate, Deny rules must come
//	                                          before every Allow or Pass of policies that may
//	                                          select the same endpoint (there the intent's
//	                                          "deny wins" is Calico's first match); Pass
//	                                          there is Allow (the profile allows)
//	NetworkPolicy / GlobalNetworkPolicy       set.Pods(ns, name, selector) /
//	                                          set.Cluster(name).Select.InNamespaces
//	Staged kinds (stagedAction Set)           Audit()
//	Allow / Deny / Pass rule                  AllowFrom/To(...).OneSided(), DenyFrom/To,
//	                                          PassFrom/To; WithoutDNS on every policy
//	empty source/destination                  policy.Any()
//	nets, notNets (with ClusterCIDRs, no      policy.CIDR(net, notNets in it...); notNets
//	  address in a cluster range)             alone: 0.0.0.0/0 and ::/0 minus them
//	selector, notSelector,                    PodsIn(ns, sel) / Namespaces(sel).Pods(sel) /
//	  namespaceSelector, serviceAccounts      AllNamespaces().Pods(sel), WithServiceAccount;
//	                                          one peer per alternative (||) of their
//	                                          normal form; projectcalico.org/name is
//	                                          kubernetes.io/metadata.name
//	protocol TCP/UDP/SCTP, destination ports  Port{Protocol, Port[, EndPort] | Name};
//	                                          no ports: AllPorts
//	protocol ICMP/ICMPv6 with icmp.type       ICMP / ICMPv6(type[, code])
//
// Calico selectors are parsed here: Calico's own parser lives in a module that builds
// only with its own replace directives. ==, !=, has, !has, in, not in, all(), &&, || and
// ! are lifted exactly; a subject must be one conjunction; string matches (contains,
// starts with, ends with) are refused. Calico selectors also match host endpoints (a
// GlobalNetworkPolicy's subject and peers) and NetworkSets and GlobalNetworkSets (peers),
// never the intent's pods: a selector is lifted when it requires
// projectcalico.org/orchestrator == 'k8s', which only workload endpoints carry (as the
// calico backend and Calico's own translations write), a global policy's subject also
// when its namespaceSelector requires a namespace label, and everything when
// NoHostEndpointsOrNetworkSets declares there are none such; global() matches no pod.
//
// Refused, each with the object and field path: http matches (Felix ignores them; only
// Calico's application layer policy enforces them), services, source ports, notPorts,
// notProtocol, notICMP, ICMP without a type, ipVersion beyond nets, matches on the
// policy's own end, nets with selectors, serviceAccounts.selector and
// serviceAccountSelector, Calico's own labels, doNotTrack and preDNAT (host endpoints
// only), stagedAction other than Set, a staged policy named as an enforced one (it
// previews a replacement, not an addition), tiers at or after the default tier, and the
// (Baseline)AdminNetworkPolicy tiers.
//
// # ClusterNetworkPolicy
//
// NetworkPolicies with policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicies (what
// k8snp/clusternp emits) are lifted by the subpackage lift/clusternp: this package cannot
// import v1alpha2, since the module internal/conformance imports it and pins
// network-policy-api v0.1.5. Decode reports ClusterNetworkPolicy objects as read there;
// DecodeExtra and DeclaredClusterCIDRs are the hooks the subpackage reads streams and
// options with.
//
// # Go source
//
// Source writes a Set, lifted or not, as the Go code that builds it with the fluent
// API: services recognised by the service label, rules grouped as the Set has them, and
// the one-sided rules at both ends of an edge merged into one edge where mirroring derives
// them exactly. examples/lift is the command line: manifests in, Go (or another engine's
// objects) out.
package lift
