package policy_test

import (
	"fmt"
	"testing"

	"github.com/netintent/netintent/internal/benchset"
)

// BenchmarkModel measures validation and normalization (mirroring included), the part of
// every backend's Compile that the policy package owns.
func BenchmarkModel(b *testing.B) {
	for _, n := range []int{1000, 5000, 20000} {
		set := benchset.New(n, 5)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := set.Model(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
