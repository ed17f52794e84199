package explain

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
)

// widening compiles with every option that makes a backend accept more of the intent,
// so that more of it is explained.
var widening = []policy.Backend{
	k8snp.Backend(k8snp.WidenL7(), k8snp.WorldAsIPBlock()),
	cilium.Backend(cilium.WidenL7(), cilium.WidenICMPCodes()),
	calico.Backend(calico.WidenL7(), calico.WorldAsNets()),
	// Without clusternp.Nodes, which is lossy: no rule matches Cilium's system endpoints.
	clusternp.Backend(k8snp.WidenL7(), k8snp.WorldAsIPBlock(), k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16"))),
}

// TestEveryFlow explains every flow of the universe of every scenario and of random Sets,
// and checks what it says about the backends: every deciding or isolating policy has its
// object, and the rules that may match include the one that decides, so Flow never finds
// none. It also checks that the rule is determined for most decisions.
func TestEveryFlow(t *testing.T) {
	sets := map[string]*policy.Set{}
	for _, s := range scenarios.All() {
		sets[s.Name] = s.Build()
	}
	for seed := range uint64(8) {
		c := randset.New(seed, 6, randset.All)
		sets["randset "+c.Code] = c.Set
	}
	var exact, undetermined, backendsSeen int
	for name, set := range sets {
		e, err := newExplainer(set, widening)
		if err != nil {
			t.Fatal(err)
		}
		backendsSeen += len(e.backends)
		for _, f := range e.model.Universe().Flows() {
			out := e.explain(f)
			for line := range strings.SplitSeq(out, "\n") {
				switch {
				case strings.Contains(line, "no object"), strings.Contains(line, "no rule of"):
					t.Fatalf("%s:\n%s", name, out)
				case strings.Contains(line, "rule not determined"):
					undetermined++
				case strings.HasPrefix(line, "  ") && strings.Contains(line, "spec."):
					exact++
				}
			}
		}
	}
	t.Logf("%d rules named exactly, %d undetermined, over %d compiled backends", exact, undetermined, backendsSeen)
	if exact == 0 || exact < 4*undetermined {
		t.Errorf("%d rules named exactly, %d undetermined: the rule is rarely determined", exact, undetermined)
	}
}
