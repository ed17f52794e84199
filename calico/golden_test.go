package calico_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestGolden compiles every example scenario with default options and compares the YAML
// (or, where Calico refuses, the error) with testdata/<scenario>.yaml (.error.txt).
func TestGolden(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			res, err := calico.Compile(sc.Build())
			var ce *policy.CompileError
			switch {
			case errors.As(err, &ce):
				golden.Assert(t, filepath.Join("testdata", sc.Name+".error.txt"), []byte(err.Error()+"\n"))
			case err != nil:
				t.Fatal(err)
			default:
				y, err := res.YAML()
				if err != nil {
					t.Fatal(err)
				}
				golden.Assert(t, filepath.Join("testdata", sc.Name+".yaml"), y)
				golden.RoundTrip(t, y, newObject)
			}
		})
	}
}
