package render_test

import (
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/render"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
	"sigs.k8s.io/yaml"
)

// TestNullStatus: a ClusterNetworkPolicy's Status holds conditions without omitempty, so
// the reference rendering carries `status: {conditions: null}`; render drops a status
// that holds only nulls, on the fast path and in JSON.
func TestNullStatus(t *testing.T) {
	cnp := &v1alpha2.ClusterNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy.networking.k8s.io/v1alpha2", Kind: "ClusterNetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "block-metadata-access"},
		Spec: v1alpha2.ClusterNetworkPolicySpec{
			Tier:    v1alpha2.AdminTier,
			Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
			Egress: []v1alpha2.ClusterNetworkPolicyEgressRule{{
				Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny,
				To:     []v1alpha2.ClusterNetworkPolicyEgressPeer{{Networks: []v1alpha2.CIDR{"169.254.169.254/32"}}},
			}},
		},
	}
	ref, err := yaml.Marshal(cnp)
	if err != nil {
		t.Fatal(err)
	}
	const noise = "status:\n  conditions: null\n"
	if !strings.Contains(string(ref), noise) {
		t.Fatalf("sigs.k8s.io/yaml no longer renders %q:\n%s", noise, ref)
	}
	got, err := render.Marshal(cnp)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(string(ref), noise, "", 1); string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	j, err := render.JSONBytes([]render.Object{cnp})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(j), `"status"`) {
		t.Errorf("status in JSON: %s", j)
	}
	// A status with something in it stays.
	cnp.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Accepted"}}
	if got, err := render.Marshal(cnp); err != nil || !strings.Contains(string(got), "status:") {
		t.Errorf("status with conditions dropped (%v):\n%s", err, got)
	}
}
