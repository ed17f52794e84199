package golden

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/netintent/netintent/policy"
)

// DiffBackend is a backend as DiffObjects checks it.
type DiffBackend struct {
	// Backend is the backend with its default options; Widening is the backend with the
	// option that lets it compile Lossy.
	Backend, Widening policy.Backend
	// Kind is the kind of the objects of namespaced policies.
	Kind string
	// Port is how the YAML of a rule names a TCP port.
	Port func(port int) string
	// Lossy adds to a Set a rule the backend refuses with its default options.
	Lossy func(*policy.Set)
}

// diffCase is a change that DiffObjects checks: two Sets and what policy.Diff must report.
type diffCase struct {
	name     string
	old, new func() *policy.Set
	// backend, if set, replaces DiffBackend.Backend (to add options).
	backend policy.Backend
	// want lists the objects that change, in Diff's order, each as "op namespace/name
	// stage", of the backend and its Kind.
	want []string
	// oldHas and newHas are in the YAML of the first object before and after.
	oldHas, newHas string
	// wantErr says which Set the backend must refuse, "old" or "new"; empty when Diff must
	// succeed.
	wantErr string
}

// DiffObjects checks the objects policy.Diff reports for b (created, updated and deleted
// objects with their stages), that refusals come back named by backend and Set, and that
// the options reach the backend's Compile: the backends' tests of their policy.Backend
// share it.
func DiffObjects(t *testing.T, b DiffBackend) {
	t.Helper()
	base := func() *policy.Set {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Service("web").AllowFrom("gateway").TCP(8080)
		s.Service("api").AllowFrom("web").TCP(9090)
		return s
	}
	edited := func(edit func(*policy.Set)) func() *policy.Set {
		return func() *policy.Set {
			s := base()
			edit(s)
			return s
		}
	}
	lossy := edited(b.Lossy)
	for _, tc := range []diffCase{
		{
			name: "add a namespace default-deny",
			old:  base,
			new:  edited(func(s *policy.Set) { s.Namespace("shop").DefaultDeny() }),
			// web's egress becomes isolated: it gains its egress to api and DNS. gateway's
			// egress to web is derived, with the DNS allowance of the defaults that contain
			// it; both come before the defaults, which isolate them.
			want: []string{"create shop/gateway workload", "update shop/web workload", "create shop/namespace-defaults namespace"},
		},
		{
			name: "change a port",
			old:  base,
			new: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("web").AllowFrom("gateway").TCP(8081)
				s.Service("api").AllowFrom("web").TCP(9090)
				return s
			},
			want:   []string{"update shop/web workload"},
			oldHas: b.Port(8080),
			newHas: b.Port(8081),
		},
		{
			name: "remove a service",
			old:  base,
			new: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("web").AllowFrom("gateway").TCP(8080)
				return s
			},
			// The other policies keep their objects (Calico's default-tier policies share
			// one order).
			want: []string{"delete shop/api workload"},
		},
		{name: "refused in the new set", old: base, new: lossy, wantErr: "new"},
		{name: "refused in the old set", old: lossy, new: base, wantErr: "old"},
		{name: "translated with an option", old: base, new: lossy, backend: b.Widening, want: []string{"update shop/web workload"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.backend == nil {
				tc.backend = b.Backend
			}
			name := tc.backend.Name()
			c, err := policy.Diff(tc.old(), tc.new(), tc.backend)
			if tc.wantErr != "" {
				prefix := fmt.Sprintf("%s: compiling the %s set: %s: 1 intent(s) cannot be expressed exactly", name, tc.wantErr, name)
				var ce *policy.CompileError
				if err == nil || !strings.HasPrefix(err.Error(), prefix) || !errors.As(err, &ce) || ce.Backend != name {
					t.Fatalf("error %v, want a *policy.CompileError of %s starting %q", err, name, prefix)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, want := []string{}, []string{}
			for _, o := range c.Objects {
				got = append(got, fmt.Sprintf("%s %s %s %s/%s %s", o.Backend, o.Op, o.Kind, o.Namespace, o.Name, o.Stage))
			}
			for _, w := range tc.want {
				op, rest, _ := strings.Cut(w, " ")
				want = append(want, name+" "+op+" "+b.Kind+" "+rest)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("objects\ngot  %q\nwant %q", got, want)
			}
			if tc.oldHas != "" && !strings.Contains(string(c.Objects[0].Old), tc.oldHas) ||
				tc.newHas != "" && !strings.Contains(string(c.Objects[0].New), tc.newHas) {
				t.Errorf("YAML before\n%s\nafter\n%s\nwant %q before, %q after", c.Objects[0].Old, c.Objects[0].New, tc.oldHas, tc.newHas)
			}
		})
	}
}
