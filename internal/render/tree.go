package render

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// tree is a JSON document parsed for re-encoding as YAML (yaml.go) or as indented JSON with
// sorted keys (json.go): a flat list of nodes whose text points into the source, which is
// what makes both fast paths cheap next to decoding into map[string]any.
//
// The parser accepts compact JSON, as encoding/json.Marshal writes it, within what both
// fast paths are certain to reproduce exactly: no whitespace between tokens, at most
// maxDepth levels deep, keys of at most maxKeyChars characters, strings of valid UTF-8
// without the characters and escapes that sigs.k8s.io/yaml rejects or rewrites (see str).
// Anything else is refused, and the caller falls back to the reference renderer.
type tree struct {
	src   []byte  // the JSON text; str unescapes strings in place
	pos   int     // parse position in src
	nodes []node  // nodes[0] is the root
	elems []int32 // array elements, as node indices
	membs []member
	// Scratch stacks: a container's children are collected here while it is parsed, then
	// copied to elems or membs so that every container's children are contiguous.
	elemStack []int32
	membStack []member
	// Scratch for comparing non-ASCII keys (yamlLess).
	runesA, runesB []rune
	// The buffer that build writes the text of strings and numbers to, kept for the next
	// object.
	arena []byte
	order keyOrder // build's order of struct fields
}

// maxDepth bounds nesting, far below the 10000 levels at which yaml.v2 gives up.
const maxDepth = 1000

// maxKeyChars bounds the characters between the quotes of an object key in the JSON text
// that the reference renderer gives yaml.v2. yaml.v2 reads a key as a simple key, whose ':'
// must come at most 1024 characters after its start (the opening quote); further, it fails.
const maxKeyChars = 1022

// keyTooLong reports whether the object key s takes more than maxKeyChars characters in the
// reference renderer's JSON text: encoding/json's, which escapes quotes, backslashes and
// control characters, HTML's <, > and &, U+2028, U+2029, and invalid bytes (as \ufffd).
func keyTooLong[T string | []byte](s T) bool {
	if len(s) <= maxKeyChars/6 { // no byte takes more than 6 characters
		return false
	}
	n := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n++
		}
		i += size
	}
	return n > maxKeyChars
}

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is one JSON value. For strings and numbers, off and n locate the (unescaped) text in
// tree.src; for arrays and objects, their elements in tree.elems or members in tree.membs.
type node struct {
	kind nodeKind
	// plainKey marks an object key that yaml.v2 writes as a plain simple key, known
	// beforehand: build sets it for struct field names (see fieldPlan.plainKey).
	plainKey bool
	// sorted marks an object whose members are in the order sortMembers would give them:
	// build sets it for structs (see plan.sorted).
	sorted bool
	off, n int32
}

// member is one name/value pair of an object, as node indices.
type member struct{ key, val int32 }

// parse parses src, which the tree then owns and modifies, and reports whether it is a
// single JSON value that the fast paths accept.
func (t *tree) parse(src []byte) bool {
	if len(src) >= 1<<31-1 {
		return false
	}
	t.src, t.pos = src, 0
	t.nodes, t.elems, t.membs = t.nodes[:0], t.elems[:0], t.membs[:0]
	t.elemStack, t.membStack = t.elemStack[:0], t.membStack[:0]
	_, ok := t.value(0)
	return ok && t.pos == len(src)
}

// text is the text of the string or number n.
func (t *tree) text(n int32) []byte {
	nd := t.nodes[n]
	return t.src[nd.off : nd.off+nd.n]
}

// elements are the elements of array n.
func (t *tree) elements(n int32) []int32 {
	nd := t.nodes[n]
	return t.elems[nd.off : nd.off+nd.n]
}

// members are the members of object n.
func (t *tree) members(n int32) []member {
	nd := t.nodes[n]
	return t.membs[nd.off : nd.off+nd.n]
}

func (t *tree) add(nd node) int32 {
	t.nodes = append(t.nodes, nd)
	return int32(len(t.nodes) - 1)
}

// value parses the value at t.pos.
func (t *tree) value(depth int) (int32, bool) {
	if t.pos >= len(t.src) {
		return 0, false
	}
	switch c := t.src[t.pos]; {
	case c == '{':
		return t.object(depth + 1)
	case c == '[':
		return t.array(depth + 1)
	case c == '"':
		s, _, ok := t.str()
		return s, ok
	case c == '-' || '0' <= c && c <= '9':
		return t.number()
	case c == 't':
		return t.literal("true", kindTrue)
	case c == 'f':
		return t.literal("false", kindFalse)
	case c == 'n':
		return t.literal("null", kindNull)
	}
	return 0, false
}

func (t *tree) literal(lit string, kind nodeKind) (int32, bool) {
	if !bytes.HasPrefix(t.src[t.pos:], []byte(lit)) {
		return 0, false
	}
	t.pos += len(lit)
	return t.add(node{kind: kind}), true
}

func (t *tree) object(depth int) (int32, bool) {
	if depth > maxDepth {
		return 0, false
	}
	idx := t.add(node{kind: kindObject})
	t.pos++ // {
	mark := len(t.membStack)
	if t.pos < len(t.src) && t.src[t.pos] == '}' {
		t.pos++
		t.nodes[idx].off = int32(len(t.membs))
		return idx, true
	}
	for {
		if t.pos >= len(t.src) || t.src[t.pos] != '"' {
			return 0, false
		}
		// The key must fit in this text and in the reference renderer's, which escapes more
		// than MarshalJSON output (parsed by build) may.
		key, chars, ok := t.str()
		if !ok || chars > maxKeyChars || keyTooLong(t.text(key)) || t.pos >= len(t.src) || t.src[t.pos] != ':' {
			return 0, false
		}
		t.pos++
		val, ok := t.value(depth)
		if !ok || t.pos >= len(t.src) {
			return 0, false
		}
		t.membStack = append(t.membStack, member{key, val})
		c := t.src[t.pos]
		t.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			return 0, false
		}
	}
	t.finishObject(idx, mark)
	return idx, true
}

// finishObject makes the members pushed on membStack since mark the members of object idx.
func (t *tree) finishObject(idx int32, mark int) {
	t.nodes[idx].off = int32(len(t.membs))
	t.nodes[idx].n = int32(len(t.membStack) - mark)
	t.membs = append(t.membs, t.membStack[mark:]...)
	t.membStack = t.membStack[:mark]
}

func (t *tree) array(depth int) (int32, bool) {
	if depth > maxDepth {
		return 0, false
	}
	idx := t.add(node{kind: kindArray})
	t.pos++ // [
	mark := len(t.elemStack)
	if t.pos < len(t.src) && t.src[t.pos] == ']' {
		t.pos++
		t.nodes[idx].off = int32(len(t.elems))
		return idx, true
	}
	for {
		val, ok := t.value(depth)
		if !ok || t.pos >= len(t.src) {
			return 0, false
		}
		t.elemStack = append(t.elemStack, val)
		c := t.src[t.pos]
		t.pos++
		if c == ']' {
			break
		}
		if c != ',' {
			return 0, false
		}
	}
	t.finishArray(idx, mark)
	return idx, true
}

// finishArray makes the elements pushed on elemStack since mark the elements of array idx.
func (t *tree) finishArray(idx int32, mark int) {
	t.nodes[idx].off = int32(len(t.elems))
	t.nodes[idx].n = int32(len(t.elemStack) - mark)
	t.elems = append(t.elems, t.elemStack[mark:]...)
	t.elemStack = t.elemStack[:mark]
}

// number checks the JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
func (t *tree) number() (int32, bool) {
	src, start := t.src, t.pos
	i := start
	if src[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for j < len(src) && '0' <= src[j] && src[j] <= '9' {
			j++
		}
		n := j - i
		i = j
		return n
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case digits() == 0:
		return 0, false
	}
	if i < len(src) && src[i] == '.' {
		i++
		if digits() == 0 {
			return 0, false
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	t.pos = i
	return t.add(node{kind: kindNumber, off: int32(start), n: int32(i - start)}), true
}

// str parses the string at t.pos, unescaping it in place (an escape is never shorter than
// what it stands for, so the text never overtakes the input), and also returns the number
// of characters between the quotes in the JSON text.
//
// It refuses what sigs.k8s.io/yaml does not pass through unchanged when it reads the JSON
// as YAML: raw characters outside YAML's printable set (DEL, C1 controls including NEL,
// U+FFFE, U+FFFF, which make it fail; raw NEL, LS and PS, line breaks in YAML, which it
// folds into spaces), the escapes `\/` and `\uD800`-`\uDFFF` (invalid in YAML), and invalid
// UTF-8. encoding/json never writes those escapes, and escapes U+2028 and U+2029.
func (t *tree) str() (idx int32, chars int, ok bool) {
	src := t.src
	start := t.pos + 1
	r, w := start, start
	extra := 0 // bytes beyond the first of multi-byte characters
	for {
		if r >= len(src) {
			return 0, 0, false
		}
		c := src[r]
		switch {
		case c == '"':
			t.pos = r + 1
			return t.add(node{kind: kindString, off: int32(start), n: int32(w - start)}), r - start - extra, true
		case c == '\\':
			if r+1 >= len(src) {
				return 0, 0, false
			}
			var b byte
			switch src[r+1] {
			case '"', '\\':
				b = src[r+1]
			case 'b':
				b = '\b'
			case 'f':
				b = '\f'
			case 'n':
				b = '\n'
			case 'r':
				b = '\r'
			case 't':
				b = '\t'
			case 'u':
				v, ok := hex4(src[r+2:])
				if !ok || 0xD800 <= v && v <= 0xDFFF {
					return 0, 0, false
				}
				w += utf8.EncodeRune(src[w:], v)
				r += 6
				continue
			default:
				return 0, 0, false
			}
			src[w] = b
			w++
			r += 2
		case c < 0x20 || c == 0x7F:
			return 0, 0, false
		case c < utf8.RuneSelf:
			src[w] = c
			w++
			r++
		default:
			v, size := utf8.DecodeRune(src[r:])
			if v == utf8.RuneError && size == 1 || v < 0xA0 || v == 0x2028 || v == 0x2029 || v == 0xFFFE || v == 0xFFFF {
				return 0, 0, false
			}
			w += copy(src[w:], src[r:r+size])
			r += size
			extra += size - 1
		}
	}
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var v rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | rune(c)
	}
	return v, true
}

// sortMembers sorts the members of every object by their keys with cmp, then reports
// whether ordered accepts each object's sorted members.
func (t *tree) sortMembers(cmp func(a, b []byte) int, ordered func(sorted []member) bool) bool {
	for i, nd := range t.nodes {
		if nd.kind != kindObject || nd.n < 2 || nd.sorted {
			continue
		}
		ms := t.members(int32(i))
		slices.SortFunc(ms, func(a, b member) int { return cmp(t.text(a.key), t.text(b.key)) })
		if !ordered(ms) {
			return false
		}
	}
	return true
}

// stripNoise removes from the object root the fields that the package documentation
// describes as noise, as the reference renderer's stripNoise does. Keys must be unique.
func (t *tree) stripNoise(root int32) {
	status := int32(-1)
	for _, m := range t.members(root) {
		switch string(t.text(m.key)) {
		case "status":
			if t.nullish(m.val) {
				status = m.key
			}
		case "metadata":
			if t.nodes[m.val].kind != kindObject {
				continue
			}
			for _, mm := range t.members(m.val) {
				if string(t.text(mm.key)) == "creationTimestamp" && t.nodes[mm.val].kind == kindNull {
					t.remove(m.val, mm.key)
					break
				}
			}
		}
	}
	if status >= 0 {
		t.remove(root, status)
	}
}

// nullish reports whether node v is null or an object whose members are all null: a
// status that says nothing.
func (t *tree) nullish(v int32) bool {
	switch t.nodes[v].kind {
	case kindNull:
		return true
	case kindObject:
		for _, m := range t.members(v) {
			if t.nodes[m.val].kind != kindNull {
				return false
			}
		}
		return true
	}
	return false
}

// remove deletes the member with key node key from object obj, keeping the others' order.
func (t *tree) remove(obj, key int32) {
	ms := t.members(obj)
	i := slices.IndexFunc(ms, func(m member) bool { return m.key == key })
	copy(ms[i:], ms[i+1:])
	t.nodes[obj].n--
}
