package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/render"
	"github.com/netintent/netintent/internal/stage"
)

// recorder is a testing.TB that records failures instead of failing the test, so the
// failure paths of Assert and RoundTrip can be checked.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// setUpdate switches -update for one test, so that these tests behave the same whether or
// not the run itself was started with -update.
func setUpdate(t *testing.T, v bool) {
	old := *update
	*update = v
	t.Cleanup(func() { *update = old })
}

func TestUpdateFlag(t *testing.T) {
	f := flag.Lookup("update")
	if f == nil || f.DefValue != "false" {
		t.Fatalf("-update not registered as a bool flag defaulting to false: %+v", f)
	}
	for _, v := range []bool{false, true} {
		setUpdate(t, v)
		if Updating() != v {
			t.Errorf("Updating() = %v with -update=%v", !v, v)
		}
	}
}

func TestAssert(t *testing.T) {
	setUpdate(t, false)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.golden")
	if err := os.WriteFile(existing, []byte("a\nb\nc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		got      string
		wantErrs []string // substrings of the single failure; none means pass
	}{
		{name: "equal", path: existing, got: "a\nb\nc\n"},
		{
			name: "differs",
			path: existing,
			got:  "a\nB\nc\n",
			wantErrs: []string{
				"output differs from golden file " + existing,
				"--- " + existing + "\n+++ got\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
				"run `go test ./... -update`",
			},
		},
		{
			name:     "missing",
			path:     filepath.Join(dir, "missing.golden"),
			got:      "x\n",
			wantErrs: []string{"golden file " + filepath.Join(dir, "missing.golden") + " does not exist; create it with `go test ./... -update`"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Assert(r, tt.path, []byte(tt.got))
			checkErrs(t, r.errs, tt.wantErrs)
		})
	}
}

func TestAssertUpdate(t *testing.T) {
	setUpdate(t, true)
	path := filepath.Join(t.TempDir(), "new", "dir", "out.golden")
	for _, content := range []string{"first\n", "second\n"} {
		r := &recorder{TB: t}
		Assert(r, path, []byte(content))
		checkErrs(t, r.errs, nil)
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("file holds %q (%v), want %q", got, err, content)
		}
	}
	setUpdate(t, false)
	r := &recorder{TB: t}
	Assert(r, path, []byte("second\n"))
	checkErrs(t, r.errs, nil)
}

// checkErrs checks that errs is one failure containing every string of want, or no
// failure if want is empty.
func checkErrs(t *testing.T, errs, want []string) {
	t.Helper()
	if len(want) == 0 {
		if len(errs) != 0 {
			t.Errorf("unexpected failures:\n%s", strings.Join(errs, "\n"))
		}
		return
	}
	if len(errs) != 1 {
		t.Fatalf("got %d failures, want 1:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	for _, w := range want {
		if !strings.Contains(errs[0], w) {
			t.Errorf("failure\n%s\ndoes not contain\n%s", errs[0], w)
		}
	}
}

func TestDiff(t *testing.T) {
	numbered := func(from, to int, change map[int]string) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			if s, ok := change[i]; ok {
				b.WriteString(s)
				continue
			}
			fmt.Fprintf(&b, "%d\n", i)
		}
		return b.String()
	}
	removed := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, "-%d\n", i)
		}
		return b.String()
	}
	tests := []struct {
		name, a, b, want string
	}{
		{
			name: "change in the middle",
			a:    numbered(1, 20, nil),
			b:    numbered(1, 20, map[int]string{10: "ten\n"}),
			want: "@@ -7,7 +7,7 @@\n 7\n 8\n 9\n-10\n+ten\n 11\n 12\n 13\n",
		},
		{
			name: "two hunks",
			a:    numbered(1, 20, nil),
			b:    numbered(1, 20, map[int]string{2: "", 18: "18\nextra\n"}),
			want: "@@ -1,5 +1,4 @@\n 1\n-2\n 3\n 4\n 5\n@@ -16,5 +15,6 @@\n 16\n 17\n 18\n+extra\n 19\n 20\n",
		},
		{
			name: "close changes share a hunk",
			a:    numbered(1, 12, nil),
			b:    numbered(1, 12, map[int]string{3: "three\n", 8: "eight\n"}),
			want: "@@ -1,11 +1,11 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n 7\n-8\n+eight\n 9\n 10\n 11\n",
		},
		{
			name: "insert into empty",
			a:    "",
			b:    "a\n",
			want: "@@ -0,0 +1,1 @@\n+a\n",
		},
		{
			name: "missing final newline",
			a:    "a\nb\n",
			b:    "a\nb",
			want: "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n",
		},
		{
			name: "cut short",
			a:    numbered(1, 100, nil),
			b:    numbered(101, 200, nil),
			want: "@@ -1,100 +1,100 @@\n" + removed(1, maxDiffLines) + "... (diff cut short)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diff("a", "b", []byte(tt.a), []byte(tt.b))
			if want := "--- a\n+++ b\n" + tt.want; got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestDiffLarge checks that a changed region too large to match line by line still
// yields a diff that starts at the first change.
func TestDiffLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 2100 {
		fmt.Fprintf(&a, "line %d\n", i)
		if i%2 == 0 {
			fmt.Fprintf(&b, "line %d\n", i)
		} else {
			fmt.Fprintf(&b, "changed %d\n", i)
		}
	}
	got := diff("a", "b", []byte(a.String()), []byte(b.String()))
	want := "--- a\n+++ b\n@@ -1,2100 +1,2100 @@\n line 0\n-line 1\n-line 2\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("got\n%s\nwant prefix\n%s", got, want)
	}
}

func newObject(apiVersion, kind string) (render.Object, bool) {
	switch apiVersion + " " + kind {
	case "networking.k8s.io/v1 NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case "cilium.io/v2 CiliumNetworkPolicy":
		return &ciliumv2.CiliumNetworkPolicy{}, true
	case "projectcalico.org/v3 GlobalNetworkPolicy":
		return &calicov3.GlobalNetworkPolicy{}, true
	}
	return nil, false
}

func manifest(t *testing.T) []byte {
	t.Helper()
	objs := []render.Object{
		&networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: "a"},
			Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
		},
		&ciliumv2.CiliumNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "cilium.io/v2", Kind: "CiliumNetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "a"},
			Spec:       &api.Rule{EndpointSelector: api.NewESFromMatchRequirements(map[string]string{"app": "web"}, nil)},
		},
		&calicov3.GlobalNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "projectcalico.org/v3", Kind: "GlobalNetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: "default.deny"},
			Spec:       calicov3.GlobalNetworkPolicySpec{Selector: "app == 'x' && has(y)", Types: []calicov3.PolicyType{calicov3.PolicyTypeIngress}},
		},
	}
	var out bytes.Buffer
	if err := render.YAML(&out, "Code generated by netintent (golden test); DO NOT EDIT.\nSecond line.", objs); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestSplit(t *testing.T) {
	docs := split(manifest(t))
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3", len(docs))
	}
	for i, d := range docs {
		if !bytes.HasPrefix(d, []byte("apiVersion: ")) || !bytes.HasSuffix(d, []byte("\n")) || bytes.Contains(d, []byte("---")) {
			t.Errorf("document %d:\n%s", i, d)
		}
	}
	for _, empty := range []string{"", "# only a header\n", "# header without newline"} {
		if docs := split([]byte(empty)); len(docs) != 0 {
			t.Errorf("split(%q) = %q, want no documents", empty, docs)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	good := string(manifest(t))
	tests := []struct {
		name     string
		manifest string
		wantErrs []string
	}{
		{name: "rendered manifest", manifest: good},
		{name: "no documents", manifest: "# nothing\n"},
		{
			name:     "unknown field",
			manifest: strings.Replace(good, "  policyTypes:", "  bogus: 1\n  policyTypes:", 1),
			wantErrs: []string{"document 0 (NetworkPolicy): strict decoding into *v1.NetworkPolicy", `unknown field "bogus"`},
		},
		{
			name:     "duplicate field",
			manifest: strings.Replace(good, "  name: deny\n", "  name: deny\n  name: deny\n", 1),
			wantErrs: []string{"document 0 (NetworkPolicy): strict decoding", "already set in map"},
		},
		{
			name:     "noise that render strips",
			manifest: strings.Replace(good, "    app: web\n", "    app: web\nstatus: {}\n", 1),
			wantErrs: []string{"document 1 (CiliumNetworkPolicy) changes in a round trip through *v2.CiliumNetworkPolicy", "-status: {}\n"},
		},
		{
			name:     "non-canonical order",
			manifest: strings.Replace(good, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n", "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\n", 1),
			wantErrs: []string{"document 0 (NetworkPolicy) changes in a round trip", "--- manifest\n+++ round trip\n@@ -1,5 +1,5 @@\n-kind: NetworkPolicy\n apiVersion: networking.k8s.io/v1\n+kind: NetworkPolicy\n"},
		},
		{
			name:     "unknown type",
			manifest: strings.Replace(good, "kind: CiliumNetworkPolicy", "kind: CiliumClusterwideNetworkPolicy", 1),
			wantErrs: []string{`document 1: no upstream type for apiVersion "cilium.io/v2", kind "CiliumClusterwideNetworkPolicy"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			RoundTrip(r, []byte(tt.manifest), newObject)
			checkErrs(t, r.errs, tt.wantErrs)
		})
	}
}

// rendered renders its objects in their order, as a Result does once sorted.
type rendered []render.Object

func (r rendered) Objects() []netintent.Object {
	out := make([]netintent.Object, len(r))
	for i, o := range r {
		out[i] = o
	}
	return out
}
func (r rendered) YAML() ([]byte, error)                 { return render.YAMLBytes("header", r) }
func (r rendered) JSON() ([]byte, error)                 { return render.JSONBytes(r) }
func (r rendered) WriteDir(dir string) ([]string, error) { return render.WriteDir(dir, r, "header") }

func TestRollout(t *testing.T) {
	np := func(name, st string) render.Object {
		o := &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
		if st != "" {
			o.Annotations = map[string]string{stage.Annotation: st}
		}
		return o
	}
	tier := &calicov3.Tier{TypeMeta: metav1.TypeMeta{APIVersion: "projectcalico.org/v3", Kind: "Tier"}, ObjectMeta: metav1.ObjectMeta{Name: "security"}}
	inOrder := []string{"Tier security", "NetworkPolicy shop/web workload", "NetworkPolicy shop/all namespace"}
	tests := []struct {
		name     string
		objs     rendered
		want     []string
		wantErrs []string // substrings, each of some failure; none means pass
	}{
		{name: "in order", objs: rendered{tier, np("web", "workload"), np("all", "namespace")}, want: inOrder},
		{
			name: "namespace first",
			objs: rendered{np("all", "namespace"), tier, np("web", "workload")},
			want: inOrder,
			wantErrs: []string{
				"Objects in the order\nNetworkPolicy shop/all namespace\nTier security",
				"YAML documents in the order\nNetworkPolicy shop/all namespace",
				"JSON items in the order\nNetworkPolicy shop/all namespace",
				"WriteDir files in the order\nNetworkPolicy shop/all namespace",
				"Tier security comes after NetworkPolicy shop/all namespace",
				"WriteDir file names are not in lexical order:\n40-networkpolicy_shop_all.yaml",
			},
		},
		{
			name:     "no stage",
			objs:     rendered{tier, np("web", "")},
			want:     []string{"Tier security", "NetworkPolicy shop/web"},
			wantErrs: []string{`NetworkPolicy shop/web has no rollout stage (annotation netintent.io/rollout-stage: "")`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			Rollout(rec, tt.objs, tt.want)
			if len(tt.wantErrs) == 0 && len(rec.errs) > 0 {
				t.Errorf("unexpected failures:\n%s", strings.Join(rec.errs, "\n"))
			}
			for _, w := range tt.wantErrs {
				if !slices.ContainsFunc(rec.errs, func(e string) bool { return strings.Contains(e, w) }) {
					t.Errorf("no failure contains\n%s\nfailures:\n%s", w, strings.Join(rec.errs, "\n"))
				}
			}
		})
	}
}

func TestDNSFirst(t *testing.T) {
	// obj is a NetworkPolicy whose name says what it does to egress: "iso" isolates,
	// "dns" allows DNS, "all" selects the whole namespace.
	obj := func(name, st string) netintent.Object {
		return &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Annotations: map[string]string{stage.Annotation: st}}}
	}
	egress := func(o netintent.Object) (bool, bool, bool) {
		n := o.GetName()
		return strings.Contains(n, "iso"), strings.Contains(n, "dns"), strings.Contains(n, "all")
	}
	tests := []struct {
		name    string
		objs    []netintent.Object
		wantErr string // empty means pass
	}{
		{name: "own allowance", objs: []netintent.Object{obj("iso-dns", "workload")}},
		{name: "namespace allowance in the same stage", objs: []netintent.Object{obj("iso", "namespace"), obj("iso-dns-all", "namespace")}},
		{name: "namespace allowance earlier", objs: []netintent.Object{obj("iso-dns-all", "namespace"), obj("iso", "cluster")}},
		{name: "no allowance", objs: []netintent.Object{obj("iso", "workload")}, wantErr: `NetworkPolicy shop/iso isolates egress in stage "workload"`},
		{
			name:    "namespace allowance later",
			objs:    []netintent.Object{obj("iso", "workload"), obj("iso-dns-all", "namespace")},
			wantErr: `NetworkPolicy shop/iso isolates egress in stage "workload", before DNS is allowed for its pods`,
		},
		{
			name:    "allowance for some pods only",
			objs:    []netintent.Object{obj("iso-dns", "workload"), obj("iso", "workload")},
			wantErr: `NetworkPolicy shop/iso isolates egress`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			DNSFirst(rec, tt.objs, egress)
			var want []string
			if tt.wantErr != "" {
				want = []string{tt.wantErr}
			}
			checkErrs(t, rec.errs, want)
		})
	}
}
