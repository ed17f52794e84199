package diagram

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netintent/netintent/policy"
)

// Mermaid renders the model as a Mermaid flowchart ("flowchart LR"): a subgraph per
// namespace (plus "cluster-wide" and one per mesh cluster) holding its pod groups, nodes for
// the other peers, and an edge per rule and peer. Allow edges are solid arrows; deny edges
// are dashed, red and labelled "deny …"; Pass edges are dotted and grey; rules of
// audit-mode policies are orange and labelled "(audit)". Edge styles are set with linkStyle
// by edge index and node styles with classDef, both long part of Mermaid's flowchart
// syntax. Labels are quoted, with entity codes ("#quot;") for the characters Mermaid would
// read as syntax. See the package documentation for what is drawn.
func Mermaid(m *policy.Model) string {
	g := build(m)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	classes := map[string][]string{}
	declare := func(indent string, n *node) {
		open, closing := `["`, `"]`
		switch n.kind {
		case nodeHosts:
			open, closing = `[["`, `"]]`
			classes["hosts"] = append(classes["hosts"], n.id)
		case nodeOther:
			open, closing = `(["`, `"])`
			classes["peer"] = append(classes["peer"], n.id)
		}
		if n.auditOnly() {
			classes["audit"] = append(classes["audit"], n.id)
		}
		fmt.Fprintf(&b, "%s%s%s%s%s\n", indent, n.id, open, mermaidLines(n.label()), closing)
	}
	i := 0
	for _, gr := range g.groups {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", gr.id, mermaidText(gr.title))
		for ; i < len(g.nodes) && g.nodes[i].group == gr; i++ {
			declare("    ", g.nodes[i])
		}
		b.WriteString("  end\n")
	}
	for ; i < len(g.nodes); i++ {
		declare("  ", g.nodes[i])
	}

	styles := map[string][]string{}
	for i, e := range g.edges {
		arrow := "-->"
		if e.kind != edgeAllow {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", e.from.id, arrow, mermaidLines(e.lines), e.to.id)
		if s := edgeStyle(e); s != "" {
			styles[s] = append(styles[s], strconv.Itoa(i))
		}
	}
	for _, s := range []string{styleDeny, stylePass, styleAudit} {
		if idx := styles[s]; len(idx) > 0 {
			fmt.Fprintf(&b, "  linkStyle %s %s\n", strings.Join(idx, ","), s)
		}
	}
	for _, c := range []struct{ name, def string }{
		{"peer", "fill:#f4f4f4,stroke:#888888"},
		{"hosts", "fill:#eef2ff,stroke:#5566aa"},
		{"audit", "stroke:#e69f00,stroke-width:2px,stroke-dasharray:5 3"},
	} {
		if ids := classes[c.name]; len(ids) > 0 {
			fmt.Fprintf(&b, "  classDef %s %s\n", c.name, c.def)
			fmt.Fprintf(&b, "  class %s %s\n", strings.Join(ids, ","), c.name)
		}
	}
	return b.String()
}

// The linkStyle of the edges that are not plain allows.
const (
	styleDeny  = "stroke:#d62728,color:#d62728,stroke-dasharray:6 4"
	stylePass  = "stroke:#7f7f7f,color:#7f7f7f,stroke-dasharray:2 3"
	styleAudit = "stroke:#e69f00,color:#b35900"
)

func edgeStyle(e *edge) string {
	switch {
	case e.kind == edgeDeny:
		return styleDeny
	case e.kind == edgePass:
		return stylePass
	case e.audit:
		return styleAudit
	}
	return ""
}

// mermaidLines escapes each line and joins them with line breaks.
func mermaidLines(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mermaidText(l)
	}
	return strings.Join(out, "<br/>")
}

// mermaidEscaper replaces what Mermaid would read as syntax inside a quoted label with
// entity codes ("#quot;" is rendered as a double quote): the quote that ends the label,
// '#' that starts entity codes, the HTML that labels may contain, the backtick of Markdown
// labels, the pipe that ends edge labels and the '%' of "%%{…}%%" directives.
var mermaidEscaper = strings.NewReplacer(
	`#`, "#35;",
	`"`, "#quot;",
	`&`, "#amp;",
	`<`, "#lt;",
	`>`, "#gt;",
	"`", "#96;",
	`|`, "#124;",
	`%`, "#37;",
)

// mermaidText escapes one line of label text; control characters become spaces.
func mermaidText(s string) string {
	return mermaidEscaper.Replace(strings.Map(noControl, s))
}

func noControl(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return ' '
	}
	return r
}
