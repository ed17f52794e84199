// Package representable says which strings rendered output carries exactly: internal/render
// builds its output with them only, and policy refuses the others where they would be
// emitted, so that policy does not depend on the renderer.
package representable

import "unicode/utf8"

// String reports whether rendered output carries s exactly: whether s is valid UTF-8
// (encoding/json replaces invalid bytes), without DEL, C1 controls, U+FFFE or U+FFFF, which
// the YAML that sigs.k8s.io/yaml makes of JSON cannot hold (its parser refuses them). Other
// control characters, U+2028 and U+2029 are escaped in the JSON text, which render's tree
// parser (tree.str) accepts and reads back as s itself.
func String(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c == 0x7F {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r < 0xA0 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += size
	}
	return true
}
