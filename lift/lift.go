package lift

import (
	"errors"
	"fmt"
	"strings"

	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Lift lifts the policies objs holds, with its namespaces' labels: the Set means what the
// objects mean in their engine. The objects must all be of one engine: how the policies of
// two engines combine on one cluster (both enforce, at different points) is no intent the
// Set could state, so objects of several engines are an error, as is a stream with no
// policy at all.
func Lift(objs *Objects, opts ...Option) (*policy.Set, error) {
	if objs == nil {
		return nil, errors.New("lift: no objects")
	}
	var engines []string
	for _, e := range []struct {
		name string
		n    int
	}{
		{"networking.k8s.io/v1 NetworkPolicy", len(objs.NetworkPolicies)},
		{"projectcalico.org/v3", objs.Calico.count()},
		{"cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy", len(objs.CiliumNetworkPolicies) + len(objs.CiliumClusterwideNetworkPolicies)},
	} {
		if e.n > 0 {
			engines = append(engines, e.name)
		}
	}
	switch {
	case len(engines) > 1:
		return nil, fmt.Errorf("lift: the objects are of %d engines (%s): lift each engine's objects on its own",
			len(engines), strings.Join(engines, ", "))
	case len(objs.NetworkPolicies) > 0:
		return NetworkPolicies(objs.NetworkPolicies, objs.Namespaces, opts...)
	case objs.Calico.count() > 0:
		return Calico(&objs.Calico, objs.Namespaces, opts...)
	case len(objs.CiliumNetworkPolicies)+len(objs.CiliumClusterwideNetworkPolicies) > 0:
		return Cilium(objs.CiliumNetworkPolicies, objs.CiliumClusterwideNetworkPolicies, objs.Namespaces, opts...)
	}
	return nil, errors.New("lift: the objects hold no policy")
}

// declareNamespaces declares the namespaces' labels in set, with the name label
// Kubernetes gives every namespace, appending their problems to out.
func declareNamespaces(set *policy.Set, namespaces []*corev1.Namespace, out *[]Problem) {
	seenNS := map[string]bool{}
	for i, ns := range namespaces {
		p := problems{object: fmt.Sprintf("namespaces[%d]", i), out: out}
		switch {
		case ns == nil:
			p.add(field.Required(field.NewPath(""), "a nil Namespace"))
			continue
		case ns.Name == "":
			p.add(field.Required(field.NewPath("metadata", "name"), ""))
			continue
		case seenNS[ns.Name]:
			p.add(field.Duplicate(field.NewPath("metadata", "name"), ns.Name))
			continue
		}
		seenNS[ns.Name] = true
		labels := map[string]string{policy.NamespaceNameLabel: ns.Name}
		for k, v := range ns.Labels {
			labels[k] = v
		}
		set.Namespace(ns.Name).Labels(labels)
	}
}

// isKubeDNS reports whether x is exactly policy.KubeDNS().
func isKubeDNS(x *policy.Peer) bool {
	return x.Kind == policy.PeerPods && x.Namespace == "kube-system" && x.NamespaceSelector == nil && !x.AllNamespaces &&
		x.ServiceAccount == "" && x.Cluster == "" && x.PodSelector != nil && len(x.PodSelector.MatchExpressions) == 0 &&
		len(x.PodSelector.MatchLabels) == 1 && x.PodSelector.MatchLabels["k8s-app"] == "kube-dns"
}
