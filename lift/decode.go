package lift

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Objects are the objects a stream holds, by kind, in the order read.
type Objects struct {
	// NetworkPolicies are the networking.k8s.io/v1 NetworkPolicy objects.
	NetworkPolicies []*networkingv1.NetworkPolicy
	// Namespaces are the v1 Namespace objects, for their labels.
	Namespaces []*corev1.Namespace
	// CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies are the cilium.io/v2
	// objects of those kinds.
	CiliumNetworkPolicies            []*ciliumv2.CiliumNetworkPolicy
	CiliumClusterwideNetworkPolicies []*ciliumv2.CiliumClusterwideNetworkPolicy
}

// Decode reads a YAML stream (documents separated by "---") or a stream of JSON objects:
// networking.k8s.io/v1 NetworkPolicy, cilium.io/v2 CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy, and v1 Namespace objects, and v1 List objects holding
// them. Decoding is strict: a field the types do not know could change what an
// object means, so it is an error, as is every other kind. Every problem is reported, by
// document (counted from 1) and list item.
func Decode(r io.Reader) (*Objects, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	out := &Objects{}
	var errs []error
	for doc := 1; ; doc++ {
		var raw json.RawMessage
		if err := d.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", doc, err))
			break
		}
		errs = out.add(fmt.Sprintf("document %d", doc), raw, errs)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("lift: %w", errors.Join(errs...))
	}
	return out, nil
}

// add decodes one object (or list of objects) at where and appends its problems to errs.
func (o *Objects) add(where string, raw json.RawMessage, errs []error) []error {
	if len(raw) == 0 || string(raw) == "null" {
		return errs // an empty document
	}
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(raw, &tm); err != nil {
		return append(errs, fmt.Errorf("%s: %w", where, err))
	}
	switch {
	case tm.APIVersion == "v1" && tm.Kind == "List":
		var list struct {
			metav1.TypeMeta `json:",inline"`
			metav1.ListMeta `json:"metadata,omitempty"`
			Items           []json.RawMessage `json:"items"`
		}
		if err := yaml.UnmarshalStrict(raw, &list); err != nil {
			return append(errs, fmt.Errorf("%s: %w", where, err))
		}
		for i, item := range list.Items {
			errs = o.add(fmt.Sprintf("%s, items[%d]", where, i), item, errs)
		}
	case tm.APIVersion == "networking.k8s.io/v1" && tm.Kind == "NetworkPolicy":
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.UnmarshalStrict(raw, np); err != nil {
			return append(errs, fmt.Errorf("%s (NetworkPolicy): %w", where, err))
		}
		o.NetworkPolicies = append(o.NetworkPolicies, np)
	case tm.APIVersion == "cilium.io/v2" && tm.Kind == "CiliumNetworkPolicy":
		cnp := &ciliumv2.CiliumNetworkPolicy{}
		if err := yaml.UnmarshalStrict(raw, cnp); err != nil {
			return append(errs, fmt.Errorf("%s (CiliumNetworkPolicy): %w", where, err))
		}
		o.CiliumNetworkPolicies = append(o.CiliumNetworkPolicies, cnp)
	case tm.APIVersion == "cilium.io/v2" && tm.Kind == "CiliumClusterwideNetworkPolicy":
		ccnp := &ciliumv2.CiliumClusterwideNetworkPolicy{}
		if err := yaml.UnmarshalStrict(raw, ccnp); err != nil {
			return append(errs, fmt.Errorf("%s (CiliumClusterwideNetworkPolicy): %w", where, err))
		}
		o.CiliumClusterwideNetworkPolicies = append(o.CiliumClusterwideNetworkPolicies, ccnp)
	case tm.APIVersion == "v1" && tm.Kind == "Namespace":
		ns := &corev1.Namespace{}
		if err := yaml.UnmarshalStrict(raw, ns); err != nil {
			return append(errs, fmt.Errorf("%s (Namespace): %w", where, err))
		}
		o.Namespaces = append(o.Namespaces, ns)
	default:
		return append(errs, fmt.Errorf("%s: %s %q is not lifted; lift reads networking.k8s.io/v1 NetworkPolicy, "+
			"cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, v1 Namespace and v1 List", where, tm.APIVersion, tm.Kind))
	}
	return errs
}
