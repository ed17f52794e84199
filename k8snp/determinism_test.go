package k8snp_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// TestDeterminism builds random Sets from the same builder calls in two different orders
// (services, namespaces and the rules of each workload declared differently) and checks
// that the YAML is byte-identical, and identical again on a second compile.
func TestDeterminism(t *testing.T) {
	for i := range 100 {
		seed := uint64(i)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 2))
			ops := randomOps(r)
			shuffled := append([]op(nil), ops...)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			// The cluster's ranges, declared in either order.
			ranges := []netip.Prefix{clusterRange, netip.MustParsePrefix("10.96.0.0/12")}
			a := compileYAML(t, buildOps(ops), k8snp.ClusterCIDRs(ranges...))
			b := compileYAML(t, buildOps(shuffled), k8snp.ClusterCIDRs(ranges[1]), k8snp.ClusterCIDRs(ranges[0]))
			if !bytes.Equal(a, b) {
				t.Fatalf("declaration order changes the output:\n%s\n----- other order:\n%s", a, b)
			}
			if again := compileYAML(t, buildOps(ops), k8snp.ClusterCIDRs(ranges...)); !bytes.Equal(a, again) {
				t.Fatalf("two compiles of the same Set differ")
			}
		})
	}
}

// TestDeterminismOrderOfPeersAndPorts checks the canonical order within rules.
func TestDeterminismOrderOfPeersAndPorts(t *testing.T) {
	build := func(reverse bool) *policy.Set {
		peers := []any{"a", policy.CIDR("192.0.2.0/24"), policy.Namespace("x"), policy.CIDR("2001:db8::/32"), policy.AllNamespaces()}
		ports := []policy.Port{{Protocol: policy.UDP, Port: 53}, {Protocol: policy.TCP, Port: 8080}, {Protocol: policy.TCP, Name: "http"}, {Protocol: policy.TCP, Port: 80, EndPort: 90}}
		if reverse {
			for i, j := 0, len(peers)-1; i < j; i, j = i+1, j-1 {
				peers[i], peers[j] = peers[j], peers[i]
			}
			for i, j := 0, len(ports)-1; i < j; i, j = i+1, j-1 {
				ports[i], ports[j] = ports[j], ports[i]
			}
		}
		set := newSet()
		rb := set.Service("web").AllowFrom(peers...)
		for _, p := range ports {
			rb.Port(p)
		}
		return set
	}
	if a, b := compileYAML(t, build(false), clusterCIDRs()), compileYAML(t, build(true), clusterCIDRs()); !bytes.Equal(a, b) {
		t.Fatalf("order of peers or ports changes the output:\n%s\n-----\n%s", a, b)
	}
}

func compileYAML(t *testing.T, set *policy.Set, opts ...k8snp.Option) []byte {
	t.Helper()
	res, err := k8snp.Compile(set, opts...)
	if err != nil {
		t.Fatal(err)
	}
	y, err := res.YAML()
	if err != nil {
		t.Fatal(err)
	}
	return y
}
