package oracle

import (
	"errors"
	"fmt"

	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/calico/libcalico-go/lib/names"
	"github.com/projectcalico/calico/libcalico-go/lib/resources"
	calicovalidator "github.com/projectcalico/calico/libcalico-go/lib/validator/v3"
	"k8s.io/apimachinery/pkg/runtime"
)

// defaultPolicyTypesField is a copy of the unexported function of the same
// name in libcalico-go/lib/clientv3 (globalnetworkpolicy.go): what the Calico
// API server stores when spec.types is empty.
func defaultPolicyTypesField(ingressRules, egressRules []calicov3.Rule, types *[]calicov3.PolicyType) {
	if len(*types) == 0 {
		if len(egressRules) == 0 {
			*types = []calicov3.PolicyType{calicov3.PolicyTypeIngress}
		} else if len(ingressRules) == 0 {
			*types = []calicov3.PolicyType{calicov3.PolicyTypeEgress}
		} else {
			*types = []calicov3.PolicyType{calicov3.PolicyTypeIngress, calicov3.PolicyTypeEgress}
		}
	}
}

// isCalico reports whether obj is one of the Calico kinds the oracles handle.
func isCalico(obj runtime.Object) bool {
	switch obj.(type) {
	case *calicov3.NetworkPolicy, *calicov3.GlobalNetworkPolicy, *calicov3.StagedNetworkPolicy,
		*calicov3.StagedGlobalNetworkPolicy, *calicov3.StagedKubernetesNetworkPolicy, *calicov3.Tier,
		*calicov3.NetworkSet, *calicov3.GlobalNetworkSet, *calicov3.HostEndpoint:
		return true
	}
	return false
}

// tierNames returns the tiers that exist for objs: the implicit "default" plus
// every Tier in objs.
func tierNames(objs []runtime.Object) map[string]bool {
	tiers := map[string]bool{names.DefaultTierName: true}
	for _, o := range objs {
		if t, ok := o.(*calicov3.Tier); ok && t != nil {
			tiers[t.Name] = true
		}
	}
	return tiers
}

// ValidateCalico judges every object of objs (all must be projectcalico.org/v3
// NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy,
// StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy, Tier, NetworkSet
// or GlobalNetworkSet) as the Calico v3.31 API server does on create; its
// storage layer is libcalico-go's clientv3, whose Create methods
// (lib/clientv3/<kind>.go) do, in order:
//
//   - for policies: the referenced tier (spec.tier, "" meaning "default") must
//     exist — here: be a Tier in objs, or "default", which Calico always
//     creates;
//   - default spec.types from the rules present (policies; for staged ones
//     unless stagedAction is Delete), default a Tier's order (1,000,000) and
//     defaultAction (Deny) (resources.DefaultTierFields);
//   - validator.Validate (libcalico-go/lib/validator/v3) on the defaulted copy;
//   - for policies: names.ValidateTieredPolicyName(name, tier): a policy in
//     tier t must be named "t.<name>", a default-tier name must not contain a
//     dot unless it starts with "default.".
//
// Namespaced kinds must carry metadata.namespace, cluster-scoped ones must not.
// All errors are joined; each names the offending object.
func ValidateCalico(objs []runtime.Object) error {
	tiers := tierNames(objs)
	var errs []error
	for _, obj := range objs {
		if err := validateCalicoObject(obj, tiers); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func validateCalicoObject(obj runtime.Object, tiers map[string]bool) error {
	wrap := func(err error) error {
		if err == nil {
			return nil
		}
		return fmt.Errorf("%s: %w", describe(obj), err)
	}
	policy := func(name, tier string, validate func() error) error {
		tier = names.TierOrDefault(tier)
		if !tiers[tier] {
			return wrap(fmt.Errorf("tier %q does not exist", tier))
		}
		if err := validate(); err != nil {
			return wrap(err)
		}
		return wrap(names.ValidateTieredPolicyName(name, tier))
	}
	namespaced := func(ns string, want bool) error {
		if want && ns == "" {
			return wrap(errors.New("metadata.namespace is required"))
		}
		if !want && ns != "" {
			return wrap(errors.New("cluster-scoped: metadata.namespace must be empty"))
		}
		return nil
	}
	switch o := obj.(type) {
	case *calicov3.NetworkPolicy:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindNetworkPolicy), namespaced(o.Namespace, true)); err != nil {
			return err
		}
		c := o.DeepCopy()
		defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
		return policy(c.Name, c.Spec.Tier, func() error { return calicovalidator.Validate(c) })
	case *calicov3.GlobalNetworkPolicy:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindGlobalNetworkPolicy), namespaced(o.Namespace, false)); err != nil {
			return err
		}
		c := o.DeepCopy()
		defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
		return policy(c.Name, c.Spec.Tier, func() error { return calicovalidator.Validate(c) })
	case *calicov3.StagedNetworkPolicy:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindStagedNetworkPolicy), namespaced(o.Namespace, true)); err != nil {
			return err
		}
		c := o.DeepCopy()
		if c.Spec.StagedAction != calicov3.StagedActionDelete {
			defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
		} else {
			c.Spec.Types = nil
		}
		return policy(c.Name, c.Spec.Tier, func() error { return calicovalidator.Validate(c) })
	case *calicov3.StagedGlobalNetworkPolicy:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindStagedGlobalNetworkPolicy), namespaced(o.Namespace, false)); err != nil {
			return err
		}
		c := o.DeepCopy()
		if c.Spec.StagedAction != calicov3.StagedActionDelete {
			defaultPolicyTypesField(c.Spec.Ingress, c.Spec.Egress, &c.Spec.Types)
		} else {
			c.Spec.Types = nil
		}
		return policy(c.Name, c.Spec.Tier, func() error { return calicovalidator.Validate(c) })
	case *calicov3.StagedKubernetesNetworkPolicy:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindStagedKubernetesNetworkPolicy), namespaced(o.Namespace, true)); err != nil {
			return err
		}
		return wrap(calicovalidator.Validate(o.DeepCopy()))
	case *calicov3.Tier:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindTier), namespaced(o.Namespace, false)); err != nil {
			return err
		}
		c := o.DeepCopy()
		resources.DefaultTierFields(c)
		return wrap(calicovalidator.Validate(c))
	case *calicov3.NetworkSet:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindNetworkSet), namespaced(o.Namespace, true)); err != nil {
			return err
		}
		return wrap(calicovalidator.Validate(o.DeepCopy()))
	case *calicov3.GlobalNetworkSet:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindGlobalNetworkSet), namespaced(o.Namespace, false)); err != nil {
			return err
		}
		return wrap(calicovalidator.Validate(o.DeepCopy()))
	case *calicov3.HostEndpoint:
		if err := firstErr(checkTypeMeta(o, apiVersionCalico, calicov3.KindHostEndpoint), namespaced(o.Namespace, false)); err != nil {
			return err
		}
		return wrap(calicovalidator.Validate(o.DeepCopy()))
	}
	return fmt.Errorf("ValidateCalico: unsupported object %T", obj)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
