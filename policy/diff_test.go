package policy_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// diffBase is a Set in which web (egress-isolated, DNS kept) calls api on TCP 8080.
func diffBase() *policy.Set {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("web").AllowTo("api").TCP(8080)
	return s
}

func diffMust(t testing.TB, old, new *policy.Set) *policy.Change {
	t.Helper()
	c, err := policy.Diff(old, new)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return c
}

// diffFlowKeys renders flow changes as "from → to probe".
func diffFlowKeys(fs []policy.FlowChange) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.From+" → "+f.To+" "+f.Probe)
	}
	return out
}

// diffMergedUniverse returns the sample names and probes of the two Sets' merged Universe,
// built as DiffModels documents it (the Sets here share their DNS service and namespace
// labels).
func diffMergedUniverse(t testing.TB, old, new *policy.Set) *policy.Universe {
	t.Helper()
	om, err := old.Model()
	if err != nil {
		t.Fatal(err)
	}
	nm, err := new.Model()
	if err != nil {
		t.Fatal(err)
	}
	m := &policy.Model{ServiceLabel: nm.ServiceLabel, DNS: nm.DNS, DNSPorts: nm.DNSPorts,
		Policies: append(append([]*policy.Policy(nil), om.Policies...), nm.Policies...)}
	seen := map[string]bool{}
	for _, ns := range append(append([]policy.NamespaceInfo(nil), om.Namespaces...), nm.Namespaces...) {
		if !seen[ns.Name] {
			seen[ns.Name] = true
			m.Namespaces = append(m.Namespaces, ns)
		}
	}
	sort.Slice(m.Namespaces, func(i, j int) bool { return m.Namespaces[i].Name < m.Namespaces[j].Name })
	return m.Universe()
}

// diffExpected lists, over the merged Universe, the flows keep selects, as diffFlowKeys does.
func diffExpected(u *policy.Universe, keep func(from, to policy.Sample, probe string) bool) []string {
	out := []string{}
	for _, from := range u.Endpoints {
		for _, to := range u.Endpoints {
			if from.Name == to.Name {
				continue
			}
			for _, p := range u.Probes {
				if keep(from, to, p.String()) {
					out = append(out, from.Name+" → "+to.Name+" "+p.String())
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func diffSorted(ss []string) []string {
	out := append([]string{}, ss...)
	sort.Strings(out)
	return out
}

const (
	diffWeb     = "pod:shop/app=web"
	diffAPI     = "pod:shop/app=api"
	diffKubeDNS = "pod:kube-system/k8s-app=kube-dns"
)

// TestDiffSmallEdits checks the flows that small edits open and close, exactly.
func TestDiffSmallEdits(t *testing.T) {
	inShop := func(s policy.Sample) bool { return s.Kind == policy.EndpointPod && s.Namespace == "shop" }
	tests := []struct {
		name     string
		edit     func(*policy.Set)
		opened   []string
		closed   func(u *policy.Universe) []string
		audit    func(u *policy.Universe) []string
		policies []string // "kind name (stage)"
	}{
		{
			name:     "add an allow",
			edit:     func(s *policy.Set) { s.Service("web").AllowTo("db").TCP(5432) },
			opened:   []string{diffWeb + " → pod:shop/app=db TCP/5432"},
			policies: []string{"changed shop/web (workload)"},
		},
		{
			name: "add a deny",
			edit: func(s *policy.Set) { s.Service("web").DenyTo("api").TCP(8080) },
			closed: func(*policy.Universe) []string {
				return []string{diffWeb + " → " + diffAPI + " TCP/8080"}
			},
			policies: []string{"changed shop/web (workload)"},
		},
		{
			name: "add a guardrail",
			edit: func(s *policy.Set) {
				s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
			},
			// Every pod that could reach the metadata service; web's isolated egress
			// never could.
			closed: func(u *policy.Universe) []string {
				return diffExpected(u, func(from, to policy.Sample, probe string) bool {
					return from.Kind == policy.EndpointPod && from.Name != diffWeb && to.Name == "ip:169.254.169.254" && probe == "TCP/80"
				})
			},
			policies: []string{"added block-metadata (guardrail)"},
		},
		{
			name: "add default-deny",
			edit: func(s *policy.Set) { s.Namespace("shop").DefaultDeny() },
			// Everything into and out of shop's pods, except web → api (mirrored into the
			// isolated api), DNS (kept by the default-deny) and the pods' own node; web's
			// egress was already isolated.
			closed: func(u *policy.Universe) []string {
				return diffExpected(u, func(from, to policy.Sample, probe string) bool {
					return (inShop(from) || inShop(to)) && from.Name != diffWeb && from.Kind != policy.EndpointHost &&
						!(inShop(from) && to.Name == diffKubeDNS && (probe == "UDP/53" || probe == "TCP/53"))
				})
			},
			policies: []string{"added shop/api (workload)", "added shop/namespace-defaults (namespace)"},
		},
		{
			name: "remove DNS",
			edit: func(s *policy.Set) { s.Service("web").WithoutDNS() },
			closed: func(*policy.Universe) []string {
				return []string{diffWeb + " → " + diffKubeDNS + " TCP/53", diffWeb + " → " + diffKubeDNS + " UDP/53"}
			},
			policies: []string{"changed shop/web (workload)"},
		},
		{
			name: "add default-deny in audit mode",
			edit: func(s *policy.Set) { s.Namespace("shop").DefaultDenyIngress().Audit() },
			// Nothing changes; what enforcing would drop is reported: everything into
			// shop's pods except web → api, from web, whose egress was already isolated,
			// and from the pods' own node.
			audit: func(u *policy.Universe) []string {
				return diffExpected(u, func(from, to policy.Sample, probe string) bool {
					return inShop(to) && from.Name != diffWeb && from.Kind != policy.EndpointHost
				})
			},
			policies: []string{"added shop/api (audit)", "added shop/namespace-defaults (audit)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := diffBase(), diffBase()
			tt.edit(new)
			c := diffMust(t, old, new)
			u := diffMergedUniverse(t, old, new)
			want := func(f func(*policy.Universe) []string) []string {
				if f == nil {
					return []string{}
				}
				return f(u)
			}
			if tt.opened == nil {
				tt.opened = []string{}
			}
			check := func(what string, got, want []string) {
				t.Helper()
				if !reflect.DeepEqual(got, diffSorted(want)) {
					t.Errorf("%s: got %d flows, want %d\ngot  %q\nwant %q", what, len(got), len(want), got, diffSorted(want))
				}
			}
			check("opened", diffFlowKeys(c.Opened), tt.opened)
			check("closed", diffFlowKeys(c.Closed), want(tt.closed))
			check("audit", diffFlowKeys(c.Audit), want(tt.audit))
			var policies []string
			for _, p := range c.Policies {
				policies = append(policies, fmt.Sprintf("%s %s (%s)", p.Kind(), p.Name, p.Stage))
			}
			if !reflect.DeepEqual(policies, tt.policies) {
				t.Errorf("policies: got %q, want %q", policies, tt.policies)
			}
			if c.Endpoints != len(u.Endpoints) || c.Probes != len(u.Probes) {
				t.Errorf("universe size %d × %d, want %d × %d", c.Endpoints, c.Probes, len(u.Endpoints), len(u.Probes))
			}
			// The reverse change swaps opened and closed, and keeps the audit changes.
			r := diffMust(t, new, old)
			check("reverse opened", diffFlowKeys(r.Opened), diffFlowKeys(c.Closed))
			check("reverse closed", diffFlowKeys(r.Closed), diffFlowKeys(c.Opened))
			check("reverse audit", diffFlowKeys(r.Audit), diffFlowKeys(c.Audit))
		})
	}
}

// TestDiffVerdicts checks that a flow change carries both verdicts with their reasons.
func TestDiffVerdicts(t *testing.T) {
	old, new := diffBase(), diffBase()
	new.Service("web").DenyTo("api").TCP(8080)
	c := diffMust(t, old, new)
	if len(c.Closed) != 1 {
		t.Fatalf("closed: %v", diffFlowKeys(c.Closed))
	}
	f := c.Closed[0]
	if !f.Before.Allowed || f.Before.Source.Rule != "services[shop/web].egress[0]" {
		t.Errorf("before: %v", f.Before)
	}
	if f.After.Allowed || f.After.Source.Rule != "services[shop/web].egress[1]" || f.After.Source.Why != "denied" {
		t.Errorf("after: %v", f.After)
	}
}

// TestDiffRolloutOrderOfPolicies checks that a change applies policies by ascending stage
// and removes them by descending stage (namespace defaults first, guardrails last).
func TestDiffRolloutOrderOfPolicies(t *testing.T) {
	names := func(c *policy.Change) []string {
		var out []string
		for _, p := range c.Policies {
			out = append(out, p.Kind()+" "+p.Name)
		}
		return out
	}
	empty := policy.NewSet(policy.DefaultNamespace("ecommerce"))
	up := diffMust(t, empty, scenarios.Ecommerce())
	wantUp := []string{
		"added block-metadata-access",
		"added ecommerce/api-gateway",
		"added ecommerce/inventory-service",
		"added ecommerce/order-service",
		"added ecommerce/payment-service",
		"added ecommerce/namespace-defaults",
	}
	if got := names(up); !reflect.DeepEqual(got, wantUp) {
		t.Errorf("rollout\ngot  %q\nwant %q", got, wantUp)
	}
	if head, _, _ := strings.Cut(up.String(), "\n"); !strings.HasSuffix(head, "; 6 policies changed") {
		t.Errorf("summary %q", head)
	}
	down := diffMust(t, scenarios.Ecommerce(), empty)
	wantDown := []string{
		"removed ecommerce/namespace-defaults",
		"removed ecommerce/payment-service",
		"removed ecommerce/order-service",
		"removed ecommerce/inventory-service",
		"removed ecommerce/api-gateway",
		"removed block-metadata-access",
	}
	if got := names(down); !reflect.DeepEqual(got, wantDown) {
		t.Errorf("removal\ngot  %q\nwant %q", got, wantDown)
	}
	// Labels are part of the emitted object: a label change is a change without flows.
	relabelled := scenarios.Ecommerce()
	relabelled.Service("order-service").WithLabels(map[string]string{"team": "orders"})
	c := diffMust(t, scenarios.Ecommerce(), relabelled)
	if got := names(c); !reflect.DeepEqual(got, []string{"changed ecommerce/order-service"}) || len(c.Opened)+len(c.Closed)+len(c.Audit) != 0 {
		t.Errorf("relabel: %q, %d opened, %d closed", got, len(c.Opened), len(c.Closed))
	}
}

// TestDiffNamespaceLabels checks that each Set judges with the namespace labels it
// declares: labelling a namespace brings its pods under a namespace selector.
func TestDiffNamespaceLabels(t *testing.T) {
	build := func(labelled bool) *policy.Set {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Service("db").AllowFrom(policy.Namespaces(policy.MatchLabels{"env": "prod"})).TCP(5432)
		n := s.Namespace("shop")
		if labelled {
			n.Labels(map[string]string{"env": "prod"})
		}
		return s
	}
	c := diffMust(t, build(false), build(true))
	want := []string{
		"pod:shop/ → pod:shop/app=db TCP/5432",
		"pod:shop/app=netintent-unselected → pod:shop/app=db TCP/5432",
	}
	if got := diffFlowKeys(c.Opened); !reflect.DeepEqual(got, want) || len(c.Closed) != 0 || len(c.Policies) != 0 {
		t.Errorf("opened %q (want %q), closed %q, policies %v", got, want, diffFlowKeys(c.Closed), c.Policies)
	}
}

// TestDiffDNSService checks a change of the DNS service: lookups move from kube-dns to
// the new service.
func TestDiffDNSService(t *testing.T) {
	old := diffBase()
	new := policy.NewSet(policy.DefaultNamespace("shop"),
		policy.DNSService(policy.PodsIn("dns", policy.MatchLabels{"app": "resolver"}), policy.Port{Protocol: policy.UDP, Port: 53}))
	new.Service("web").AllowTo("api").TCP(8080)
	c := diffMust(t, old, new)
	if got, want := diffFlowKeys(c.Opened), []string{diffWeb + " → pod:dns/app=resolver UDP/53"}; !reflect.DeepEqual(got, want) {
		t.Errorf("opened %q, want %q", got, want)
	}
	if got, want := diffFlowKeys(c.Closed), []string{diffWeb + " → " + diffKubeDNS + " TCP/53", diffWeb + " → " + diffKubeDNS + " UDP/53"}; !reflect.DeepEqual(got, want) {
		t.Errorf("closed %q, want %q", got, want)
	}
}

// TestDiffInvalid checks that an invalid Set's *ValidationError comes back, named.
func TestDiffInvalid(t *testing.T) {
	bad := policy.NewSet()
	bad.Service("web")
	for _, tc := range []struct {
		old, new *policy.Set
		prefix   string
	}{{bad, diffBase(), "old set: "}, {diffBase(), bad, "new set: "}} {
		c, err := policy.Diff(tc.old, tc.new)
		var ve *policy.ValidationError
		if c != nil || !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), tc.prefix) {
			t.Errorf("got %v, %v; want a *policy.ValidationError starting %q", c, err, tc.prefix)
		}
	}
}

// TestDiffRendering records the plain and Markdown renderings of changes.
func TestDiffRendering(t *testing.T) {
	allowAndDeny := diffBase()
	allowAndDeny.Service("web").AllowTo("db").TCP(5432).DenyTo("api").TCP(8080)
	audit := diffBase()
	audit.Namespace("shop").DefaultDenyIngress().Audit()
	golden.Assert(t, "testdata/diff/allow-and-deny.txt", []byte(diffMust(t, diffBase(), allowAndDeny).String()))
	golden.Assert(t, "testdata/diff/allow-and-deny.md", []byte(diffMust(t, diffBase(), allowAndDeny).Markdown(0)))
	golden.Assert(t, "testdata/diff/audit-default-deny.md", []byte(diffMust(t, diffBase(), audit).Markdown(3)))
	golden.Assert(t, "testdata/diff/audit-default-deny-removed.md", []byte(diffMust(t, audit, diffBase()).Markdown(3)))
}

// TestDiffMatchesEveryFlow checks DiffModels, which judges only flows that may change,
// against judging every flow of the merged Universe, on random Sets and random edits.
func TestDiffMatchesEveryFlow(t *testing.T) {
	namespaces := []string{"shop", "pay", "ops"}
	services := []string{"web", "api", "db", "cache", "worker"}
	seeds := uint64(7) // one of each kind of edit first, then a random one
	if testing.Short() {
		seeds = 2
	}
	for seed := uint64(0); seed < seeds; seed++ {
		old := randset.New(seed, 4, randset.All)
		next := randset.New(seed, 4, randset.All)
		r := rand.New(rand.NewPCG(seed, 7))
		pick := func(ss []string) string { return ss[r.IntN(len(ss))] }
		var edits []string
		for i := range 2 {
			ns, svc := pick(namespaces), pick(services)
			w := next.Set.ServiceIn(ns, svc)
			k := r.IntN(7)
			if i == 0 {
				k = int(seed % 7) // every kind of edit in the first seven seeds
			}
			switch k {
			case 0:
				w.AllowTo(policy.ServiceIn(pick(namespaces), pick(services))).TCP(8080)
			case 1:
				w.AllowFrom(policy.Namespace(pick(namespaces))).TCP(80)
			case 2:
				w.DenyTo(policy.ServiceIn(pick(namespaces), pick(services)))
			case 3:
				next.Set.Namespace(ns).DefaultDeny()
			case 4:
				w.DefaultDenyEgress().WithoutDNS()
			case 5:
				next.Set.Cluster("guard").DenyTo(policy.CIDR("203.0.113.0/24"))
			default:
				w.Audit().DefaultDenyIngress()
			}
			edits = append(edits, fmt.Sprintf("%d:%s/%s", k, ns, svc))
		}
		om, err := old.Set.Model()
		if err != nil {
			t.Fatal(err)
		}
		nm, err := next.Set.Model()
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, next.Code)
		}
		c := policy.DiffModels(om, nm)
		u := diffMergedUniverse(t, old.Set, next.Set)
		var opened, closed, audit []string
		for _, from := range u.Endpoints {
			for _, to := range u.Endpoints {
				if from.Name == to.Name || !diffJudged(from) && !diffJudged(to) {
					continue
				}
				for _, p := range u.Probes {
					f := policy.Flow{From: from.Endpoint, To: to.Endpoint, Protocol: p.Protocol, Port: p.Port, ICMP: p.ICMP}
					b, a := om.Evaluate(f), nm.Evaluate(f)
					k := from.Name + " → " + to.Name + " " + p.String()
					switch {
					case !b.Allowed && a.Allowed:
						opened = append(opened, k)
					case b.Allowed && !a.Allowed:
						closed = append(closed, k)
					case b.Allowed && b.AuditDenied != a.AuditDenied:
						audit = append(audit, k)
					}
				}
			}
		}
		for _, x := range []struct {
			what      string
			got, want []string
		}{{"opened", diffFlowKeys(c.Opened), opened}, {"closed", diffFlowKeys(c.Closed), closed}, {"audit", diffFlowKeys(c.Audit), audit}} {
			if want := diffSorted(x.want); !reflect.DeepEqual(x.got, want) {
				t.Errorf("seed %d, edits %v: %s differ: got %d, want %d\n%s", seed, edits, x.what, len(x.got), len(want), old.Code)
			}
		}
	}
}

func diffJudged(s policy.Sample) bool {
	return s.Kind == policy.EndpointPod || s.Kind == policy.EndpointHost || s.Kind == policy.EndpointRemoteNode
}

// BenchmarkDiff measures a one-rule change of the 1,000-service Set of BenchmarkLint.
func BenchmarkDiff(b *testing.B) {
	old, err := lintBenchSet(1000).Model()
	if err != nil {
		b.Fatal(err)
	}
	s := lintBenchSet(1000)
	s.ServiceIn("team-03", "svc-00300").AllowTo("svc-00301").TCP(9090)
	new, err := s.Model()
	if err != nil {
		b.Fatal(err)
	}
	if c := policy.DiffModels(old, new); len(c.Opened) != 1 {
		b.Fatalf("opened %v", diffFlowKeys(c.Opened))
	}
	b.ReportAllocs()
	for b.Loop() {
		policy.DiffModels(old, new)
	}
}

// TestRolloutStageString checks the names of the stages, which are the values of
// RolloutStageAnnotation, and of values that are no stage.
func TestRolloutStageString(t *testing.T) {
	tests := []struct {
		stage policy.RolloutStage
		want  string
	}{
		{policy.StageAudit, "audit"},
		{policy.StageGuardrail, "guardrail"},
		{policy.StageWorkload, "workload"},
		{policy.StageNamespace, "namespace"},
		{policy.StageCluster, "cluster"},
		{policy.StageCluster + 1, "RolloutStage(5)"},
		{-1, "RolloutStage(-1)"},
	}
	for _, tt := range tests {
		if got := tt.stage.String(); got != tt.want {
			t.Errorf("RolloutStage(%d).String() = %q, want %q", int(tt.stage), got, tt.want)
		}
	}
}

// TestDiffModelsNil checks that a nil model is the change from (or to) nothing: the same
// as an empty Set's model, with the other's options.
func TestDiffModelsNil(t *testing.T) {
	empty, err := policy.NewSet().Model()
	if err != nil {
		t.Fatal(err)
	}
	m, err := diffBase().Model()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want *policy.Change
	}{
		{"from nothing", policy.DiffModels(nil, m), policy.DiffModels(empty, m)},
		{"to nothing", policy.DiffModels(m, nil), policy.DiffModels(m, empty)},
	} {
		if tc.got.String() != tc.want.String() {
			t.Errorf("%s:\n%s\nwant, as with an empty Set's model:\n%s", tc.name, tc.got, tc.want)
		}
		if len(tc.got.Opened)+len(tc.got.Closed) == 0 {
			t.Errorf("%s: no flow changed", tc.name)
		}
	}
	if c := policy.DiffModels(nil, nil); len(c.Opened)+len(c.Closed)+len(c.Policies) > 0 {
		t.Errorf("two nil models:\n%s", c)
	}
}

// TestNilSets checks that functions taking a Set refuse nil with an error.
func TestNilSets(t *testing.T) {
	if _, err := policy.Lint(nil); err == nil || err.Error() != "policy: Lint needs a Set, got nil" {
		t.Errorf("Lint(nil): %v", err)
	}
	if _, err := policy.Diff(nil, diffBase()); err == nil {
		t.Error("Diff(nil, set): no error")
	}
	var nilSet *policy.Set
	if err := nilSet.Validate(); err == nil {
		t.Error("(*Set)(nil).Validate(): no error")
	}
	if m, err := nilSet.Model(); m != nil || err == nil {
		t.Errorf("(*Set)(nil).Model() = %v, %v; want an error", m, err)
	}
	if _, err := nilSet.Evaluate(policy.Flow{}); err == nil {
		t.Error("(*Set)(nil).Evaluate(): no error")
	}
}
