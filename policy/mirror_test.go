package policy_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// namesWorkloads is the mirroring rule's test of a peer, stated here independently of the
// builder: a service or a pod selector names workloads; a peer that only selects
// namespaces does not, nor does a service account (no policy can select its pods alone).
func namesWorkloads(x policy.Peer) bool {
	return x.Kind == policy.PeerPods && x.ServiceAccount == "" &&
		x.PodSelector != nil && (len(x.PodSelector.MatchLabels) > 0 || len(x.PodSelector.MatchExpressions) > 0)
}

// sameNamespaceRule reports whether x, a peer of a rule of p, is AllowSameNamespace's: the
// namespace's every pod, in a policy of the whole namespace. That allow promises both ends.
func sameNamespaceRule(p *policy.Policy, x policy.Peer) bool {
	return x.Kind == policy.PeerPods && p.Subject.Scope == policy.ScopeNamespace && x.Namespace == p.Subject.Namespace &&
		!namesWorkloads(x) && len(p.Subject.Pods.MatchLabels) == 0 && len(p.Subject.Pods.MatchExpressions) == 0
}

// TestMirrorRule states the mirroring rule as a property of verdicts over random Sets:
//   - sound: where an end admits a flow through a mirrored rule, the other end wrote the
//     allow, not one-sided, with a peer that matches this end and names workloads (or
//     AllowSameNamespace's, or the DNS allowance towards the DNS service);
//   - complete: where an end admits a flow through such an allow and the other end is
//     isolated and admits nothing else, the other end admits it through the mirror.
func TestMirrorRule(t *testing.T) {
	mirrored, completed := 0, 0
	for seed := uint64(1); seed <= 150; seed++ {
		c := randset.New(seed, 6, randset.All)
		m := mustModel(t, c.Set)
		// The written rules by path, with their policies. A rule and the DNS lookups its
		// FQDN peers need (without the DNS allowance) share a path.
		type written struct {
			r *policy.Rule
			p *policy.Policy
		}
		origins := map[string][]written{}
		for _, p := range m.Policies {
			for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
				rules := p.Rules(d)
				for i := range rules {
					if r := &rules[i]; !r.Mirrored && r.Path != nil {
						origins[r.Path.String()] = append(origins[r.Path.String()], written{r, p})
					}
				}
			}
		}
		// names reports whether a written rule at path, not one-sided, has a peer that
		// matches e and names workloads (or, with sameNamespace, is AllowSameNamespace's).
		names := func(path string, e policy.Endpoint, sameNamespace bool) bool {
			for _, w := range origins[path] {
				if w.r.OneSided || w.r.Action != policy.Allow {
					continue
				}
				for _, x := range w.r.Peers {
					if policy.PeerMatches(x, e) && (namesWorkloads(x) || (sameNamespace && sameNamespaceRule(w.p, x))) {
						return true
					}
				}
			}
			return false
		}
		for _, f := range m.Universe().Flows() {
			if f.From.Kind != policy.EndpointPod || f.To.Kind != policy.EndpointPod || f.From.Cluster != "" || f.To.Cluster != "" {
				continue
			}
			v := m.Evaluate(f)
			ends := [2]struct {
				self, other policy.Decision
				at          policy.Endpoint // the endpoint self judges for
			}{{v.Source, v.Destination, f.From}, {v.Destination, v.Source, f.To}}
			for _, e := range ends {
				if strings.Contains(e.self.Why, "mirrored") {
					mirrored++
					if strings.HasSuffix(e.self.Rule, ".dns") {
						if !policy.PeerMatches(m.DNS, f.To) {
							t.Errorf("seed %d: %v: a DNS allowance mirrored for a pod that is not the DNS service\n%s", seed, v, c.Code)
						}
						continue
					}
					if !names(e.self.Rule, e.at, true) {
						t.Errorf("seed %d: %v: mirrored from %s, which is one-sided or has no peer that matches this end and names workloads\n%s",
							seed, v, e.self.Rule, c.Code)
					}
					continue
				}
				if !e.other.Allowed || strings.Contains(e.other.Why, "mirrored") {
					continue
				}
				named := names(e.other.Rule, e.at, false)
				if named && e.self.Judged && !e.self.Allowed && strings.HasPrefix(e.self.Why, "isolated for ") && strings.HasSuffix(e.self.Why, " and no allow rule matches") {
					t.Errorf("seed %d: %v: %s names this end's workloads, but its side was not derived\n%s", seed, v, e.other.Rule, c.Code)
				}
				if named && e.self.Allowed {
					completed++
				}
			}
		}
	}
	if mirrored == 0 || completed == 0 {
		t.Fatalf("mirrored %d, completed %d: the property was not exercised", mirrored, completed)
	}
	t.Logf("%d end decisions through mirrored rules, %d ends admitting an edge named at the other end", mirrored, completed)
}

// TestMirrorNamespacePeers: an allow whose peer only selects namespaces opens no other
// workload's isolation. One team's egress to every namespace does not reopen its own
// isolated ingress, nor give other teams' isolated workloads an ingress rule.
func TestMirrorNamespacePeers(t *testing.T) {
	s := policy.NewSet()
	s.Namespace("a").DefaultDenyIngress().AllowTo(policy.AllNamespaces()).TCP(80)
	s.Namespace("b").DefaultDenyIngress()
	s.ServiceIn("c", "api").AllowFrom(policy.Namespace("a")).TCP(80)
	s.Namespace("c").Labels(nil).DefaultDenyEgress()
	m := mustModel(t, s)
	if got, want := policyIDs(m), []string{"a/namespace-defaults", "b/namespace-defaults", "c/api", "c/namespace-defaults"}; !reflect.DeepEqual(got, want) {
		t.Errorf("policies = %q, want %q (nothing derived)", got, want)
	}
	for _, tc := range []struct {
		name    string
		f       policy.Flow
		allowed bool
	}{
		{"a's own ingress stays isolated", tcp(pod("a", "x"), pod("a", "y"), 80), false},
		{"b's ingress stays isolated", tcp(pod("a", "x"), pod("b", "y"), 80), false},
		{"c/api accepts a, whose egress is open", tcp(pod("a", "x"), pod("c", "api"), 80), true},
	} {
		if v := m.Evaluate(tc.f); v.Allowed != tc.allowed {
			t.Errorf("%s: %v, want allowed=%v", tc.name, v, tc.allowed)
		}
	}
}

// TestOneSided: a one-sided allow opens its own end only; the other end, where isolated,
// must allow the edge itself.
func TestOneSided(t *testing.T) {
	build := func(oneSided bool) *policy.Set {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Service("gw").DefaultDenyEgress()
		r := s.Service("order").AllowFrom("gw").TCP(8080)
		if oneSided {
			r.OneSided()
		}
		return s
	}
	f := tcp(pod("shop", "gw"), pod("shop", "order"), 8080)
	if v := mustModel(t, build(false)).Evaluate(f); !v.Allowed || !strings.Contains(v.Source.Why, "mirrored") {
		t.Errorf("two-sided: %v, want allowed through gw's mirrored side", v)
	}
	v := mustModel(t, build(true)).Evaluate(f)
	if v.Allowed || !v.Destination.Allowed || v.Source.Why != "isolated for egress and no allow rule matches" {
		t.Errorf("one-sided: %v, want denied at gw's egress only", v)
	}

	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("order").DenyFrom("gw").TCP(8080).OneSided()
	errs := problems(t, s.Validate())
	if len(errs) != 1 || errs[0].Field != "services[shop/order].ingress[0].oneSided" {
		t.Errorf("OneSided on a deny: %v, want one error at services[shop/order].ingress[0].oneSided", errs)
	}
}

// TestDNSKeptWhenDNSIsolated: the DNS allowance is an edge to the DNS service, mirrored
// into its isolated ingress like any edge naming workloads; workloads without it (not
// egress-isolated, or WithoutDNS) get nothing there.
func TestDNSKeptWhenDNSIsolated(t *testing.T) {
	s := policy.NewSet()
	s.Namespace("kube-system").DefaultDenyIngress()
	s.Namespace("shop").DefaultDeny()
	s.Namespace("batch").DefaultDenyEgress().WithoutDNS()
	m := mustModel(t, s)
	for _, tc := range []struct {
		name    string
		f       policy.Flow
		allowed bool
		why     string // of the destination's decision
	}{
		{"egress-isolated client", udp(pod("shop", "x"), kubeDNSPod(), 53), true, "allowed (mirrored from the other end)"},
		{"over TCP too", tcp(pod("shop", "x"), kubeDNSPod(), 53), true, "allowed (mirrored from the other end)"},
		{"other ports stay closed", udp(pod("shop", "x"), kubeDNSPod(), 5353), false, "isolated for ingress and no allow rule matches"},
		{"client without the allowance", udp(pod("batch", "x"), kubeDNSPod(), 53), false, "isolated for ingress and no allow rule matches"},
		{"client not isolated: kube-system's isolation stands", udp(pod("ops", "x"), kubeDNSPod(), 53), false, "isolated for ingress and no allow rule matches"},
	} {
		v := m.Evaluate(tc.f)
		if v.Allowed != tc.allowed || v.Destination.Why != tc.why {
			t.Errorf("%s: %v, want allowed=%v with destination %q", tc.name, v, tc.allowed, tc.why)
		}
	}
	if v := m.Evaluate(udp(pod("shop", "x"), kubeDNSPod(), 53)); v.Destination.Rule != "namespaces[shop].dns" {
		t.Errorf("mirrored DNS rule at %q, want namespaces[shop].dns", v.Destination.Rule)
	}
}
