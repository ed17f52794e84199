package clusternp_test

import (
	"strings"
	"testing"

	"github.com/netintent/netintent/lift"
	liftcnp "github.com/netintent/netintent/lift/clusternp"
)

const cnpYAML = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: guard}
spec:
  tier: Admin
  priority: 0
  subject: {namespaces: {}}
  egress: [{action: Deny, to: [{namespaces: {}}]}]
`

// TestDecode: ClusterNetworkPolicies are read beside lift's kinds, in documents and
// lists, strictly; lift.Decode points to this package for them.
func TestDecode(t *testing.T) {
	stream := namespaces + webToDB + "\n---\n" + cnpYAML + `---
apiVersion: v1
kind: List
items:
- apiVersion: policy.networking.k8s.io/v1alpha2
  kind: ClusterNetworkPolicy
  metadata: {name: listed}
  spec: {tier: Baseline, priority: 0, subject: {namespaces: {}}}
`
	objs, err := liftcnp.Decode(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Namespaces) != 2 || len(objs.NetworkPolicies) != 1 || len(objs.ClusterNetworkPolicies) != 2 ||
		objs.ClusterNetworkPolicies[1].Name != "listed" {
		t.Errorf("decoded %d namespaces, %d NetworkPolicies, %d ClusterNetworkPolicies", len(objs.Namespaces), len(objs.NetworkPolicies), len(objs.ClusterNetworkPolicies))
	}

	for _, tt := range []struct{ name, stream, want string }{
		{"unknown field", namespaces + "---\n" + strings.Replace(cnpYAML, "priority: 0", "priority: 0\n  order: 1", 1),
			`document 3 (ClusterNetworkPolicy): error unmarshaling JSON: while decoding JSON: json: unknown field "order"`},
		{"other kinds", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\n", `"AdminNetworkPolicy" is not lifted`},
	} {
		if _, err := liftcnp.Decode(strings.NewReader(tt.stream)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ...%s...", tt.name, err, tt.want)
		}
	}
	if _, err := lift.Decode(strings.NewReader(cnpYAML)); err == nil || !strings.Contains(err.Error(), "lift/clusternp's Decode and Lift read it") {
		t.Errorf("lift.Decode: got %v", err)
	}
}

// TestLiftObjects: Lift takes ClusterNetworkPolicies with NetworkPolicies only, and
// other streams as lift.Lift does.
func TestLiftObjects(t *testing.T) {
	for _, tt := range []struct{ name, stream, want string }{
		{"no policy", namespaces, "the objects hold no policy"},
		{"other engines", cnpYAML + "---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: shop}\nspec: {endpointSelector: {}}\n",
			"lift each engine's objects on its own"},
	} {
		objs, err := liftcnp.Decode(strings.NewReader(tt.stream))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := liftcnp.Lift(objs); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ...%s...", tt.name, err, tt.want)
		}
	}
	for name, stream := range map[string]string{
		"a ClusterNetworkPolicy alone": cnpYAML,
		"a CiliumNetworkPolicy alone":  "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: shop}\nspec: {endpointSelector: {}, ingress: [{}]}\n",
	} {
		objs, err := liftcnp.Decode(strings.NewReader(stream))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := liftcnp.Lift(objs); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
