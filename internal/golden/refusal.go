package golden

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/policy"
)

// Refusal checks err, from compiling a Set of which the test declares the constructs the
// backend refuses (want, sorted; none when it compiles): err must be nil when want is
// empty, and otherwise a *policy.CompileError whose distinct constructs are want, so that
// a Set that starts or stops being refused, or is refused for something else, fails the
// test. It reports whether err is the declared refusal.
func Refusal(t testing.TB, err error, want []string) (refused bool) {
	t.Helper()
	if err == nil {
		if len(want) > 0 {
			t.Fatalf("compiled, but the test declares it refused for %q", want)
		}
		return false
	}
	var ce *policy.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("not a CompileError: %v", err)
	}
	if got := Constructs(ce); !slices.Equal(got, want) {
		t.Fatalf("refused for %q, but the test declares %q:\n%v", got, want, err)
	}
	return true
}

// Constructs returns the distinct constructs of ce's problems, sorted.
func Constructs(ce *policy.CompileError) []string {
	var out []string
	for _, p := range ce.Problems {
		out = append(out, p.Construct)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Fixes renders the fixes of a refusal for tests: their options, in order, each exact one
// followed by " exact", separated by ", ".
func Fixes(fixes []policy.Fix) string {
	out := make([]string, len(fixes))
	for i, f := range fixes {
		out[i] = f.Option
		if f.Exact {
			out[i] += " exact"
		}
	}
	return strings.Join(out, ", ")
}
