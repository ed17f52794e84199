package backend

import (
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Construct is something a backend may refuse to express: its value is the
// policy.Unsupported.Construct of the refusal. Each backend declares its constructs in
// one table, and its capability rows name the construct their probe is refused for.
type Construct string

// Of is the construct qualified by what it is about, such as the label key of a
// "pod label key" the target cannot match: "pod label key app.kubernetes.io/name".
func (c Construct) Of(what string) Construct { return c + " " + Construct(what) }

// Names reports whether construct, an Unsupported.Construct, is c or c qualified by Of.
func (c Construct) Names(construct string) bool {
	return construct == string(c) || len(construct) > len(c) && construct[:len(c)+1] == string(c)+" "
}

// Refusals collects the intents a backend cannot express exactly, in the order they are
// refused.
type Refusals struct {
	list []policy.Unsupported
}

// Refuse records that the intent at path needs construct, which the target lacks; detail
// explains the gap and option names the backend option that would change the outcome, if
// any.
func (r *Refusals) Refuse(path *field.Path, construct Construct, detail, option string) {
	r.list = append(r.list, policy.Unsupported{Path: path.String(), Construct: string(construct), Detail: detail, Option: option})
}

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

// Declare records, as Refuse does, an intent that option makes exact by declaring a fact
// about the cluster (such as its address ranges).
func (r *Refusals) Declare(path *field.Path, construct Construct, detail, option string) {
	r.list = append(r.list, policy.Unsupported{Path: path.String(), Construct: string(construct), Detail: detail, Option: option, OptionDeclares: true})
}
