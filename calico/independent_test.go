package calico_test

import (
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
)

// TestIndependentObjects checks that emitted objects share no memory with each other or
// with the Set (golden.Independent), for every Set of the hand corpus.
func TestIndependentObjects(t *testing.T) {
	for _, cs := range handCorpus() {
		t.Run(cs.name, func(t *testing.T) {
			set := cs.build()
			if _, err := calico.Compile(set, cs.opts...); err != nil {
				t.Skip(err)
			}
			golden.Independent(t, func() ([]netintent.Object, error) {
				res, err := calico.Compile(set, cs.opts...)
				if err != nil {
					return nil, err
				}
				return res.Objects(), nil
			})
		})
	}
}
