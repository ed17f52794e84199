package policy

import (
	"io"

	"github.com/netintent/netintent"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The metadata every backend puts on the objects it emits, besides RolloutStageAnnotation.
const (
	// WarningsAnnotation lists, one per line as "path: message", the lossy translations
	// made in an object (see Warning), sorted.
	WarningsAnnotation = "netintent.io/warnings"
	// ManagedByLabel and ManagedByValue mark every emitted object as generated, so that
	// tooling can find (and prune) what netintent owns.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "netintent"
)

// Backend is one backend with its options, as Diff, explain.Flow and gitops.SyncAll take
// it: k8snp.Backend, cilium.Backend and calico.Backend make one. This package cannot
// import the backends, which import it.
type Backend interface {
	// Name names the backend in errors, warnings and reports: "k8snp", "cilium" or
	// "calico".
	Name() string
	// Compile translates set as the backend's own Compile function does with the
	// backend's options; the Result is that function's typed result (such as
	// *k8snp.Result). It returns the Set's *ValidationError unchanged when the Set is
	// invalid, and a *CompileError listing every intent the backend cannot express.
	Compile(set *Set) (Result, error)
}

// Result is what a backend emitted, as every backend's typed result offers it. The
// objects are the caller's to edit: they share no memory with each other or with the Set.
type Result interface {
	// Objects returns the emitted objects in rollout order: the objects that others need
	// first (Calico tiers), then by the stage in their RolloutStageAnnotation (audit,
	// guardrail, workload, namespace, cluster: narrower first, each object carrying the
	// allows of the broader ones containing it), so that no object isolates pods before
	// the allows they need are in place, then in the order of their WriteDir file names. YAML, JSON, Unstructured and WriteDir keep this order. The objects are for
	// controller-runtime clients, server-side apply or Pulumi/cdk8s-style programs; they
	// are the Result's own, not copies.
	Objects() []netintent.Object
	// Warnings lists the lossy translations that options allowed, in the order of the
	// Set's policies; each is also in the WarningsAnnotation of its object.
	Warnings() []Warning
	// Header is the comment that starts every file the Result renders.
	Header() string
	// YAML renders the objects as one multi-document YAML stream starting with Header.
	YAML() ([]byte, error)
	// WriteYAML writes the objects to w as YAML (see YAML). Nothing is written if an
	// object fails to render.
	WriteYAML(w io.Writer) error
	// JSON renders the objects as an indented v1 List.
	JSON() ([]byte, error)
	// Unstructured returns the objects in the order of Objects, converted to
	// *unstructured.Unstructured with the fields the YAML and JSON renderings have: for
	// dynamic clients and server-side apply configurations, and, through each value's
	// Object map, for Pulumi or cdk8s resource constructors. The maps are fresh copies.
	Unstructured() ([]*unstructured.Unstructured, error)
	// WriteDir writes each object to its own YAML file in dir (created if missing), named
	// <step>-<kind>_<namespace>_<name>.yaml or <step>-<kind>_<name>.yaml, and returns the
	// paths written, in the order of Objects. The two digits of step are the object's
	// place in the rollout (00 tiers, 10 audit, 20 guardrail, 30 workload, 40 namespace,
	// 50 cluster; see RolloutStageAnnotation), so the lexical order of the files is
	// the rollout order, the order in which `kubectl apply -f dir/` applies them.
	WriteDir(dir string) ([]string, error)
}
