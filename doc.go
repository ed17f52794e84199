// Package netintent compiles Kubernetes network-security intent, written once in Go, into
// native, valid, equivalent policy objects for three enforcement engines.
//
// Intent is written with the fluent builder of package policy:
//
//	set := policy.NewSet(policy.DefaultNamespace("ecommerce"))
//	set.Service("order-service").
//		AllowFrom("api-gateway").TCP(8080).HTTP("POST", "/orders").HTTPRegex("GET", "/orders/[0-9]+").
//		AllowTo("inventory-service").TCP(8080).
//		AllowTo("payment-service").TCP(8080)
//	set.Namespace("ecommerce").DefaultDeny()    // isolates every pod; DNS stays allowed
//	set.Cluster("block-metadata-access").       // a guardrail: a deny that always wins
//		DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
//
// and compiled by a backend:
//
//	res, err := cilium.Compile(set) // CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy
//	res, err := calico.Compile(set, calico.ClusterCIDRs(podRange, nodeRange)) // projectcalico.org/v3
//	res, err := k8snp.Compile(set, k8snp.ClusterCIDRs(podRange, nodeRange))   // networking.k8s.io/v1
//
// A backend that cannot express part of the intent exactly returns a *policy.CompileError
// naming each part and the option that would change the outcome: this Set's HTTP regex is
// refused by calico and k8snp, its guardrail by k8snp, and k8snp and calico need the
// cluster's address ranges (ClusterCIDRs) before they emit any CIDR peer, because their
// address matches also match pods and nodes.
//
// Each backend's Result holds typed upstream objects (Objects returns them as Object, the
// shape of controller-runtime's client.Object, for controller-runtime and client-go) and
// renders them as YAML, JSON, one file per object, or *unstructured.Unstructured values
// (Unstructured) whose maps Pulumi and cdk8s programs take. Every Result is a
// policy.Result, and each backend's Backend function (k8snp.Backend(opts...), ...) returns
// it with its options as one policy.Backend value, which policy.Diff, explain.Flow and
// gitops.SyncAll take.
//
// Around the backends:
//
//   - package gitops keeps a directory of manifests, with its kustomization.yaml, in step
//     with the objects, for `go generate` and GitOps tools; SyncAll does it for every
//     backend at once, one directory each;
//   - package explain says why a flow is allowed or denied, naming the intent rule that
//     decides and the object and rule each backend emits for it;
//   - package diagram draws a Set as a Mermaid or DOT graph, or tabulates what it allows.
//
// # What the intent means
//
// Package policy defines the meaning every backend must reproduce, and an evaluator that
// answers, for any flow, whether the Set allows it and which rule decided. The whole
// definition is docs/semantics.md in the module
// (https://github.com/netintent/netintent/blob/main/docs/semantics.md); in short:
//
//   - A deny always wins and never isolates a workload by itself.
//   - A workload is isolated in a direction when it has an allow rule in that direction or
//     is default-deny; then only what an allow rule admits gets through.
//   - A flow between two workloads needs both ends: the source's egress and the
//     destination's ingress. An edge is written once; the other end's rule is derived
//     where that end is isolated, and nowhere else.
//   - Egress isolation keeps DNS to kube-dns open unless the intent opts out.
//   - An L7 rule admits the connection and only the matching requests.
//   - Tiers, where used, are evaluated first, in order; a Pass hands over to the next tier.
//
// # Rollout
//
// Every policy object carries its rollout stage in the annotation
// policy.RolloutStageAnnotation, and every rendering (Objects, YAML, JSON, WriteDir file
// names, gitops' kustomization) comes in rollout order: tiers, audit, guardrails, then
// workloads, namespaces and cluster-wide policies, narrower first; and every policy
// repeats the allows and DNS allowance of the broader policies containing it. So applying
// the objects one by one never isolates pods before their allows and DNS are in place. policy.Diff, given backends (k8snp.Backend(), ...), lists the objects a change
// creates, updates and deletes, in that order, with the flows it opens and closes.
//
// # Fidelity
//
// A backend expresses an intent exactly or refuses it with a *policy.CompileError naming
// the intent's field path, the backend and the construct it lacks. Lossy translations
// happen only behind an explicit option and are reported as policy.Warning values and as
// an annotation on the affected object.
package netintent
