package k8snp

import (
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func emptySelector(s *metav1.LabelSelector) bool {
	return s == nil || len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// canonicalSelector copies s with its expressions sorted and their values sorted and
// deduplicated; a selector's requirements and an expression's values are sets.
func canonicalSelector(s *metav1.LabelSelector) *metav1.LabelSelector {
	out := &metav1.LabelSelector{}
	if len(s.MatchLabels) > 0 {
		out.MatchLabels = make(map[string]string, len(s.MatchLabels))
		for k, v := range s.MatchLabels {
			out.MatchLabels[k] = v
		}
	}
	if len(s.MatchExpressions) == 0 {
		return out
	}
	for _, e := range s.MatchExpressions {
		c := metav1.LabelSelectorRequirement{Key: e.Key, Operator: e.Operator}
		if len(e.Values) > 0 {
			c.Values = append([]string(nil), e.Values...)
			sort.Strings(c.Values)
			c.Values = slices.Compact(c.Values)
		}
		out.MatchExpressions = append(out.MatchExpressions, c)
	}
	sort.Slice(out.MatchExpressions, func(i, j int) bool {
		return requirementKey(out.MatchExpressions[i]) < requirementKey(out.MatchExpressions[j])
	})
	exprs := out.MatchExpressions[:0]
	for i, e := range out.MatchExpressions {
		if i == 0 || requirementKey(e) != requirementKey(out.MatchExpressions[i-1]) {
			exprs = append(exprs, e)
		}
	}
	if len(exprs) > 0 {
		out.MatchExpressions = exprs
	} else {
		out.MatchExpressions = nil
	}
	return out
}

// writeSelectorKey renders a canonical selector as a key; label keys and values cannot
// contain the separators used.
func writeSelectorKey(b *strings.Builder, s *metav1.LabelSelector) {
	if s == nil {
		return
	}
	if len(s.MatchLabels) == 1 {
		for k, v := range s.MatchLabels {
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v)
		}
	} else {
		keys := make([]string, 0, len(s.MatchLabels))
		for k := range s.MatchLabels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(s.MatchLabels[k])
		}
	}
	for _, e := range s.MatchExpressions {
		b.WriteByte(';')
		b.WriteString(requirementKey(e))
	}
}

func requirementKey(e metav1.LabelSelectorRequirement) string {
	return e.Key + " " + string(e.Operator) + " " + strings.Join(e.Values, ",")
}
