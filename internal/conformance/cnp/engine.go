package cnp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/identity/identitymanager"
	ciliumk8s "github.com/cilium/cilium/pkg/k8s"
	k8sConst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	slimnetworkingv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/networking/v1"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	policytypes "github.com/cilium/cilium/pkg/policy/types"
	testcertificatemanager "github.com/cilium/cilium/pkg/testutils/certificatemanager"
	testidentity "github.com/cilium/cilium/pkg/testutils/identity"
	testpolicy "github.com/cilium/cilium/pkg/testutils/policy"
	ciliumtypes "github.com/cilium/cilium/pkg/types"
	"github.com/cilium/cilium/pkg/u8proto"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	networkingv1defaults "k8s.io/kubernetes/pkg/apis/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// quietLogger discards Cilium's logs.
var quietLogger = slog.New(slog.DiscardHandler)

// ciliumGlobalMu serializes Cilium's translation, which reads package globals
// (option.Config).
var ciliumGlobalMu sync.Mutex

// labelsFilterInit loads Cilium's default identity-label filter (the agent's
// --label-prefix-file unset).
var labelsFilterInit = sync.OnceValue(func() error {
	return labelsfilter.ParseLabelPrefixCfg(quietLogger, nil, nil, "")
})

// Engine answers what Cilium v1.20.2 allows under a set of NetworkPolicies and
// ClusterNetworkPolicies together, with the agent's own code: each NetworkPolicy is
// defaulted as the API server stores it (policyTypes, protocol TCP), read into
// Cilium's slim type and translated by pkg/k8s.ParseNetworkPolicy (Normal tier,
// default deny for the selected pods); each ClusterNetworkPolicy is validated against
// the CRD (the standard channel's, the experimental one's if it has a nodes peer) and
// translated by pkg/k8s.ParseClusterNetworkPolicy (Admin or Baseline tier, priority spec.priority
// plus rule index/100, Accept/Deny/Pass verdicts, no default deny). All entries go
// into one policy repository, and each flow is resolved by policy.LookupFlow, the
// function behind `cilium-dbg policy` simulation: the source's egress, then the
// destination's ingress.
//
// Identities are those of the parent module's CiliumEngine: each pod its own, from
// its labels, io.kubernetes.pod.namespace, io.cilium.k8s.namespace.labels.<key> for
// each namespace label, the cluster and the service account "default", through the
// default identity-label filter; each external address its CIDR identity. Only pods
// enforce policy; an external end is reported allowed.
//
// ErrCannotJudge, where Cilium's reading departs from the API or needs agent state:
//   - An egress networks peer never selects a pod here: Cilium's CIDR selectors
//     select only CIDR and world identities (policy-cidr-match-mode unset), while
//     the API says networks apply to cluster-internal traffic too. A flow from a
//     pod that a CNP with such a peer selects to a pod whose IP the peer holds is
//     refused.
//   - A Baseline tier Accept on a pod a NetworkPolicy isolates in that direction: the
//     API lets the NetworkPolicy decide, so traffic it does not allow is denied;
//     Cilium puts NetworkPolicy's default deny in its DefaultPolicy tier, after
//     Baseline, and allows. A flow a Baseline Accept allows at such a pod is refused.
//     A Baseline Deny agrees with the API: NetworkPolicy's allows precede it, and what
//     they do not allow is denied either way.
//   - Label keys Cilium's identity filter drops are matched by no identity: every
//     flow of objects selecting on one is refused.
//   - Egress domainNames peers (experimental channel) match the addresses Cilium's DNS
//     proxy saw a matching name resolve to, and Cilium adds an Accept of the names'
//     lookups to kube-dns: a flow to an external address or to port 53 from a pod that
//     a ClusterNetworkPolicy with such peers selects is refused.
//
// Egress nodes peers (experimental channel) are read with enable-node-selector-labels,
// without which Cilium rejects them; nodes are no flow ends here, so they match nothing.
//
// Not modelled: nodes and Cilium's reserved identities as flow ends, pods of other
// clusters (ClusterNetworkPolicy namespaces peers are not scoped to the local cluster
// by Cilium, unlike NetworkPolicy peers), SCTP named ports. NetworkPolicies are not
// validated here: the parent module's oracle.ValidateNetworkPolicy does that.
type Engine struct {
	mu        sync.Mutex
	u         *universe
	repo      *policy.Repository
	idMgr     identitymanager.IDManager
	pods      map[string]*identity.Identity // key namespace/name
	externals map[netip.Addr]*identity.Identity
	nextLocal identity.NumericIdentity

	// filtered is a selector key the identity filter drops, if any.
	filtered string
	// networks are the egress entries with CIDR peers, whose reading of pod
	// destinations departs from the API.
	networks []*policytypes.PolicyEntry
	// isolating are the NetworkPolicies' default-deny entries; baseline names the
	// Baseline tier's ClusterNetworkPolicies: Cilium lets a Baseline Accept through
	// NetworkPolicy isolation.
	isolating []*policytypes.PolicyEntry
	baseline  map[string]bool
	// domains are the egress entries of ClusterNetworkPolicies with domainNames peers,
	// which Cilium decides with its DNS proxy's answers.
	domains []*policytypes.PolicyEntry
}

// NewEngine loads Cilium's translation of nps and cnps into a policy repository over u.
func NewEngine(nps []*networkingv1.NetworkPolicy, cnps []*v1alpha2.ClusterNetworkPolicy, u Universe) (*Engine, error) {
	cu, err := u.compile()
	if err != nil {
		return nil, err
	}
	if err := labelsFilterInit(); err != nil {
		return nil, fmt.Errorf("cilium label filter: %w", err)
	}
	e := &Engine{u: cu, pods: map[string]*identity.Identity{}, externals: map[netip.Addr]*identity.Identity{}}
	var entries policytypes.PolicyEntries
	for _, np := range nps {
		s, err := slimNetworkPolicy(np)
		if err != nil {
			return nil, err
		}
		e.noteFiltered(npSelectors(np))
		ciliumGlobalMu.Lock()
		es, err := ciliumk8s.ParseNetworkPolicy(quietLogger, cu.cluster, s)
		ciliumGlobalMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("NetworkPolicy %s/%s: cilium: %w", np.Namespace, np.Name, err)
		}
		for _, entry := range es {
			if entry.DefaultDeny {
				e.isolating = append(e.isolating, entry)
			}
		}
		entries = append(entries, es...)
	}
	e.baseline = map[string]bool{}
	for _, cnp := range cnps {
		if cnp == nil {
			return nil, fmt.Errorf("nil ClusterNetworkPolicy")
		}
		nodes, domains := false, false
		for _, r := range cnp.Spec.Egress {
			for _, p := range r.To {
				nodes = nodes || p.Nodes != nil
				domains = domains || p.DomainNames != nil
			}
		}
		// Nodes and domainNames peers are on the experimental channel.
		if errs := Validate(cnp, nodes || domains); len(errs) > 0 {
			return nil, fmt.Errorf("ClusterNetworkPolicy %s: %w", cnp.Name, errs.ToAggregate())
		}
		e.noteFiltered(cnpSelectors(cnp))
		// Cilium reads nodes peers only with enable-node-selector-labels, which clusternp's
		// Nodes option asks for.
		// Cilium reads domainNames peers only with its L7 (DNS) proxy.
		ciliumGlobalMu.Lock()
		saved, savedL7 := option.Config.EnableNodeSelectorLabels, option.Config.EnableL7Proxy
		option.Config.EnableNodeSelectorLabels, option.Config.EnableL7Proxy = nodes, domains
		es, err := ciliumk8s.ParseClusterNetworkPolicy(quietLogger, cu.cluster, cnp.DeepCopy())
		option.Config.EnableNodeSelectorLabels, option.Config.EnableL7Proxy = saved, savedL7
		ciliumGlobalMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("ClusterNetworkPolicy %s: cilium: %w", cnp.Name, err)
		}
		if cnp.Spec.Tier == v1alpha2.BaselineTier {
			e.baseline[cnp.Name] = true
		}
		for _, entry := range es {
			if !entry.Ingress && slices.ContainsFunc(entry.L3, func(s policytypes.Selector) bool { return len(s.GetCIDRPrefixes()) > 0 }) {
				e.networks = append(e.networks, entry)
			}
			if !entry.Ingress && domains {
				e.domains = append(e.domains, entry)
			}
		}
		entries = append(entries, es...)
	}
	e.newRepository()
	e.repo.MustAddPolicyEntries(entries)
	return e, nil
}

// slimNetworkPolicy is np as the API server stores it (defaulted) in the agent's slim
// type: the same JSON.
func slimNetworkPolicy(np *networkingv1.NetworkPolicy) (*slimnetworkingv1.NetworkPolicy, error) {
	if np == nil || np.Namespace == "" {
		return nil, fmt.Errorf("NetworkPolicy without namespace: %v", np)
	}
	d := np.DeepCopy()
	networkingv1defaults.SetObjectDefaults_NetworkPolicy(d)
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("NetworkPolicy %s/%s: %w", np.Namespace, np.Name, err)
	}
	s := &slimnetworkingv1.NetworkPolicy{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("NetworkPolicy %s/%s: to Cilium's slim type: %w", np.Namespace, np.Name, err)
	}
	return s, nil
}

// newRepository registers every identity of the universe with an empty policy
// repository, wired as in the parent module's CiliumEngine (pkg/policy tests).
func (e *Engine) newRepository() {
	idMap := identity.IdentityMap{}
	npm := ciliumtypes.NewNamedPortMultiMap()
	for i, p := range e.u.podOrder {
		id := identity.NewIdentity(identity.NumericIdentity(10000+i), e.podLabels(p))
		e.pods[podKey(p.Namespace, p.Name)] = id
		idMap[id.ID] = id.LabelArray
		ports := ciliumtypes.NamedPortMap{}
		for name, np := range p.NamedPorts {
			ports[name] = ciliumtypes.PortProto{Proto: ciliumProto(np.Protocol), Port: uint16(np.Port)}
		}
		npm.Update(id.ID, nil, ports)
	}
	e.nextLocal = identity.IdentityScopeLocal
	for _, ip := range e.u.externals {
		if e.externals[ip] == nil {
			e.nextLocal++
			id := identity.NewIdentity(e.nextLocal, labels.GetCIDRLabels(netip.PrefixFrom(ip, ip.BitLen())))
			e.externals[ip] = id
			idMap[id.ID] = id.LabelArray
		}
	}
	e.idMgr = identitymanager.NewIDManager(quietLogger)
	e.repo = policy.NewPolicyRepository(quietLogger, idMap, &testcertificatemanager.Fake{},
		envoypolicy.NewEnvoyL7RulesTranslator(quietLogger, certificatemanager.NewMockSecretManagerInline()),
		e.idMgr, testpolicy.NewPolicyMetricsNoop())
	e.repo.GetSelectorCache().SetLocalIdentityNotifier(testidentity.NewDummyIdentityNotifier())
	e.repo.SetNamedPortsGetter(namedPortsGetter{npm})
	e.idMgr.Subscribe(testpolicy.SelectorCacheObserver{Cache: e.repo.GetSubjectSelectorCache()})
}

type namedPortsGetter struct{ m ciliumtypes.NamedPortMultiMap }

func (g namedPortsGetter) GetNamedPorts() ciliumtypes.NamedPortMultiMap { return g.m }

func ciliumProto(p string) u8proto.U8proto {
	switch p {
	case "UDP":
		return u8proto.UDP
	case "SCTP":
		return u8proto.SCTP
	}
	return u8proto.TCP
}

func (e *Engine) podLabels(p *Pod) labels.Labels {
	lbls := labels.Labels{}
	add := func(k, v string) {
		l := labels.NewLabel(k, v, labels.LabelSourceK8s)
		lbls[l.Key] = l
	}
	for k, v := range p.Labels {
		add(k, v)
	}
	add(k8sConst.PodNamespaceLabel, p.Namespace)
	for k, v := range e.u.namespaces[p.Namespace] {
		add(k8sConst.PodNamespaceMetaLabelsPrefix+k, v)
	}
	add(k8sConst.PolicyLabelCluster, e.u.cluster)
	add(k8sConst.PolicyLabelServiceAccount, "default")
	kept, _ := labelsfilter.Filter(lbls)
	return kept
}

// selectors are the label selectors of some objects: on pod labels and on namespace
// labels.
type selectors struct{ pods, namespaces []*metav1.LabelSelector }

func npSelectors(np *networkingv1.NetworkPolicy) selectors {
	s := selectors{pods: []*metav1.LabelSelector{&np.Spec.PodSelector}}
	var peers []networkingv1.NetworkPolicyPeer
	for _, r := range np.Spec.Ingress {
		peers = append(peers, r.From...)
	}
	for _, r := range np.Spec.Egress {
		peers = append(peers, r.To...)
	}
	for _, p := range peers {
		s.pods = append(s.pods, p.PodSelector)
		s.namespaces = append(s.namespaces, p.NamespaceSelector)
	}
	return s
}

func cnpSelectors(cnp *v1alpha2.ClusterNetworkPolicy) selectors {
	var s selectors
	add := func(ns *metav1.LabelSelector, pods *v1alpha2.NamespacedPod) {
		s.namespaces = append(s.namespaces, ns)
		if pods != nil {
			s.namespaces = append(s.namespaces, &pods.NamespaceSelector)
			s.pods = append(s.pods, &pods.PodSelector)
		}
	}
	add(cnp.Spec.Subject.Namespaces, cnp.Spec.Subject.Pods)
	for _, r := range cnp.Spec.Ingress {
		for _, p := range r.From {
			add(p.Namespaces, p.Pods)
		}
	}
	for _, r := range cnp.Spec.Egress {
		for _, p := range r.To {
			add(p.Namespaces, p.Pods)
		}
	}
	return s
}

// noteFiltered records the first key of s that Cilium's identity filter drops from
// pod labels or namespace labels.
func (e *Engine) noteFiltered(s selectors) {
	dropped := func(prefix string, sel *metav1.LabelSelector) string {
		if sel == nil {
			return ""
		}
		keys := slices.Sorted(maps.Keys(sel.MatchLabels))
		for _, r := range sel.MatchExpressions {
			keys = append(keys, r.Key)
		}
		for _, k := range keys {
			l := labels.NewLabel(prefix+k, "x", labels.LabelSourceK8s)
			if kept, _ := labelsfilter.Filter(labels.Labels{l.Key: l}); len(kept) == 0 {
				return k
			}
		}
		return ""
	}
	for _, sel := range s.pods {
		if k := dropped("", sel); k != "" && e.filtered == "" {
			e.filtered = k
		}
	}
	for _, sel := range s.namespaces {
		if k := dropped(k8sConst.PodNamespaceMetaLabelsPrefix, sel); k != "" && e.filtered == "" {
			e.filtered = k
		}
	}
}

// identityOf returns the identity of an endpoint, creating CIDR identities for
// addresses the universe does not list, and whether the end enforces policy.
func (e *Engine) identityOf(ep Endpoint) (*identity.Identity, bool) {
	if ep.IsPod() {
		return e.pods[podKey(ep.Namespace, ep.Pod)], true
	}
	if id, ok := e.externals[ep.IP]; ok {
		return id, false
	}
	e.nextLocal++
	id := identity.NewIdentity(e.nextLocal, labels.GetCIDRLabels(netip.PrefixFrom(ep.IP, ep.IP.BitLen())))
	wg := &sync.WaitGroup{}
	e.repo.GetSelectorCache().UpdateIdentities(identity.IdentityMap{id.ID: id.LabelArray}, nil, wg)
	wg.Wait()
	e.externals[ep.IP] = id
	return id, false
}

// Decide returns the verdict on f with the per-direction results.
func (e *Engine) Decide(f Flow) (Decision, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	proto, err := e.u.checkFlow(f)
	if err != nil {
		return Decision{}, err
	}
	if e.filtered != "" {
		return Decision{}, cannotJudge("selector key %q is dropped by Cilium's identity filter: Cilium never matches it", e.filtered)
	}
	from, srcEnforces := e.identityOf(f.From)
	to, dstEnforces := e.identityOf(f.To)
	if f.From.IsPod() && f.To.IsPod() {
		dst := e.u.pods[podKey(f.To.Namespace, f.To.Pod)]
		for _, entry := range e.networks {
			if !entry.Subject.Matches(from.LabelArray) {
				continue
			}
			for _, s := range entry.L3 {
				for _, p := range s.GetCIDRPrefixes() {
					if p.Contains(dst.IP) {
						return Decision{}, cannotJudge("networks peer %s holds pod %s's IP: the API applies it to pod traffic, Cilium's CIDR selectors never select pods", p, f.To)
					}
				}
			}
		}
	}
	if f.From.IsPod() && (!f.To.IsPod() || f.Port == 53) {
		for _, entry := range e.domains {
			if entry.Subject.Matches(from.LabelArray) {
				return Decision{}, cannotJudge("domainNames peer: %v leaves a pod a ClusterNetworkPolicy with domainNames selects, for an address or a DNS server: Cilium decides it with its DNS proxy's answers", f)
			}
		}
	}
	flow := policytypes.Flow{From: from, To: to, Proto: ciliumProto(proto), Dport: uint16(f.Port)}
	if f.To.IsPod() {
		flow.NamedPortsTCP, flow.NamedPortsUDP = map[string]uint16{}, map[string]uint16{}
		for name, np := range e.u.pods[podKey(f.To.Namespace, f.To.Pod)].NamedPorts {
			if np.Protocol == "UDP" {
				flow.NamedPortsUDP[name] = uint16(np.Port)
			} else {
				flow.NamedPortsTCP[name] = uint16(np.Port)
			}
		}
	}
	verdict, egressMeta, ingressMeta, err := policy.LookupFlow(quietLogger, e.repo, e.idMgr, flow)
	if err != nil {
		return Decision{}, fmt.Errorf("cilium lookup %v: %w", f, err)
	}
	d := Decision{
		EgressAllowed:  !srcEnforces || verdict.Egress != policytypes.DecisionDenied,
		IngressAllowed: !dstEnforces || verdict.Ingress != policytypes.DecisionDenied,
	}
	if srcEnforces && d.EgressAllowed && e.baselineThroughIsolation(from, false, egressMeta) ||
		dstEnforces && d.IngressAllowed && e.baselineThroughIsolation(to, true, ingressMeta) {
		return Decision{}, cannotJudge("%v: a Baseline Accept allows it for a pod a NetworkPolicy isolates: the API lets the NetworkPolicy decide, Cilium puts NetworkPolicy's default deny after the Baseline tier", f)
	}
	d.Allowed = d.EgressAllowed && d.IngressAllowed
	d.Reason = fmt.Sprintf("egress %s by %s; ingress %s by %s", verdict.Egress, ruleNames(egressMeta), verdict.Ingress, ruleNames(ingressMeta))
	return d, nil
}

// baselineThroughIsolation reports whether the rules m that allowed a direction of a
// flow at the pod of identity id include a Baseline tier ClusterNetworkPolicy while a
// NetworkPolicy isolates the pod in that direction. The API then lets the
// NetworkPolicy decide, and traffic it does not allow is denied; Cilium's repository
// puts the default deny of NetworkPolicy (pkg/policy/repository.go
// computePolicyEnforcementAndRules) in its DefaultPolicy tier, after Baseline.
func (e *Engine) baselineThroughIsolation(id *identity.Identity, ingress bool, m policy.RuleMeta) bool {
	fromBaseline := false
	for _, la := range m.LabelArray() {
		var cnp bool
		var name string
		for _, l := range la {
			switch l.Key {
			case k8sConst.PolicyLabelDerivedFrom:
				cnp = l.Value == "ClusterNetworkPolicy"
			case k8sConst.PolicyLabelName:
				name = l.Value
			}
		}
		fromBaseline = fromBaseline || cnp && e.baseline[name]
	}
	if !fromBaseline {
		return false
	}
	for _, entry := range e.isolating {
		if entry.Ingress == ingress && entry.Subject.Matches(id.LabelArray) {
			return true
		}
	}
	return false
}

func ruleNames(m policy.RuleMeta) string {
	var out []string
	for _, la := range m.LabelArray() {
		out = append(out, la.String())
	}
	sort.Strings(out)
	return "[" + strings.Join(out, " ") + "]"
}

// Verdict reports whether f is allowed.
func (e *Engine) Verdict(f Flow) (bool, error) {
	d, err := e.Decide(f)
	return d.Allowed, err
}
