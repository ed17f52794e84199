package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Set is a body of network-security intent: services and the traffic they accept and send,
// namespace defaults, cluster-wide guardrails and tiers. Build it with NewSet and the
// fluent methods; nothing is checked until Validate, Model or a backend's Compile, which
// report every problem at once with its field path. A Set is not safe for concurrent
// mutation.
type Set struct {
	serviceLabel     string
	defaultNamespace string
	dns              Peer
	dnsPorts         []Port
	audit            bool

	workloads  map[string]*Workload
	namespaces map[string]*NamespaceDefaults
	tiers      map[string]*TierBuilder
	errs       field.ErrorList
}

// SetOption configures a Set.
type SetOption func(*Set)

// DefaultNamespace sets the namespace of services declared with Set.Service.
func DefaultNamespace(name string) SetOption { return func(s *Set) { s.defaultNamespace = name } }

// ServiceLabel sets the pod label whose value names a service; "app" by default
// ("app.kubernetes.io/name" is the other common choice).
func ServiceLabel(key string) SetOption { return func(s *Set) { s.serviceLabel = key } }

// DNSService sets the DNS service that egress-isolated workloads keep reaching; KubeDNS
// on UDP and TCP port 53 by default.
func DNSService(peer Peer, ports ...Port) SetOption {
	return func(s *Set) {
		s.dns = peer
		s.dnsPorts = append([]Port(nil), ports...)
	}
}

// AuditAll puts every policy of the Set in audit mode: what it would deny is reported,
// not dropped. Use it for the first rollout of a new Set.
func AuditAll() SetOption { return func(s *Set) { s.audit = true } }

// NewSet returns an empty Set.
func NewSet(opts ...SetOption) *Set {
	s := &Set{
		serviceLabel: "app",
		dns:          KubeDNS(),
		dnsPorts:     []Port{{Protocol: UDP, Port: 53}, {Protocol: TCP, Port: 53}},
		workloads:    map[string]*Workload{},
		namespaces:   map[string]*NamespaceDefaults{},
		tiers:        map[string]*TierBuilder{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Service returns the builder for the named service in the Set's default namespace,
// creating it on first use. Its pods are those labelled <service label>=<name>.
func (s *Set) Service(name string) *Workload {
	return s.ServiceIn(s.defaultNamespace, name)
}

// ServiceIn returns the builder for the named service in the named namespace.
func (s *Set) ServiceIn(namespace, name string) *Workload {
	key := "service/" + namespace + "/" + name
	if w, ok := s.workloads[key]; ok {
		return w
	}
	w := s.newWorkload(key, kindService, namespace, name,
		field.NewPath("services").Key(namespace+"/"+name))
	return w
}

// Pods returns the builder for a named group of pods selected by labels in a namespace,
// for intent that is not about one service. The name becomes the object name.
func (s *Set) Pods(namespace, name string, sel Selector) *Workload {
	key := "pods/" + namespace + "/" + name
	if w, ok := s.workloads[key]; ok {
		w.Select(sel)
		return w
	}
	w := s.newWorkload(key, kindPods, namespace, name, field.NewPath("pods").Key(namespace+"/"+name))
	w.Select(sel)
	return w
}

// Namespace returns the builder for a namespace's defaults (default-deny, allow within the
// namespace, the namespace's labels) and for rules that apply to all of its pods.
func (s *Set) Namespace(name string) *NamespaceDefaults {
	if n, ok := s.namespaces[name]; ok {
		return n
	}
	w := s.newWorkload("namespace/"+name, kindNamespace, name, "", field.NewPath("namespaces").Key(name))
	n := &NamespaceDefaults{Workload: w}
	s.namespaces[name] = n
	return n
}

// Cluster returns the builder for a named cluster-wide policy: guardrails (denies that
// always win), baseline allows, or tiered rules. It selects every pod of every namespace
// until narrowed with Select and InNamespaces.
func (s *Set) Cluster(name string) *Workload {
	key := "cluster/" + name
	if w, ok := s.workloads[key]; ok {
		return w
	}
	return s.newWorkload(key, kindCluster, "", name, field.NewPath("cluster").Key(name))
}

// Host returns the builder for a named host policy: rules for the nodes themselves (host
// firewall). It selects every node until narrowed with Select.
func (s *Set) Host(name string) *Workload {
	key := "host/" + name
	if w, ok := s.workloads[key]; ok {
		return w
	}
	return s.newWorkload(key, kindHost, "", name, field.NewPath("hosts").Key(name))
}

// Tier returns the builder for a tier with the given order (lower first), creating it on
// first use. Tiered policies are evaluated before untiered ones, tier by tier.
func (s *Set) Tier(name string, order float64) *TierBuilder {
	if t, ok := s.tiers[name]; ok {
		if t.order != order {
			s.errs = append(s.errs, field.Invalid(t.path.Child("order"), order,
				fmt.Sprintf("tier already declared with order %v", t.order)))
		}
		return t
	}
	t := &TierBuilder{name: name, order: order, defaultAction: Deny, path: field.NewPath("tiers").Key(name)}
	s.tiers[name] = t
	return t
}

func (s *Set) newWorkload(key string, kind workloadKind, namespace, name string, path *field.Path) *Workload {
	w := &Workload{set: s, kind: kind, namespace: namespace, name: name, path: path, mode: Enforce}
	s.workloads[key] = w
	return w
}

// Validate checks the whole Set and returns every problem found, or nil; a nil Set is an
// error.
func (s *Set) Validate() error {
	_, err := s.Model()
	return err
}

// errNilSet is what Validate, Model and Evaluate return for a nil *Set.
var errNilSet = errors.New("policy: the Set is nil: create it with policy.NewSet")

// sortedWorkloads returns the workloads in key order, so that everything derived from the
// Set is independent of the order of declaration.
func (s *Set) sortedWorkloads() []*Workload {
	type entry struct {
		key string
		w   *Workload
	}
	entries := make([]entry, 0, len(s.workloads))
	for k, w := range s.workloads {
		entries = append(entries, entry{k, w})
	}
	// Sorting the entries, not the keys, spares looking each workload up again.
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	out := make([]*Workload, len(entries))
	for i, e := range entries {
		out[i] = e.w
	}
	return out
}

// TierBuilder configures a tier.
type TierBuilder struct {
	name          string
	order         float64
	defaultAction Action
	path          *field.Path
}

// DefaultPass makes traffic that no rule of the tier decided go on to the next tier,
// instead of being dropped at the end of the tier.
func (t *TierBuilder) DefaultPass() *TierBuilder {
	t.defaultAction = Pass
	return t
}
