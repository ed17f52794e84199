package render_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"

	"github.com/netintent/netintent/internal/render"
)

// futureLineWrapEnv makes TestMain call yaml.v2's FutureLineWrap, which turns off line
// folding for the whole process, as a program that imports such a package would.
const futureLineWrapEnv = "NETINTENT_RENDER_TEST_FUTURE_LINE_WRAP"

func TestMain(m *testing.M) {
	if os.Getenv(futureLineWrapEnv) == "1" {
		goyaml.FutureLineWrap()
	}
	os.Exit(m.Run())
}

func TestLineWidth(t *testing.T) {
	want := 80
	if os.Getenv(futureLineWrapEnv) == "1" {
		want = 1<<31 - 1
	}
	if got := render.LineWidth(); got != want {
		t.Errorf("line width %d, want %d", got, want)
	}
}

// TestFutureLineWrap runs the identity tests again in a process where FutureLineWrap has
// turned folding off.
func TestFutureLineWrap(t *testing.T) {
	if os.Getenv(futureLineWrapEnv) == "1" {
		t.Skip("this is the process with FutureLineWrap")
	}
	if testing.Short() {
		t.Skip("runs the identity tests again")
	}
	cmd := exec.Command(os.Args[0], "-test.count=1",
		"-test.run=^(TestLineWidth|TestRandomYAMLIdentical|TestRandomObjectsIdentical|TestFixturesFast|TestGoldenFilesIdentical|TestWorkloadIdentical)$")
	cmd.Env = append(os.Environ(), futureLineWrapEnv+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// workload is the benchmark of issue 7: 20,000 NetworkPolicies, each with 2 ingress rules
// of 5 peers (namespaceSelector and podSelector) and 2 ports.
var workload = sync.OnceValue(func() []render.Object {
	objs := make([]render.Object, 20000)
	for i := range objs {
		rules := make([]networkingv1.NetworkPolicyIngressRule, 2)
		for r := range rules {
			peers := make([]networkingv1.NetworkPolicyPeer, 5)
			for p := range peers {
				peers[p] = networkingv1.NetworkPolicyPeer{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
						"kubernetes.io/metadata.name": fmt.Sprintf("team-%d", (i+p)%50),
					}},
					PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
						"app":                    fmt.Sprintf("svc-%d", (i*7+r*5+p)%1000),
						"app.kubernetes.io/part": "shop",
					}},
				}
			}
			rules[r] = networkingv1.NetworkPolicyIngressRule{
				From: peers,
				Ports: []networkingv1.NetworkPolicyPort{
					{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromInt32(int32(8080 + r)))},
					{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromString("metrics"))},
				},
			}
		}
		objs[i] = &networkingv1.NetworkPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{
				Name:      fmt.Sprintf("svc-%d", i),
				Namespace: fmt.Sprintf("team-%d", i%50),
				Labels:    map[string]string{"app.kubernetes.io/managed-by": "netintent"},
			},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": fmt.Sprintf("svc-%d", i)}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     rules,
			},
		}
	}
	return objs
})

// TestWorkloadIdentical renders part of the benchmark workload both ways.
func TestWorkloadIdentical(t *testing.T) {
	objs := workload()[:500]
	var got, want bytes.Buffer
	if err := render.YAML(&got, header, objs); err != nil {
		t.Fatal(err)
	}
	if err := render.YAMLReference(&want, header, objs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Error("YAML differs from the reference")
	}
	for _, obj := range objs {
		if _, ok := render.MarshalFast(obj); !ok {
			t.Fatalf("%s fell back to the reference", obj.GetName())
		}
	}
	checkJSON(t, objs)
}

func benchmarkRender(b *testing.B, render func(io.Writer, []render.Object) error) {
	objs := workload()
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := render(&out, objs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len()), "bytes/out")
}

func BenchmarkYAMLReference(b *testing.B) {
	benchmarkRender(b, func(w io.Writer, objs []render.Object) error { return render.YAMLReference(w, header, objs) })
}

func BenchmarkYAMLFast(b *testing.B) {
	benchmarkRender(b, func(w io.Writer, objs []render.Object) error { return render.YAML(w, header, objs) })
}

func BenchmarkJSONReference(b *testing.B) {
	benchmarkRender(b, render.JSONReference)
}

func BenchmarkJSONFast(b *testing.B) {
	benchmarkRender(b, render.JSON)
}
