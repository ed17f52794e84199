package golden

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/netintent/netintent/policy"
)

// DiffCase is a change that DiffObjects checks: two Sets and what policy.Diff must report.
type DiffCase struct {
	Name     string
	Old, New func() *policy.Set
	// Backend, if set, replaces the one DiffObjects was given (to add options).
	Backend policy.Backend
	// Want lists the objects that change, in Diff's order, each as "backend op Kind
	// namespace/name stage".
	Want []string
	// OldHas and NewHas are in the YAML of the first object before and after.
	OldHas, NewHas string
	// WantErr is the start of the error, which must be a *policy.CompileError of the
	// Backend; empty when Diff must succeed.
	WantErr string
}

// DiffObjects runs policy.Diff with b on every case and checks the objects it reports, or
// its error: the backends' tests of their policy.Backend share it.
func DiffObjects(t *testing.T, b policy.Backend, cases []DiffCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Backend == nil {
				tc.Backend = b
			}
			c, err := policy.Diff(tc.Old(), tc.New(), tc.Backend)
			if tc.WantErr != "" {
				var ce *policy.CompileError
				if err == nil || !strings.HasPrefix(err.Error(), tc.WantErr) || !errors.As(err, &ce) || ce.Backend != tc.Backend.Name() {
					t.Fatalf("error %v, want a *policy.CompileError of %s starting %q", err, tc.Backend.Name(), tc.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, o := range c.Objects {
				got = append(got, fmt.Sprintf("%s %s %s %s/%s %s", o.Backend, o.Op, o.Kind, o.Namespace, o.Name, o.Stage))
			}
			if !reflect.DeepEqual(got, tc.Want) {
				t.Errorf("objects\ngot  %q\nwant %q", got, tc.Want)
			}
			if tc.OldHas != "" && !strings.Contains(string(c.Objects[0].Old), tc.OldHas) ||
				tc.NewHas != "" && !strings.Contains(string(c.Objects[0].New), tc.NewHas) {
				t.Errorf("YAML before\n%s\nafter\n%s\nwant %q before, %q after", c.Objects[0].Old, c.Objects[0].New, tc.OldHas, tc.NewHas)
			}
		})
	}
}
