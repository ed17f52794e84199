package calico

import (
	"testing"

	_ "github.com/netintent/netintent/internal/golden"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSelectorExpr(t *testing.T) {
	req := func(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	cases := []struct {
		name string
		sel  *metav1.LabelSelector
		want string
	}{
		{"nil", nil, "all()"},
		{"empty", &metav1.LabelSelector{}, "all()"},
		{"labels sorted by key", &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "web", "app": "shop", "app.kubernetes.io/name": "x"}},
			"app == 'shop' && app.kubernetes.io/name == 'x' && tier == 'web'"},
		{"in, values sorted and distinct", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req("env", metav1.LabelSelectorOpIn, "prod", "dev", "prod")}},
			"env in {'dev', 'prod'}"},
		{"not in", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req("env", metav1.LabelSelectorOpNotIn, "dev")}},
			"env not in {'dev'}"},
		{"exists and does not exist", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			req("b", metav1.LabelSelectorOpDoesNotExist), req("a", metav1.LabelSelectorOpExists)}},
			"has(a) && ! has(b)"},
		{"label and expressions on one key, duplicates dropped", &metav1.LabelSelector{
			MatchLabels: map[string]string{"app": "x"},
			MatchExpressions: []metav1.LabelSelectorRequirement{
				req("app", metav1.LabelSelectorOpExists), req("app", metav1.LabelSelectorOpIn, "x", "y"), req("app", metav1.LabelSelectorOpExists)}},
			"app == 'x' && app in {'x', 'y'} && has(app)"},
		{"a single quote in a value", &metav1.LabelSelector{MatchLabels: map[string]string{"k": "it's"}}, `k == "it's"`},
		{"a double quote in a value", &metav1.LabelSelector{MatchLabels: map[string]string{"k": `say "hi"`}}, `k == 'say "hi"'`},
		{"quotes in a set", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req("k", metav1.LabelSelectorOpIn, "a'b", "c")}},
			`k in {"a'b", 'c'}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := selectorExpr(c.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	if _, err := selectorExpr(&metav1.LabelSelector{MatchLabels: map[string]string{"k": `'"`}}); err == nil {
		t.Error("a value with both quotes: want an error, Calico selectors have no escapes")
	}
}

func TestOrExpr(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{[]string{"app == 'b'", "app == 'a'", "app == 'b'"}, "app in {'a', 'b'}"},
		{[]string{"app == 'a'", "app in {'b', 'c'}"}, "app in {'a', 'b', 'c'}"},
		{[]string{"app == 'a'", "all()"}, "all()"},
		{[]string{"app == 'a'", "tier == 'b'"}, "app == 'a' || tier == 'b'"},
		{[]string{"app == 'a' && tier == 'b'", "has(x)"}, "(app == 'a' && tier == 'b') || has(x)"},
		{[]string{"app not in {'a'}", "app == 'b'"}, "app == 'b' || app not in {'a'}"},
		{[]string{"has(x)"}, "has(x)"},
	}
	for _, c := range cases {
		if got := orExpr(c.in); got != c.want {
			t.Errorf("orExpr(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestNamespaceNameExpr(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  string
	}{
		{[]string{"shop"}, "projectcalico.org/name == 'shop'"},
		{[]string{"shop", "dev"}, "projectcalico.org/name in {'dev', 'shop'}"},
	} {
		got, err := namespaceNameExpr(c.names...)
		if err != nil || got != c.want {
			t.Errorf("namespaceNameExpr(%q) = %s, %v; want %s", c.names, got, err, c.want)
		}
	}
}
