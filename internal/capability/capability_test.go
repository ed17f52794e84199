package capability_test

import (
	"testing"

	"github.com/netintent/netintent/internal/capability"
	_ "github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestProbesValid checks that every feature has a valid probe.
func TestProbesValid(t *testing.T) {
	for _, f := range policy.Features() {
		set := capability.Probe(f)
		if set == nil {
			t.Errorf("no probe for %q", f)
			continue
		}
		if err := set.Validate(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
