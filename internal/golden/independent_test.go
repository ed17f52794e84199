package golden

import (
	"strings"
	"testing"

	"github.com/netintent/netintent"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestIndependence checks that independence tells objects sharing memory, with each
// other or with what compiles them, from independent ones.
func TestIndependence(t *testing.T) {
	policyWith := func(name string, labels map[string]string) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
			Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: labels}},
		}
	}
	fresh := func() []netintent.Object {
		return []netintent.Object{policyWith("a", map[string]string{"app": "a"}), policyWith("b", map[string]string{"app": "b"})}
	}
	shared := map[string]string{"app": "web"}
	kept := policyWith("kept", map[string]string{"app": "kept"}) // what a compile would hand out twice
	cases := []struct {
		name  string
		objs  []netintent.Object
		again func() ([]netintent.Object, error)
		want  string
	}{
		{"independent", fresh(), func() ([]netintent.Object, error) { return fresh(), nil }, ""},
		{"a map shared by two objects", []netintent.Object{policyWith("a", shared), policyWith("b", shared)},
			func() ([]netintent.Object, error) { return fresh(), nil }, "overwriting shop/a changed shop/b"},
		{"an object kept by the compiler", []netintent.Object{kept},
			func() ([]netintent.Object, error) { return []netintent.Object{kept}, nil }, "changed the Set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := independence(c.objs, c.again)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
