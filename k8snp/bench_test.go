package k8snp_test

import (
	"bytes"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// The benchmarks of issue 7 (docs/performance.md): compile and render measured apart, on
// the shared Sets of internal/benchset, 1,000 to 20,000 services with 5 edges each.

func compileSet(tb testing.TB, set *policy.Set) *k8snp.Result {
	res, err := k8snp.Compile(set)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func BenchmarkCompile(b *testing.B) { benchset.BenchCompile(b, k8snp.Backend(), benchset.New) }

// BenchmarkRender renders a compiled Result as YAML.
func BenchmarkRender(b *testing.B) {
	benchset.BenchRender(b, k8snp.Backend(), policy.Result.YAML)
}

// BenchmarkRenderJSON renders a compiled Result as JSON.
func BenchmarkRenderJSON(b *testing.B) {
	benchset.BenchRender(b, k8snp.Backend(), policy.Result.JSON)
}

// BenchmarkRenderSigsYAML renders the same objects with sigs.k8s.io/yaml.Marshal, one
// document each, for comparison with BenchmarkRender.
func BenchmarkRenderSigsYAML(b *testing.B) { benchset.BenchRenderSigsYAML(b, k8snp.Backend()) }

// BenchmarkCompileAndRender is the whole run, Set to YAML, with the peak heap it needs.
func BenchmarkCompileAndRender(b *testing.B) {
	benchset.BenchCompileAndRender(b, k8snp.Backend(), benchset.New)
}

// handwritten is what a user would write without netintent for the Sets of benchset.New:
// one NetworkPolicy per service, with an ingress rule per edge and, in default-deny
// namespaces, an egress rule per edge the service sends on and the DNS allowance; and per default-deny
// namespace, a policy isolating both directions that keeps DNS open. Each object is
// marshalled with sigs.k8s.io/yaml. It is the same policy as netintent's output: the same
// objects, with the same rules in another order.
func handwritten(services int) ([]byte, error) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := func(proto *corev1.Protocol, n int) []networkingv1.NetworkPolicyPort {
		p := intstr.FromInt32(int32(n))
		return []networkingv1.NetworkPolicyPort{{Protocol: proto, Port: &p}}
	}
	peer := func(j int) []networkingv1.NetworkPolicyPeer {
		return []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": benchset.Namespace(j)}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": benchset.Service(j)}},
		}}
	}
	meta := func(ns, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/managed-by": "netintent"}}
	}
	typeMeta := metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
	var out bytes.Buffer
	write := func(np *networkingv1.NetworkPolicy) error {
		y, err := yaml.Marshal(np)
		if err != nil {
			return err
		}
		if out.Len() > 0 {
			out.WriteString("---\n")
		}
		out.Write(y)
		return nil
	}
	dns := networkingv1.NetworkPolicyEgressRule{Ports: append(port(&tcp, 53), port(&udp, 53)...), To: []networkingv1.NetworkPolicyPeer{{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
		PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
	}}}
	for n := range benchset.Namespaces {
		if !benchset.DefaultDeny(n) {
			continue
		}
		np := &networkingv1.NetworkPolicy{TypeMeta: typeMeta, ObjectMeta: meta(benchset.Namespace(n), "namespace-defaults"),
			Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
				Egress:      []networkingv1.NetworkPolicyEgressRule{dns},
			}}
		if err := write(np); err != nil {
			return nil, err
		}
	}
	for i := range services {
		np := &networkingv1.NetworkPolicy{TypeMeta: typeMeta, ObjectMeta: meta(benchset.Namespace(i), benchset.Service(i)),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": benchset.Service(i)}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			}}
		for k := 1; k <= benchset.Edges; k++ {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{
				From: peer(benchset.Peer(i, k, services)), Ports: port(&tcp, benchset.Port(k))})
		}
		if benchset.DefaultDeny(i % benchset.Namespaces) {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
			// Service i sends to m on port k when Peer(m, k) == i.
			for k := 1; k <= benchset.Edges; k++ {
				m := ((i-benchset.Peer(0, k, services))%services + services) % services
				np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
					To: peer(m), Ports: port(&tcp, benchset.Port(k))})
			}
			// The namespace's DNS allowance, repeated so that this object, applied
			// before the namespace's, isolates egress without cutting DNS.
			np.Spec.Egress = append(np.Spec.Egress, dns)
		}
		if err := write(np); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// BenchmarkBaseline compares netintent (Compile and YAML) with handwritten, on 20,000
// services: each iteration runs both, and the metrics give each one's time and netintent's
// as a multiple of the handwritten code's (below 1: netintent is faster).
func BenchmarkBaseline(b *testing.B) {
	const services = 20000
	b.Run(benchset.Name(services), func(b *testing.B) {
		set := benchset.New(services, benchset.Edges)
		b.ReportAllocs()
		defer benchset.CPU(b)()
		var ours, theirs time.Duration
		for b.Loop() {
			start := time.Now()
			if _, err := handwritten(services); err != nil {
				b.Fatal(err)
			}
			mid := time.Now()
			if _, err := compileSet(b, set).YAML(); err != nil {
				b.Fatal(err)
			}
			theirs += mid.Sub(start)
			ours += time.Since(mid)
		}
		b.ReportMetric(float64(theirs.Milliseconds())/float64(b.N), "handwritten-ms/op")
		b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "netintent-ms/op")
		b.ReportMetric(float64(ours)/float64(theirs), "netintent/handwritten")
	})
}

// TestBaselineSameWork checks that handwritten describes the same objects and rules as
// netintent's output, so that BenchmarkBaseline compares like with like.
func TestBaselineSameWork(t *testing.T) {
	const services = 200
	res := compileSet(t, benchset.New(services, benchset.Edges))
	y, err := handwritten(services)
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(y, []byte("---\n"))
	if len(docs) != len(res.NetworkPolicies) {
		t.Fatalf("handwritten has %d objects, netintent %d", len(docs), len(res.NetworkPolicies))
	}
	byName := map[string]*networkingv1.NetworkPolicy{}
	for _, doc := range docs {
		var np networkingv1.NetworkPolicy
		if err := yaml.Unmarshal(doc, &np); err != nil {
			t.Fatal(err)
		}
		byName[np.Namespace+"/"+np.Name] = &np
	}
	key := func(v any) string {
		j, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(j)
	}
	sameSet := func(a, b []string) bool {
		if len(a) != len(b) {
			return false
		}
		count := map[string]int{}
		for _, s := range a {
			count[s]++
		}
		for _, s := range b {
			count[s]--
			if count[s] < 0 {
				return false
			}
		}
		return true
	}
	for _, np := range res.NetworkPolicies {
		hw := byName[np.Namespace+"/"+np.Name]
		if hw == nil {
			t.Fatalf("%s/%s: not handwritten", np.Namespace, np.Name)
		}
		var ours, theirs []string
		for _, r := range np.Spec.Ingress {
			ours = append(ours, key(r))
		}
		for _, r := range hw.Spec.Ingress {
			theirs = append(theirs, key(r))
		}
		for _, r := range np.Spec.Egress {
			ours = append(ours, "egress "+key(r))
		}
		for _, r := range hw.Spec.Egress {
			theirs = append(theirs, "egress "+key(r))
		}
		if !sameSet(ours, theirs) || key(np.Spec.PolicyTypes) != key(hw.Spec.PolicyTypes) ||
			key(np.Spec.PodSelector) != key(hw.Spec.PodSelector) {
			t.Fatalf("%s/%s differs:\nnetintent:   %v\nhandwritten: %v", np.Namespace, np.Name, ours, theirs)
		}
	}
}

// TestBenchSet keeps the benchmark honest: it must compile, and emit one object per
// service plus one per default-deny namespace, with the mirrored egress rules present.
func TestBenchSet(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	res := compileSet(t, benchset.New(5000, benchset.Edges))
	if got, want := len(res.NetworkPolicies), 5000+benchset.Namespaces/2; got != want {
		t.Fatalf("%d objects, want %d", got, want)
	}
	egress := 0
	for _, np := range res.NetworkPolicies {
		egress += len(np.Spec.Egress)
	}
	if egress == 0 {
		t.Fatal("no egress rules: the mirrored rules are missing")
	}
}
