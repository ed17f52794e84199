package equivalence

import (
	"net/netip"
	"slices"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/runtime"
)

// The tests below make sure the harness cannot pass vacuously: each breaks a correct
// output on purpose and expects the comparison (or the structural check) to notice.

// prepared is a scenario compiled for a backend, ready to be compared.
type prepared struct {
	m    *policy.Model
	pu   *policy.Universe
	us   map[int]*Universe
	objs []runtime.Object
}

// prepare compiles a scenario for b and builds its universes.
func prepare(t *testing.T, b backend, scenario string) prepared {
	t.Helper()
	i := slices.IndexFunc(scenarios.All(), func(s scenarios.Scenario) bool { return s.Name == scenario })
	if i < 0 {
		t.Fatalf("no scenario %q", scenario)
	}
	set := scenarios.All()[i].Build()
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	pu := Normalize(m.Universe())
	if b.surroundings {
		pu = Surround(pu)
	}
	us, err := universes(b, m, pu)
	if err != nil {
		t.Fatal(err)
	}
	var pools []netip.Prefix
	for _, u := range us {
		pools = append(pools, u.Pool)
	}
	out, err := b.compile(set, pools)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := oracle.DecodeYAML(out.yaml)
	if err != nil {
		t.Fatal(err)
	}
	return prepared{m, pu, us, objs}
}

// mismatches compares p's (possibly tampered) objects flow by flow.
func (p prepared) mismatches(t *testing.T, b backend) int {
	t.Helper()
	ss, mm, err := compareFlows(b, p.m, p.pu, p.us, p.objs)
	if err != nil {
		t.Fatal(err)
	}
	if ss.judged == 0 {
		t.Fatal("nothing judged")
	}
	return len(mm)
}

// TestHarnessCatchesMismatches removes objects from correct outputs and expects
// mismatches; the untouched outputs must have none.
func TestHarnessCatchesMismatches(t *testing.T) {
	for _, c := range []struct {
		b        backend
		scenario string
		drop     func(obj runtime.Object) bool
	}{
		{k8snpBackend, "namespace-isolation", func(runtime.Object) bool { return true }},
		{ciliumBackend, "ecommerce", func(o runtime.Object) bool {
			_, ok := o.(*ciliumv2.CiliumClusterwideNetworkPolicy) // the metadata guardrail
			return ok
		}},
		{calicoClusterBackend, "tiers", func(runtime.Object) bool { return true }},
	} {
		t.Run(c.b.name+"/"+c.scenario, func(t *testing.T) {
			p := prepare(t, c.b, c.scenario)
			if n := p.mismatches(t, c.b); n != 0 {
				t.Fatalf("%d mismatches before tampering", n)
			}
			p.objs = slices.DeleteFunc(p.objs, c.drop)
			if n := p.mismatches(t, c.b); n == 0 {
				t.Error("no mismatch after dropping objects")
			}
		})
	}
}

// TestStructuralCatchesL7Changes widens an HTTP path and drops the DNS proxy rule of
// correct Cilium outputs and expects the structural check to notice.
func TestStructuralCatchesL7Changes(t *testing.T) {
	p := prepare(t, ciliumBackend, "ecommerce")
	if rep := ciliumStructure(p.m, p.objs); len(rep.problems) > 0 || len(rep.checked) == 0 {
		t.Fatalf("before tampering: checked %v, problems %v", rep.checked, rep.problems)
	}
	tampered := 0
	for _, o := range p.objs {
		if cnp, ok := o.(*ciliumv2.CiliumNetworkPolicy); ok {
			for _, r := range cnp.Spec.Ingress {
				for _, pr := range r.ToPorts {
					if pr.Rules != nil {
						for i := range pr.Rules.HTTP {
							pr.Rules.HTTP[i].Path += "x*" // admits "/ordersx": wider than the intent
							tampered++
						}
					}
				}
			}
		}
	}
	if tampered == 0 {
		t.Fatal("ecommerce has no rules.http")
	}
	if rep := ciliumStructure(p.m, p.objs); len(rep.problems) == 0 {
		t.Error("widened HTTP paths not noticed")
	}

	p = prepare(t, ciliumBackend, "dns-egress")
	if rep := ciliumStructure(p.m, p.objs); len(rep.problems) > 0 || len(rep.checked) == 0 {
		t.Fatalf("before tampering: checked %v, problems %v", rep.checked, rep.problems)
	}
	for _, o := range p.objs {
		if cnp, ok := o.(*ciliumv2.CiliumNetworkPolicy); ok {
			for _, r := range cnp.Spec.Egress {
				for i := range r.ToPorts {
					r.ToPorts[i].Rules = nil
				}
			}
		}
	}
	if rep := ciliumStructure(p.m, p.objs); len(rep.problems) == 0 {
		t.Error("missing DNS proxy rule not noticed")
	}
}
