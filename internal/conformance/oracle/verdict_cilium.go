package oracle

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/endpoint/regeneration"
	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	"github.com/cilium/cilium/pkg/fqdn/dns"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/identity/identitymanager"
	k8sConst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/policy/api"
	policytypes "github.com/cilium/cilium/pkg/policy/types"
	policyutils "github.com/cilium/cilium/pkg/policy/utils"
	testcertificatemanager "github.com/cilium/cilium/pkg/testutils/certificatemanager"
	testidentity "github.com/cilium/cilium/pkg/testutils/identity"
	testpolicy "github.com/cilium/cilium/pkg/testutils/policy"
	ciliumtypes "github.com/cilium/cilium/pkg/types"
	"github.com/cilium/cilium/pkg/u8proto"
	"k8s.io/apimachinery/pkg/runtime"
)

// ciliumGlobalMu serializes the parts of Cilium that live in package globals:
// api.InitEntities (the "cluster" entity depends on the cluster name) and the
// conversion of rules to policy entries that reads it.
var ciliumGlobalMu sync.Mutex

// labelsFilterInit loads Cilium's default identity-label filter (the agent's
// --label-prefix-file unset): pod labels such as pod-template-hash or
// *.kubernetes.io are not part of a pod's identity.
//
// It also sets allow-localhost to "always", what the agent's default "auto"
// becomes in Kubernetes mode (daemon/cmd/daemon.go): the node can always reach
// its local pods. And it turns the host firewall on (enable-host-firewall), so that
// host policies apply to the host endpoints.
var labelsFilterInit = sync.OnceValue(func() error {
	ciliumGlobalMu.Lock()
	option.Config.UnsafeDaemonConfigOption.AllowLocalhost = option.AllowLocalhostAlways
	option.Config.EnableHostFirewall = true
	ciliumGlobalMu.Unlock()
	return labelsfilter.ParseLabelPrefixCfg(quietLogger, nil, nil, "")
})

// CiliumEngine answers what Cilium v1.20 allows, with the agent's own policy
// engine: the CNPs/CCNPs are validated and parsed (ValidateCilium), turned into
// policy entries (policyutils.RulesToPolicyEntries), added to a
// policy.Repository, and each flow is resolved as policy.LookupFlow resolves it,
// the function behind `cilium-dbg policy` simulation (wiring as in
// pkg/k8s/network_policy_test.go and pkg/policy/rule_test.go checkFlow), with each
// endpoint's distilled policy computed once per engine rather than once per flow.
//
// Identities: each pod gets its own identity from k8s:-source labels: the pod
// labels, io.kubernetes.pod.namespace, io.cilium.k8s.namespace.labels.<key>
// for each namespace label (kubernetes.io/metadata.name included),
// io.cilium.k8s.policy.cluster and io.cilium.k8s.policy.serviceaccount, passed
// through Cilium's default identity-label filter. Each external address gets a
// local CIDR identity (labels.GetCIDRLabels of its /32 or /128: cidr: plus
// reserved:world-ipv4/-ipv6), so toCIDR/toCIDRSet/world entities match it as
// in the agent. The host endpoint is the reserved:host identity with the local
// node's labels (Universe.HostLabels: k8s: source, through the identity filter, as
// pkg/endpoint InitWithNodeLabels gives them); as in the agent in Kubernetes mode
// (allow-localhost "auto" becomes "always"), the host may always reach local pods.
// Reserved endpoints are the reserved identities of
// pkg/identity with their labels (kube-apiserver, the identity of a remote node
// serving the API server, also carries reserved:remote-node). The "cluster"
// entity is initialized for Universe.ClusterName; Parse scopes selectors
// without a cluster label to that cluster (policy-default-local-cluster, the
// default).
//
// A verdict is the conjunction of the enforcing ends: the source's egress and the
// destination's ingress, where the end is a local pod or a node. The host firewall
// is on (enable-host-firewall): host policies (nodeSelector) decide at the host
// endpoint whose labels they select, ingress and egress, towards local pods too
// (bpf_lxc hands host-to-pod traffic to the host's egress policy first). The local
// node is the host end; the remote node's own agent enforces its host policies at
// the remote-node end, for its host endpoint (reserved:host and
// Universe.RemoteNodeLabels), where the other end is seen by its identity; the
// others see the remote node as reserved:remote-node. Flows between the two nodes
// are refused (each sees the other as a remote node). Other ends (external
// addresses, the other reserved endpoints, pods of a remote cluster) are reported
// allowed: Cilium enforces nothing for them here.
//
// Named ports are resolved as the agent resolves them, for every protocol (SCTP
// included): at ingress from the destination pod's own container ports
// (GetIngressNamedPort), at egress from the ports of the selected pods
// (NamedPortMultiMap).
//
// Limits (documented, not silently wrong):
//   - L7: an HTTP or DNS rule on a port counts as an L4 allow of that port
//     (the agent redirects the connection to the proxy, which then filters
//     requests); check L7 content structurally.
//   - toFQDNs selects the addresses the DNS proxy learned. Cilium 1.20 selects
//     them by identity labels: pkg/fqdn/namemanager (deriveLabelsForName) gives
//     each address the proxy saw in an answer for a name the label
//     fqdn:<pattern> (api.FQDNSelector.IdentityLabel) of every registered
//     toFQDNs selector whose regex (api.FQDNSelector.ToRegex, pkg/fqdn/matchpattern)
//     matches the name as the proxy spells it (lower case, fully qualified), and the
//     ipcache gives the address a new identity with them; the selector cache
//     selects those labels. The engine does the same for each external address
//     with DNS names (External.DNSNames), with the toFQDNs selectors of every
//     rule, on top of the address's CIDR labels: the agent adds to them the cidr:
//     label of the longest policy prefix holding the address (ipcache
//     mergeLabels), which every CIDR selector holding the address contains, so
//     CIDR selections are the same. An address without DNS names keeps its CIDR
//     identity: no answer named it.
//     This assumes the names were looked up: the flow's source resolves the name
//     before connecting. Where a toFQDNs selector of a rule selecting the source
//     matches a name of the destination but no DNS rule (rules.dns) of a rule
//     selecting the source admits the name (the proxy's matcher: the same
//     matchpattern regexes, dnsproxy.GeneratePattern), the proxy refuses the
//     source's lookup, and whether the address carries the label depends on other
//     endpoints' lookups: such flows are refused with ErrCannotJudge. Which DNS
//     server and port the DNS rule applies to is not checked (the structural
//     checks verify the rule the backend emits).
//   - toServices and toGroups need agent state (services, cloud groups): any
//     flow whose source pod is selected by such a policy is refused with
//     ErrCannotJudge.
//   - ICMP flows are looked up as Cilium keys ICMP rules: protocol ICMP or
//     ICMPv6, the type in the port's place. Type 0 (echo reply) would be port 0,
//     every port, in a policy key: such flows are refused with ErrCannotJudge.
//   - fromNodes/toNodes (node labels on remote-node identities, behind
//     enable-node-selector-labels) are not modeled: Parse refuses them.
//   - With the host firewall on, ICMPv6 to and from the nodes other than echo
//     request and reply is passed or dropped by type (RFC 4890) before any host
//     policy (bpf/lib/icmp6.h icmp6_host_handle): where any host policy exists,
//     such flows with a node end are refused with ErrCannotJudge.
//   - Authentication (mutual auth) requirements are ignored: the verdict is
//     the policy verdict before authentication.
//   - The policy.cilium.io/audit-mode annotation has no effect in Cilium OSS
//     (audit mode is a per-endpoint/agent setting): such policies enforce.
type CiliumEngine struct {
	mu    sync.Mutex
	u     *universe
	repo  *policy.Repository
	idMgr identitymanager.IDManager

	pods map[string]*identity.Identity // key namespace/name
	// namedPorts are the pods' named ports, key namespace/name.
	namedPorts map[string]ciliumtypes.NamedPortMap
	externals  map[netip.Addr]*identity.Identity
	// host is the local node's host endpoint: reserved:host and the node's labels.
	host *identity.Identity
	// remoteHost is the remote node's host endpoint as its own agent sees it (reserved:host
	// and the remote node's labels); every other node sees it as reserved:remote-node.
	remoteHost *identity.Identity
	reserved   map[string]*identity.Identity // by Endpoint.Reserved
	nextLocal  identity.NumericIdentity

	// hostPolicies is true when a rule selects nodes: the host firewall is then on.
	hostPolicies bool
	// subjects of policies whose verdict this engine cannot compute.
	serviceSubjects subjects
	// fqdnRules are the rules with toFQDNs selectors or DNS rules; fqdnSelectors are
	// their toFQDNs selectors with their regexes, what the selector cache registers
	// with the name manager (pkg/fqdn/namemanager RegisterFQDNSelector).
	fqdnRules     []fqdnRule
	fqdnSelectors map[api.FQDNSelector]*regexp.Regexp

	// policies caches distilled endpoint policies (see lookupFlow), by subject and
	// named ports; cleared whenever an identity is added.
	policies map[policyKey]*policy.EndpointPolicy
}

// policyKey identifies a distilled policy: the subject identity (the pointer tells the
// two host endpoints apart, which share the numeric identity) and the named ports.
type policyKey struct {
	subject *identity.Identity
	ports   string
}

// subjects are the subject selectors of some rules: of endpoint rules, matched against
// endpoints, and of host rules (nodeSelector), matched against host endpoints.
type subjects struct{ endpoints, nodes policytypes.Selectors }

func (s *subjects) add(r *api.Rule) {
	if r.NodeSelector.LabelSelector != nil {
		s.nodes = append(s.nodes, policytypes.NewLabelSelector(r.NodeSelector))
		return
	}
	s.endpoints = append(s.endpoints, policytypes.NewLabelSelector(r.EndpointSelector))
}

// selects reports whether a rule of s applies to the endpoint of identity id.
func (s *subjects) selects(id *identity.Identity) bool {
	if id.ID == identity.ReservedIdentityHost {
		return s.nodes.Matches(id.LabelArray)
	}
	return s.endpoints.Matches(id.LabelArray)
}

// fqdnRule is what a rule tells the DNS proxy and the name manager about the endpoints
// its subject selector selects: the toFQDNs selectors of its egress rules, and the
// regexes of the DNS rules (rules.dns) of their ports, the names the proxy lets them
// look up.
type fqdnRule struct {
	subject subjects
	fqdns   []api.FQDNSelector
	lookups []*regexp.Regexp
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

func (e *CiliumEngine) podLabels(p *Pod) labels.Labels {
	lbls := labels.Labels{}
	add := func(k, v string) {
		l := labels.NewLabel(k, v, labels.LabelSourceK8s)
		lbls[l.Key] = l
	}
	for k, v := range p.Labels {
		add(k, v)
	}
	add(k8sConst.PodNamespaceLabel, p.Namespace)
	for k, v := range e.u.namespaces[p.Namespace].Labels {
		add(k8sConst.PodNamespaceMetaLabelsPrefix+k, v)
	}
	add(k8sConst.PolicyLabelCluster, p.Cluster)
	add(k8sConst.PolicyLabelServiceAccount, p.ServiceAccount)
	idLabels, _ := labelsfilter.Filter(lbls)
	return idLabels
}

// hostLabels are the labels of a node's host endpoint (pkg/endpoint
// InitWithNodeLabels): reserved:host and the node's labels, k8s: source, passed
// through the identity-label filter.
func hostLabels(node map[string]string) labels.Labels {
	lbls := labels.NewFrom(labels.LabelHost)
	kept, _ := labelsfilter.Filter(labels.Map2Labels(node, labels.LabelSourceK8s))
	lbls.MergeLabels(kept)
	return lbls
}

func externalLabels(ip netip.Addr) labels.Labels {
	return labels.GetCIDRLabels(netip.PrefixFrom(ip, ip.BitLen()))
}

// NewCiliumEngine validates objs (each a *ciliumv2.CiliumNetworkPolicy or
// *ciliumv2.CiliumClusterwideNetworkPolicy) and loads them into a policy
// repository over u.
func NewCiliumEngine(objs []runtime.Object, u Universe) (*CiliumEngine, error) {
	v, err := npValidator()
	if err != nil {
		return nil, fmt.Errorf("cilium validator: %w", err)
	}
	e, err := newCiliumRepository(u)
	if err != nil {
		return nil, err
	}
	ciliumGlobalMu.Lock()
	defer ciliumGlobalMu.Unlock()
	api.InitEntities(e.u.cluster)
	for _, obj := range objs {
		rules, err := parseCilium(v, obj, e.u.cluster)
		if err != nil {
			return nil, err
		}
		if err := e.addRules(obj, rules); err != nil {
			return nil, err
		}
	}
	e.learnNames()
	return e, nil
}

// newCiliumRepository returns an engine over u with every identity registered and an
// empty policy repository: what the CNP engine and the NetworkPolicy engine share.
func newCiliumRepository(u Universe) (*CiliumEngine, error) {
	cu, err := u.compile()
	if err != nil {
		return nil, err
	}
	if err := labelsFilterInit(); err != nil {
		return nil, fmt.Errorf("cilium label filter: %w", err)
	}
	e := &CiliumEngine{
		u:          cu,
		pods:       map[string]*identity.Identity{},
		namedPorts: map[string]ciliumtypes.NamedPortMap{},
		externals:  map[netip.Addr]*identity.Identity{},
		// The host identity's labels are mutable in the agent (pkg/ipcache
		// updateReservedHostLabels): these are the local node's.
		host:       identity.NewIdentity(identity.ReservedIdentityHost, hostLabels(cu.hostLabels)),
		remoteHost: identity.NewIdentity(identity.ReservedIdentityHost, hostLabels(cu.remoteNodeLabels)),
		nextLocal:  identity.IdentityScopeLocal,
	}
	idMap := identity.IdentityMap{e.host.ID: e.host.LabelArray}
	e.reserved = map[string]*identity.Identity{}
	for _, name := range ReservedIdentities {
		id := identity.LookupReservedIdentity(identity.GetReservedID(name))
		if id == nil {
			return nil, fmt.Errorf("cilium: reserved identity %s missing", name)
		}
		e.reserved[name] = id
		idMap[id.ID] = id.LabelArray
	}
	npm := ciliumtypes.NewNamedPortMultiMap()
	for i, p := range cu.podOrder {
		id := identity.NewIdentity(identity.NumericIdentity(10000+i), e.podLabels(p))
		e.pods[podKey(p.Namespace, p.Name)] = id
		idMap[id.ID] = id.LabelArray
		ports := ciliumtypes.NamedPortMap{}
		for name, np := range p.NamedPorts {
			ports[name] = ciliumtypes.PortProto{Proto: ciliumProto(np.Protocol), Port: uint16(np.Port)}
		}
		npm.Update(id.ID, nil, ports)
		e.namedPorts[podKey(p.Namespace, p.Name)] = ports
	}
	for _, ip := range cu.externals {
		if _, dup := e.externals[ip]; dup {
			continue
		}
		e.nextLocal++
		id := identity.NewIdentity(e.nextLocal, externalLabels(ip))
		e.externals[ip] = id
		idMap[id.ID] = id.LabelArray
	}

	e.idMgr = identitymanager.NewIDManager(quietLogger)
	e.repo = policy.NewPolicyRepository(quietLogger, idMap, &testcertificatemanager.Fake{},
		envoypolicy.NewEnvoyL7RulesTranslator(quietLogger, certificatemanager.NewMockSecretManagerInline()),
		e.idMgr, testpolicy.NewPolicyMetricsNoop())
	e.repo.GetSelectorCache().SetLocalIdentityNotifier(testidentity.NewDummyIdentityNotifier())
	e.repo.SetNamedPortsGetter(namedPortsGetter{npm})
	e.idMgr.Subscribe(testpolicy.SelectorCacheObserver{Cache: e.repo.GetSubjectSelectorCache()})
	// Keep every identity known to the subject selector cache for the engine's
	// lifetime (LookupFlow adds and removes its two ends around each lookup).
	e.idMgr.Add(e.host)
	for _, id := range e.reserved {
		e.idMgr.Add(id)
	}
	for _, id := range e.pods {
		e.idMgr.Add(id)
	}
	for _, id := range e.externals {
		e.idMgr.Add(id)
	}
	return e, nil
}

// addRules adds the rules parsed from obj to the repository, noting the subjects of
// rules whose verdicts need agent state. The caller holds ciliumGlobalMu.
func (e *CiliumEngine) addRules(obj runtime.Object, rules api.Rules) error {
	for _, r := range rules {
		e.hostPolicies = e.hostPolicies || r.NodeSelector.LabelSelector != nil
		var fr fqdnRule
		for _, eg := range r.Egress {
			for _, s := range eg.ToFQDNs {
				if err := e.registerFQDNSelector(s); err != nil {
					return fmt.Errorf("%s: %w", describe(obj), err)
				}
				fr.fqdns = append(fr.fqdns, s)
			}
			for _, pr := range eg.ToPorts {
				if pr.Rules == nil {
					continue
				}
				for _, d := range pr.Rules.DNS {
					// A DNS rule is an FQDNSelector's twin: ToRegex compiles it as
					// dnsproxy.GeneratePattern does (matchpattern, lower case, FQDN).
					re, err := (*api.FQDNSelector)(&d).ToRegex()
					if err != nil {
						return fmt.Errorf("%s: DNS rule %+v: %w", describe(obj), d, err)
					}
					fr.lookups = append(fr.lookups, re)
				}
			}
			if len(eg.ToServices) > 0 || len(eg.ToGroups) > 0 {
				e.serviceSubjects.add(r)
			}
		}
		if len(fr.fqdns) > 0 || len(fr.lookups) > 0 {
			fr.subject.add(r)
			e.fqdnRules = append(e.fqdnRules, fr)
		}
		for _, eg := range r.EgressDeny {
			if len(eg.ToServices) > 0 || len(eg.ToGroups) > 0 {
				e.serviceSubjects.add(r)
			}
		}
		for _, in := range r.Ingress {
			if len(in.FromGroups) > 0 {
				return cannotJudge("%s uses fromGroups (cloud provider state)", describe(obj))
			}
		}
		for _, in := range r.IngressDeny {
			if len(in.FromGroups) > 0 {
				return cannotJudge("%s uses fromGroups (cloud provider state)", describe(obj))
			}
		}
	}
	e.repo.MustAddPolicyEntries(policyutils.RulesToPolicyEntries(rules))
	return nil
}

// registerFQDNSelector records a toFQDNs selector with its regex, as the name manager
// does (pkg/fqdn/namemanager RegisterFQDNSelector).
func (e *CiliumEngine) registerFQDNSelector(s api.FQDNSelector) error {
	if _, ok := e.fqdnSelectors[s]; ok {
		return nil
	}
	re, err := s.ToRegex()
	if err != nil {
		return fmt.Errorf("toFQDNs selector %s: %w", s.String(), err)
	}
	if e.fqdnSelectors == nil {
		e.fqdnSelectors = map[api.FQDNSelector]*regexp.Regexp{}
	}
	e.fqdnSelectors[s] = re
	return nil
}

// dnsNames returns the DNS names of an address as the DNS proxy hands them to the name
// manager: lower case and fully qualified (pkg/fqdn/dnsproxy).
func (e *CiliumEngine) dnsNames(ip netip.Addr) []string {
	var out []string
	for _, n := range e.u.dnsNames[ip] {
		out = append(out, strings.ToLower(dns.FQDN(n)))
	}
	return out
}

// learnNames gives each external address with DNS names the identity the agent gives
// it once the DNS proxy has seen the names answered with it: its CIDR labels plus the
// fqdn: label of every registered toFQDNs selector matching one of the names
// (pkg/fqdn/namemanager deriveLabelsForName); the ipcache then allocates a new identity
// for the address, which the selector caches learn of (UpdateIdentities). Addresses no
// selector matches keep their CIDR identity, as in the agent, which then adds no
// metadata. The caller adds every rule first.
func (e *CiliumEngine) learnNames() {
	added, deleted := identity.IdentityMap{}, identity.IdentityMap{}
	var renamed [][2]*identity.Identity
	for _, ip := range e.u.externals {
		old := e.externals[ip]
		if _, done := deleted[old.ID]; done {
			continue
		}
		lbls := labels.Labels{}
		for _, name := range e.dnsNames(ip) {
			for s, re := range e.fqdnSelectors {
				if re.MatchString(name) {
					l := s.IdentityLabel()
					lbls[l.Key] = l
				}
			}
		}
		if len(lbls) == 0 {
			continue
		}
		lbls.MergeLabels(externalLabels(ip))
		e.nextLocal++
		id := identity.NewIdentity(e.nextLocal, lbls)
		added[id.ID], deleted[old.ID] = id.LabelArray, old.LabelArray
		renamed = append(renamed, [2]*identity.Identity{old, id})
		e.externals[ip] = id
	}
	if len(renamed) == 0 {
		return
	}
	wg := &sync.WaitGroup{}
	e.repo.GetSelectorCache().UpdateIdentities(added, deleted, wg)
	wg.Wait()
	for _, r := range renamed {
		e.idMgr.RemoveOldAddNew(r[0], r[1])
	}
	clear(e.policies)
}

// unlearned returns an ErrCannotJudge error when the egress of src towards ip depends on
// whether the DNS proxy learned a name of ip that src cannot look up itself: a toFQDNs
// selector of a rule selecting src matches the name, and no DNS rule of a rule
// selecting src admits it. Otherwise the name manager's labels on ip (learnNames) are
// those the agent gives it after src looked the names up.
func (e *CiliumEngine) unlearned(src *identity.Identity, ip netip.Addr) error {
	names := e.dnsNames(ip)
	looksUp := func(name string) bool {
		for _, fr := range e.fqdnRules {
			if fr.subject.selects(src) {
				for _, re := range fr.lookups {
					if re.MatchString(name) {
						return true
					}
				}
			}
		}
		return false
	}
	for _, fr := range e.fqdnRules {
		if !fr.subject.selects(src) {
			continue
		}
		for _, s := range fr.fqdns {
			for _, name := range names {
				if e.fqdnSelectors[s].MatchString(name) && !looksUp(name) {
					return cannotJudge("toFQDNs %s selects %s, which no DNS rule lets the source look up through the DNS proxy: whether %s is learned depends on other endpoints' lookups",
						s.String(), name, ip)
				}
			}
		}
	}
	return nil
}

// identityOf returns the identity of an endpoint as the other end sees it, and the
// identity whose policy the end enforces, or nil when the end's decision does not
// count (only local pods and the nodes' host endpoints enforce policy). It creates CIDR
// identities for addresses not pre-registered in the universe.
func (e *CiliumEngine) identityOf(ep Endpoint) (_, subject *identity.Identity, _ error) {
	switch {
	case ep.Host:
		return e.host, e.host, nil
	case ep.Reserved == "remote-node":
		return e.reserved[ep.Reserved], e.remoteHost, nil
	case ep.Reserved != "":
		return e.reserved[ep.Reserved], nil, nil
	case ep.IsPod():
		p, err := e.u.pod(ep)
		if err != nil {
			return nil, nil, err
		}
		id := e.pods[podKey(p.Namespace, p.Name)]
		if p.Cluster != e.u.cluster {
			return id, nil, nil
		}
		return id, id, nil
	}
	if id, ok := e.externals[ep.IP]; ok {
		return id, nil, nil
	}
	e.nextLocal++
	id := identity.NewIdentity(e.nextLocal, externalLabels(ep.IP))
	wg := &sync.WaitGroup{}
	e.repo.GetSelectorCache().UpdateIdentities(identity.IdentityMap{id.ID: id.LabelArray}, nil, wg)
	wg.Wait()
	e.idMgr.Add(id)
	e.externals[ep.IP] = id
	// Cached policies were distilled without the new identity in their selections.
	clear(e.policies)
	return id, nil, nil
}

// lookupOwner is the policy.PolicyOwner that policy.LookupFlow distills policies for
// (its unexported endpointInfo): an endpoint with an ID and named ports, no previous
// state, not the host. Its named ports are resolved as the agent's endpoint resolves
// them (pkg/endpoint GetIngressNamedPort), for every protocol: policy.LookupFlow only
// takes TCP and UDP ones.
type lookupOwner struct {
	id    uint64
	ports ciliumtypes.NamedPortMap
}

func (o *lookupOwner) GetID() uint64 { return o.id }

func (o *lookupOwner) GetIngressNamedPort(name string, proto u8proto.U8proto) uint16 {
	port, _ := o.ports.GetNamedPort(name, proto)
	return port
}

func (o *lookupOwner) PolicyDebug(string, ...any) {}

func (o *lookupOwner) IsHost() bool { return false }

func (o *lookupOwner) PreviousMapStateSizes() policy.MapStateSizes { return policy.MapStateSizes{} }

func (o *lookupOwner) RegenerateIfAlive(*regeneration.ExternalRegenerationMetadata) <-chan bool {
	ch := make(chan bool)
	close(ch)
	return ch
}

// endpointPolicy returns id's policy as policy.LookupFlow computes it for a flow whose
// destination pod has the given named ports: ComputeSelectorPolicy, DistillPolicy with
// the fallback redirect, Ready, Detach, Supersede. The result only depends on those
// inputs and the repository, so it is cached.
func (e *CiliumEngine) endpointPolicy(id *identity.Identity, ports ciliumtypes.NamedPortMap) (*policy.EndpointPolicy, error) {
	key := policyKey{id, fmt.Sprint(ports)} // fmt prints maps sorted by key
	if epp, ok := e.policies[key]; ok {
		return epp, nil
	}
	sp, _, err := e.repo.ComputeSelectorPolicy(id)
	if err != nil {
		return nil, fmt.Errorf("resolve policy of identity %d: %w", id.ID, err)
	}
	epp := sp.DistillPolicy(quietLogger, &lookupOwner{id: uint64(id.ID), ports: ports},
		map[string]uint16{policy.FallbackRedirectID: math.MaxUint16})
	epp.Ready()
	epp.Detach(quietLogger)
	sp.Supersede()
	if e.policies == nil {
		e.policies = map[policyKey]*policy.EndpointPolicy{}
	}
	e.policies[key] = epp
	return epp, nil
}

// lookupFlow is policy.LookupFlow (pkg/policy/lookup.go, Cilium v1.20.2) with each
// endpoint's distilled policy computed once per engine instead of once per flow: the
// source's egress entry for the destination identity and port, the destination's
// ingress entry for the source identity and port, with ports the destination pod's
// named ports (nil for other destinations). The policies are src's and dst's,
// which are flow.From and flow.To except at a remote node, whose own host endpoint
// enforces what the others see as reserved:remote-node. Every identity of the engine
// is already in the subject selector cache (NewCiliumEngine, identityOf).
// TestCiliumLookupMatchesLookupFlow checks it against policy.LookupFlow.
func (e *CiliumEngine) lookupFlow(flow policytypes.Flow, src, dst *identity.Identity, ports ciliumtypes.NamedPortMap) (policytypes.LookupResult, policy.RuleMeta, policy.RuleMeta, error) {
	var verdict policytypes.LookupResult
	var egress, ingress policy.RuleMeta
	if flow.From.ID == 0 || flow.To.ID == 0 || flow.Dport == 0 || flow.Proto == 0 {
		return verdict, egress, ingress, fmt.Errorf("cannot lookup flow %+v: identity, port or protocol missing", flow)
	}
	srcPolicy, err := e.endpointPolicy(src, ports)
	if err != nil {
		return verdict, egress, ingress, err
	}
	entry, egress, _ := srcPolicy.Lookup(policy.EgressKey().WithIdentity(flow.To.ID).WithPortProto(flow.Proto, flow.Dport))
	verdict.Egress = policytypes.DecisionAllowed
	if entry.IsDeny() {
		verdict.Egress = policytypes.DecisionDenied
	}
	dstPolicy, err := e.endpointPolicy(dst, ports)
	if err != nil {
		return verdict, egress, ingress, err
	}
	entry, ingress, _ = dstPolicy.Lookup(policy.IngressKey().WithIdentity(flow.From.ID).WithPortProto(flow.Proto, flow.Dport))
	verdict.Ingress = policytypes.DecisionAllowed
	if entry.IsDeny() {
		verdict.Ingress = policytypes.DecisionDenied
	}
	return verdict, egress, ingress, nil
}

// Decide returns the verdict on f with the per-direction results.
func (e *CiliumEngine) Decide(f Flow) (Decision, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	flow, src, dst, ports, err := e.ciliumFlow(f)
	if err != nil {
		return Decision{}, err
	}
	verdict, egressMeta, ingressMeta, err := e.lookupFlow(flow, cmp.Or(src, flow.From), cmp.Or(dst, flow.To), ports)
	if err != nil {
		return Decision{}, fmt.Errorf("cilium lookup %v: %w", f, err)
	}
	d := Decision{
		EgressAllowed:  src == nil || verdict.Egress != policytypes.DecisionDenied,
		IngressAllowed: dst == nil || verdict.Ingress != policytypes.DecisionDenied,
	}
	d.Allowed = d.EgressAllowed && d.IngressAllowed
	d.Reason = fmt.Sprintf("egress %s by %v; ingress %s by %v", verdict.Egress, ruleNames(egressMeta), verdict.Ingress, ruleNames(ingressMeta))
	return d, nil
}

// ciliumFlow translates f into the flow LookupFlow takes and returns the identities
// whose policies decide at each end: src's egress and dst's ingress, nil where the
// end's decision does not count, and the destination pod's named ports. It refuses (ErrCannotJudge) flows whose verdict needs
// agent state.
func (e *CiliumEngine) ciliumFlow(f Flow) (_ policytypes.Flow, src, dst *identity.Identity, ports ciliumtypes.NamedPortMap, _ error) {
	fail := func(err error) (policytypes.Flow, *identity.Identity, *identity.Identity, ciliumtypes.NamedPortMap, error) {
		return policytypes.Flow{}, nil, nil, nil, err
	}
	proto, err := e.u.checkCiliumFlow(f)
	if err != nil {
		return fail(err)
	}
	if f.From.isNode() && f.To.isNode() {
		return fail(fmt.Errorf("flow %v: between two nodes, each sees the other as a remote node", f))
	}
	from, src, err := e.identityOf(f.From)
	if err != nil {
		return fail(err)
	}
	to, dst, err := e.identityOf(f.To)
	if err != nil {
		return fail(err)
	}
	if src != nil {
		if e.serviceSubjects.selects(src) {
			return fail(cannotJudge("source %s is selected by a policy with toServices/toGroups (needs agent service state)", f.From))
		}
		if f.To.IP.IsValid() {
			if err := e.unlearned(src, f.To.IP); err != nil {
				return fail(fmt.Errorf("flow %v: %w", f, err))
			}
		}
	}
	flow := policytypes.Flow{From: from, To: to, Proto: ciliumProto(proto), Dport: uint16(f.Port)}
	if f.ICMP != nil {
		// Cilium keys ICMP rules by protocol and type in the port's place
		// (api.ICMPField.PortProtocol), where port 0 means every port.
		if f.ICMP.Type == 0 {
			return fail(cannotJudge("ICMP type 0 is port 0 to Cilium's policy keys, which stands for every type"))
		}
		flow.Proto, flow.Dport = u8proto.ICMP, uint16(f.ICMP.Type)
		if f.ICMP.Family == "IPv6" {
			flow.Proto = u8proto.ICMPv6
			// bpf/lib/icmp6.h icmp6_host_handle: with the host firewall on, only echo
			// requests and replies reach the host policies.
			if e.hostPolicies && (f.From.isNode() || f.To.isNode()) && f.ICMP.Type != 128 && f.ICMP.Type != 129 {
				return fail(cannotJudge("the host firewall passes or drops ICMPv6 type %d by RFC 4890, before host policies", f.ICMP.Type))
			}
		}
		return flow, src, dst, nil, nil
	}
	if f.To.IsPod() {
		ports = e.namedPorts[podKey(f.To.Namespace, f.To.Pod)]
	}
	return flow, src, dst, ports, nil
}

func ruleNames(m policy.RuleMeta) []string {
	var out []string
	for _, la := range m.LabelArray() {
		out = append(out, la.String())
	}
	sort.Strings(out)
	return out
}

// Verdict reports whether f is allowed.
func (e *CiliumEngine) Verdict(f Flow) (bool, error) {
	d, err := e.Decide(f)
	return d.Allowed, err
}

// CiliumVerdict reports whether the Cilium policies objs allow f in u. See
// CiliumEngine for the semantics and limits; build an engine once when judging
// many flows.
func CiliumVerdict(objs []runtime.Object, u Universe, f Flow) (bool, error) {
	e, err := NewCiliumEngine(objs, u)
	if err != nil {
		return false, err
	}
	return e.Verdict(f)
}
