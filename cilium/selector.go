package cilium

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	k8sconst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The labels Cilium puts on every pod's security identity, which is all that its selectors
// can match: the namespace, each namespace label under a prefix, the service account and
// the cluster-mesh cluster.
const (
	labelNamespace       = k8sconst.PodNamespaceLabel
	labelNamespacePrefix = k8sconst.PodNamespaceMetaLabelsPrefix
	labelServiceAccount  = k8sconst.PolicyLabelServiceAccount
	labelCluster         = k8sconst.PolicyLabelCluster
)

// selectorBuilder accumulates the requirements of one endpoint selector. Requirements are
// ANDed, so adding them in any order gives the same selector; build sorts them.
type selectorBuilder struct {
	labels map[string]string
	exprs  []slimv1.LabelSelectorRequirement
}

// match requires key=value. A second, different value for a key becomes an In requirement,
// which keeps the conjunction (and so matches nothing), as both requirements say.
func (b *selectorBuilder) match(key, value string) {
	if old, ok := b.labels[key]; ok {
		if old != value {
			b.expr(key, slimv1.LabelSelectorOpIn, value)
		}
		return
	}
	if b.labels == nil {
		b.labels = map[string]string{}
	}
	b.labels[key] = value
}

func (b *selectorBuilder) expr(key string, op slimv1.LabelSelectorOperator, values ...string) {
	vs := append([]string(nil), values...)
	sort.Strings(vs)
	b.exprs = append(b.exprs, slimv1.LabelSelectorRequirement{Key: key, Operator: op, Values: vs})
}

// add adds every requirement of sel, with keys renamed by key.
func (b *selectorBuilder) add(sel *metav1.LabelSelector, key func(string) string) {
	if sel == nil {
		return
	}
	for k, v := range sel.MatchLabels {
		b.match(key(k), v)
	}
	for _, r := range sel.MatchExpressions {
		b.expr(key(r.Key), slimv1.LabelSelectorOperator(r.Operator), r.Values...)
	}
}

// hasPositive reports whether the selector requires some label to be present (an equality,
// In or Exists), which only pods' identities carry for namespace keys.
func (b *selectorBuilder) hasPositive(key func(string) bool) bool {
	for k := range b.labels {
		if key(k) {
			return true
		}
	}
	for _, r := range b.exprs {
		if key(r.Key) && (r.Operator == slimv1.LabelSelectorOpIn || r.Operator == slimv1.LabelSelectorOpExists) {
			return true
		}
	}
	return false
}

// build returns the selector with requirements in a canonical order and duplicates dropped.
func (b *selectorBuilder) build() api.EndpointSelector {
	sort.Slice(b.exprs, func(i, j int) bool { return exprKey(b.exprs[i]) < exprKey(b.exprs[j]) })
	var exprs []slimv1.LabelSelectorRequirement
	for i, e := range b.exprs {
		if i > 0 && exprKey(e) == exprKey(b.exprs[i-1]) {
			continue
		}
		exprs = append(exprs, e)
	}
	return api.EndpointSelector{LabelSelector: &slimv1.LabelSelector{MatchLabels: b.labels, MatchExpressions: exprs}}
}

// podsSelector translates a selector of pods in the policy's own namespace, which Cilium
// leaves implicit. Labels alone (a service's pods, mostly) are copied with maps.Clone,
// cheaper than building the map anew.
func podsSelector(sel *metav1.LabelSelector) api.EndpointSelector {
	if len(sel.MatchExpressions) == 0 && len(sel.MatchLabels) > 0 {
		return api.EndpointSelector{LabelSelector: &slimv1.LabelSelector{MatchLabels: maps.Clone(sel.MatchLabels)}}
	}
	var b selectorBuilder
	b.add(sel, sameKey)
	return b.build()
}

// selectorKey is a canonical key of a built selector (whose expressions are sorted):
// cheaper than its JSON, and ordered the same way for the common case of labels only.
func selectorKey(sel *slimv1.LabelSelector) string {
	ls := make([]label, 0, len(sel.MatchLabels))
	for k, v := range sel.MatchLabels {
		ls = append(ls, label{k, v})
	}
	slices.SortFunc(ls, func(a, b label) int { return strings.Compare(a.key, b.key) })
	if len(sel.MatchExpressions) == 0 {
		return labelsKey(ls)
	}
	var b strings.Builder
	b.WriteString(labelsKey(ls))
	for _, r := range sel.MatchExpressions {
		b.WriteByte('\x02')
		b.WriteString(exprKey(r))
	}
	return b.String()
}

// label is a label of a selector: key=value.
type label struct{ key, value string }

// labelsKey is the key of a selector of the labels ls alone, sorted by key (see selectorKey).
func labelsKey(ls []label) string {
	n := 0
	for _, l := range ls {
		n += len(l.key) + len(l.value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for _, l := range ls {
		b.WriteString(l.key)
		b.WriteByte('=')
		b.WriteString(l.value)
		b.WriteByte('\x01')
	}
	return b.String()
}

func exprKey(r slimv1.LabelSelectorRequirement) string {
	return r.Key + "\x00" + string(r.Operator) + "\x00" + strings.Join(r.Values, "\x00")
}

func sameKey(k string) string { return k }

// namespaceKey is the identity label that carries a namespace label. Kubernetes sets
// kubernetes.io/metadata.name to the namespace's name; Cilium's own namespace label says
// the same on every pod identity, and is the one Cilium scopes policies with.
func namespaceKey(k string) string {
	if k == policy.NamespaceNameLabel {
		return labelNamespace
	}
	return labelNamespacePrefix + k
}

func isNamespaceKey(k string) bool {
	return k == labelNamespace || strings.HasPrefix(k, labelNamespacePrefix)
}

// namespaces adds the requirements that choose the namespaces of ns (nil: every namespace).
// Requirements on namespace labels alone would also match identities that carry no
// namespace label at all (world, host, ...) when they are negative (NotIn, DoesNotExist),
// so unless one of them requires a namespace label, the selector also requires that the
// endpoint has a namespace: that it is a pod.
func (b *selectorBuilder) namespaces(ns *metav1.LabelSelector) {
	b.add(ns, namespaceKey)
	if !b.hasPositive(isNamespaceKey) {
		b.expr(labelNamespace, slimv1.LabelSelectorOpExists)
	}
}

// The default identity label filter of the Cilium agent (pkg/labelsfilter,
// defaultLabelPrefixCfg, used when --labels and --label-prefix-file are not set). Pod and
// node labels it drops are not part of any security identity, so no selector can match
// them. A key is kept when no ignore pattern matches at its start, or when an include
// pattern matches a longer start than the shortest ignore pattern does.
var (
	identityInclude = anchored(
		`io\.kubernetes\.pod\.namespace`,
		`io\.cilium\.k8s\.namespace\.labels`,
		`app\.kubernetes\.io`,
		`io\.cilium\.k8s\.policy\.cluster`,
		`io\.cilium\.k8s\.policy\.serviceaccount`,
	)
	identityIgnore = anchored(
		`io\.kubernetes`,
		`kubernetes\.io`,
		`statefulset\.kubernetes\.io/pod-name`,
		`apps\.kubernetes\.io/pod-index`,
		`batch\.kubernetes\.io/job-completion-index`,
		`batch\.kubernetes\.io/controller-uid`,
		`.*beta\.kubernetes\.io`,
		`k8s\.io`,
		`pod-template-generation`,
		`pod-template-hash`,
		`controller-revision-hash`,
		`controller-uid`,
		`annotation.*`,
		`etcd_node`,
		`topology\.kubernetes\.io`,
	)
)

func anchored(patterns ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		out[i] = regexp.MustCompile(p)
	}
	return out
}

// inIdentity reports whether the default label filter keeps a pod or node label key.
func inIdentity(key string) bool {
	included, ignored := 0, 0
	for _, re := range identityInclude {
		if loc := re.FindStringIndex(key); loc != nil && loc[0] == 0 && loc[1] > included {
			included = loc[1]
		}
	}
	for _, re := range identityIgnore {
		if loc := re.FindStringIndex(key); loc != nil && loc[0] == 0 && (ignored == 0 || loc[1] < ignored) {
			ignored = loc[1]
		}
	}
	return ignored == 0 || included > ignored
}

// unmatchableKey explains why Cilium cannot match a pod or node label key the way the
// intent means it, or returns "".
func unmatchableKey(key string) string {
	if key == labelNamespace || strings.HasPrefix(key, "io.cilium.k8s.") {
		return "Cilium reserves this key for the labels it derives (namespace, namespace labels, service account, cluster); " +
			"a selector on it matches those, not a pod or node label"
	}
	if !inIdentity(key) {
		return "the Cilium agent's default identity label filter drops this key, so no security identity carries it " +
			"and a selector on it never matches"
	}
	return ""
}

// unmatchableNamespaceKey explains why Cilium cannot match a namespace label key, or
// returns "". A namespace label reaches a pod's identity as
// io.cilium.k8s.namespace.labels.<key>, which the default label filter drops when it
// matches an ignore pattern (.*beta\.kubernetes\.io) beyond the prefix it keeps.
func unmatchableNamespaceKey(key string) string {
	if key == policy.NamespaceNameLabel || inIdentity(labelNamespacePrefix+key) {
		return ""
	}
	return "the Cilium agent's default identity label filter drops " + labelNamespacePrefix + key +
		", the identity label that carries this namespace label, so a selector on it never matches"
}

// selectorKeys returns the label keys a selector mentions, sorted.
func selectorKeys(sel *metav1.LabelSelector) []string {
	if sel == nil {
		return nil
	}
	seen := map[string]bool{}
	for k := range sel.MatchLabels {
		seen[k] = true
	}
	for _, r := range sel.MatchExpressions {
		seen[r.Key] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
