package cnp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
	"sigs.k8s.io/yaml"
)

// validCNP is an Admin policy using every standard construct once.
func validCNP() *v1alpha2.ClusterNetworkPolicy {
	return &v1alpha2.ClusterNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "base"},
		Spec: v1alpha2.ClusterNetworkPolicySpec{
			Tier:     v1alpha2.AdminTier,
			Priority: 10,
			Subject: v1alpha2.ClusterNetworkPolicySubject{
				Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}},
			},
			Ingress: []v1alpha2.ClusterNetworkPolicyIngressRule{{
				Name:   "from-monitoring",
				Action: v1alpha2.ClusterNetworkPolicyRuleActionAccept,
				From: []v1alpha2.ClusterNetworkPolicyIngressPeer{{
					Pods: &v1alpha2.NamespacedPod{
						NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}},
						PodSelector:       metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"prom"}}}},
					},
				}},
				Protocols: []v1alpha2.ClusterNetworkPolicyProtocol{
					{TCP: &v1alpha2.ClusterNetworkPolicyProtocolTCP{DestinationPort: &v1alpha2.Port{Number: 9090}}},
					{UDP: &v1alpha2.ClusterNetworkPolicyProtocolUDP{DestinationPort: &v1alpha2.Port{Range: &v1alpha2.PortRange{Start: 1000, End: 2000}}}},
					{DestinationNamedPort: "metrics"},
				},
			}},
			Egress: []v1alpha2.ClusterNetworkPolicyEgressRule{{
				Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny,
				To: []v1alpha2.ClusterNetworkPolicyEgressPeer{
					{Networks: []v1alpha2.CIDR{"10.0.0.0/8", "fd00::/8"}},
					{Namespaces: &metav1.LabelSelector{}},
				},
			}},
		},
	}
}

func hasError(errs field.ErrorList, path string, typ field.ErrorType, detail string) bool {
	for _, e := range errs {
		if e.Field == path && e.Type == typ && strings.Contains(e.Detail, detail) {
			return true
		}
	}
	return false
}

func TestValidateValid(t *testing.T) {
	for _, experimental := range []bool{false, true} {
		if errs := Validate(validCNP(), experimental); len(errs) > 0 {
			t.Errorf("experimental=%v: %v", experimental, errs)
		}
	}
}

// TestValidateRejects breaks one rule of each kind the CRD holds: OpenAPI bounds,
// enums, maxItems, min/maxProperties, required, ObjectMeta, scope, and the CEL rules
// (the port range order and isCIDR in both channels; the named-port rule of the
// experimental channel). Each case names the field path, the error type and a part of
// the message, so a CEL rule is seen to run: its message is the CRD's.
func TestValidateRejects(t *testing.T) {
	tooMany := make([]v1alpha2.ClusterNetworkPolicyIngressRule, 26)
	for i := range tooMany {
		tooMany[i] = validCNP().Spec.Ingress[0]
	}
	tests := []struct {
		name   string
		mutate func(*v1alpha2.ClusterNetworkPolicy)
		// channels the object is refused in; it is valid in the others.
		standard, experimental bool
		path                   string
		typ                    field.ErrorType
		detail                 string
	}{
		{"priority above 1000", func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Priority = 1001 },
			true, true, "spec.priority", field.ErrorTypeInvalid, "less than or equal to 1000"},
		{"negative priority", func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Priority = -1 },
			true, true, "spec.priority", field.ErrorTypeInvalid, "greater than or equal to 0"},
		{"unknown tier", func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Tier = "Developer" },
			true, true, "spec.tier", field.ErrorTypeNotSupported, ""},
		{"unknown action", func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Egress[0].Action = "Allow" },
			true, true, "spec.egress[0].action", field.ErrorTypeNotSupported, ""},
		{"26 ingress rules", func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Ingress = tooMany },
			true, true, "spec.ingress", field.ErrorTypeTooMany, ""},
		{"subject with two selectors", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Subject.Pods = &v1alpha2.NamespacedPod{}
		}, true, true, "spec.subject", field.ErrorTypeTooMany, ""},
		{"no subject", func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Subject = v1alpha2.ClusterNetworkPolicySubject{} },
			true, true, "spec.subject", field.ErrorTypeInvalid, "at least 1"},
		{"empty peer", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Egress[0].To = append(c.Spec.Egress[0].To, v1alpha2.ClusterNetworkPolicyEgressPeer{})
		}, true, true, "spec.egress[0].to[2]", field.ErrorTypeInvalid, "at least 1"},
		{"port above 65535", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Ingress[0].Protocols[0].TCP.DestinationPort.Number = 65536
		}, true, true, "spec.ingress[0].protocols[0].tcp.destinationPort.number", field.ErrorTypeInvalid, "less than or equal to 65535"},
		{"CEL: port range start after end", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Ingress[0].Protocols[1].UDP.DestinationPort.Range.Start = 3000
		}, true, true, "spec.ingress[0].protocols[1].udp.destinationPort.range", field.ErrorTypeInvalid, "Start port must be less than End port"},
		{"CEL: port range of one port", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Ingress[0].Protocols[1].UDP.DestinationPort.Range.Start = 2000
		}, true, true, "spec.ingress[0].protocols[1].udp.destinationPort.range", field.ErrorTypeInvalid, "Start port must be less than End port"},
		{"CEL: networks entry not a CIDR", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Egress[0].To[0].Networks[1] = "10.0.0.1"
		}, true, true, "spec.egress[0].to[0].networks[1]", field.ErrorTypeInvalid, "Invalid CIDR format provided"},
		{"CEL (experimental): networks with a named port", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Egress[0].Protocols = []v1alpha2.ClusterNetworkPolicyProtocol{{DestinationNamedPort: "http"}}
		}, false, true, "spec.egress[0]", field.ErrorTypeInvalid, "cannot be set with namedPorts"},
		{"invalid name", func(c *v1alpha2.ClusterNetworkPolicy) { c.Name = "Base_1" },
			true, true, "metadata.name", field.ErrorTypeInvalid, ""},
		{"namespace on a cluster-scoped object", func(c *v1alpha2.ClusterNetworkPolicy) { c.Namespace = "default" },
			true, true, "metadata.namespace", field.ErrorTypeForbidden, ""},
		{"experimental field in the standard channel", func(c *v1alpha2.ClusterNetworkPolicy) {
			c.Spec.Egress[0].To[1] = v1alpha2.ClusterNetworkPolicyEgressPeer{DomainNames: []v1alpha2.DomainName{"*.example.com"}}
		}, true, false, "spec.egress[0].to[1].domainNames", field.ErrorTypeInvalid, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, experimental := range []bool{false, true} {
				c := validCNP()
				tt.mutate(c)
				errs := Validate(c, experimental)
				refused := tt.standard
				if experimental {
					refused = tt.experimental
				}
				switch {
				case !refused && len(errs) > 0:
					t.Errorf("experimental=%v: want valid, got %v", experimental, errs)
				case refused && !hasError(errs, tt.path, tt.typ, tt.detail):
					t.Errorf("experimental=%v: want %s error at %s with %q, got %v", experimental, tt.typ, tt.path, tt.detail, errs)
				}
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	if errs := Validate(nil, false); len(errs) == 0 {
		t.Error("nil ClusterNetworkPolicy accepted")
	}
}

// decodeCNPs strictly decodes the ClusterNetworkPolicies of a multi-document YAML
// file into the typed API.
func decodeCNPs(t *testing.T, path string) []*v1alpha2.ClusterNetworkPolicy {
	t.Helper()
	tmpl, err := template.ParseFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	// The suite renders its manifests with the host-network ports of its run
	// (conformance/utils/kubernetes apply.go).
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ HostNetworkPorts []int }{[]int{34567, 34568, 34569, 34570}}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	var out []*v1alpha2.ClusterNetworkPolicy
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if meta.Kind != "ClusterNetworkPolicy" {
			continue
		}
		c := &v1alpha2.ClusterNetworkPolicy{}
		if err := yaml.UnmarshalStrict(doc, c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, c)
	}
}

// TestValidateUpstreamManifests runs Validate on the ClusterNetworkPolicies of the
// network-policy-api conformance suite, which a conforming cluster accepts: the
// standard-* files in both channels, the experimental-* ones in the experimental
// channel only (they use nodes peers, unknown to the standard CRD).
func TestValidateUpstreamManifests(t *testing.T) {
	dir, err := moduleDir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "conformance", "base", "*", "*.yaml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("conformance manifests: %v, %d files", err, len(files))
	}
	n := 0
	for _, f := range files {
		experimentalOnly := strings.HasPrefix(filepath.Base(f), "experimental-")
		for _, c := range decodeCNPs(t, f) {
			n++
			if errs := Validate(c, true); len(errs) > 0 {
				t.Errorf("%s %s (experimental): %v", filepath.Base(f), c.Name, errs)
			}
			if errs := Validate(c, false); experimentalOnly != (len(errs) > 0) {
				t.Errorf("%s %s (standard): refused=%v, errors %v", filepath.Base(f), c.Name, len(errs) > 0, errs)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d ClusterNetworkPolicies in the conformance manifests", n)
	}
}

// TestValidateUpstreamCRDTests runs the network-policy-api's own CRD test cases
// (pkg/crdtest/testdata, which upstream runs against a real API server with the
// standard CRD) through the same decoding and strategy as Validate, as unstructured
// objects: the invalid ones do not fit the typed API.
func TestValidateUpstreamCRDTests(t *testing.T) {
	dir, err := moduleDir()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := servers[false]()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join(dir, "pkg", "crdtest", "testdata", want, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("crdtest %s: %v, %d files", want, err, len(files))
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			j, err := yaml.YAMLToJSON(b)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(j); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			errs := srv.validate(u)
			if (want == "invalid") != (len(errs) > 0) {
				t.Errorf("%s/%s: errors %v", want, filepath.Base(f), errs)
			}
		}
	}
}
