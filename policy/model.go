package policy

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Direction is the direction of traffic as seen from the selected workload.
type Direction string

// The directions.
const (
	Ingress Direction = "Ingress"
	Egress  Direction = "Egress"
)

// Action is what a rule does with the traffic it matches.
type Action string

// The actions.
const (
	// Allow admits matching traffic (subject to denies and to the other end).
	Allow Action = "Allow"
	// Deny drops matching traffic; a deny always wins over allows of the same layer.
	Deny Action = "Deny"
	// Pass hands matching traffic to the next tier (tiered policies only).
	Pass Action = "Pass"
)

// Mode says whether a policy is enforced or only audited.
type Mode string

// The modes.
const (
	// Enforce drops what the policy denies.
	Enforce Mode = "Enforce"
	// Audit reports what the policy would deny without dropping it (staged rollout).
	Audit Mode = "Audit"
)

// Scope says where the workloads a policy selects live.
type Scope string

// The scopes.
const (
	// ScopeNamespace selects pods in one namespace.
	ScopeNamespace Scope = "Namespace"
	// ScopeCluster selects pods in every namespace (optionally narrowed by namespace labels).
	ScopeCluster Scope = "Cluster"
	// ScopeHost selects nodes (host firewall).
	ScopeHost Scope = "Host"
)

// Model is a validated Set in the normalized form the backends read: one Policy per
// distinct subject, with the rules of both ends of every edge, in a deterministic order.
// Obtain it with Set.Model.
//
// A Model is read-only. Its subjects and peers share equal label selectors (every peer
// and subject naming a service holds the same selector), and the rules mirrored from one
// policy share their peer, so that changing one would change others. It shares no memory with the Set it came from, nor with another Model:
// changing the Set, or building another Model, leaves it as it is.
type Model struct {
	// ServiceLabel is the pod label that names a service ("app" by default).
	ServiceLabel string
	// DNS is the DNS service that egress-isolated workloads may always reach (docs/semantics.md,
	// "DNS is kept"), and DNSPorts the ports it listens on.
	DNS      Peer
	DNSPorts []Port
	// Namespaces lists every namespace the Set declares or refers to, sorted by name.
	Namespaces []NamespaceInfo
	// Tiers lists the tiers, by ascending order.
	Tiers []Tier
	// Policies lists the policies: cluster-scoped, then host-scoped, then namespaced ones
	// by namespace; each group by name.
	Policies []*Policy
}

// NamespaceInfo is what the Set knows about a namespace.
type NamespaceInfo struct {
	// Name of the namespace.
	Name string
	// Labels declared for the namespace (plus kubernetes.io/metadata.name, which Kubernetes
	// sets on every namespace). Namespace selectors in the Set are judged against these.
	Labels map[string]string
}

// Tier is an ordered layer of policies, evaluated before untiered policies.
type Tier struct {
	// Name of the tier.
	Name string
	// Order: lower orders are evaluated first.
	Order float64
	// DefaultAction applies when a policy of the tier selected the endpoint but no rule of
	// the tier decided: Deny (the default) or Pass.
	DefaultAction Action
	// Path is where the tier was declared.
	Path *field.Path
}

// Subject is the set of endpoints a policy applies to.
type Subject struct {
	// Scope says whether Namespace, NamespaceSelector or Nodes apply.
	Scope Scope
	// Namespace of the selected pods (ScopeNamespace).
	Namespace string
	// NamespaceSelector narrows ScopeCluster to namespaces whose labels match; nil is every
	// namespace.
	NamespaceSelector *metav1.LabelSelector
	// Pods selects pods by labels (ScopeNamespace and ScopeCluster); empty selects all.
	Pods metav1.LabelSelector
	// Nodes selects nodes by labels (ScopeHost); empty selects all nodes.
	Nodes metav1.LabelSelector
	// Service is the service name when the subject is exactly a service's pods.
	Service string
}

// Policy is the intent for one subject: its rules in both directions and whether it
// isolates the subject. Backends emit one object (or one per direction) per Policy.
type Policy struct {
	// Name is the object name, a DNS-1123 label unique within its scope (namespace, or the
	// cluster for cluster and host scope) and tier.
	Name string
	// Subject is what the policy applies to.
	Subject Subject
	// Ingress and Egress hold the rules in the order written; mirrored rules follow.
	Ingress []Rule
	Egress  []Rule
	// Isolate lists the directions in which this policy isolates its subject: those with
	// an allow rule or an explicit default-deny. Deny rules alone never isolate.
	Isolate []Direction
	// DNS is true when the policy isolates egress and the subject keeps DNS to the Model's
	// DNS service: backends add that allowance to the object that isolates.
	DNS bool
	// DNSInherited is true when DNS is set only to repeat the allowance of a policy in
	// Inherits.
	DNSInherited bool
	// Tier is the tier of a tiered policy; empty for untiered policies.
	Tier string
	// Order orders the policy within its tier (lower first); 0 for untiered policies.
	Order float64
	// Mode is Enforce or Audit.
	Mode Mode
	// Labels and Annotations go onto the emitted objects.
	Labels      map[string]string
	Annotations map[string]string
	// Path is where the policy was declared in the Set, for messages.
	Path *field.Path
	// Derived is true for a policy the Set never declared: one that carries mirrored
	// rules, for the pods of an isolating policy that the other end of an edge names; or
	// one for the pods two overlapping policies select, carrying only what it inherits
	// from them, so that the rollout never isolates those pods with one policy's allows
	// and without the other's (docs/semantics.md, rollout).
	Derived bool
	// Isolators are, for a derived policy carrying mirrored rules, the policies of the
	// Model whose isolation those rules open (usually one).
	Isolators []*Policy
	// Inherits are the enforced, untiered policies whose subjects contain its own and that
	// isolate a direction it isolates. It repeats their allows in those directions, marked
	// Rule.Inherited, and their DNS allowance (DNSInherited): its object then admits alone
	// what its pods need, so that applying it before them cuts nothing
	// (docs/semantics.md, rollout).
	Inherits []*Policy
	// Level orders the policy's objects within its rollout stage, lowest first: 0 for a
	// policy whose subject contains no narrower subject of a policy of its stage, else one
	// more than the highest Level of those (netintent.io/rollout-level; see
	// Model.RolloutOrder). A pod group inside a service is applied before the service.
	Level int
}

// Isolates reports whether p isolates its subject in direction d.
func (p *Policy) Isolates(d Direction) bool {
	for _, x := range p.Isolate {
		if x == d {
			return true
		}
	}
	return false
}

// Rules returns the rules of direction d.
func (p *Policy) Rules(d Direction) []Rule {
	if d == Ingress {
		return p.Ingress
	}
	return p.Egress
}

// Rule is one rule: an action for traffic between the subject and any of Peers on any of
// Ports/ICMP, optionally narrowed to L7 requests.
type Rule struct {
	// Action is Allow, Deny or Pass.
	Action Action
	// Peers are the other ends; any one of them matches.
	Peers []Peer
	// Ports are the destination ports; with ICMP also empty the rule matches all traffic.
	Ports []Port
	// ICMP lists ICMP messages the rule matches.
	ICMP []ICMP
	// HTTP narrows an allow to matching requests; empty means no L7 constraint.
	HTTP []HTTPMatch
	// DNS narrows an egress allow to DNS servers to lookups of names matching these
	// patterns (same syntax as Peer.FQDN).
	DNS []string
	// Mirrored marks a rule derived from the other end's intent (docs/semantics.md, "Both
	// ends: mirroring"). It carries L3/L4 only: the L7 part is enforced where the intent
	// was written.
	Mirrored bool
	// OneSided marks an allow written with RuleBuilder.OneSided: it opens only its own end
	// and is never mirrored.
	OneSided bool
	// Inherited marks a copy of an allow of a policy in Policy.Inherits: it changes no
	// verdict (that policy admits the same flows of the same pods), and the evaluator
	// skips it.
	Inherited bool
	// Path is where the rule was written in the Set, for messages and warnings.
	Path *field.Path
}

// Written reports whether the rule was written at this policy in the Set: neither
// mirrored from the other end nor inherited from a broader policy.
func (r *Rule) Written() bool { return !r.Mirrored && !r.Inherited }

// AllTraffic reports whether the rule matches every protocol and port.
func (r *Rule) AllTraffic() bool { return len(r.Ports) == 0 && len(r.ICMP) == 0 }

// HasL7 reports whether the rule narrows traffic to L7 requests.
func (r *Rule) HasL7() bool { return len(r.HTTP) > 0 || len(r.DNS) > 0 }
