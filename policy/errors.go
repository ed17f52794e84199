package policy

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidationError lists every problem found in a Set, each with its field path.
type ValidationError struct {
	// Errors are the problems, in a stable order.
	Errors field.ErrorList
}

// Error prints one problem per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid policy set (%d problem", len(e.Errors))
	if len(e.Errors) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, fe := range e.Errors {
		b.WriteString("\n  ")
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Unwrap returns the individual problems, for errors.Is and errors.As.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		out[i] = fe
	}
	return out
}

// Warning reports a lossy translation that a backend made because an option allowed it.
// Backends also record it as an annotation on the affected object.
type Warning struct {
	// Backend is the backend that made the translation ("k8snp", "cilium", "calico").
	Backend string
	// Path is the field path of the intent that was translated.
	Path string
	// Object is the emitted object that carries the translation ("namespace/name").
	Object string
	// Message says what was widened or dropped, and why.
	Message string
}

// String renders the warning in one line.
func (w Warning) String() string {
	return fmt.Sprintf("%s: %s: %s (in %s)", w.Backend, w.Path, w.Message, w.Object)
}

// Unsupported is one intent that a backend cannot express exactly.
type Unsupported struct {
	// Path is the field path of the intent.
	Path string
	// Construct names what the target lacks ("deny rules", "L7 HTTP rules", ...).
	Construct string
	// Detail explains the gap.
	Detail string
	// Fixes lists every option of the backend that changes the outcome, those that make
	// the intent exact first; none when only another intent would.
	Fixes []Fix
}

// Fix is an option of a backend that changes the outcome of a refused intent.
type Fix struct {
	// Option is the option as Go code: "calico.ClusterCIDRs(...)".
	Option string
	// Exact is true when the option makes the intent exact by declaring a fact about the
	// cluster (its address ranges, a proxy that enforces HTTP rules); false when it has
	// the backend translate the intent lossily, with a warning.
	Exact bool
}

// CompileError lists every intent a backend could not express. A backend returns it
// instead of silently widening or narrowing access.
type CompileError struct {
	// Backend is the backend that refused.
	Backend string
	// Problems lists the refused intents, in the order of the Set's policies.
	Problems []Unsupported
}

// Error prints one problem per line, with its fixes.
func (e *CompileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d intent(s) cannot be expressed exactly:", e.Backend, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s: %s", p.Path, p.Construct, p.Detail)
		if len(p.Fixes) == 0 {
			continue
		}
		fixes := make([]string, len(p.Fixes))
		for i, f := range p.Fixes {
			if f.Exact {
				fixes[i] = "option " + f.Option + " makes it exact"
			} else {
				fixes[i] = "option " + f.Option + " translates it with a warning"
			}
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(fixes, "; "))
	}
	return b.String()
}
