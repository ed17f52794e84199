package calico_test

import (
	"fmt"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/policy"
)

// benchSet has 5,000 services in 50 namespaces; each accepts TCP from 5 other services
// (25,000 edges), and every other namespace is default-deny.
func benchSet() *policy.Set {
	const services, namespaces, peers = 5000, 50, 5
	s := policy.NewSet()
	ns := func(i int) string { return fmt.Sprintf("ns-%02d", i%namespaces) }
	svc := func(i int) string { return fmt.Sprintf("svc-%04d", i) }
	for i := range services {
		w := s.ServiceIn(ns(i), svc(i))
		for k := 1; k <= peers; k++ {
			j := (i + k*7919) % services
			w.AllowFrom(policy.ServiceIn(ns(j), svc(j))).TCP(8000 + k)
		}
	}
	for i := 0; i < namespaces; i += 2 {
		s.Namespace(ns(i)).DefaultDeny()
	}
	return s
}

func BenchmarkCompile(b *testing.B) {
	set := benchSet()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := calico.Compile(set); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileAndRender(b *testing.B) {
	set := benchSet()
	b.ReportAllocs()
	for b.Loop() {
		res, err := calico.Compile(set)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.YAML(); err != nil {
			b.Fatal(err)
		}
	}
}
