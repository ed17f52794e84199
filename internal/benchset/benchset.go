// Package benchset builds the large Sets that every benchmark measures, so that figures of
// different packages describe the same work.
package benchset

import (
	"fmt"

	"github.com/netintent/netintent/policy"
)

// Namespaces is the number of namespaces the services are spread over.
const Namespaces = 50

// New returns a Set of the given number of services spread over Namespaces namespaces;
// each service accepts TCP from edges other services (services×edges edges, a third of
// them across namespaces), and every other namespace is default-deny, so that half of the
// edges are mirrored at the sending end.
func New(services, edges int) *policy.Set {
	s := policy.NewSet()
	ns := func(i int) string { return fmt.Sprintf("ns-%02d", i%Namespaces) }
	svc := func(i int) string { return fmt.Sprintf("svc-%05d", i) }
	for i := range services {
		w := s.ServiceIn(ns(i), svc(i))
		for k := 1; k <= edges; k++ {
			j := (i + k*7919) % services
			w.AllowFrom(policy.ServiceIn(ns(j), svc(j))).TCP(8000 + k)
		}
	}
	for i := 0; i < Namespaces; i += 2 {
		s.Namespace(ns(i)).DefaultDeny()
	}
	return s
}
