package diagram

import (
	"strings"

	"github.com/netintent/netintent/policy"
)

// DOT renders the same graph as Mermaid in the Graphviz DOT language: a cluster per
// namespace (plus "cluster-wide" and one per mesh cluster), solid edges for allows,
// style=dashed color=red edges for denies, dotted grey edges for Pass rules and orange ones
// for rules of audit-mode policies. Render it with, for example, `dot -Tsvg`.
func DOT(m *policy.Model) string {
	g := build(m)
	var b strings.Builder
	b.WriteString("digraph netintent {\n")
	b.WriteString("  rankdir=LR;\n")
	b.WriteString("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	i := 0
	for _, gr := range g.groups {
		b.WriteString("  subgraph " + dotQuote("cluster_"+gr.id) + " {\n")
		b.WriteString("    label=" + dotQuote(gr.title) + ";\n")
		b.WriteString("    style=rounded;\n    color=gray50;\n")
		for ; i < len(g.nodes) && g.nodes[i].group == gr; i++ {
			dotNode(&b, "    ", g.nodes[i])
		}
		b.WriteString("  }\n")
	}
	for ; i < len(g.nodes); i++ {
		dotNode(&b, "  ", g.nodes[i])
	}
	for _, e := range g.edges {
		b.WriteString("  " + dotQuote(e.from.id) + " -> " + dotQuote(e.to.id) + " [label=" + dotLines(e.lines))
		switch {
		case e.kind == edgeDeny:
			b.WriteString(", style=dashed, color=red, fontcolor=red")
		case e.kind == edgePass:
			b.WriteString(", style=dotted, color=gray40, fontcolor=gray40")
		case e.audit:
			b.WriteString(", color=orange, fontcolor=darkorange3")
		}
		b.WriteString("];\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func dotNode(b *strings.Builder, indent string, n *node) {
	b.WriteString(indent + dotQuote(n.id) + " [label=" + dotLines(n.label()))
	switch n.kind {
	case nodeHosts:
		b.WriteString(", shape=box3d, style=filled, fillcolor=\"#eef2ff\"")
	case nodeOther:
		b.WriteString(", shape=ellipse, style=filled, fillcolor=gray95")
	}
	if n.auditOnly() {
		if n.kind == nodePods {
			b.WriteString(", style=\"rounded,dashed\"")
		}
		b.WriteString(", color=orange, penwidth=2")
	}
	b.WriteString("];\n")
}

// dotLines quotes label lines as one DOT string, joined with centered line breaks;
// control characters become spaces.
func dotLines(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = dotEscaper.Replace(strings.Map(noControl, l))
	}
	return `"` + strings.Join(out, `\n`) + `"`
}

// dotEscaper escapes the two characters a DOT quoted string gives meaning to, and '&',
// which Graphviz reads as the start of an HTML entity ("&lt;") even outside HTML labels.
// Doubling the backslash also keeps label escapes such as \N and \l from being
// interpreted.
var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `&`, `&amp;`)

// dotQuote quotes one line of text as a DOT string.
func dotQuote(s string) string { return dotLines([]string{s}) }
