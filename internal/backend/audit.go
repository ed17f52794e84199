package backend

import "github.com/netintent/netintent/policy"

// Audit tells the policies where audit mode was asked for, which a backend without a
// per-policy audit mode refuses, from the ones that are in audit mode only because rules
// mirrored from audited rules landed in them.
type Audit struct {
	// rules holds the paths of the rules written in audit-mode policies.
	rules map[string]bool
}

// NewAudit returns the Audit of m's policies.
func NewAudit(m *policy.Model) Audit {
	a := Audit{rules: map[string]bool{}}
	for _, p := range m.Policies {
		if p.Mode != policy.Audit {
			continue
		}
		for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
			for _, r := range p.Rules(d) {
				if !r.Mirrored && r.Path != nil {
					a.rules[r.Path.String()] = true
				}
			}
		}
	}
	return a
}

// Origin reports whether p, a policy in audit mode, is where audit mode was asked for: a
// policy written in audit mode, or one that holds a rule mirrored from an enforced policy
// into an audited isolation. A policy that holds only rules mirrored from audited rules
// is not: those rules' own policies are.
func (a Audit) Origin(p *policy.Policy) bool {
	n := 0
	for _, d := range []policy.Direction{policy.Ingress, policy.Egress} {
		for _, r := range p.Rules(d) {
			if !r.Mirrored || r.Path == nil || !a.rules[r.Path.String()] {
				return true
			}
			n++
		}
	}
	return n == 0
}
