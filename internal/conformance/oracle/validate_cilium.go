package oracle

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2/validator"
	"github.com/cilium/cilium/pkg/policy/api"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// quietLogger discards the engines' logs.
var quietLogger = slog.New(slog.DiscardHandler)

var npValidator = sync.OnceValues(func() (*validator.NPValidator, error) {
	return validator.NewNPValidator(quietLogger)
})

// toUnstructured renders obj the way it reaches the API server: as JSON, with
// apiVersion and kind set.
func toUnstructured(obj runtime.Object, apiVersion, kind string) (*unstructured.Unstructured, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["apiVersion"] = apiVersion
	m["kind"] = kind
	return &unstructured.Unstructured{Object: m}, nil
}

// ValidateCilium judges a *ciliumv2.CiliumNetworkPolicy or
// *ciliumv2.CiliumClusterwideNetworkPolicy in two steps, as Cilium v1.20 does:
//
//  1. the CRD's OpenAPI schema plus Cilium's unknown-field check
//     (validator.NPValidator.ValidateCNP / ValidateCCNP, what cilium-operator
//     and `cilium policy validate` run). It does not run the CRD's single CEL
//     rule ("spec or specs must be provided"); step 2 enforces the same.
//  2. the agent's Parse on a DeepCopy (it runs api.Rule.Sanitize and the
//     namespace/cluster scoping; it rewrites its receiver, hence the copy).
//     Sanitize reads the global option.Config, left at its defaults here.
func ValidateCilium(obj runtime.Object) error {
	v, err := npValidator()
	if err != nil {
		return fmt.Errorf("cilium validator: %w", err)
	}
	_, err = parseCilium(v, obj, DefaultClusterName)
	return err
}

// parseCilium validates obj and returns the agent's parsed rules.
func parseCilium(v *validator.NPValidator, obj runtime.Object, clusterName string) (api.Rules, error) {
	switch o := obj.(type) {
	case *ciliumv2.CiliumNetworkPolicy:
		if o == nil {
			return nil, fmt.Errorf("nil CiliumNetworkPolicy")
		}
		if err := checkTypeMeta(o, apiVersionCilium, "CiliumNetworkPolicy"); err != nil {
			return nil, err
		}
		if o.Namespace == "" {
			return nil, fmt.Errorf("%s: metadata.namespace is required for a CiliumNetworkPolicy", describe(o))
		}
		u, err := toUnstructured(o, apiVersionCilium, "CiliumNetworkPolicy")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", describe(o), err)
		}
		if err := v.ValidateCNP(u); err != nil {
			return nil, fmt.Errorf("%s: schema: %w", describe(o), err)
		}
		rules, err := o.DeepCopy().Parse(quietLogger, clusterName)
		if err != nil {
			return nil, fmt.Errorf("%s: parse: %w", describe(o), err)
		}
		return rules, nil
	case *ciliumv2.CiliumClusterwideNetworkPolicy:
		if o == nil {
			return nil, fmt.Errorf("nil CiliumClusterwideNetworkPolicy")
		}
		if err := checkTypeMeta(o, apiVersionCilium, "CiliumClusterwideNetworkPolicy"); err != nil {
			return nil, err
		}
		if o.Namespace != "" {
			return nil, fmt.Errorf("%s: a CiliumClusterwideNetworkPolicy is cluster-scoped: metadata.namespace must be empty", describe(o))
		}
		u, err := toUnstructured(o, apiVersionCilium, "CiliumClusterwideNetworkPolicy")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", describe(o), err)
		}
		if err := v.ValidateCCNP(u); err != nil {
			return nil, fmt.Errorf("%s: schema: %w", describe(o), err)
		}
		rules, err := o.DeepCopy().Parse(quietLogger, clusterName)
		if err != nil {
			return nil, fmt.Errorf("%s: parse: %w", describe(o), err)
		}
		return rules, nil
	}
	return nil, fmt.Errorf("ValidateCilium: unsupported object %T", obj)
}
