package calico

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Calico selector expressions (https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors)
// have no escape characters: a string literal is quoted with ' or " and cannot contain
// its own quote.

// allSelector matches every endpoint.
const allSelector = "all()"

// namespaceNameLabel is the label Calico gives every namespace, holding its name, for
// namespaceSelector expressions
// (https://docs.tigera.io/calico/latest/network-policy/get-started/calico-policy/calico-labels).
const namespaceNameLabel = "projectcalico.org/name"

// workloadGuard selects workload endpoints only: Calico's pod conversion gives every
// workload endpoint this label (libcalico-go k8s/conversion, workload_endpoint_default.go)
// and its own translation of Kubernetes pod selectors requires it (conversion.go,
// k8sSelectorToCalico), while NetworkSets, GlobalNetworkSets and host endpoints, which
// Calico selectors also match, do not carry it.
const workloadGuard = "projectcalico.org/orchestrator == 'k8s'"

// workloadsOnly ANDs workloadGuard into a pod selector expression, first.
func workloadsOnly(sel string) string {
	switch {
	case sel == "" || sel == allSelector:
		return workloadGuard
	case strings.Contains(sel, "||"):
		return workloadGuard + " && (" + sel + ")"
	}
	return workloadGuard + " && " + sel
}

// namespaceSelectorExpr is selectorExpr for a namespace selector. A namespaceSelector
// becomes a selector on the pcns.* labels that endpoints inherit from their namespace
// (libcalico-go updateprocessors), so one made only of negative terms ("! has(k)",
// "k not in {...}") also matches what has no namespace: host endpoints and
// GlobalNetworkSets. Such a selector is given the term has(projectcalico.org/name),
// which every namespace carries and only namespaced endpoints inherit.
func namespaceSelectorExpr(sel *metav1.LabelSelector) (string, error) {
	if sel == nil || len(sel.MatchLabels) > 0 || len(sel.MatchExpressions) == 0 {
		return selectorExpr(sel)
	}
	for _, r := range sel.MatchExpressions {
		if r.Operator == metav1.LabelSelectorOpIn || r.Operator == metav1.LabelSelectorOpExists {
			return selectorExpr(sel)
		}
	}
	required := &metav1.LabelSelector{MatchExpressions: append(append(make([]metav1.LabelSelectorRequirement, 0, len(sel.MatchExpressions)+1),
		sel.MatchExpressions...), metav1.LabelSelectorRequirement{Key: namespaceNameLabel, Operator: metav1.LabelSelectorOpExists})}
	return selectorExpr(required)
}

// selectorExpr renders a Kubernetes label selector as a Calico selector expression: one
// term per requirement, sorted by key and then operator, joined by " && "; an empty (or
// nil) selector is all(). Kubernetes and Calico agree on the meaning of every term: "not
// in" and "!has" also match objects without the label.
func selectorExpr(sel *metav1.LabelSelector) (string, error) {
	if sel == nil || len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return allSelector, nil
	}
	if len(sel.MatchLabels) == 1 && len(sel.MatchExpressions) == 0 {
		// The common case (a service), without sorting.
		for k, v := range sel.MatchLabels {
			return equalityExpr(k, v)
		}
	}
	type term struct {
		key  string
		rank int
		text string
	}
	terms := make([]term, 0, len(sel.MatchLabels)+len(sel.MatchExpressions))
	for k, v := range sel.MatchLabels {
		q, err := quote(v)
		if err != nil {
			return "", err
		}
		terms = append(terms, term{k, 0, k + " == " + q})
	}
	for _, r := range sel.MatchExpressions {
		var t term
		switch r.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			set, err := quotedSet(r.Values)
			if err != nil {
				return "", err
			}
			if r.Operator == metav1.LabelSelectorOpIn {
				t = term{r.Key, 1, r.Key + " in " + set}
			} else {
				t = term{r.Key, 2, r.Key + " not in " + set}
			}
		case metav1.LabelSelectorOpExists:
			t = term{r.Key, 3, "has(" + r.Key + ")"}
		case metav1.LabelSelectorOpDoesNotExist:
			t = term{r.Key, 4, "! has(" + r.Key + ")"}
		default:
			return "", fmt.Errorf("unknown label selector operator %q", r.Operator)
		}
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool {
		if terms[i].key != terms[j].key {
			return terms[i].key < terms[j].key
		}
		if terms[i].rank != terms[j].rank {
			return terms[i].rank < terms[j].rank
		}
		return terms[i].text < terms[j].text
	})
	var b strings.Builder
	for i, t := range terms {
		if i > 0 && t.text == terms[i-1].text {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" && ")
		}
		b.WriteString(t.text)
	}
	return b.String(), nil
}

// quote renders a string literal: single quotes unless the value contains one.
func quote(v string) (string, error) {
	switch {
	case !strings.Contains(v, "'"):
		return "'" + v + "'", nil
	case !strings.Contains(v, `"`):
		return `"` + v + `"`, nil
	}
	return "", fmt.Errorf("the value %q contains both quote characters, which Calico selectors cannot express", v)
}

// quotedSet renders a set literal with sorted, distinct values.
func quotedSet(values []string) (string, error) {
	vs := append([]string(nil), values...)
	sort.Strings(vs)
	var b strings.Builder
	b.WriteString("{")
	for i, v := range vs {
		if i > 0 && v == vs[i-1] {
			continue
		}
		if i > 0 {
			b.WriteString(", ")
		}
		q, err := quote(v)
		if err != nil {
			return "", err
		}
		b.WriteString(q)
	}
	b.WriteString("}")
	return b.String(), nil
}

// equalityExpr is the term "k == 'v'".
func equalityExpr(k, v string) (string, error) {
	if !strings.Contains(v, "'") {
		return k + " == '" + v + "'", nil // quote(v), in one allocation
	}
	q, err := quote(v)
	return k + " == " + q, err
}

// namespaceNameExpr selects the namespaces with the given names.
func namespaceNameExpr(names ...string) (string, error) {
	if len(names) == 1 {
		return equalityExpr(namespaceNameLabel, names[0])
	}
	set, err := quotedSet(names)
	return namespaceNameLabel + " in " + set, err
}

// orExpr is the disjunction of selector expressions: all() if any of them is all(),
// "k in {...}" when every one is an equality on the same key, else the sorted, distinct
// expressions joined by " || ", each parenthesized when it is a conjunction.
func orExpr(exprs []string) string {
	distinct := append([]string(nil), exprs...)
	sort.Strings(distinct)
	distinct = compactStrings(distinct)
	if len(distinct) == 1 {
		return distinct[0]
	}
	for _, e := range distinct {
		if e == allSelector {
			return allSelector
		}
	}
	if key, values, ok := sameKeyEqualities(distinct); ok {
		set, err := quotedSet(values)
		if err == nil {
			return key + " in " + set
		}
	}
	var b strings.Builder
	for i, e := range distinct {
		if i > 0 {
			b.WriteString(" || ")
		}
		if strings.Contains(e, "&&") || strings.Contains(e, "||") {
			b.WriteString("(" + e + ")")
		} else {
			b.WriteString(e)
		}
	}
	return b.String()
}

// sameKeyEqualities recognizes expressions that are each one "k == 'v'" (or "k in {...}")
// term on the same key k, and returns k and the union of the values.
func sameKeyEqualities(exprs []string) (string, []string, bool) {
	var key string
	var values []string
	for _, e := range exprs {
		k, vs, ok := parseEquality(e)
		if !ok || key != "" && k != key {
			return "", nil, false
		}
		key = k
		values = append(values, vs...)
	}
	return key, values, key != ""
}

// parseEquality parses the output of selectorExpr or namespaceNameExpr for one equality or
// in-set term.
func parseEquality(e string) (string, []string, bool) {
	if strings.Contains(e, "&&") || strings.Contains(e, "||") {
		return "", nil, false
	}
	if k, v, ok := strings.Cut(e, " == "); ok {
		val, ok := unquote(v)
		return k, []string{val}, ok
	}
	if k, v, ok := strings.Cut(e, " in {"); ok && !strings.HasSuffix(k, " not") && strings.HasSuffix(v, "}") {
		var vals []string
		for _, part := range strings.Split(strings.TrimSuffix(v, "}"), ", ") {
			val, ok := unquote(part)
			if !ok {
				return "", nil, false
			}
			vals = append(vals, val)
		}
		return k, vals, true
	}
	return "", nil, false
}

func unquote(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1], true
	}
	return "", false
}

// compactStrings removes adjacent duplicates of a sorted slice.
func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
