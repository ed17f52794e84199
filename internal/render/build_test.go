package render_test

import (
	"errors"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/projectcalico/api/pkg/lib/numorstring"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netintent/netintent/internal/render"
)

// Types for TestBuildIsParse, each exercising a rule of encoding/json.
type (
	inner struct {
		A string `json:"a"`
		B int    `json:"b,omitempty"`
		C string // untagged: named C
	}
	// embeds has a field conflicting with an embedded one (the shallower wins), an embedded
	// pointer, and fields of two embedded structs at the same depth with the same name,
	// tagged in one (which wins) or in neither (both dropped).
	embeds struct {
		inner
		*Other `json:",inline"`
		A      string `json:"a"`
		Tagged
		Untagged
	}
	Other struct {
		D []int `json:"d"`
		X string
	}
	// hides embeds a pointer to a struct of an unexported type, whose fields are promoted,
	// and a struct of an unexported type named by its tag, which reflect makes read-only.
	hides struct {
		*other
		inner `json:"tagged"`
	}
	other struct {
		X string
		Z valueZero `json:"z,omitzero"`
	}
	Tagged struct {
		X string `json:"X"`
		Y string
	}
	Untagged struct {
		Y string
	}
	// twice embeds one struct twice at the same depth: its fields cancel out.
	twice struct {
		Left
		Right
	}
	Left  struct{ inner }
	Right struct{ inner }

	tags struct {
		Skipped  string            `json:"-"`
		Dash     string            `json:"-,"`
		Invalid  string            `json:"a\\b"`
		unexp    string            // encoding/json ignores it
		Empty    map[string]string `json:"empty,omitempty"`
		NilMap   map[string]string `json:"nilMap"`
		NilSlice []string          `json:"nilSlice"`
		EmptySl  []string          `json:"emptySlice"`
		Zero     float64           `json:"zero,omitempty"`
		NegZero  float64           `json:"negZero,omitempty"`
		Ptr      *int              `json:"ptr,omitempty"`
		Arr      [2]bool           `json:"arr"`
		EmptyArr [0]int            `json:"emptyArr,omitempty"`
		Struct   inner             `json:"struct,omitempty"`
	}
	quoted struct {
		Int int    `json:"int,string"`
		Str string `json:"str,string"`
	}
	zeros struct {
		T     time.Time  `json:"t,omitzero"`
		TP    *time.Time `json:"tp,omitzero"`
		V     valueZero  `json:"v,omitzero"`
		P     ptrZero    `json:"p,omitzero"`
		M     map[string]ptrZero
		I     inner                      `json:"i,omitzero"`
		N     int                        `json:"n,omitzero"`
		Iface interface{ IsZero() bool } `json:"iface,omitzero"`
	}
	valueZero struct{ X int }
	ptrZero   struct{ X int }

	numberFields struct {
		I8   int8
		I64  int64
		U    uint
		U64  uint64
		UP   uintptr
		F32  float32
		F64  float64
		Fs   []float64
		F32s []float32
	}

	marshalers struct {
		Value   valueMarshaler
		Ptr     *valueMarshaler
		Nil     *valueMarshaler
		Addr    addrMarshaler // MarshalJSON on the pointer receiver
		Text    netip.Addr
		TextPtr *netip.Prefix
		Map     map[string]valueMarshaler
		Raw     rawMarshaler
	}
	valueMarshaler struct{ out string }
	addrMarshaler  struct{ X int }
	rawMarshaler   []byte

	others struct {
		Any      any
		Bytes    []byte
		IntKeys  map[int]string
		TextKeys map[netip.Addr]string
		Named    map[named]named
		PP       **int
		Ch       chan int `json:"-"`
	}
	named string

	// ports holds the types whose MarshalJSON build reproduces rather than calls.
	ports struct {
		IntOrString    intstr.IntOrString
		IntOrStringPtr *intstr.IntOrString
		Port           numorstring.Port
		Ports          []numorstring.Port
		Protocol       numorstring.Protocol
		ProtocolPtr    *numorstring.Protocol
	}

	// fieldNames has field names that YAML quotes, or writes as complex keys.
	fieldNames struct {
		On     string `json:"on"`
		True   string `json:"true"`
		One    string `json:"1"`
		Merge  string `json:"<<"`
		Colon  string `json:"a: b"`
		Hash   string `json:"#x"`
		Dash   string `json:"- x"`
		Tilde  string `json:"~"`
		Space  string `json:"a b"`
		Date   string `json:"2001-01-01"`
		Long   string `json:"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`
		Accent string `json:"é"`
		Plain  string `json:"plain"`
		// In another order bytewise than by yaml.v2's keyList.Less.
		Brace string `json:"{"`
		A9    string `json:"a9"`
		A10   string `json:"a10"`
		Upper string `json:"B"`
	}
	// unordered has field names that keyList.Less does not order (2 < 11 < 1a < 2).
	unordered struct {
		Two    int `json:"2"`
		Eleven int `json:"11"`
		OneA   int `json:"1a"`
	}

	recursive struct {
		Name     string
		Children []*recursive `json:",omitempty"`
	}
)

func (z valueZero) IsZero() bool { return z.X == 1 }
func (z *ptrZero) IsZero() bool  { return z.X == 2 }

func (m valueMarshaler) MarshalJSON() ([]byte, error) {
	if m.out == "error" {
		return nil, errors.New("no")
	}
	return []byte(m.out), nil
}

func (m *addrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"addr"`), nil }

func (m rawMarshaler) MarshalJSON() ([]byte, error) { return m, nil }

// TestBuildIsParse checks that the tree build makes of a value is the one parsed from its
// encoding/json text, whenever build takes the value, and that build takes the values
// within its rules.
func TestBuildIsParse(t *testing.T) {
	deep := &recursive{Name: "root"}
	for n, r := 0, deep; n < 600; n++ { // 1201 levels of arrays and objects
		r.Children = []*recursive{{Name: "child"}}
		r = r.Children[0]
	}
	one := 1
	pone := &one
	// A struct whose field name is too long for a simple key in the reference's JSON.
	longName := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "X", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`json:"` + strings.Repeat("&", 171) + `"`),
	}}))
	tests := []struct {
		name  string
		value any
		built bool // build must take it
	}{
		{"embedded structs", &embeds{inner: inner{A: "hidden", B: 1, C: "c"}, Other: &Other{D: []int{1}, X: "x"}, A: "a",
			Tagged: Tagged{X: "tx", Y: "ty"}, Untagged: Untagged{Y: "uy"}}, true},
		{"nil embedded pointer", &embeds{A: "a"}, true},
		{"embedded pointer to an unexported type", &hides{other: &other{X: "x", Z: valueZero{X: 2}}}, false},
		{"nil embedded pointer to an unexported type", &hides{}, false},
		{"struct embedded twice", &twice{Left{inner{A: "l"}}, Right{inner{A: "r"}}}, true},
		{"tags", &tags{Skipped: "s", Dash: "d", Invalid: "i", unexp: "u", NegZero: math.Copysign(0, -1), Ptr: &one,
			EmptySl: []string{}, Empty: map[string]string{}}, true},
		{"string option", &quoted{Int: 1, Str: "s"}, false},
		{"omitzero", &zeros{V: valueZero{X: 1}, P: ptrZero{X: 2}, M: map[string]ptrZero{"a": {X: 2}, "b": {X: 3}}}, true},
		{"omitzero, not zero", &zeros{T: time.Unix(1e9, 0).UTC(), TP: new(time.Time), V: valueZero{X: 2},
			P: ptrZero{X: 1}, I: inner{C: "c"}, N: 1}, true},
		{"omitzero, interface", &zeros{Iface: valueZero{X: 3}}, false},
		{"omitzero, nil pointer in interface", &zeros{Iface: (*ptrZero)(nil)}, true},
		{"numberFields", &numberFields{I8: -128, I64: math.MinInt64, U: math.MaxUint32, U64: math.MaxUint64, UP: 7,
			F32: 1e21, F64: 5e-324,
			Fs:   []float64{0, math.Copysign(0, -1), 1e20, 1e21, 1e-6, 1e-7, 123456789.125, -2.5e-9, math.MaxFloat64},
			F32s: []float32{1e-6, 1e-7, 3.4e38, 0.1, 16777217}}, true},
		{"infinity", &numberFields{F64: math.Inf(1)}, false},
		{"marshalers", &marshalers{Value: valueMarshaler{`{"x":[1,"<&>"]}`}, Ptr: &valueMarshaler{`"s"`},
			Text: netip.MustParseAddr("192.0.2.1"), TextPtr: new(netip.MustParsePrefix("2001:db8::/32")),
			Map: map[string]valueMarshaler{"k": {`null`}}, Raw: rawMarshaler(`"raw"`)}, false},
		{"marshaler output with spaces", &marshalers{Value: valueMarshaler{`{ "x": 1 }`}}, false},
		{"marshaler error", &marshalers{Value: valueMarshaler{"error"}}, false},
		{"marshaler output too deep", &marshalers{Value: valueMarshaler{strings.Repeat("[", 1001) + strings.Repeat("]", 1001)}}, false},
		{"others", &others{Named: map[named]named{"k": "v"}, PP: &pone}, false},
		{"interface", &others{Any: map[string]any{"a": 1}}, false},
		{"bytes", &others{Bytes: []byte("hi")}, false},
		{"int keys", &others{IntKeys: map[int]string{1: "a"}}, false},
		{"text keys", &others{TextKeys: map[netip.Addr]string{netip.MustParseAddr("::1"): "a"}}, false},
		{"too deep", deep, false},
		{"shallow", &recursive{Name: "a", Children: []*recursive{{Name: "b"}, nil}}, true},
		{"key of 1022 characters with escapes", map[string]int{strings.Repeat("<", 170) + "ab": 1}, true},
		{"key of 1023 characters with escapes", map[string]int{strings.Repeat("<", 170) + "abc": 1}, false},
		{"unstructured", &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}, true},
		{"nil", nil, false},
		{"field name too long", longName.Interface(), false},
		{"keys", &fieldNames{On: "on", Long: "long"}, true},
		{"keys without order", &unordered{}, true},
	}
	for _, s := range []string{"plain", "", "<&>", "tab\t", "nul\x00", "esc\x1b", "nbsp\u00a0", "ls\u2028", "ps\u2029",
		"bom\ufeff", "\ufffd", "emoji 🙂", "quote\"\\"} {
		tests = append(tests, struct {
			name  string
			value any
			built bool
		}{"string " + s, map[string]string{s: s}, true})
	}
	// Strings that the parser refuses, or that encoding/json changes.
	for _, s := range []string{"del\x7f", "c1\u0085", "\ufffe", "\uffff", "invalid\xff", "cut\xe2\x80"} {
		tests = append(tests, struct {
			name  string
			value any
			built bool
		}{"string " + s, map[string]string{"k": s}, false})
	}
	for i, s := range []string{"", "http", "8080", "-1", "06", "255", "256", "+6", "TCP", "udplite", "<&>", "bad\xff"} {
		n := []int32{0, 1, -1, 80, 65535, math.MaxInt32, math.MinInt32}[i%7]
		tests = append(tests, struct {
			name  string
			value any
			built bool
		}{"ports " + s, &ports{
			IntOrString:    intstr.IntOrString{Type: intstr.Type(i % 3), IntVal: n, StrVal: s},
			IntOrStringPtr: new(intstr.FromString(s)),
			Port:           numorstring.Port{MinPort: uint16(n), MaxPort: uint16(n + int32(i%2)), PortName: s},
			Ports:          []numorstring.Port{numorstring.SinglePort(uint16(n)), {MinPort: 1, MaxPort: uint16(i)}},
			Protocol:       numorstring.Protocol{Type: numorstring.NumOrStringType(i % 3), NumVal: uint8(n), StrVal: s},
			ProtocolPtr:    new(numorstring.ProtocolFromString(s)),
		}, i%3 != 2 && !strings.Contains(s, "\xff")})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			built, parsed := render.BuiltAndParsed(tt.value)
			if built != nil && string(built) != string(parsed) {
				t.Fatalf("built:\n%s\nparsed:\n%s", built, parsed)
			}
			if built, parsed := render.BuiltAndParsedYAML(tt.value); built != nil && string(built) != string(parsed) {
				t.Fatalf("YAML built:\n%s\nparsed:\n%s", built, parsed)
			}
			if tt.built && built == nil {
				t.Errorf("build does not take it; parsed:\n%s", parsed)
			}
		})
	}
}

// TestBuildTypedObjects checks build against the parser on typed objects of every kind
// with every field filled at random, and that build takes the objects the backends emit.
func TestBuildTypedObjects(t *testing.T) {
	for _, k := range typedKinds {
		t.Run(k.kind+"."+k.apiVersion, func(t *testing.T) {
			built, parsed := 0, 0
			for seed := range uint64(300) {
				obj := k.new()
				filler(seed).Fill(obj)
				obj.GetObjectKind().SetGroupVersionKind(schema.FromAPIVersionAndKind(k.apiVersion, k.kind))
				b, p := render.BuiltAndParsed(obj)
				if b != nil && string(b) != string(p) {
					t.Fatalf("seed %d: built:\n%s\nparsed:\n%s", seed, b, p)
				}
				if b != nil {
					built++
				}
				if p != nil {
					parsed++
				}
			}
			t.Logf("%d objects built, %d parsed", built, parsed)
			if built < parsed*3/4 {
				t.Errorf("build takes too few objects: %d, the parser %d", built, parsed)
			}
		})
	}
	objs := fixtures(t)
	for _, more := range backendObjects(t) {
		objs = append(objs, more...)
	}
	for _, obj := range objs {
		if b, p := render.BuiltAndParsed(obj); b == nil || string(b) != string(p) {
			t.Fatalf("%s %s: built:\n%s\nparsed:\n%s", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), b, p)
		}
	}
}
