package calico_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/policy"
)

// TestCompiler checks the objects policy.Diff reports for this backend (created, updated
// and deleted Calico NetworkPolicies with their stages), that refusals come back named by
// backend and Set, and that the options reach Compile.
func TestCompiler(t *testing.T) {
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
	// lossy is refused unless an option allows an HTTP rule.
	lossy := edited(func(s *policy.Set) { s.Service("web").AllowFrom("probe").TCP(8081).HTTP("GET", "/healthz") })
	tests := []struct {
		name     string
		old, new func() *policy.Set
		opts     []calico.Option
		want     []string
		// oldHas and newHas are in the YAML of the first object before and after.
		oldHas, newHas string
		wantErr        string // the start of the error
	}{
		{
			name: "add a namespace default-deny",
			old:  base,
			new:  edited(func(s *policy.Set) { s.Namespace("shop").DefaultDeny() }),
			// web's egress becomes isolated: it gains its egress to api and DNS. gateway's
			// egress to web goes with the default-deny that isolates it.
			want: []string{
				"calico update NetworkPolicy shop/web allow",
				"calico create NetworkPolicy shop/gateway default-deny",
				"calico create NetworkPolicy shop/namespace-defaults default-deny",
			},
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
			want:   []string{"calico update NetworkPolicy shop/web allow"},
			oldHas: "- 8080\n",
			newHas: "- 8081\n",
		},
		{
			name: "remove a service",
			old:  base,
			new: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("web").AllowFrom("gateway").TCP(8080)
				return s
			},
			// Default-tier policies are numbered in the Model's order: web moves up to
			// api's order.
			want: []string{"calico update NetworkPolicy shop/web allow", "calico delete NetworkPolicy shop/api allow"},
		},
		{name: "refused in the new set", old: base, new: lossy, wantErr: "calico: compiling the new set: calico: 1 intent(s) cannot be expressed exactly"},
		{name: "refused in the old set", old: lossy, new: base, wantErr: "calico: compiling the old set: calico: 1 intent(s) cannot be expressed exactly"},
		{name: "translated with an option", old: base, new: lossy, opts: []calico.Option{calico.WidenL7()}, want: []string{"calico update NetworkPolicy shop/web allow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := policy.Diff(tt.old(), tt.new(), calico.Compiler(tt.opts...))
			if tt.wantErr != "" {
				var ce *policy.CompileError
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) || !errors.As(err, &ce) || ce.Backend != calico.Backend {
					t.Fatalf("error %v, want a *policy.CompileError starting %q", err, tt.wantErr)
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
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("objects\ngot  %q\nwant %q", got, tt.want)
			}
			if tt.oldHas != "" && !strings.Contains(string(c.Objects[0].Old), tt.oldHas) ||
				tt.newHas != "" && !strings.Contains(string(c.Objects[0].New), tt.newHas) {
				t.Errorf("YAML before\n%s\nafter\n%s\nwant %q before, %q after", c.Objects[0].Old, c.Objects[0].New, tt.oldHas, tt.newHas)
			}
		})
	}
}
