package diagram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

type namedModel struct {
	name string
	m    *policy.Model
}

func model(t *testing.T, set *policy.Set) *policy.Model {
	t.Helper()
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// models returns every scenario, the Set that uses every construct, and the Set whose
// labels need escaping.
func models(t *testing.T) []namedModel {
	var out []namedModel
	for _, s := range scenarios.All() {
		out = append(out, namedModel{s.Name, model(t, s.Build())})
	}
	return append(out,
		namedModel{"all-features", model(t, allFeatures(false))},
		namedModel{"nasty", model(t, nastySet())},
		namedModel{"empty", model(t, policy.NewSet())},
	)
}

// TestGolden compares the three renderings of every scenario, and of a Set that uses
// every construct, with testdata/<name>.{mmd,dot,md}.
func TestGolden(t *testing.T) {
	for _, nm := range models(t) {
		if nm.name == "nasty" || nm.name == "empty" {
			continue
		}
		t.Run(nm.name, func(t *testing.T) {
			base := filepath.Join("testdata", nm.name)
			golden.Assert(t, base+".mmd", []byte(Mermaid(nm.m)))
			golden.Assert(t, base+".dot", []byte(DOT(nm.m)))
			golden.Assert(t, base+".md", []byte(Matrix(nm.m, nil)))
		})
	}
}

// TestDeterminism checks that the output depends on the intent only: not on the order of
// declaration, nor on map iteration.
func TestDeterminism(t *testing.T) {
	a, b := model(t, allFeatures(false)), model(t, allFeatures(true))
	for _, r := range []struct {
		name   string
		render func(*policy.Model) string
	}{
		{"Mermaid", Mermaid},
		{"DOT", DOT},
		{"Matrix", func(m *policy.Model) string { return Matrix(m, nil) }},
	} {
		want := r.render(a)
		if got := r.render(b); got != want {
			t.Errorf("%s depends on the order of declaration:\n--- declared forwards\n%s\n--- declared backwards\n%s", r.name, want, got)
		}
		if got := r.render(a); got != want {
			t.Errorf("%s differs between two runs on the same model", r.name)
		}
	}
}

func TestMermaidSyntax(t *testing.T) {
	for _, nm := range models(t) {
		t.Run(nm.name, func(t *testing.T) { checkMermaid(t, Mermaid(nm.m), build(nm.m)) })
	}
}

func TestDOTSyntax(t *testing.T) {
	for _, nm := range models(t) {
		t.Run(nm.name, func(t *testing.T) { checkDOT(t, DOT(nm.m), build(nm.m)) })
	}
}

// TestDOTGraphviz lays every graph out with Graphviz, when it is installed, and checks
// that each label reads back as meant.
func TestDOTGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz (dot) is not installed")
	}
	for _, nm := range models(t) {
		t.Run(nm.name, func(t *testing.T) {
			cmd := exec.Command(dot, "-Tjson")
			cmd.Stdin = strings.NewReader(DOT(nm.m))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("dot -Tjson: %v\n%s", err, stderr.String())
			}
			checkGraphviz(t, out, build(nm.m))
		})
	}
}

// TestEscaping checks that text meaning something in Mermaid, DOT or Markdown comes out
// as written.
func TestEscaping(t *testing.T) {
	m := model(t, nastySet())
	want := "GET ~" + nastyPath + " [X-Tenant: " + strings.ReplaceAll(nastyValue, "\t", " ") + "]"

	mmd := Mermaid(m)
	labels := regexp.MustCompile(`\|"([^"]*)"\|`).FindAllStringSubmatch(mmd, -1)
	if len(labels) != 1 {
		t.Fatalf("want one edge label in\n%s", mmd)
	}
	if got := decodeMermaid(t, labels[0][1]); !slices.Equal(got, []string{"TCP 8080", want}) {
		t.Errorf("Mermaid edge label reads %q, want %q", got, want)
	}

	labels = regexp.MustCompile(`label=("(?:[^"\\]|\\.)*")`).FindAllStringSubmatch(DOT(m), -1)
	if got := decodeDOT(t, labels[len(labels)-1][1]); !slices.Equal(got, []string{"TCP 8080", want}) {
		t.Errorf("DOT edge label reads %q, want %q", got, want)
	}

	nasty := "a|b*c_d`e[f]<g>~h&i\\j\tk"
	samples := []policy.Sample{
		{Name: "dns:nasty", Endpoint: policy.Endpoint{Kind: policy.EndpointExternal, DNSName: nasty}},
		{Name: "pod", Endpoint: policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": "web"}}},
	}
	table := MatrixFor(m, samples, []policy.Probe{{Protocol: policy.TCP, Port: 8080}})
	rows := strings.Split(table, "\n")
	for _, row := range rows[:4] {
		cells := splitRow(row)
		if len(cells) != 3 {
			t.Errorf("row %q has %d cells, want 3", row, len(cells))
		}
	}
	if got := mdUnescape(splitRow(rows[0])[1]); got != strings.ReplaceAll(nasty, "\t", " ") {
		t.Errorf("Markdown column name reads %q, want %q", got, nasty)
	}
}

// TestIdent checks that identifiers are never a keyword, never collide and use only
// letters, digits and single underscores, whatever the text they are made from.
func TestIdent(t *testing.T) {
	seen := map[string]string{}
	for i, text := range []string{"end", "subgraph", "a-b", "a_b", "a b", "", "ö", "graph", "class"} {
		id := ident("n_", text, strconv.Itoa(i))
		if !regexp.MustCompile(`^n_[A-Za-z0-9_]*[0-9a-f]{8}$`).MatchString(id) || strings.Contains(id, "__") {
			t.Errorf("ident(%q) = %q", text, id)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("ident(%q) = ident(%q) = %q", text, other, id)
		}
		seen[id] = text
	}
}

func TestCell(t *testing.T) {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	set.Service("web").AllowFrom("client").TCP(8080).HTTP("GET", "/")
	set.Service("client").DenyTo(policy.CIDR("192.0.2.0/24")).TCP(80)
	set.Service("batch").Audit().DefaultDeny()
	set.Service("resolver").WithoutDNS().AllowTo(policy.FQDN("api.example.com")).TCP(443)
	m := model(t, set)

	pod := func(app string) policy.Endpoint {
		return policy.Endpoint{Kind: policy.EndpointPod, Namespace: "shop", Labels: map[string]string{"app": app}}
	}
	addr := policy.Endpoint{Kind: policy.EndpointExternal, IP: mustAddr("192.0.2.1")}
	dns := policy.Endpoint{Kind: policy.EndpointPod, Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}}
	probes := []policy.Probe{{Protocol: policy.TCP, Port: 53}, {Protocol: policy.TCP, Port: 80}, {Protocol: policy.TCP, Port: 8080}, {Protocol: policy.UDP, Port: 53}}

	for _, c := range []struct {
		name     string
		from, to policy.Endpoint
		want     string
	}{
		{"unrestricted", pod("other"), pod("other"), "all"},
		{"all but the denied port", pod("client"), addr, "all but TCP/80"},
		{"L7-restricted", pod("client"), pod("web"), "TCP/8080 (HTTP)"},
		{"nothing", pod("other"), pod("web"), "—"},
		{"no policy at either end", addr, addr, "·"},
		{"audit mode", pod("batch"), dns, "TCP/53, UDP/53; audit-denied: TCP/80, TCP/8080"},
		{"audit mode, outwards", pod("batch"), pod("other"), "audit-denied: all"},
		{"audit mode all", pod("other"), pod("batch"), "audit-denied: all"},
		{"DNS lookups", pod("resolver"), dns, "TCP/53 (DNS), UDP/53 (DNS)"},
	} {
		if got := newJudge(m).cell(c.from, c.to, probes); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// checkMermaid checks the structure of a Mermaid flowchart as Mermaid reads it: one
// statement a line, balanced subgraphs, edges and styles that refer to what is declared,
// labels that decode to the graph's text, and edge styles that match the edges' kinds.
func checkMermaid(t *testing.T, text string, g *graph) {
	t.Helper()
	var (
		subgraph  = regexp.MustCompile(`^  subgraph (\w+)\["([^"]*)"\]$`)
		node      = regexp.MustCompile(`^ +(n_\w+)(\["|\[\["|\(\[")([^"]*)("\]|"\]\]|"\]\))$`)
		edge      = regexp.MustCompile(`^  (\w+) (-->|-\.->)\|"([^"]*)"\| (\w+)$`)
		linkStyle = regexp.MustCompile(`^  linkStyle ([0-9,]+) (\S.*)$`)
		classDef  = regexp.MustCompile(`^  classDef (\w+) (\S.*)$`)
		class     = regexp.MustCompile(`^  class ([\w,]+) (\w+)$`)
		closing   = map[string]string{`["`: `"]`, `[["`: `"]]`, `(["`: `"])`}
	)
	lines := strings.Split(text, "\n")
	if lines[0] != "flowchart LR" || lines[len(lines)-1] != "" {
		t.Fatalf("want a flowchart ending in a newline, got\n%s", text)
	}
	ids, nodeIDs := map[string]bool{}, map[string]bool{}
	var nodes, edges int
	var group *group
	styled, classes := map[int]string{}, map[string]bool{}
	for _, l := range lines[1 : len(lines)-1] {
		if l == "  end" {
			if group == nil {
				t.Errorf("end outside a subgraph")
			}
			group = nil
			continue
		}
		if m := subgraph.FindStringSubmatch(l); m != nil {
			if group != nil {
				t.Errorf("nested subgraph %q", l)
			}
			group = findGroup(g, m[1])
			if ids[m[1]] || group == nil || !slices.Equal(decodeMermaid(t, m[2]), []string{group.title}) {
				t.Errorf("subgraph %q does not draw a group of the graph once", l)
			}
			ids[m[1]] = true
			continue
		}
		if m := node.FindStringSubmatch(l); m != nil {
			if closing[m[2]] != m[4] {
				t.Errorf("node shape opens with %s and closes with %s", m[2], m[4])
			}
			if ids[m[1]] || nodes >= len(g.nodes) || g.nodes[nodes].id != m[1] || g.nodes[nodes].group != group ||
				!slices.Equal(decodeMermaid(t, m[3]), plain(g.nodes[nodes].label())) {
				t.Errorf("node %q does not draw node %d of the graph once, in its group", l, nodes)
			}
			ids[m[1]], nodeIDs[m[1]] = true, true
			nodes++
			continue
		}
		if group != nil {
			t.Errorf("unexpected in a subgraph: %q", l)
		}
		if m := edge.FindStringSubmatch(l); m != nil {
			if !nodeIDs[m[1]] || !nodeIDs[m[4]] {
				t.Errorf("edge %q between undeclared nodes", l)
			}
			if edges >= len(g.edges) {
				t.Fatalf("more edges than in the graph: %q", l)
			}
			e := g.edges[edges]
			if e.from.id != m[1] || e.to.id != m[4] || !slices.Equal(decodeMermaid(t, m[3]), plain(e.lines)) ||
				(m[2] == "-->") != (e.kind == edgeAllow) {
				t.Errorf("edge %q does not draw edge %d of the graph", l, edges)
			}
			edges++
			continue
		}
		if m := linkStyle.FindStringSubmatch(l); m != nil {
			for _, s := range strings.Split(m[1], ",") {
				i, _ := strconv.Atoi(s)
				if _, dup := styled[i]; dup || i >= edges {
					t.Errorf("linkStyle of edge %d, of %d edges, or styled twice", i, edges)
				}
				styled[i] = m[2]
			}
			continue
		}
		if m := classDef.FindStringSubmatch(l); m != nil {
			classes[m[1]] = true
			continue
		}
		if m := class.FindStringSubmatch(l); m != nil {
			if !classes[m[2]] {
				t.Errorf("class %s used before its classDef", m[2])
			}
			for _, id := range strings.Split(m[1], ",") {
				if !nodeIDs[id] {
					t.Errorf("class of undeclared node %s", id)
				}
			}
			continue
		}
		t.Errorf("not a statement of ours: %q", l)
	}
	if group != nil {
		t.Errorf("subgraph %s is not closed", group.id)
	}
	if nodes != len(g.nodes) || edges != len(g.edges) {
		t.Errorf("drew %d nodes and %d edges of %d and %d", nodes, edges, len(g.nodes), len(g.edges))
	}
	for i, e := range g.edges {
		if styled[i] != edgeStyle(e) {
			t.Errorf("edge %d (%v) has style %q, want %q", i, e.lines, styled[i], edgeStyle(e))
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func findGroup(g *graph, id string) *group {
	for _, gr := range g.groups {
		if gr.id == id {
			return gr
		}
	}
	return nil
}

// plain is what label lines read as once drawn: control characters are spaces.
func plain(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Map(noControl, l)
	}
	return out
}

// decodeMermaid reads a quoted Mermaid label as Mermaid renders it: "<br/>" breaks lines
// and "#name;" or "#123;" is a character. Every '#' must start one of those.
func decodeMermaid(t *testing.T, s string) []string {
	t.Helper()
	named := map[string]string{"quot": `"`, "amp": "&", "lt": "<", "gt": ">"}
	entity := regexp.MustCompile(`#(\w+);`)
	if strings.Contains(entity.ReplaceAllString(s, ""), "#") {
		t.Errorf("label %q has a '#' that starts no entity", s)
	}
	for _, c := range []string{`"`, "`", "%", "|", "<", ">"} {
		if strings.Contains(strings.ReplaceAll(s, "<br/>", ""), c) {
			t.Errorf("label %q has %q unescaped", s, c)
		}
	}
	lines := strings.Split(s, "<br/>")
	for i, l := range lines {
		lines[i] = entity.ReplaceAllStringFunc(l, func(e string) string {
			name := e[1 : len(e)-1]
			if n, err := strconv.Atoi(name); err == nil {
				return string(rune(n))
			}
			if v, ok := named[name]; ok {
				return v
			}
			t.Errorf("unknown entity %s", e)
			return e
		})
	}
	return lines
}

// checkDOT checks the structure of a DOT graph: one statement a line, balanced clusters,
// and labels that decode to the graph's text.
func checkDOT(t *testing.T, text string, g *graph) {
	t.Helper()
	const str = `("(?:[^"\\]|\\.)*")`
	var (
		cluster  = regexp.MustCompile(`^  subgraph "(cluster_\w+)" \{$`)
		label    = regexp.MustCompile(`^    label=` + str + `;$`)
		node     = regexp.MustCompile(`^ +"(n_\w+)" \[label=` + str + `(, [a-z]+=(?:[\w.]+|"[^"]*"))*\];$`)
		edge     = regexp.MustCompile(`^  "(n_\w+)" -> "(n_\w+)" \[label=` + str + `(, [a-z]+=\w+)*\];$`)
		preamble = []string{"digraph netintent {", "  rankdir=LR;",
			`  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];`,
			`  edge [fontname="Helvetica", fontsize=9];`}
	)
	lines := strings.Split(text, "\n")
	if !slices.Equal(lines[:len(preamble)], preamble) || !slices.Equal(lines[len(lines)-2:], []string{"}", ""}) {
		t.Fatalf("unexpected frame:\n%s", text)
	}
	var nodes, edges int
	var group *group
	declared := map[string]bool{}
	for _, l := range lines[len(preamble) : len(lines)-2] {
		if m := cluster.FindStringSubmatch(l); m != nil {
			if group != nil {
				t.Errorf("nested cluster %q", l)
			}
			group = findGroup(g, strings.TrimPrefix(m[1], "cluster_"))
			if group == nil {
				t.Fatalf("cluster %q draws no group", l)
			}
			continue
		}
		if m := label.FindStringSubmatch(l); m != nil && group != nil {
			if !slices.Equal(decodeDOT(t, m[1]), []string{group.title}) {
				t.Errorf("cluster label %q, want %q", l, group.title)
			}
			continue
		}
		if l == "    style=rounded;" || l == "    color=gray50;" {
			continue
		}
		if l == "  }" && group != nil {
			group = nil
			continue
		}
		if m := node.FindStringSubmatch(l); m != nil {
			if nodes >= len(g.nodes) || g.nodes[nodes].id != m[1] || g.nodes[nodes].group != group ||
				!slices.Equal(decodeDOT(t, m[2]), plain(g.nodes[nodes].label())) {
				t.Errorf("node %q does not draw node %d of the graph in its group", l, nodes)
			}
			declared[m[1]] = true
			nodes++
			continue
		}
		if m := edge.FindStringSubmatch(l); m != nil && group == nil {
			if edges >= len(g.edges) {
				t.Fatalf("more edges than in the graph: %q", l)
			}
			e := g.edges[edges]
			if !declared[m[1]] || !declared[m[2]] || e.from.id != m[1] || e.to.id != m[2] ||
				!slices.Equal(decodeDOT(t, m[3]), plain(e.lines)) ||
				strings.Contains(l, "style=dashed, color=red") != (e.kind == edgeDeny) {
				t.Errorf("edge %q does not draw edge %d of the graph", l, edges)
			}
			edges++
			continue
		}
		t.Errorf("not a statement of ours: %q", l)
	}
	if group != nil {
		t.Errorf("cluster %s is not closed", group.id)
	}
	if nodes != len(g.nodes) || edges != len(g.edges) {
		t.Errorf("drew %d nodes and %d edges of %d and %d", nodes, edges, len(g.nodes), len(g.edges))
	}
}

// decodeDOT reads a quoted DOT label as Graphviz draws it: lines broken at \n, \\ and \"
// standing for \ and ", and &amp; for &.
func decodeDOT(t *testing.T, quoted string) []string {
	t.Helper()
	var b strings.Builder
	s := quoted[1 : len(quoted)-1]
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '\\', '"':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		default:
			t.Errorf("label %s has escape \\%c", quoted, s[i])
		}
	}
	text := b.String()
	if strings.Contains(strings.ReplaceAll(text, "&amp;", ""), "&") {
		t.Errorf("label %s has an '&' that Graphviz would read as an entity", quoted)
	}
	return strings.Split(strings.ReplaceAll(text, "&amp;", "&"), "\n")
}

// checkGraphviz compares the text Graphviz drew (dot -Tjson) with the graph's labels.
func checkGraphviz(t *testing.T, out []byte, g *graph) {
	t.Helper()
	type draw struct {
		Op   string `json:"op"`
		Text string `json:"text"`
	}
	var drawn struct {
		Objects []struct {
			Name  string `json:"name"`
			Label []draw `json:"_ldraw_"`
		} `json:"objects"`
		Edges []struct {
			Tail  int    `json:"tail"`
			Head  int    `json:"head"`
			Label []draw `json:"_ldraw_"`
		} `json:"edges"`
	}
	if err := json.Unmarshal(out, &drawn); err != nil {
		t.Fatal(err)
	}
	texts := func(ds []draw) []string {
		var out []string
		for _, d := range ds {
			if d.Op == "T" {
				out = append(out, d.Text)
			}
		}
		return out
	}
	want := map[string][]string{}
	for _, gr := range g.groups {
		want["cluster_"+gr.id] = []string{gr.title}
	}
	for _, n := range g.nodes {
		want[n.id] = plain(n.label())
	}
	for _, o := range drawn.Objects {
		if got := texts(o.Label); !slices.Equal(got, want[o.Name]) {
			t.Errorf("Graphviz drew %s as %q, want %q", o.Name, got, want[o.Name])
		}
		delete(want, o.Name)
	}
	if len(want) > 0 {
		t.Errorf("Graphviz did not draw %v", want)
	}
	var gotEdges, wantEdges []string
	for _, e := range drawn.Edges {
		gotEdges = append(gotEdges, fmt.Sprintf("%s -> %s %q", drawn.Objects[e.Tail].Name, drawn.Objects[e.Head].Name, texts(e.Label)))
	}
	for _, e := range g.edges {
		wantEdges = append(wantEdges, fmt.Sprintf("%s -> %s %q", e.from.id, e.to.id, plain(e.lines)))
	}
	slices.Sort(gotEdges)
	slices.Sort(wantEdges)
	if !slices.Equal(gotEdges, wantEdges) {
		t.Errorf("Graphviz drew edges\n%s\nwant\n%s", strings.Join(gotEdges, "\n"), strings.Join(wantEdges, "\n"))
	}
}

// splitRow splits a Markdown table row at its unescaped pipes.
func splitRow(row string) []string {
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row):
			cur.WriteString(row[i : i+2])
			i++
		case row[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return cells[1:] // before the leading pipe
}

// mdUnescape reads Markdown text with backslash escapes.
func mdUnescape(s string) string {
	return regexp.MustCompile(`\\(.)`).ReplaceAllString(s, "$1")
}

// TestNilModel checks that a nil Model is drawn as one without policies.
func TestNilModel(t *testing.T) {
	empty := &policy.Model{}
	for name, draw := range map[string]func(*policy.Model) string{
		"Mermaid":   Mermaid,
		"DOT":       DOT,
		"Matrix":    func(m *policy.Model) string { return Matrix(m, nil) },
		"MatrixFor": func(m *policy.Model) string { return MatrixFor(m, nil, nil) },
	} {
		if got, want := draw(nil), draw(empty); got != want {
			t.Errorf("%s(nil):\n%s\nwant, as for a Model without policies:\n%s", name, got, want)
		}
	}
}
