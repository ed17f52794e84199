package k8snp_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// FuzzCompile builds Sets from random builder calls, including every construct k8snp
// refuses, and checks that Compile never panics, refuses with a CompileError or a
// ValidationError only, and otherwise renders strictly decodable, deterministic YAML.
func FuzzCompile(f *testing.F) {
	for seed := range uint64(20) {
		f.Add(seed, false, false, seed%2 == 0)
	}
	f.Add(uint64(7), true, true, true)
	f.Add(uint64(7), true, true, false)
	f.Fuzz(func(t *testing.T, seed uint64, widenL7, world, cluster bool) {
		var opts []k8snp.Option
		if cluster {
			opts = append(opts, clusterCIDRs())
		}
		if widenL7 {
			opts = append(opts, k8snp.WidenL7())
		}
		if world {
			opts = append(opts, k8snp.WorldAsIPBlock())
		}
		r := rand.New(rand.NewPCG(seed, 3))
		ops := append(randomOps(r), wildOps(r)...)
		res, err := k8snp.Compile(buildOps(ops), opts...)
		if err != nil {
			var ce *policy.CompileError
			var ve *policy.ValidationError
			if !errors.As(err, &ce) && !errors.As(err, &ve) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if ce != nil && len(ce.Problems) == 0 {
				t.Fatal("CompileError without problems")
			}
			return
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		golden.RoundTrip(t, y, newObject)
		again, err := k8snp.Compile(buildOps(ops), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if y2, _ := again.YAML(); !bytes.Equal(y, y2) {
			t.Fatal("two compiles differ")
		}
	})
}

// wildOps adds a few builder calls of any kind, many of which k8snp refuses.
func wildOps(r *rand.Rand) []op {
	wild := []op{
		func(s *policy.Set) { s.ServiceIn("alpha", "web").AllowTo(policy.FQDN("api.example.com")).TCP(443) },
		func(s *policy.Set) { s.ServiceIn("alpha", "web").AllowTo(policy.World()).TCP(443) },
		func(s *policy.Set) { s.ServiceIn("beta", "api").AllowFrom(policy.World(), "web").TCP(80) },
		func(s *policy.Set) { s.ServiceIn("beta", "api").AllowFrom(policy.Host()).TCP(8080) },
		func(s *policy.Set) { s.ServiceIn("beta", "api").AllowFrom("web").TCP(80).HTTP("GET", "/") },
		func(s *policy.Set) { s.ServiceIn("gamma", "db").AllowTo(policy.KubeDNS()).UDP(53).DNS("*.example.com") },
		func(s *policy.Set) { s.ServiceIn("gamma", "db").AllowFrom("api").ICMP(8) },
		func(s *policy.Set) { s.ServiceIn("gamma", "db").DenyFrom(policy.CIDR("192.0.2.0/24")) },
		func(s *policy.Set) { s.ServiceIn("alpha", "cache").Audit().AllowFrom("web").TCP(6379) },
		func(s *policy.Set) { s.Cluster("guard").DenyTo(policy.CIDR("169.254.169.254/32")) },
		func(s *policy.Set) { s.Host("nodes").AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(22) },
		func(s *policy.Set) {
			s.ServiceIn("alpha", "web").AllowFrom(policy.ServiceIn("beta", "api").WithServiceAccount("robot")).TCP(80)
		},
		func(s *policy.Set) {
			s.ServiceIn("alpha", "web").AllowFrom(policy.Service("api").InCluster("east")).TCP(80)
		},
		func(s *policy.Set) { s.ServiceIn("alpha", "web").AllowFrom("x").TCP(70000) },
	}
	var out []op
	for range r.IntN(3) {
		out = append(out, wild[r.IntN(len(wild))])
	}
	return out
}
