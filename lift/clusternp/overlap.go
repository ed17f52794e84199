package clusternp

import (
	"slices"

	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// mayOverlap reports whether some pod may be selected by both subjects: unless their
// namespaces or their pod selectors provably exclude each other. A namespace's labels
// are known when the namespaces given declare it; other namespaces may carry any labels.
func (l *lifter) mayOverlap(a, b subject) bool {
	if a.namespace == "" {
		a, b = b, a
	}
	switch {
	case a.namespace != "" && b.namespace != "":
		if a.namespace != b.namespace {
			return false
		}
	case a.namespace != "":
		if !l.inNamespace(b.namespaces, a.namespace) {
			return false
		}
	case b.namespaces != nil && a.namespaces != nil && disjoint(a.namespaces, b.namespaces):
		return false
	}
	return !disjoint(a.pods, b.pods)
}

// inNamespace reports whether sel (nil: every namespace) may match namespace ns.
func (l *lifter) inNamespace(sel *metav1.LabelSelector, ns string) bool {
	if isEmpty(sel) {
		return true
	}
	if lbls, ok := l.namespaces[ns]; ok {
		s, err := metav1.LabelSelectorAsSelector(sel)
		return err != nil || s.Matches(labels.Set(lbls))
	}
	return !disjoint(sel, &metav1.LabelSelector{MatchLabels: map[string]string{policy.NamespaceNameLabel: ns}})
}

// constraint is what selectors require of one label: present (exists true), absent
// (exists false) or either (nil); one of values when values is not nil; none of not.
type constraint struct {
	exists *bool
	values []string
	not    []string
}

// disjoint reports whether no label set matches both selectors: some label is required
// absent by one and present by the other, or no value satisfies both.
func disjoint(a, b *metav1.LabelSelector) bool {
	cs := map[string]*constraint{}
	get := func(k string) *constraint {
		if cs[k] == nil {
			cs[k] = &constraint{}
		}
		return cs[k]
	}
	yes, no := true, false
	conflict := false
	require := func(c *constraint, e bool) {
		if c.exists != nil && *c.exists != e {
			conflict = true
		}
		if e {
			c.exists = &yes
		} else {
			c.exists = &no
		}
	}
	in := func(c *constraint, vs []string) {
		require(c, true)
		if c.values == nil {
			c.values = slices.Clone(vs)
			return
		}
		c.values = slices.DeleteFunc(c.values, func(v string) bool { return !slices.Contains(vs, v) })
	}
	for _, s := range []*metav1.LabelSelector{a, b} {
		if s == nil {
			continue
		}
		for k, v := range s.MatchLabels {
			in(get(k), []string{v})
		}
		for _, r := range s.MatchExpressions {
			c := get(r.Key)
			switch r.Operator {
			case metav1.LabelSelectorOpIn:
				in(c, r.Values)
			case metav1.LabelSelectorOpNotIn:
				c.not = append(c.not, r.Values...)
			case metav1.LabelSelectorOpExists:
				require(c, true)
			case metav1.LabelSelectorOpDoesNotExist:
				require(c, false)
			}
		}
	}
	if conflict {
		return true
	}
	for _, c := range cs {
		if c.values != nil && !slices.ContainsFunc(c.values, func(v string) bool { return !slices.Contains(c.not, v) }) {
			return true
		}
	}
	return false
}

// sameSubject reports whether two subjects are written alike, an absent namespace
// selector as the empty one.
func sameSubject(a, b subject) bool {
	return a.namespace == b.namespace && sameSelector(a.namespaces, b.namespaces) && sameSelector(a.pods, b.pods)
}

func sameSelector(a, b *metav1.LabelSelector) bool {
	if isEmpty(a) || isEmpty(b) {
		return isEmpty(a) && isEmpty(b)
	}
	return equality.Semantic.DeepEqual(a, b)
}
