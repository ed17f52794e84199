package cilium_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestGolden compiles every example scenario and compares the manifest (or, where the
// backend refuses, the error) with its golden file. Every emitted manifest must also pass
// the strict round trip and Cilium's own parser.
func TestGolden(t *testing.T) {
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			res, err := cilium.Compile(s.Build())
			var ce *policy.CompileError
			switch {
			case errors.As(err, &ce):
				golden.Assert(t, filepath.Join("testdata", s.Name+".error.txt"), []byte(err.Error()+"\n"))
				return
			case err != nil:
				t.Fatal(err)
			}
			y, err := res.YAML()
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", s.Name+".yaml"), y)
			golden.RoundTrip(t, y, newObject)
			parseAll(t, res)
		})
	}
}
