package backend

import (
	"slices"
	"strconv"
	"strings"

	"github.com/netintent/netintent/internal/stage"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Notes collects the lossy translations made in one object.
type Notes struct {
	backend, namespace, name string
	warnings                 []policy.Warning
}

// NewNotes returns the Notes of the object that the backend named backend emits, named
// name in namespace (empty for a cluster-scoped object).
func NewNotes(backend, namespace, name string) Notes {
	return Notes{backend: backend, namespace: namespace, name: name}
}

// Object names the object in warnings: "namespace/name", or "name".
func (n *Notes) Object() string {
	if n.namespace == "" {
		return n.name
	}
	return n.namespace + "/" + n.name
}

// Warn records a lossy translation of the intent at path, once per path and message:
// mirrored rules share the path of the rule they mirror.
func (n *Notes) Warn(path *field.Path, msg string) {
	p := path.String()
	for _, w := range n.warnings {
		if w.Path == p && w.Message == msg {
			return
		}
	}
	n.warnings = append(n.warnings, policy.Warning{Backend: n.backend, Path: p, Object: n.Object(), Message: msg})
}

// Warnings returns the warnings recorded, in the order they were made.
func (n *Notes) Warnings() []policy.Warning { return n.warnings }

// Meta returns the metadata of an object emitted for p: its name and namespace (empty for
// a cluster-scoped object), p's labels with policy.ManagedByLabel, and p's annotations
// with the rollout stage, p's rollout level if not 0 and, if any, the
// policy.WarningsAnnotation of notes.
func Meta(name, namespace string, p *policy.Policy, s policy.RolloutStage, notes *Notes) metav1.ObjectMeta {
	meta := metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: Labels(p.Labels), Annotations: annotations(p.Annotations, s, notes)}
	if p.Level > 0 {
		meta.Annotations[policy.RolloutLevelAnnotation] = strconv.Itoa(min(p.Level, stage.MaxLevel))
	}
	return meta
}

// Labels returns in with policy.ManagedByLabel, in a map of its own.
func Labels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	out[policy.ManagedByLabel] = policy.ManagedByValue
	return out
}

// annotations are an object's: the policy's own, its rollout stage, and the lossy
// translations made in it, one line "path: message" each, sorted for stable output.
func annotations(in map[string]string, stage policy.RolloutStage, notes *Notes) map[string]string {
	out := make(map[string]string, len(in)+2)
	for k, v := range in {
		out[k] = v
	}
	out[policy.RolloutStageAnnotation] = stage.String()
	if len(notes.warnings) > 0 {
		lines := make([]string, len(notes.warnings))
		for i, w := range notes.warnings {
			lines[i] = w.Path + ": " + w.Message
		}
		slices.Sort(lines)
		out[policy.WarningsAnnotation] = strings.Join(slices.Compact(lines), "\n")
	}
	return out
}
