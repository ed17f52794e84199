package render

import (
	"bytes"
	"encoding/json"
	"io"
)

// Hooks for the external tests, which compare the fast paths with the reference renderers.
var (
	MarshalReference = marshalReference
	JSONReference    = jsonReference
	LineWidth        = yamlLineWidth
)

// YAMLReference is YAML with every object rendered by marshalReference.
func YAMLReference(w io.Writer, header string, objs []Object) error {
	buf := []byte(comment(header))
	for i, obj := range objs {
		doc, err := marshalReference(obj)
		if err != nil {
			return err
		}
		if i > 0 {
			buf = append(buf, "---\n"...)
		}
		buf = append(buf, doc...)
	}
	_, err := w.Write(buf)
	return err
}

// MarshalFast is Marshal by the fast path alone; false means Marshal falls back to the
// reference for obj.
func MarshalFast(obj Object) ([]byte, bool) {
	return new(yamlConverter).appendFast(nil, obj)
}

// JSONToYAMLFast converts the JSON text j (which it modifies) as sigs.k8s.io/yaml.JSONToYAML
// does; false means the fast path does not accept j.
func JSONToYAMLFast(j []byte) ([]byte, bool) {
	var c yamlConverter
	if !c.parse(j) {
		return nil, false
	}
	return c.emit(nil), true
}

// JSONItemFast is obj as JSON renders it in a List (at depth 2); false means JSON falls back
// to the reference.
func JSONItemFast(obj Object) ([]byte, bool) {
	var c jsonConverter
	return c.appendItem(nil, obj)
}

// BuiltAndParsed renders x as JSON renders an item, keys sorted, from the tree that build
// makes of x's Go value and from the tree parsed from x's encoding/json text; nil means
// that way does not take x.
func BuiltAndParsed(x any) (built, parsed []byte) {
	var b tree
	if b.build(x, orderJSON) && b.sortMembers(bytes.Compare, b.unique) {
		built = b.appendJSON([]byte{}, 0, 0)
	}
	var p tree
	if j, err := json.Marshal(x); err == nil && p.parse(j) && p.sortMembers(bytes.Compare, p.unique) {
		parsed = p.appendJSON([]byte{}, 0, 0)
	}
	return built, parsed
}

// BuiltAndParsedYAML is BuiltAndParsed for the YAML document Marshal writes.
func BuiltAndParsedYAML(x any) (built, parsed []byte) {
	var b yamlConverter
	if b.t.build(x, orderYAML) && b.sort() {
		built = b.emit([]byte{})
	}
	if j, err := json.Marshal(x); err == nil {
		var p yamlConverter
		if p.parse(j) {
			parsed = p.emit([]byte{})
		}
	}
	return built, parsed
}
