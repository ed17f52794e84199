// Package cnp judges policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy objects
// (sigs.k8s.io/network-policy-api v0.2.0) with upstream code, for the tests of the
// library's ClusterNetworkPolicy output:
//
//   - Validate runs what an API server with the v0.2.0 CRD installed (standard or
//     experimental channel) runs on create: the CRD handler's decoding, the
//     structural schema's OpenAPI validation and its CEL rules
//     (k8s.io/apiextensions-apiserver v0.36.4).
//   - Engine judges flows under NetworkPolicies and ClusterNetworkPolicies together
//     with Cilium v1.20.2's translation of both (pkg/k8s ParseNetworkPolicy and
//     ParseClusterNetworkPolicy) and its policy repository.
//
// It is a module of its own, github.com/netintent/netintent/internal/conformance/cnp,
// beside the parent conformance module: Cilium's pkg/k8s needs
// sigs.k8s.io/network-policy-api v0.2.0, which the parent replaces with v0.1.5 for its
// Calico oracles. For the same reason it cannot import the parent's oracle package
// (which compiles Calico): Universe, Flow and Endpoint here are a subset of oracle's,
// with the same field names, and ErrCannotJudge plays oracle.ErrCannotJudge's role.
package cnp
