package clusterrange

import (
	"net/netip"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestCheck lists every problem Check reports, with its path.
func TestCheck(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name   string
		ranges []netip.Prefix
		want   []string
	}{
		{"none", nil, []string{"ClusterCIDRs: Required value"}},
		{"invalid", []netip.Prefix{p("10.0.0.0/8"), {}}, []string{`ClusterCIDRs[1]: Invalid value: "invalid Prefix": not a valid CIDR`}},
		{"host bits", []netip.Prefix{p("10.244.1.0/16")}, []string{"ClusterCIDRs[0]", "host bits are set; the range is 10.244.0.0/16"}},
		{"IPv4-mapped", []netip.Prefix{p("::ffff:10.0.0.0/104")}, []string{"ClusterCIDRs[0]", "IPv4-mapped"}},
		{"duplicate", []netip.Prefix{p("10.244.0.0/16"), p("fd00::/8"), p("10.244.0.0/16")}, []string{`ClusterCIDRs[2]: Duplicate value: "10.244.0.0/16"`}},
		{"overlap", []netip.Prefix{p("10.244.0.0/16"), p("10.0.0.0/8")}, []string{`ClusterCIDRs[1]: Invalid value: "10.0.0.0/8": overlaps 10.244.0.0/16 (ClusterCIDRs[0])`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Check(field.NewPath("ClusterCIDRs"), tt.ranges)
			if len(errs) != 1 {
				t.Fatalf("got %v; want one problem", errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs[0].Error(), w) {
					t.Errorf("%q lacks %q", errs[0].Error(), w)
				}
			}
		})
	}
	if errs := Check(field.NewPath("ClusterCIDRs"), []netip.Prefix{p("10.244.0.0/16"), p("10.96.0.0/12"), p("fd00::/8")}); len(errs) > 0 {
		t.Errorf("disjoint ranges: %v", errs)
	}
}
