package policy

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/netintent/netintent/internal/render"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// NamespaceNameLabel is the label Kubernetes puts on every namespace, holding its name.
const NamespaceNameLabel = "kubernetes.io/metadata.name"

// ValidationError lists every problem found in a Set, each with its field path.
type ValidationError struct {
	// Errors are the problems, in a stable order.
	Errors field.ErrorList
}

// Error prints one problem per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid policy set (%d problem", len(e.Errors))
	if len(e.Errors) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, fe := range e.Errors {
		b.WriteString("\n  ")
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Unwrap returns the individual problems, for errors.Is and errors.As.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		out[i] = fe
	}
	return out
}

// Model validates the Set and returns its normalized form. Every problem is reported at
// once in a *ValidationError; a nil Set is an error too.
func (s *Set) Model() (*Model, error) { return s.model(runtime.GOMAXPROCS(0)) }

// model is Model with policies built by up to the given number of goroutines.
func (s *Set) model(workers int) (*Model, error) {
	if s == nil {
		return nil, errNilSet
	}
	b := newModelBuilder(s)
	b.errs = append(field.ErrorList(nil), s.errs...)
	m := &Model{ServiceLabel: s.serviceLabel}
	b.options(m)
	m.Tiers = b.tiers()
	var subjects []subjectInfo
	m.Policies, subjects = b.policies(s.sortedWorkloads(), workers)
	m.Namespaces = b.namespaces()
	m.Policies = b.mirror(m.Policies, subjects)
	inherit(m)
	b.finish(m)
	if len(b.errs) > 0 {
		return nil, &ValidationError{Errors: b.errs}
	}
	return m, nil
}

type modelBuilder struct {
	set      *Set
	dns      []Peer // one peer, the DNS service
	dnsPorts []Port
	errs     field.ErrorList
	// validLabels and validSelectors remember values already found valid.
	validLabels    map[string]bool
	validSelectors map[string]bool
	nsLabels       map[string]map[string]string // every namespace declared or referred to
	nsDeclared     map[string]bool              // the namespaces whose labels the Set declares
	nsNames        map[string]string            // the valid names referred to (see namespaceName)
	// sharedNames, read-only, holds one string per namespace of a workload, made before
	// the builders of policies start, so that they use the same strings.
	sharedNames map[string]string
	// validKeys and validValues remember label keys and values already found valid.
	validKeys, validValues map[string]bool
	// keyBuf is scratch space for map keys, which Go looks up without copying them.
	keyBuf []byte
	// scratch is where rule resolves the peers of a rule. Those it does not share (see
	// sharedPeer) go to peers, where it allocates the rest of the policy's peers at once.
	scratch, peers []Peer
	unresolved     int // peers of the policy not yet resolved
	// mirrored collects the mirror sources of a policy by direction; sources is where
	// policy allocates them.
	mirrored [2][]mirrorSource
	sources  []mirrorSource
	// singlePorts holds the port lists of one port, shared by the rules that have them
	// (with no capacity to spare, so that appending to one copies it).
	singlePorts map[Port][]Port
	// services and selectors intern the Model's selectors (see servicePods and intern).
	// sharedServices, read-only, are those of the declared services, made before the
	// builders of policies start (see policies).
	services, sharedServices map[string]*serviceSelector
	selectors                map[string]*metav1.LabelSelector
	// labelKeys is scratch space for sorting a selector's label keys.
	labelKeys []string
}

func newModelBuilder(s *Set) *modelBuilder {
	return &modelBuilder{set: s, nsLabels: map[string]map[string]string{}, nsDeclared: map[string]bool{}, nsNames: map[string]string{},
		validLabels: map[string]bool{}, validSelectors: map[string]bool{}, validKeys: map[string]bool{},
		validValues: map[string]bool{}, singlePorts: map[Port][]Port{},
		services: map[string]*serviceSelector{}, selectors: map[string]*metav1.LabelSelector{}}
}

// policyChunk is how many workloads a builder of policies takes at a time: enough that
// taking them costs nothing in comparison, few enough that builders finish together.
const policyChunk = 64

// policies builds the policies of the workloads, and what mirroring uses of their subjects,
// on up to the given number of goroutines. Each has its own builder, with its
// own caches, that reports the problems of a chunk of consecutive workloads at a time;
// they are reported in the order of the chunks, as if one builder had built every policy
// in order.
func (b *modelBuilder) policies(workloads []*Workload, workers int) ([]*Policy, []subjectInfo) {
	policies := make([]*Policy, len(workloads))
	subjects := make([]subjectInfo, len(workloads))
	// The namespace names, and the selectors and peers of the declared services, are made
	// first, so that the builders share them: most peers name declared services.
	names := map[string]string{}
	shared := make(map[string]*serviceSelector, len(workloads))
	// The names are copied into one string, for the map's keys and the selectors: every
	// peer naming a service compares its name with a key, and backends read the names of
	// the peers they translate, which are then near each other in memory, not wherever
	// the Set's strings are.
	n := 0
	for _, w := range workloads {
		n += len(w.name)
	}
	var all strings.Builder
	all.Grow(n)
	for _, w := range workloads {
		all.WriteString(w.name)
	}
	keys := all.String()
	for _, w := range workloads {
		key := keys[:len(w.name)]
		keys = keys[len(w.name):]
		ns, ok := names[w.namespace]
		if !ok {
			ns = w.namespace
			names[ns] = ns
		}
		if w.kind == kindService && w.selector == nil && shared[key] == nil {
			shared[key] = b.newServiceSelector(key, ns)
		}
	}
	chunks := (len(workloads) + policyChunk - 1) / policyChunk
	errs := make([]field.ErrorList, chunks)
	builders := make([]*modelBuilder, max(1, min(workers, chunks)))
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failure any // the first panic of another goroutine, raised again on this one
	for i := range builders {
		wb := newModelBuilder(b.set)
		wb.dns, wb.dnsPorts, wb.sharedServices, wb.sharedNames = b.dns, b.dnsPorts, shared, names
		builders[i] = wb
		build := func() {
			for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
				wb.errs = nil
				for j := c * policyChunk; j < min(len(workloads), (c+1)*policyChunk); j++ {
					policies[j], subjects[j] = wb.policy(workloads[j])
				}
				errs[c] = wb.errs
			}
		}
		if i == len(builders)-1 {
			build() // on this goroutine
			continue
		}
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					if failure == nil {
						failure = r
					}
					mu.Unlock()
				}
			}()
			build()
		})
	}
	wg.Wait()
	if failure != nil {
		panic(failure) // as if one builder had built every policy, on this goroutine
	}
	for _, e := range errs {
		b.errs = append(b.errs, e...)
	}
	for _, wb := range builders {
		for name := range wb.nsLabels {
			if _, ok := b.nsLabels[name]; !ok {
				b.nsLabels[name] = nil
			}
		}
	}
	return policies, subjects
}

// pathFn returns a field path. Validators call it only to report a problem: almost every
// value is valid, and building the paths of all of them would cost more than checking them.
type pathFn func() *field.Path

// at is the pathFn of a path built already.
func at(p *field.Path) pathFn { return func() *field.Path { return p } }

func (b *modelBuilder) add(errs ...*field.Error) { b.errs = append(b.errs, errs...) }

// addSorted adds errors from validators that iterate over maps (labels, annotations,
// matchLabels), whose order would otherwise change from run to run.
func (b *modelBuilder) addSorted(errs field.ErrorList) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	b.add(errs...)
}

func (b *modelBuilder) options(m *Model) {
	opts := field.NewPath("options")
	b.add(metav1validation.ValidateLabelName(b.set.serviceLabel, opts.Child("serviceLabel"))...)
	if b.set.defaultNamespace != "" {
		b.namespaceName(b.set.defaultNamespace, at(opts.Child("defaultNamespace")))
	}
	dnsPath := opts.Child("dns")
	dns := b.set.dns
	ok, _ := b.peer(nil, Egress, &dns, at(dnsPath.Child("peer")))
	if ok && dns.Kind != PeerPods {
		b.add(field.Invalid(dnsPath.Child("peer"), dns.Kind, "the DNS service must be a pod peer"))
	}
	m.DNS = dns
	m.DNSPorts = b.ports(b.set.dnsPorts, at(dnsPath.Child("ports")))
	b.dns, b.dnsPorts = []Peer{m.DNS}, m.DNSPorts
	if len(m.DNSPorts) == 0 {
		b.add(field.Required(dnsPath.Child("ports"), "the DNS service needs at least one port"))
	}
}

func (b *modelBuilder) tiers() []Tier {
	out := make([]Tier, 0, len(b.set.tiers))
	byOrder := map[float64]string{}
	for _, t := range b.set.tiers {
		out = append(out, Tier{Name: t.name, Order: t.order, DefaultAction: t.defaultAction, Path: t.path})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	for _, t := range out {
		for _, msg := range validation.IsDNS1123Label(t.Name) {
			b.add(field.Invalid(t.Path, t.Name, msg))
		}
		if t.Name == "default" {
			b.add(field.Invalid(t.Path, t.Name, "untiered policies form the default tier; name tiers otherwise"))
		}
		b.finite(t.Path.Child("order"), t.Order)
		if other, dup := byOrder[t.Order]; dup {
			b.add(field.Duplicate(t.Path.Child("order"), fmt.Sprintf("%v (also tier %q): equal orders would be decided by name", t.Order, other)))
		}
		byOrder[t.Order] = t.Name
	}
	return out
}

// finite checks an order: tiers and policies in a tier are evaluated by ascending order,
// which NaN and the infinities do not give.
func (b *modelBuilder) finite(path *field.Path, order float64) {
	if math.IsNaN(order) || math.IsInf(order, 0) {
		b.add(field.Invalid(path, order, "must be a finite number"))
	}
}

// namespaceName checks a namespace name and returns it, as the one string the builder
// keeps for that name: the Model's subjects and peers then share a few namespace
// strings, which compare and hash without reaching into the Set's memory.
func (b *modelBuilder) namespaceName(name string, path pathFn) string {
	if name == "" {
		b.add(field.Required(path(), "a namespace is required (set one or use policy.DefaultNamespace)"))
		return name
	}
	if known, ok := b.nsNames[name]; ok {
		return known
	}
	if !b.dnsLabel(name, path) {
		return name
	}
	if shared, ok := b.sharedNames[name]; ok {
		name = shared
	}
	b.nsNames[name] = name
	b.nsLabels[name] = nil
	return name
}

// dnsLabel reports whether value is a DNS-1123 label, recording the problem if not. Valid
// values are remembered: a large Set names the same services and namespaces many times.
func (b *modelBuilder) dnsLabel(value string, path pathFn) bool {
	if isDNS1123Label(value) || b.validLabels[value] {
		return true
	}
	msgs := validation.IsDNS1123Label(value)
	for _, msg := range msgs {
		b.add(field.Invalid(path(), value, msg))
	}
	if len(msgs) == 0 {
		b.validLabels[value] = true
	}
	return len(msgs) == 0
}

func (b *modelBuilder) selector(sel *metav1.LabelSelector, path pathFn) {
	if isEmptySelector(sel) {
		return // selects everything, and is valid
	}
	if len(sel.MatchExpressions) == 0 && b.validLabelSet(sel.MatchLabels) {
		return
	}
	b.keyBuf = appendSelectorKey(b.keyBuf[:0], sel)
	if b.validSelectors[string(b.keyBuf)] {
		return
	}
	key := string(b.keyBuf)
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path())
	b.addSorted(errs)
	if len(errs) == 0 && len(sel.MatchExpressions) > 0 {
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			b.add(field.Invalid(path(), sel, err.Error()))
			return
		}
	}
	if len(errs) == 0 {
		b.validSelectors[key] = true
	}
}

// validLabelSet reports whether every key and value of labels is valid, which is what
// metav1validation.ValidateLabelSelector checks of a selector without expressions.
func (b *modelBuilder) validLabelSet(labels map[string]string) bool {
	for k, v := range labels {
		if !b.validLabel(k, v) {
			return false
		}
	}
	return true
}

// validLabel reports whether k and v are a valid label key and value.
func (b *modelBuilder) validLabel(k, v string) bool {
	if !b.validKeys[k] {
		if len(validation.IsQualifiedName(k)) > 0 {
			return false
		}
		b.validKeys[k] = true
	}
	if !isLabelValue(v) && !b.validValues[v] {
		if len(validation.IsValidLabelValue(v)) > 0 {
			return false
		}
		b.validValues[v] = true
	}
	return true
}

// isDNS1123Label and isLabelValue accept values that validation.IsDNS1123Label and
// validation.IsValidLabelValue accept, faster than their regular expressions, and without
// a cache whose lookups cost as much on a large Set. They may reject valid values, which
// then go to the validation package.

func isDNS1123Label(s string) bool {
	if len(s) == 0 || len(s) > validation.DNS1123LabelMaxLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' && i > 0 && i < len(s)-1) {
			return false
		}
	}
	return true
}

func isLabelValue(s string) bool {
	if len(s) > validation.LabelValueMaxLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && !((c == '-' || c == '_' || c == '.') && i > 0 && i < len(s)-1) {
			return false
		}
	}
	return true
}

// subjectInfo is what mirroring uses of a policy's subject: what stands for its pods in
// peers, and its key.
type subjectInfo struct {
	// selector is equal to the subject's Pods.
	selector *metav1.LabelSelector
	// service is the selector of the service whose pods they are, if any.
	service *serviceSelector
	// key is appendSubjectKey's, and sources the peers that mirror reads, in the order it
	// reads them (both set by policy).
	key     string
	sources []mirrorSource
}

// subject computes the subject of a workload without reporting problems; policy reports
// them. It leaves the key of the subjectInfo empty.
func (b *modelBuilder) subject(w *Workload) (Subject, subjectInfo) {
	var info subjectInfo
	if w.selector != nil {
		info.selector = selectorPtr(w.selector)
	}
	switch w.kind {
	case kindService, kindPods, kindNamespace:
		s := Subject{Scope: ScopeNamespace, Namespace: w.namespace}
		if info.selector == nil && w.kind == kindService {
			info.service = b.servicePods(w.name, w.namespace)
			s.Service, info.selector = w.name, &info.service.pods
		}
		if info.selector == nil {
			info.selector = new(metav1.LabelSelector)
		}
		s.Pods = *info.selector
		return s, info
	case kindCluster:
		s := Subject{Scope: ScopeCluster}
		if info.selector == nil {
			info.selector = new(metav1.LabelSelector)
		}
		s.Pods = *info.selector
		if w.nsSelector != nil {
			s.NamespaceSelector = selectorPtr(w.nsSelector)
		}
		return s, info
	default:
		s := Subject{Scope: ScopeHost}
		if info.selector != nil {
			s.Nodes = *info.selector
		}
		return s, subjectInfo{}
	}
}

// policy returns the policy of a workload, and what mirroring uses of its subject.
func (b *modelBuilder) policy(w *Workload) (*Policy, subjectInfo) {
	subj, info := b.subject(w)
	p := &Policy{
		Subject:     subj,
		Mode:        w.mode,
		Labels:      copyMap(w.labels),
		Annotations: copyMap(w.annots),
		Path:        w.path,
	}
	if b.set.audit {
		p.Mode = Audit
	}
	child := func(name string) pathFn { return func() *field.Path { return w.path.Child(name) } }
	switch w.kind {
	case kindService:
		p.Subject.Namespace = b.namespaceName(w.namespace, child("namespace"))
		b.dnsLabel(w.name, child("name"))
		p.Name = w.name
	case kindPods:
		p.Subject.Namespace = b.namespaceName(w.namespace, child("namespace"))
		b.dnsLabel(w.name, child("name"))
		if w.selector == nil {
			b.add(field.Required(w.path.Child("selector"), "a pod group needs a selector"))
		}
		p.Name = w.name
	case kindNamespace:
		p.Subject.Namespace = b.namespaceName(w.namespace, child("name"))
		if w.selector != nil {
			b.add(field.Forbidden(w.path.Child("selector"), "namespace defaults apply to all pods of the namespace; use Set.Pods for a subset"))
		}
		p.Name = "namespace-defaults"
	default:
		b.dnsLabel(w.name, child("name"))
		p.Name = w.name
	}
	if w.objName != "" {
		p.Name = w.objName
		b.dnsLabel(w.objName, child("objectName"))
	}
	if info.service == nil || !info.service.valid {
		b.selector(&p.Subject.Pods, child("selector"))
	}
	b.selector(p.Subject.NamespaceSelector, child("namespaceSelector"))
	b.selector(&p.Subject.Nodes, child("selector"))
	if len(p.Labels) > 0 {
		b.addSorted(metav1validation.ValidateLabels(p.Labels, w.path.Child("labels")))
	}
	if len(p.Annotations) > 0 {
		b.addSorted(apivalidation.ValidateAnnotations(p.Annotations, w.path.Child("annotations")))
		for _, k := range slices.Sorted(maps.Keys(p.Annotations)) {
			if strings.HasPrefix(k, ReservedAnnotationPrefix) {
				b.add(field.Forbidden(w.path.Child("annotations").Key(k),
					"annotations under "+ReservedAnnotationPrefix+" are the backends' (the rollout stage, the lossy translations made)"))
			} else if !render.Representable(p.Annotations[k]) {
				b.add(field.Invalid(w.path.Child("annotations").Key(k), p.Annotations[k], unrepresentable))
			}
		}
	}
	if w.tier != "" {
		p.Tier, p.Order = w.tier, w.order
		b.finite(w.path.Child("order"), w.order)
		if _, ok := b.set.tiers[w.tier]; !ok {
			b.add(field.NotFound(w.path.Child("tier"), w.tier))
		}
	}

	isolate := w.isolate
	if w.ingressN > 0 {
		p.Ingress = make([]Rule, 0, w.ingressN)
	}
	if w.egressN > 0 {
		p.Egress = make([]Rule, 0, w.egressN)
	}
	b.peers, b.unresolved = nil, 0
	for _, rb := range w.rules {
		b.unresolved += len(rb.peers)
	}
	b.mirrored[0], b.mirrored[1] = b.mirrored[0][:0], b.mirrored[1][:0]
	for _, rb := range w.rules {
		r, shared, ok := b.rule(p, rb)
		if !ok {
			continue
		}
		if r.Action == Allow {
			isolate[dirIndex(rb.dir)] = true
			if !r.OneSided {
				b.mirrorPeers(rb.dir, len(p.Rules(rb.dir)), r.Peers, shared, rb.sides == bothSides)
			}
		}
		if rb.dir == Ingress {
			p.Ingress = append(p.Ingress, r)
		} else {
			p.Egress = append(p.Egress, r)
		}
	}
	if isolate[0] {
		p.Isolate = append(p.Isolate, Ingress)
	}
	if isolate[1] {
		p.Isolate = append(p.Isolate, Egress)
		p.DNS = !w.noDNS
	}
	if p.DNS {
		// The DNS allowance is an edge to the DNS service like any other: where the
		// service's ingress is isolated, it is mirrored there.
		b.mirrorPeers(Egress, dnsRule, b.dns, nil, false)
	}
	if !p.DNS {
		for _, r := range b.fqdnLookups(p.Egress) {
			b.mirrorPeers(Egress, len(p.Egress), r.Peers, nil, false)
			p.Egress = append(p.Egress, r)
		}
	}
	b.keyBuf = appendSubjectKey(b.keyBuf[:0], &p.Subject, b.set.serviceLabel)
	info.key = string(b.keyBuf)
	// The peers to mirror, ingress first, in a chunk of an array shared by many policies.
	if n := len(b.mirrored[0]) + len(b.mirrored[1]); n > 0 {
		if cap(b.sources)-len(b.sources) < n {
			b.sources = make([]mirrorSource, 0, max(n, 1024))
		}
		start := len(b.sources)
		b.sources = append(append(b.sources, b.mirrored[0]...), b.mirrored[1]...)
		info.sources = b.sources[start:len(b.sources):len(b.sources)]
	}
	return p, info
}

// mirrorPeers records the peers of an allow rule, the i-th of its direction (or dnsRule),
// that mirror reads: the in-cluster peers that name workloads (see namesWorkloads), or
// every in-cluster pod peer when all is set. shared is the service whose shared peer is
// the rule's one peer, if any.
func (b *modelBuilder) mirrorPeers(d Direction, i int, peers []Peer, shared *serviceSelector, all bool) {
	for j := range peers {
		if x := &peers[j]; x.Kind == PeerPods && x.Cluster == "" && (all || namesWorkloads(x)) {
			b.mirrored[dirIndex(d)] = append(b.mirrored[dirIndex(d)], mirrorSource{peer: x, service: shared, rule: int32(i), ingress: d == Ingress})
		}
	}
}

// namesWorkloads reports whether a pod peer names specific workloads (a service or a pod
// selector) rather than whole namespaces: only those peers' sides are derived by
// mirroring. An allow to every pod of some namespaces says nothing about what those
// namespaces' isolated workloads should accept or send. A service account names pods
// that no policy can select (NetworkPolicy selects by labels): their side would have to
// be opened for other pods too, so it is not derived either.
func namesWorkloads(x *Peer) bool {
	return x.ServiceAccount == "" && !isEmptySelector(x.PodSelector)
}

// fqdnLookups returns, for a policy without the general DNS allowance, the DNS lookups its
// FQDN peers need: reaching a name requires resolving it, and engines learn the name's
// addresses from those lookups.
func (b *modelBuilder) fqdnLookups(rules []Rule) []Rule {
	var out []Rule
	for _, r := range rules {
		if r.Action != Allow {
			continue
		}
		var names []string
		for _, p := range r.Peers {
			if p.Kind == PeerFQDN {
				names = append(names, p.FQDN)
			}
		}
		if len(names) > 0 {
			out = append(out, Rule{Action: Allow, Peers: b.dns[:1:1], Ports: b.dnsPorts, DNS: names, Path: r.Path})
		}
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// rule returns the rule that rb builds, and the service whose shared peer is its one peer,
// if any (see sharedPeer).
func (b *modelBuilder) rule(p *Policy, rb *RuleBuilder) (_ Rule, shared *serviceSelector, ok bool) {
	path := rb.path
	before := len(b.errs)
	r := Rule{Action: rb.action, Path: path, OneSided: rb.sides == oneSided}
	if r.OneSided && rb.action != Allow {
		b.add(field.Invalid(path.Child("oneSided"), true, "only an allow is mirrored; a "+strings.ToLower(string(rb.action))+" rule is always one-sided"))
	}
	if rb.action == Pass && p.Tier == "" {
		b.add(field.Forbidden(path.Child("action"), "Pass hands traffic to the next tier; only tiered policies (InTier) can pass"))
	}
	if len(rb.peers) == 0 {
		b.add(field.Required(path.Child("peers"), "name at least one peer (policy.Any() for every peer)"))
	}
	b.scratch = b.scratch[:0]
	for i := range rb.peers {
		b.unresolved--
		if peer := &rb.peers[i]; rb.dir == Ingress && rb.action != Allow && peer.Kind == PeerEntity && peer.Entity == EntityHost {
			b.add(field.Forbidden(path.Child("peers").Index(i), "a pod's own node always reaches it (kubelet probes): NetworkPolicy and Calico never police that traffic and Cilium admits it by default, so a deny or pass of it cannot be expressed"))
			continue
		}
		// Resolved in place: a Peer is large, and most are kept.
		b.scratch = append(b.scratch, rb.peers[i])
		ok, sh := b.peer(p, rb.dir, &b.scratch[len(b.scratch)-1], func() *field.Path { return path.Child("peers").Index(i) })
		if !ok {
			b.scratch = b.scratch[:len(b.scratch)-1]
			continue
		}
		shared = sh
	}
	switch n := len(b.scratch); {
	case n == 1 && shared != nil:
		r.Peers = shared.peer[:]
	case n > 0:
		shared = nil
		// The other peers of the policy's rules share one array, each rule's with no room
		// to grow.
		if cap(b.peers)-len(b.peers) < n {
			b.peers = make([]Peer, 0, n+b.unresolved)
		}
		b.peers = append(b.peers, b.scratch...)
		r.Peers = b.peers[len(b.peers)-n : len(b.peers) : len(b.peers)]
	}
	r.Ports = b.ports(rb.ports, func() *field.Path { return path.Child("ports") })
	for i, m := range rb.icmp {
		b.icmp(m, path.Child("icmp").Index(i))
	}
	for _, m := range rb.icmp {
		if m.Code != nil {
			c := *m.Code
			m.Code = &c
		}
		r.ICMP = append(r.ICMP, m)
	}
	for i, h := range rb.http {
		hp := path.Child("http").Index(i)
		b.http(h, hp)
		if h.PathKind == "" {
			h.PathKind = PathExact
		}
		h.Headers = append([]Header(nil), h.Headers...)
		r.HTTP = append(r.HTTP, h)
	}
	if len(rb.http) > 0 {
		b.l7Ports(rb, r.Ports, path, "http", func(pt Port) bool { return pt.Protocol == TCP })
	}
	for i, d := range rb.dns {
		dp := path.Child("dns").Index(i)
		n, ok := b.fqdn(d, dp)
		if ok {
			r.DNS = append(r.DNS, n)
		}
	}
	if len(rb.dns) > 0 {
		if rb.dir != Egress {
			b.add(field.Forbidden(path.Child("dns"), "DNS lookup rules apply to egress to DNS servers"))
		}
		b.l7Ports(rb, r.Ports, path, "dns", func(pt Port) bool { return pt.Protocol == UDP || pt.Protocol == TCP })
		for i, pt := range r.Ports {
			if pt.Name == "" && (pt.Port != 53 || pt.EndPort != 0) && (pt.Protocol == UDP || pt.Protocol == TCP) {
				b.add(field.Invalid(path.Child("ports").Index(i).Child("port"), pt.Port,
					"DNS lookup rules make engines parse the port's traffic as DNS: they apply to port 53 (or a named port) of DNS servers"))
			}
		}
	}
	return r, shared, len(b.errs) == before
}

// l7Ports checks that an L7 rule is an allow with explicit ports of the right protocol:
// engines attach L7 parsers to ports, and L7 on a deny is enforced by none of them.
func (b *modelBuilder) l7Ports(rb *RuleBuilder, ports []Port, path *field.Path, what string, ok func(Port) bool) {
	if rb.action != Allow {
		b.add(field.Forbidden(path.Child(what), "L7 matches narrow allow rules; no engine enforces L7 on "+strings.ToLower(string(rb.action))+" rules"))
	}
	if len(rb.ports) == 0 {
		b.add(field.Required(path.Child("ports"), what+" rules need explicit ports (for example .TCP(8080))"))
	}
	for i, pt := range ports {
		if !ok(pt) {
			b.add(field.Invalid(path.Child("ports").Index(i), pt.Protocol, what+" rules cannot apply to this protocol"))
		}
	}
	if len(rb.icmp) > 0 {
		b.add(field.Forbidden(path.Child("icmp"), what+" rules cannot also match ICMP"))
	}
}

// peer validates and resolves *peer in place, and returns the service whose shared peer
// equals it, if any (see sharedPeer). p is nil for the Set's own options.
func (b *modelBuilder) peer(p *Policy, dir Direction, peer *Peer, path pathFn) (_ bool, shared *serviceSelector) {
	before := len(b.errs)
	ownPods := false
	var svc *serviceSelector
	switch peer.Kind {
	case peerWrongType:
		return false, nil
	case PeerAny:
	case PeerPods:
		ownPods, svc = b.podPeer(p, peer, path)
	case PeerCIDR:
		b.cidrPeer(peer, path())
	case PeerFQDN:
		if dir != Egress {
			b.add(field.Forbidden(path(), "FQDN peers apply to egress: an FQDN names where traffic goes, not where it comes from"))
		}
		if n, ok := b.fqdn(peer.FQDN, path().Child("fqdn")); ok {
			peer.FQDN = n
		}
	case PeerEntity:
		switch peer.Entity {
		case EntityWorld, EntityCluster, EntityHost, EntityRemoteNode, EntityKubeAPIServer:
		default:
			b.add(field.NotSupported(path().Child("entity"), peer.Entity,
				[]Entity{EntityWorld, EntityCluster, EntityHost, EntityRemoteNode, EntityKubeAPIServer}))
		}
	default:
		b.add(field.NotSupported(path().Child("kind"), peer.Kind, []PeerKind{PeerAny, PeerPods, PeerCIDR, PeerFQDN, PeerEntity}))
	}
	peer.rawCIDR, peer.rawExcept, peer.workload, peer.sameNamespace, peer.named = "", nil, nil, false, false
	// The Model shares no memory with the Set: selectors it did not make are interned
	// (copied), and so are except ranges that cidrPeer did not copy.
	if !ownPods {
		peer.PodSelector = b.intern(peer.PodSelector)
	}
	peer.NamespaceSelector = b.intern(peer.NamespaceSelector)
	if peer.Kind != PeerCIDR && peer.Except != nil {
		peer.Except = append([]netip.Prefix(nil), peer.Except...)
	}
	if len(b.errs) != before {
		return false, nil
	}
	if svc != nil && svc.sharedPeer(peer) != nil {
		return true, svc
	}
	return true, nil
}

// podPeer resolves a pod peer; ownPods reports that its pod selector is the Model's
// already (made or interned here), so that it needs no copy, and svc is the selector of
// the service whose pods it selects, if any.
func (b *modelBuilder) podPeer(p *Policy, peer *Peer, path pathFn) (ownPods bool, svc *serviceSelector) {
	if w := peer.workload; w != nil {
		if w.set != b.set {
			b.add(field.Invalid(path(), w.path.String(), "the workload belongs to another Set"))
			return false, nil
		}
		s, info := b.subject(w)
		switch s.Scope {
		case ScopeHost:
			b.add(field.Invalid(path(), w.path.String(), "a host policy selects nodes, not pods; use policy.Host() or policy.RemoteNodes()"))
		case ScopeCluster:
			peer.NamespaceSelector, peer.AllNamespaces = s.NamespaceSelector, s.NamespaceSelector == nil
		default:
			peer.Namespace = s.Namespace
		}
		peer.PodSelector, peer.Service = info.selector, s.Service
		return true, info.service
	}
	if peer.sameNamespace {
		if p == nil || p.Subject.Scope != ScopeNamespace {
			b.add(field.Invalid(path(), peer.Service, "this peer is relative to the workload's namespace, which cluster-wide and host policies lack; use ServiceIn, PodsIn, Namespace or AllNamespaces"))
			return false, nil
		}
		peer.Namespace = p.Subject.Namespace
	}
	child := func(name string) pathFn { return func() *field.Path { return path().Child(name) } }
	set := 0
	if peer.Namespace != "" {
		set++
		peer.Namespace = b.namespaceName(peer.Namespace, child("namespace"))
	}
	if peer.NamespaceSelector != nil {
		set++
		b.selector(peer.NamespaceSelector, child("namespaceSelector"))
	}
	if peer.AllNamespaces {
		set++
	}
	if set != 1 {
		b.add(field.Invalid(path(), set, "a pod peer names exactly one of: a namespace, a namespace selector, all namespaces"))
	}
	if peer.Service != "" || peer.named {
		b.dnsLabel(peer.Service, child("service"))
		if peer.PodSelector == nil {
			svc = b.servicePods(peer.Service, peer.Namespace)
			peer.PodSelector, ownPods = &svc.pods, true
		}
	}
	if svc == nil || !svc.valid {
		b.selector(peer.PodSelector, child("pods"))
	}
	if peer.ServiceAccount != "" {
		for _, msg := range validation.IsDNS1123Subdomain(peer.ServiceAccount) {
			b.add(field.Invalid(path().Child("serviceAccount"), peer.ServiceAccount, msg))
		}
	}
	if peer.Cluster != "" {
		b.dnsLabel(peer.Cluster, child("cluster"))
	}
	return ownPods, svc
}

// serviceSelector is the selector of a service's pods.
type serviceSelector struct {
	pods metav1.LabelSelector
	// valid records that the selector is valid, so that peers naming the service need not
	// check it (selector reports the problems of an invalid one).
	valid bool
	// peer is the pod peer of the service in the namespace where it was declared (or
	// first named), which the rules naming exactly it share (see sharedPeer).
	peer [1]Peer
	// matches caches mirrorer.matches of the peer, by direction.
	matches [2]struct {
		found [2]int32
		known bool
	}
}

// sharedPeer returns a slice holding x, shared by every rule whose one peer equals x, when
// x is the resolved pod peer of the service in its namespace (nil otherwise): a large Set
// names the same service in many rules, and a Peer is large. The slice has no room to
// grow.
func (svc *serviceSelector) sharedPeer(x *Peer) []Peer {
	// Every field but Namespace is compared with what the peer of a service has (its
	// Service names svc, whose selector it has); TestSharedPeerFields lists them.
	if x.Kind != PeerPods || x.PodSelector != &svc.pods || x.NamespaceSelector != nil || x.AllNamespaces ||
		x.ServiceAccount != "" || x.Cluster != "" || x.CIDR != (netip.Prefix{}) || x.Except != nil || x.FQDN != "" ||
		x.Entity != "" || x.rawCIDR != "" || x.rawExcept != nil || x.sameNamespace || x.named || x.workload != nil ||
		x.Namespace != svc.peer[0].Namespace {
		return nil
	}
	return svc.peer[:]
}

// servicePods returns the selector of the named service's pods, made (with the service's
// peer in namespace) if need be. There is one per service, shared by every subject and
// peer that names it: a large Set names each service many times, and a selector (a map)
// is the costliest part of a peer.
func (b *modelBuilder) servicePods(name, namespace string) *serviceSelector {
	if svc, ok := b.sharedServices[name]; ok {
		return svc
	}
	svc, ok := b.services[name]
	if !ok {
		svc = b.newServiceSelector(name, namespace)
		b.services[name] = svc
	}
	return svc
}

func (b *modelBuilder) newServiceSelector(name, namespace string) *serviceSelector {
	labels := map[string]string{b.set.serviceLabel: name}
	svc := &serviceSelector{pods: metav1.LabelSelector{MatchLabels: labels}, valid: b.validLabel(b.set.serviceLabel, name)}
	svc.peer[0] = Peer{Kind: PeerPods, Namespace: namespace, PodSelector: &svc.pods, Service: name}
	return svc
}

// intern returns the Model's copy of sel (nil for nil): one per distinct selector, so that
// equal selectors of the Set take one copy, shared by the Model's peers.
func (b *modelBuilder) intern(sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel == nil {
		return nil
	}
	b.keyBuf = b.appendExactSelectorKey(b.keyBuf[:0], sel)
	if own, ok := b.selectors[string(b.keyBuf)]; ok {
		return own
	}
	own := sel.DeepCopy()
	b.selectors[string(b.keyBuf)] = own
	return own
}

// appendExactSelectorKey appends to dst a key of sel that differs for selectors that
// reflect.DeepEqual tells apart: unlike appendSelectorKey, it keeps the order of
// expressions and values and tells nil from empty, so that an interned copy is equal to
// the selector it replaces in every way. Strings are length-prefixed.
func (b *modelBuilder) appendExactSelectorKey(dst []byte, sel *metav1.LabelSelector) []byte {
	str := func(dst []byte, s string) []byte {
		return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
	}
	if sel.MatchLabels != nil {
		keys := b.labelKeys[:0]
		for k := range sel.MatchLabels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = binary.AppendUvarint(append(dst, 'L'), uint64(len(keys)))
		for _, k := range keys {
			dst = str(str(dst, k), sel.MatchLabels[k])
		}
		clear(keys)
		b.labelKeys = keys
	}
	if sel.MatchExpressions != nil {
		dst = binary.AppendUvarint(append(dst, 'E'), uint64(len(sel.MatchExpressions)))
		for _, r := range sel.MatchExpressions {
			dst = str(str(dst, r.Key), string(r.Operator))
			if r.Values == nil {
				dst = append(dst, 'N')
				continue
			}
			dst = binary.AppendUvarint(append(dst, 'V'), uint64(len(r.Values)))
			for _, v := range r.Values {
				dst = str(dst, v)
			}
		}
	}
	return dst
}

func (b *modelBuilder) cidrPeer(peer *Peer, path *field.Path) {
	if peer.rawCIDR != "" || !peer.CIDR.IsValid() {
		pfx, err := netip.ParsePrefix(peer.rawCIDR)
		if err != nil {
			b.add(field.Invalid(path.Child("cidr"), peer.rawCIDR, "not a CIDR: "+err.Error()))
			return
		}
		peer.CIDR = pfx
		peer.Except = nil
		for i, e := range peer.rawExcept {
			ep, err := netip.ParsePrefix(e)
			if err != nil {
				b.add(field.Invalid(path.Child("except").Index(i), e, "not a CIDR: "+err.Error()))
				continue
			}
			peer.Except = append(peer.Except, ep)
		}
	}
	c := peer.CIDR
	if c.Addr().Is4In6() {
		b.add(field.Invalid(path.Child("cidr"), c.String(), "IPv4-mapped IPv6 ranges are ambiguous; write the IPv4 range"))
		return
	}
	if c != c.Masked() {
		b.add(field.Invalid(path.Child("cidr"), c.String(), fmt.Sprintf("host bits are set; the range is %s", c.Masked())))
	}
	peer.Except = append([]netip.Prefix(nil), peer.Except...) // sorted below: not the caller's slice
	seen := map[netip.Prefix]bool{}
	for i, e := range peer.Except {
		ep := path.Child("except").Index(i)
		switch {
		case e.Addr().Is4() != c.Addr().Is4():
			b.add(field.Invalid(ep, e.String(), "except must be in the same IP family as the cidr "+c.String()))
		case e != e.Masked():
			b.add(field.Invalid(ep, e.String(), fmt.Sprintf("host bits are set; the range is %s", e.Masked())))
		case e.Bits() <= c.Bits() || !c.Contains(e.Addr()):
			b.add(field.Invalid(ep, e.String(), "except must be a strict sub-range of the cidr "+c.String()))
		case seen[e]:
			b.add(field.Duplicate(ep, e.String()))
		}
		seen[e] = true
	}
	sort.Slice(peer.Except, func(i, j int) bool { return peer.Except[i].String() < peer.Except[j].String() })
}

var fqdnLabel = regexp.MustCompile(`^[a-z0-9_*]([-a-z0-9_*]*[a-z0-9_*])?$`)

// fqdn validates a DNS name or "*" pattern and returns it in canonical form (lower case,
// no trailing dot).
func (b *modelBuilder) fqdn(name string, path *field.Path) (string, bool) {
	n := strings.TrimSuffix(strings.ToLower(name), ".")
	if n == "*" {
		return n, true
	}
	if n == "" || len(n) > 253 {
		b.add(field.Invalid(path, name, "a DNS name or pattern of 1 to 253 characters is required"))
		return n, false
	}
	for _, l := range strings.Split(n, ".") {
		if len(l) > 63 || !fqdnLabel.MatchString(l) {
			b.add(field.Invalid(path, name, fmt.Sprintf("label %q: each dot-separated label is 1-63 of a-z, 0-9, '-', '_' or '*', not starting or ending with '-'", l)))
			return n, false
		}
	}
	return n, true
}

func (b *modelBuilder) ports(in []Port, path pathFn) []Port {
	if len(in) == 0 {
		return nil
	}
	if len(in) == 1 {
		if out, ok := b.singlePorts[in[0]]; ok {
			return out // valid, as checked when it was stored
		}
	}
	out := make([]Port, 0, len(in))
	// Rules have few ports: a linear search finds duplicates faster than a map, up to many.
	var set map[Port]bool
	seen := func(pt Port) bool {
		if len(in) <= 32 {
			return slices.Contains(out, pt)
		}
		if set == nil {
			set = make(map[Port]bool, len(in))
		}
		if set[pt] {
			return true
		}
		set[pt] = true
		return false
	}
	for i, pt := range in {
		pp := func() *field.Path { return path().Index(i) }
		ok := true
		switch pt.Protocol {
		case TCP, UDP, SCTP:
		default:
			b.add(field.NotSupported(pp().Child("protocol"), pt.Protocol, []Protocol{TCP, UDP, SCTP}))
			ok = false
		}
		switch {
		case pt.Name != "":
			for _, msg := range validation.IsValidPortName(pt.Name) {
				b.add(field.Invalid(pp().Child("name"), pt.Name, msg))
				ok = false
			}
			if pt.Port != 0 || pt.EndPort != 0 {
				b.add(field.Invalid(pp(), pt.Name, "a named port has no number or range"))
				ok = false
			}
		case pt.Port == 0:
			if pt.EndPort != 0 {
				b.add(field.Invalid(pp().Child("endPort"), pt.EndPort, "a range needs a start port"))
				ok = false
			}
		default:
			for _, msg := range validation.IsValidPortNum(int(pt.Port)) {
				b.add(field.Invalid(pp().Child("port"), pt.Port, msg))
				ok = false
			}
			if pt.EndPort != 0 {
				for _, msg := range validation.IsValidPortNum(int(pt.EndPort)) {
					b.add(field.Invalid(pp().Child("endPort"), pt.EndPort, msg))
					ok = false
				}
				if ok && pt.EndPort < pt.Port {
					b.add(field.Invalid(pp().Child("endPort"), pt.EndPort, fmt.Sprintf("must not be less than port %d", pt.Port)))
					ok = false
				}
				if pt.EndPort == pt.Port {
					pt.EndPort = 0
				}
			}
		}
		if ok && !seen(pt) {
			out = append(out, pt)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if len(in) == 1 && len(out) == 1 && out[0] == in[0] {
		b.singlePorts[in[0]] = out[:1:1]
	}
	return out
}

func (b *modelBuilder) icmp(m ICMP, path *field.Path) {
	if m.Family != IPv4 && m.Family != IPv6 {
		b.add(field.NotSupported(path.Child("family"), m.Family, []IPFamily{IPv4, IPv6}))
	}
	for _, msg := range validation.IsInRange(int(m.Type), 0, 255) {
		b.add(field.Invalid(path.Child("type"), m.Type, msg))
	}
	if m.Code != nil {
		for _, msg := range validation.IsInRange(int(*m.Code), 0, 255) {
			b.add(field.Invalid(path.Child("code"), *m.Code, msg))
		}
	}
}

// httpMethod accepts method names (RFC 9110 tokens in practice: letters, digits, '-' and
// '_'); a '*' would mean "every method" to Calico and a regex to Cilium.
var httpMethod = regexp.MustCompile(`^[A-Za-z][-_0-9A-Za-z]*$`)

func (b *modelBuilder) http(h HTTPMatch, path *field.Path) {
	if h.Method != "" && !httpMethod.MatchString(h.Method) {
		b.add(field.Invalid(path.Child("method"), h.Method, "an HTTP method is a token such as GET or POST"))
	}
	switch h.PathKind {
	case "", PathExact, PathPrefix:
		// What a request carries (RFC 3986): other bytes are percent-encoded on the wire,
		// so a path holding them would never match.
		if h.Path != "" && (!strings.HasPrefix(h.Path, "/") || strings.ContainsAny(h.Path, "?#") || !visibleASCII(h.Path)) {
			b.add(field.Invalid(path.Child("path"), h.Path,
				"an HTTP path starts with '/' and has only visible ASCII characters (percent-encode the others), no query or fragment"))
		}
	case PathRegex:
		if _, err := syntax.Parse(h.Path, syntax.Perl); err != nil {
			b.add(field.Invalid(path.Child("path"), h.Path, "not an RE2 regular expression: "+err.Error()))
		} else if !render.Representable(h.Path) {
			b.add(field.Invalid(path.Child("path"), h.Path, unrepresentable+"; write such characters as escapes (\\x7f)"))
		}
	default:
		b.add(field.NotSupported(path.Child("pathKind"), h.PathKind, []PathKind{PathExact, PathPrefix, PathRegex}))
	}
	if h.Host != "" {
		host := h.Host
		if i := strings.LastIndexByte(host, ':'); i > 0 {
			if n, err := strconv.Atoi(host[i+1:]); err != nil || len(validation.IsValidPortNum(n)) > 0 {
				b.add(field.Invalid(path.Child("host"), h.Host, "the port after ':' is invalid"))
			}
			host = host[:i]
		}
		for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(host)) {
			b.add(field.Invalid(path.Child("host"), h.Host, msg))
		}
	}
	for i, hd := range h.Headers {
		hp := path.Child("headers").Index(i)
		for _, msg := range validation.IsHTTPHeaderName(hd.Name) {
			b.add(field.Invalid(hp.Child("name"), hd.Name, msg))
		}
		if strings.ContainsFunc(hd.Value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7F }) || !render.Representable(hd.Value) {
			b.add(field.Invalid(hp.Child("value"), hd.Value, "a header value has no control characters other than tab (RFC 9110), and "+unrepresentable))
		}
	}
}

// unrepresentable explains what render.Representable refuses.
const unrepresentable = "the output cannot carry invalid UTF-8, DEL, C1 controls, U+FFFE or U+FFFF"

// visibleASCII reports whether s has only the characters from '!' to '~'.
func visibleASCII(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// namespaces returns every namespace the Set declares or refers to, with declared labels
// plus the name label Kubernetes sets.
func (b *modelBuilder) namespaces() []NamespaceInfo {
	declared := make([]string, 0, len(b.set.namespaces))
	for name := range b.set.namespaces {
		declared = append(declared, name)
	}
	sort.Strings(declared)
	for _, name := range declared {
		n := b.set.namespaces[name]
		if len(validation.IsDNS1123Label(name)) > 0 {
			continue
		}
		b.addSorted(metav1validation.ValidateLabels(n.nsLabels, n.path.Child("labels")))
		b.nsLabels[name] = n.nsLabels
		if n.nsLabels != nil {
			b.nsDeclared[name] = true
		}
	}
	names := make([]string, 0, len(b.nsLabels))
	for name := range b.nsLabels {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]NamespaceInfo, len(names))
	for i, name := range names {
		labels := copyMap(b.nsLabels[name])
		if labels == nil {
			labels = map[string]string{}
		}
		if v, ok := labels[NamespaceNameLabel]; ok && v != name {
			b.add(field.Invalid(field.NewPath("namespaces").Key(name).Child("labels").Key(NamespaceNameLabel), v,
				"Kubernetes sets this label to the namespace's name"))
		}
		labels[NamespaceNameLabel] = name
		b.nsLabels[name] = labels
		out[i] = NamespaceInfo{Name: name, Labels: labels}
	}
	return out
}

// finish sorts the policies and checks that object names are unique in their namespace
// (or, without one, in the cluster).
func (b *modelBuilder) finish(m *Model) {
	slices.SortStableFunc(m.Policies, comparePolicies)
	// Sorted, the policies of a namespace with the same name are adjacent; those without
	// a namespace (cluster-wide and host policies) are few.
	var first *Policy // of the names of a namespace
	clusterNames := map[string]*Policy{}
	for _, p := range m.Policies {
		other := first
		if p.Subject.Namespace == "" {
			other = clusterNames[p.Name]
		} else if other != nil && (other.Subject.Namespace != p.Subject.Namespace || other.Name != p.Name) {
			other = nil
		}
		if other != nil {
			b.add(field.Duplicate(p.Path.Child("objectName"), fmt.Sprintf("%s (also used by %s)", p.Name, other.Path)))
			continue
		}
		if p.Subject.Namespace == "" {
			clusterNames[p.Name] = p
		} else {
			first = p
		}
	}
}

func scopeRank(s Scope) int {
	switch s {
	case ScopeCluster:
		return 0
	case ScopeHost:
		return 1
	default:
		return 2
	}
}

// comparePolicies orders policies by scope (cluster, host, namespaced), namespace, name
// and mode.
func comparePolicies(a, b *Policy) int {
	if c := cmp.Compare(scopeRank(a.Subject.Scope), scopeRank(b.Subject.Scope)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Subject.Namespace, b.Subject.Namespace); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(string(a.Mode), string(b.Mode))
}
