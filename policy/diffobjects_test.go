package policy_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fakeBackend is a policy.Backend whose objects come from compile.
type fakeBackend struct {
	name    string
	compile func(*policy.Set) ([]netintent.Object, error)
}

func (f fakeBackend) Name() string { return f.name }

func (f fakeBackend) Compile(s *policy.Set) (policy.Result, error) {
	objs, err := f.compile(s)
	if err != nil {
		return nil, err
	}
	return fakeResult{objs: objs}, nil
}

// fakeResult is a policy.Result of which Diff uses Objects alone.
type fakeResult struct {
	policy.Result
	objs []netintent.Object
}

func (r fakeResult) Objects() []netintent.Object { return r.objs }

// fake is a fakeBackend that emits modelObjects.
func fake(name string) fakeBackend { return fakeBackend{name: name, compile: modelObjects} }

// modelObjects emits, for each policy of the Set in rollout order, a NetworkPolicy with
// its name, labels, stage and egress rules (in an annotation): enough for Diff to tell
// creates, updates and deletes apart.
func modelObjects(s *policy.Set) ([]netintent.Object, error) {
	m, err := s.Model()
	if err != nil {
		return nil, err
	}
	var out []netintent.Object
	for _, p := range m.RolloutOrder() {
		out = append(out, &networkingv1.NetworkPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Subject.Namespace, Labels: p.Labels,
				Annotations: map[string]string{
					policy.RolloutStageAnnotation: m.RolloutStage(p).String(),
					"test.example/egress":         fmt.Sprint(p.Egress),
				}},
		})
	}
	return out, nil
}

// objectKeys renders object changes as "backend op Kind namespace/name (stage)".
func objectKeys(cs []policy.ObjectChange) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s %s %s/%s (%s)", c.Backend, c.Op, c.Kind, c.Namespace, c.Name, c.Stage))
	}
	return out
}

// TestDiffObjects checks the objects a change creates, updates and deletes per backend,
// and their order.
func TestDiffObjects(t *testing.T) {
	withDefaultDeny := func() *policy.Set {
		s := diffBase()
		s.Namespace("shop").DefaultDeny()
		return s
	}
	otherPort := func() *policy.Set {
		s := policy.NewSet(policy.DefaultNamespace("shop"))
		s.Service("web").AllowTo("api").TCP(9090)
		return s
	}
	tests := []struct {
		name     string
		old, new func() *policy.Set
		backends []policy.Backend
		want     []string
	}{
		{name: "no backend", old: diffBase, new: withDefaultDeny, want: []string{}},
		{name: "no change", old: diffBase, new: diffBase, backends: []policy.Backend{fake("a")}, want: []string{}},
		{
			// The mirrored side of web's edge goes with the default-deny that needs it.
			name: "create", old: diffBase, new: withDefaultDeny, backends: []policy.Backend{fake("a")},
			want: []string{
				"a create NetworkPolicy shop/api (workload)",
				"a create NetworkPolicy shop/namespace-defaults (namespace)",
			},
		},
		{
			name: "delete, in reverse rollout order", old: withDefaultDeny, new: diffBase, backends: []policy.Backend{fake("a")},
			want: []string{
				"a delete NetworkPolicy shop/namespace-defaults (namespace)",
				"a delete NetworkPolicy shop/api (workload)",
			},
		},
		{
			name: "update", old: diffBase, new: otherPort, backends: []policy.Backend{fake("a")},
			want: []string{"a update NetworkPolicy shop/web (workload)"},
		},
		{
			name: "creates and updates before deletes",
			old:  withDefaultDeny,
			new: func() *policy.Set {
				s := otherPort()
				s.Service("db").AllowFrom("web").TCP(5432)
				return s
			},
			backends: []policy.Backend{fake("a"), fake("b")},
			want: []string{
				"a create NetworkPolicy shop/db (workload)",
				"a update NetworkPolicy shop/web (workload)",
				"a delete NetworkPolicy shop/namespace-defaults (namespace)",
				"a delete NetworkPolicy shop/api (workload)",
				"b create NetworkPolicy shop/db (workload)",
				"b update NetworkPolicy shop/web (workload)",
				"b delete NetworkPolicy shop/namespace-defaults (namespace)",
				"b delete NetworkPolicy shop/api (workload)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := tt.old(), tt.new()
			c, err := policy.Diff(old, new, tt.backends...)
			if err != nil {
				t.Fatal(err)
			}
			if got := objectKeys(c.Objects); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("objects\ngot  %q\nwant %q", got, tt.want)
			}
			for _, o := range c.Objects {
				if o.APIVersion != "networking.k8s.io/v1" {
					t.Errorf("%s: apiVersion %q", o.Name, o.APIVersion)
				}
				hasOld, hasNew := o.Old != nil, o.New != nil
				if hasOld != (o.Op != policy.ObjectCreate) || hasNew != (o.Op != policy.ObjectDelete) {
					t.Errorf("%s %s: old YAML %v, new YAML %v", o.Op, o.Name, hasOld, hasNew)
				}
				for _, y := range [][]byte{o.Old, o.New} {
					if y != nil && !strings.Contains(string(y), "name: "+o.Name+"\n") {
						t.Errorf("%s %s: YAML is not the object's:\n%s", o.Op, o.Name, y)
					}
				}
				if o.Op == policy.ObjectUpdate && string(o.Old) == string(o.New) {
					t.Errorf("update of %s with identical YAML", o.Name)
				}
			}
			// Flows are those of DiffModels, whatever the backends.
			flowsOnly := diffMust(t, old, new)
			if !reflect.DeepEqual(c.Opened, flowsOnly.Opened) || !reflect.DeepEqual(c.Closed, flowsOnly.Closed) ||
				!reflect.DeepEqual(c.Policies, flowsOnly.Policies) || flowsOnly.Objects != nil {
				t.Errorf("flows or policies differ from a Diff without backends")
			}
		})
	}
}

// TestDiffObjectErrors checks that a backend's failure comes back naming the backend and
// the Set, wrapping the backend's error, and that malformed input is refused.
func TestDiffObjectErrors(t *testing.T) {
	boom := errors.New("boom")
	old, new := diffBase(), diffBase()
	failOn := func(bad *policy.Set) fakeBackend {
		return fakeBackend{name: "f", compile: func(s *policy.Set) ([]netintent.Object, error) {
			if s == bad {
				return nil, boom
			}
			return modelObjects(s)
		}}
	}
	emit := func(objs ...netintent.Object) fakeBackend {
		return fakeBackend{name: "f", compile: func(*policy.Set) ([]netintent.Object, error) { return objs, nil }}
	}
	np := func(name string) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
	}
	tests := []struct {
		name     string
		old, new *policy.Set
		backends []policy.Backend
		want     string
		wraps    error
	}{
		{name: "old set", old: old, new: new, backends: []policy.Backend{failOn(old)}, want: "f: compiling the old set: boom", wraps: boom},
		{name: "new set", old: old, new: new, backends: []policy.Backend{fake("a"), failOn(new)}, want: "f: compiling the new set: boom", wraps: boom},
		{name: "nil backend", old: old, new: new, backends: []policy.Backend{fake("a"), nil}, want: "policy: Diff: backends[1] is nil"},
		{name: "one backend twice", old: old, new: new, backends: []policy.Backend{fake("a"), fake("a")}, want: "policy: Diff: backends[1] is a second a backend"},
		{name: "two objects, one identity", old: old, new: new, backends: []policy.Backend{emit(np("x"), np("x"))},
			want: "f: compiling the old set: two objects are networking.k8s.io/v1 NetworkPolicy shop/x"},
		{name: "nil object", old: old, new: new, backends: []policy.Backend{emit(np("x"), nil)}, want: "f: compiling the old set: object 1 is nil"},
		{name: "nil pointer", old: old, new: new, backends: []policy.Backend{emit((*networkingv1.NetworkPolicy)(nil))},
			want: "f: compiling the old set: object 0 is nil"},
		{name: "no TypeMeta", old: old, new: new, backends: []policy.Backend{emit(&networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "x"}})},
			want: "f: compiling the old set: render: *v1.NetworkPolicy x has no apiVersion or kind; set its TypeMeta"},
		{name: "nil set", old: nil, new: new, want: "policy: Diff needs two Sets, got nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := policy.Diff(tt.old, tt.new, tt.backends...)
			if c != nil || err == nil || err.Error() != tt.want {
				t.Fatalf("got %v, %v; want the error %q", c, err, tt.want)
			}
			if tt.wraps != nil && !errors.Is(err, tt.wraps) {
				t.Errorf("%v does not wrap %v", err, tt.wraps)
			}
		})
	}
}

// TestDiffObjectsRendering records the plain and Markdown renderings of a change with
// objects; TestDiffRendering keeps those of changes without.
func TestDiffObjectsRendering(t *testing.T) {
	old := diffBase()
	old.Service("cache").AllowFrom("web").TCP(6379)
	new := policy.NewSet(policy.DefaultNamespace("shop"))
	new.Service("web").AllowTo("api").TCP(9090)
	new.Service("db").AllowFrom("web").TCP(5432)
	// b also creates a tier, an object without a stage, for the new Set.
	tiered := fakeBackend{name: "b", compile: func(s *policy.Set) ([]netintent.Object, error) {
		objs, err := modelObjects(s)
		if s != new {
			return objs, err
		}
		tier := &unstructured.Unstructured{}
		tier.SetAPIVersion("projectcalico.org/v3")
		tier.SetKind("Tier")
		tier.SetName("security")
		return append([]netintent.Object{tier}, objs...), err
	}}
	c, err := policy.Diff(old, new, fake("a"), tiered)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/diff/objects.txt", []byte(c.String()))
	golden.Assert(t, "testdata/diff/objects.md", []byte(c.Markdown(3)))
}
