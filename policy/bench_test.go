package policy_test

import (
	"testing"

	"github.com/netintent/netintent/internal/benchset"
)

// BenchmarkModel measures validation and normalization (mirroring included), the part of
// every backend's Compile that the policy package owns.
func BenchmarkModel(b *testing.B) {
	for _, n := range benchset.Sizes {
		b.Run(benchset.Name(n), func(b *testing.B) {
			set := benchset.New(n, benchset.Edges)
			b.ReportAllocs()
			defer benchset.CPU(b)()
			for b.Loop() {
				if _, err := set.Model(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
