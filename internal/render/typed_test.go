package render_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/randfill"
	"sigs.k8s.io/yaml"

	"github.com/netintent/netintent/internal/render"
)

// typedKinds are the upstream types the backends emit, and more of the same API groups.
var typedKinds = []struct {
	apiVersion, kind string
	new              func() render.Object
}{
	{"networking.k8s.io/v1", "NetworkPolicy", func() render.Object { return &networkingv1.NetworkPolicy{} }},
	{"cilium.io/v2", "CiliumNetworkPolicy", func() render.Object { return &ciliumv2.CiliumNetworkPolicy{} }},
	{"cilium.io/v2", "CiliumClusterwideNetworkPolicy", func() render.Object { return &ciliumv2.CiliumClusterwideNetworkPolicy{} }},
	{"cilium.io/v2", "CiliumCIDRGroup", func() render.Object { return &ciliumv2.CiliumCIDRGroup{} }},
	{"projectcalico.org/v3", "NetworkPolicy", func() render.Object { return &calicov3.NetworkPolicy{} }},
	{"projectcalico.org/v3", "GlobalNetworkPolicy", func() render.Object { return &calicov3.GlobalNetworkPolicy{} }},
	{"projectcalico.org/v3", "StagedNetworkPolicy", func() render.Object { return &calicov3.StagedNetworkPolicy{} }},
	{"projectcalico.org/v3", "Tier", func() render.Object { return &calicov3.Tier{} }},
	{"projectcalico.org/v3", "NetworkSet", func() render.Object { return &calicov3.NetworkSet{} }},
	{"projectcalico.org/v3", "GlobalNetworkSet", func() render.Object { return &calicov3.GlobalNetworkSet{} }},
}

// filler fills every field of typed objects at random, with strings from the corpora of
// yaml_test.go; one in 100 may hold characters that make sigs.k8s.io/yaml fail.
func filler(seed uint64) *randfill.Filler {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return randfill.NewWithSeed(int64(seed)).NilChance(0.2).NumElements(0, 2).MaxDepth(10).Funcs(
		func(s *string, c randfill.Continue) {
			for {
				if c.Intn(3) == 0 {
					*s = randKey(r)
				} else {
					*s = randString(r)
				}
				if c.Intn(100) == 0 || !strings.ContainsFunc(*s, unreadable) {
					return
				}
			}
		},
		func(f *float64, c randfill.Continue) {
			*f = []float64{0, 1, 100, 100.5, -2.25, 1e21, 1e-7, 123456789.125, c.NormFloat64() * 1e6}[c.Intn(9)]
		},
		func(f *metav1.FieldsV1, c randfill.Continue) {
			f.Raw = []byte(`{"f:metadata":{"f:labels":{".":{}}}}`)
		},
	)
}

// unreadable reports whether sigs.k8s.io/yaml rejects r, or reads it as a line break, in
// the JSON that encoding/json writes.
func unreadable(r rune) bool {
	return 0x7F <= r && r <= 0x9F || r == 0xFFFE || r == 0xFFFF
}

// TestTypedObjectsIdentical renders typed objects of every kind with every field filled at
// random both ways, and checks that the usual ones take the fast path.
func TestTypedObjectsIdentical(t *testing.T) {
	const perKind = 150
	for _, k := range typedKinds {
		t.Run(k.kind+"."+k.apiVersion, func(t *testing.T) {
			fast, rendered := 0, 0
			for seed := range uint64(perKind) {
				obj := k.new()
				filler(seed).Fill(obj)
				obj.GetObjectKind().SetGroupVersionKind(schema.FromAPIVersionAndKind(k.apiVersion, k.kind))
				want, wantErr := render.MarshalReference(obj)
				got, err := render.Marshal(obj)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) {
					t.Fatalf("seed %d: Marshal: %v\n%s\nreference: %v\n%s", seed, err, got, wantErr, want)
				}
				if wantErr != nil {
					continue // the object does not marshal (a random value its MarshalJSON rejects)
				}
				rendered++
				if doc, ok := render.MarshalFast(obj); ok {
					fast++
					if !bytes.Equal(doc, want) {
						t.Fatalf("seed %d: fast path:\n%s\nreference:\n%s", seed, doc, want)
					}
				}
				checkJSON(t, []render.Object{obj})
			}
			t.Logf("%d of %d objects rendered; %d by the fast path", rendered, perKind, fast)
			if rendered < perKind/2 || fast < rendered/4 {
				t.Errorf("too few objects exercised the fast path: %d rendered, %d fast", rendered, fast)
			}
		})
	}
}

// checkJSON checks that JSON renders objs as its reference does.
func checkJSON(t *testing.T, objs []render.Object) {
	t.Helper()
	var got, want bytes.Buffer
	err := render.JSON(&got, objs)
	wantErr := render.JSONReference(&want, objs)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) || !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("JSON: %v\n%s\nreference: %v\n%s", err, got.Bytes(), wantErr, want.Bytes())
	}
}

// TestFixturesFast checks the fixtures of render_test.go, which every backend's kind is
// among, render by the fast paths alone, as the reference does.
func TestFixturesFast(t *testing.T) {
	objs := sorted(t)
	for _, obj := range objs {
		want, err := render.MarshalReference(obj)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := render.MarshalFast(obj)
		if !ok {
			t.Errorf("%s %s fell back to the reference", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName())
		} else if !bytes.Equal(got, want) {
			t.Errorf("fast path:\n%s\nreference:\n%s", got, want)
		}
		if _, ok := render.JSONItemFast(obj); !ok {
			t.Errorf("JSON of %s %s fell back to the reference", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName())
		}
	}
	var got, want bytes.Buffer
	if err := render.YAML(&got, header, objs); err != nil {
		t.Fatal(err)
	}
	if err := render.YAMLReference(&want, header, objs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("YAML:\n%s\nreference:\n%s", got.Bytes(), want.Bytes())
	}
	checkJSON(t, objs)
	checkJSON(t, nil)
}

// TestGoldenFilesIdentical re-renders every document of every YAML file in a testdata
// directory of the repository (golden files of render and of the backends, seed manifests)
// through unstructured, and typed where render_test.go knows the kind, both ways.
func TestGoldenFilesIdentical(t *testing.T) {
	root := filepath.Join("..", "..")
	docs, fast := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || filepath.Ext(path) != ".yaml" || !strings.Contains(filepath.ToSlash(path), "/testdata/") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var m map[string]any
			if err := yaml.Unmarshal(doc, &m); err != nil || m["apiVersion"] == nil || m["kind"] == nil {
				continue // not a Kubernetes object
			}
			u := &unstructured.Unstructured{Object: m}
			objs := []render.Object{u}
			if typed, ok := newObject(u.GetAPIVersion(), u.GetKind()); ok && yaml.Unmarshal(doc, typed) == nil {
				objs = append(objs, typed)
			}
			for _, obj := range objs {
				want, wantErr := render.MarshalReference(obj)
				if wantErr != nil {
					continue
				}
				docs++
				got, ok := render.MarshalFast(obj)
				if !ok {
					t.Errorf("%s document %d (%T) fell back to the reference", path, i, obj)
					continue
				}
				fast++
				if !bytes.Equal(got, want) {
					t.Errorf("%s document %d (%T):\nfast path:\n%s\nreference:\n%s", path, i, obj, got, want)
				}
				checkJSON(t, []render.Object{obj})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d documents rendered both ways, %d by the fast path", docs, fast)
	if docs == 0 {
		t.Error("no documents found")
	}
}
