package render_test

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/internal/render"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// backendObjects compiles, with each backend, the benchmark Set of 1,000 services followed
// by random Sets of every feature: thousands of objects of every kind the backends emit,
// of varied sizes, so that rendering cuts them into many chunks.
func backendObjects(t *testing.T) map[string][]render.Object {
	t.Helper()
	// Each backend compiles the Sets with the features it expresses, and most of the others.
	sets := []*policy.Set{benchset.New(1000, benchset.Edges)}
	for seed := range uint64(120) {
		f := randset.All
		switch seed % 3 {
		case 0:
			f = randset.Features{}
		case 1:
			f = randset.Features{L7: true, Deny: true, ICMP: true, ServiceAccounts: true}
		}
		sets = append(sets, randset.New(seed, 8, f).Set)
	}
	backends := map[string]func(*policy.Set) ([]netintent.Object, error){
		"k8snp": func(s *policy.Set) ([]netintent.Object, error) {
			res, err := k8snp.Compile(s, k8snp.WidenL7(), k8snp.WorldAsIPBlock(), k8snp.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))
			if err != nil {
				return nil, err
			}
			return res.Objects(), nil
		},
		"cilium": func(s *policy.Set) ([]netintent.Object, error) {
			res, err := cilium.Compile(s, cilium.WidenL7(), cilium.WidenICMPCodes())
			if err != nil {
				return nil, err
			}
			return res.Objects(), nil
		},
		"calico": func(s *policy.Set) ([]netintent.Object, error) {
			res, err := calico.Compile(s, calico.ClusterCIDRs(netip.MustParsePrefix("100.64.0.0/10")), calico.ApplicationLayerPolicy())
			if err != nil {
				return nil, err
			}
			return res.Objects(), nil
		},
	}
	out := make(map[string][]render.Object)
	for name, compile := range backends {
		compiled := 0
		for k, s := range sets {
			objs, err := compile(s)
			if err != nil {
				continue // a feature this backend does not express
			}
			compiled++
			for _, obj := range objs {
				if k > 0 { // one file name per object in Files
					obj.SetName(fmt.Sprintf("%s-set%d", obj.GetName(), k))
				}
				out[name] = append(out[name], obj)
			}
		}
		if compiled < len(sets)/4 || len(out[name]) < 1000 {
			t.Fatalf("%s: %d Sets of %d compiled, %d objects", name, compiled, len(sets), len(out[name]))
		}
	}
	return out
}

// TestParallelIdentical renders thousands of objects of every backend, which YAML, JSON
// and Files cut into chunks rendered concurrently, and compares the output with the
// reference renderers going through the objects one by one.
func TestParallelIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("renders thousands of objects with the reference renderers")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // concurrent chunks, even on one CPU
	for name, objs := range backendObjects(t) {
		t.Run(name, func(t *testing.T) {
			t.Logf("%d objects", len(objs))
			var ref bytes.Buffer
			if err := render.YAMLReference(&ref, header, objs); err != nil {
				t.Fatal(err)
			}
			want := ref.Bytes()
			got, err := render.YAMLBytes(header, objs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("YAMLBytes of %d objects differs from the reference at byte %d", len(objs), firstDifference(got, want))
			}
			var w bytes.Buffer
			if err := render.YAML(&w, header, objs); err != nil || !bytes.Equal(w.Bytes(), want) {
				t.Fatalf("YAML: %v, or output differs from the reference", err)
			}

			var jsonRef bytes.Buffer
			if err := render.JSONReference(&jsonRef, objs); err != nil {
				t.Fatal(err)
			}
			if got, err = render.JSONBytes(objs); err != nil || !bytes.Equal(got, jsonRef.Bytes()) {
				t.Fatalf("JSONBytes: %v, or output differs from the reference at byte %d", err, firstDifference(got, jsonRef.Bytes()))
			}

			files, err := render.Files(objs, header)
			if err != nil {
				t.Fatal(err)
			}
			// No document has "---" at the start of a line, so the stream splits into them.
			docs := strings.SplitAfter(strings.TrimPrefix(string(want), "# "+header+"\n"), "\n---\n")
			for i, f := range files {
				if want := "# " + header + "\n" + strings.TrimSuffix(docs[i], "---\n"); string(f.Data) != want {
					t.Fatalf("file %d (%s):\n%s\nwant\n%s", i, f.Name, f.Data, want)
				}
			}
		})
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestParallelFirstError checks that, of several objects that fail to render, the error
// is the first one's in the order of objs, and that an object outside the fast path makes
// JSON fall back for all.
func TestParallelFirstError(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	np := func(i int) render.Object {
		return &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("np-%d", i), Namespace: "a"},
		}
	}
	// unmarshalable fails to render: encoding/json rejects an infinite number.
	unmarshalable := func(i int) render.Object {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("bad-%d", i), "namespace": "a"},
			"data":     math.Inf(1),
		}}
	}
	noTypeMeta := func(i int) render.Object {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("untyped-%d", i), Namespace: "a"}}
	}
	objects := func(bad map[int]func(int) render.Object) []render.Object {
		objs := make([]render.Object, 3000)
		for i := range objs {
			if f, ok := bad[i]; ok {
				objs[i] = f(i)
			} else {
				objs[i] = np(i)
			}
		}
		return objs
	}

	for _, first := range []int{5, 1500, 2990} {
		objs := objects(map[int]func(int) render.Object{first: unmarshalable, first + 7: noTypeMeta, 2995: unmarshalable})
		want := fmt.Sprintf("bad-%d", first)
		if _, err := render.YAMLBytes(header, objs); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("YAMLBytes: error %v, want one about %s", err, want)
		}
		if _, err := render.Files(objs, header); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Files: error %v, want one about %s", err, want)
		}
		// JSON's fast path falls back at the first unmarshalable object, so the first error
		// it meets is the reference renderer's, at the same object.
		if _, err := render.JSONBytes(objs); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("JSONBytes: error %v, want one about %s", err, want)
		}

		objs = objects(map[int]func(int) render.Object{first: noTypeMeta, first + 7: unmarshalable})
		want = fmt.Sprintf("untyped-%d", first)
		if _, err := render.JSONBytes(objs); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("JSONBytes: error %v, want one about %s", err, want)
		}
	}

	// Files names objects before rendering them, but a render error before the first object
	// that cannot be named comes first.
	objs := objects(map[int]func(int) render.Object{100: unmarshalable, 2000: noTypeMeta})
	if _, err := render.Files(objs, header); err == nil || !strings.Contains(err.Error(), "bad-100") {
		t.Errorf("Files: error %v, want one about bad-100", err)
	}
	objs = objects(map[int]func(int) render.Object{100: noTypeMeta, 2000: unmarshalable})
	if _, err := render.Files(objs, header); err == nil || !strings.Contains(err.Error(), "untyped-100") {
		t.Errorf("Files: error %v, want one about untyped-100", err)
	}

	// A DEL character, which sigs.k8s.io/yaml rejects, keeps object 1700 off the fast path of JSON.
	objs = objects(nil)
	objs[1700].(*networkingv1.NetworkPolicy).Annotations = map[string]string{"note": "a\x7fb"}
	var want bytes.Buffer
	if err := render.JSONReference(&want, objs); err != nil {
		t.Fatal(err)
	}
	if got, err := render.JSONBytes(objs); err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Errorf("JSONBytes with an object outside the fast path: %v, or output differs from the reference", err)
	}
}

// panicky is an object whose MarshalJSON panics.
type panicky struct{ *unstructured.Unstructured }

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }

// TestParallelPanic checks that a panic while rendering an object reaches the caller, as
// it did when objects were rendered in the caller's goroutine.
func TestParallelPanic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	objs := make([]render.Object, 3000)
	for i := range objs {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("ConfigMap")
		u.SetName(fmt.Sprintf("cm-%d", i))
		objs[i] = u
	}
	objs[2000] = panicky{objs[2000].(*unstructured.Unstructured)}
	for name, call := range map[string]func() error{
		"YAML":  func() error { _, err := render.YAMLBytes(header, objs); return err },
		"JSON":  func() error { _, err := render.JSONBytes(objs); return err },
		"Files": func() error { _, err := render.Files(objs, header); return err },
	} {
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("%s: recovered %v, want boom", name, r)
				}
			}()
			err := call()
			t.Errorf("%s returned %v without panicking", name, err)
		}()
	}
}
