package lift

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Objects are the objects a stream holds, by kind, in the order read.
type Objects struct {
	// NetworkPolicies are the networking.k8s.io/v1 NetworkPolicy objects.
	NetworkPolicies []*networkingv1.NetworkPolicy
	// Calico holds the projectcalico.org/v3 objects.
	Calico CalicoObjects
	// Namespaces are the v1 Namespace objects, for their labels.
	Namespaces []*corev1.Namespace
	// CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies are the cilium.io/v2
	// objects of those kinds.
	CiliumNetworkPolicies            []*ciliumv2.CiliumNetworkPolicy
	CiliumClusterwideNetworkPolicies []*ciliumv2.CiliumClusterwideNetworkPolicy
}

// Decode reads a YAML stream (documents separated by "---") or a stream of JSON objects:
// networking.k8s.io/v1 NetworkPolicy, cilium.io/v2 CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy, projectcalico.org/v3 Tier, NetworkPolicy,
// GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy and
// StagedKubernetesNetworkPolicy, and v1 Namespace objects, and v1 List objects holding
// them. Decoding is strict: a field the types do not know could change what an
// object means, so it is an error, as is every other kind. Every problem is reported, by
// document (counted from 1) and list item.
func Decode(r io.Reader) (*Objects, error) { return DecodeExtra(r, nil) }

// Extra decodes an object of a kind lift does not read, for the decoders of lift's
// subpackages: given where the object is (document and list item), its type and its
// JSON, it reports whether the object is its own, and its problems.
type Extra func(where string, tm metav1.TypeMeta, raw []byte) (taken bool, err error)

// DecodeExtra is Decode, with extra asked first about every object that is not a v1
// List (list items included): the objects it takes are neither read nor reported here.
// lift/clusternp's Decode reads ClusterNetworkPolicy objects so.
func DecodeExtra(r io.Reader, extra Extra) (*Objects, error) {
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
		errs = out.add(fmt.Sprintf("document %d", doc), raw, extra, errs)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("lift: %w", errors.Join(errs...))
	}
	return out, nil
}

// add decodes one object (or list of objects) at where, unless extra takes it, and
// appends its problems to errs.
func (o *Objects) add(where string, raw json.RawMessage, extra Extra, errs []error) []error {
	if len(raw) == 0 || string(raw) == "null" {
		return errs // an empty document
	}
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(raw, &tm); err != nil {
		return append(errs, fmt.Errorf("%s: %w", where, err))
	}
	if extra != nil && !(tm.APIVersion == "v1" && tm.Kind == "List") {
		if taken, err := extra(where, tm, raw); taken {
			if err != nil {
				errs = append(errs, err)
			}
			return errs
		}
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
			errs = o.add(fmt.Sprintf("%s, items[%d]", where, i), item, extra, errs)
		}
	case tm.APIVersion == "networking.k8s.io/v1" && tm.Kind == "NetworkPolicy":
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.UnmarshalStrict(raw, np); err != nil {
			return append(errs, fmt.Errorf("%s (NetworkPolicy): %w", where, err))
		}
		o.NetworkPolicies = append(o.NetworkPolicies, np)
	case tm.APIVersion == calicov3.GroupVersionCurrent:
		return o.Calico.add(where, tm.Kind, raw, errs)
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
	case tm.APIVersion == "policy.networking.k8s.io/v1alpha2" && tm.Kind == "ClusterNetworkPolicy":
		// This package cannot import v1alpha2 (see lift/clusternp's documentation).
		return append(errs, fmt.Errorf("%s: %s %q is not lifted here; lift/clusternp's Decode and Lift read it, "+
			"with the NetworkPolicies", where, tm.APIVersion, tm.Kind))
	default:
		return append(errs, fmt.Errorf("%s: %s %q is not lifted; lift reads networking.k8s.io/v1 NetworkPolicy, "+
			"cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, projectcalico.org/v3 policies and tiers, "+
			"v1 Namespace and v1 List", where, tm.APIVersion, tm.Kind))
	}
	return errs
}

// add decodes one projectcalico.org/v3 object of kind at where and appends its problems
// to errs.
func (c *CalicoObjects) add(where, kind string, raw json.RawMessage, errs []error) []error {
	var obj any
	switch kind {
	case calicov3.KindTier:
		x := &calicov3.Tier{}
		obj, c.Tiers = x, append(c.Tiers, x)
	case calicov3.KindNetworkPolicy:
		x := &calicov3.NetworkPolicy{}
		obj, c.NetworkPolicies = x, append(c.NetworkPolicies, x)
	case calicov3.KindGlobalNetworkPolicy:
		x := &calicov3.GlobalNetworkPolicy{}
		obj, c.GlobalNetworkPolicies = x, append(c.GlobalNetworkPolicies, x)
	case calicov3.KindStagedNetworkPolicy:
		x := &calicov3.StagedNetworkPolicy{}
		obj, c.StagedNetworkPolicies = x, append(c.StagedNetworkPolicies, x)
	case calicov3.KindStagedGlobalNetworkPolicy:
		x := &calicov3.StagedGlobalNetworkPolicy{}
		obj, c.StagedGlobalNetworkPolicies = x, append(c.StagedGlobalNetworkPolicies, x)
	case calicov3.KindStagedKubernetesNetworkPolicy:
		x := &calicov3.StagedKubernetesNetworkPolicy{}
		obj, c.StagedKubernetesNetworkPolicies = x, append(c.StagedKubernetesNetworkPolicies, x)
	default:
		return append(errs, fmt.Errorf("%s: %s %q is not lifted; lift reads the projectcalico.org/v3 kinds Tier, NetworkPolicy, "+
			"GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy and StagedKubernetesNetworkPolicy", where, calicov3.GroupVersionCurrent, kind))
	}
	if err := yaml.UnmarshalStrict(raw, obj); err != nil {
		return append(errs, fmt.Errorf("%s (%s): %w", where, kind, err))
	}
	return errs
}

// Append appends every object of other to o, kind by kind: o then holds what Decode
// returns for o's stream followed by other's.
func (o *Objects) Append(other *Objects) {
	o.NetworkPolicies = append(o.NetworkPolicies, other.NetworkPolicies...)
	o.CiliumNetworkPolicies = append(o.CiliumNetworkPolicies, other.CiliumNetworkPolicies...)
	o.CiliumClusterwideNetworkPolicies = append(o.CiliumClusterwideNetworkPolicies, other.CiliumClusterwideNetworkPolicies...)
	c, oc := &o.Calico, &other.Calico
	c.Tiers = append(c.Tiers, oc.Tiers...)
	c.NetworkPolicies = append(c.NetworkPolicies, oc.NetworkPolicies...)
	c.GlobalNetworkPolicies = append(c.GlobalNetworkPolicies, oc.GlobalNetworkPolicies...)
	c.StagedNetworkPolicies = append(c.StagedNetworkPolicies, oc.StagedNetworkPolicies...)
	c.StagedGlobalNetworkPolicies = append(c.StagedGlobalNetworkPolicies, oc.StagedGlobalNetworkPolicies...)
	c.StagedKubernetesNetworkPolicies = append(c.StagedKubernetesNetworkPolicies, oc.StagedKubernetesNetworkPolicies...)
	o.Namespaces = append(o.Namespaces, other.Namespaces...)
}

// All returns every object o holds, kind by kind (in the order of Objects' fields), each
// kind in the order read.
func (o *Objects) All() []runtime.Object {
	var out []runtime.Object
	out = appendAll(out, o.NetworkPolicies)
	out = appendAll(out, o.CiliumNetworkPolicies)
	out = appendAll(out, o.CiliumClusterwideNetworkPolicies)
	c := &o.Calico
	out = appendAll(out, c.Tiers)
	out = appendAll(out, c.NetworkPolicies)
	out = appendAll(out, c.GlobalNetworkPolicies)
	out = appendAll(out, c.StagedNetworkPolicies)
	out = appendAll(out, c.StagedGlobalNetworkPolicies)
	out = appendAll(out, c.StagedKubernetesNetworkPolicies)
	return appendAll(out, o.Namespaces)
}

func appendAll[T runtime.Object](out []runtime.Object, objs []T) []runtime.Object {
	for _, x := range objs {
		out = append(out, x)
	}
	return out
}
