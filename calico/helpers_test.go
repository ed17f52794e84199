package calico_test

import (
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/render"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"sigs.k8s.io/yaml"
)

// objectYAML renders the emitted object named "kind namespace/name" (or "kind name") as
// YAML without its TypeMeta and metadata.labels noise-free form; it fails t when there is
// no such object.
func objectYAML(t *testing.T, res *calico.Result, id string) string {
	t.Helper()
	for _, o := range res.Objects() {
		name := o.GetName()
		if o.GetNamespace() != "" {
			name = o.GetNamespace() + "/" + name
		}
		if o.GetObjectKind().GroupVersionKind().Kind+" "+name != id {
			continue
		}
		b, err := render.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var have []string
	for _, o := range res.Objects() {
		have = append(have, o.GetObjectKind().GroupVersionKind().Kind+" "+o.GetNamespace()+"/"+o.GetName())
	}
	t.Fatalf("no object %q; have %s", id, strings.Join(have, ", "))
	return ""
}

// specYAML renders only the spec of the object id.
func specYAML(t *testing.T, res *calico.Result, id string) string {
	t.Helper()
	var obj struct {
		Spec any `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(objectYAML(t, res, id)), &obj); err != nil {
		t.Fatal(err)
	}
	b, err := yaml.Marshal(obj.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// newObject returns an empty object of the kinds the backend emits, for golden.RoundTrip.
func newObject(apiVersion, kind string) (render.Object, bool) {
	if apiVersion != calicov3.GroupVersionCurrent {
		return nil, false
	}
	switch kind {
	case calicov3.KindTier:
		return &calicov3.Tier{}, true
	case calicov3.KindNetworkPolicy:
		return &calicov3.NetworkPolicy{}, true
	case calicov3.KindGlobalNetworkPolicy:
		return &calicov3.GlobalNetworkPolicy{}, true
	case calicov3.KindStagedNetworkPolicy:
		return &calicov3.StagedNetworkPolicy{}, true
	case calicov3.KindStagedGlobalNetworkPolicy:
		return &calicov3.StagedGlobalNetworkPolicy{}, true
	}
	return nil, false
}

// dedent removes the common leading tabs of a raw string literal's lines and its first
// newline, so that expected YAML can be indented with the test code.
func dedent(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent {
			lines[i] = l[indent:]
		}
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\t ")
}
