package render_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/netintent/netintent/internal/render"
)

// nasty are strings that yaml.v2 quotes, folds, escapes or orders in some special way.
var nasty = []string{
	"", " ", "  ", " a", "a ", "a  b", "true", "True", "TRUE", "false", "yes", "Yes", "no", "NO",
	"on", "On", "off", "y", "n", "Y", "N", "~", "null", "Null", "NULL", "<<", "=", "1", "-1", "+1",
	"01", "0", "-0", "007", "0.0", "1.0", "1.", ".5", "-.5", "1e3", "1E3", "1e+3", "1e-3", "1e400",
	"-1e400", "0x10", "0X10", "0o7", "0b101", "-0b101", "0b102", "1_000", "1__0", "_1", ".inf",
	"-.inf", "+.Inf", ".nan", ".NaN", ".", "..", "...", "....", "---", "--- a", "-", "--", "- a",
	"-a", "a-", "?", "? a", "?a", ":", ": a", ":a", "a:", "a: b", "a:b", "a :b", "a #b", "a#b",
	"#a", "# a", "'a", "a'b", "''", "\"a", "a\"b", "@a", "`a", "%a", "!a", "&a", "*a", "|", ">",
	"|-", ">+", "[a]", "{a}", "a,b", ",a", "a]", "a}", "a\nb", "a\n", "\na", "a\n\nb", "a\n\n",
	"\n", "\n\n", " \n", "\n ", "a \nb", "a\n b", "a\tb", "\ta", "a\t", "a\rb", "a\r\nb",
	"a\u0085b", "a\u2028b", "a\u2029", "\u2028", "\u00a0", "a\u00a0b", "\u00e9", "caf\u00e9",
	"\u4e2d\u6587", "\U0001F600", "a\U0001F600 b", "\ufeff", "\ufeffa b", "a\ufeff", "\ufffd",
	"\x00", "a\x00b", "\x07", "\x1b[0m", "\x7f", "\u0080", "\u009f", "\\", "a\\nb", "\\u0041",
	"<a>&b", "a\"'\\", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10",
	"2001-12-15T02:59:43.1Z", "2002-1-1", "1999-99-99", "1:20", "-1:20", "1:20:30.5", "190:20:30",
	"1:60", "12:30:00", "1000:2000", "80:8080", "2001:db8::/32", "::1", "fe80::1%eth0",
	"10.0.0.0/8", "169.254.169.254/32", "10.0.0.1", "1.2.3", "app == 'x' && has(y)",
	"all()", "!has(a)", "a in {'x', 'y'}", "Content-Type: application/json", "/orders/[0-9]+",
	"^a$", "^/api/v1/.*$", "GET", "*", "*.example.com", "k8s:io.kubernetes.pod.namespace",
	"app.kubernetes.io/name", "k8s-app", "kube-system", "default",
	strings.Repeat("word ", 30), strings.Repeat("x", 100), strings.Repeat("ab ", 40) + "c",
	strings.Repeat("a", 79) + " " + strings.Repeat("b", 10), strings.Repeat("a", 80) + "  b c",
	strings.Repeat("a", 81) + " b", strings.Repeat("long ", 20) + "\nnext line " + strings.Repeat("z ", 50),
	"Allow traffic from the API gateway to the order service on port 8080 for all HTTP methods.",
	strings.Repeat("'quoted' ", 15), strings.Repeat("\"dq\" ", 20), strings.Repeat("tab\t ", 20),
	strings.Repeat("é ", 50), strings.Repeat("中文 ", 40), " " + strings.Repeat("lead ", 20),
	strings.Repeat("trail ", 20) + " ", strings.Repeat("k", 128), strings.Repeat("k", 129),
}

// numbers are JSON numbers that yaml.v2 reads as ints, uints, floats or strings.
var numbers = []string{
	"0", "-0", "1", "-1", "8080", "100", "100.5", "10.0", "0.1", "1e3", "1E3", "1e+21", "1e21",
	"1.5e-7", "123456789012345678", "999999999999999999", "1234567890123456789",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
	"18446744073709551615", "18446744073709551616", "123456789012345678901234567890", "1e400",
	"-1e400", "1e-400", "0.000001", "0.0000001", "1e20", "100000", "1000000", "1e6", "-0.0",
	"4.9e-324", "1.7976931348623157e308", "0e0", "-0e-0",
}

// keys are map keys that exercise yaml.v2's key order: digits compare as numbers, letters
// after other characters.
var keys = []string{
	"a", "b", "A", "B", "_", "-", ".", "/", "~", "a1", "a2", "a10", "a01", "a001", "a1b", "a1a",
	"1", "2", "10", "01", "1a", "a-1", "a.1", "a_1", "aa", "ab", "a", "apiVersion", "kind",
	"metadata", "spec", "status", "name", "namespace", "labels", "k8s-app", "k8s:app", "io.k8s",
	"app.kubernetes.io/name", "matchLabels", "toCIDR", "toFQDNs", "x0", "x00", "x9", "x10",
	"é", "z", "Z", "中", "٣", "a٣", "", " ", "a b", "true", "1.5", "<<", "k\nk", strings.Repeat("k", 129),
}

// randValue returns a random JSON value of at most depth levels.
func randValue(r *rand.Rand, depth int) any {
	n := 7
	if depth <= 0 {
		n = 5
	}
	switch r.IntN(n) {
	case 0:
		return randString(r)
	case 1:
		return json.Number(numbers[r.IntN(len(numbers))])
	case 2:
		return []any{true, false, nil}[r.IntN(3)]
	case 3:
		if r.IntN(4) == 0 {
			return map[string]any{}
		}
		return randString(r)
	case 4:
		if r.IntN(4) == 0 {
			return []any{}
		}
		return json.Number(strconv.Itoa(r.IntN(100000) - 100))
	case 5:
		m := map[string]any{}
		for range r.IntN(6) {
			m[randKey(r)] = randValue(r, depth-1)
		}
		return m
	default:
		l := make([]any, r.IntN(5))
		for i := range l {
			l[i] = randValue(r, depth-1)
		}
		return l
	}
}

// alphabet are characters for random strings.
var alphabet = []string{
	"a", "b", "z", "0", "1", "9", " ", " ", " ", "\t", "\n", "\r", ":", "#", "-", "'", "\"", "\\",
	",", "[", "}", "&", "*", "!", "|", ">", "%", "@", "`", "?", ".", "_", "/", "=", "~", "\u00e9",
	"\u4e2d", "\U0001F600", "\u0085", "\u2028", "\u00a0", "\ufeff", "\x00", "\x1b", "\x7f",
	"\u0080", "\ufffd", "\ufffe", "<", ">", "&",
}

func randString(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0, 1:
		return nasty[r.IntN(len(nasty))]
	case 2:
		var b strings.Builder
		for range 2 + r.IntN(2) {
			b.WriteString(nasty[r.IntN(len(nasty))])
			if r.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		return b.String()
	case 3: // words, to be folded
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(strings.Repeat("w", 1+r.IntN(12)))
			b.WriteString(strings.Repeat(" ", 1+r.IntN(2)*r.IntN(3)))
		}
		return b.String()
	case 4:
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	default: // number-like
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteByte("0123456789.-+e_:xbo "[r.IntN(20)])
		}
		return b.String()
	}
}

func randKey(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return randString(r)
	}
	return keys[r.IntN(len(keys))]
}

// shuffledJSON encodes v as compact JSON with every object's keys in random order, the way
// encoding/json writes structs (in field order) rather than maps (sorted).
func shuffledJSON(r *rand.Rand, v any) []byte {
	switch v := v.(type) {
	case map[string]any:
		ks := make([]string, 0, len(v))
		for k := range v {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		r.Shuffle(len(ks), func(i, j int) { ks[i], ks[j] = ks[j], ks[i] })
		b := []byte{'{'}
		for i, k := range ks {
			if i > 0 {
				b = append(b, ',')
			}
			kj, _ := json.Marshal(k)
			b = append(append(b, kj...), ':')
			b = append(b, shuffledJSON(r, v[k])...)
		}
		return append(b, '}')
	case []any:
		b := []byte{'['}
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, shuffledJSON(r, e)...)
		}
		return append(b, ']')
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// checkJSONToYAML checks that where the fast path converts j, it gives what
// sigs.k8s.io/yaml.JSONToYAML gives, and reports whether it did.
func checkJSONToYAML(t testing.TB, j []byte) bool {
	t.Helper()
	want, wantErr := yaml.JSONToYAML(j)
	got, ok := render.JSONToYAMLFast(bytes.Clone(j))
	if !ok {
		return false
	}
	if wantErr != nil {
		t.Fatalf("fast path renders JSON that sigs.k8s.io/yaml rejects (%v):\n%s\n%s", wantErr, j, got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("JSON %s\nfast path:\n%s\nsigs.k8s.io/yaml:\n%s\n%q\n%q", j, got, want, got, want)
	}
	return true
}

// TestRandomYAMLIdentical renders random JSON values, with the nasty strings, numbers and
// keys above, both ways.
func TestRandomYAMLIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const n = 20000
	fast := 0
	for i := range n {
		v := randValue(r, 1+i%5)
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if checkJSONToYAML(t, j) {
			fast++
		}
		checkJSONToYAML(t, shuffledJSON(r, v))
	}
	t.Logf("fast path rendered %d of %d random documents; the rest fell back to the reference", fast, n)
	if fast < n*3/4 {
		t.Errorf("only %d of %d random documents took the fast path", fast, n)
	}
}

// TestRandomObjectsIdentical renders random objects, including the noise that is stripped,
// with Marshal and JSON and with their references.
func TestRandomObjectsIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	const n = 5000
	fast, fastJSON := 0, 0
	for i := range n {
		m := map[string]any{"apiVersion": "example.com/v1", "kind": "Thing"}
		meta := map[string]any{"name": "x"}
		if r.IntN(2) == 0 {
			meta["creationTimestamp"] = []any{nil, "2001-12-14T21:59:43Z"}[r.IntN(2)]
		}
		for range r.IntN(3) {
			meta[randKey(r)] = randValue(r, 2)
		}
		m["metadata"] = meta
		switch r.IntN(4) {
		case 0:
			m["status"] = nil
		case 1:
			m["status"] = map[string]any{}
		case 2:
			m["status"] = randValue(r, 2)
		}
		for range r.IntN(5) {
			m[randKey(r)] = randValue(r, 1+i%4)
		}
		obj := &unstructured.Unstructured{Object: m}
		if err := obj.UnmarshalJSON(shuffledJSON(r, m)); err != nil {
			continue // not an object unstructured accepts
		}
		want, wantErr := render.MarshalReference(obj)
		got, err := render.Marshal(obj)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) {
			t.Fatalf("object %v\nMarshal: %v\n%s\nreference: %v\n%s", m, err, got, wantErr, want)
		}
		if fastGot, ok := render.MarshalFast(obj); ok {
			fast++
			if !bytes.Equal(fastGot, want) {
				t.Fatalf("fast path:\n%s\nreference:\n%s", fastGot, want)
			}
		}
		if _, ok := render.JSONItemFast(obj); ok {
			fastJSON++
		}
		checkJSON(t, []render.Object{obj})
	}
	t.Logf("fast paths rendered %d of %d random objects as YAML, %d as JSON", fast, n, fastJSON)
}

func FuzzYAMLIdentical(f *testing.F) {
	for _, s := range nasty {
		j, _ := json.Marshal(map[string]any{"k": s, s: []any{s}})
		f.Add(j)
	}
	for _, n := range numbers {
		f.Add([]byte(`{"n":` + n + `,"l":[` + n + `]}`))
	}
	for _, k := range keys {
		j, _ := json.Marshal(map[string]any{k: 1, k + "1": 2, "1" + k: 3})
		f.Add(j)
	}
	f.Add([]byte(`{"a":{"b":[{"c":[],"d":{}},[1,[2]]]},"e":"\u00e9\/\ud83d\ude00"}`))
	f.Add([]byte(`[[["a"]],{"k":"v"},"x",null]`))
	f.Add([]byte(`"top"`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		checkJSONToYAML(t, compact.Bytes())
		// What json.Marshal writes for the same value, as the renderer gets it.
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return
		}
		canonical, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		checkJSONToYAML(t, canonical)
	})
}

// TestFastPathLimits pins where the fast path hands over to the reference, and that on the
// near side of each limit it still renders what sigs.k8s.io/yaml does.
func TestFastPathLimits(t *testing.T) {
	digitKeys := func(n int) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
		}
		return b.String() + "}"
	}
	nested := func(depth int) string {
		return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
	}
	tests := []struct {
		name, json string
		fast       bool
	}{
		{"key of 1022 characters", `{"` + strings.Repeat("é", 1022) + `":1}`, true},
		{"key of 1023 characters", `{"` + strings.Repeat("é", 1023) + `":1}`, false},
		{"key of 1023 characters with escapes", `{"` + strings.Repeat("a", 1017) + `\u0041":1}`, false},
		{"long value", `{"k":"` + strings.Repeat("é", 5000) + `"}`, true},
		{"escaped NEL, LS, DEL, C1", `{"k":"a\u0085b\u2028c\u007fd\u0080"}`, true},
		{"raw NEL", "{\"k\":\"a\u0085b\"}", false},
		{"raw LS", "{\"k\":\"a\u2028b\"}", false},
		{"raw DEL", "{\"k\":\"a\x7fb\"}", false},
		{"raw U+FFFE", "{\"k\":\"a\ufffeb\"}", false},
		{"raw U+FEFF", "{\"k\":\"\ufeffb\"}", true},
		{"invalid UTF-8", "{\"k\":\"a\xffb\"}", false},
		{`escaped "/"`, `{"k":"a\/b"}`, false},
		{"escaped surrogate pair", `{"k":"\ud83d\ude00"}`, false},
		{"duplicate key", `{"a":1,"a":2}`, false},
		{"whitespace", `{"a": 1}`, false},
		{"keys in an order", `{"a10":1,"a2":2,"a1":3,"b":4,"a-1":5}`, true},
		{"keys in no order", `{"2":1,"11":2,"1a":3}`, false},
		{"512 numbered keys", digitKeys(512), true},
		{"513 numbered keys", digitKeys(513), false},
		{"depth 1000", nested(1000), true},
		{"depth 1001", nested(1001), false},
		{"top-level scalar", `"a: b"`, true},
		{"top-level list", `[1,[],{},[[2]]]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !json.Valid([]byte(tt.json)) {
				t.Fatalf("invalid JSON %s", tt.json)
			}
			if fast := checkJSONToYAML(t, []byte(tt.json)); fast != tt.fast {
				t.Errorf("fast path taken: %v, want %v", fast, tt.fast)
			}
		})
	}
}
