package render

import (
	"bytes"
	"encoding/json"
	"sync"
	"unicode/utf8"
)

// objectEncoder marshals objects with encoding/json into a buffer reused from one object to
// the next. The bytes are what json.Marshal returns.
type objectEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// load makes t the tree of obj: built from its Go value (build.go), with structs' fields in
// order, or, where build does not take it, parsed from its encoding/json text.
func (o *objectEncoder) load(t *tree, obj Object, order keyOrder) bool {
	if t.build(obj, order) {
		return true
	}
	j, ok := o.encode(obj)
	return ok && t.parse(j)
}

// encode returns the JSON of obj, valid until the next call, or false if it does not marshal.
func (o *objectEncoder) encode(obj Object) ([]byte, bool) {
	if o.enc == nil {
		o.enc = json.NewEncoder(&o.buf)
	}
	o.buf.Reset()
	if err := o.enc.Encode(obj); err != nil {
		return nil, false
	}
	j := o.buf.Bytes()
	return j[:len(j)-1], true // Encode ends the value with a newline
}

// jsonConverter renders objects as the items of JSON's List: what encoding/json writes for
// the map[string]any of toMap, indented, without HTML escaping. That is the object's own JSON
// with every object's keys sorted bytewise (as encoding/json sorts map keys), the noise
// stripped, and strings re-encoded, numbers kept as they are (toMap decodes them as
// json.Number, which encodes to the same text).
type jsonConverter struct {
	objectEncoder
	t tree
}

var jsonConverters = sync.Pool{New: func() any { return new(jsonConverter) }}

// appendItem appends obj as an item of the List, indented at depth 2, or reports false if
// the fast path does not apply to it.
func (c *jsonConverter) appendItem(dst []byte, obj Object) ([]byte, bool) {
	if !c.load(&c.t, obj, orderJSON) || c.t.nodes[0].kind != kindObject || !c.t.sortMembers(bytes.Compare, c.t.unique) {
		return dst, false
	}
	c.t.stripNoise(0)
	return c.t.appendJSON(dst, 0, 2), true
}

// unique reports whether no two of the sorted members have the same key. Duplicates cannot
// come from encoding/json; toMap would keep the last.
func (t *tree) unique(sorted []member) bool {
	for i := 1; i < len(sorted); i++ {
		if bytes.Equal(t.text(sorted[i-1].key), t.text(sorted[i].key)) {
			return false
		}
	}
	return true
}

// appendJSON appends node n as json.Encoder with SetIndent("", "  ") writes it at depth.
func (t *tree) appendJSON(dst []byte, n int32, depth int) []byte {
	switch nd := t.nodes[n]; nd.kind {
	case kindObject:
		if nd.n == 0 {
			return append(dst, "{}"...)
		}
		dst = append(dst, '{')
		for i, m := range t.members(n) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendNewline(dst, depth+1)
			dst = appendJSONString(dst, t.text(m.key))
			dst = append(dst, ':', ' ')
			dst = t.appendJSON(dst, m.val, depth+1)
		}
		dst = appendNewline(dst, depth)
		return append(dst, '}')
	case kindArray:
		if nd.n == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		for i, el := range t.elements(n) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendNewline(dst, depth+1)
			dst = t.appendJSON(dst, el, depth+1)
		}
		dst = appendNewline(dst, depth)
		return append(dst, ']')
	case kindString:
		return appendJSONString(dst, t.text(n))
	case kindNumber:
		return append(dst, t.text(n)...)
	case kindTrue:
		return append(dst, "true"...)
	case kindFalse:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

func appendNewline(dst []byte, depth int) []byte {
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, ' ', ' ')
	}
	return dst
}

// appendJSONString is encoding/json's appendString without HTML escaping, for valid UTF-8
// (the tree holds no other), so without its replacement of invalid bytes.
func appendJSONString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRune(s[i:])
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
