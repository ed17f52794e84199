package oracle

import (
	"context"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	genericvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/networking"
	_ "k8s.io/kubernetes/pkg/apis/networking/install" // registers networking.k8s.io defaults and conversions in legacyscheme
	"k8s.io/kubernetes/pkg/registry/networking/networkpolicy"
	"sigs.k8s.io/yaml"
)

// npRequestContext is what the API server's handler puts in the context of a
// create request for a NetworkPolicy in namespace ns.
func npRequestContext(ns string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	return genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true,
		Verb:              "create",
		APIPrefix:         "apis",
		APIGroup:          networkingv1.GroupName,
		APIVersion:        "v1",
		Namespace:         ns,
		Resource:          "networkpolicies",
		Name:              "",
	})
}

// storedNetworkPolicy is np as the API server stores it: validated
// (ValidateNetworkPolicy) and defaulted (defaultedNetworkPolicy).
func storedNetworkPolicy(np *networkingv1.NetworkPolicy) (*networkingv1.NetworkPolicy, error) {
	if fe := ValidateNetworkPolicy(np); len(fe) > 0 {
		return nil, fmt.Errorf("%s: %w", describe(np), fe.ToAggregate())
	}
	return defaultedNetworkPolicy(np)
}

// defaultedNetworkPolicy strictly round-trips np through YAML and applies the
// API server's defaulting (policyTypes, protocol TCP) to the copy.
func defaultedNetworkPolicy(np *networkingv1.NetworkPolicy) (*networkingv1.NetworkPolicy, error) {
	b, err := yaml.Marshal(np)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	var rt networkingv1.NetworkPolicy
	if err := yaml.UnmarshalStrict(b, &rt); err != nil {
		return nil, fmt.Errorf("strict round trip: %w", err)
	}
	legacyscheme.Scheme.Default(&rt)
	return &rt, nil
}

// ValidateNetworkPolicy judges np as the Kubernetes v1.36 API server does on
// create: the object is strictly round-tripped through YAML, defaulted
// (legacyscheme.Scheme.Default), converted to the internal
// networking.NetworkPolicy, passed through networkpolicy.Strategy.PrepareForCreate
// and Strategy.Validate (hand-written plus declarative validation), and, when
// that passes, through the generic ObjectMeta validation that
// rest.BeforeCreate runs afterwards. metadata.namespace must be set (the server
// takes it from the URL).
//
// Messages change between Kubernetes releases: assert on field paths and
// error types, not on text.
func ValidateNetworkPolicy(np *networkingv1.NetworkPolicy) field.ErrorList {
	if np == nil {
		return field.ErrorList{field.Required(field.NewPath(""), "nil NetworkPolicy")}
	}
	if err := checkTypeMeta(np, apiVersionNetworking, "NetworkPolicy"); err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("apiVersion"), np.APIVersion+"/"+np.Kind, err.Error())}
	}
	if np.Namespace == "" {
		return field.ErrorList{field.Required(field.NewPath("metadata", "namespace"), "the API server takes it from the request URL")}
	}
	rt, err := defaultedNetworkPolicy(np)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath(""), err)}
	}
	var internal networking.NetworkPolicy
	if err := legacyscheme.Scheme.Convert(rt, &internal, nil); err != nil {
		return field.ErrorList{field.InternalError(field.NewPath(""), fmt.Errorf("convert to internal: %w", err))}
	}
	ctx := npRequestContext(np.Namespace)
	networkpolicy.Strategy.PrepareForCreate(ctx, &internal)
	if errs := networkpolicy.Strategy.Validate(ctx, &internal); len(errs) > 0 {
		return errs
	}
	return genericvalidation.ValidateObjectMetaAccessor(&internal.ObjectMeta, networkpolicy.Strategy.NamespaceScoped(),
		path.ValidatePathSegmentName, field.NewPath("metadata"))
}

// NetworkPolicyWarnings returns the warnings the API server sends back when np
// is created (today: non-canonical CIDRs in ipBlocks). It assumes np is valid.
func NetworkPolicyWarnings(np *networkingv1.NetworkPolicy) ([]string, error) {
	rt, err := defaultedNetworkPolicy(np)
	if err != nil {
		return nil, err
	}
	var internal networking.NetworkPolicy
	if err := legacyscheme.Scheme.Convert(rt, &internal, nil); err != nil {
		return nil, err
	}
	return networkpolicy.Strategy.WarningsOnCreate(npRequestContext(np.Namespace), &internal), nil
}
