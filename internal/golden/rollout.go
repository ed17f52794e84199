package golden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/stage"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Rendered is what the backends' Results render, as Rollout checks it.
type Rendered interface {
	Objects() []netintent.Object
	YAML() ([]byte, error)
	JSON() ([]byte, error)
	WriteDir(dir string) ([]string, error)
}

// Rollout checks that r renders in rollout order, and in the same order everywhere:
//
//   - Objects, the documents of YAML, the items of JSON and the files of WriteDir are the
//     objects want lists, in its order, each as "Kind namespace/name stage" ("Kind name
//     stage" for a cluster-scoped object, without stage for an object that has no
//     stage.Annotation);
//   - Namespaces and Tiers come first, and every other object carries a stage no earlier
//     than the stage of the object before it;
//   - the file names of WriteDir are in lexical order, the order in which
//     `kubectl apply -f dir/` applies them.
func Rollout(t testing.TB, r Rendered, want []string) {
	t.Helper()
	check := func(what string, got []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s in the order\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	var metas []metav1.PartialObjectMetadata
	for _, o := range r.Objects() {
		apiVersion, kind := o.GetObjectKind().GroupVersionKind().ToAPIVersionAndKind()
		metas = append(metas, metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: kind},
			ObjectMeta: metav1.ObjectMeta{Namespace: o.GetNamespace(), Name: o.GetName(), Annotations: o.GetAnnotations()}})
	}
	check("Objects", rolloutIDs(metas))
	checkStages(t, metas)

	if y, err := r.YAML(); err != nil {
		t.Errorf("YAML: %v", err)
	} else {
		check("YAML documents", rolloutIDs(parseDocs(t, split(y))))
	}

	if j, err := r.JSON(); err != nil {
		t.Errorf("JSON: %v", err)
	} else {
		var list struct {
			Items []metav1.PartialObjectMetadata `json:"items"`
		}
		if err := json.Unmarshal(j, &list); err != nil {
			t.Errorf("JSON: %v", err)
		}
		check("JSON items", rolloutIDs(list.Items))
	}

	paths, err := r.WriteDir(t.TempDir())
	if err != nil {
		t.Errorf("WriteDir: %v", err)
		return
	}
	var docs [][]byte
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("WriteDir: %v", err)
			return
		}
		docs = append(docs, split(data)...)
	}
	check("WriteDir files", rolloutIDs(parseDocs(t, docs)))
	if !slices.IsSorted(names) {
		t.Errorf("WriteDir file names are not in lexical order:\n%s", strings.Join(names, "\n"))
	}
}

// parseDocs decodes the metadata of YAML documents.
func parseDocs(t testing.TB, docs [][]byte) []metav1.PartialObjectMetadata {
	t.Helper()
	out := make([]metav1.PartialObjectMetadata, len(docs))
	for i, doc := range docs {
		if err := yaml.Unmarshal(doc, &out[i]); err != nil {
			t.Errorf("document %d: %v", i, err)
		}
	}
	return out
}

// rolloutIDs names objects as Rollout's want does.
func rolloutIDs(metas []metav1.PartialObjectMetadata) []string {
	out := make([]string, len(metas))
	for i, m := range metas {
		id := m.Kind + " " + m.Name
		if m.Namespace != "" {
			id = m.Kind + " " + m.Namespace + "/" + m.Name
		}
		if name, ok := m.Annotations[stage.Annotation]; ok {
			id += " " + name
		}
		out[i] = id
	}
	return out
}

// checkStages checks that Namespaces and Tiers come first and that the stages of the
// other objects, which must all have one, never decrease.
func checkStages(t testing.TB, metas []metav1.PartialObjectMetadata) {
	t.Helper()
	ids := rolloutIDs(metas)
	last := -1
	for i, m := range metas {
		place := -1
		if m.Kind != "Namespace" && m.Kind != "Tier" {
			name := m.Annotations[stage.Annotation]
			if place = slices.Index(stage.Names[:], name); place < 0 {
				t.Errorf("%s has no rollout stage (annotation %s: %q)", ids[i], stage.Annotation, name)
				continue
			}
		}
		if place < last {
			t.Errorf("%s comes after %s", ids[i], ids[i-1])
		}
		last = max(last, place)
	}
}

// Egress says what an object does to egress: whether it isolates it, whether it carries
// the DNS allowance, and whether it selects every pod of its namespace (of the cluster,
// for a cluster-scoped object).
type Egress func(obj netintent.Object) (isolates, dns, wholeNamespace bool)

// DNSFirst checks that no object of objs, which carry rollout stages, cuts DNS: each
// object that isolates egress carries the DNS allowance itself, or an object for every pod
// of its namespace that isolates egress with the DNS allowance has a stage no later than
// its own (objects of one stage are applied together).
func DNSFirst(t testing.TB, objs []netintent.Object, egress Egress) {
	t.Helper()
	stageOf := func(o netintent.Object) int {
		return slices.Index(stage.Names[:], o.GetAnnotations()[stage.Annotation])
	}
	first := map[string]int{} // namespace → earliest stage of a namespace-wide DNS allowance
	for _, o := range objs {
		if isolates, dns, whole := egress(o); isolates && dns && whole {
			if s, ok := first[o.GetNamespace()]; !ok || stageOf(o) < s {
				first[o.GetNamespace()] = stageOf(o)
			}
		}
	}
	for _, o := range objs {
		isolates, dns, _ := egress(o)
		if s, ok := first[o.GetNamespace()]; isolates && !dns && (!ok || s > stageOf(o)) {
			t.Errorf("%s %s/%s isolates egress in stage %q, before DNS is allowed for its pods",
				o.GetObjectKind().GroupVersionKind().Kind, o.GetNamespace(), o.GetName(), o.GetAnnotations()[stage.Annotation])
		}
	}
}
