package lift_test

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sourceCase is a Set to render, and how to name it.
type sourceCase struct {
	name string
	set  func() *policy.Set
}

// liftedRange is the cluster range the lifted cases are compiled and lifted with.
var liftedRange = netip.MustParsePrefix("10.244.0.0/16")

// lifted returns the Set lifted from k8snp's objects for build, and false when k8snp
// refuses it even with its lossy options: a lifted Set has only one-sided allows, which
// exercises Source's edge merging.
func lifted(t *testing.T, build func() *policy.Set) (func() *policy.Set, bool) {
	t.Helper()
	m, err := build().Model()
	if err != nil {
		t.Fatal(err)
	}
	res, err := k8snp.Compile(build(), k8snp.ClusterCIDRs(liftedRange))
	if err != nil {
		if res, err = k8snp.Compile(build(), k8snp.ClusterCIDRs(liftedRange), k8snp.WidenL7(), k8snp.WorldAsIPBlock()); err != nil {
			return nil, false
		}
	}
	nss := golden.Namespaces(m)
	nps := res.NetworkPolicies
	if _, err := lift.NetworkPolicies(nps, nss, lift.ClusterCIDRs(liftedRange)); err != nil {
		t.Fatalf("lift: %v", err)
	}
	return func() *policy.Set {
		set, err := lift.NetworkPolicies(nps, nss, lift.ClusterCIDRs(liftedRange))
		if err != nil {
			panic(err)
		}
		return set
	}, true
}

// sourceCases are every scenario, random Sets of every feature, the Sets lifted from
// k8snp's objects for both, a lifted manifest, and cornerCases.
func sourceCases(t *testing.T) []sourceCase {
	var out []sourceCase
	for _, s := range scenarios.All() {
		out = append(out, sourceCase{"scenario/" + s.Name, s.Build})
		if l, ok := lifted(t, s.Build); ok {
			out = append(out, sourceCase{"lifted/" + s.Name, l})
		}
	}
	n := uint64(40)
	if testing.Short() {
		n = 10
	}
	for seed := range n {
		out = append(out, sourceCase{fmt.Sprint("randset/", seed), func() *policy.Set { return randset.New(seed, 6, randset.All).Set }})
		k8s := randset.Features{L7: true, ServiceAccounts: true}
		build := func() *policy.Set { return randset.New(seed, 8, k8s).Set }
		if l, ok := lifted(t, build); ok {
			out = append(out, sourceCase{fmt.Sprint("lifted/randset/", seed), l})
		}
	}
	out = append(out, sourceCase{"manifest/three-tier", threeTier(t)})
	for _, c := range cornerCases() {
		out = append(out, sourceCase{"corner/" + c.name, c.set})
	}
	return out
}

// threeTier lifts testdata/source/three-tier.yaml, a Set of one-sided rules at both ends
// of every edge.
func threeTier(t *testing.T) func() *policy.Set {
	data, err := os.ReadFile(filepath.Join("testdata", "source", "three-tier.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return func() *policy.Set {
		objs, err := lift.Decode(bytes.NewReader(data))
		if err != nil {
			panic(err)
		}
		set, err := lift.Lift(objs, lift.ClusterCIDRs(liftedRange))
		if err != nil {
			panic(err)
		}
		return set
	}
}

// judged is what the program built from the rendered sources reports of one Set.
type judged struct {
	// Err is the Set's validation error, if any.
	Err string
	// Given are the verdicts of the flows the test sent, Own the program's Set's universe
	// and Verdicts its verdicts.
	Given, Verdicts string
	Own             []wireFlow
}

// wireFlow is a Flow as gob sends it: gob sends a pointer to a zero value as nil, and 0
// is an ICMP code, so the code goes apart.
type wireFlow struct {
	Flow    policy.Flow
	Code    int32
	HasCode bool
}

func toWire(flows []policy.Flow) []wireFlow {
	out := make([]wireFlow, len(flows))
	for i, f := range flows {
		out[i].Flow = f
		if f.ICMP != nil && f.ICMP.Code != nil {
			out[i].Code, out[i].HasCode = *f.ICMP.Code, true
		}
	}
	return out
}

func fromWire(flows []wireFlow) []policy.Flow {
	out := make([]policy.Flow, len(flows))
	for i, w := range flows {
		out[i] = w.Flow
		if w.HasCode {
			icmp := *w.Flow.ICMP
			icmp.Code = &w.Code
			out[i].ICMP = &icmp
		}
	}
	return out
}

// verdictCode packs what must not change of a verdict into one byte.
func verdictCode(v policy.Verdict) byte {
	var c byte = 'a'
	for i, b := range []bool{v.Allowed, v.AuditDenied, v.Source.Judged, v.Source.Allowed, v.Destination.Judged, v.Destination.Allowed} {
		if b {
			c += 1 << i
		}
	}
	return c
}

// judgeProgram is the main package of the program: it builds every rendered Set, judges
// the flows the test sends (gob, in the file named by its first argument) and its Set's
// own universe, and writes what it found (gob, to the second argument).
const judgeProgram = `package main

import (
	"encoding/gob"
	"os"

	"github.com/netintent/netintent/policy"
)

type judged struct {
	Err             string
	Given, Verdicts string
	Own             []wireFlow
}

// wireFlow is a Flow as gob sends it: gob sends a pointer to a zero value as nil, and 0
// is an ICMP code, so the code goes apart.
type wireFlow struct {
	Flow    policy.Flow
	Code    int32
	HasCode bool
}

func toWire(flows []policy.Flow) []wireFlow {
	out := make([]wireFlow, len(flows))
	for i, f := range flows {
		out[i].Flow = f
		if f.ICMP != nil && f.ICMP.Code != nil {
			out[i].Code, out[i].HasCode = *f.ICMP.Code, true
		}
	}
	return out
}

func fromWire(flows []wireFlow) []policy.Flow {
	out := make([]policy.Flow, len(flows))
	for i, w := range flows {
		out[i] = w.Flow
		if w.HasCode {
			icmp := *w.Flow.ICMP
			icmp.Code = &w.Code
			out[i].ICMP = &icmp
		}
	}
	return out
}


func code(v policy.Verdict) byte {
	var c byte = 'a'
	for i, b := range []bool{v.Allowed, v.AuditDenied, v.Source.Judged, v.Source.Allowed, v.Destination.Judged, v.Destination.Allowed} {
		if b {
			c += 1 << i
		}
	}
	return c
}

func main() {
	in, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	var wire [][]wireFlow
	if err := gob.NewDecoder(in).Decode(&wire); err != nil {
		panic(err)
	}
	out := make([]judged, len(sets))
	for i, build := range sets {
		m, err := build().Model()
		if err != nil {
			out[i].Err = err.Error()
			continue
		}
		flows := fromWire(wire[i])
		given := make([]byte, len(flows))
		for j, f := range flows {
			given[j] = code(m.Evaluate(f))
		}
		out[i].Given = string(given)
		flows = m.Universe().Flows()
		out[i].Own = toWire(flows)
		own := make([]byte, len(flows))
		for j, f := range flows {
			own[j] = code(m.Evaluate(f))
		}
		out[i].Verdicts = string(own)
	}
	f, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	if err := gob.NewEncoder(f).Encode(out); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
`

// TestSourceMeansTheSet renders every case into one program, builds it once, and checks
// that each rendered Set decides every flow of both universes (the original Set's and the
// rendered Set's) as the original does: allowed, audit-denied, and each end's judgement.
func TestSourceMeansTheSet(t *testing.T) {
	cases := sourceCases(t)
	// The program is a package of this module, in a directory the go command's patterns
	// skip, so that it builds with the module's own requirements.
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "source-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var list strings.Builder
	flows := make([][]policy.Flow, len(cases))
	models := make([]*policy.Model, len(cases))
	for i, c := range cases {
		fn := fmt.Sprintf("set%d", i)
		src, err := lift.Source(c.set(), lift.PackageName("main"), lift.FuncName(fn))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if again, _ := lift.Source(c.set(), lift.PackageName("main"), lift.FuncName(fn)); !bytes.Equal(src, again) {
			t.Errorf("%s: rendered twice, the source differs", c.name)
		}
		if err := os.WriteFile(filepath.Join(dir, fn+".go"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&list, "\t%s, // %s\n", fn, c.name)
		if models[i], err = c.set().Model(); err != nil {
			t.Fatal(err)
		}
		flows[i] = models[i].Universe().Flows()
	}
	main := judgeProgram + "\nvar sets = []func() *policy.Set{\n" + list.String() + "}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	wire := make([][]wireFlow, len(flows))
	for i := range flows {
		wire[i] = toWire(flows[i])
	}
	if err := gob.NewEncoder(&in).Encode(wire); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(abs, "flows.gob"), in.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "judge")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the rendered sources: %v\n%s", err, out)
	}
	result := filepath.Join(abs, "judged.gob")
	if out, err := exec.Command(bin, filepath.Join(abs, "flows.gob"), result).CombinedOutput(); err != nil {
		t.Fatalf("the program built from the rendered sources: %v\n%s", err, out)
	}
	data, err := os.ReadFile(result)
	if err != nil {
		t.Fatal(err)
	}
	var got []judged
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&got); err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := got[i]
			if g.Err != "" {
				t.Fatalf("the rendered Set is invalid: %s", g.Err)
			}
			mismatches := 0
			check := func(which string, f policy.Flow, have byte) {
				total++
				want := models[i].Evaluate(f)
				if verdictCode(want) != have && mismatches < 10 {
					mismatches++
					t.Errorf("%s flow %s -> %s %s: the Set decides %s (%s), the rendered Set %s",
						which, endpointOf(f.From), endpointOf(f.To), probeOf(f), want, verdictBits(verdictCode(want)), verdictBits(have))
				}
			}
			for j, f := range flows[i] {
				check("original universe", f, g.Given[j])
			}
			for j, f := range fromWire(g.Own) {
				check("rendered universe", f, g.Verdicts[j])
			}
		})
	}
	t.Logf("%d Sets rendered, %d flows judged", len(cases), total)
}

// verdictBits spells out a verdictCode.
func verdictBits(c byte) string {
	var parts []string
	for i, name := range []string{"allowed", "audit-denied", "source judged", "source allows", "destination judged", "destination allows"} {
		if (c-'a')&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func probeOf(f policy.Flow) string {
	return policy.Probe{Protocol: f.Protocol, Port: f.Port, ICMP: f.ICMP}.String()
}

// TestSourceGolden keeps the rendered source of a few Sets, for review.
func TestSourceGolden(t *testing.T) {
	for _, c := range sourceCases(t) {
		name, ok := goldenSource[c.name]
		if !ok {
			continue
		}
		src, err := lift.Source(c.set())
		if err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, filepath.Join("testdata", "source", name), src)
	}
}

// goldenSource names the golden file of each case that has one.
var goldenSource = map[string]string{
	"scenario/ecommerce":        "ecommerce.go.golden",
	"scenario/tiers":            "tiers.go.golden",
	"lifted/microservice-l4":    "lifted-microservice-l4.go.golden",
	"lifted/randset/17":         "lifted-randset-17.go.golden",
	"randset/3":                 "randset-3.go.golden",
	"manifest/three-tier":       "three-tier.go.golden",
	"corner/namespace-isolated": "merge-namespace-isolated.go.golden",
	"corner/split":              "merge-split.go.golden",
	"corner/everything":         "everything.go.golden",
}

// cornerCases are Sets of one-sided rules at both ends of edges, where merging them into
// one edge is exact and where it is not, and Sets with what the Model does not show as
// written (AllowSameNamespace, declared namespace labels, inherited DNS).
func cornerCases() []sourceCase {
	gw := policy.MatchLabels{"app": "gw"}
	return []sourceCase{
		// gw's egress is isolated by the rule merged into the edge alone.
		{"edge", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").AllowFrom(policy.PodsIn("shop", gw)).TCP(80).OneSided()
			s.Pods("shop", "gateway", gw).WithoutDNS().AllowTo(policy.ServiceIn("shop", "web")).TCP(80).OneSided()
			return s
		}},
		// The same, keeping DNS, and with the egress rule naming a second peer.
		{"edge-two-peers", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").AllowFrom(policy.PodsIn("shop", gw), policy.CIDR("192.0.2.0/24")).TCP(80, 81).OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.ServiceIn("shop", "web"), policy.ServiceIn("shop", "db")).TCP(81, 80).OneSided()
			s.ServiceIn("shop", "db").AllowFrom(policy.ServiceIn("shop", "gw")).TCP(80, 81).OneSided()
			return s
		}},
		// The ports differ: two one-sided rules stay.
		{"other-ports", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").AllowFrom(policy.Service("gw")).TCP(80).OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.Service("web")).TCP(443).OneSided()
			return s
		}},
		// The ingress peer selects more pods than gw: batch pods isolate their egress
		// without allowing web, which an edge would open.
		{"broader-peer", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").AllowFrom(policy.Pods(policy.MatchLabels{"tier": "fe"})).TCP(80).OneSided()
			s.Pods("shop", "fe", policy.MatchLabels{"tier": "fe", "app": "gw"}).AllowTo(policy.Service("web")).TCP(80).OneSided()
			s.Pods("shop", "batch", policy.MatchLabels{"tier": "fe", "app": "batch"}).DefaultDenyEgress()
			return s
		}},
		// The namespace isolates egress too: the edge's mirrored rule lands in the
		// namespace's policy for gw's pods, which gw allows anyway.
		{"namespace-isolated", func() *policy.Set {
			s := policy.NewSet()
			s.Namespace("shop").DefaultDeny().AllowSameNamespace()
			s.ServiceIn("shop", "web").AllowFrom(policy.ServiceIn("shop", "gw")).TCP(80).OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.ServiceIn("shop", "web")).TCP(80).OneSided().
				AllowTo(policy.ServiceIn("pay", "api")).TCP(443).OneSided()
			s.ServiceIn("pay", "api").AllowFrom(policy.ServiceIn("shop", "gw")).TCP(443).OneSided()
			return s
		}},
		// An audited end: the mirrored rule would go to an audited policy.
		{"audit", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").Audit().AllowFrom(policy.Service("gw")).TCP(80).OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.Service("web")).TCP(80).OneSided()
			return s
		}},
		// A tiered ingress end: mirroring reads tiered allows, the edge is exact.
		{"tiered", func() *policy.Set {
			s := policy.NewSet()
			s.Tier("security", 10)
			s.ServiceIn("shop", "web").InTier("security", 1).AllowFrom(policy.Service("gw")).TCP(80).OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.Service("web")).TCP(80).OneSided()
			return s
		}},
		// A tiered egress end: a tiered policy receives no mirrored rule, and the tier
		// would deny what its rule allowed.
		{"tiered-egress", func() *policy.Set {
			s := policy.NewSet()
			s.Tier("security", 10)
			s.ServiceIn("shop", "web").AllowFrom(policy.Service("gw")).TCP(80).OneSided()
			s.ServiceIn("shop", "gw").InTier("security", 1).AllowTo(policy.Service("web")).TCP(80).OneSided()
			return s
		}},
		// A namespace allowing its own pods, one-sided by nature (a namespace peer names
		// no workload), and AllowSameNamespace, which opens both ends: gw isolates its
		// egress in both.
		{"same-namespace-peer", func() *policy.Set {
			s := policy.NewSet()
			s.Namespace("shop").AllowFrom(policy.SameNamespace())
			s.ServiceIn("shop", "gw").DefaultDenyEgress()
			return s
		}},
		{"allow-same-namespace", func() *policy.Set {
			s := policy.NewSet()
			s.Namespace("shop").AllowSameNamespace()
			s.ServiceIn("shop", "gw").DefaultDenyEgress()
			return s
		}},
		// ops declares it has no labels beyond its name: mirroring web's rule into ops
		// needs to know that the selector team=a does not select it.
		{"declared-no-labels", func() *policy.Set {
			s := policy.NewSet()
			s.Namespace("ops").Labels(nil).DefaultDenyIngress()
			s.Namespace("dev").Labels(map[string]string{"team": "a"})
			s.ServiceIn("shop", "web").AllowTo(policy.Namespaces(policy.MatchLabels{"team": "a"}).Pods(policy.MatchLabels{"app": "db"})).TCP(5432)
			return s
		}},
		// gw opts out of DNS, but inherits the allowance of its namespace.
		{"inherited-dns", func() *policy.Set {
			s := policy.NewSet()
			s.Tier("security", 10).DefaultPass()
			s.Namespace("shop").DefaultDeny()
			s.ServiceIn("shop", "gw").WithoutDNS().AllowTo(policy.Service("web")).TCP(80)
			s.ServiceIn("shop", "api").InTier("security", 1).WithoutDNS().AllowTo(policy.Service("web")).TCP(80)
			return s
		}},
		// Every construct of the fluent API Source writes, in one Set.
		{"everything", func() *policy.Set {
			s := policy.NewSet(policy.ServiceLabel("app.kubernetes.io/name"),
				policy.DNSService(policy.ServiceIn("dns", "coredns"), policy.Port{Protocol: policy.UDP, Name: "dns"}, policy.Port{Protocol: policy.TCP, Port: 53}))
			s.Tier("security", 10).DefaultPass()
			batch := policy.LabelSelector{MatchLabels: map[string]string{"team": "a"}, MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{"batch", "cron"}},
				{Key: "legacy", Operator: metav1.LabelSelectorOpDoesNotExist}}}
			s.Namespace("shop").Labels(map[string]string{"env": "prod"}).DefaultDeny().Named("shop-defaults").WithLabels(map[string]string{"owner": "web"})
			s.Namespace("dns").Labels(nil)
			s.Pods("shop", "batch", batch).WithoutDNS().Audit().
				AllowTo(policy.Namespaces(policy.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}}}}).Pods(policy.MatchLabels{"app.kubernetes.io/name": "db"})).SCTP(3868).
				AllowTo(policy.FQDN("*.example.com")).TCP(443)
			s.ServiceIn("shop", "web").Select(policy.MatchLabels{"tier": "web"}).WithAnnotations(map[string]string{"note": "a \"quoted\" value"}).
				AllowFrom(policy.ServiceAccount("ops", "robot"), policy.ServiceIn("edge", "gw").InCluster("east"), policy.Pods(policy.MatchLabels{"x": "y"}).WithServiceAccount("sa")).
				HTTPRequest(policy.HTTPMatch{Method: "GET", Path: "/api/", PathKind: policy.PathPrefix, Host: "shop.example.com", Headers: []policy.Header{{Name: "X-Token", Value: "t"}}}).TCP(8080).
				AllowFrom(policy.Host(), policy.RemoteNodes()).ICMP(8, 0).ICMPv6(128).
				AllowTo(policy.ServiceIn("dns", "coredns")).Port(policy.Port{Protocol: policy.UDP, Name: "dns"}).DNS("*.example.com").
				AllowTo(policy.KubeAPIServer(), policy.WholeCluster()).PortRange(policy.TCP, 6443, 6444).AllPorts(policy.UDP)
			s.Cluster("guard").InNamespaces(policy.MatchLabels{"env": "prod"}).Select(policy.MatchLabels{"app.kubernetes.io/name": "web"}).InTier("security", 1).
				DenyTo(policy.CIDR("169.254.169.254/32")).
				PassFrom(policy.World()).
				AllowFrom(policy.AllNamespaces())
			s.Host("nodes").Select(policy.MatchLabels{"role": "worker"}).DefaultDenyIngress().AllowFrom(policy.CIDR("10.0.0.0/8")).TCP(22)
			return s
		}},
		// HTTP at the ingress end: the edge mirrors L3/L4 only, as the egress rule was.
		{"l7", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").AllowFrom(policy.Service("gw")).TCP(80).HTTP("GET", "/").OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.Service("web")).TCP(80).OneSided()
			return s
		}},
		// Of two peers, one has its egress rule: the other stays one-sided, in a rule of
		// its own, since batch isolates its egress without allowing web.
		{"split", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").AllowFrom(policy.Service("gw"), policy.Service("batch"), policy.World()).TCP(80).OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.Service("web")).TCP(80).OneSided()
			s.ServiceIn("shop", "batch").DefaultDenyEgress()
			return s
		}},
		// Two ingress rules, one egress rule: one edge, one one-sided rule.
		{"twice", func() *policy.Set {
			s := policy.NewSet()
			s.ServiceIn("shop", "web").AllowFrom(policy.Service("gw")).TCP(80).OneSided().
				AllowFrom(policy.Service("gw")).TCP(80).OneSided()
			s.ServiceIn("shop", "gw").AllowTo(policy.Service("web")).TCP(80).OneSided()
			return s
		}},
	}
}

func endpointOf(e policy.Endpoint) string {
	return fmt.Sprintf("%s:%s%v%s", e.Kind, e.Namespace, e.Labels, e.IP)
}
