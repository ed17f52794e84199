package backend

import (
	"io"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/render"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Output is what every backend's Result shares: a backend's Result embeds it, holds its
// objects in typed fields, and so implements policy.Result (whose methods Output's
// document).
type Output struct {
	header   string
	warnings []policy.Warning
	// objects lists the Result's objects, read from its typed fields on every call, so
	// that what a caller does to them shows.
	objects func() []render.Object
}

// NewOutput returns the Output of a Result whose objects lists: the files start with
// header, and warnings are the lossy translations made.
func NewOutput(header string, warnings []policy.Warning, objects func() []render.Object) Output {
	return Output{header: header, warnings: warnings, objects: objects}
}

// sorted returns the objects in rollout order; none for a Result that Compile did not
// make.
func (o *Output) sorted() []render.Object {
	if o.objects == nil {
		return nil
	}
	objs := o.objects()
	render.Sort(objs)
	return objs
}

// Objects implements policy.Result.
func (o *Output) Objects() []netintent.Object {
	objs := o.sorted()
	out := make([]netintent.Object, len(objs))
	for i, obj := range objs {
		out[i] = obj
	}
	return out
}

// Warnings implements policy.Result.
func (o *Output) Warnings() []policy.Warning { return o.warnings }

// Header implements policy.Result.
func (o *Output) Header() string { return o.header }

// YAML implements policy.Result.
func (o *Output) YAML() ([]byte, error) { return render.YAMLBytes(o.header, o.sorted()) }

// WriteYAML implements policy.Result.
func (o *Output) WriteYAML(w io.Writer) error { return render.YAML(w, o.header, o.sorted()) }

// JSON implements policy.Result.
func (o *Output) JSON() ([]byte, error) { return render.JSONBytes(o.sorted()) }

// Unstructured implements policy.Result.
func (o *Output) Unstructured() ([]*unstructured.Unstructured, error) {
	return render.UnstructuredAll(o.sorted())
}

// WriteDir implements policy.Result.
func (o *Output) WriteDir(dir string) ([]string, error) {
	return render.WriteDir(dir, o.sorted(), o.header)
}
