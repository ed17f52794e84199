package oracle

import (
	"errors"
	"net/netip"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

type decider interface {
	Decide(Flow) (Decision, error)
}

// flowCase is one expected verdict. Why says which documented rule of the
// engine gives it.
type flowCase struct {
	f    Flow
	want bool
	why  string
}

func allow(f Flow, why string) flowCase { return flowCase{f, true, why} }
func deny(f Flow, why string) flowCase  { return flowCase{f, false, why} }

func tcp(from, to Endpoint, port int32) Flow {
	return Flow{From: from, To: to, Protocol: "TCP", Port: port}
}
func udp(from, to Endpoint, port int32) Flow {
	return Flow{From: from, To: to, Protocol: "UDP", Port: port}
}
func pod(ns, name string) Endpoint { return PodEndpoint(ns, name) }
func ext(ip string) Endpoint       { return ExternalEndpoint(ip) }
func ip(s string) netip.Addr       { return netip.MustParseAddr(s) }
func lbl(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func checkFlows(t *testing.T, e decider, cases []flowCase) {
	t.Helper()
	for _, c := range cases {
		d, err := e.Decide(c.f)
		if err != nil {
			t.Errorf("%v: %v", c.f, err)
			continue
		}
		if d.Allowed != c.want {
			t.Errorf("%v: allowed=%v, want %v (%s)\n\tengine: %s", c.f, d.Allowed, c.want, c.why, d.Reason)
		}
	}
}

func checkCannotJudge(t *testing.T, e decider, f Flow) {
	t.Helper()
	if d, err := e.Decide(f); !errors.Is(err, ErrCannotJudge) {
		t.Errorf("%v: want ErrCannotJudge, got %+v, %v", f, d, err)
	}
}

func networkPolicies(t *testing.T, objs []runtime.Object) []*networkingv1.NetworkPolicy {
	t.Helper()
	var out []*networkingv1.NetworkPolicy
	for _, o := range objs {
		np, ok := o.(*networkingv1.NetworkPolicy)
		if !ok {
			t.Fatalf("not a NetworkPolicy: %T", o)
		}
		out = append(out, np)
	}
	return out
}

func seeds(t *testing.T, names ...string) []runtime.Object {
	t.Helper()
	var out []runtime.Object
	for _, n := range names {
		out = append(out, loadSeed(t, n)...)
	}
	return out
}

// prodUniverse is the cluster most seed manifests talk about.
func prodUniverse() Universe {
	return Universe{
		Namespaces: []Namespace{
			{Name: "production", Labels: lbl("environment", "production")},
			{Name: "staging", Labels: lbl("environment", "staging")},
			{Name: "kube-system"},
		},
		Pods: []Pod{
			{Namespace: "production", Name: "api", Labels: lbl("app", "api-server")},
			{Namespace: "production", Name: "frontend", Labels: lbl("role", "frontend", "app", "frontend")},
			{Namespace: "production", Name: "db", Labels: lbl("app", "database"),
				NamedPorts: map[string]NamedPort{"postgres": {Protocol: "TCP", Port: 5432}}},
			{Namespace: "production", Name: "payment", Labels: lbl("app", "payment-service")},
			{Namespace: "production", Name: "other", Labels: lbl("app", "other")},
			{Namespace: "staging", Name: "frontend", Labels: lbl("role", "frontend", "app", "frontend")},
			{Namespace: "staging", Name: "worker", Labels: lbl("app", "worker")},
			{Namespace: "kube-system", Name: "coredns", Labels: lbl("k8s-app", "kube-dns")},
		},
	}
}
