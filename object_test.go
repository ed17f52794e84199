package netintent_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// backendResult is what every backend's Result offers to tooling.
type backendResult interface {
	Objects() []netintent.Object
	Unstructured() ([]*unstructured.Unstructured, error)
	JSON() ([]byte, error)
}

// compilers compiles a Set with each backend's default options.
var compilers = []struct {
	name    string
	compile func(*policy.Set) (backendResult, error)
}{
	{"k8snp", func(s *policy.Set) (backendResult, error) {
		r, err := k8snp.Compile(s)
		if err != nil {
			return nil, err
		}
		return r, nil
	}},
	{"cilium", func(s *policy.Set) (backendResult, error) {
		r, err := cilium.Compile(s)
		if err != nil {
			return nil, err
		}
		return r, nil
	}},
	{"calico", func(s *policy.Set) (backendResult, error) {
		r, err := calico.Compile(s)
		if err != nil {
			return nil, err
		}
		return r, nil
	}},
}

// forEachResult runs f for every scenario that a backend compiles.
func forEachResult(t *testing.T, f func(t *testing.T, res backendResult)) {
	for _, b := range compilers {
		compiled := 0
		for _, s := range scenarios.All() {
			res, err := b.compile(s.Build())
			var ce *policy.CompileError
			if errors.As(err, &ce) {
				continue // the compilers' golden tests check refusals
			}
			if err != nil {
				t.Fatalf("%s %s: %v", b.name, s.Name, err)
			}
			compiled++
			t.Run(b.name+"/"+s.Name, func(t *testing.T) { f(t, res) })
		}
		if compiled == 0 {
			t.Errorf("%s compiled no scenario", b.name)
		}
	}
}

// TestUnstructured checks that Result.Unstructured holds the objects of Objects, in the
// same order, with exactly the fields of the JSON rendering, as fresh maps.
func TestUnstructured(t *testing.T) {
	forEachResult(t, func(t *testing.T, res backendResult) {
		us, err := res.Unstructured()
		if err != nil {
			t.Fatal(err)
		}
		objs := res.Objects()
		j, err := res.JSON()
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal(j, &list); err != nil {
			t.Fatal(err)
		}
		if len(us) != len(objs) || len(us) != len(list.Items) {
			t.Fatalf("%d unstructured, %d objects, %d JSON items", len(us), len(objs), len(list.Items))
		}
		for i, u := range us {
			o := objs[i]
			if u.GroupVersionKind() != o.GetObjectKind().GroupVersionKind() || u.GetNamespace() != o.GetNamespace() || u.GetName() != o.GetName() {
				t.Errorf("item %d is %v %s/%s, object is %v %s/%s", i, u.GroupVersionKind(), u.GetNamespace(), u.GetName(),
					o.GetObjectKind().GroupVersionKind(), o.GetNamespace(), o.GetName())
			}
			b, err := json.Marshal(u.Object)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, list.Items[i]) {
				t.Errorf("item %d differs from the JSON rendering:\n%s\nwant\n%s", i, b, mustJSON(t, list.Items[i]))
			}
		}
		if len(us) > 0 {
			us[0].SetName("changed")
			if objs[0].GetName() == "changed" {
				t.Error("Unstructured shares state with the Result's objects")
			}
		}
	})
}

// TestControllerRuntime creates every object of every compiled scenario through
// controller-runtime's fake client and reads it back unchanged; then applies the
// unstructured form server-side and reads back the same spec.
func TestControllerRuntime(t *testing.T) {
	scheme := newScheme()
	forEachResult(t, func(t *testing.T, res backendResult) {
		ctx := context.Background()
		c := fake.NewClientBuilder().WithScheme(scheme).Build()
		for _, obj := range res.Objects() {
			want := obj.DeepCopyObject().(client.Object)
			if err := c.Create(ctx, obj.DeepCopyObject().(client.Object)); err != nil {
				t.Fatal(err)
			}
			got, err := scheme.New(obj.GetObjectKind().GroupVersionKind())
			if err != nil {
				t.Fatal(err)
			}
			gotObj := got.(client.Object)
			if err := c.Get(ctx, client.ObjectKeyFromObject(obj), gotObj); err != nil {
				t.Fatal(err)
			}
			if gotObj.GetResourceVersion() == "" {
				t.Error("the fake client did not store the object")
			}
			gotObj.SetResourceVersion("")
			gotObj.GetObjectKind().SetGroupVersionKind(obj.GetObjectKind().GroupVersionKind())
			if g, w := mustJSON(t, gotObj), mustJSON(t, want); g != w {
				t.Errorf("%s %s/%s changed in a create and get:\n%s\nwant\n%s", obj.GetObjectKind().GroupVersionKind().Kind,
					obj.GetNamespace(), obj.GetName(), g, w)
			}
		}

		us, err := res.Unstructured()
		if err != nil {
			t.Fatal(err)
		}
		ac := fake.NewClientBuilder().WithScheme(scheme).WithTypeConverters(managedfields.NewDeducedTypeConverter()).Build()
		for _, u := range us {
			want := u.DeepCopy()
			if err := ac.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("netintent")); err != nil {
				t.Fatal(err)
			}
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(want.GroupVersionKind())
			if err := ac.Get(ctx, client.ObjectKeyFromObject(want), got); err != nil {
				t.Fatal(err)
			}
			if mustJSON(t, got.Object["spec"]) != mustJSON(t, want.Object["spec"]) {
				t.Errorf("%s %s/%s: applied spec\n%s\nreads back as\n%s", want.GetKind(), want.GetNamespace(), want.GetName(),
					mustJSON(t, want.Object["spec"]), mustJSON(t, got.Object["spec"]))
			}
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReservedAnnotations checks that every annotation the backends set is under
// policy.ReservedAnnotationPrefix, which the Set refuses in a policy's own annotations, so
// that no user annotation is overwritten or read as the backend's.
func TestReservedAnnotations(t *testing.T) {
	for _, key := range []string{policy.RolloutStageAnnotation, policy.WarningsAnnotation, policy.WarningsAnnotation, policy.WarningsAnnotation} {
		if !strings.HasPrefix(key, policy.ReservedAnnotationPrefix) {
			t.Errorf("annotation %s is not under %s", key, policy.ReservedAnnotationPrefix)
		}
	}
}
