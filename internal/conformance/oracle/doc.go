// Package oracle judges emitted policy objects with the targets' own code, so
// the backends of github.com/netintent/netintent are tested against what the
// API servers accept and what the data planes enforce, not against our
// reading of their documentation.
//
// It lives in the nested module github.com/netintent/netintent/internal/conformance
// (replace github.com/netintent/netintent => ../..) because its dependencies
// are heavy: k8s.io/kubernetes v1.36.4 (with its 31 staging modules replaced
// to v0.36.4), github.com/cilium/cilium v1.20.2, Calico v3.31
// (github.com/projectcalico/api and .../calico at pinned pseudo-versions,
// sigs.k8s.io/network-policy-api replaced to v0.1.5 for libcalico-go) and
// github.com/mattfenwick/cyclonus v0.5.6. Users of the library never download
// them. A cold build of this package takes several minutes on two cores; it
// builds with cgo on or off.
//
// # Validity
//
//   - DecodeYAML strictly decodes multi-document YAML into upstream types.
//   - ValidateNetworkPolicy runs the Kubernetes API server's create path for
//     networking.k8s.io/v1 NetworkPolicy (defaulting, conversion, registry
//     strategy, declarative and hand-written validation, ObjectMeta).
//   - ValidateCilium runs the CNP/CCNP CRD schema validator and the agent's
//     Parse (Sanitize) on a copy.
//   - ValidateCalico runs what Calico's API server (libcalico-go clientv3)
//     runs on create: tier existence, defaulting, validator/v3, tiered names.
//   - Validate dispatches over a mixed list.
//
// # Meaning
//
// A Universe (namespaces, pods with labels, service accounts, IPs and named
// ports, external addresses, and nodes for Calico's host endpoints) and a Flow
// (from, to, protocol and port or ICMP type) are the neutral inputs; flow ends are
// pods, external addresses, nodes, and Cilium's reserved identities
// (ReservedIdentities). Only the Cilium engine judges reserved ends and ICMP flows.
// Four engines answer "is this flow allowed?":
//
//   - NetworkPolicyEngine / NetworkPolicyVerdict: cyclonus's matcher.
//   - NetworkPolicyCiliumEngine: Cilium's translation of NetworkPolicy
//     (pkg/k8s.ParseNetworkPolicy, compiled from a verbatim copy in
//     internal/ciliumk8s) in Cilium's policy repository: a second, independent
//     reading of NetworkPolicy.
//   - CiliumEngine / CiliumVerdict: Cilium's policy repository and LookupFlow.
//   - CalicoEngine / CalicoVerdict: Calico's converters and selector library
//     under a small re-implementation of Felix's tier/order/Pass semantics;
//     CalicoEngine.DecideHTTP judges HTTP requests with Calico's application
//     layer checker (app-policy/checker) over a store Felix's code fills.
//
// Each engine's type documents its wiring and its limits. When an engine
// cannot judge a flow faithfully it returns an error wrapping ErrCannotJudge;
// property tests skip those cases. Engines are built once and then answer
// many flows; the *Verdict functions are one-shot conveniences. The Cilium
// engine sets process-global Cilium options (allow-localhost "always", the
// "cluster" entity for the universe's cluster): do not mix universes with
// different cluster names in parallel tests.
//
// Pod IPs: pods without an explicit IP get one from 100.64.0.0/10. The
// NetworkPolicy engine refuses flows whose pod IP an ipBlock matches (whether
// ipBlocks match pod IPs is implementation-defined); Cilium never matches
// CIDRs against pods (default policy-cidr-match-mode), so both of its engines
// judge them; Calico does
// match nets against pod IPs, so Calico tests about nets set pod IPs
// explicitly.
package oracle
