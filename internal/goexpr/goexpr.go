// Package goexpr renders fragments of the policy package's fluent API as Go source: the
// lint's suggested fixes and lift.Source share it, so that both write the same Go for a
// selector or a port.
package goexpr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Selector returns a Go expression of type policy.Selector for sel: policy.Everything()
// for an empty selector, policy.MatchLabels{...} for labels only, and a
// policy.LabelSelector literal, which needs the package
// metav1 "k8s.io/apimachinery/pkg/apis/meta/v1", when it has matchExpressions.
func Selector(sel *metav1.LabelSelector) string {
	if sel == nil || len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return "policy.Everything()"
	}
	if len(sel.MatchExpressions) == 0 {
		return "policy.MatchLabels" + labels(sel.MatchLabels)
	}
	var b strings.Builder
	b.WriteString("policy.LabelSelector{")
	if len(sel.MatchLabels) > 0 {
		b.WriteString("MatchLabels: map[string]string" + labels(sel.MatchLabels) + ", ")
	}
	b.WriteString("MatchExpressions: []metav1.LabelSelectorRequirement{")
	for i, r := range sel.MatchExpressions {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "{Key: %q, Operator: %s", r.Key, operator(r.Operator))
		if len(r.Values) > 0 {
			b.WriteString(", Values: " + Strings(r.Values))
		}
		b.WriteString("}")
	}
	b.WriteString("}}")
	return b.String()
}

// Map returns a map[string]string composite literal, keys sorted; nil for an empty map.
func Map(m map[string]string) string {
	if len(m) == 0 {
		return "nil"
	}
	return "map[string]string" + labels(m)
}

// labels returns the braces of a map literal, keys sorted.
func labels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q: %q", k, m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Strings returns a []string composite literal.
func Strings(ss []string) string {
	return "[]string{" + Quoted(ss) + "}"
}

// Quoted returns the strings quoted and separated by commas, for an argument list.
func Quoted(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = strconv.Quote(s)
	}
	return strings.Join(parts, ", ")
}

func operator(op metav1.LabelSelectorOperator) string {
	switch op {
	case metav1.LabelSelectorOpIn:
		return "metav1.LabelSelectorOpIn"
	case metav1.LabelSelectorOpNotIn:
		return "metav1.LabelSelectorOpNotIn"
	case metav1.LabelSelectorOpExists:
		return "metav1.LabelSelectorOpExists"
	case metav1.LabelSelectorOpDoesNotExist:
		return "metav1.LabelSelectorOpDoesNotExist"
	}
	return fmt.Sprintf("metav1.LabelSelectorOperator(%q)", op)
}

// Port returns the RuleBuilder call that narrows a rule to one port of a protocol
// ("TCP", "UDP", "SCTP"): a number, a range port..endPort, a name, or every port (port 0
// and no name).
func Port(protocol string, port, endPort int32, name string) string {
	switch {
	case name != "" && protocol == "TCP":
		return fmt.Sprintf(".NamedPort(%q)", name)
	case name != "":
		return fmt.Sprintf(".Port(policy.Port{Protocol: policy.%s, Name: %q})", protocol, name)
	case port == 0:
		return fmt.Sprintf(".AllPorts(policy.%s)", protocol)
	case endPort != 0:
		return fmt.Sprintf(".PortRange(policy.%s, %d, %d)", protocol, port, endPort)
	}
	return fmt.Sprintf(".%s(%d)", protocol, port)
}
