package cilium_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/policy"
)

// TestIdentityLabelKeys checks the backend's copy of the agent's default identity label
// filter against the agent's own: a pod selector key is refused exactly when the filter
// drops the label (or when Cilium reserves the key).
func TestIdentityLabelKeys(t *testing.T) {
	if err := labelsfilter.ParseLabelPrefixCfg(quiet, nil, nil, ""); err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"app", "team", "app.kubernetes.io/name", "app.kubernetes.io/component", "helm.sh/chart",
		"kubernetes.io/hostname", "kubernetes.io/os", "node-role.kubernetes.io/worker",
		"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone", "beta.kubernetes.io/arch",
		"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
		"batch.kubernetes.io/job-completion-index", "batch.kubernetes.io/controller-uid",
		"batch.kubernetes.io/job-name", "controller-uid", "controller-uid-x", "my-controller-uid",
		"pod-template-hash", "pod-template-generation", "controller-revision-hash",
		"annotation.foo", "annotations", "etcd_node", "k8s.io/x", "sigs.k8s.io/x", "io.kubernetes.x",
		"io.kubernetesx", "example.com/kubernetes.io", "security.istio.io/tlsMode",
	}
	for _, k := range keys {
		id, _ := labelsfilter.Filter(labels.Map2Labels(map[string]string{k: "v"}, labels.LabelSourceK8s))
		kept := len(id) == 1
		s := shop()
		s.Pods("shop", "p", policy.MatchLabels{k: "v"}).DefaultDenyIngress()
		_, err := cilium.Compile(s)
		var ce *policy.CompileError
		refused := errors.As(err, &ce) && strings.Contains(ce.Problems[0].Construct, k)
		if err != nil && !refused {
			t.Fatalf("%s: %v", k, err)
		}
		if refused == kept {
			t.Errorf("key %q: agent filter keeps it: %v, backend refuses it: %v", k, kept, refused)
		}
	}
	for _, k := range []string{"io.kubernetes.pod.namespace", "io.cilium.k8s.policy.cluster", "io.cilium.k8s.namespace.labels.team"} {
		s := shop()
		s.Service("web").AllowFrom(policy.Pods(policy.MatchLabels{k: "v"})).TCP(80)
		if _, err := cilium.Compile(s); err == nil || !strings.Contains(err.Error(), "Cilium reserves this key") {
			t.Errorf("key %q: got %v, want a refusal of a reserved key", k, err)
		}
	}
}
