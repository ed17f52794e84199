package netintent_test

import (
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/k8snp"
)

// TestCompileNilSet checks that every backend refuses a nil Set with an error naming
// itself, instead of panicking.
func TestCompileNilSet(t *testing.T) {
	for name, compile := range map[string]func() error{
		"k8snp":  func() error { _, err := k8snp.Compile(nil); return err },
		"cilium": func() error { _, err := cilium.Compile(nil); return err },
		"calico": func() error { _, err := calico.Compile(nil); return err },
	} {
		want := name + ": Compile needs a policy.Set, got nil"
		if err := compile(); err == nil || err.Error() != want {
			t.Errorf("%s.Compile(nil): %v, want %q", name, err, want)
		}
	}
}
