package equivalence

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
)

// calicoSeedBackend judges lifted Calico seeds: calico with the cluster's ranges, pods kept
// out of every nets match (as Calico's nets match pods too), and no host endpoints or
// network sets around the pods, which lift.NoHostEndpointsOrNetworkSets declares.
var calicoSeedBackend = func() backend {
	b := calicoLiftable
	b.coverage, b.surroundings = AvoidPeers, false
	return b
}()

// TestLiftSeedsUnderTheirEngines lifts the NetworkPolicy and Calico seeds that lift (the
// README's seed table says why the others are refused), compiles them back for their
// engine and judges both with that engine: Cilium's translation of NetworkPolicy, and
// Calico's. (TestLiftCiliumSeeds does the same for the Cilium seeds.)
func TestLiftSeedsUnderTheirEngines(t *testing.T) {
	lt := &liftTally{skipped: map[string]int{}}
	for _, s := range []struct {
		file string
		b    backend
		// calico seeds are lifted with the pod ranges of their universe declared.
		calico bool
	}{
		{"02-default-deny-all.yaml", k8snpClusterCiliumBackend, false},
		{"03-allow-dns-egress.yaml", k8snpClusterCiliumBackend, false},
		{"04-namespace-isolation.yaml", k8snpClusterCiliumBackend, false},
		{"09-security.block-known-threats.yaml", calicoSeedBackend, true},
		{"12-security-block-external.yaml", calicoSeedBackend, true},
		{"14-federated-service-access.yaml", calicoSeedBackend, true},
	} {
		t.Run(s.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(seedDir, s.file))
			if err != nil {
				t.Fatal(err)
			}
			objs, err := oracle.DecodeYAML(data)
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := lift.Decode(strings.NewReader(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			liftWith := func(pools ...netip.Prefix) *policy.Set {
				opts := []lift.Option{lift.ClusterCIDRs(pools...)}
				if s.calico {
					opts = append(opts, lift.NoHostEndpointsOrNetworkSets())
				}
				set, err := lift.Lift(decoded, opts...)
				if err != nil {
					t.Fatal(err)
				}
				return set
			}
			set := liftWith(netip.MustParsePrefix("10.244.0.0/16"))
			if s.calico {
				// Lift again with the ranges the universe gives the pods, which the
				// engines judge the flows in.
				m, err := set.Model()
				if err != nil {
					t.Fatal(err)
				}
				us, err := universes(s.b, m, widen(Normalize(m.Universe())))
				if err != nil {
					t.Fatal(err)
				}
				var pools []netip.Prefix
				for _, fam := range []int{4, 6} {
					if u := us[fam]; u != nil {
						pools = append(pools, u.Pool)
					}
				}
				set = liftWith(pools...)
			}
			compareLifted(t, s.b, objs, set, nil, lt)
		})
	}
	t.Logf("seeds: %s", lt)
	if lt.judged == 0 {
		t.Error("no flow judged")
	}
}
