package policy_test

import (
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	// Registers -update, which `go test ./... -update` passes to every test binary.
	_ "github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// mustModel returns the Model of s or fails the test with every problem.
func mustModel(t testing.TB, s *policy.Set) *policy.Model {
	t.Helper()
	m, err := s.Model()
	if err != nil {
		t.Fatalf("Model: %v", err)
	}
	return m
}

// problems unwraps a *policy.ValidationError and returns its errors, failing the test when
// err is nil or of another type.
func problems(t testing.TB, err error) field.ErrorList {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a *policy.ValidationError")
	}
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T (%v), want a *policy.ValidationError", err, err)
	}
	if len(ve.Errors) == 0 {
		t.Fatal("ValidationError without errors")
	}
	return ve.Errors
}

// policyNamed returns the policy "namespace/name" (or "name" for cluster and host scope).
func policyNamed(t testing.TB, m *policy.Model, id string) *policy.Policy {
	t.Helper()
	for _, p := range m.Policies {
		if policyID(p) == id {
			return p
		}
	}
	var have []string
	for _, p := range m.Policies {
		have = append(have, policyID(p))
	}
	t.Fatalf("no policy %q; have %q", id, have)
	return nil
}

func policyID(p *policy.Policy) string {
	if p.Subject.Namespace != "" {
		return p.Subject.Namespace + "/" + p.Name
	}
	return p.Name
}

func policyIDs(m *policy.Model) []string {
	out := []string{}
	for _, p := range m.Policies {
		out = append(out, policyID(p))
	}
	return out
}

// pod is a pod of the local cluster labelled app=<app> (no app label when app is "").
func pod(ns, app string) policy.Endpoint {
	e := policy.Endpoint{Kind: policy.EndpointPod, Namespace: ns, Labels: map[string]string{}}
	if app != "" {
		e.Labels["app"] = app
	}
	return e
}

// podL is a pod of the local cluster with the given labels.
func podL(ns string, labels map[string]string) policy.Endpoint {
	return policy.Endpoint{Kind: policy.EndpointPod, Namespace: ns, Labels: labels}
}

func kubeDNSPod() policy.Endpoint {
	return podL("kube-system", map[string]string{"k8s-app": "kube-dns"})
}

// ext is an address outside the cluster.
func ext(ip string) policy.Endpoint {
	return policy.Endpoint{Kind: policy.EndpointExternal, IP: netip.MustParseAddr(ip)}
}

// extName is an address outside the cluster looked up by name.
func extName(ip, name string) policy.Endpoint {
	e := ext(ip)
	e.DNSName = name
	return e
}

func tcp(from, to policy.Endpoint, port int32) policy.Flow {
	return policy.Flow{From: from, To: to, Protocol: policy.TCP, Port: port}
}

func udp(from, to policy.Endpoint, port int32) policy.Flow {
	return policy.Flow{From: from, To: to, Protocol: policy.UDP, Port: port}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func i32(v int32) *int32 { return &v }
