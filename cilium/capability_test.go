package cilium_test

import (
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/capability"
	"github.com/netintent/netintent/policy"
)

// TestCapabilities checks every declaration of Capabilities against the outcome of
// compiling the feature's probe Set.
func TestCapabilities(t *testing.T) {
	compile := func(set *policy.Set, opts ...cilium.Option) ([]policy.Warning, error) {
		res, err := cilium.Compile(set, opts...)
		if err != nil {
			return nil, err
		}
		return res.Warnings(), nil
	}
	capability.Check(t, cilium.Capabilities(), compile, map[string]cilium.Option{
		"cilium.OmitAudit()": cilium.OmitAudit(),
	})
}
