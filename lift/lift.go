package lift

import (
	"errors"
	"fmt"
	"strings"

	"github.com/netintent/netintent/policy"
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
	case len(objs.CiliumNetworkPolicies)+len(objs.CiliumClusterwideNetworkPolicies) > 0:
		return Cilium(objs.CiliumNetworkPolicies, objs.CiliumClusterwideNetworkPolicies, objs.Namespaces, opts...)
	}
	return nil, errors.New("lift: the objects hold no policy")
}
