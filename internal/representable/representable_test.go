package representable_test

import (
	"testing"

	_ "github.com/netintent/netintent/internal/golden" // defines -update, as in every test package
	"github.com/netintent/netintent/internal/representable"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"/api/v1?q=1", true},
		{"tab\tnewline\n\x00\x1f", true}, // escaped in the JSON text
		{"é ü 日本 \u2028\u2029 \U0001F600", true},
		{"\u00a0", true}, // the first rune after the C1 controls
		{"del\x7f", false},
		{"c1\u0080", false},
		{"c1\u009f", false},
		{"\ufffe", false},
		{"\uffff", false},
		{"bad\xff", false},
		{"cut\xe6\x97", false},
	} {
		if got := representable.String(tc.s); got != tc.want {
			t.Errorf("String(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
