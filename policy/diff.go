package policy

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/netintent/netintent/internal/render"
)

// Change is what changing one Set into another does to traffic, for review: the policies
// that change, in the order to roll them out, the objects that change in each backend
// asked for, and the flows of the two Sets' merged Universe whose verdict changes.
type Change struct {
	// Policies are the policies added, removed or changed (labels and annotations
	// included), in rollout order: additions and changes by ascending Stage, then removals
	// by descending Stage. A backend maps each to the objects it creates, updates or
	// deletes, and keeps the order.
	Policies []PolicyChange
	// Objects are the objects that the change creates, updates or deletes in each backend
	// given to Diff (none for DiffModels), backend by backend in the order the backends
	// were given. Within a backend, creates and updates come in the new objects' rollout
	// order, then deletes in the reverse of the old objects' rollout order: a namespace's
	// defaults are deleted before the narrower policies of its pods, a tier after the
	// policies in it.
	Objects []ObjectChange
	// Opened are flows denied before and allowed after; Closed the reverse.
	Opened, Closed []FlowChange
	// Audit are flows whose enforced verdict stays but whose audit verdict changes: an
	// audit-mode policy now would (or would no longer) deny them.
	Audit []FlowChange
	// Endpoints and Probes give the size of the merged Universe the flows were drawn from.
	Endpoints, Probes int
}

// PolicyChange is one policy that the change adds, removes or modifies.
type PolicyChange struct {
	// Name is "namespace/name", or "name" for cluster and host policies.
	Name string
	// Old is nil for an added policy, New for a removed one.
	Old, New *Policy
	// Stage is New's rollout stage, or Old's for a removal.
	Stage RolloutStage
}

// Kind is "added", "removed" or "changed".
func (c PolicyChange) Kind() string {
	switch {
	case c.Old == nil:
		return "added"
	case c.New == nil:
		return "removed"
	default:
		return "changed"
	}
}

// FlowChange is one flow whose verdict changes.
type FlowChange struct {
	// From and To are the names of Universe samples ("pod:shop/app=web", "ip:192.0.2.1").
	From, To string
	// Probe is the traffic ("TCP/8080", "ICMPv4/8").
	Probe string
	// Before and After are the verdicts of the old and the new Set.
	Before, After Verdict
}

// ObjectOp is what a change does to one object of a backend.
type ObjectOp string

// The operations on objects.
const (
	ObjectCreate ObjectOp = "create"
	ObjectUpdate ObjectOp = "update"
	ObjectDelete ObjectOp = "delete"
)

// ObjectChange is one object that a change creates, updates or deletes in a backend.
// An object is identified by apiVersion, kind, namespace and name; it is updated when its
// YAML differs.
type ObjectChange struct {
	// Backend is the backend that emits the object (Backend.Name).
	Backend string
	// Op is what the change does to the object.
	Op ObjectOp
	// APIVersion, Kind, Namespace and Name identify the object; Namespace is empty for a
	// cluster-scoped object.
	APIVersion, Kind, Namespace, Name string
	// Stage is the object's RolloutStageAnnotation, a RolloutStage's String: the new
	// object's, or the old one's for a delete. It is empty for objects that precede every
	// stage (Calico tiers).
	Stage string
	// Old and New are the object's YAML before and after the change, as rendered output
	// has it; Old is nil for a create, New for a delete.
	Old, New []byte
}

// object names the object as "Kind namespace/name" or "Kind name".
func (c ObjectChange) object() string {
	if c.Namespace != "" {
		return c.Kind + " " + c.Namespace + "/" + c.Name
	}
	return c.Kind + " " + c.Name
}

// Diff validates both Sets and compares them: the policies and flows that change (see
// DiffModels) and, for each of backends, the objects the change creates, updates and
// deletes in that backend (see Change.Objects). The error wraps the *ValidationError of
// the Set that is invalid, the old one first, or else the first error of a backend,
// naming the backend and the Set.
func Diff(old, new *Set, backends ...Backend) (*Change, error) {
	if old == nil || new == nil {
		return nil, errors.New("policy: Diff needs two Sets, got nil")
	}
	om, err := old.Model()
	if err != nil {
		return nil, fmt.Errorf("old set: %w", err)
	}
	nm, err := new.Model()
	if err != nil {
		return nil, fmt.Errorf("new set: %w", err)
	}
	var objects []ObjectChange
	names := map[string]bool{}
	for i, b := range backends {
		if b == nil {
			return nil, fmt.Errorf("policy: Diff: backends[%d] is nil", i)
		}
		// Objects are told apart by backend name, so one name must mean one backend.
		if names[b.Name()] {
			return nil, fmt.Errorf("policy: Diff: backends[%d] is a second %s backend", i, b.Name())
		}
		names[b.Name()] = true
		changes, err := objectChanges(b, old, new)
		if err != nil {
			return nil, err
		}
		objects = append(objects, changes...)
	}
	c := DiffModels(om, nm)
	c.Objects = objects
	return c, nil
}

// compiledObject is one object a backend emits for a Set, with its identity and YAML.
type compiledObject struct {
	change ObjectChange // Backend, identity and Stage
	yaml   []byte
}

// id is the identity of the object: apiVersion, kind, namespace and name.
func (o compiledObject) id() [4]string {
	return [4]string{o.change.APIVersion, o.change.Kind, o.change.Namespace, o.change.Name}
}

// compile returns the objects b emits for set, which is the "old" or "new" set, in b's
// order.
func compile(b Backend, set *Set, which string) ([]compiledObject, error) {
	backend := b.Name()
	res, err := b.Compile(set)
	if err != nil {
		return nil, fmt.Errorf("%s: compiling the %s set: %w", backend, which, err)
	}
	objs := res.Objects()
	out := make([]compiledObject, len(objs))
	seen := make(map[[4]string]bool, len(objs))
	for i, obj := range objs {
		if v := reflect.ValueOf(obj); obj == nil || v.Kind() == reflect.Pointer && v.IsNil() {
			return nil, fmt.Errorf("%s: compiling the %s set: object %d is nil", backend, which, i)
		}
		y, err := render.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("%s: compiling the %s set: %w", backend, which, err)
		}
		apiVersion, kind := obj.GetObjectKind().GroupVersionKind().ToAPIVersionAndKind()
		o := compiledObject{change: ObjectChange{Backend: backend, APIVersion: apiVersion, Kind: kind,
			Namespace: obj.GetNamespace(), Name: obj.GetName(), Stage: obj.GetAnnotations()[RolloutStageAnnotation]}, yaml: y}
		if seen[o.id()] {
			return nil, fmt.Errorf("%s: compiling the %s set: two objects are %s %s", backend, which, apiVersion, o.change.object())
		}
		seen[o.id()] = true
		out[i] = o
	}
	return out, nil
}

// objectChanges compiles both Sets with b and lists the objects that differ, in the order
// Change.Objects documents.
func objectChanges(b Backend, old, new *Set) ([]ObjectChange, error) {
	before, err := compile(b, old, "old")
	if err != nil {
		return nil, err
	}
	after, err := compile(b, new, "new")
	if err != nil {
		return nil, err
	}
	previous := make(map[[4]string][]byte, len(before))
	for _, o := range before {
		previous[o.id()] = o.yaml
	}
	var out []ObjectChange
	kept := make(map[[4]string]bool, len(after))
	for _, o := range after {
		kept[o.id()] = true
		c := o.change
		prev, existed := previous[o.id()]
		switch {
		case !existed:
			c.Op = ObjectCreate
		case bytes.Equal(prev, o.yaml):
			continue
		default:
			c.Op, c.Old = ObjectUpdate, prev
		}
		c.New = o.yaml
		out = append(out, c)
	}
	for _, o := range slices.Backward(before) {
		if !kept[o.id()] {
			c := o.change
			c.Op, c.Old = ObjectDelete, o.yaml
			out = append(out, c)
		}
	}
	return out, nil
}

// DiffModels compares the policies and flows of two models (not their objects, which only
// a backend knows: see Diff) over their merged Universe: the Universe of a model
// holding both models' policies and DNS services, so that every sample and probe either
// model needs is present once, with one set of pod addresses and named ports. A pod's
// namespace labels are those its namespace has in the model judging it, when that model
// declares the namespace, and otherwise those the other model declares: each Set judges
// the cluster as it describes it.
//
// Not every flow is judged. An end of a flow is judged only by the policies selecting it,
// so a flow can change only at an end that a changed policy selects (in either model), or
// whose namespace labels changed. At such an end, when its isolation and DNS allowance
// stay the same and no tiered policy of it changed, only flows that a rule of a changed
// policy matches can change, and only those are judged; otherwise every flow with that
// end is. A change of the DNS service or of the tiers makes every flow a candidate. The
// cost is about (changed rules × the samples they match × probes), and (affected samples ×
// samples × probes) where isolation changes.
//
// A nil model stands for one without namespaces, tiers or policies, with the other's
// service label and DNS service: the change from (or to) nothing.
func DiffModels(old, new *Model) *Change {
	switch {
	case old == nil && new == nil:
		old, new = &Model{}, &Model{}
	case old == nil:
		old = &Model{ServiceLabel: new.ServiceLabel, DNS: new.DNS, DNSPorts: new.DNSPorts}
	case new == nil:
		new = &Model{ServiceLabel: old.ServiceLabel, DNS: old.DNS, DNSPorts: old.DNSPorts}
	}
	u := mergedUniverse(old, new)
	d := &differ{u: u, old: old, new: new, ov: modelView(u.Endpoints, old), nv: modelView(u.Endpoints, new),
		oj: newJudge(old), nj: newJudge(new), seen: map[[3]int]bool{}}
	d.oi, d.ni = newSampleIndex(d.ov, old.ServiceLabel), newSampleIndex(d.nv, new.ServiceLabel)
	c := &Change{Endpoints: len(u.Endpoints), Probes: len(u.Probes), Policies: policyChanges(old, new)}
	d.changed = map[string]bool{}
	for _, pc := range c.Policies {
		d.changed[pc.Name] = true
	}
	global := !reflect.DeepEqual(old.DNS, new.DNS) || !reflect.DeepEqual(old.DNSPorts, new.DNSPorts) ||
		!reflect.DeepEqual(old.Tiers, new.Tiers)
	for _, a := range d.affected(c.Policies, global) {
		relabelled := !reflect.DeepEqual(d.ov[a].NamespaceLabels, d.nv[a].NamespaceLabels)
		for _, dir := range []Direction{Egress, Ingress} {
			d.end(c, a, dir, global || relabelled)
		}
	}
	for _, fs := range [][]FlowChange{c.Opened, c.Closed, c.Audit} {
		sort.Slice(fs, func(i, j int) bool {
			a, b := fs[i], fs[j]
			if a.From != b.From {
				return a.From < b.From
			}
			if a.To != b.To {
				return a.To < b.To
			}
			return a.Probe < b.Probe
		})
	}
	return c
}

// differ holds what DiffModels needs: the merged Universe seen by each model (ov, nv),
// a judge and a sample index per model, the names of changed policies, and the flows
// judged so far (by sample, sample and probe index).
type differ struct {
	u        *Universe
	old, new *Model
	ov, nv   []Sample
	oj, nj   *judge
	oi, ni   *sampleIndex
	changed  map[string]bool
	seen     map[[3]int]bool
}

// affected returns every sample if global is set, else the samples that a changed policy
// selects in either model, or whose namespace labels differ between the models.
func (d *differ) affected(changes []PolicyChange, global bool) []int {
	has := map[int]bool{}
	for i := range d.ov {
		if global || !reflect.DeepEqual(d.ov[i].NamespaceLabels, d.nv[i].NamespaceLabels) {
			has[i] = true
		}
	}
	for _, c := range changes {
		if c.Old != nil {
			for _, i := range d.oi.subjectSamples(c.Old.Subject) {
				has[i] = true
			}
		}
		if c.New != nil {
			for _, i := range d.ni.subjectSamples(c.New.Subject) {
				has[i] = true
			}
		}
	}
	out := make([]int, 0, len(has))
	for i := range has {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// end judges, before and after, the flows whose verdict at sample a, for direction dir,
// may change: all of them when all is set or a's isolation, DNS allowance or tiered
// policies change; else those a rule of a changed policy selecting a matches.
func (d *differ) end(c *Change, a int, dir Direction, all bool) {
	before, after := d.oj.policies(d.ov[a]), d.nj.policies(d.nv[a])
	all = all || endSignature(before, dir) != endSignature(after, dir)
	type version struct {
		p   *Policy
		idx *sampleIndex
	}
	var rules []version
	for _, v := range []struct {
		ps  []*Policy
		idx *sampleIndex
	}{{before, d.oi}, {after, d.ni}} {
		for _, p := range v.ps {
			if d.changed[policyName(p)] {
				all = all || p.Tier != ""
				rules = append(rules, version{p, v.idx})
			}
		}
	}
	if all {
		for e := range d.u.Endpoints {
			for pi := range d.u.Probes {
				d.judge(c, a, e, pi, dir)
			}
		}
		return
	}
	for _, v := range rules {
		for _, r := range v.p.Rules(dir) {
			for _, e := range d.peers(v.idx, r) {
				for pi, pr := range d.u.Probes {
					from, to := v.idx.all[a], v.idx.all[e]
					if dir == Ingress {
						from, to = to, from
					}
					if r.trafficMatches(pr.flow(from.Endpoint, to.Endpoint)) {
						d.judge(c, a, e, pi, dir)
					}
				}
			}
		}
	}
}

// peers returns the samples that a peer of r matches.
func (d *differ) peers(idx *sampleIndex, r Rule) []int {
	var out []int
	for _, peer := range r.Peers {
		for _, i := range idx.peerCandidates(peer) {
			if idx.matches(peer, i) {
				out = append(out, i)
			}
		}
	}
	return out
}

// endSignature summarizes what decides an end's flows besides its rules: whether its
// untiered policies isolate direction dir and keep DNS open, enforced and with audit
// policies.
func endSignature(ps []*Policy, dir Direction) [4]bool {
	var sig [4]bool
	for _, p := range ps {
		if p.Tier != "" {
			continue
		}
		for k, counts := range []bool{p.Mode == Enforce, true} {
			if counts {
				sig[k] = sig[k] || p.Isolates(dir)
				sig[k+2] = sig[k+2] || dir == Egress && p.DNS
			}
		}
	}
	return sig
}

// judge records the flow between samples a and e (a is the source for egress) on probe
// pi if its verdict changes.
func (d *differ) judge(c *Change, a, e, pi int, dir Direction) {
	from, to := a, e
	if dir == Ingress {
		from, to = e, a
	}
	k := [3]int{from, to, pi}
	if from == to || d.seen[k] || !judged(d.u.Endpoints[from].Endpoint) && !judged(d.u.Endpoints[to].Endpoint) {
		return
	}
	d.seen[k] = true
	pr := d.u.Probes[pi]
	before := d.oj.verdict(d.ov[from], d.ov[to], pr.flow(d.ov[from].Endpoint, d.ov[to].Endpoint))
	after := d.nj.verdict(d.nv[from], d.nv[to], pr.flow(d.nv[from].Endpoint, d.nv[to].Endpoint))
	fc := FlowChange{From: d.u.Endpoints[from].Name, To: d.u.Endpoints[to].Name, Probe: pr.String(), Before: before, After: after}
	switch {
	case !before.Allowed && after.Allowed:
		c.Opened = append(c.Opened, fc)
	case before.Allowed && !after.Allowed:
		c.Closed = append(c.Closed, fc)
	case before.Allowed && before.AuditDenied != after.AuditDenied:
		c.Audit = append(c.Audit, fc)
	}
}

// mergedUniverse samples both models at once.
func mergedUniverse(old, new *Model) *Universe {
	m := &Model{ServiceLabel: new.ServiceLabel, DNS: new.DNS, DNSPorts: new.DNSPorts}
	labels := map[string]map[string]string{}
	for _, ns := range append(append([]NamespaceInfo(nil), old.Namespaces...), new.Namespaces...) {
		if labels[ns.Name] == nil {
			labels[ns.Name] = map[string]string{}
		}
		for k, v := range ns.Labels {
			labels[ns.Name][k] = v
		}
	}
	for name, l := range labels {
		m.Namespaces = append(m.Namespaces, NamespaceInfo{Name: name, Labels: l})
	}
	sort.Slice(m.Namespaces, func(i, j int) bool { return m.Namespaces[i].Name < m.Namespaces[j].Name })
	m.Policies = append(append([]*Policy(nil), old.Policies...), new.Policies...)
	if !reflect.DeepEqual(old.DNS, new.DNS) || !reflect.DeepEqual(old.DNSPorts, new.DNSPorts) {
		// The old DNS service and ports, as a rule the Universe samples.
		m.Policies = append(m.Policies, &Policy{Subject: Subject{Scope: ScopeHost},
			Egress: []Rule{{Action: Allow, Peers: []Peer{old.DNS}, Ports: old.DNSPorts}}})
	}
	return m.Universe()
}

// modelView returns the samples with the namespace labels m declares, or else those other
// declares (the Universe's).
func modelView(samples []Sample, m *Model) []Sample {
	declared := map[string]map[string]string{}
	for _, ns := range m.Namespaces {
		declared[ns.Name] = ns.Labels
	}
	out := make([]Sample, len(samples))
	for i, s := range samples {
		if l, ok := declared[s.Namespace]; ok && s.Kind == EndpointPod && s.Cluster == "" {
			s.NamespaceLabels = l
		}
		out[i] = s
	}
	return out
}

// policyChanges lists the policies that differ, in rollout order.
func policyChanges(old, new *Model) []PolicyChange {
	before := map[string]*Policy{}
	for _, p := range old.Policies {
		before[policyName(p)] = p
	}
	var applies, removals []PolicyChange
	after := map[string]bool{}
	for _, p := range new.Policies {
		name := policyName(p)
		after[name] = true
		o := before[name]
		if o != nil && samePolicy(o, p) && old.RolloutStage(o) == new.RolloutStage(p) {
			continue
		}
		applies = append(applies, PolicyChange{Name: name, Old: o, New: p, Stage: new.RolloutStage(p)})
	}
	for _, p := range old.Policies {
		if name := policyName(p); !after[name] {
			removals = append(removals, PolicyChange{Name: name, Old: p, Stage: old.RolloutStage(p)})
		}
	}
	sort.SliceStable(applies, func(i, j int) bool {
		return rolloutLess(applies[i].Stage, applies[i].New, applies[j].Stage, applies[j].New)
	})
	sort.SliceStable(removals, func(i, j int) bool {
		return rolloutLess(removals[i].Stage, removals[i].Old, removals[j].Stage, removals[j].Old)
	})
	slices.Reverse(removals)
	return append(applies, removals...)
}

// samePolicy reports whether a and b say the same, apart from their Isolators and
// Inherits: those are policies of their own Model, compared there, and what a policy
// inherits from them is in its rules.
func samePolicy(a, b *Policy) bool {
	x, y := *a, *b
	x.Isolators, y.Isolators, x.Inherits, y.Inherits = nil, nil, nil, nil
	return reflect.DeepEqual(&x, &y)
}

// hasCatchAll reports whether a rule matches all traffic from or to anything.
func hasCatchAll(rules []Rule) bool {
	for _, r := range rules {
		for _, peer := range r.Peers {
			if peer.Kind == PeerAny && r.AllTraffic() && !r.HasL7() {
				return true
			}
		}
	}
	return false
}

// tierDefaultAction returns the default action of the named tier of m.
func tierDefaultAction(m *Model, name string) Action {
	for _, t := range m.Tiers {
		if t.Name == name {
			return t.DefaultAction
		}
	}
	return Deny
}

// String renders the change as plain text.
func (c *Change) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s opened, %d closed, %d %s changed (over %d sampled endpoints × %d probes); %d %s changed\n",
		len(c.Opened), noun(len(c.Opened), "flow"), len(c.Closed), len(c.Audit), noun(len(c.Audit), "audit verdict"),
		c.Endpoints, c.Probes, len(c.Policies), noun(len(c.Policies), "policy"))
	if len(c.Policies) > 0 {
		b.WriteString("rollout:\n")
		for i, p := range c.Policies {
			fmt.Fprintf(&b, "  %d. %s %s (%s)\n", i+1, p.Kind(), p.Name, p.Stage)
		}
	}
	for _, g := range c.objectGroups() {
		fmt.Fprintf(&b, "objects (%s):\n", g[0].Backend)
		for i, o := range g {
			fmt.Fprintf(&b, "  %d. %s %s%s\n", i+1, o.Op, o.object(), stageSuffix(o.Stage))
		}
	}
	for _, sec := range c.sections() {
		if len(sec.rows) == 0 {
			continue
		}
		b.WriteString(sec.title + ":\n")
		for _, r := range sec.rows {
			fmt.Fprintf(&b, "  %s → %s %s: %s\n", r.from, r.to, strings.Join(r.probes, ", "), r.now)
		}
	}
	return b.String()
}

// Markdown renders the change for a review comment. At most maxRows rows are listed per
// section (all when maxRows <= 0); a count says how many were left out.
func (c *Change) Markdown(maxRows int) string {
	var b strings.Builder
	b.WriteString("### Network policy change\n\n")
	fmt.Fprintf(&b, "**%d** %s opened, **%d** closed, **%d** %s changed (over %d sampled endpoints × %d probes).\n",
		len(c.Opened), noun(len(c.Opened), "flow"), len(c.Closed), len(c.Audit), noun(len(c.Audit), "audit verdict"), c.Endpoints, c.Probes)
	if len(c.Policies) > 0 {
		b.WriteString("\n| Rollout step | Policy | Change | Stage |\n|---|---|---|---|\n")
		for i, p := range c.Policies {
			fmt.Fprintf(&b, "| %d | `%s` | %s | %s |\n", i+1, p.Name, p.Kind(), p.Stage)
		}
	}
	for _, g := range c.objectGroups() {
		fmt.Fprintf(&b, "\n#### Objects (%s)\n\n| Rollout step | Object | Change | Stage |\n|---|---|---|---|\n", g[0].Backend)
		for i, o := range g {
			if maxRows > 0 && i == maxRows {
				fmt.Fprintf(&b, "\n… and %d more rows.\n", len(g)-maxRows)
				break
			}
			fmt.Fprintf(&b, "| %d | `%s` | %s | %s |\n", i+1, o.object(), o.Op, o.Stage)
		}
	}
	for _, sec := range c.sections() {
		if len(sec.rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n#### %s\n\n| From | To | Probes | %s |\n|---|---|---|---|\n", sec.title, sec.column)
		for i, r := range sec.rows {
			if maxRows > 0 && i == maxRows {
				fmt.Fprintf(&b, "\n… and %d more rows.\n", len(sec.rows)-maxRows)
				break
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", r.from, r.to, strings.Join(r.probes, ", "), markdownCell(r.now))
		}
	}
	return b.String()
}

// objectGroups splits Objects by backend, keeping their order.
func (c *Change) objectGroups() [][]ObjectChange {
	var out [][]ObjectChange
	for i, o := range c.Objects {
		if i == 0 || o.Backend != c.Objects[i-1].Backend {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], o)
	}
	return out
}

// stageSuffix is " (stage)", or nothing for an object without a stage.
func stageSuffix(stage string) string {
	if stage == "" {
		return ""
	}
	return " (" + stage + ")"
}

// noun returns the singular for one, else the plural ("flows", "policies").
func noun(n int, singular string) string {
	switch {
	case n == 1:
		return singular
	case strings.HasSuffix(singular, "y"):
		return strings.TrimSuffix(singular, "y") + "ies"
	default:
		return singular + "s"
	}
}

func markdownCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

type changeSection struct {
	title, column string
	rows          []changeRow
}

type changeRow struct {
	from, to string
	probes   []string
	now      string
}

// sections groups each list's flows by ends and new verdict.
func (c *Change) sections() []changeSection {
	group := func(fs []FlowChange, now func(FlowChange) string) []changeRow {
		var rows []changeRow
		for _, f := range fs {
			n := now(f)
			if k := len(rows) - 1; k >= 0 && rows[k].from == f.From && rows[k].to == f.To && rows[k].now == n {
				rows[k].probes = append(rows[k].probes, f.Probe)
				continue
			}
			rows = append(rows, changeRow{from: f.From, to: f.To, probes: []string{f.Probe}, now: n})
		}
		return rows
	}
	verdict := func(f FlowChange) string { return f.After.String() }
	audit := func(f FlowChange) string {
		if f.After.AuditDenied {
			return "audit: " + f.After.Audit
		}
		return "no longer audit-denied (was: " + f.Before.Audit + ")"
	}
	return []changeSection{
		{title: "Opened", column: "Now", rows: group(c.Opened, verdict)},
		{title: "Closed", column: "Now", rows: group(c.Closed, verdict)},
		{title: "Audit", column: "Audit verdict", rows: group(c.Audit, audit)},
	}
}
