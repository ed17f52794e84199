package netintent_test

import (
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/explain"
	"github.com/netintent/netintent/gitops"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// TestCompileNilSet checks that every backend refuses a nil Set with an error naming
// itself, instead of panicking, through its Compile function and its policy.Backend.
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
	for _, b := range []policy.Backend{k8snp.Backend(), cilium.Backend(), calico.Backend()} {
		want := b.Name() + ": Compile needs a policy.Set, got nil"
		if res, err := b.Compile(nil); res != nil || err == nil || err.Error() != want {
			t.Errorf("%s.Backend().Compile(nil): %v, %v; want nil, %q", b.Name(), res, err, want)
		}
	}
}

// TestNilBackend checks that Diff, explain.Flow and gitops.SyncAll refuse a nil backend
// with an error naming its place, instead of panicking.
func TestNilBackend(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowFrom("api").TCP(80)
	backends := []policy.Backend{k8snp.Backend(), nil}
	flow := policy.Flow{From: policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": "api"}},
		To: policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": "web"}}, Protocol: policy.TCP, Port: 80}
	for name, run := range map[string]func() error{
		"policy: Diff: backends[1] is nil":    func() error { _, err := policy.Diff(set, set, backends...); return err },
		"explain: Flow: backends[1] is nil":   func() error { _, err := explain.Flow(set, flow, backends...); return err },
		"gitops: SyncAll: backends[1] is nil": func() error { _, err := gitops.SyncAll(t.TempDir(), set, backends); return err },
	} {
		if err := run(); err == nil || err.Error() != name {
			t.Errorf("got %v, want %q", err, name)
		}
	}
}
