package policy

import (
	"fmt"
	"sort"

	"github.com/netintent/netintent/internal/stage"
)

// RolloutStage is the step of a rollout in which a policy's objects are applied. Every
// engine isolates a pod in a direction as soon as one object selecting it that way is
// applied, so an object applied before the objects carrying its pods' allows drops the
// traffic in between (the guide's case 1: default-deny before the DNS and service
// allows). netintent avoids it in two ways: every policy repeats the allows (and DNS
// allowance) of the broader policies containing it (Policy.Inherits), so its object
// admits alone what its pods need; and objects are applied narrower first:
//
//   - StageAudit: audit-mode policies (staged policies where the backend has them). They
//     drop nothing and report what enforcing would drop, so they go first.
//   - StageGuardrail: policies that isolate nothing, only deny (or pass) what they name.
//     They cut only intended traffic and must be in place before an allow could open it.
//   - StageWorkload: policies of some pods of a namespace (a service, a pod group, the
//     derived side of an edge), with their allows and those they inherit.
//   - StageNamespace: policies of whole namespaces (their defaults): once they isolate a
//     namespace's pods, the narrower policies of those pods are in place.
//   - StageCluster: cluster-wide and host policies, the broadest.
//
// Within a stage, a policy enclosing narrower ones of the same stage (a service and a pod
// group inside it) comes after them (Policy.Level, RolloutLevelAnnotation), and objects
// of one level are applied by name. Where two subjects overlap without either containing
// the other (a cluster-wide selection by label and a namespace's defaults), a derived
// policy for the pods both select repeats the allows of both and comes first. The one
// gap left: a namespace selector that matches a namespace only by labels the Set does not
// declare (docs/semantics.md, rollout).
//
// Tier objects, which backends emit for tiered policies, precede all of them.
type RolloutStage int

// The rollout stages, in order.
const (
	StageAudit RolloutStage = iota
	StageGuardrail
	StageWorkload
	StageNamespace
	StageCluster
)

// RolloutStageAnnotation is the annotation that every policy object a backend emits
// carries, with the String of the object's RolloutStage as its value. Rendered output
// (YAML, JSON, WriteDir files, gitops.Sync's kustomization) comes in the order of these
// stages, after the Tiers; WriteDir file names start with the stage's step (10 audit, 20
// guardrail, 30 workload, 40 namespace, 50 cluster), so that a directory applied with
// `kubectl apply -f` rolls out in order. An object takes the stage of the policy it
// carries, except Calico's deny object of an untiered policy (in tier calico.DenyTier):
// it only denies, so it is a guardrail (or audit, staged).
const RolloutStageAnnotation = stage.Annotation

// RolloutLevelAnnotation carries, on objects of a policy whose Level is not 0, that
// Level (at most 9): the second digit of the object's rollout step, which WriteDir file
// names start with (31-networkpolicy_shop_web.yaml comes after
// 30-networkpolicy_shop_web-batch.yaml, the pod group inside it).
const RolloutLevelAnnotation = stage.LevelAnnotation

// ReservedAnnotationPrefix starts the keys of the annotations the backends set on the
// objects they emit: RolloutStageAnnotation, and the list of lossy translations made in
// an object (netintent.io/warnings). A policy's own annotation under it would be
// overwritten, or read as the backend's, so it is a validation error.
const ReservedAnnotationPrefix = "netintent.io/"

// String names the stage: "audit", "guardrail", "workload", "namespace" or "cluster".
func (s RolloutStage) String() string {
	if s < 0 || int(s) >= len(stage.Names) {
		return fmt.Sprintf("RolloutStage(%d)", int(s))
	}
	return stage.Names[s]
}

// RolloutStage returns the stage in which p, a policy of m, is applied.
func (m *Model) RolloutStage(p *Policy) RolloutStage {
	if p.Mode == Audit {
		return StageAudit
	}
	isolates := false
	for _, d := range []Direction{Ingress, Egress} {
		isolates = isolates || p.Isolates(d) || tierDrops(m, p, d)
	}
	switch {
	case !isolates:
		return StageGuardrail
	case p.Subject.Scope == ScopeNamespace && !isEmptySelector(&p.Subject.Pods):
		return StageWorkload
	case p.Subject.Scope == ScopeNamespace:
		return StageNamespace
	default:
		return StageCluster
	}
}

// RolloutOrder returns m's policies in the order to apply them: by RolloutStage and
// Policy.Level, then as their objects' files sort (render.Sort): by namespace, then by
// name.
// A derived policy of a cluster-wide one is named after it plus "-" and a hash, so its
// file ("q-1a2b3c4d.yaml") sorts before that of the policy containing it ("q.yaml").
func (m *Model) RolloutOrder() []*Policy {
	out := append([]*Policy(nil), m.Policies...)
	stages := map[*Policy]RolloutStage{}
	for _, p := range out {
		stages[p] = m.RolloutStage(p)
	}
	sort.SliceStable(out, func(i, j int) bool { return rolloutLess(stages[out[i]], out[i], stages[out[j]], out[j]) })
	return out
}

func rolloutLess(sa RolloutStage, a *Policy, sb RolloutStage, b *Policy) bool {
	if sa != sb {
		return sa < sb
	}
	if la, lb := min(a.Level, stage.MaxLevel), min(b.Level, stage.MaxLevel); la != lb {
		return la < lb
	}
	if a.Subject.Namespace != b.Subject.Namespace {
		return a.Subject.Namespace < b.Subject.Namespace
	}
	return a.Name+"." < b.Name+"."
}
