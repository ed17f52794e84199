package k8snp_test

import (
	"fmt"
	"testing"

	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// benchSet is a large cluster: 5,000 services in 50 namespaces, each accepting TCP from 5
// services of other namespaces (25,000 edges); every other namespace is default-deny, so
// its services' egress is isolated and receives the mirrored rules.
func benchSet() *policy.Set {
	const services, namespaces, edges = 5000, 50, 5
	ns := func(i int) string { return fmt.Sprintf("ns-%02d", i%namespaces) }
	name := func(i int) string { return fmt.Sprintf("svc-%04d", i) }
	set := policy.NewSet()
	for i := 0; i < namespaces; i += 2 {
		set.Namespace(ns(i)).DefaultDeny()
	}
	for i := range services {
		w := set.ServiceIn(ns(i), name(i))
		for k := 1; k <= edges; k++ {
			j := (i + k*97) % services
			w.AllowFrom(policy.ServiceIn(ns(j), name(j))).TCP(8000 + k)
		}
	}
	return set
}

func BenchmarkCompile(b *testing.B) {
	set := benchSet()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k8snp.Compile(set); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileAndRender(b *testing.B) {
	set := benchSet()
	b.ReportAllocs()
	for b.Loop() {
		res, err := k8snp.Compile(set)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.YAML(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchSet keeps the benchmark honest: it must compile, and emit one object per
// service plus one per default-deny namespace, with the mirrored egress rules present.
func TestBenchSet(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	res, err := k8snp.Compile(benchSet())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.NetworkPolicies), 5000+25; got != want {
		t.Fatalf("%d objects, want %d", got, want)
	}
	egress := 0
	for _, np := range res.NetworkPolicies {
		egress += len(np.Spec.Egress)
	}
	if egress == 0 {
		t.Fatal("no egress rules: the mirrored rules are missing")
	}
}
