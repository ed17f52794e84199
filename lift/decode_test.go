package lift_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/netintent/netintent/lift"
)

// TestDecode reads multi-document YAML with a List and empty documents, and a JSON
// stream, and reports every unlifted kind and unknown field with its place.
func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		nps, nss int
		// errs are parts of the error; none when decoding succeeds.
		errs []string
	}{
		{name: "YAML with a List", in: `
---
# nothing here
---
apiVersion: v1
kind: List
items:
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: a, namespace: shop}
  spec: {podSelector: {}}
- apiVersion: v1
  kind: Namespace
  metadata: {name: shop}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b, namespace: shop}
spec: {podSelector: {}}
`, nps: 2, nss: 1},
		{name: "JSON stream", in: `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}`, nss: 2},
		{name: "unlifted kinds and unknown fields", in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
---
apiVersion: v1
kind: List
items:
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: a, namespace: shop}
  spec: {podSelector: {}, ingres: []}
- apiVersion: networking.k8s.io/v1beta1
  kind: NetworkPolicy
`, errs: []string{
			`document 1: apps/v1 "Deployment" is not lifted`,
			`document 2, items[0] (NetworkPolicy): error unmarshaling JSON: while decoding JSON: json: unknown field "ingres"`,
			`document 2, items[1]: networking.k8s.io/v1beta1 "NetworkPolicy" is not lifted`,
		}},
		{name: "not YAML", in: "a: [", errs: []string{"document 1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := lift.Decode(strings.NewReader(tt.in))
			if len(tt.errs) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, e := range tt.errs {
					if !strings.Contains(err.Error(), e) {
						t.Errorf("%v\nlacks %q", err, e)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(objs.NetworkPolicies) != tt.nps || len(objs.Namespaces) != tt.nss {
				t.Errorf("got %d NetworkPolicies and %d Namespaces; want %d and %d", len(objs.NetworkPolicies), len(objs.Namespaces), tt.nps, tt.nss)
			}
		})
	}
}

// everyKind is one object of every kind Decode reads.
const everyKind = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: a, namespace: shop}
spec: {endpointSelector: {}}
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: a}
spec: {endpointSelector: {}}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: a}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: a, namespace: shop}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: a}
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: a, namespace: shop}
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: a}
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: a, namespace: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
`

// TestObjectsAllAndAppend checks that All and Append cover every list of Objects: a
// kind added to Objects and forgotten there fails it.
func TestObjectsAllAndAppend(t *testing.T) {
	objs, err := lift.Decode(strings.NewReader(everyKind))
	if err != nil {
		t.Fatal(err)
	}
	lists := 0
	var count func(v reflect.Value)
	count = func(v reflect.Value) {
		for i := range v.NumField() {
			switch f := v.Field(i); f.Kind() {
			case reflect.Slice:
				lists++
				if f.Len() != 1 {
					t.Errorf("%s holds %d objects, want 1", v.Type().Field(i).Name, f.Len())
				}
			case reflect.Struct:
				count(f)
			}
		}
	}
	count(reflect.ValueOf(objs).Elem())
	kinds := map[string]bool{}
	for _, o := range objs.All() {
		gvk := o.GetObjectKind().GroupVersionKind()
		kinds[gvk.GroupVersion().String()+" "+gvk.Kind] = true
	}
	if len(objs.All()) != lists || len(kinds) != lists {
		t.Errorf("All returns %d objects of %d kinds; Objects has %d lists", len(objs.All()), len(kinds), lists)
	}
	objs.Append(objs)
	if got := len(objs.All()); got != 2*lists {
		t.Errorf("after Append, All returns %d objects, want %d", got, 2*lists)
	}
}
