package cilium_test

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	k8sconst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/policy"
)

// engine interprets emitted Cilium policies the way the Cilium 1.20 agent enforces them,
// independently of the library's reference evaluator. It reads the rules after Cilium's own
// Parse (Sanitize, namespace scoping, local-cluster scoping, enableDefaultDeny defaults)
// and follows pkg/policy: a rule selects endpoints by its endpointSelector (pods) or
// nodeSelector (the host endpoint); per direction, an endpoint selected by rules of that
// direction is in default-deny if any of those rules has enableDefaultDeny set; a matching
// deny rule always wins; otherwise a matching allow rule (peer, port, then L7 in the proxy)
// admits; and a flow needs both ends. Peers match through security identities built from
// labels the way the agent builds them; entities expand through api.EntitySelectorMapping;
// CIDR rules match addresses outside the cluster only; toFQDNs matches names the endpoint's
// DNS proxy lets it look up (and so learn addresses for).
type engine struct {
	rules []*api.Rule
	// allowLocalhost is the agent's --allow-localhost=always, what the default "auto"
	// becomes on Kubernetes: the local node reaches its pods' ingress unless a deny rule
	// matches it. With false (policy), the rules alone decide.
	allowLocalhost bool
}

func newEngine(t testing.TB, res *cilium.Result) *engine {
	e := &engine{allowLocalhost: true}
	for _, p := range parseAll(t, res) {
		e.rules = append(e.rules, p.rules...)
	}
	return e
}

// identity is a security identity's labels: source → key → value.
type identity map[string]map[string]string

func (id identity) set(source, key, value string) {
	if id[source] == nil {
		id[source] = map[string]string{}
	}
	id[source][key] = value
}

// lookup resolves a selector key "source:key" ("any" matches every source).
func (id identity) lookup(k string) (string, bool) {
	source, key, ok := strings.Cut(k, ":")
	if !ok {
		source, key = "any", k
	}
	if source == "any" {
		for _, labels := range id {
			if v, ok := labels[key]; ok {
				return v, true
			}
		}
		return "", false
	}
	v, ok := id[source][key]
	return v, ok
}

func (id identity) matches(sel *slimv1.LabelSelector) bool {
	if sel == nil {
		return false
	}
	for k, v := range sel.MatchLabels {
		if got, ok := id.lookup(k); !ok || got != v {
			return false
		}
	}
	for _, r := range sel.MatchExpressions {
		got, ok := id.lookup(r.Key)
		in := false
		for _, v := range r.Values {
			in = in || (ok && got == v)
		}
		switch r.Operator {
		case slimv1.LabelSelectorOpIn:
			if !in {
				return false
			}
		case slimv1.LabelSelectorOpNotIn:
			if in {
				return false
			}
		case slimv1.LabelSelectorOpExists:
			if !ok {
				return false
			}
		case slimv1.LabelSelectorOpDoesNotExist:
			if ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// podIdentity is the identity the agent gives a pod: its labels, its namespace, the
// namespace's labels, its service account and its cluster, less the keys that the
// agent's default label filter (pkg/labelsfilter) drops.
func podIdentity(e policy.Endpoint) identity {
	id := identity{}
	for k, v := range e.Labels {
		if inIdentity(k) {
			id.set("k8s", k, v)
		}
	}
	id.set("k8s", k8sconst.PodNamespaceLabel, e.Namespace)
	for k, v := range e.NamespaceLabels {
		if k := k8sconst.PodNamespaceMetaLabelsPrefix + k; inIdentity(k) {
			id.set("k8s", k, v)
		}
	}
	cluster := e.Cluster
	if cluster == "" {
		cluster = clusterName
	}
	id.set("k8s", k8sconst.PolicyLabelCluster, cluster)
	if e.ServiceAccount != "" {
		id.set("k8s", k8sconst.PolicyLabelServiceAccount, e.ServiceAccount)
	}
	return id
}

// inIdentity reports whether Cilium's default label filter keeps a k8s label key in
// identities. Answers are cached: every flow asks about the same few keys.
func inIdentity(key string) bool {
	if kept, ok := filterCache.Load(key); ok {
		return kept.(bool)
	}
	kept, _ := labelsfilter.Filter(labels.Labels{key: labels.NewLabel(key, "", labels.LabelSourceK8s)})
	filterCache.Store(key, len(kept) == 1)
	return len(kept) == 1
}

var filterCache sync.Map

// selfIdentity is the identity of an endpoint whose own policy is judged: a local pod, or
// a node's host endpoint (reserved:host plus the node's labels).
func selfIdentity(e policy.Endpoint) identity {
	if e.Kind == policy.EndpointPod {
		return podIdentity(e)
	}
	id := identity{}
	id.set("reserved", "host", "")
	for k, v := range e.Labels {
		id.set("k8s", k, v)
	}
	return id
}

// peerIdentity is the identity of the other end as self's node sees it.
func peerIdentity(self, peer policy.Endpoint) identity {
	id := identity{}
	switch peer.Kind {
	case policy.EndpointPod:
		return podIdentity(peer)
	case policy.EndpointHost:
		if self.Kind == policy.EndpointRemoteNode {
			id.set("reserved", "remote-node", "")
			break
		}
		id = selfIdentity(peer)
	case policy.EndpointRemoteNode:
		id.set("reserved", "remote-node", "")
	case policy.EndpointKubeAPIServer:
		// The nodes that run the API server: identity 7 carries both labels
		// (pkg/identity, reservedIdentityLabels).
		id.set("reserved", "kube-apiserver", "")
		id.set("reserved", "remote-node", "")
	case policy.EndpointSystem:
		// Cilium's reserved identities health, ingress, init and unmanaged
		// (pkg/identity) carry one reserved label of that name.
		id.set("reserved", peer.Component, "")
	default:
		id.set("reserved", "world", "")
	}
	return id
}

func (e *engine) allowed(f policy.Flow) bool {
	return e.side(policy.Egress, f.From, f.To, f) && e.side(policy.Ingress, f.To, f.From, f)
}

// side judges one end: self enforces its policy in direction dir on traffic with peer.
func (e *engine) side(dir policy.Direction, self, peer policy.Endpoint, f policy.Flow) bool {
	node := self.Kind == policy.EndpointHost || self.Kind == policy.EndpointRemoteNode
	if !(self.Kind == policy.EndpointPod && self.Cluster == "") && !node {
		return true // not an endpoint of this cluster's agents
	}
	selfID, peerID := selfIdentity(self), peerIdentity(self, peer)
	var selecting []*api.Rule
	for _, r := range e.rules {
		var subject bool
		if r.NodeSelector.LabelSelector != nil {
			subject = node && selfID.matches(r.NodeSelector.LabelSelector)
		} else {
			subject = !node && selfID.matches(r.EndpointSelector.LabelSelector)
		}
		if subject && hasRules(r, dir) {
			selecting = append(selecting, r)
		}
	}
	if len(selecting) == 0 {
		return true
	}
	defaultDeny := false
	for _, r := range selecting {
		dd := r.EnableDefaultDeny.Ingress
		if dir == policy.Egress {
			dd = r.EnableDefaultDeny.Egress
		}
		defaultDeny = defaultDeny || dd == nil || *dd
	}
	for _, r := range selecting {
		for _, pr := range denyRules(r, dir) {
			if e.peerMatches(pr.common, pr.fqdns, len(pr.ports)+len(pr.icmps) > 0, self, peer, peerID, selecting) && portsMatch(pr.ports, pr.icmps, dir, self, f) != nil {
				return false
			}
		}
	}
	if !defaultDeny {
		return true
	}
	if e.allowLocalhost && dir == policy.Ingress && !node && peer.Kind == policy.EndpointHost {
		return true
	}
	for _, r := range selecting {
		for _, pr := range allowRules(r, dir) {
			if !e.peerMatches(pr.common, pr.fqdns, len(pr.ports)+len(pr.icmps) > 0, self, peer, peerID, selecting) {
				continue
			}
			matched := portsMatch(pr.ports, pr.icmps, dir, self, f)
			if matched == nil {
				continue
			}
			if l7Admits(matched, f) {
				return true
			}
		}
	}
	return false
}

func hasRules(r *api.Rule, dir policy.Direction) bool {
	if dir == policy.Ingress {
		return len(r.Ingress) > 0 || len(r.IngressDeny) > 0
	}
	return len(r.Egress) > 0 || len(r.EgressDeny) > 0
}

// peerRule is an allow or deny rule of either direction in one shape.
type peerRule struct {
	common peers
	fqdns  []api.FQDNSelector
	ports  api.PortRules
	icmps  api.ICMPRules
}

type peers struct {
	endpoints []api.EndpointSelector
	entities  []api.Entity
	cidrs     []api.CIDRRule
	other     bool // a peer kind this backend never emits
}

func allowRules(r *api.Rule, dir policy.Direction) []peerRule {
	var out []peerRule
	if dir == policy.Ingress {
		for _, x := range r.Ingress {
			out = append(out, peerRule{common: ingressPeers(x.IngressCommonRule), ports: x.ToPorts, icmps: x.ICMPs})
		}
		return out
	}
	for _, x := range r.Egress {
		out = append(out, peerRule{common: egressPeers(x.EgressCommonRule), fqdns: x.ToFQDNs, ports: x.ToPorts, icmps: x.ICMPs})
	}
	return out
}

func denyRules(r *api.Rule, dir policy.Direction) []peerRule {
	var out []peerRule
	if dir == policy.Ingress {
		for _, x := range r.IngressDeny {
			out = append(out, peerRule{common: ingressPeers(x.IngressCommonRule), ports: denyPorts(x.ToPorts), icmps: x.ICMPs})
		}
		return out
	}
	for _, x := range r.EgressDeny {
		out = append(out, peerRule{common: egressPeers(x.EgressCommonRule), ports: denyPorts(x.ToPorts), icmps: x.ICMPs})
	}
	return out
}

func denyPorts(in api.PortDenyRules) api.PortRules {
	var out api.PortRules
	for _, p := range in {
		out = append(out, api.PortRule{Ports: p.Ports})
	}
	return out
}

func ingressPeers(c api.IngressCommonRule) peers {
	return peers{endpoints: c.FromEndpoints, entities: c.FromEntities, cidrs: c.FromCIDRSet,
		other: len(c.FromCIDR)+len(c.FromGroups)+len(c.FromNodes)+len(c.FromRequires) > 0}
}

func egressPeers(c api.EgressCommonRule) peers {
	return peers{endpoints: c.ToEndpoints, entities: c.ToEntities, cidrs: c.ToCIDRSet,
		other: len(c.ToCIDR)+len(c.ToGroups)+len(c.ToNodes)+len(c.ToRequires)+len(c.ToServices) > 0}
}

// peerMatches reports whether the rule's peers cover peer. A rule without peers but with
// ports or ICMP matches every peer; a rule with neither ({}) matches nothing.
func (e *engine) peerMatches(p peers, fqdns []api.FQDNSelector, wildcardPeers bool, self, peer policy.Endpoint, peerID identity, selecting []*api.Rule) bool {
	if p.other {
		panic("the interpreter does not model fromCIDR, fromGroups, fromNodes, fromRequires or toServices")
	}
	if len(p.endpoints) == 0 && len(p.entities) == 0 && len(p.cidrs) == 0 && len(fqdns) == 0 {
		return wildcardPeers
	}
	for _, es := range p.endpoints {
		if peerID.matches(es.LabelSelector) {
			return true
		}
	}
	for _, ent := range p.entities {
		for _, es := range api.EntitySelectorMapping[ent] {
			if peerID.matches(es.LabelSelector) {
				return true
			}
		}
	}
	if peer.Kind == policy.EndpointExternal && peer.IP.IsValid() {
		for _, c := range p.cidrs {
			if cidrContains(c, peer.IP) {
				return true
			}
		}
	}
	if peer.Kind == policy.EndpointExternal && peer.DNSName != "" {
		for _, s := range fqdns {
			if fqdnMatches(s, peer.DNSName) && e.dnsProxyAdmits(self, selecting, peer.DNSName) {
				return true
			}
		}
	}
	return false
}

// dnsProxyAdmits reports whether the endpoint may look the name up through Cilium's DNS
// proxy, the only way toFQDNs learns the addresses of a name: some egress allow of a rule
// selecting it carries DNS rules that admit the name.
func (e *engine) dnsProxyAdmits(self policy.Endpoint, selecting []*api.Rule, name string) bool {
	for _, r := range selecting {
		for _, x := range r.Egress {
			for _, pr := range x.ToPorts {
				if pr.Rules == nil {
					continue
				}
				for _, d := range pr.Rules.DNS {
					if fqdnMatches(api.FQDNSelector(d), name) {
						return true
					}
				}
			}
		}
	}
	return false
}

func fqdnMatches(s api.FQDNSelector, name string) bool {
	re, err := s.ToRegex()
	if err != nil {
		return false
	}
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return re.MatchString(name)
}

func cidrContains(c api.CIDRRule, ip netip.Addr) bool {
	pfx, err := netip.ParsePrefix(string(c.Cidr))
	if err != nil || !pfx.Contains(ip) {
		return false
	}
	for _, x := range c.ExceptCIDRs {
		if xp, err := netip.ParsePrefix(string(x)); err == nil && xp.Contains(ip) {
			return false
		}
	}
	return true
}

// portsMatch returns the port rules that match the flow's traffic (an empty, non-nil slice
// when the rule matches all traffic), or nil when none does.
func portsMatch(ports api.PortRules, icmps api.ICMPRules, dir policy.Direction, self policy.Endpoint, f policy.Flow) []api.PortRule {
	if len(ports) == 0 && len(icmps) == 0 {
		return []api.PortRule{}
	}
	if f.ICMP != nil {
		for _, r := range icmps {
			for _, fld := range r.Fields {
				family := fld.Family
				if family == "" {
					family = api.IPv4Family
				}
				// The type takes a policy key's port, where 0 stands for every port.
				if family == string(f.ICMP.Family) && fld.Type != nil &&
					(fld.Type.String() == strconv.Itoa(int(f.ICMP.Type)) || fld.Type.String() == "0") {
					return []api.PortRule{}
				}
			}
		}
		return nil
	}
	var out []api.PortRule
	for _, pr := range ports {
		for _, pp := range pr.Ports {
			if portMatches(pp, f) {
				out = append(out, pr)
				break
			}
		}
	}
	return out
}

func portMatches(pp api.PortProtocol, f policy.Flow) bool {
	proto := string(pp.Protocol)
	if proto != "ANY" && proto != "" && proto != string(f.Protocol) {
		return false
	}
	if n, err := strconv.Atoi(pp.Port); err == nil {
		switch {
		case n == 0:
			return true
		case pp.EndPort != 0:
			return int32(n) <= f.Port && f.Port <= pp.EndPort
		default:
			return int32(n) == f.Port
		}
	}
	// A named port is the destination pod's container port of that name (ingress: the
	// endpoint itself; egress: the peer), with the same protocol.
	np, ok := f.To.NamedPorts[strings.ToLower(pp.Port)]
	return ok && np.Protocol == f.Protocol && np.Port == f.Port && (proto == string(f.Protocol))
}

// l7Admits reports whether the proxy admits the flow's request through one of the matched
// port rules: a port rule without L7 rules admits every request.
func l7Admits(matched []api.PortRule, f policy.Flow) bool {
	if len(matched) == 0 {
		return true
	}
	for _, pr := range matched {
		if pr.Rules == nil || pr.Rules.IsEmpty() {
			return true
		}
		switch {
		case f.HTTP != nil && len(pr.Rules.HTTP) > 0:
			for _, h := range pr.Rules.HTTP {
				if httpMatches(h, *f.HTTP) {
					return true
				}
			}
		case f.DNSQuery != "" && len(pr.Rules.DNS) > 0:
			for _, d := range pr.Rules.DNS {
				if fqdnMatches(api.FQDNSelector(d), f.DNSQuery) {
					return true
				}
			}
		default:
			// A plain connection, or a request of another protocol: L7 rules of this port
			// do not judge it.
			return true
		}
	}
	return false
}

// httpMatches follows the proxy's translation (pkg/envoy/policy): method, path and host
// are RE2 regexes matched against the whole value; each "Name: value" header must be
// present with exactly that value (all values of a repeated header, joined with ","), and
// "Name" alone must be present.
func httpMatches(h api.PortRuleHTTP, r policy.HTTPRequest) bool {
	full := func(re, s string) bool {
		if re == "" {
			return true
		}
		x, err := regexp.Compile(`^(?:` + re + `)$`)
		return err == nil && x.MatchString(s)
	}
	if !full(h.Method, r.Method) || !full(h.Path, r.Path) || !full(h.Host, r.Host) {
		return false
	}
	for _, hdr := range h.Headers {
		name, value, hasValue := strings.Cut(hdr, " ")
		name = strings.TrimRight(name, ":")
		var vals []string
		for _, have := range r.Headers {
			if strings.EqualFold(have.Name, name) {
				vals = append(vals, have.Value)
			}
		}
		if len(vals) == 0 || (hasValue && strings.Join(vals, ",") != value) {
			return false
		}
	}
	return true
}
