package render

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/netintent/netintent/internal/representable"

	"github.com/projectcalico/api/pkg/lib/numorstring"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file builds the tree of an object (tree.go) straight from its Go value: the tree that
// parsing the object's encoding/json text gives, without writing that text, escaping its
// strings, sorting its maps' keys, and reading it all back. Most of the fast paths' time
// went there.
//
// It follows encoding/json's rules, through a plan per type made once as encoding/json makes
// its encoders: the same fields (json tags, embedded structs, the Go rules for conflicting
// names), omitempty and omitzero, null for nil pointers, slices and maps, numbers formatted
// the same way, and MarshalJSON and MarshalText where a type has them (MarshalJSON's output is
// parsed into the tree). Where a value is outside these rules (interfaces, []byte, the
// `string` tag option, map keys that are not strings, invalid UTF-8, MarshalJSON methods on
// pointer receivers only) or the tree parser would refuse the text, build reports false and
// the caller parses encoding/json's text instead, so the tree never differs.

// planKind is what a plan encodes.
type planKind uint8

const (
	planUnsupported planKind = iota
	planBool
	planInt
	planUint
	planFloat32
	planFloat64
	planString
	planPointer
	planSlice
	planArray
	planMap
	planStruct
	planMarshaler     // the type implements json.Marshaler
	planTextMarshaler // the type implements encoding.TextMarshaler (and not json.Marshaler)
	planIntOrString   // intstr.IntOrString, without calling its MarshalJSON (see known)
	planCalicoPort    // numorstring.Port, likewise
	planCalicoProto   // numorstring.Protocol, likewise
)

// known are the types whose MarshalJSON methods build reproduces rather than calls: the
// ports and protocols of the backends' rules. Each method returns a number or a string, but
// goes through json.Marshal, whose allocations cost more than the rest of the value's
// encoding; TestBuildIsParse checks that the tree is the same.
var known = map[reflect.Type]planKind{
	reflect.TypeFor[intstr.IntOrString]():   planIntOrString,
	reflect.TypeFor[numorstring.Port]():     planCalicoPort,
	reflect.TypeFor[numorstring.Protocol](): planCalicoProto,
}

// plan is how build encodes the values of one type, as the encoder encoding/json makes for it.
type plan struct {
	kind      planKind
	elem      *plan // planPointer, planSlice, planArray, planMap: the elements'
	stringMap bool  // planMap: the type is map[string]string
	// planStruct: the fields, in each keyOrder, and whether they are in that order for
	// certain, which saves sorting the members of every struct's object (sortMembers).
	fields [2][]fieldPlan
	sorted [2]bool
}

// keyOrder is the order in which a fast path sorts object keys.
type keyOrder uint8

const (
	orderYAML keyOrder = iota // yaml.v2's (yamlCompare)
	orderJSON                 // bytewise, as encoding/json sorts map keys
)

// fieldPlan is a field of a struct as encoding/json's typeFields finds it.
type fieldPlan struct {
	name string
	// plainKey: yaml.v2 writes name as a plain simple key. The emitter then skips analyzing
	// it for every object, which field names would otherwise cost as much as values.
	plainKey            bool
	index               []int // through embedded structs
	omitEmpty, omitZero bool
	isZero              func(reflect.Value) bool // the type's IsZero method, for omitzero
	plan                *plan
}

var (
	plans   sync.Map   // reflect.Type → *plan
	plansMu sync.Mutex // held while plans are made, so that each type gets one

	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[isZeroer]()
	stringMapType     = reflect.TypeFor[map[string]string]()
)

// planFor returns the plan of type t.
func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	plansMu.Lock()
	defer plansMu.Unlock()
	made := make(map[reflect.Type]*plan)
	p := makePlan(t, made)
	for t, p := range made {
		plans.Store(t, p)
	}
	return p
}

// makePlan makes the plan of t, and of the types it refers to, into made; made holds the
// plans being made, so that recursive types refer to their own plan.
func makePlan(t reflect.Type, made map[reflect.Type]*plan) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := made[t]; ok {
		return p
	}
	p := new(plan)
	made[t] = p
	if k, ok := known[t]; ok {
		p.kind = k
		return p
	}
	if t.Kind() == reflect.Pointer && known[t.Elem()] != planUnsupported {
		// Through a nil pointer, MarshalJSON is not called: encoding/json writes null.
		p.kind, p.elem = planPointer, makePlan(t.Elem(), made)
		return p
	}
	// The order of encoding/json's newTypeEncoder. A MarshalJSON or MarshalText method on the
	// pointer receiver alone is called only for addressable values; such types are left out.
	switch {
	case t.Kind() == reflect.Interface:
		return p
	case t.Implements(marshalerType):
		p.kind = planMarshaler
		return p
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType):
		return p
	case t.Implements(textMarshalerType):
		p.kind = planTextMarshaler
		return p
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textMarshalerType):
		return p
	}
	switch t.Kind() {
	case reflect.Bool:
		p.kind = planBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind = planInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		p.kind = planUint
	case reflect.Float32:
		p.kind = planFloat32
	case reflect.Float64:
		p.kind = planFloat64
	case reflect.String:
		p.kind = planString
	case reflect.Pointer:
		// Pointers to pointers are left out, so that every pointer build follows leads to
		// a container or a scalar, which bounds the recursion by the depth of the tree.
		if t.Elem().Kind() != reflect.Pointer {
			p.kind, p.elem = planPointer, makePlan(t.Elem(), made)
		}
	case reflect.Slice:
		// encoding/json writes []byte (and slices of other byte types) in base64.
		if t.Elem().Kind() != reflect.Uint8 {
			p.kind, p.elem = planSlice, makePlan(t.Elem(), made)
		}
	case reflect.Array:
		p.kind, p.elem = planArray, makePlan(t.Elem(), made)
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			p.kind, p.elem, p.stringMap = planMap, makePlan(t.Elem(), made), t == stringMapType
		}
	case reflect.Struct:
		p.kind = planStruct
		p.fields, p.sorted = sortedFields(structFields(t, made))
	}
	return p
}

// structFields is encoding/json's typeFields: the fields of struct type t that encoding/json
// writes, promoted from embedded structs by the Go rules, except that fields with json
// tags are promoted over untagged ones.
func structFields(t reflect.Type, made map[reflect.Type]*plan) []fieldPlan {
	type found struct {
		fieldPlan
		tagged bool
	}
	type embedded struct {
		typ   reflect.Type
		index []int
	}
	var fields []found
	current, next := []embedded{}, []embedded{{typ: t}}
	var count, nextCount map[reflect.Type]int
	visited := make(map[reflect.Type]bool)
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, make(map[reflect.Type]int)
		for _, f := range current {
			if visited[f.typ] {
				continue
			}
			visited[f.typ] = true
			for i := range f.typ.NumField() {
				sf := f.typ.Field(i)
				if sf.Anonymous {
					st := sf.Type
					if st.Kind() == reflect.Pointer {
						st = st.Elem()
					}
					if !sf.IsExported() && st.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTag(name) {
					name = ""
				}
				index := append(slices.Clip(f.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					// An embedded struct, whose fields are explored at the next level.
					nextCount[ft]++
					if nextCount[ft] == 1 {
						next = append(next, embedded{typ: ft, index: index})
					}
					continue
				}
				fp := found{tagged: name != ""}
				if name == "" {
					name = sf.Name
				}
				fp.name, fp.index, fp.plan = name, index, makePlan(sf.Type, made)
				fp.plainKey = plainKey(name)
				if !representable.String(name) || keyTooLong(name) {
					fp.plan = new(plan) // a name the tree parser refuses: unsupported
				}
				fp.omitEmpty, fp.omitZero = hasOption(opts, "omitempty"), hasOption(opts, "omitzero")
				if hasOption(opts, "string") && quotable(ft.Kind()) {
					fp.plan = new(plan) // the `string` option: unsupported
				}
				if fp.omitZero {
					fp.isZero = zeroMethod(sf.Type)
				}
				if !sf.IsExported() {
					// An embedded field of an unexported type, named by its tag: read-only
					// to reflect, so that its methods (IsZero included) cannot be called.
					fp.plan, fp.omitEmpty, fp.omitZero, fp.isZero = new(plan), false, false, nil
				}
				fields = append(fields, fp)
				if count[f.typ] > 1 {
					// The struct is embedded more than once at this level: its fields
					// conflict with themselves and are dropped below.
					fields = append(fields, fp)
				}
			}
		}
	}
	slices.SortFunc(fields, func(a, b found) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	var out []fieldPlan
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		// The dominant field is the shallowest, tagged before untagged; two of them at the
		// same depth, both tagged or both not, cancel out.
		if j-i == 1 || len(fields[i].index) != len(fields[i+1].index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i].fieldPlan)
		}
		i = j
	}
	return out
}

// sortedFields orders fields, which have distinct names, in each keyOrder, and reports
// whether that is the order sortMembers would give any subset of them (keys of a struct's
// object): always bytewise; by yaml.v2's keyList.Less if it orders every pair of names
// (see yamlOrdered).
func sortedFields(fields []fieldPlan) (byOrder [2][]fieldPlan, sorted [2]bool) {
	var t tree // for yamlCompare's scratch
	yaml := slices.Clone(fields)
	slices.SortFunc(yaml, func(a, b fieldPlan) int { return t.yamlCompare([]byte(a.name), []byte(b.name)) })
	yamlSorted := true
	for i := range yaml {
		for j := i + 1; j < len(yaml); j++ {
			if !t.yamlLess([]byte(yaml[i].name), []byte(yaml[j].name)) {
				yamlSorted = false
			}
		}
	}
	json := slices.Clone(fields)
	slices.SortFunc(json, func(a, b fieldPlan) int { return strings.Compare(a.name, b.name) })
	return [2][]fieldPlan{orderYAML: yaml, orderJSON: json}, [2]bool{orderYAML: yamlSorted, orderJSON: true}
}

// plainKey reports whether the emitter writes name, as an object key, as a plain simple
// key: what yamlConverter.node finds by analyzing it.
func plainKey(name string) bool {
	var e yamlEmitter
	e.analyzeScalar([]byte(name))
	return !e.multiline && e.blockPlainAllowed && len(name) <= 128 && stringStyle([]byte(name)) == stylePlain
}

// validTag is encoding/json's isValidTag: names with other characters are ignored.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// hasOption reports whether the comma-separated tag options include name.
func hasOption(opts, name string) bool {
	for opt := range strings.SplitSeq(opts, ",") {
		if opt == name {
			return true
		}
	}
	return false
}

// quotable reports whether the `string` tag option applies to values of kind k.
func quotable(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

// isZeroer is the method that omitzero uses where a type has it.
type isZeroer interface{ IsZero() bool }

// zeroMethod is how encoding/json decides omitzero through the IsZero method of type t, or
// nil if t has none and reflect.Value.IsZero decides.
func zeroMethod(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(isZeroer).IsZero() }
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(isZeroer).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				v2 := reflect.New(v.Type()).Elem()
				v2.Set(v)
				v = v2
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return nil
}

// build makes the tree of x, which parse would make of x's encoding/json text, except that
// the members of objects from structs may be in order, then marked sorted, and reports
// whether it could; if not, the tree is left in no particular state. The members are sorted
// in the order in which the caller sorts the tree.
func (t *tree) build(x any, order keyOrder) bool {
	if x == nil {
		return false
	}
	t.order = order
	v := reflect.ValueOf(x)
	t.src, t.pos = t.arena[:0], 0
	t.nodes, t.elems, t.membs = t.nodes[:0], t.elems[:0], t.membs[:0]
	t.elemStack, t.membStack = t.elemStack[:0], t.membStack[:0]
	_, ok := t.encode(v, planFor(v.Type()), 0)
	t.arena = t.src
	return ok && len(t.src) < 1<<31-1
}

// encode adds the node of v, whose plan is p, at depth (the number of arrays and objects
// around it, as in tree.value).
func (t *tree) encode(v reflect.Value, p *plan, depth int) (int32, bool) {
	switch p.kind {
	case planBool:
		if v.Bool() {
			return t.add(node{kind: kindTrue}), true
		}
		return t.add(node{kind: kindFalse}), true
	case planInt:
		return t.addInt(v.Int())
	case planUint:
		return t.addUint(v.Uint())
	case planFloat32, planFloat64:
		return t.float(v.Float(), p.kind == planFloat32)
	case planString:
		return t.addString(v.String())
	case planPointer:
		if v.IsNil() {
			return t.add(node{kind: kindNull}), true
		}
		return t.encode(v.Elem(), p.elem, depth)
	case planSlice, planArray:
		if p.kind == planSlice && v.IsNil() {
			return t.add(node{kind: kindNull}), true
		}
		return t.buildArray(v, p.elem, depth+1)
	case planMap:
		if v.IsNil() {
			return t.add(node{kind: kindNull}), true
		}
		return t.buildMap(v, p, depth+1)
	case planStruct:
		return t.buildStruct(v, p, depth+1)
	case planMarshaler:
		return t.marshaler(v, depth)
	case planIntOrString:
		x, _ := reflect.TypeAssert[intstr.IntOrString](v)
		switch x.Type {
		case intstr.Int:
			return t.addInt(int64(x.IntVal))
		case intstr.String:
			return t.addString(x.StrVal)
		}
		return 0, false // MarshalJSON fails
	case planCalicoPort:
		x, _ := reflect.TypeAssert[numorstring.Port](v)
		if x.PortName == "" && x.MinPort == x.MaxPort {
			return t.addUint(uint64(x.MinPort))
		}
		return t.addString(x.String())
	case planCalicoProto:
		x, _ := reflect.TypeAssert[numorstring.Protocol](v)
		// NumValue parses StrVal with strconv.ParseUint, whose error for a name ("TCP")
		// costs an allocation: only digits can parse.
		if x.Type != numorstring.NumOrStringString || digits(x.StrVal) {
			if n, err := numorstring.Uint8OrString(x).NumValue(); err == nil {
				return t.addUint(uint64(n))
			}
		}
		return t.addString(x.StrVal)
	case planTextMarshaler:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return t.add(node{kind: kindNull}), true
		}
		m, ok := reflect.TypeAssert[encoding.TextMarshaler](v)
		if !ok {
			return 0, false
		}
		text, err := m.MarshalText()
		if err != nil {
			return 0, false
		}
		return t.addString(string(text))
	}
	return 0, false
}

func (t *tree) addInt(i int64) (int32, bool) {
	off := len(t.src)
	t.src = strconv.AppendInt(t.src, i, 10)
	return t.add(node{kind: kindNumber, off: int32(off), n: int32(len(t.src) - off)}), true
}

func (t *tree) addUint(u uint64) (int32, bool) {
	off := len(t.src)
	t.src = strconv.AppendUint(t.src, u, 10)
	return t.add(node{kind: kindNumber, off: int32(off), n: int32(len(t.src) - off)}), true
}

// digits reports whether s is a non-empty string of ASCII digits.
func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// float adds the number f as encoding/json's floatEncoder writes it.
func (t *tree) float(f float64, is32 bool) (int32, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false // encoding/json fails
	}
	bits, format := 64, byte('f')
	if is32 {
		bits = 32
	}
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	off := len(t.src)
	t.src = strconv.AppendFloat(t.src, f, format, -1, bits)
	if format == 'e' { // e-09 becomes e-9
		if n := len(t.src); n-off >= 4 && t.src[n-4] == 'e' && t.src[n-3] == '-' && t.src[n-2] == '0' {
			t.src[n-2] = t.src[n-1]
			t.src = t.src[:n-1]
		}
	}
	return t.add(node{kind: kindNumber, off: int32(off), n: int32(len(t.src) - off)}), true
}

// addString adds the string s, or reports false if the tree parser would refuse its
// encoding/json text (see representable.String).
func (t *tree) addString(s string) (int32, bool) {
	if !representable.String(s) {
		return 0, false
	}
	off := len(t.src)
	t.src = append(t.src, s...)
	return t.add(node{kind: kindString, off: int32(off), n: int32(len(s))}), true
}

func (t *tree) buildArray(v reflect.Value, elem *plan, depth int) (int32, bool) {
	if depth > maxDepth {
		return 0, false
	}
	idx := t.add(node{kind: kindArray})
	mark := len(t.elemStack)
	for i := range v.Len() {
		el, ok := t.encode(v.Index(i), elem, depth)
		if !ok {
			return 0, false
		}
		t.elemStack = append(t.elemStack, el)
	}
	t.finishArray(idx, mark)
	return idx, true
}

// buildMap adds a map with string keys. Keys are in no particular order: every object's
// members are sorted afterwards.
func (t *tree) buildMap(v reflect.Value, p *plan, depth int) (int32, bool) {
	if depth > maxDepth {
		return 0, false
	}
	idx := t.add(node{kind: kindObject})
	mark := len(t.membStack)
	if p.stringMap {
		// Iterated without reflect, which would copy every key and value.
		m, _ := reflect.TypeAssert[map[string]string](v)
		for k, s := range m {
			key, ok := t.addKey(k)
			if !ok {
				return 0, false
			}
			val, ok := t.addString(s)
			if !ok {
				return 0, false
			}
			t.membStack = append(t.membStack, member{key, val})
		}
	} else {
		it := v.MapRange()
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		for it.Next() {
			k.SetIterKey(it)
			e.SetIterValue(it)
			key, ok := t.addKey(k.String())
			if !ok {
				return 0, false
			}
			val, ok := t.encode(e, p.elem, depth)
			if !ok {
				return 0, false
			}
			t.membStack = append(t.membStack, member{key, val})
		}
	}
	t.finishObject(idx, mark)
	return idx, true
}

// addKey adds the object key s, or reports false if the tree parser would refuse it.
func (t *tree) addKey(s string) (int32, bool) {
	if keyTooLong(s) {
		return 0, false
	}
	return t.addString(s)
}

func (t *tree) buildStruct(v reflect.Value, p *plan, depth int) (int32, bool) {
	if depth > maxDepth {
		return 0, false
	}
	fields := p.fields[t.order]
	idx := t.add(node{kind: kindObject, sorted: p.sorted[t.order]})
	mark := len(t.membStack)
fields:
	for i := range fields {
		f := &fields[i]
		fv := v.Field(f.index[0])
		for _, i := range f.index[1:] {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue fields
				}
				fv = fv.Elem()
			}
			fv = fv.Field(i)
		}
		if f.omitEmpty && isEmptyValue(fv) || f.omitZero && (f.isZero == nil && fv.IsZero() || f.isZero != nil && f.isZero(fv)) {
			continue
		}
		// The name was checked when the plan was made.
		off := len(t.src)
		t.src = append(t.src, f.name...)
		key := t.add(node{kind: kindString, plainKey: f.plainKey, off: int32(off), n: int32(len(f.name))})
		val, ok := t.encode(fv, f.plan, depth)
		if !ok {
			return 0, false
		}
		t.membStack = append(t.membStack, member{key, val})
	}
	t.finishObject(idx, mark)
	return idx, true
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// marshaler adds the value of v's MarshalJSON method, parsed. A value reached through a
// pointer is addressable, and calling the method through its address saves copying it.
func (t *tree) marshaler(v reflect.Value, depth int) (int32, bool) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return t.add(node{kind: kindNull}), true
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() {
		v = v.Addr()
	}
	m, ok := reflect.TypeAssert[json.Marshaler](v)
	if !ok {
		return 0, false
	}
	j, err := m.MarshalJSON()
	if err != nil {
		return 0, false
	}
	// Parsed from a copy: it unescapes strings in place, and j may be the value's own bytes.
	// Space around the value is insignificant (encoding/json drops it; Encoder.Encode, which
	// some MarshalJSON methods use, ends with a newline); the parser takes none within.
	start := len(t.src)
	t.src = append(t.src, bytes.Trim(j, " \t\r\n")...)
	t.pos = start
	n, ok := t.value(depth)
	return n, ok && t.pos == len(t.src)
}
