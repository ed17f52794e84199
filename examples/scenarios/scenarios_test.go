package scenarios_test

import (
	"slices"
	"sort"
	"testing"

	_ "github.com/netintent/netintent/internal/golden"

	"github.com/netintent/netintent/examples/scenarios"
)

// TestScenariosValid checks that every scenario is a valid Set, that names are unique and
// sorted, since they name directories and golden files, and that Refused names backends
// and lists constructs sorted and distinct, as the backends' tests compare them.
func TestScenariosValid(t *testing.T) {
	all := scenarios.All()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
		if err := s.Build().Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		for backend, constructs := range s.Refused {
			if !slices.Contains([]string{"k8snp", "cilium", "calico"}, backend) {
				t.Errorf("%s: Refused names %q, not a backend", s.Name, backend)
			}
			if len(constructs) == 0 || !slices.IsSorted(constructs) || len(slices.Compact(slices.Clone(constructs))) != len(constructs) {
				t.Errorf("%s: Refused[%q] = %q, want constructs sorted and distinct", s.Name, backend, constructs)
			}
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("scenarios are not sorted by name: %v", names)
	}
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			t.Errorf("duplicate scenario %q", names[i])
		}
	}
}
