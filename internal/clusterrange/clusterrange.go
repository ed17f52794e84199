// Package clusterrange checks the address ranges a user declares as the cluster's (the
// ClusterCIDRs options of the k8snp and calico backends), so that both backends accept
// and reject the same input with the same errors.
package clusterrange

import (
	"fmt"
	"net/netip"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Check reports every problem of ranges at path: none at all, an invalid prefix, host
// bits set, an IPv4-mapped IPv6 range, and ranges declared twice or overlapping (a range
// inside another would be cut out twice, and is most likely a mistake).
func Check(path *field.Path, ranges []netip.Prefix) field.ErrorList {
	var errs field.ErrorList
	if len(ranges) == 0 {
		errs = append(errs, field.Required(path, "declare the cluster's pod, node and API server ranges"))
	}
	for i, p := range ranges {
		switch {
		case !p.IsValid():
			errs = append(errs, field.Invalid(path.Index(i), p.String(), "not a valid CIDR"))
			continue
		case p.Addr().Is4In6():
			errs = append(errs, field.Invalid(path.Index(i), p.String(), "IPv4-mapped IPv6 ranges are ambiguous; write the IPv4 range"))
			continue
		case p != p.Masked():
			errs = append(errs, field.Invalid(path.Index(i), p.String(), fmt.Sprintf("host bits are set; the range is %s", p.Masked())))
			continue
		}
		for j, q := range ranges[:i] {
			switch {
			case q == p:
				errs = append(errs, field.Duplicate(path.Index(i), p.String()))
			case q.IsValid() && q.Overlaps(p):
				errs = append(errs, field.Invalid(path.Index(i), p.String(),
					fmt.Sprintf("overlaps %s (%s); declare each range once", q, path.Index(j))))
			default:
				continue
			}
			break
		}
	}
	return errs
}

// Declared is what a backend's ClusterCIDRs option declared.
type Declared struct {
	// Given tells ClusterCIDRs() without ranges from no option at all.
	Given bool
	// Ranges are the declared ranges, in the order given.
	Ranges []netip.Prefix
}

// Declare records a ClusterCIDRs option.
func (d *Declared) Declare(ranges []netip.Prefix) {
	d.Given = true
	d.Ranges = append(d.Ranges, ranges...)
}

// Check reports every problem of the declared ranges (see Check); none when the option is
// not given.
func (d *Declared) Check() field.ErrorList {
	if !d.Given {
		return nil
	}
	return Check(field.NewPath("ClusterCIDRs"), d.Ranges)
}
