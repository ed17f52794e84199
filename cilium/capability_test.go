package cilium_test

import (
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/capability"
)

// TestCapabilities checks every declaration of Capabilities against the outcome of
// compiling the feature's probe Set.
func TestCapabilities(t *testing.T) {
	capability.Check(t, cilium.Capabilities(), cilium.Compile, map[string]cilium.Option{
		"cilium.OmitAudit()":      cilium.OmitAudit(),
		"cilium.WidenL7()":        cilium.WidenL7(),
		"cilium.WidenICMPCodes()": cilium.WidenICMPCodes(),
	})
}
