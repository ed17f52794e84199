package calico

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// TestRunOne checks that runOne, the shortcut for a run of one rule, translates each rule
// as runMerged does: rules whose peers merge (selectors, namespaces, nets, the peer for
// every peer), with traffic of several protocols, ICMP messages and HTTP matches, and the
// rules of random Sets.
func TestRunOne(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Namespace("edge").Labels(map[string]string{"team": "edge"})
	web := s.Service("web")
	web.AllowFrom("api", "admin").TCP(8080)                                                                         // selectors join
	web.AllowFrom(policy.ServiceIn("edge", "lb"), policy.ServiceIn("tools", "lb")).TCP(80)                          // namespaces join
	web.AllowFrom(policy.Any(), "api").TCP(443)                                                                     // every peer absorbs
	web.AllowFrom("api", policy.CIDR("10.1.0.0/16")).TCP(80, 443).UDP(53).ICMP(8).ICMP(3, 4)                        // several traffics
	web.AllowFrom("api").HTTP("GET", "/a").HTTPPrefix("POST", "/b").TCP(8443)                                       // HTTP matches
	web.AllowTo(policy.CIDR("192.0.2.0/24"), policy.CIDR("198.51.100.0/24"), policy.CIDR("2001:db8::/32")).TCP(443) // nets join
	web.AllowTo("db").AllPorts(policy.TCP).TCP(5432).UDP(53)                                                        // all ports absorb
	web.AllowTo(policy.Namespaces(policy.MatchLabels{"team": "edge"}).Pods(policy.MatchLabels{"app": "x"}), "db").AllPorts(policy.UDP)
	web.DenyFrom(policy.ServiceIn("edge", "lb"), policy.PodsIn("shop", policy.MatchLabels{"role": "bot"})).TCP(22).SCTP(9)
	sets := []*policy.Set{s}
	for seed := range uint64(20) {
		sets = append(sets, randset.New(seed, 6, randset.All).Set)
	}
	rules := 0
	for i, set := range sets {
		m, err := set.Model()
		if err != nil {
			t.Fatal(err)
		}
		var opts options
		ClusterCIDRs(netip.MustParsePrefix("10.0.0.0/8"))(&opts)
		ApplicationLayerPolicy()(&opts)
		one := &compiler{model: m, opts: opts, nsExprs: map[string]string{}}
		merged := &compiler{model: m, opts: opts, nsExprs: map[string]string{}}
		for _, p := range m.Policies {
			e := &emitted{src: source{Path: p.Path, Mode: p.Mode}}
			for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
				for j := range p.Rules(d) {
					r := &p.Rules(d)[j]
					got := one.runOne(nil, e, d, r)
					want := merged.runMerged(nil, e, d, []*policy.Rule{r})
					if !reflect.DeepEqual(got, want) {
						t.Errorf("set %d, %s: runOne gave\n%+v\nrunMerged\n%+v", i, r.Path, got, want)
					}
					rules++
				}
			}
		}
	}
	t.Logf("%d rules", rules)
}
