// Package cilium compiles a policy.Set into Cilium 1.20 policies: one
// CiliumNetworkPolicy (cilium.io/v2) per namespaced policy, and one
// CiliumClusterwideNetworkPolicy per cluster-wide policy and per host policy (a host policy
// selects nodes with nodeSelector: Cilium's host firewall).
//
//	res, err := cilium.Compile(set)
//	if err != nil {
//		return err // *policy.ValidationError or *policy.CompileError
//	}
//	err = res.WriteYAML(os.Stdout)
//
// # What is emitted
//
// Each object carries enableDefaultDeny for both directions, explicitly: true exactly for
// the directions the policy isolates. Cilium otherwise puts every endpoint that a rule of a
// direction selects into default-deny for that direction, deny rules included, so a
// cluster-wide "deny IMDS" guardrail without it would cut all egress of every pod. Because
// Cilium derives default-deny from the rules that select an endpoint, a direction that is
// isolated but allows nothing gets one rule that admits nothing ({}).
//
// Each object also carries the label app.kubernetes.io/managed-by: netintent and its
// policy's rollout stage in the annotation policy.RolloutStageAnnotation.
//
// Pod peers state their namespace as Cilium's identity labels do: another namespace as
// io.kubernetes.pod.namespace, namespace labels as io.cilium.k8s.namespace.labels.<key>
// (kubernetes.io/metadata.name as io.kubernetes.pod.namespace), every namespace as
// "io.kubernetes.pod.namespace exists". Selectors that name no namespace in a
// CiliumNetworkPolicy mean its own namespace, as Cilium reads them. Service accounts are
// io.cilium.k8s.policy.serviceaccount, cluster-mesh clusters io.cilium.k8s.policy.cluster.
// Pods of the local cluster rely on the agent's policy-default-local-cluster (true by
// default), or name the cluster with LocalCluster. Cluster-wide policies select pods only
// (not the cilium-health or ingress-proxy endpoints an empty selector would also select).
//
// Rules are grouped per Cilium's constraints (one kind of peer per rule: endpoints,
// entities, CIDR sets or FQDNs; ports and ICMP in separate rules) and compacted: rules with
// the same traffic share peers, rules with the same peers share ports, duplicates go, and
// everything is sorted, so the output does not depend on the order the intent was written.
//
// Egress isolation keeps DNS (Policy.DNS) with an allow to the Set's DNS service on its
// ports, UDP and TCP 53 by default, each protocol named (protocol ANY would also open
// SCTP). A policy with FQDN peers sends its lookups through Cilium's DNS proxy, which is
// how toFQDNs learns addresses: the DNS allowance then carries a DNS rule admitting every
// name, or, without the allowance, the Model's lookup rule admits exactly the FQDN names.
//
// HTTP matches become rules.http: the proxy matches method, path and host as RE2 regexes
// against the whole value, so exact values are quoted (regexp.QuoteMeta); headers are
// "Name: value", matched exactly. The proxy's path is the whole request target, query
// string included, while the intent matches the path before the query
// (policy.RequestPath): an exact path is quoted and followed by (?:[?#].*)?, a prefix is
// quoted and followed by ".*", and a regex has '?' and '#' taken out of what it matches
// and is followed by (?:[?#].*)? (a '$' that does not end the regex is refused).
//
// # Capabilities
//
//	intent                                  Cilium 1.20
//	namespaced / cluster-wide subjects      CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy
//	host subjects (nodes)                   clusterwide nodeSelector (needs --enable-host-firewall)
//	pods: service, labels, namespaces       fromEndpoints / toEndpoints with identity labels
//	service accounts, cluster mesh          io.cilium.k8s.policy.serviceaccount / .cluster
//	CIDR with except (IPv4, IPv6)           fromCIDRSet / toCIDRSet
//	FQDN exact / pattern                    toFQDNs matchName / matchPattern, plus DNS proxy rule
//	entities world, cluster, host,          fromEntities / toEntities
//	  remote-node, kube-apiserver
//	any peer                                entity all
//	TCP/UDP/SCTP ports, ranges, names       toPorts (port 0: every port of the protocol)
//	ICMP / ICMPv6 types                     icmps
//	ICMP codes                              refused; WidenICMPCodes matches the whole type
//	deny rules                              ingressDeny / egressDeny (deny always wins;
//	                                          a pod's own node stays out of ingress denies)
//	FQDN peers in deny rules                refused (no toFQDNs in egressDeny)
//	HTTP method, path, host, headers        rules.http
//	HTTP on host policies, L7 on port 0,    refused; WidenL7 keeps L3/L4
//	  DNS lookups on port ranges, header
//	  values Envoy cannot match
//	DNS lookup patterns                     rules.dns
//	default-deny, DNS allowance             enableDefaultDeny; egress to the DNS service
//	tiers, order, pass rules                refused (no tiers: allows are unioned)
//	audit mode                              refused (agent-wide only); OmitAudit leaves it out
//	pod or node label keys the agent's      refused (not in any security identity)
//	  identity filter drops, or Cilium's
//	  reserved keys
//
// # Engine settings the output assumes
//
// The output is exact for an agent with Cilium 1.20's defaults: enable-l7-proxy,
// enable-icmp-rules and enable-non-default-deny-policies on, policy-default-local-cluster
// on (or use LocalCluster), the default identity label filter (--labels unset),
// policy-cidr-match-mode unset (CIDR rules match addresses outside the cluster only),
// and --allow-localhost at its default, which on Kubernetes lets a pod's own node reach it
// (the intent's rule for kubelet probes; with --allow-localhost=policy the node is dropped
// unless a rule allows it). Host policies only take effect with --enable-host-firewall.
// Cilium's denies win over allow-localhost, so the ingress denies of pod policies leave
// the host out: the entity host is dropped from them, and cluster and all become the rest
// of what they cover.
//
// One difference remains that no policy can undo: the agent gives the API server's
// addresses its kube-apiserver identity together with world (an API server outside the
// cluster) or host/remote-node (one on the nodes), so there the world, host and
// remote-node entities, and CIDR rules covering its address, match the API server too,
// which the intent keeps apart.
package cilium
