package oracle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// API versions the oracles understand.
const (
	apiVersionNetworking = "networking.k8s.io/v1"
	apiVersionCilium     = "cilium.io/v2"
	apiVersionCalico     = "projectcalico.org/v3"
)

// newObject returns an empty upstream object for apiVersion/kind.
func newObject(apiVersion, kind string) (runtime.Object, error) {
	switch apiVersion {
	case apiVersionNetworking:
		if kind == "NetworkPolicy" {
			return &networkingv1.NetworkPolicy{}, nil
		}
	case apiVersionCilium:
		switch kind {
		case "CiliumNetworkPolicy":
			return &ciliumv2.CiliumNetworkPolicy{}, nil
		case "CiliumClusterwideNetworkPolicy":
			return &ciliumv2.CiliumClusterwideNetworkPolicy{}, nil
		}
	case apiVersionCalico:
		switch kind {
		case calicov3.KindNetworkPolicy:
			return &calicov3.NetworkPolicy{}, nil
		case calicov3.KindGlobalNetworkPolicy:
			return &calicov3.GlobalNetworkPolicy{}, nil
		case calicov3.KindStagedNetworkPolicy:
			return &calicov3.StagedNetworkPolicy{}, nil
		case calicov3.KindStagedGlobalNetworkPolicy:
			return &calicov3.StagedGlobalNetworkPolicy{}, nil
		case calicov3.KindStagedKubernetesNetworkPolicy:
			return &calicov3.StagedKubernetesNetworkPolicy{}, nil
		case calicov3.KindTier:
			return &calicov3.Tier{}, nil
		case calicov3.KindNetworkSet:
			return &calicov3.NetworkSet{}, nil
		case calicov3.KindGlobalNetworkSet:
			return &calicov3.GlobalNetworkSet{}, nil
		case calicov3.KindHostEndpoint:
			return &calicov3.HostEndpoint{}, nil
		}
	}
	return nil, fmt.Errorf("unsupported apiVersion/kind %s/%s", apiVersion, kind)
}

// isBlank reports whether a YAML document holds nothing but comments and
// whitespace (a comment header, a trailing separator).
func isBlank(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

// DecodeYAML strictly decodes a multi-document YAML stream into upstream typed
// objects, chosen by each document's apiVersion and kind:
// networking.k8s.io/v1 NetworkPolicy; cilium.io/v2 CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy; projectcalico.org/v3 NetworkPolicy,
// GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy,
// StagedKubernetesNetworkPolicy, Tier, NetworkSet, GlobalNetworkSet and HostEndpoint.
//
// Documents that hold only comments or whitespace are skipped. Decoding is
// sigs.k8s.io/yaml.UnmarshalStrict: unknown and duplicate fields are errors,
// as they are for a server-side field validation of Strict. The returned
// objects keep their TypeMeta.
func DecodeYAML(multiDoc []byte) ([]runtime.Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(multiDoc)))
	var out []runtime.Object
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if isBlank(doc) {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		obj, err := newObject(tm.APIVersion, tm.Kind)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, err)
		}
		out = append(out, obj)
	}
	return out, nil
}

// describe names an object for error messages: Kind namespace/name.
func describe(obj runtime.Object) string {
	kind := fmt.Sprintf("%T", obj)
	if i := strings.LastIndexByte(kind, '.'); i >= 0 {
		kind = kind[i+1:]
	}
	if m, ok := obj.(metav1.Object); ok {
		if m.GetNamespace() != "" {
			return fmt.Sprintf("%s %s/%s", kind, m.GetNamespace(), m.GetName())
		}
		return fmt.Sprintf("%s %s", kind, m.GetName())
	}
	return kind
}

// checkTypeMeta accepts an empty TypeMeta (the server takes the kind from the
// URL) or exactly apiVersion/kind.
func checkTypeMeta(obj runtime.Object, apiVersion, kind string) error {
	gvk := obj.GetObjectKind().GroupVersionKind()
	if gvk.Empty() {
		return nil
	}
	av, k := gvk.ToAPIVersionAndKind()
	if av != apiVersion || k != kind {
		return fmt.Errorf("%s: TypeMeta says %s/%s, want %s/%s", describe(obj), av, k, apiVersion, kind)
	}
	return nil
}
