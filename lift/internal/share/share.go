// Package share holds what package lift and its subpackages (lift/clusternp) share
// without lift exporting it: the names lifted policies take and address arithmetic.
package share

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// WorkloadName is the name a policy's workload takes: the policy's name when it is an
// RFC 1123 label, as the Set's names must be; otherwise (a name with dots, or longer than
// 63 characters) its letters, digits and dashes, cut to 54 characters, and a hash of the
// whole name, so that names stay distinct. Names change no verdict.
func WorkloadName(name string) string {
	if len(validation.IsDNS1123Label(name)) == 0 {
		return name
	}
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	s := b.String()
	s = strings.Trim(s[:min(len(s), 54)], "-")
	h := fnv.New32a()
	h.Write([]byte(name))
	if s == "" {
		return fmt.Sprintf("np-%08x", h.Sum32())
	}
	return fmt.Sprintf("%s-%08x", s, h.Sum32())
}

// Covered reports whether the prefixes in except together cover every address of r.
func Covered(r netip.Prefix, except []netip.Prefix) bool {
	inside := false
	for _, e := range except {
		switch {
		case e.Bits() <= r.Bits() && e.Contains(r.Addr()):
			return true
		case r.Contains(e.Addr()):
			inside = true
		}
	}
	if !inside || r.Bits() == r.Addr().BitLen() {
		return false
	}
	lo, hi := Halves(r)
	return Covered(lo, except) && Covered(hi, except)
}

// Halves splits r into its two halves, one bit longer.
func Halves(r netip.Prefix) (lo, hi netip.Prefix) {
	bits := r.Bits() + 1
	lo = netip.PrefixFrom(r.Addr(), bits)
	a := r.Addr().AsSlice()
	a[r.Bits()/8] |= 0x80 >> (r.Bits() % 8)
	addr, _ := netip.AddrFromSlice(a)
	return lo, netip.PrefixFrom(addr, bits)
}
