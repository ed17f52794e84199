package equivalence

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/runtime"
)

// These tests check lift.Cilium against Cilium's own engine: objects, lifted and compiled
// back with cilium, must get the verdicts the objects get, flow by flow (each end's
// decision too), over the adversarial universes of the lifted Set (pods inside CIDR
// peers, the nodes, every reserved identity, ICMP, named ports). The lifted Set's
// reference verdicts are compared with the objects' engine verdicts as well.

// seedDir holds the published manifests the scenarios reproduce.
const seedDir = "../../../k8snp/testdata/seed"

// liftedCiliumSeeds are the Cilium seeds that lift (cilium/lift_test.go says why the others
// are refused), with the options they need.
var liftedCiliumSeeds = map[string][]lift.Option{
	"10-audit-default-deny.yaml":   nil,
	"13-cross-cluster-policy.yaml": {lift.LocalCluster(oracle.DefaultClusterName)},
}

// liftTally counts a lift comparison: the flows of the universes, those both engines
// judged, the mismatches between the objects' and the lifted objects' verdicts and
// between the objects' verdicts and the lifted Set's reference verdicts, and the flows
// not judged, by reason.
type liftTally struct {
	sets, asked, judged, engineMismatches, referenceMismatches int
	skipped                                                    map[string]int
}

func (lt *liftTally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d Sets lifted, %d flows: %d judged, %d engine mismatches, %d reference mismatches",
		lt.sets, lt.asked, lt.judged, lt.engineMismatches, lt.referenceMismatches)
	for _, k := range SortedReasons(lt.skipped) {
		fmt.Fprintf(&b, "\n  not judged %7d: %s", lt.skipped[k], k)
	}
	return b.String()
}

// decodedOutput decodes a cilium Result's YAML: what a user applies.
func decodedOutput(t *testing.T, res *cilium.Result) []runtime.Object {
	t.Helper()
	y, err := res.YAML()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := oracle.DecodeYAML(y)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// compareLifted judges every flow of base's universe with b's engine over objs and over
// b's output for lifted, and with lifted's reference evaluator. base is the Set the
// objects were compiled from, when there is one: its universe does not depend on what the
// lifter made of the objects; otherwise it is lifted, and its universe is widened (see
// widen).
func compareLifted(t *testing.T, b backend, objs []runtime.Object, lifted *policy.Set, base *policy.Model, lt *liftTally) {
	t.Helper()
	m, err := lifted.Model()
	if err != nil {
		t.Fatal(err)
	}
	var pu *policy.Universe
	if base == nil {
		base = m
		pu = widen(Normalize(m.Universe()))
	} else {
		pu = Normalize(base.Universe())
	}
	us, err := universes(b, base, pu)
	if err != nil {
		t.Fatal(err)
	}
	var pools []netip.Prefix
	for _, fam := range []int{4, 6} {
		if u := us[fam]; u != nil {
			pools = append(pools, u.Pool)
		}
	}
	res, err := compileSafely(b, lifted, pools)
	if err != nil {
		t.Fatalf("compiling the lifted Set: %v", err)
	}
	back, err := oracle.DecodeYAML(res.yaml)
	if err != nil {
		t.Fatal(err)
	}
	orig, again := map[int]engine{}, map[int]engine{}
	for fam, u := range us {
		if orig[fam], err = b.newEngine(append(objs[:len(objs):len(objs)], u.Extra...), u.Oracle); err != nil {
			t.Fatalf("engine over the objects: %v", err)
		}
		if again[fam], err = b.newEngine(append(back[:len(back):len(back)], u.Extra...), u.Oracle); err != nil {
			t.Fatalf("engine over the lifted objects: %v", err)
		}
	}
	lt.sets++
	var mismatches []string
	for _, c := range Cases(pu) {
		lt.asked++
		if !b.modelsHostPolicies && c.From.Kind != policy.EndpointPod && c.To.Kind != policy.EndpointPod {
			lt.skipped[skipNoPodEnd]++
			continue
		}
		fam, of, _, why := b.oracleFlow(base, us, c)
		if why != "" {
			lt.skipped[why]++
			continue
		}
		want, err := orig[fam].Decide(of)
		var got oracle.Decision
		if err == nil {
			got, err = again[fam].Decide(of)
		}
		if errors.Is(err, oracle.ErrCannotJudge) {
			lt.skipped[Reason(err)]++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		lt.judged++
		if want.Allowed != got.Allowed || want.EgressAllowed != got.EgressAllowed || want.IngressAllowed != got.IngressAllowed {
			lt.engineMismatches++
			mismatches = append(mismatches, fmt.Sprintf("  %s: objects %+v; lifted objects %+v", c, want, got))
		}
		ref := m.Evaluate(c.Flow())
		refEgress, refIngress := !ref.Source.Judged || ref.Source.Allowed, !ref.Destination.Judged || ref.Destination.Allowed
		if want.Allowed != ref.Allowed || want.EgressAllowed != refEgress || want.IngressAllowed != refIngress {
			lt.referenceMismatches++
			mismatches = append(mismatches, fmt.Sprintf("  %s: objects %+v; lifted Set %s", c, want, ref))
		}
	}
	if n := len(mismatches); n > 0 {
		t.Errorf("%d mismatches (first %d):\n%s\nlifted objects:\n%s", n, min(n, 8), strings.Join(mismatches[:min(n, 8)], "\n"), res.yaml)
	}
}

// skipNoPodEnd: engines without host policies judge flows with a pod end only (the
// widened universes of lifted Sets pair addresses with nodes too).
const skipNoPodEnd = "no pod end, and the engine has no host policies"

// widen adds to the probes of a universe derived from a lifted Set the neighbours of each
// port and every protocol on it, so that what the lifter dropped from the objects (a
// protocol, a range's end) is probed too.
func widen(pu *policy.Universe) *policy.Universe {
	out := *pu
	seen := map[policy.Probe]bool{}
	out.Probes = nil
	add := func(pr policy.Probe) {
		if !seen[pr] {
			seen[pr] = true
			out.Probes = append(out.Probes, pr)
		}
	}
	for _, pr := range pu.Probes {
		add(pr)
		if pr.ICMP != nil || pr.Port == 0 {
			continue
		}
		for _, proto := range []policy.Protocol{policy.TCP, policy.UDP, policy.SCTP} {
			for _, port := range []int32{pr.Port - 1, pr.Port, pr.Port + 1} {
				if port > 0 && port <= 65535 {
					add(policy.Probe{Protocol: proto, Port: port})
				}
			}
		}
	}
	return &out
}

// TestLiftCiliumSeeds lifts the Cilium seeds that lift and judges them.
func TestLiftCiliumSeeds(t *testing.T) {
	lt := &liftTally{skipped: map[string]int{}}
	for file, opts := range liftedCiliumSeeds {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(seedDir, file))
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
			set, err := lift.Lift(decoded, opts...)
			if err != nil {
				t.Fatal(err)
			}
			compareLifted(t, ciliumBackend, objs, set, nil, lt)
		})
	}
	t.Logf("seeds: %s", lt)
	if lt.judged == 0 {
		t.Error("no flow judged")
	}
}

// handCilium are hand-written Cilium objects that lift, one per reading of Cilium the
// lifter relies on (lift/cilium_test.go checks the same constructs against the intent's
// meaning): isolation by deny-only rules and enableDefaultDeny, empty rules, entity none,
// selector scoping, namespace labels, service accounts, clusterwide subjects, entities and
// reserved selectors, CIDRs with except, rules without peer fields, ANY, port ranges, named
// ports, every port of a protocol, ICMP types by name, ingress denies without the pod's
// own node, host policies and specs.
var handCilium = []struct{ name, objects string }{
	{"deny-only", `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egressDeny: [{toEntities: [world]}]
  ingressDeny: [{fromEndpoints: [{matchLabels: {app: gateway}}], toPorts: [{ports: [{port: "81", protocol: TCP}]}]}]
  enableDefaultDeny: {ingress: false}
`},
	{"empty rules and none", `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: all, namespace: shop}
spec:
  endpointSelector: {}
  ingress: [{}]
  egress: [{toEntities: [none]}]
`},
	{"selectors", `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  ingress:
  - fromEndpoints:
    - {matchLabels: {app: gateway}}
    - {matchLabels: {k8s:io.kubernetes.pod.namespace: other}}
    - {matchLabels: {io.cilium.k8s.namespace.labels.team: a, app: db}}
    - {matchLabels: {io.cilium.k8s.policy.serviceaccount: batch}, matchExpressions: [{key: io.kubernetes.pod.namespace, operator: In, values: [shop, other]}]}
    toPorts: [{ports: [{port: "80", protocol: TCP}]}]
  egress:
  - toEndpoints: [{matchLabels: {app: db}}]
    toPorts: [{ports: [{port: "8000", endPort: 8010, protocol: TCP}, {port: http-alt, protocol: TCP}, {port: "0", protocol: UDP}]}]
  - toEndpoints: [{}]
    icmps: [{fields: [{type: EchoRequest}, {family: IPv6, type: 128}]}]
`},
	{"clusterwide and entities", `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: web}
spec:
  endpointSelector: {matchLabels: {app: web}, matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}
  ingress:
  - fromEntities: [remote-node]
  - fromEndpoints: [{matchLabels: {reserved:kube-apiserver: ""}}]
  - toPorts: [{ports: [{port: "80"}]}]
  egress:
  - toEntities: [host, kube-apiserver]
  - toEndpoints: [{matchLabels: {reserved:remote-node: ""}}]
  - toCIDRSet: [{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}]
  - toEntities: [cluster]
    toPorts: [{ports: [{port: "53", protocol: UDP}]}]
`},
	{"ingress deny of the cluster without the node", `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  ingress: [{fromEntities: [all]}]
  ingressDeny:
  - fromEntities: [remote-node, kube-apiserver, health, ingress, init, unmanaged]
    toPorts: [{ports: [{port: "22", protocol: TCP}]}]
  - fromEndpoints: [{matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}]
    toPorts: [{ports: [{port: "22", protocol: TCP}]}]
`},
	{"host policy and specs", `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: nodes}
specs:
- nodeSelector: {matchLabels: {role: worker}}
  ingress: [{fromEntities: [remote-node, world], toPorts: [{ports: [{port: "22", protocol: TCP}]}]}]
- endpointSelector: {matchLabels: {app: gateway}, matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}
  egress: [{toEntities: [all]}]
`},
}

// handNamespaces are the namespaces of handCilium, with labels.
const handNamespaces = `
apiVersion: v1
kind: Namespace
metadata: {name: data, labels: {team: a}}
`

// TestLiftCiliumHandWritten lifts handCilium and judges each.
func TestLiftCiliumHandWritten(t *testing.T) {
	lt := &liftTally{skipped: map[string]int{}}
	for _, h := range handCilium {
		t.Run(h.name, func(t *testing.T) {
			objs, err := oracle.DecodeYAML([]byte(h.objects))
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := lift.Decode(strings.NewReader(handNamespaces + "---\n" + h.objects))
			if err != nil {
				t.Fatal(err)
			}
			set, err := lift.Lift(decoded)
			if err != nil {
				t.Fatal(err)
			}
			compareLifted(t, ciliumBackend, objs, set, nil, lt)
		})
	}
	t.Logf("hand-written: %s", lt)
}

// TestLiftCiliumRandom lifts cilium's output for every scenario, hand-written Set and
// random Set of the cilium corpus and judges it.
func TestLiftCiliumRandom(t *testing.T) {
	lt := &liftTally{skipped: map[string]int{}}
	n := randomSets() / 2
	for _, it := range corpus(ciliumBackend, n) {
		t.Run(it.name, func(t *testing.T) {
			set := it.build()
			m, err := set.Model()
			if err != nil {
				t.Fatal(err)
			}
			res, err := cilium.Compile(set)
			var ce *policy.CompileError
			if errors.As(err, &ce) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lifted, err := lift.Cilium(res.CiliumNetworkPolicies, res.CiliumClusterwideNetworkPolicies, namespaceObjects(m),
				lift.LocalCluster(oracle.DefaultClusterName))
			if err != nil {
				t.Fatalf("lift: %v\n%s", err, it.repro)
			}
			compareLifted(t, ciliumBackend, decodedOutput(t, res), lifted, m, lt)
		})
	}
	t.Logf("random objects: %s", lt)
	if lt.judged < lt.asked/2 {
		t.Errorf("only %d of %d flows judged", lt.judged, lt.asked)
	}
}
