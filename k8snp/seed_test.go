package k8snp_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// seedDir holds the guide's seed manifests, byte-identical copies of the project's seed
// material (internal/conformance/oracle keeps the same copies and checks them against
// these), so that the module's own tests read them wherever it is cloned.
var seedDir = filepath.Join("testdata", "seed")

// seedCase says how a scenario relates to its seed manifest: which seed files make up the
// intent, and where the seed admits something else than the intent on purpose, as the
// scenario documents.
type seedCase struct {
	// also lists seed files the scenario expresses together with its Seed.
	also []string
	// ciliumL4 marks a CiliumNetworkPolicy seed of which the scenario expresses the L3/L4
	// part; its rules.http are ignored (they filter requests on connections the L3/L4 part
	// admits).
	ciliumL4 bool
	// differs selects the flows on which the seed decides a side differently from the intent;
	// nil means none does. why says why, as documented.
	differs func(policy.Flow) bool
	why     string
}

var seedCases = map[string]seedCase{
	"api-server": {
		differs: func(f policy.Flow) bool {
			frontend := f.From.Kind == policy.EndpointPod && f.From.NamespaceLabels["environment"] == "production" && f.From.Labels["role"] == "frontend"
			inCluster := f.From.Kind != policy.EndpointExternal && f.From.Kind != policy.EndpointHost
			return inCluster && !frontend && seedBlock.Contains(f.From.IP) && !seedExcept.Contains(f.From.IP) &&
				isPod(f.To, "production", "app", "api-server") && f.ICMP == nil && f.Protocol == policy.TCP && f.Port == 8080
		},
		why: "the seed's ipBlock 10.0.0.0/8 admits the cluster's own pods and nodes in that range where " +
			"ipBlocks match them (Calico, iptables-based CNIs); the intent's CIDR peer means outside " +
			"addresses only, so the output excepts the cluster's range.",
	},
	"default-deny": {
		also: []string{"03-allow-dns-egress.yaml"},
		why:  "the scenario is seeds 02 and 03 folded into one object",
	},
	"namespace-isolation": {},
	"microservice-l4": {
		ciliumL4: true,
		differs: func(f policy.Flow) bool {
			return isPod(f.From, "ecommerce", "app", "order-service") && isPod(f.To, "kube-system", "k8s-app", "kube-dns") &&
				f.ICMP == nil && f.Protocol == policy.SCTP && f.Port == 53
		},
		why: "the seed's DNS rule uses protocol ANY, which includes SCTP; the automatic DNS allowance is UDP and TCP 53",
	},
}

// The ipBlock of seed 01.
var (
	seedBlock  = netip.MustParsePrefix("10.0.0.0/8")
	seedExcept = netip.MustParsePrefix("10.0.1.0/24")
)

func isPod(e policy.Endpoint, ns, key, value string) bool {
	return e.Kind == policy.EndpointPod && e.Namespace == ns && e.Labels[key] == value
}

// TestSeedEquivalence checks, for every scenario whose seed is a NetworkPolicy manifest (and
// the L3/L4 part of seed 11), that the seed, the compiled output and the reference
// evaluator agree on every flow of a universe built from all of their selectors, ports and
// CIDRs, except the documented differences, which must show exactly where documented.
func TestSeedEquivalence(t *testing.T) {
	covered := map[string]bool{}
	for _, s := range scenarios.All() {
		if s.Seed == "" {
			continue
		}
		c, ok := seedCases[s.Name]
		if !ok {
			if kind := seedKind(t, s.Seed); kind == "NetworkPolicy" {
				t.Errorf("scenario %s expresses NetworkPolicy seed %s but seedCases says nothing about it", s.Name, s.Seed)
			}
			continue
		}
		covered[s.Name] = true
		t.Run(s.Name, func(t *testing.T) {
			var seed []*networkingv1.NetworkPolicy
			for _, file := range append([]string{s.Seed}, c.also...) {
				if c.ciliumL4 {
					seed = append(seed, ciliumL4(t, file))
				} else {
					seed = append(seed, decodeNetworkPolicies(t, file)...)
				}
			}
			checkSeed(t, s.Build(), seed, c)
		})
	}
	for name := range seedCases {
		if !covered[name] {
			t.Errorf("seedCases has %s, but no scenario of that name has a seed", name)
		}
	}
}

func checkSeed(t *testing.T, set *policy.Set, seed []*networkingv1.NetworkPolicy, c seedCase) {
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	res, err := k8snp.Compile(set, clusterCIDRs())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings()) > 0 {
		t.Fatalf("warnings: %v", res.Warnings())
	}
	u := buildUniverse(t, m, res.NetworkPolicies, seed)
	compiled := newEngine(res.NetworkPolicies)
	reportMismatches(t, compare(m, compiled, u))

	seedEngine := newEngine(seed)
	var differing, unexpected []string
	u.eachFlow(func(f policy.Flow) {
		se, si, sa := seedEngine.verdict(f)
		ce, ci, _ := compiled.verdict(f)
		documented := c.differs != nil && c.differs(f)
		switch {
		case documented && (se != ce || si != ci):
			// A side may differ where the other side denies anyway (the seed's ipBlock
			// admits api-server's own pods, whose egress the seed does not open).
			differing = append(differing, describeFlow(f))
		case documented:
			unexpected = append(unexpected, fmt.Sprintf("%s: documented as differing, but seed and output agree on both sides (allowed=%v)", describeFlow(f), sa))
		case se != ce || si != ci:
			unexpected = append(unexpected, fmt.Sprintf("%s: seed egress=%v ingress=%v, output egress=%v ingress=%v", describeFlow(f), se, si, ce, ci))
		}
	})
	if len(unexpected) > 0 {
		n := min(len(unexpected), 10)
		t.Errorf("%d flows disagree with the documented relation between seed and intent (%s); first %d:\n%s",
			len(unexpected), c.why, n, strings.Join(unexpected[:n], "\n"))
	}
	if c.differs != nil && len(differing) == 0 {
		t.Errorf("the documented difference (%s) shows on no flow; update seedCases and the scenario's comment", c.why)
	}
	t.Logf("%d flows judged by the seed differently, as documented", len(differing))
}

func readSeed(t *testing.T, file string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(seedDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	for _, d := range bytes.Split(data, []byte("\n---")) {
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func seedKind(t *testing.T, file string) string {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(readSeed(t, file)[0], &tm); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tm.Kind
}

func decodeNetworkPolicies(t *testing.T, file string) []*networkingv1.NetworkPolicy {
	t.Helper()
	var out []*networkingv1.NetworkPolicy
	for i, doc := range readSeed(t, file) {
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.UnmarshalStrict(doc, np); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		if np.APIVersion != "networking.k8s.io/v1" || np.Kind != "NetworkPolicy" {
			t.Fatalf("%s document %d is a %s %s, not a NetworkPolicy", file, i, np.APIVersion, np.Kind)
		}
		out = append(out, np)
	}
	return out
}

// cnp is the subset of CiliumNetworkPolicy whose L3/L4 meaning NetworkPolicy shares;
// decoding is strict, so a seed using anything else fails the test instead of being
// misread.
type cnp struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		EndpointSelector metav1.LabelSelector `json:"endpointSelector"`
		Ingress          []cnpRule            `json:"ingress"`
		Egress           []cnpRule            `json:"egress"`
	} `json:"spec"`
}

type cnpRule struct {
	FromEndpoints []metav1.LabelSelector `json:"fromEndpoints"`
	ToEndpoints   []metav1.LabelSelector `json:"toEndpoints"`
	ToPorts       []struct {
		Ports []struct {
			Port     string `json:"port"`
			Protocol string `json:"protocol"`
		} `json:"ports"`
		// Rules holds L7 rules, which filter requests on the connections that the L3/L4
		// part admits; the L3/L4 comparison ignores them.
		Rules map[string]any `json:"rules"`
	} `json:"toPorts"`
}

// ciliumL4 decodes a namespaced CiliumNetworkPolicy seed and returns the NetworkPolicy with
// the same L3/L4 meaning: a direction with rules is default-deny (enableDefaultDeny is
// absent); endpoint selectors without io.kubernetes.pod.namespace select pods of the
// policy's namespace; protocol ANY is TCP, UDP and SCTP.
func ciliumL4(t *testing.T, file string) *networkingv1.NetworkPolicy {
	t.Helper()
	docs := readSeed(t, file)
	if len(docs) != 1 {
		t.Fatalf("%s: %d documents, want one CiliumNetworkPolicy", file, len(docs))
	}
	var c cnp
	if err := yaml.UnmarshalStrict(docs[0], &c); err != nil {
		t.Fatalf("%s: outside the L3/L4 subset this test reads: %v", file, err)
	}
	if c.APIVersion != "cilium.io/v2" || c.Kind != "CiliumNetworkPolicy" || c.Metadata.Namespace == "" {
		t.Fatalf("%s is a %s %s in namespace %q, not a namespaced CiliumNetworkPolicy", file, c.APIVersion, c.Kind, c.Metadata.Namespace)
	}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: c.Metadata.Name, Namespace: c.Metadata.Namespace}}
	np.Spec.PodSelector = endpointSelector(t, file, c.Spec.EndpointSelector, false)
	if len(c.Spec.Ingress) > 0 {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	if len(c.Spec.Egress) > 0 {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	for _, r := range c.Spec.Ingress {
		if len(r.ToEndpoints) > 0 {
			t.Fatalf("%s: toEndpoints in an ingress rule", file)
		}
		np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{
			From: endpointPeers(t, file, r.FromEndpoints), Ports: ciliumPorts(t, file, r),
		})
	}
	for _, r := range c.Spec.Egress {
		if len(r.FromEndpoints) > 0 {
			t.Fatalf("%s: fromEndpoints in an egress rule", file)
		}
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
			To: endpointPeers(t, file, r.ToEndpoints), Ports: ciliumPorts(t, file, r),
		})
	}
	return np
}

const ciliumNamespaceLabel = "io.kubernetes.pod.namespace"

func endpointSelector(t *testing.T, file string, s metav1.LabelSelector, peer bool) metav1.LabelSelector {
	t.Helper()
	if len(s.MatchExpressions) > 0 {
		t.Fatalf("%s: matchExpressions are outside the subset this test reads", file)
	}
	if _, ok := s.MatchLabels[ciliumNamespaceLabel]; ok && !peer {
		t.Fatalf("%s: the endpointSelector of a namespaced policy names a namespace", file)
	}
	return s
}

func endpointPeers(t *testing.T, file string, sels []metav1.LabelSelector) []networkingv1.NetworkPolicyPeer {
	t.Helper()
	if len(sels) == 0 {
		t.Fatalf("%s: a rule without endpoints is outside the subset this test reads", file)
	}
	var out []networkingv1.NetworkPolicyPeer
	for _, s := range sels {
		s = endpointSelector(t, file, s, true)
		pods := copyLabels(s.MatchLabels)
		peer := networkingv1.NetworkPolicyPeer{}
		if ns, ok := pods[ciliumNamespaceLabel]; ok {
			delete(pods, ciliumNamespaceLabel)
			peer.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{policy.NamespaceNameLabel: ns}}
		}
		peer.PodSelector = &metav1.LabelSelector{MatchLabels: pods}
		out = append(out, peer)
	}
	return out
}

func ciliumPorts(t *testing.T, file string, r cnpRule) []networkingv1.NetworkPolicyPort {
	t.Helper()
	var out []networkingv1.NetworkPolicyPort
	for _, tp := range r.ToPorts {
		for _, p := range tp.Ports {
			n, err := strconv.Atoi(p.Port)
			if err != nil || n < 1 || n > 65535 {
				t.Fatalf("%s: port %q is outside the subset this test reads", file, p.Port)
			}
			protos := []corev1.Protocol{corev1.Protocol(p.Protocol)}
			switch p.Protocol {
			case "ANY", "":
				protos = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
			case "TCP", "UDP", "SCTP":
			default:
				t.Fatalf("%s: protocol %q is outside the subset this test reads", file, p.Protocol)
			}
			for _, proto := range protos {
				port := intstr.FromInt(n)
				out = append(out, networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &port})
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: a rule without toPorts is outside the subset this test reads", file)
	}
	return out
}
