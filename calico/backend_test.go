package calico_test

import (
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestBackend checks the objects policy.Diff reports for this backend (created, updated
// and deleted Calico NetworkPolicies with their stages), that refusals come back named by
// backend and Set, and that the options reach Compile.
func TestBackend(t *testing.T) {
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
	golden.DiffObjects(t, calico.Backend(), []golden.DiffCase{
		{
			Name: "add a namespace default-deny",
			Old:  base,
			New:  edited(func(s *policy.Set) { s.Namespace("shop").DefaultDeny() }),
			// web's egress becomes isolated: it gains its egress to api and DNS. gateway's
			// egress to web goes with the default-deny that isolates it.
			Want: []string{
				"calico update NetworkPolicy shop/web allow",
				"calico create NetworkPolicy shop/gateway default-deny",
				"calico create NetworkPolicy shop/namespace-defaults default-deny",
			},
		},
		{
			Name: "change a port",
			Old:  base,
			New: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("web").AllowFrom("gateway").TCP(8081)
				s.Service("api").AllowFrom("web").TCP(9090)
				return s
			},
			Want:   []string{"calico update NetworkPolicy shop/web allow"},
			OldHas: "- 8080\n",
			NewHas: "- 8081\n",
		},
		{
			Name: "remove a service",
			Old:  base,
			New: func() *policy.Set {
				s := policy.NewSet(policy.DefaultNamespace("shop"))
				s.Service("web").AllowFrom("gateway").TCP(8080)
				return s
			},
			// The other policies keep their objects: default-tier policies share one order.
			Want: []string{"calico delete NetworkPolicy shop/api allow"},
		},
		{Name: "refused in the new set", Old: base, New: lossy, WantErr: "calico: compiling the new set: calico: 1 intent(s) cannot be expressed exactly"},
		{Name: "refused in the old set", Old: lossy, New: base, WantErr: "calico: compiling the old set: calico: 1 intent(s) cannot be expressed exactly"},
		{Name: "translated with an option", Old: base, New: lossy, Backend: calico.Backend(calico.WidenL7()), Want: []string{"calico update NetworkPolicy shop/web allow"}},
	})
}
