package backend

import (
	"strings"

	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Construct is something a backend may refuse to express: its value is the
// policy.Unsupported.Construct of the refusal, where a %s stands for what the refusal is
// about (see Of). Each backend declares its constructs in one table; its refusals name
// them, and each capability row the one its probe is refused for.
type Construct string

// Of is the construct about what, such as the label key of "pod label key %s":
// "pod label key app.kubernetes.io/name".
func (c Construct) Of(what string) Construct {
	return Construct(strings.Replace(string(c), "%s", what, 1))
}

// Refusals collects the intents a backend cannot express exactly, in the order they are
// refused.
type Refusals struct {
	list []policy.Unsupported
}

// Refuse records that the intent at path needs construct, which the target lacks; detail
// explains the gap and fixes lists every option of the backend that would change the
// outcome (Exact, Lossy), those that make it exact first.
func (r *Refusals) Refuse(path *field.Path, construct Construct, detail string, fixes ...policy.Fix) {
	r.list = append(r.list, policy.Unsupported{Path: path.String(), Construct: string(construct), Detail: detail, Fixes: fixes})
}

// Exact is the fix of an option that makes an intent exact by declaring a fact about the
// cluster, such as its address ranges.
func Exact(option string) policy.Fix { return policy.Fix{Option: option, Exact: true} }

// Lossy is the fix of an option that translates an intent lossily, with a warning.
func Lossy(option string) policy.Fix { return policy.Fix{Option: option} }

// Refused returns r, so that a translator that embeds Refusals is a Chunk's refusals.
func (r *Refusals) Refused() *Refusals { return r }

// Any reports whether anything was refused.
func (r *Refusals) Any() bool { return len(r.list) > 0 }

// Join appends the refusals of other.
func (r *Refusals) Join(other *Refusals) { r.list = append(r.list, other.list...) }

// Err returns nil, or the *policy.CompileError of the backend name listing the refusals.
// A mirrored rule carries the path of the rule it mirrors, so the same refusal can be made
// twice: it is listed once, where it was first made.
func (r *Refusals) Err(name string) error {
	if len(r.list) == 0 {
		return nil
	}
	type key struct{ path, construct, detail string }
	seen := make(map[key]bool, len(r.list))
	var problems []policy.Unsupported
	for _, p := range r.list {
		if k := (key{p.Path, p.Construct, p.Detail}); !seen[k] {
			seen[k] = true
			problems = append(problems, p)
		}
	}
	return &policy.CompileError{Backend: name, Problems: problems}
}
