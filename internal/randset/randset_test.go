package randset_test

import (
	"encoding/json"
	"testing"

	_ "github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
)

// TestValidAndReproducible checks that generated Sets are valid and that a seed gives the
// same Set and code every time.
func TestValidAndReproducible(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		a := randset.New(seed, 8, randset.All)
		ma, err := a.Set.Model()
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, a.Code)
		}
		b := randset.New(seed, 8, randset.All)
		mb, err := b.Set.Model()
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(ma)
		jb, _ := json.Marshal(mb)
		if string(ja) != string(jb) || a.Code != b.Code {
			t.Fatalf("seed %d is not reproducible", seed)
		}
	}
}

// TestFeaturesRespected checks that a Set generated without a feature does not use it.
func TestFeaturesRespected(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		c := randset.New(seed, 8, randset.Features{})
		m, err := c.Set.Model()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Policies {
			for _, r := range append(p.Ingress, p.Egress...) {
				if r.Action != "Allow" || r.HasL7() && len(r.DNS) == 0 || len(r.ICMP) > 0 {
					t.Fatalf("seed %d: unexpected rule %+v\n%s", seed, r, c.Code)
				}
				for _, peer := range r.Peers {
					if peer.Kind == "FQDN" || peer.Kind == "Entity" || peer.ServiceAccount != "" {
						t.Fatalf("seed %d: unexpected peer %+v", seed, peer)
					}
				}
			}
			if p.Subject.Scope != "Namespace" {
				t.Fatalf("seed %d: unexpected cluster policy %s", seed, p.Name)
			}
		}
	}
}
