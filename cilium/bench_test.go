package cilium_test

import (
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/benchset"
)

// BenchmarkCompile compiles 5,000 services with 25,000 edges.
func BenchmarkCompile(b *testing.B) {
	set := benchset.New(5000, 5)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cilium.Compile(set); err != nil {
			b.Fatal(err)
		}
	}
}
