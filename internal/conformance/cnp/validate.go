package cnp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
	"sigs.k8s.io/yaml"
)

// networkPolicyAPIModule is the module whose CRDs Validate reads, at the version this
// module requires.
const networkPolicyAPIModule = "sigs.k8s.io/network-policy-api"

// crdFile is the ClusterNetworkPolicy CRD of a channel ("standard" or "experimental")
// inside networkPolicyAPIModule.
func crdFile(channel string) string {
	return filepath.Join("config", "crd", channel, "policy.networking.k8s.io_clusternetworkpolicies.yaml")
}

// crdServer is what the API server builds from the CRD to serve one version
// (pkg/apiserver customresource_handler.go getOrCreateServingInfoFor): the structural
// schema and the registry strategy holding the OpenAPI schema validator and the CEL
// validator.
type crdServer struct {
	gvk        schema.GroupVersionKind
	structural *structuralschema.Structural
	strategy   interface {
		PrepareForCreate(context.Context, runtime.Object)
		Validate(context.Context, runtime.Object) field.ErrorList
	}
}

var servers = map[bool]func() (*crdServer, error){
	false: sync.OnceValues(func() (*crdServer, error) { return loadCRD("standard") }),
	true:  sync.OnceValues(func() (*crdServer, error) { return loadCRD("experimental") }),
}

// moduleDir returns the directory of networkPolicyAPIModule in the module cache, the
// version go.mod requires.
func moduleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", networkPolicyAPIModule).Output()
	if err != nil {
		return "", fmt.Errorf("locating %s: %w", networkPolicyAPIModule, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("locating %s: not downloaded (go mod download)", networkPolicyAPIModule)
	}
	return dir, nil
}

// loadCRD reads the CRD of a channel and builds the API server's validators for its
// v1alpha2 version.
func loadCRD(channel string) (*crdServer, error) {
	dir, err := moduleDir()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, crdFile(channel)))
	if err != nil {
		return nil, err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(b, &crd); err != nil {
		return nil, fmt.Errorf("%s CRD: %w", channel, err)
	}
	var version *apiextensionsv1.CustomResourceDefinitionVersion
	for i, v := range crd.Spec.Versions {
		if v.Name == v1alpha2.GroupVersion.Version && v.Served {
			version = &crd.Spec.Versions[i]
		}
	}
	if version == nil || version.Schema == nil {
		return nil, fmt.Errorf("%s CRD serves no %s schema", channel, v1alpha2.GroupVersion.Version)
	}
	var internal apiextensions.CustomResourceValidation
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(version.Schema, &internal, nil); err != nil {
		return nil, fmt.Errorf("%s CRD: %w", channel, err)
	}
	s, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("%s CRD: structural schema: %w", channel, err)
	}
	if err := structuraldefaulting.PruneDefaults(s); err != nil {
		return nil, fmt.Errorf("%s CRD: %w", channel, err)
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("%s CRD: %w", channel, err)
	}
	var status *apiextensions.CustomResourceSubresourceStatus
	var statusValidator apiservervalidation.SchemaValidator
	if version.Subresources != nil && version.Subresources.Status != nil {
		status = &apiextensions.CustomResourceSubresourceStatus{}
		if ss, ok := internal.OpenAPIV3Schema.Properties["status"]; ok {
			if statusValidator, _, err = apiservervalidation.NewSchemaValidator(&ss); err != nil {
				return nil, fmt.Errorf("%s CRD: status: %w", channel, err)
			}
		}
	}
	gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: version.Name, Kind: crd.Spec.Names.Kind}
	return &crdServer{
		gvk:        gvk,
		structural: s,
		strategy: customresource.NewStrategy(runtime.NewScheme(), crd.Spec.Scope == apiextensionsv1.NamespaceScoped, gvk,
			validator, statusValidator, s, status, nil, version.SelectableFields),
	}, nil
}

// Validate judges a ClusterNetworkPolicy as an API server with the
// network-policy-api v0.2.0 CRD installed judges a create: the standard channel's
// CRD, or the experimental one's (domainNames, nodes peers and their rules). The
// object is rendered to JSON as a client sends it (apiVersion and kind set), decoded
// as the CRD handler decodes it (unstructuredSchemaCoercer: ObjectMeta coerced, unknown
// fields pruned, where strict field validation, kubectl's default, refuses them;
// non-nullable nulls dropped), defaulted by the structural schema, and passed through
// the registry strategy (customresource.NewStrategy): PrepareForCreate, then Validate,
// which runs ObjectMeta validation, the OpenAPI schema validator (types, enums,
// min/max, maxItems, min/maxProperties, patterns, required), the list-type checks and
// the CEL rules (x-kubernetes-validations) with the server's cost budget.
//
// The CRD files are read from the module cache (go list -m), so the go command must
// be available, as in tests. Messages change between releases: assert on field paths
// and error types.
func Validate(cnp *v1alpha2.ClusterNetworkPolicy, experimental bool) field.ErrorList {
	if cnp == nil {
		return field.ErrorList{field.Required(field.NewPath(""), "nil ClusterNetworkPolicy")}
	}
	srv, err := servers[experimental]()
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath(""), err)}
	}
	u, err := toUnstructured(cnp, srv.gvk)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath(""), err)}
	}
	return srv.validate(u)
}

// validate judges u, a create request's body, as the server does.
func (s *crdServer) validate(u *unstructured.Unstructured) field.ErrorList {
	if errs := s.decode(u); len(errs) > 0 {
		return errs
	}
	ctx := context.Background()
	s.strategy.PrepareForCreate(ctx, u)
	return s.strategy.Validate(ctx, u)
}

// toUnstructured renders cnp as a client sends it: JSON with apiVersion and kind.
func toUnstructured(cnp *v1alpha2.ClusterNetworkPolicy, gvk schema.GroupVersionKind) (*unstructured.Unstructured, error) {
	b, err := json.Marshal(cnp)
	if err != nil {
		return nil, err
	}
	// The server's JSON decoding: whole numbers become int64, as CEL's int needs.
	u := &unstructured.Unstructured{}
	if err := utiljson.Unmarshal(b, &u.Object); err != nil {
		return nil, err
	}
	u.SetGroupVersionKind(gvk)
	return u, nil
}

// decode is the CRD handler's decoding of a create request body with strict field
// validation (unstructuredSchemaCoercer.apply, then the structural defaulter): unknown
// fields are errors.
func (s *crdServer) decode(u *unstructured.Unstructured) field.ErrorList {
	kind, apiVersion := u.GetKind(), u.GetAPIVersion()
	meta, found, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(u.Object,
		schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("metadata"), nil, err.Error())}
	}
	unknown = append(unknown, structuralpruning.PruneWithOptions(u.Object, s.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u.Object, s.structural)
	ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, u.Object, s.structural, false,
		schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	if ferr != nil {
		return field.ErrorList{ferr}
	}
	unknown = append(unknown, paths...)
	var errs field.ErrorList
	for _, p := range unknown {
		errs = append(errs, field.Invalid(field.NewPath(p), nil, "unknown field (strict field validation)"))
	}
	if len(errs) > 0 {
		return errs
	}
	u.SetKind(kind)
	u.SetAPIVersion(apiVersion)
	if found {
		if err := schemaobjectmeta.SetObjectMeta(u.Object, meta); err != nil {
			return field.ErrorList{field.InternalError(field.NewPath("metadata"), err)}
		}
	}
	structuraldefaulting.Default(u.Object, s.structural)
	return nil
}
