package render

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// This file renders JSON as YAML byte for byte as sigs.k8s.io/yaml.JSONToYAML does, without
// its cost. JSONToYAML reads the JSON with go.yaml.in/yaml/v2 into map[interface{}]interface{}
// trees and writes them back with yaml.v2's encoder. Here the JSON is parsed into a tree
// (tree.go) and written by a port (here and in yamlemit.go) of the parts of yaml.v2 that
// apply to JSON values:
//
//   - resolve (resolve.go): what a plain scalar would read back as. It decides how JSON
//     numbers are decoded (1.0 becomes float 1 and is written "1"; 1e400 does not fit a float
//     and stays the string "1e400") and which strings must be quoted ("true", "1", "~", "<<",
//     "2001-01-01", "1:20").
//   - keyList.Less (sorter.go): the order of mapping keys, a "natural" order in which digit
//     runs compare as numbers.
//   - encoder.stringv and the emitter (encode.go, emitterc.go): block style with sequences
//     not indented under their key, "{}" and "[]" for empty collections, the choice between
//     plain, single-quoted, double-quoted and literal scalars, escapes, and the folding of
//     long scalars at 80 columns.
//
// Functions keep the names of their yaml.v2 counterparts and state the invariants that let
// them drop branches that JSON values never reach. Keys that yaml.v2 cannot order
// deterministically make the caller fall back to the reference renderer (yamlOrdered).

// yamlLineWidth is yaml.v2's best_width: 80, unless a package in the binary has called
// yaml.v2's FutureLineWrap, which turns folding off for the whole process. Probing the
// reference once keeps the fast path identical to it either way.
var yamlLineWidth = sync.OnceValue(func() int {
	y, err := yaml.JSONToYAML([]byte(`{"k":"` + strings.Repeat("word ", 20) + `word"}`))
	if err == nil && bytes.Count(y, []byte("\n")) == 1 {
		return 1<<31 - 1 // yaml.v2's width when line wrapping is disabled
	}
	return 80
})

// yamlConverter renders JSON documents as YAML, keeping its buffers from one document to
// the next.
type yamlConverter struct {
	objectEncoder
	t   tree
	e   yamlEmitter
	num []byte // the text of the number, boolean or null being written
}

var yamlConverters = sync.Pool{New: func() any { return new(yamlConverter) }}

// parse parses the JSON document j, which the converter then owns and modifies, and sorts
// every object's keys as yaml.v2 does. It reports false when the document is outside what
// the fast path reproduces with certainty.
func (c *yamlConverter) parse(j []byte) bool {
	return c.t.parse(j) && c.sort()
}

// sort sorts every object's keys of the tree as yaml.v2 does, and reports false when their
// order is not certain (yamlOrdered).
func (c *yamlConverter) sort() bool {
	return c.t.sortMembers(c.t.yamlCompare, c.t.yamlOrdered)
}

// emit appends the parsed document to dst as a YAML document, as yaml.v2's Marshal writes it.
func (c *yamlConverter) emit(dst []byte) []byte {
	e := &c.e
	e.out, e.width = dst, yamlLineWidth()
	e.column, e.indent, e.indents = 0, -1, e.indents[:0]
	e.whitespace, e.indention = true, true
	c.node(0, false, false)
	e.writeIndent() // document end
	out := e.out
	e.out, c.t.src = nil, nil
	return out
}

// node writes node n in the context yaml_emitter_emit_node gets: mapping is set for keys
// and values of a mapping, simpleKey for a key written as a simple key.
func (c *yamlConverter) node(n int32, mapping, simpleKey bool) {
	e, t := &c.e, &c.t
	e.mappingContext, e.simpleKeyContext = mapping, simpleKey
	switch nd := t.nodes[n]; nd.kind {
	case kindObject:
		if nd.n == 0 { // yaml_emitter_check_empty_mapping: flow style
			e.writeIndicator("{", true, true, false)
			e.writeIndicator("}", false, false, false)
			return
		}
		e.increaseIndent(false, false)
		for _, m := range t.members(n) {
			e.writeIndent()
			key := t.text(m.key)
			style := stylePlain
			if t.nodes[m.key].plainKey { // what analyzeScalar and stringStyle would find
				e.multiline, e.blockPlainAllowed = false, true
			} else {
				style = stringStyle(key)
				e.analyzeScalar(key)
			}
			// yaml_emitter_check_simple_key: keys are scalars without tags or anchors.
			if !e.multiline && len(key) <= 128 {
				e.mappingContext, e.simpleKeyContext = true, true
				e.scalar(key, style)
				e.writeIndicator(":", false, false, false)
			} else {
				e.writeIndicator("?", true, false, true)
				e.mappingContext, e.simpleKeyContext = true, false
				e.scalar(key, style)
				e.writeIndent()
				e.writeIndicator(":", true, false, true)
			}
			c.node(m.val, true, false)
		}
		e.popIndent()
	case kindArray:
		if nd.n == 0 { // yaml_emitter_check_empty_sequence: flow style
			e.writeIndicator("[", true, true, false)
			e.writeIndicator("]", false, false, false)
			return
		}
		e.increaseIndent(false, e.mappingContext && !e.indention)
		for _, el := range t.elements(n) {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			c.node(el, false, false)
		}
		e.popIndent()
	case kindString:
		s := t.text(n)
		e.analyzeScalar(s)
		e.scalar(s, stringStyle(s))
	case kindNumber:
		c.number(t.text(n))
	case kindTrue:
		c.plain("true")
	case kindFalse:
		c.plain("false")
	case kindNull:
		c.plain("null")
	}
}

// plain writes a scalar that yaml.v2's encoder requests in plain style.
func (c *yamlConverter) plain(s string) {
	c.num = append(c.num[:0], s...)
	c.e.analyzeScalar(c.num)
	c.e.scalar(c.num, stylePlain)
}

// number writes the JSON number text as yaml.v2 does after decoding it: integers and floats
// formatted by encoder.intv, uintv and floatv, and anything else (a float out of range) as the
// string it was decoded to. JSON number text resolves to nothing but an int, a float or a
// string, and strconv.ParseFloat never returns an infinity or NaN without an error, so the
// ".inf" and ".nan" spellings of floatv cannot occur.
func (c *yamlConverter) number(text []byte) {
	r := resolveText(text)
	switch {
	case r.tag == tagInt && r.unsigned:
		c.num = strconv.AppendUint(c.num[:0], r.u, 10)
	case r.tag == tagInt:
		c.num = strconv.AppendInt(c.num[:0], r.i, 10)
	case r.tag == tagFloat:
		c.num = strconv.AppendFloat(c.num[:0], r.f, 'g', -1, 64)
	default:
		c.e.analyzeScalar(text)
		c.e.scalar(text, stringStyle(text))
		return
	}
	c.e.analyzeScalar(c.num)
	c.e.scalar(c.num, stylePlain)
}

// stringStyle is the style yaml.v2's encoder.stringv requests for a string: literal for
// multi-line strings, double-quoted for those that would read back as something else, plain
// otherwise. The emitter may still change it (yamlEmitter.scalar).
func stringStyle(s []byte) scalarStyle {
	switch {
	case bytes.IndexByte(s, '\n') >= 0:
		return styleLiteral
	case resolveText(s).tag == tagStr && !isBase60Float(s):
		return stylePlain
	}
	return styleDoubleQuoted
}

// A yamlTag is what resolve reads a plain scalar as.
type yamlTag uint8

const (
	tagStr yamlTag = iota
	tagInt
	tagFloat
	tagOther // null, bool, timestamp, merge key, or a float spelled .inf or .nan
)

// resolved is the result of resolve: the tag and, for tagInt and tagFloat, the value.
type resolved struct {
	tag      yamlTag
	unsigned bool // tagInt: the value is u rather than i
	i        int64
	u        uint64
	f        float64
}

// resolveHint is yaml.v2's resolveTable: a hint, from a scalar's first byte, of what it may
// resolve to ('S' sign, 'D' digit, 'M' a word of resolveWord, '.' a float); 0 means it is a
// string.
var resolveHint = func() (t [256]byte) {
	t['+'], t['-'] = 'S', 'S'
	for c := byte('0'); c <= '9'; c++ {
		t[c] = 'D'
	}
	for _, c := range []byte("yYnNtTfFoO~") {
		t[c] = 'M'
	}
	t['.'] = '.'
	return t
}()

// resolveWord reports whether in is a key of yaml.v2's resolveMap, none of which resolves
// to a string. A switch, which compares lengths first, costs less than hashing in.
func resolveWord(in []byte) bool {
	switch string(in) {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
		"~", "null", "Null", "NULL", "", // the empty string is null
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
		"<<":
		return true
	}
	return false
}

// numericByte marks the bytes that a scalar resolving to an int, a float or a timestamp may
// contain: digits, signs, hex digits, the base prefixes 0x, 0o and 0b, underscores, and what
// the timestamp layouts of parseTimestamp accept ('-', ':', '.', ',', ' ', 'T', 't', 'Z',
// 'z'). A scalar with a 'D' or 'S' hint and any other byte is a string.
var numericByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEFxXoO_+-.:, TtZz") {
		t[c] = true
	}
	return t
}()

// resolveText is resolve(string(in)) without converting in on the common paths: strings
// whose first byte is no hint, short decimal integers (JSON numbers, port strings), and
// strings with a byte that no number or timestamp contains.
func resolveText(in []byte) resolved {
	var hint byte = 'N'
	if len(in) > 0 {
		hint = resolveHint[in[0]]
	}
	if hint == 0 {
		return resolved{tag: tagStr}
	}
	if resolveWord(in) {
		return resolved{tag: tagOther}
	}
	switch hint {
	case 'M':
		return resolved{tag: tagStr}
	case 'D', 'S':
		if i, ok := decimal(in); ok {
			return resolved{tag: tagInt, i: i}
		}
		for _, c := range in {
			if !numericByte[c] {
				return resolved{tag: tagStr}
			}
		}
	}
	return resolve(string(in))
}

// decimal parses in if it is -?[1-9][0-9]{0,17} or -?0: the integers that strconv.ParseInt
// with base 0 reads in decimal and that fit an int64 for sure. No timestamp has this form.
func decimal(in []byte) (int64, bool) {
	digits := in
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || digits[0] == '0' && len(digits) > 1 {
		return 0, false
	}
	var v int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if len(digits) < len(in) {
		v = -v
	}
	return v, true
}

// yamlStyleFloat and base60Float are yaml.v2's regular expressions of the same names.
var (
	yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	base60Float    = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

// resolve is yaml.v2's resolve for an untagged plain scalar, after the checks resolveText
// has made: in's hint is 'D', 'S' or '.', and in is not a resolveWord.
func resolve(in string) resolved {
	if in[0] == '.' {
		if f, err := strconv.ParseFloat(in, 64); err == nil {
			return resolved{tag: tagFloat, f: f}
		}
		return resolved{tag: tagStr}
	}
	if parseTimestamp(in) {
		return resolved{tag: tagOther}
	}
	plain := strings.ReplaceAll(in, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return resolved{tag: tagInt, i: i}
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return resolved{tag: tagInt, unsigned: true, u: u}
	}
	if yamlStyleFloat.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return resolved{tag: tagFloat, f: f}
		}
	}
	if bin, ok := strings.CutPrefix(plain, "0b"); ok {
		if i, err := strconv.ParseInt(bin, 2, 64); err == nil {
			return resolved{tag: tagInt, i: i}
		}
		if u, err := strconv.ParseUint(bin, 2, 64); err == nil {
			return resolved{tag: tagInt, unsigned: true, u: u}
		}
	} else if bin, ok := strings.CutPrefix(plain, "-0b"); ok {
		if i, err := strconv.ParseInt("-"+bin, 2, 64); err == nil {
			return resolved{tag: tagInt, i: i}
		}
	}
	return resolved{tag: tagStr}
}

// timestampFormats are yaml.v2's allowedTimestampFormats.
var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// parseTimestamp reports whether yaml.v2's parseTimestamp accepts s.
func parseTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range timestampFormats {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}

// isBase60Float is yaml.v2's isBase60Float: such strings are quoted for YAML 1.1 parsers.
func isBase60Float(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if c := s[0]; !(c == '+' || c == '-' || '0' <= c && c <= '9') || bytes.IndexByte(s, ':') < 0 {
		return false
	}
	return base60Float.Match(s)
}

// yamlCompare orders keys by yaml.v2's keyList.Less, which for distinct strings always
// holds one way or the other.
func (t *tree) yamlCompare(a, b []byte) int {
	switch {
	case bytes.Equal(a, b):
		return 0
	case t.yamlLess(a, b):
		return -1
	}
	return 1
}

// yamlLess is yaml.v2's keyList.Less for two strings.
func (t *tree) yamlLess(a, b []byte) bool {
	if isASCII(a) && isASCII(b) {
		return naturalLess(a, b)
	}
	t.runesA, t.runesB = appendRunes(t.runesA[:0], a), appendRunes(t.runesB[:0], b)
	return naturalLess(t.runesA, t.runesB)
}

// naturalLess is the string case of yaml.v2's keyList.Less over the runes of two strings (or
// their bytes, when both are ASCII).
func naturalLess[T byte | rune](ar, br []T) bool {
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := unicode.IsLetter(rune(ar[i]))
		bl := unicode.IsLetter(rune(br[i]))
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(rune(ar[j])); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(rune(ar[ai])); ai++ {
			an = an*10 + int64(rune(ar[ai])-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(rune(br[bi])); bi++ {
			bn = bn*10 + int64(rune(br[bi])-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

// maxOrderChecked bounds the keys of a map whose order yamlOrdered checks pair by pair.
const maxOrderChecked = 512

// yamlOrdered reports whether keys, sorted by yamlCompare, are in the one order that yaml.v2
// gives them, whatever the iteration order of the map it sorts.
//
// keyList.Less is not a strict weak order on all strings: 2 < 11 (numerically), 11 < 1a
// (a digit before a letter) and 1a < 2 (1 < 2), so the order of such keys depends on the map
// iteration order in yaml.v2, and only the reference renderer can reproduce it. Less is a
// strict total order on any set of keys whose pairs first differ at characters that are
// not digits: there it is a lexicographic order by a fixed order of characters (non-letters,
// then letters, each by code point). For keys sorted in that order, where any two keys
// first differ is where some adjacent pair does, with the same characters, so checking
// adjacent pairs is enough. Otherwise, every pair is checked, up to maxOrderChecked keys.
// Duplicate keys (last one wins in yaml.v2) are refused too.
func (t *tree) yamlOrdered(ms []member) bool {
	digits := false
	for i := 1; i < len(ms); i++ {
		a, b := t.text(ms[i-1].key), t.text(ms[i].key)
		if !t.yamlLess(a, b) {
			return false
		}
		digits = digits || digitAtFirstDifference(a, b)
	}
	if !digits {
		return true
	}
	if len(ms) > maxOrderChecked {
		return false
	}
	for i := range ms {
		for j := i + 2; j < len(ms); j++ {
			if !t.yamlLess(t.text(ms[i].key), t.text(ms[j].key)) {
				return false
			}
		}
	}
	return true
}

// digitAtFirstDifference reports whether a or b has a digit (unicode.IsDigit) at the first
// character where they differ.
func digitAtFirstDifference(a, b []byte) bool {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && !utf8.RuneStart(a[i]) {
		i-- // back to the start of the differing rune, shared by a and b
	}
	ra, _ := utf8.DecodeRune(a[i:])
	rb, _ := utf8.DecodeRune(b[i:])
	return i < len(a) && unicode.IsDigit(ra) || i < len(b) && unicode.IsDigit(rb)
}

func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func appendRunes(dst []rune, s []byte) []rune {
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		dst = append(dst, r)
		s = s[size:]
	}
	return dst
}
