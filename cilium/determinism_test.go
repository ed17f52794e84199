package cilium_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/policy"
)

// statements are the declarations of one Set, each a single call, so that the Set can be
// built in any order.
func statements() []func(*policy.Set) {
	return []func(*policy.Set){
		func(s *policy.Set) { s.Namespace("shop").Labels(map[string]string{"env": "prod"}).DefaultDeny() },
		func(s *policy.Set) { s.Namespace("ops").Labels(map[string]string{"env": "dev"}) },
		func(s *policy.Set) { s.Service("web").AllowFrom("api").TCP(8080, 8443) },
		func(s *policy.Set) { s.Service("web").AllowFrom("batch").TCP(8443, 8080) },
		func(s *policy.Set) {
			s.Service("web").AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "dev"}).Pods(policy.MatchLabels{"app": "probe"})).TCP(9090)
		},
		func(s *policy.Set) {
			s.Service("web").AllowTo(policy.FQDN("api.example.com"), policy.CIDR("203.0.113.0/24")).TCP(443)
		},
		func(s *policy.Set) { s.Service("web").AllowTo("db").TCP(5432).ICMP(8) },
		func(s *policy.Set) { s.Service("web").DenyTo(policy.CIDR("169.254.169.254/32")) },
		func(s *policy.Set) {
			s.Service("api").AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "gateway"})).TCP(80).
				HTTP("GET", "/a").HTTPPrefix("POST", "/b/")
		},
		func(s *policy.Set) { s.Service("api").AllowFrom(policy.World()).TCP(80).HTTP("GET", "/health") },
		func(s *policy.Set) { s.ServiceIn("ops", "probe").AllowTo(policy.ServiceIn("shop", "web")).TCP(9090) },
		func(s *policy.Set) {
			s.Cluster("guard").Select(policy.MatchLabels{"app": "web"}).DenyTo(policy.World()).TCP(25).UDP(25)
		},
		func(s *policy.Set) {
			s.Host("nodes").AllowFrom(policy.WholeCluster()).AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(22)
		},
	}
}

// TestDeterminism builds one Set in many declaration orders: the YAML must be
// byte-identical every time.
func TestDeterminism(t *testing.T) {
	build := func(order []int) []byte {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		st := statements()
		for _, i := range order {
			st[i](s)
		}
		res, err := cilium.Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	n := len(statements())
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	want := build(order)
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 20; k++ {
		r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		if got := build(order); !bytes.Equal(got, want) {
			t.Fatalf("order %v gives different YAML:\n%s\nwant:\n%s", order, got, want)
		}
	}
}
