package k8snp_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func resultOf(t *testing.T) *k8snp.Result {
	t.Helper()
	set := policy.NewSet()
	set.ServiceIn("shop", "web").AllowFrom("gateway").TCP(80)
	set.Namespace("billing").DefaultDeny()
	set.ServiceIn("billing", "api").AllowFrom(policy.Namespace("shop")).TCP(443)
	res, err := k8snp.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestResultRendering checks that Objects, YAML, WriteYAML, JSON and WriteDir render the
// same objects, in rollout order (the default-deny after the allows), as typed
// NetworkPolicies.
func TestResultRendering(t *testing.T) {
	res := resultOf(t)
	objs := res.Objects()
	var names []string
	for _, o := range objs {
		if _, ok := o.(*networkingv1.NetworkPolicy); !ok {
			t.Errorf("%T is not a *networkingv1.NetworkPolicy", o)
		}
		names = append(names, o.GetNamespace()+"/"+o.GetName())
	}
	if got, want := strings.Join(names, " "), "billing/api shop/web billing/namespace-defaults"; got != want {
		t.Errorf("objects %s, want %s", got, want)
	}

	y, err := res.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(y, []byte("# "+k8snp.Header+"\n")) || bytes.Count(y, []byte("\n---\n")) != 2 {
		t.Errorf("YAML lacks the header or has not three documents:\n%s", y)
	}
	var w bytes.Buffer
	if err := res.WriteYAML(&w); err != nil || !bytes.Equal(w.Bytes(), y) {
		t.Errorf("WriteYAML differs from YAML (err %v)", err)
	}

	j, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string                       `json:"kind"`
		Items []networkingv1.NetworkPolicy `json:"items"`
	}
	if err := json.Unmarshal(j, &list); err != nil {
		t.Fatal(err)
	}
	if list.Kind != "List" || len(list.Items) != 3 || list.Items[1].Name != "web" || list.Items[1].Spec.Ingress[0].Ports[0].Port.IntVal != 80 {
		t.Errorf("JSON list:\n%s", j)
	}

	dir := t.TempDir()
	paths, err := res.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"30-networkpolicy_billing_api.yaml", "30-networkpolicy_shop_web.yaml", "40-networkpolicy_billing_namespace-defaults.yaml"}
	if len(paths) != len(want) {
		t.Fatalf("paths %v", paths)
	}
	for i, p := range paths {
		if p != filepath.Join(dir, want[i]) {
			t.Errorf("path %s, want %s", p, want[i])
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("# "+k8snp.Header+"\n")) || !bytes.Contains(y, data[len("# "+k8snp.Header+"\n"):]) {
			t.Errorf("%s is not the header and a document of the YAML stream:\n%s", p, data)
		}
	}
}

// TestEmptyResult checks that a Set that isolates nothing renders the header only.
func TestEmptyResult(t *testing.T) {
	set := policy.NewSet()
	set.ServiceIn("shop", "web")
	res, err := k8snp.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	y, err := res.YAML()
	if err != nil || string(y) != "# "+k8snp.Header+"\n" {
		t.Errorf("YAML %q, err %v", y, err)
	}
}

// TestObjectsShareNoMemory checks that emitted objects can be changed independently:
// users edit them (labels, owner references) before applying.
func TestObjectsShareNoMemory(t *testing.T) {
	set := policy.NewSet()
	for _, svc := range []string{"a", "b"} {
		set.ServiceIn("shop", svc).DefaultDenyEgress().AllowFrom(policy.ServiceIn("edge", "proxy")).TCP(80).AllowTo(policy.CIDR("192.0.2.0/24", "192.0.2.0/25")).TCP(443)
	}
	res, err := k8snp.Compile(set, clusterCIDRs())
	if err != nil {
		t.Fatal(err)
	}
	before := compileYAML(t, set, clusterCIDRs())
	a := res.NetworkPolicies[0]
	mutate := func(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) {
		for _, p := range peers {
			for _, sel := range []*metav1.LabelSelector{p.PodSelector, p.NamespaceSelector} {
				if sel != nil && sel.MatchLabels != nil {
					sel.MatchLabels["app"] = "changed"
				}
			}
			if p.IPBlock != nil {
				p.IPBlock.Except[0] = "changed"
			}
		}
		for _, p := range ports {
			*p.Protocol = "UDP"
			p.Port.IntVal = 1
		}
	}
	for _, r := range a.Spec.Ingress {
		mutate(r.From, r.Ports)
	}
	for _, r := range a.Spec.Egress {
		mutate(r.To, r.Ports)
	}
	a.Spec.PodSelector.MatchLabels["app"] = "changed"
	a.Labels["x"] = "y"
	res.NetworkPolicies = res.NetworkPolicies[1:]
	y, err := res.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(before, y[len("# "+k8snp.Header+"\n"):]) {
		t.Errorf("changing one object changed another:\n%s", y)
	}
}
