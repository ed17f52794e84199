package backend

import (
	"errors"
	"reflect"
	"testing"

	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestRefusalsErr checks that a refusal made twice (a mirrored rule carries the path of the
// rule it mirrors) is listed once, where it was first made, and that refusals at one path
// of one construct with different details are all listed.
func TestRefusalsErr(t *testing.T) {
	var r Refusals
	if err := r.Err("b"); err != nil {
		t.Fatalf("nothing refused: %v", err)
	}
	p := field.NewPath("services[shop/web]").Child("ingress").Index(0)
	r.Refuse(p, "pod label key a", "why a")
	r.Refuse(p, "pod label key a", "why b")
	var other Refusals
	other.Refuse(p, "pod label key a", "why a")
	other.Refuse(p, "CIDR peers", "why c", Exact("b.ClusterCIDRs(...)"), Lossy("b.WidenCIDRs()"))
	r.Join(&other)
	var ce *policy.CompileError
	if !errors.As(r.Err("b"), &ce) || ce.Backend != "b" {
		t.Fatalf("got %v, want a *policy.CompileError of b", r.Err("b"))
	}
	want := []policy.Unsupported{
		{Path: p.String(), Construct: "pod label key a", Detail: "why a"},
		{Path: p.String(), Construct: "pod label key a", Detail: "why b"},
		{Path: p.String(), Construct: "CIDR peers", Detail: "why c", Fixes: []policy.Fix{
			{Option: "b.ClusterCIDRs(...)", Exact: true}, {Option: "b.WidenCIDRs()"}}},
	}
	if !reflect.DeepEqual(ce.Problems, want) {
		t.Errorf("problems\n%+v\nwant\n%+v", ce.Problems, want)
	}
}

// TestConstructOf checks that Of fills in what the refusal is about, once.
func TestConstructOf(t *testing.T) {
	for c, want := range map[Construct]string{
		"pod label key %s": "pod label key a%s",
		"%s entity":        "a%s entity",
		"ICMP":             "ICMP",
	} {
		if got := c.Of("a%s"); string(got) != want {
			t.Errorf("%q.Of(\"a%%s\") = %q, want %q", c, got, want)
		}
	}
}

// TestAnnotations checks the warnings annotation: one sorted "path: message" line per
// distinct warning, whatever order the warnings were made in.
func TestAnnotations(t *testing.T) {
	n := NewNotes("b", "shop", "web")
	n.Warn(field.NewPath("z"), "second")
	n.Warn(field.NewPath("a"), "first")
	n.Warn(field.NewPath("z"), "second")
	p := &policy.Policy{Annotations: map[string]string{"owner": "ops"}, Labels: map[string]string{"team": "x"}}
	m := Meta("web", "shop", p, policy.StageWorkload, &n)
	if got, want := m.Annotations[policy.WarningsAnnotation], "a: first\nz: second"; got != want {
		t.Errorf("annotation %q, want %q", got, want)
	}
	if got := n.Warnings(); len(got) != 2 || got[0].Object != "shop/web" || got[0].Message != "second" {
		t.Errorf("warnings %+v, want two, in the order made, of shop/web", got)
	}
	if m.Labels[policy.ManagedByLabel] != policy.ManagedByValue || m.Labels["team"] != "x" || p.Labels[policy.ManagedByLabel] != "" {
		t.Errorf("labels %v (policy's %v)", m.Labels, p.Labels)
	}
}
