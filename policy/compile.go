package policy

import (
	"fmt"
	"strings"
)

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
	// Option names the backend option that would change the outcome, if there is one: by
	// default one that translates it lossily, with a warning.
	Option string
	// OptionDeclares says that Option instead declares a fact about the cluster (such as
	// its address ranges) that makes the intent exact.
	OptionDeclares bool
}

// CompileError lists every intent a backend could not express. A backend returns it
// instead of silently widening or narrowing access.
type CompileError struct {
	// Backend is the backend that refused.
	Backend string
	// Problems lists the refused intents, in the order of the Set's policies.
	Problems []Unsupported
}

// Error prints one problem per line.
func (e *CompileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d intent(s) cannot be expressed exactly:", e.Backend, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s: %s", p.Path, p.Construct, p.Detail)
		switch {
		case p.Option != "" && p.OptionDeclares:
			fmt.Fprintf(&b, " (option %s makes it exact)", p.Option)
		case p.Option != "":
			fmt.Fprintf(&b, " (option %s translates it with a warning)", p.Option)
		}
	}
	return b.String()
}
