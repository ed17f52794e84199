package cilium_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/policy"
)

// TestParsedScoping checks what the agent makes of the emitted selectors: pod peers of a
// CiliumNetworkPolicy that name no namespace are scoped to the policy's namespace, every
// pod selector is scoped to the local cluster, peers of other or all namespaces escape the
// policy's namespace, and a clusterwide policy selects pods only.
func TestParsedScoping(t *testing.T) {
	s := shop()
	s.Service("web").
		AllowFrom("api").TCP(80).
		AllowFrom(policy.ServiceIn("edge", "gateway")).TCP(81).
		AllowFrom(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "prom"})).TCP(82).
		AllowFrom(policy.Namespaces(policy.MatchLabels{"team": "ops"})).TCP(83)
	s.Cluster("guard").DenyTo(policy.World())
	res := compileOK(t, s)
	byName := map[string]*api.Rule{}
	for _, p := range parseAll(t, res) {
		byName[p.name] = p.rules[0]
	}

	web := byName["shop/web"]
	if web == nil {
		t.Fatalf("no shop/web in %v", byName)
	}
	want := map[string]*slimv1.LabelSelector{
		"80": {MatchLabels: map[string]string{"any:app": "api", "k8s:io.kubernetes.pod.namespace": "shop", "k8s:io.cilium.k8s.policy.cluster": clusterName}},
		"81": {MatchLabels: map[string]string{"any:app": "gateway", "any:io.kubernetes.pod.namespace": "edge", "k8s:io.cilium.k8s.policy.cluster": clusterName}},
		"82": {MatchLabels: map[string]string{"any:app": "prom", "k8s:io.cilium.k8s.policy.cluster": clusterName},
			MatchExpressions: []slimv1.LabelSelectorRequirement{{Key: "any:io.kubernetes.pod.namespace", Operator: slimv1.LabelSelectorOpExists}}},
		"83": {MatchLabels: map[string]string{"any:io.cilium.k8s.namespace.labels.team": "ops", "k8s:io.cilium.k8s.policy.cluster": clusterName}},
	}
	for _, r := range web.Ingress {
		port := r.ToPorts[0].Ports[0].Port
		got := r.FromEndpoints[0].LabelSelector
		if len(got.MatchExpressions) == 0 {
			got.MatchExpressions = nil
		}
		if !reflect.DeepEqual(got, want[port]) {
			t.Errorf("peer on port %s parses to %v, want %v", port, got, want[port])
		}
	}

	guard := byName["guard"]
	subject := guard.EndpointSelector.LabelSelector
	if len(subject.MatchExpressions) != 1 || subject.MatchExpressions[0].Key != "any:io.kubernetes.pod.namespace" ||
		subject.MatchExpressions[0].Operator != slimv1.LabelSelectorOpExists {
		t.Errorf("clusterwide subject = %v, want pods of every namespace", subject)
	}
}

// TestDefaultDeny checks enableDefaultDeny: set explicitly on every object, true exactly
// for the directions the policy isolates, false for deny-only guardrails (which Cilium
// would otherwise put into default-deny), and an isolated direction without rules gets a
// rule that admits nothing, since Cilium takes default-deny from the rules that select an
// endpoint.
func TestDefaultDeny(t *testing.T) {
	s := shop()
	s.Namespace("shop").DefaultDenyIngress().WithoutDNS()
	s.Service("web").DenyTo(policy.CIDR("169.254.169.254/32"))
	s.Cluster("guard").DenyFrom(policy.World()).DenyTo(policy.World())
	res := compileOK(t, s)
	got := map[string][2]bool{}
	for _, p := range parseAll(t, res) {
		r := p.rules[0]
		got[p.name] = [2]bool{*r.EnableDefaultDeny.Ingress, *r.EnableDefaultDeny.Egress}
	}
	want := map[string][2]bool{"shop/namespace-defaults": {true, false}, "shop/web": {false, false}, "guard": {false, false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed enableDefaultDeny (ingress, egress) = %v, want %v", got, want)
	}
	for _, o := range res.CiliumNetworkPolicies {
		if o.Spec.EnableDefaultDeny.Ingress == nil || o.Spec.EnableDefaultDeny.Egress == nil {
			t.Errorf("%s: enableDefaultDeny not set explicitly", o.Name)
		}
		if o.Name == "namespace-defaults" && !reflect.DeepEqual(o.Spec.Ingress, []api.IngressRule{{}}) {
			t.Errorf("namespace-defaults ingress = %+v, want one empty rule", o.Spec.Ingress)
		}
	}
}

// TestRendering checks the Result's renderings: Status never rendered, clusterwide objects
// first, a JSON List, and one file per object.
func TestRendering(t *testing.T) {
	s := shop()
	s.Service("web").AllowFrom("api").TCP(80)
	s.Cluster("guard").DenyTo(policy.World())
	res := compileOK(t, s)

	// encoding/json cannot omit an empty struct: the reason the renderings strip it.
	raw, err := json.Marshal(res.CiliumNetworkPolicies[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"status":{}`) {
		t.Errorf("json.Marshal no longer renders an empty status; the note on Result is stale: %s", raw)
	}
	y, err := res.YAML()
	if err != nil {
		t.Fatal(err)
	}
	j, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(y), "status") || strings.Contains(string(j), "status") {
		t.Errorf("rendering carries a status:\n%s\n%s", y, j)
	}
	if !strings.HasPrefix(string(y), "# "+cilium.Header+"\n") {
		t.Errorf("YAML does not start with the header:\n%s", y)
	}
	var list struct {
		Kind  string
		Items []struct{ Kind string }
	}
	if err := json.Unmarshal(j, &list); err != nil || list.Kind != "List" || len(list.Items) != 2 {
		t.Errorf("JSON = %s (%v)", j, err)
	}

	objs := res.Objects()
	if len(objs) != 2 || objs[0].GetName() != "guard" || objs[1].GetName() != "web" {
		t.Errorf("Objects() = %v, want guard then web", objs)
	}
	for _, o := range objs {
		if o.GetLabels()[policy.ManagedByLabel] != policy.ManagedByValue {
			t.Errorf("%s: labels %v", o.GetName(), o.GetLabels())
		}
		if o.GetObjectKind().GroupVersionKind().Version != "v2" {
			t.Errorf("%s: TypeMeta not set", o.GetName())
		}
	}

	dir := t.TempDir()
	paths, err := res.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantPaths := []string{
		filepath.Join(dir, "20-ciliumclusterwidenetworkpolicy_guard.yaml"),
		filepath.Join(dir, "30-ciliumnetworkpolicy_shop_web.yaml"),
	}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("WriteDir wrote %v, want %v", paths, wantPaths)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "# "+cilium.Header+"\n") {
			t.Errorf("%s has no header", p)
		}
	}
}

// TestAllowLocalhost checks the intent's rule that a pod's own node always reaches it
// (kubelet probes), which the agent's --allow-localhost (always, on Kubernetes) implements
// below Cilium's denies: the emitted denies leave the host out, even where the intent
// denies every peer. Under --allow-localhost=policy the output is narrower: the node is
// dropped unless a rule allows it.
func TestAllowLocalhost(t *testing.T) {
	s := shop()
	s.Service("web").AllowFrom("api").TCP(8080)
	s.Service("db").DenyFrom(policy.Any()).DenyFrom(policy.WholeCluster()).TCP(5432)
	res := compileOK(t, s)
	m, err := s.Model()
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, res)
	for _, app := range []string{"web", "db"} {
		f := policy.Flow{
			From:     policy.Endpoint{Kind: policy.EndpointHost},
			To:       policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": app}},
			Protocol: policy.TCP, Port: 5432,
		}
		if !m.Evaluate(f).Allowed || !e.allowed(f) {
			t.Errorf("node to %s: reference %v, cilium %v; want both allowed", app, m.Evaluate(f).Allowed, e.allowed(f))
		}
		e.allowLocalhost = false
		if want := app == "db"; e.allowed(f) != want {
			t.Errorf("node to %s with allow-localhost=policy: allowed %v, want %v", app, e.allowed(f), want)
		}
		e.allowLocalhost = true
	}
	for _, r := range res.CiliumNetworkPolicies[0].Spec.IngressDeny {
		for _, ent := range r.FromEntities {
			if ent == "host" || ent == "cluster" || ent == "all" {
				t.Errorf("db's ingress deny names %s, which includes the node", ent)
			}
		}
	}
}
