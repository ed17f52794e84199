package policy

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Selector selects pods, namespaces or nodes by their labels, with Kubernetes label-selector
// semantics. MatchLabels covers equality; LabelSelector adds set-based expressions.
type Selector interface {
	// LabelSelector returns the selector as a fresh Kubernetes LabelSelector value. Set.Model
	// may call it from several goroutines at once.
	LabelSelector() metav1.LabelSelector
}

// MatchLabels selects objects that carry every listed label with the listed value.
// An empty MatchLabels selects everything.
type MatchLabels map[string]string

// LabelSelector returns m as a Kubernetes LabelSelector.
func (m MatchLabels) LabelSelector() metav1.LabelSelector {
	if len(m) == 0 {
		return metav1.LabelSelector{}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return metav1.LabelSelector{MatchLabels: out}
}

// LabelSelector is a full Kubernetes label selector (matchLabels and matchExpressions).
// Convert an existing value with policy.LabelSelector(sel).
type LabelSelector metav1.LabelSelector

// LabelSelector returns a deep copy of s as a Kubernetes LabelSelector.
func (s LabelSelector) LabelSelector() metav1.LabelSelector {
	ls := metav1.LabelSelector(s)
	return *ls.DeepCopy()
}

// Everything selects every object.
func Everything() Selector { return MatchLabels(nil) }

// isNilSelector reports whether sel is nil or a nil pointer (such as a nil *LabelSelector),
// whose LabelSelector method would panic. Both count as no selector.
func isNilSelector(sel Selector) bool {
	if sel == nil {
		return true
	}
	v := reflect.ValueOf(sel)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// isEmptySelector reports whether s selects everything.
func isEmptySelector(s *metav1.LabelSelector) bool {
	return s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0)
}

// selectorMatches evaluates s against a label set. A nil selector matches everything.
// Callers validate selectors first; an invalid one matches nothing.
func selectorMatches(s *metav1.LabelSelector, set map[string]string) bool {
	if isEmptySelector(s) {
		return true
	}
	for k, v := range s.MatchLabels {
		if have, ok := set[k]; !ok || have != v {
			return false
		}
	}
	if len(s.MatchExpressions) == 0 {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchExpressions: s.MatchExpressions})
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(set))
}

// nameDecides reports whether a namespace selector's verdict on the namespace named ns
// follows from its name alone, the one label every namespace is known to carry, and the
// verdict: a selector requiring another label cannot be judged without the namespace's
// labels, unless its name requirements already exclude it.
func nameDecides(s *metav1.LabelSelector, ns string) (matches, decided bool) {
	byName := metav1.LabelSelector{}
	others := false
	for k, v := range s.MatchLabels {
		if k != NamespaceNameLabel {
			others = true
		} else if v != ns {
			return false, true
		}
	}
	for _, r := range s.MatchExpressions {
		if r.Key != NamespaceNameLabel {
			others = true
		} else {
			byName.MatchExpressions = append(byName.MatchExpressions, r)
		}
	}
	if !selectorMatches(&byName, map[string]string{NamespaceNameLabel: ns}) {
		return false, true
	}
	return true, !others
}

// intersectSelectors returns a selector that matches exactly what both a and b match, and
// false when the two can never both match (conflicting equality labels).
func intersectSelectors(a, b *metav1.LabelSelector) (*metav1.LabelSelector, bool) {
	out := &metav1.LabelSelector{}
	for _, s := range []*metav1.LabelSelector{a, b} {
		if s == nil {
			continue
		}
		for k, v := range s.MatchLabels {
			if old, ok := out.MatchLabels[k]; ok && old != v {
				return nil, false
			}
			if out.MatchLabels == nil {
				out.MatchLabels = map[string]string{}
			}
			out.MatchLabels[k] = v
		}
	}
	seen := map[string]bool{}
	for _, s := range []*metav1.LabelSelector{a, b} {
		if s == nil {
			continue
		}
		for _, r := range s.MatchExpressions {
			key := requirementKey(r)
			if seen[key] {
				continue
			}
			seen[key] = true
			out.MatchExpressions = append(out.MatchExpressions, *r.DeepCopy())
		}
	}
	return out, true
}

func requirementKey(r metav1.LabelSelectorRequirement) string {
	k := r.Key + "\x00" + string(r.Operator)
	for _, v := range r.Values {
		k += "\x00" + v
	}
	return k
}
