package equivalence

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/conformance/oracle"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// result is what the three backends' Results have in common.
type result interface {
	YAML() ([]byte, error)
}

// toCompiled renders a backend's Result.
func toCompiled(res result, objects int, warnings []policy.Warning, err error) (*compiled, error) {
	if err != nil {
		return nil, err
	}
	y, err := res.YAML()
	if err != nil {
		return nil, fmt.Errorf("YAML: %w", err)
	}
	return &compiled{yaml: y, objects: objects, warnings: warnings}, nil
}

// k8snpBackend: Kubernetes NetworkPolicy with default options, judged by cyclonus. Its
// randset features are none: NetworkPolicy has no deny, cluster scope, L7, FQDN, entity,
// ICMP or service-account peers (k8snp refuses them all). Pod addresses lie where CIDR
// peers reach them, and the backend is not told: it must refuse every CIDR peer, since
// an ipBlock matching a pod would make the verdict implementation-defined.
var k8snpBackend = backend{
	name:     "k8snp",
	features: randset.Features{},
	compile: func(set *policy.Set, _ []netip.Prefix) (*compiled, error) {
		return compileK8sNP(set)
	},
	newEngine:     newCyclonusEngine,
	coverage:      Declared,
	exactIPBlocks: true,
	refusesRandom: "random Sets mostly have CIDR peers, refused without the cluster's ranges",
	unjudgeable:   notInSelectors,
}

// k8snpClusterBackend: k8snp told the cluster's ranges (ClusterCIDRs: the universes' pod
// ranges, which CIDR peers reach where they can), judged by cyclonus. Pods inside
// except ranges are judged; a pod an ipBlock matches is a mismatch.
var k8snpClusterBackend = backend{
	name:          "k8snp+ClusterCIDRs (cyclonus)",
	features:      randset.Features{},
	compile:       compileK8sNPCluster,
	newEngine:     newCyclonusEngine,
	coverage:      Declared,
	exactIPBlocks: true,
	unjudgeable:   notInSelectors,
}

// k8snpClusterCiliumBackend: the same output judged by Cilium's own translation of
// NetworkPolicy, which never lets an ipBlock match a pod and reads every selector as
// Kubernetes does, so it judges the flows cyclonus refuses; it models the host (the node
// reaches its pods; pods' egress to the node is judged).
var k8snpClusterCiliumBackend = backend{
	name:     "k8snp+ClusterCIDRs (Cilium)",
	features: randset.Features{},
	compile:  compileK8sNPCluster,
	newEngine: func(objs []runtime.Object, u oracle.Universe) (engine, error) {
		nps, err := networkPolicies(objs)
		if err != nil {
			return nil, err
		}
		e, err := oracle.NewNetworkPolicyCiliumEngine(nps, u)
		if err != nil {
			return nil, err
		}
		return e, nil
	},
	coverage:    Declared,
	modelsHost:  true,
	unjudgeable: filteredSelectorKeys,
}

// compileK8sNP compiles set for k8snp with opts.
func compileK8sNP(set *policy.Set, opts ...k8snp.Option) (*compiled, error) {
	res, err := k8snp.Compile(set, opts...)
	if err != nil {
		return nil, err
	}
	return toCompiled(res, len(res.Objects()), res.Warnings(), nil)
}

// compileK8sNPCluster compiles set for k8snp with the pod ranges declared.
func compileK8sNPCluster(set *policy.Set, pools []netip.Prefix) (*compiled, error) {
	return compileK8sNP(set, k8snp.ClusterCIDRs(pools...))
}

// networkPolicies returns objs, which k8snp emitted, as NetworkPolicies.
func networkPolicies(objs []runtime.Object) ([]*networkingv1.NetworkPolicy, error) {
	nps := make([]*networkingv1.NetworkPolicy, 0, len(objs))
	for _, o := range objs {
		np, ok := o.(*networkingv1.NetworkPolicy)
		if !ok {
			return nil, fmt.Errorf("k8snp emitted %T", o)
		}
		nps = append(nps, np)
	}
	return nps, nil
}

// newCyclonusEngine builds the NetworkPolicy engine of cyclonus over objs.
func newCyclonusEngine(objs []runtime.Object, u oracle.Universe) (engine, error) {
	nps, err := networkPolicies(objs)
	if err != nil {
		return nil, err
	}
	e, err := oracle.NewNetworkPolicyEngine(nps, u)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// notInSelectors reports NotIn requirements and empty-valued matchLabels in m's
// selectors: the NetworkPolicy engine refuses flows whose pods lack their keys (cyclonus
// misreads them there; see oracle.NetworkPolicyEngine).
func notInSelectors(m *policy.Model) []string {
	if anySelector(m, func(sel *metav1.LabelSelector) bool {
		return slices.ContainsFunc(sel.MatchExpressions, func(r metav1.LabelSelectorRequirement) bool {
			return r.Operator == metav1.LabelSelectorOpNotIn
		}) || slices.Contains(slices.Collect(maps.Values(sel.MatchLabels)), "")
	}) {
		return []string{"NotIn selector"}
	}
	return nil
}

// anySelector reports whether f holds for a subject's or a peer's pod or namespace
// selector of m.
func anySelector(m *policy.Model, f func(*metav1.LabelSelector) bool) bool {
	has := func(sel *metav1.LabelSelector) bool { return sel != nil && f(sel) }
	for _, p := range m.Policies {
		if has(&p.Subject.Pods) || has(p.Subject.NamespaceSelector) {
			return true
		}
		for _, d := range directions {
			for _, r := range p.Rules(d) {
				for _, x := range r.Peers {
					if has(x.PodSelector) || has(x.NamespaceSelector) {
						return true
					}
				}
			}
		}
	}
	return false
}

// filteredKey matches the label keys Cilium's default identity filter drops
// (pkg/labelsfilter: "!.*beta.kubernetes.io"), as pod or namespace labels.
var filteredKey = regexp.MustCompile(`beta\.kubernetes\.io`)

// filteredSelectorKeys reports selector keys of m that Cilium's identity filter drops:
// oracle.NetworkPolicyCiliumEngine cannot judge objects selecting on them.
func filteredSelectorKeys(m *policy.Model) []string {
	if anySelector(m, func(sel *metav1.LabelSelector) bool {
		return slices.ContainsFunc(slices.Collect(maps.Keys(sel.MatchLabels)), filteredKey.MatchString) ||
			slices.ContainsFunc(sel.MatchExpressions, func(r metav1.LabelSelectorRequirement) bool { return filteredKey.MatchString(r.Key) })
	}) {
		return []string{"selector key Cilium's identity filter drops"}
	}
	return nil
}

// ciliumBackend: Cilium 1.20 judged by its own policy repository. Pod addresses do not
// matter to it (CIDR rules never match pods), but a range is picked the same way.
var ciliumBackend = backend{
	name: "cilium",
	features: randset.Features{Deny: true, Cluster: true, L7: true, HTTPRegex: true, FQDN: true, Entities: true,
		ICMP: true, ServiceAccounts: true, Broad: true},
	compile: func(set *policy.Set, _ []netip.Prefix) (*compiled, error) {
		res, err := cilium.Compile(set)
		if err != nil {
			return nil, err
		}
		return toCompiled(res, len(res.Objects()), res.Warnings(), nil)
	},
	newEngine: func(objs []runtime.Object, u oracle.Universe) (engine, error) {
		e, err := oracle.NewCiliumEngine(objs, u)
		if err != nil {
			return nil, err
		}
		return e, nil
	},
	coverage:           AvoidPeers,
	modelsReserved:     true,
	modelsICMP:         true,
	modelsHostPolicies: true,
	structural:         ciliumStructure,
}

// calicoBackend: Calico 3.31 judged by its selector library under Felix's tier order,
// with default options: CIDR peers are refused, and pod addresses lie where CIDR peers
// reach, so that plain nets would show.
var calicoBackend = backend{
	name:     "calico",
	features: randset.Features{Deny: true, Cluster: true, ICMP: true, ServiceAccounts: true},
	compile: func(set *policy.Set, _ []netip.Prefix) (*compiled, error) {
		res, err := calico.Compile(set)
		if err != nil {
			return nil, err
		}
		return toCompiled(res, len(res.Objects()), res.Warnings(), nil)
	},
	newEngine:      newCalicoEngine,
	coverage:       Declared,
	perFamily:      true,
	modelsHost:     true,
	surroundings:   true,
	optionRefusals: []string{"CIDR peers"},
	structural:     calicoStructure,
}

// calicoClusterBackend: Calico told the cluster's ranges (ClusterCIDRs: the universes'
// pod ranges) and running application layer policy, which makes the world entity and
// HTTP rules exact; random Sets also use entities, and HTTP rules on ingress allows
// (L7IngressOnly: Calico refuses them on egress). Calico's application layer checker
// judges the HTTP requests of every compared Set.
var calicoClusterBackend = backend{
	name:     "calico+ClusterCIDRs+ALP",
	features: randset.Features{Deny: true, Cluster: true, Entities: true, ICMP: true, ServiceAccounts: true, L7: true, L7IngressOnly: true},
	compile: func(set *policy.Set, pools []netip.Prefix) (*compiled, error) {
		res, err := calico.Compile(set, calico.ClusterCIDRs(pools...), calico.ApplicationLayerPolicy())
		if err != nil {
			return nil, err
		}
		return toCompiled(res, len(res.Objects()), res.Warnings(), nil)
	},
	newEngine:    newCalicoEngine,
	coverage:     Declared,
	perFamily:    true,
	modelsHost:   true,
	surroundings: true,
	structural:   calicoStructure,
	requests:     true,
}

// newCalicoEngine builds the Calico engine (shared by both Calico variants).
func newCalicoEngine(objs []runtime.Object, u oracle.Universe) (engine, error) {
	e, err := oracle.NewCalicoEngine(objs, u)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// TestKubernetesNetworkPolicy checks k8snp's output for every scenario and random Set:
// valid for the API server, and, flow by flow, what cyclonus computes equals the
// reference evaluator.
func TestKubernetesNetworkPolicy(t *testing.T) {
	t.Parallel()
	runCorpus(t, k8snpBackend)
}

// TestKubernetesNetworkPolicyClusterCIDRs is TestKubernetesNetworkPolicy with the
// cluster's ranges declared, pods inside CIDR peers, judged by cyclonus.
func TestKubernetesNetworkPolicyClusterCIDRs(t *testing.T) {
	t.Parallel()
	runCorpus(t, k8snpClusterBackend)
}

// TestKubernetesNetworkPolicyClusterCIDRsCilium judges the same output with Cilium's
// translation of NetworkPolicy. Not parallel: the Cilium engine sets process-global
// Cilium options.
func TestKubernetesNetworkPolicyClusterCIDRsCilium(t *testing.T) {
	runCorpus(t, k8snpClusterCiliumBackend)
}

// TestCilium checks the cilium backend's output: valid for the CRD schema and the
// agent's parser, L7/FQDN rules structurally, and flow by flow what Cilium's policy
// engine computes equals the reference evaluator. Not parallel: the Cilium engine sets
// process-global Cilium options.
func TestCilium(t *testing.T) {
	runCorpus(t, ciliumBackend)
}

// TestCalico checks the calico backend's output with default options: valid for
// Calico's validator, HTTP rules structurally, and flow by flow what Felix's evaluation
// order over Calico's selectors computes equals the reference evaluator.
func TestCalico(t *testing.T) {
	t.Parallel()
	runCorpus(t, calicoBackend)
}

// TestCalicoClusterCIDRs is TestCalico with the cluster's ranges declared and
// application layer policy on.
func TestCalicoClusterCIDRs(t *testing.T) {
	t.Parallel()
	runCorpus(t, calicoClusterBackend)
}
