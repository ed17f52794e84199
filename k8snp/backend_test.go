package k8snp_test

import (
	"testing"

	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// TestBackend checks the objects policy.Diff reports for this backend (created, updated
// and deleted NetworkPolicies with their stages), that refusals come back named by
// backend and Set, and that the options reach Compile.
func TestBackend(t *testing.T) {
	base := func() *policy.Set {
		s := newSet()
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
	golden.DiffObjects(t, k8snp.Backend(), []golden.DiffCase{
		{
			Name: "add a namespace default-deny",
			Old:  base,
			New:  edited(func(s *policy.Set) { s.Namespace("shop").DefaultDeny() }),
			// web's egress becomes isolated: it gains its egress to api and DNS. gateway's
			// egress to web goes with the default-deny that isolates it.
			Want: []string{
				"k8snp update NetworkPolicy shop/web allow",
				"k8snp create NetworkPolicy shop/gateway default-deny",
				"k8snp create NetworkPolicy shop/namespace-defaults default-deny",
			},
		},
		{
			Name: "change a port",
			Old:  base,
			New: func() *policy.Set {
				s := newSet()
				s.Service("web").AllowFrom("gateway").TCP(8081)
				s.Service("api").AllowFrom("web").TCP(9090)
				return s
			},
			Want:   []string{"k8snp update NetworkPolicy shop/web allow"},
			OldHas: "port: 8080\n",
			NewHas: "port: 8081\n",
		},
		{
			Name: "remove a service",
			Old:  base,
			New: func() *policy.Set {
				s := newSet()
				s.Service("web").AllowFrom("gateway").TCP(8080)
				return s
			},
			Want: []string{"k8snp delete NetworkPolicy shop/api allow"},
		},
		{Name: "refused in the new set", Old: base, New: lossy, WantErr: "k8snp: compiling the new set: k8snp: 1 intent(s) cannot be expressed exactly"},
		{Name: "refused in the old set", Old: lossy, New: base, WantErr: "k8snp: compiling the old set: k8snp: 1 intent(s) cannot be expressed exactly"},
		{Name: "translated with an option", Old: base, New: lossy, Backend: k8snp.Backend(k8snp.WidenL7()), Want: []string{"k8snp update NetworkPolicy shop/web allow"}},
	})
}
