package scenarios_test

import (
	"sort"
	"testing"

	_ "github.com/netintent/netintent/internal/golden"

	"github.com/netintent/netintent/examples/scenarios"
)

// TestScenariosValid checks that every scenario is a valid Set and that names are unique
// and sorted, since they name directories and golden files.
func TestScenariosValid(t *testing.T) {
	all := scenarios.All()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
		if err := s.Build().Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
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
