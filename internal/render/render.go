// Package render turns the typed upstream objects that the backends emit into YAML, JSON,
// per-object files and unstructured maps, the same way for every backend.
//
// Output is deterministic: it depends only on the objects and their order, so golden files
// change only when a policy does. Functions render objects in the order given; call Sort
// first to make that order independent of how the objects were produced.
//
// Rendering is exactly what sigs.k8s.io/yaml.Marshal (or encoding/json) produces, minus two
// fields that are noise in generated manifests:
//
//   - a top-level status that is null, empty, or holds only nulls. CiliumNetworkPolicy and
//     CiliumClusterwideNetworkPolicy declare Status as a struct with omitempty, which
//     encoding/json never omits, so they would otherwise all carry `status: {}`; a
//     ClusterNetworkPolicy's Status holds conditions without omitempty, so it would carry
//     `status: {conditions: null}`.
//   - a null metadata.creationTimestamp. Typed objects do not emit it (the pinned
//     apimachinery marks it omitzero), but *unstructured.Unstructured values converted by
//     older code still carry `creationTimestamp: null`.
//
// YAML and JSON do not go through sigs.k8s.io/yaml and map[string]any, which spend most of
// their time allocating: a fast path (build.go, tree.go, yaml.go, yamlemit.go, json.go)
// writes the same bytes from a tree of the object's JSON value, built from the Go value
// directly, and renders the objects concurrently (parallel.go). Objects outside what it
// reproduces with certainty (strings with characters that sigs.k8s.io/yaml rejects or
// rewrites, map keys that it orders differently from run to run) are rendered the reference
// way, so output never differs.
package render

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/stage"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Object is netintent.Object, what backends emit: a typed upstream object with TypeMeta set.
// *unstructured.Unstructured satisfies it too.
type Object = netintent.Object

// Step is the place of obj in a rollout, the two digits that start its file name:
//
//   - 00: Namespace and Tier, which the objects living in them need, as they are rejected
//     when applied before;
//   - 10, 20, 30, 40, 50: objects whose stage.Annotation names a stage, in the
//     order of stage.Names (10 audit, 20 guardrail, 30 workload, 40 namespace, 50
//     cluster), plus their stage.LevelAnnotation (31: a workload enclosing another);
//   - 90: every other object. An object netintent did not classify may isolate pods (a
//     hand-written default-deny, say), so it follows every stage rather than precede the
//     allows; objects that isolate nothing lose nothing by coming last.
//
// The gaps let a stage added later take a number without renumbering the others' files.
func Step(obj Object) int {
	if isNil(obj) {
		return 90
	}
	switch obj.GetObjectKind().GroupVersionKind().Kind {
	case "Namespace", "Tier":
		return 0
	}
	if name, ok := obj.GetAnnotations()[stage.Annotation]; ok {
		for i, s := range stage.Names {
			if s == name {
				return 10*(i+1) + level(obj)
			}
		}
	}
	return 90
}

// level is the stage.LevelAnnotation of obj: 0 when absent or not a level.
func level(obj Object) int {
	l, err := strconv.Atoi(obj.GetAnnotations()[stage.LevelAnnotation])
	if err != nil || l < 0 || l > stage.MaxLevel {
		return 0
	}
	return l
}

// Sort orders objs in place in rollout order: by step, then by the rest of the file name
// Files gives each object (lower-cased kind, namespace, name), then by apiVersion, which
// tells apart the same kind in two API groups. So the order of the objects is the lexical
// order of their file names, the order in which `kubectl apply -f dir/` applies a
// directory. It depends only on the objects, not on the input order, so output is stable
// however the objects were collected (map iteration, concurrent compilation).
func Sort(objs []Object) {
	type keyed struct {
		file, apiVersion string
		obj              Object
	}
	keys := make([]keyed, len(objs))
	for i, obj := range objs {
		keys[i] = keyed{file: rawFileName(obj), obj: obj}
		if !isNil(obj) {
			keys[i].apiVersion = obj.GetObjectKind().GroupVersionKind().GroupVersion().String()
		}
	}
	slices.SortStableFunc(keys, func(a, b keyed) int {
		return cmp.Or(strings.Compare(a.file, b.file), strings.Compare(a.apiVersion, b.apiVersion))
	})
	for i, k := range keys {
		objs[i] = k.obj
	}
}

// Marshal renders one object as a single YAML document, without header or separator.
func Marshal(obj Object) ([]byte, error) {
	c := yamlConverters.Get().(*yamlConverter)
	defer yamlConverters.Put(c)
	return c.appendObject(nil, obj)
}

// appendObject appends the YAML document of obj to dst, rendered by appendFast when obj is
// within what the fast path reproduces exactly, and by marshalReference otherwise; the bytes
// are the same.
func (c *yamlConverter) appendObject(dst []byte, obj Object) ([]byte, error) {
	if out, ok := c.appendFast(dst, obj); ok {
		return out, nil
	}
	doc, err := marshalReference(obj)
	return append(dst, doc...), err
}

// appendFast appends the YAML document of obj to dst with the fast path (yaml.go), or
// reports false, leaving dst as it is, if obj is outside what that path reproduces exactly.
func (c *yamlConverter) appendFast(dst []byte, obj Object) ([]byte, bool) {
	if Check(obj) != nil {
		return dst, false
	}
	if !c.load(&c.t, obj, orderYAML) || c.t.nodes[0].kind != kindObject || !c.sort() {
		return dst, false
	}
	c.t.stripNoise(0)
	return c.emit(dst), true
}

// marshalReference is the reference renderer of Marshal: sigs.k8s.io/yaml's conversion of
// the object's JSON, noise stripped, to YAML. The fast path must render the same bytes.
func marshalReference(obj Object) ([]byte, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	j, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("render: %s: %w", describe(obj), err)
	}
	y, err := yaml.JSONToYAML(j)
	if err != nil {
		return nil, fmt.Errorf("render: %s: %w", describe(obj), err)
	}
	return y, nil
}

// YAML writes objs as one multi-document YAML stream: header as comment lines, then each
// object, documents separated by "---\n". Pass header without comment markers, e.g.
// "Code generated by netintent (k8snp); DO NOT EDIT."; each of its lines is prefixed with
// "# ", and an empty header writes none. Nothing is written if any object fails to render,
// so a failed run never leaves a truncated manifest behind.
func YAML(w io.Writer, header string, objs []Object) error {
	out, err := yamlOutput(header, objs)
	if err != nil {
		return err
	}
	return out.write(w)
}

// yamlOutput renders the stream YAML writes.
func yamlOutput(header string, objs []Object) (output, error) {
	chunks, _, err := appendChunks(&yamlConverters, len(objs), func(c *yamlConverter, dst []byte, i int) ([]byte, bool, error) {
		if i > 0 {
			dst = append(dst, "---\n"...)
		}
		out, err := c.appendObject(dst, objs[i])
		return out, err != nil, err
	})
	if err != nil {
		return output{}, err
	}
	return output{head: []byte(comment(header)), chunks: chunks}, nil
}

// comment formats text as the YAML comment block that starts every rendered file.
func comment(text string) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			b.WriteString("#\n")
			continue
		}
		b.WriteString("# ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}

// JSON writes objs as an indented v1 List, the form kubectl apply -f and kubectl get -o
// json use for several objects. Object keys are sorted; HTML characters are not escaped, so
// Calico selectors read `&&` rather than `\u0026\u0026`.
func JSON(w io.Writer, objs []Object) error {
	out, err := jsonOutput(objs)
	if err != nil {
		return err
	}
	return out.write(w)
}

// jsonOutput renders the List JSON writes: by the fast path, or, if an object is outside
// it, all by the reference renderer.
func jsonOutput(objs []Object) (output, error) {
	chunks, stopped, err := appendChunks(&jsonConverters, len(objs), func(c *jsonConverter, dst []byte, i int) ([]byte, bool, error) {
		if err := Check(objs[i]); err != nil {
			return dst, true, err
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		out, ok := c.appendItem(appendNewline(dst, 2), objs[i])
		return out, !ok, nil
	})
	switch {
	case err != nil:
		return output{}, err
	case stopped >= 0:
		var ref bytes.Buffer
		if err := jsonReference(&ref, objs); err != nil {
			return output{}, err
		}
		return output{head: ref.Bytes()}, nil
	}
	var tail []byte
	if len(objs) > 0 {
		tail = appendNewline(tail, 1)
	}
	return output{
		head:   []byte("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": ["),
		chunks: chunks,
		tail:   append(tail, "]\n}\n"...),
	}, nil
}

// jsonReference is the reference renderer of JSON, through map[string]any. JSON uses it when
// an object is outside what its fast path reproduces exactly; the bytes are the same.
func jsonReference(w io.Writer, objs []Object) error {
	list := struct {
		APIVersion string           `json:"apiVersion"`
		Kind       string           `json:"kind"`
		Items      []map[string]any `json:"items"`
	}{APIVersion: "v1", Kind: "List", Items: make([]map[string]any, 0, len(objs))}
	for _, obj := range objs {
		m, err := toMap(obj)
		if err != nil {
			return err
		}
		list.Items = append(list.Items, m)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(list); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// File is one object rendered for a directory of manifests: its file name and contents.
type File struct {
	// Name is <step>-<kind>_<namespace>_<name>.yaml, or <step>-<kind>_<name>.yaml for a
	// cluster-scoped object (see Files).
	Name string
	// Data is the YAML document Marshal gives, preceded by the header as in YAML.
	Data []byte
}

// Files renders each object as the file WriteDir writes for it, in the order of objs,
// without touching the file system. File names are <step>-<kind>_<namespace>_<name>.yaml,
// or <step>-<kind>_<name>.yaml for cluster-scoped objects, with kind lower-cased and step
// the two digits of the object's rollout step (00 Namespace and Tier; 10 audit, 20
// guardrail, 30 workload, 40 namespace, 50 cluster, after stage.Annotation; 90
// the rest): 00-tier_security.yaml, 30-networkpolicy_shop_api.yaml,
// 40-networkpolicy_shop_namespace-defaults.yaml. The lexical order of the names is the
// order of Sort, so `kubectl apply -f dir/`, which applies a directory's files in lexical
// order, rolls them out in order; and a name changes only when its object moves to
// another stage, not when others come or go. "_" cannot occur in Kubernetes names, so
// distinct objects never share a file. Objects whose names are not lower-case DNS names,
// or two objects mapping to one file (the same kind in two API groups), are an error.
func Files(objs []Object, header string) ([]File, error) {
	files := make([]File, len(objs))
	owner := make(map[string]Object, len(objs))
	// Name the files first; objects from the first that cannot be named on are not rendered,
	// but an object before it that fails to render is the error, as it comes first.
	named, nameErr := len(objs), error(nil)
	for i, obj := range objs {
		name, err := fileName(obj)
		if prev, ok := owner[name]; ok && err == nil {
			err = fmt.Errorf("render: %s and %s would both be written to %s", describe(prev), describe(obj), name)
		}
		if err != nil {
			named, nameErr = i, err
			break
		}
		owner[name] = obj
		files[i].Name = name
	}
	prefix := comment(header)
	ends := make([]int, named) // where each file's data ends in its chunk
	chunks, _, err := appendChunks(&yamlConverters, named, func(c *yamlConverter, dst []byte, i int) ([]byte, bool, error) {
		out, err := c.appendObject(append(dst, prefix...), objs[i])
		ends[i] = len(out)
		return out, err != nil, err
	})
	switch {
	case err != nil:
		return nil, err
	case nameErr != nil:
		return nil, nameErr
	}
	for _, ch := range chunks {
		start := 0
		for i := ch.first; i < ch.end; i++ {
			// Capped, so that appending to one file's data never overwrites the next.
			files[i].Data = ch.buf[start:ends[i]:ends[i]]
			start = ends[i]
		}
	}
	return files, nil
}

// WriteDir writes each object to its own file in dir (created if missing), as Files renders
// it, and returns the paths in the order of objs. If Files fails, nothing is written.
// Existing files are overwritten; nothing is deleted.
func WriteDir(dir string, objs []Object, header string) ([]string, error) {
	files, err := Files(objs, header)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f.Name)
		if err := os.WriteFile(paths[i], f.Data, 0o644); err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
	}
	return paths, nil
}

// Unstructured converts obj to the map form that dynamic clients, Pulumi and cdk8s take,
// with the same noise removed as in YAML and JSON output.
func Unstructured(obj Object) (*unstructured.Unstructured, error) {
	if err := Check(obj); err != nil {
		return nil, err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("render: %s: %w", describe(obj), err)
	}
	stripNoise(m)
	return &unstructured.Unstructured{Object: m}, nil
}

// toMap is the JSON form of obj as a generic map, noise stripped. Numbers stay json.Number
// so that re-encoding reproduces encoding/json's bytes exactly.
func toMap(obj Object) (map[string]any, error) {
	if err := Check(obj); err != nil {
		return nil, err
	}
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("render: %s: %w", describe(obj), err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("render: %s: %w", describe(obj), err)
	}
	stripNoise(m)
	return m, nil
}

// stripNoise removes the fields described in the package documentation from the top-level
// map of an object.
func stripNoise(m map[string]any) {
	if status, ok := m["status"]; ok {
		s, isMap := status.(map[string]any)
		empty := status == nil || isMap
		for _, v := range s {
			empty = empty && v == nil
		}
		if empty {
			delete(m, "status")
		}
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		if ts, ok := meta["creationTimestamp"]; ok && ts == nil {
			delete(meta, "creationTimestamp")
		}
	}
}

// Check returns the error that rendering obj fails with before its contents are looked at:
// obj is nil (or a nil pointer), or has no apiVersion or kind. Rendered without them, a
// manifest cannot be applied, and the mistake would only surface in the cluster.
func Check(obj Object) error {
	if isNil(obj) {
		return fmt.Errorf("render: a nil object (%T) cannot be rendered", obj)
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	if gvk.Version == "" || gvk.Kind == "" {
		return fmt.Errorf("render: %s has no apiVersion or kind; set its TypeMeta", describe(obj))
	}
	return nil
}

// fileName is the WriteDir file name of obj, or an error if a part of it is not safe in
// a file name.
func fileName(obj Object) (string, error) {
	if err := Check(obj); err != nil {
		return "", err
	}
	parts := []string{strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind)}
	if ns := obj.GetNamespace(); ns != "" {
		parts = append(parts, ns)
	}
	for _, p := range append(parts, obj.GetName()) {
		if !fileSafe(p) {
			return "", fmt.Errorf("render: %s: %q is not a lower-case DNS name, so it cannot be part of a file name", describe(obj), p)
		}
	}
	return rawFileName(obj), nil
}

// rawFileName is the file name of obj, whether or not its parts are safe in one: Sort
// orders by it.
func rawFileName(obj Object) string {
	if isNil(obj) {
		return "" // before every other object; rendering reports it (see Check)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%02d-", Step(obj))
	b.WriteString(strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind))
	if ns := obj.GetNamespace(); ns != "" {
		b.WriteString("_")
		b.WriteString(ns)
	}
	b.WriteString("_")
	b.WriteString(obj.GetName())
	b.WriteString(".yaml")
	return b.String()
}

// fileSafe reports whether s is non-empty and uses only the characters of DNS subdomain
// names, which are safe in file names on every common file system.
func fileSafe(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// describe names obj in error messages, with its API group and version: two objects of
// one kind and name from different APIs (networking.k8s.io and projectcalico.org
// NetworkPolicies) differ only there.
func describe(obj Object) string {
	if isNil(obj) {
		return fmt.Sprintf("nil %T", obj)
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	kind := gvk.Kind
	if kind == "" {
		kind = fmt.Sprintf("%T", obj)
	} else if v := gvk.GroupVersion().String(); v != "" {
		kind = v + " " + kind
	}
	if ns := obj.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", kind, ns, obj.GetName())
	}
	return fmt.Sprintf("%s %s", kind, obj.GetName())
}

// isNil reports whether obj is nil or holds a nil pointer, whose methods would panic.
func isNil(obj Object) bool {
	if obj == nil {
		return true
	}
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// YAMLBytes is YAML into a new byte slice.
func YAMLBytes(header string, objs []Object) ([]byte, error) {
	out, err := yamlOutput(header, objs)
	if err != nil {
		return nil, err
	}
	return out.bytes(), nil
}

// JSONBytes is JSON into a new byte slice.
func JSONBytes(objs []Object) ([]byte, error) {
	out, err := jsonOutput(objs)
	if err != nil {
		return nil, err
	}
	return out.bytes(), nil
}

// UnstructuredAll converts every object with Unstructured, keeping their order.
func UnstructuredAll(objs []Object) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		u, err := Unstructured(o)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}
