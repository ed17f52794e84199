package lift

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"

	k8sconst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ciliumSelector is an endpoint or node selector of a Cilium rule, split by what its keys
// select: the pod (or node) labels, the namespace (io.kubernetes.pod.namespace and the
// namespace labels Cilium copies onto pod identities), the service account, the
// cluster-mesh cluster, or one reserved identity.
type ciliumSelector struct {
	pods metav1.LabelSelector
	// namespaces holds the namespace requirements as requirements on namespace labels:
	// io.kubernetes.pod.namespace becomes kubernetes.io/metadata.name, which Kubernetes
	// sets to the namespace's name.
	namespaces metav1.LabelSelector
	// namespace is the namespace when io.kubernetes.pod.namespace=namespace is the only
	// namespace requirement.
	namespace string
	// hasNSKey and hasNSLabel say whether the selector names io.kubernetes.pod.namespace
	// or a namespace label; positiveNS whether it requires one to be present (only pod
	// identities carry them).
	hasNSKey, hasNSLabel, positiveNS bool
	serviceAccount, cluster          string
	// reserved is the reserved identity the selector selects, when it is one
	// reserved:<name> label and nothing else.
	reserved string
	// keys are the paths of the requirements on namespace, service account and cluster
	// keys, for refusals where they have no meaning.
	nsPath, saPath, clusterPath *field.Path
}

func emptySelector() metav1.LabelSelector { return metav1.LabelSelector{} }

func isEmptyES(es api.EndpointSelector) bool {
	return es.LabelSelector == nil || len(es.MatchLabels) == 0 && len(es.MatchExpressions) == 0
}

// The identity labels Cilium derives for pods (pkg/k8s/apis/cilium.io).
const (
	ciliumNamespaceKey       = k8sconst.PodNamespaceLabel
	ciliumNamespaceLabelsKey = k8sconst.PodNamespaceMetaLabelsPrefix
	ciliumServiceAccountKey  = k8sconst.PolicyLabelServiceAccount
	ciliumClusterKey         = k8sconst.PolicyLabelCluster
)

// identityFilter loads the Cilium agent's default identity label filter
// (pkg/labelsfilter, the agent's --labels and --label-prefix-file unset): pod and node
// labels it drops are in no security identity, so no selector can match them.
var identityFilter = sync.OnceValue(func() error {
	return labelsfilter.ParseLabelPrefixCfg(slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil, "")
})

// inIdentity reports whether the default identity label filter keeps a label key. Keys
// repeat across objects, so the answers are kept.
func (l *ciliumLifter) inIdentity(key string) bool {
	kept, ok := l.keyChecks[key]
	if ok {
		return kept
	}
	if identityFilter() == nil {
		ids, _ := labelsfilter.Filter(labels.Map2Labels(map[string]string{key: ""}, labels.LabelSourceK8s))
		kept = len(ids) > 0
	}
	l.keyChecks[key] = kept
	return kept
}

// selector splits a Cilium selector (see ciliumSelector), reporting the keys no intent
// selector can state. Keys are read as Cilium reads them (labels.ParseSelectLabel): a
// source prefix "k8s:" or "any:" selects Kubernetes labels, "reserved:" (or "$") Cilium's
// reserved identities, any other source labels that no intent selector matches.
func (l *ciliumLifter) selector(es api.EndpointSelector, path *field.Path, p problems) (ciliumSelector, bool) {
	var out ciliumSelector
	if es.LabelSelector == nil {
		return out, true
	}
	ok := true
	var reserved []string
	keyOf := func(raw string, kpath *field.Path) (string, bool) {
		lbl := labels.ParseSelectLabel(raw)
		switch lbl.Source {
		case labels.LabelSourceK8s, labels.LabelSourceAny:
			return lbl.Key, true
		case labels.LabelSourceReserved:
			reserved = append(reserved, lbl.Key)
			return "", false
		}
		p.add(field.Invalid(kpath, raw, fmt.Sprintf("selects labels of source %q, which only Kubernetes labels (k8s:, any:) "+
			"and reserved identities (reserved:) can be lifted from", lbl.Source)))
		ok = false
		return "", false
	}
	keys := make([]string, 0, len(es.MatchLabels))
	for k := range es.MatchLabels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	nsLabels := map[string]string{}
	var nsExprs []metav1.LabelSelectorRequirement
	for _, raw := range keys {
		v := es.MatchLabels[raw]
		kpath := path.Child("matchLabels").Key(raw)
		k, isK8s := keyOf(raw, kpath)
		if !isK8s {
			if k == "" && ok && v != "" {
				p.add(field.Invalid(kpath, v, "reserved labels have no value: this selects nothing"))
				ok = false
			}
			continue
		}
		switch kind := l.keyKind(k, kpath, p); kind {
		case keyPod:
			if out.pods.MatchLabels == nil {
				out.pods.MatchLabels = map[string]string{}
			}
			out.pods.MatchLabels[k] = v
		case keyNamespace:
			out.hasNSKey, out.positiveNS, out.nsPath = true, true, kpath
			out.namespace = v
			nsLabels[policy.NamespaceNameLabel] = v
		case keyNamespaceLabel:
			out.hasNSLabel, out.positiveNS, out.nsPath = true, true, kpath
			nsLabels[strings.TrimPrefix(k, ciliumNamespaceLabelsKey)] = v
		case keyServiceAccount:
			out.serviceAccount, out.saPath = v, kpath
		case keyCluster:
			out.cluster, out.clusterPath = v, kpath
		default:
			ok = false
		}
	}
	for i, r := range es.MatchExpressions {
		rpath := path.Child("matchExpressions").Index(i)
		k, isK8s := keyOf(r.Key, rpath.Child("key"))
		if !isK8s {
			continue
		}
		req := metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOperator(r.Operator), Values: slices.Clone(r.Values)}
		positive := req.Operator == metav1.LabelSelectorOpIn || req.Operator == metav1.LabelSelectorOpExists
		switch kind := l.keyKind(k, rpath.Child("key"), p); kind {
		case keyPod:
			out.pods.MatchExpressions = append(out.pods.MatchExpressions, req)
		case keyNamespace:
			out.hasNSKey, out.nsPath = true, rpath
			out.positiveNS = out.positiveNS || positive
			req.Key = policy.NamespaceNameLabel
			nsExprs = append(nsExprs, req)
		case keyNamespaceLabel:
			out.hasNSLabel, out.nsPath = true, rpath
			out.positiveNS = out.positiveNS || positive
			req.Key = strings.TrimPrefix(k, ciliumNamespaceLabelsKey)
			nsExprs = append(nsExprs, req)
		case keyServiceAccount, keyCluster:
			p.add(field.Invalid(rpath, r.Operator, "the service account and the cluster can only be lifted from matchLabels: "+
				"the intent names one of each"))
			ok = false
		default:
			ok = false
		}
	}
	if len(reserved) > 0 {
		if len(reserved) > 1 || len(es.MatchExpressions) > 0 || len(es.MatchLabels) != 1 {
			p.add(field.Invalid(path, "", "a selector of a reserved identity (reserved:) can only be lifted alone: "+
				"one reserved: label in matchLabels, as Cilium's entities select them"))
			return out, false
		}
		out.reserved = reserved[0]
	}
	if len(nsLabels) > 0 {
		out.namespaces.MatchLabels = nsLabels
	}
	out.namespaces.MatchExpressions = nsExprs
	if len(nsLabels) != 1 || len(nsExprs) > 0 || out.hasNSLabel {
		out.namespace = ""
	}
	for _, sel := range []*metav1.LabelSelector{&out.pods, &out.namespaces} {
		if errs := validSelector(sel, path); len(errs) > 0 {
			p.add(errs...)
			ok = false
		}
	}
	return out, ok
}

// The kinds of key of a Cilium selector.
const (
	keyInvalid = iota
	keyPod
	keyNamespace
	keyNamespaceLabel
	keyServiceAccount
	keyCluster
)

// keyKind classifies a Kubernetes-source key, reporting keys no intent selector can state.
func (l *ciliumLifter) keyKind(k string, path *field.Path, p problems) int {
	switch {
	case k == ciliumNamespaceKey:
		return keyNamespace
	case strings.HasPrefix(k, ciliumNamespaceLabelsKey):
		if !l.inIdentity(k) {
			p.add(field.Invalid(path, k, "the Cilium agent's default identity label filter drops this namespace label, "+
				"so the selector means something no intent selector says (it never matches)"))
			return keyInvalid
		}
		return keyNamespaceLabel
	case k == ciliumServiceAccountKey:
		return keyServiceAccount
	case k == ciliumClusterKey:
		return keyCluster
	case strings.HasPrefix(k, "io.cilium.k8s."):
		p.add(field.Invalid(path, k, "Cilium reserves the io.cilium.k8s. keys for the labels it derives; this one is in "+
			"no pod identity"))
		return keyInvalid
	case !l.inIdentity(k):
		p.add(field.Invalid(path, k, "the Cilium agent's default identity label filter drops this key, so no identity "+
			"carries it and the selector means something no intent selector says (a requirement on it never matches, "+
			"or always does)"))
		return keyInvalid
	}
	return keyPod
}

// subject reports what a subject's selector cannot select in the intent: intent subjects
// select pods (or nodes) by their labels alone. Namespace requirements a subject may carry
// are taken out by the caller.
func (s *ciliumSelector) subject(path *field.Path, what string, p problems) bool {
	ok := true
	if s.reserved != "" {
		p.add(field.Invalid(path, "reserved:"+s.reserved, "selects Cilium's reserved identity "+s.reserved+
			"; intent subjects are pods, or nodes (nodeSelector)"))
		ok = false
	}
	if s.hasNSKey || s.hasNSLabel {
		why := "Cilium limits a CiliumNetworkPolicy's endpointSelector to its own namespace; a requirement on another " +
			"namespace or on namespace labels selects nothing or a namespace-dependent subset, which no namespaced intent " +
			"subject says"
		if what == "node" {
			why = "nodes carry no namespace labels"
		}
		p.add(field.Invalid(s.nsPath, "", why))
		ok = false
	}
	if s.saPath != nil {
		p.add(field.Invalid(s.saPath, s.serviceAccount, "the intent selects no "+what+" subject by service account"))
		ok = false
	}
	if s.clusterPath != nil {
		p.add(field.Invalid(s.clusterPath, s.cluster, "a policy selects local "+what+"s only; the intent's subjects name no cluster"))
		ok = false
	}
	return ok
}

// namespaceSelector returns the namespace requirements, or an empty selector when they
// only require a namespace (every namespace).
func (s *ciliumSelector) namespaceSelector() metav1.LabelSelector {
	if len(s.namespaces.MatchLabels) == 0 && len(s.namespaces.MatchExpressions) == 1 {
		if r := s.namespaces.MatchExpressions[0]; r.Key == policy.NamespaceNameLabel && r.Operator == metav1.LabelSelectorOpExists {
			return emptySelector()
		}
	}
	return s.namespaces
}

// rulePeers are the lifted peers of a rule, and what it names that may only lift together
// with other rules of the same traffic (see coalesce): its entities (by the path of each)
// and selectors of every pod of the local cluster (localPods) or of every cluster
// (allPods).
type rulePeers struct {
	peers              []any
	entities           map[api.Entity]*field.Path
	order              []api.Entity
	localPods, allPods *field.Path
}

// peers lifts the peers of a rule. A rule that names no peer field selects every peer
// when it names traffic (and nothing otherwise); an empty peer list selects nothing.
func (l *ciliumLifter) peers(sub subject, cr ciliumRule, p problems) (rulePeers, bool) {
	out := rulePeers{entities: map[api.Entity]*field.Path{}}
	x := &cr.l3
	if x.empty {
		return out, true
	}
	if x.wildcard() {
		if len(cr.ports) == 0 && len(cr.icmps) == 0 {
			return out, true
		}
		if !checkHostDeny(sub, cr, true, cr.path, p) {
			return out, false
		}
		out.peers = []any{policy.Any()}
		return out, true
	}
	ok := true
	coversHost := false
	for i, es := range x.endpoints {
		path := cr.path.Child(x.endpointsField).Index(i)
		if isAllClusterPods(es) {
			out.allPods = path
			continue
		}
		peer, good := l.endpointPeer(sub, es, path, p)
		switch {
		case !good:
			ok = false
		case peer.Kind == policy.PeerPods && peer.AllNamespaces && peer.PodSelector == nil && peer.ServiceAccount == "" && peer.Cluster == "":
			out.localPods = path
		default:
			coversHost = coversHost || peer.Kind == policy.PeerEntity && peer.Entity == policy.EntityHost
			out.peers = append(out.peers, peer)
		}
	}
	for i, e := range x.entities {
		if out.entities[e] == nil {
			out.order = append(out.order, e)
			out.entities[e] = cr.path.Child(x.entitiesField).Index(i)
		}
		coversHost = coversHost || e == api.EntityHost || e == api.EntityCluster || e == api.EntityAll
	}
	if !checkHostDeny(sub, cr, coversHost, cr.path, p) {
		return out, false
	}
	for i, c := range x.cidrs {
		path := cr.path.Child(x.cidrField).Index(i)
		if peer, good := cidrPeer(string(c), nil, path, p); good {
			out.peers = append(out.peers, peer)
		} else {
			ok = false
		}
	}
	for i, c := range x.cidrSets {
		path := cr.path.Child(x.cidrSetField).Index(i)
		if c.CIDRGroupRef != "" || c.CIDRGroupSelector.LabelSelector != nil {
			p.add(field.Forbidden(path, "CIDR groups (cidrGroupRef, cidrGroupSelector) are CiliumCIDRGroup objects resolved "+
				"at run time; lift the group's CIDRs instead"))
			ok = false
			continue
		}
		except := make([]string, len(c.ExceptCIDRs))
		for j, e := range c.ExceptCIDRs {
			except[j] = string(e)
		}
		if peer, good := cidrPeer(string(c.Cidr), except, path.Child("cidr"), p); good {
			out.peers = append(out.peers, peer)
		} else {
			ok = false
		}
	}
	for _, f := range x.fqdns {
		name := f.MatchName
		if f.MatchPattern != "" {
			name = f.MatchPattern
		}
		// Cilium matches names in lower case, fully qualified (pkg/fqdn/matchpattern).
		out.peers = append(out.peers, policy.FQDN(strings.TrimSuffix(strings.ToLower(name), ".")))
	}
	return out, ok
}

// resolve lifts what coalesce left of the rule's entities and pod selectors.
func (rp *rulePeers) resolve(p problems) bool {
	ok := true
	for _, e := range rp.order {
		path, left := rp.entities[e]
		if !left {
			continue
		}
		peer, none, why := entityPeer(e)
		switch {
		case why != "":
			p.add(field.Invalid(path, e, why))
			ok = false
		case !none:
			rp.peers = append(rp.peers, peer)
		}
	}
	if rp.localPods != nil {
		rp.peers = append(rp.peers, policy.AllNamespaces())
	}
	if rp.allPods != nil {
		p.add(field.Invalid(rp.allPods, "", "selects the pods of every cluster, which the intent names only within policy.Any "+
			"(with the entities world, remote-node, kube-apiserver, health, ingress, init and unmanaged for the same traffic)"))
		ok = false
	}
	return ok
}

// systemEntities are Cilium's system endpoints, which the intent names only within
// policy.WholeCluster and policy.Any.
var systemEntities = []api.Entity{api.EntityHealth, api.EntityIngress, api.EntityInit, api.EntityUnmanaged}

// coalesce lifts the entities and pod selectors of rules of the same action and traffic
// that together are what policy.WholeCluster covers (the system endpoints, the nodes, the
// API server, the local cluster's pods) or policy.Any (also world and the pods of every
// cluster), taking them out of the rules. Cilium unions the peers of such rules, and the
// cilium backend splits these peers into one rule per kind. ownNodeExempt says the rules
// are ingress denies of pods, where the pod's own node is never cut in the intent, so they
// need not (must not) name it. What makes up no such peer is left for resolve.
func coalesce(rules []*rulePeers, ownNodeExempt bool) []any {
	has := func(es ...api.Entity) bool {
		for _, e := range es {
			if !slices.ContainsFunc(rules, func(rp *rulePeers) bool { return rp.entities[e] != nil }) {
				return false
			}
		}
		return true
	}
	local := slices.ContainsFunc(rules, func(rp *rulePeers) bool { return rp.localPods != nil })
	all := slices.ContainsFunc(rules, func(rp *rulePeers) bool { return rp.allPods != nil })
	cluster := has(systemEntities...) && has(api.EntityRemoteNode, api.EntityKubeAPIServer) && (ownNodeExempt || has(api.EntityHost))
	var peer policy.Peer
	taken := append(slices.Clone(systemEntities), api.EntityRemoteNode, api.EntityKubeAPIServer, api.EntityHost)
	switch {
	case cluster && all && has(api.EntityWorld):
		peer, taken = policy.Any(), append(taken, api.EntityWorld)
	case cluster && local:
		peer = policy.WholeCluster()
	default:
		return nil
	}
	for _, rp := range rules {
		for _, e := range taken {
			delete(rp.entities, e)
		}
		rp.localPods = nil
		if peer.Kind == policy.PeerAny {
			rp.allPods = nil
		}
	}
	return []any{peer}
}

// isAllClusterPods reports whether es selects exactly the pods of every cluster:
// io.kubernetes.pod.namespace and io.cilium.k8s.policy.cluster exist, nothing else.
func isAllClusterPods(es api.EndpointSelector) bool {
	if es.LabelSelector == nil || len(es.MatchLabels) > 0 || len(es.MatchExpressions) != 2 {
		return false
	}
	seen := map[string]bool{}
	for _, r := range es.MatchExpressions {
		if r.Operator != "Exists" {
			return false
		}
		seen[labels.ParseSelectLabel(r.Key).Key] = true
	}
	return seen[ciliumNamespaceKey] && seen[ciliumClusterKey]
}

// checkHostDeny refuses an ingress deny of a pod policy whose peers include the pod's own
// node: Cilium's denies win over allow-localhost and cut the node, which the intent always
// lets reach its pods (kubelet probes).
func checkHostDeny(sub subject, cr ciliumRule, coversHost bool, path *field.Path, p problems) bool {
	if !cr.deny || !cr.ingress || sub.host || !coversHost {
		return true
	}
	p.add(field.Forbidden(path, "this ingress deny also cuts the pod's own node (Cilium's denies win over "+
		"allow-localhost), which the intent always lets reach its pods (kubelet probes); deny the other "+
		"entities (remote-node, kube-apiserver, world, ...) or pods instead"))
	return false
}

// endpointPeer lifts an endpoint selector of fromEndpoints or toEndpoints, scoped as
// Cilium scopes it (ParseToCiliumRule): without a namespace requirement, to the policy's
// namespace in a CiliumNetworkPolicy (unless it names namespace labels) and to pods of
// every namespace in a clusterwide one; without a cluster label, to the local cluster.
func (l *ciliumLifter) endpointPeer(sub subject, es api.EndpointSelector, path *field.Path, p problems) (policy.Peer, bool) {
	sel, ok := l.selector(es, path, p)
	if !ok {
		return policy.Peer{}, false
	}
	if sel.reserved != "" {
		switch api.Entity(sel.reserved) {
		case api.EntityHost:
			return policy.Host(), true
		case api.EntityRemoteNode:
			return policy.RemoteNodes(), true
		case api.EntityKubeAPIServer:
			return policy.KubeAPIServer(), true
		}
		p.add(field.Invalid(path, "reserved:"+sel.reserved, "only the reserved identities host, remote-node and "+
			"kube-apiserver select what an intent peer does alone; use the entities (fromEntities, toEntities)"))
		return policy.Peer{}, false
	}
	if !sel.hasNSKey {
		switch {
		case sub.namespace == "":
			sel.positiveNS = true
		case !sel.hasNSLabel:
			sel.namespace, sel.positiveNS = sub.namespace, true
		}
	}
	if !sel.positiveNS {
		p.add(field.Invalid(path, "", "requires no namespace to be present, so it also matches identities that have none "+
			"(nodes by their labels, addresses, reserved endpoints), which no intent pod peer does; add a namespace requirement "+
			"such as io.kubernetes.pod.namespace Exists"))
		return policy.Peer{}, false
	}
	var peer policy.Peer
	switch ns := sel.namespaceSelector(); {
	case sel.namespace != "":
		peer = policy.Namespace(sel.namespace)
	case isEmpty(&ns):
		peer = policy.AllNamespaces()
	default:
		peer = policy.Namespaces(policy.LabelSelector(ns))
	}
	if !isEmpty(&sel.pods) {
		peer = peer.Pods(policy.LabelSelector(sel.pods))
	}
	if sel.serviceAccount != "" {
		peer = peer.WithServiceAccount(sel.serviceAccount)
	}
	if sel.clusterPath != nil && sel.cluster != l.opts.localCluster {
		if l.opts.localCluster == "" {
			p.add(field.Invalid(sel.clusterPath, sel.cluster, "names a cluster, which means the local pods when it is the "+
				"local cluster and cluster-mesh pods otherwise; declare the local cluster's name with lift.LocalCluster(name)"))
			return policy.Peer{}, false
		}
		peer = peer.InCluster(sel.cluster)
	}
	return peer, true
}

// entityPeer lifts an entity: the peer, or none for the entity that selects nothing, or
// why it has no intent equivalent.
func entityPeer(e api.Entity) (peer policy.Peer, none bool, why string) {
	switch e {
	case api.EntityAll:
		return policy.Any(), false, ""
	case api.EntityWorld:
		return policy.World(), false, ""
	case api.EntityWorldIPv4:
		return policy.CIDR("0.0.0.0/0"), false, ""
	case api.EntityWorldIPv6:
		return policy.CIDR("::/0"), false, ""
	case api.EntityCluster:
		return policy.WholeCluster(), false, ""
	case api.EntityHost:
		return policy.Host(), false, ""
	case api.EntityRemoteNode:
		return policy.RemoteNodes(), false, ""
	case api.EntityKubeAPIServer:
		return policy.KubeAPIServer(), false, ""
	case api.EntityNone:
		return policy.Peer{}, true, ""
	case api.EntityHealth, api.EntityIngress, api.EntityInit, api.EntityUnmanaged:
		return policy.Peer{}, false, "the intent names Cilium's system endpoints (health, ingress, init, unmanaged) only " +
			"together, within policy.WholeCluster and policy.Any; " + string(e) + " alone has no intent peer"
	case api.EntityClusterMesh:
		return policy.Peer{}, false, "cluster-mesh selects the pods of every cluster and every node and reserved endpoint; " +
			"the intent names pods of other clusters one cluster at a time"
	}
	return policy.Peer{}, false, "not an entity Cilium 1.20 knows"
}

// cidrPeer lifts a CIDR rule. Cilium's CIDR rules match addresses outside the cluster
// only (policy-cidr-match-mode unset: pods, nodes and reserved endpoints keep their own
// identities), which is what a CIDR peer means.
func cidrPeer(cidr string, except []string, path *field.Path, p problems) (policy.Peer, bool) {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		addr, aerr := netip.ParseAddr(cidr)
		if aerr != nil {
			p.add(field.Invalid(path, cidr, err.Error()))
			return policy.Peer{}, false
		}
		pfx = netip.PrefixFrom(addr, addr.BitLen())
	}
	if pfx != pfx.Masked() {
		p.add(field.Invalid(path, cidr, fmt.Sprintf("host bits are set; write %s", pfx.Masked())))
		return policy.Peer{}, false
	}
	return policy.CIDR(pfx.String(), except...), true
}
