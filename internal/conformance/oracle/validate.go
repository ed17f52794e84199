package oracle

import (
	"errors"
	"fmt"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Validate judges every object with the validator of its kind:
// ValidateNetworkPolicy for networking.k8s.io/v1 NetworkPolicy, ValidateCilium
// for Cilium policies, ValidateCalico (over all Calico objects of objs
// together, so tiers resolve) for Calico kinds. Any other type is an error.
// All errors are joined; each names its object.
func Validate(objs []runtime.Object) error {
	var errs []error
	var calico []runtime.Object
	for _, obj := range objs {
		switch o := obj.(type) {
		case *networkingv1.NetworkPolicy:
			if fe := ValidateNetworkPolicy(o); len(fe) > 0 {
				errs = append(errs, fmt.Errorf("%s: %w", describe(o), fe.ToAggregate()))
			}
		case *ciliumv2.CiliumNetworkPolicy, *ciliumv2.CiliumClusterwideNetworkPolicy:
			if err := ValidateCilium(o); err != nil {
				errs = append(errs, err)
			}
		default:
			if obj != nil && isCalico(obj) {
				calico = append(calico, obj)
				continue
			}
			errs = append(errs, fmt.Errorf("Validate: unsupported object %T", obj))
		}
	}
	if len(calico) > 0 {
		if err := ValidateCalico(calico); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
