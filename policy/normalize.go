package policy

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/netintent/netintent/internal/parallel"
	"github.com/netintent/netintent/internal/representable"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// NamespaceNameLabel is the label Kubernetes puts on every namespace, holding its name.
const NamespaceNameLabel = "kubernetes.io/metadata.name"

// Model validates the Set and returns its normalized form. Every problem is reported at
// once in a *ValidationError; a nil Set is an error too.
func (s *Set) Model() (*Model, error) {
	if s == nil {
		return nil, errNilSet
	}
	b := newModelBuilder(s)
	b.errs = append(field.ErrorList(nil), s.errs...)
	m := &Model{ServiceLabel: s.serviceLabel}
	b.options(m)
	m.Tiers = b.tiers()
	var subjects []subjectInfo
	m.Policies, subjects = b.policies(s.sortedWorkloads())
	m.Namespaces = b.namespaces()
	m.Policies = b.mirror(m.Policies, subjects)
	b.inherit(m)
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

// policyChunk is the fewest workloads worth a builder of policies of their own.
const policyChunk = 64

// policies builds the policies of the workloads, and what mirroring uses of their subjects,
// in chunks of consecutive workloads on every CPU (parallel.Chunks). Each chunk has its own
// builder, with its own caches; the problems are reported in the order of the chunks, as
// if one builder had built every policy in order.
func (b *modelBuilder) policies(workloads []*Workload) ([]*Policy, []subjectInfo) {
	policies := make([]*Policy, len(workloads))
	subjects := make([]subjectInfo, len(workloads))
	// The namespace names, and the selectors and peers of the declared services, are made
	// first, so that the builders share them: most peers name declared services.
	names := map[string]string{}
	shared := make(map[string]*serviceSelector, len(workloads))
	// The names are copied into one string, for the map's keys and the selectors: every
	// peer naming a service compares its name with a key, and backends read the names of
	// the peers they translate, which are then near each other in memory, not wherever
	// the Set's strings are. Without it, k8snp's and cilium's BenchmarkCompile take some 4%
	// more CPU time at 20,000 services.
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
	builders := parallel.Chunks(len(workloads), policyChunk, func(lo, hi int) *modelBuilder {
		wb := newModelBuilder(b.set)
		wb.dns, wb.dnsPorts, wb.sharedServices, wb.sharedNames = b.dns, b.dnsPorts, shared, names
		for j := lo; j < hi; j++ {
			policies[j], subjects[j] = wb.policy(workloads[j])
		}
		return wb
	})
	for _, wb := range builders {
		b.errs = append(b.errs, wb.errs...)
		for name := range wb.nsLabels {
			if _, ok := b.nsLabels[name]; !ok {
				b.nsLabels[name] = nil
			}
		}
	}
	return policies, subjects
}

// isDNS1123Label and isLabelValue accept values that validation.IsDNS1123Label and
// validation.IsValidLabelValue accept, faster than their regular expressions, and without
// a cache whose lookups cost as much on a large Set. They may reject valid values, which
// then go to the validation package.

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
			} else if !representable.String(p.Annotations[k]) {
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
