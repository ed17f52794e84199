// Package policy is the intent: the fluent builder that states it (Set, Workload,
// RuleBuilder, the peer constructors), its validation (every problem at once, with
// field paths), the normalized Model that backends translate, and the reference
// evaluator that says what it means (Set.Evaluate, Model.Evaluate). Around them: Universe
// samples the endpoints and traffic a Model talks about, Lint finds likely mistakes, Diff
// reviews a change, and RolloutStage orders the objects of a rollout.
//
// The meaning, which every backend reproduces exactly or refuses, is defined in
// docs/semantics.md in the module
// (https://github.com/netintent/netintent/blob/main/docs/semantics.md): tiers first, deny
// wins and never isolates, isolation by any allow or default-deny, both ends of a flow,
// DNS kept for egress-isolated workloads, L7 rules that admit only matching requests.
//
// Which file holds what, here and in the backends, is docs/architecture.md
// (https://github.com/netintent/netintent/blob/main/docs/architecture.md).
package policy
