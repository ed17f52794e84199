package lift

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Error lists every problem that kept the objects from being lifted: nothing is lifted
// when one of them cannot be lifted exactly.
type Error struct {
	Problems []Problem
}

// Problem is one construct of one object that has no exact intent equivalent, or that
// the API server would reject.
type Problem struct {
	// Object names the object: its kind, namespace and name ("NetworkPolicy shop/web"), or
	// its place in the input when it has no name.
	Object string
	// Err holds the field path within the object, the value and why.
	Err *field.Error
}

// Error returns one line per problem.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lift: %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Object, p.Err.Error())
	}
	return b.String()
}

// problems collects the problems of one object.
type problems struct {
	object string
	out    *[]Problem
}

func (p problems) add(errs ...*field.Error) {
	for _, err := range errs {
		*p.out = append(*p.out, Problem{Object: p.object, Err: err})
	}
}
