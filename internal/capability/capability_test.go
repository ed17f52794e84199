package capability_test

import (
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/capability"
	_ "github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestProbesValid checks that every feature has a valid probe.
func TestProbesValid(t *testing.T) {
	for _, f := range policy.Features() {
		set := capability.Probe(f)
		if set == nil {
			t.Errorf("no probe for %q", f)
			continue
		}
		if err := set.Validate(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// result is a policy.Result of which Problems uses Warnings and YAML.
type result struct {
	policy.Result
	warnings []policy.Warning
}

func (r *result) Warnings() []policy.Warning { return r.warnings }
func (r *result) YAML() ([]byte, error)      { return nil, nil }

// option is an option of the fake backend: what it does to the outcome.
type option func(*outcome)

type outcome struct {
	construct string // refused for this construct, if any
	warn      bool
}

// fake compiles every probe to the outcome its options make, starting from refused; a
// refusal names fixes.
func fake(fixes []policy.Fix) func(set *policy.Set, opts ...option) (*result, error) {
	return func(set *policy.Set, opts ...option) (*result, error) {
		o := outcome{construct: "ours"}
		for _, opt := range opts {
			opt(&o)
		}
		if o.construct != "" {
			return nil, &policy.CompileError{Backend: "fake", Problems: []policy.Unsupported{{Path: "p", Construct: o.construct, Fixes: fixes}}}
		}
		return done(o), nil
	}
}

// done is the result of a compilation that gave o without a refusal.
func done(o outcome) *result {
	r := &result{}
	if o.warn {
		r.warnings = []policy.Warning{{Backend: "fake", Message: "widened"}}
	}
	return r
}

// TestProblems checks what Problems reports about one declaration of a backend that
// refuses every probe: a refusal for another construct than the row's, and a note that
// names an option which changes nothing or is unknown, are contradictions.
func TestProblems(t *testing.T) {
	options := map[string]option{
		"fake.Widen()":   func(o *outcome) { o.construct, o.warn = "", true },
		"fake.Declare()": func(o *outcome) { o.warn = false },
		"fake.Other()":   func(o *outcome) { o.construct = "other" },
		"fake.Nothing()": func(*outcome) {},
	}
	// The options that change the outcome of the probe alone.
	all := []policy.Fix{{Option: "fake.Widen()"}, {Option: "fake.Other()"}}
	for _, tc := range []struct {
		name  string
		cap   policy.Capability
		fixes []policy.Fix // the refusal's, all when nil
		want  string
	}{
		{name: "refused for its construct", cap: policy.Capability{Support: policy.Refused, Construct: "ours"}},
		{name: "refused for another construct", cap: policy.Capability{Support: policy.Refused, Construct: "theirs"},
			want: `declared refused for "theirs"`},
		{name: "no construct", cap: policy.Capability{Support: policy.Refused}, want: `declared refused for ""`},
		{name: "option", cap: policy.Capability{Support: policy.WithOption, Construct: "ours", Option: "fake.Widen()"}},
		{name: "note names an option that changes the outcome alone",
			cap: policy.Capability{Support: policy.Refused, Construct: "ours", Note: "fake.Other() refuses otherwise"}},
		{name: "note names an option that changes the outcome with the row's",
			cap: policy.Capability{Support: policy.WithOption, Construct: "ours", Option: "fake.Widen()", Note: "exact with fake.Declare()"}},
		{name: "note names an option that changes nothing",
			cap:  policy.Capability{Support: policy.WithOption, Construct: "ours", Option: "fake.Widen()", Note: "exact with fake.Nothing()"},
			want: "the note names fake.Nothing(), which does not change the outcome"},
		{name: "note names an unknown option",
			cap:  policy.Capability{Support: policy.Refused, Construct: "ours", Note: "fake.Unknown(...) helps"},
			want: "the note names fake.Unknown(...), which is not known to the test"},
		{name: "refusal omits an option that changes the outcome",
			cap: policy.Capability{Support: policy.Refused, Construct: "ours"}, fixes: all[:1],
			want: `fake.Other() changes the outcome, but the refusal for "ours" names only ["fake.Widen()"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cap.Feature = policy.FeatureDeny
			var got []string
			fixes := tc.fixes
			if fixes == nil {
				fixes = all
			}
			for _, p := range capability.Problems([]policy.Capability{tc.cap}, fake(fixes), options) {
				if !strings.HasPrefix(p, "feature ") { // the other features are not declared
					got = append(got, p)
				}
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("got %q, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("got %q, want one containing %q", got, tc.want)
			}
		})
	}
}
