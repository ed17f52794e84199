package golden

import (
	"github.com/netintent/netintent/policy"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespaces returns the Namespace objects of the namespaces m declares, with their
// labels, as a cluster supplies them to whatever lifts its policies.
func Namespaces(m *policy.Model) []*corev1.Namespace {
	out := make([]*corev1.Namespace, 0, len(m.Namespaces))
	for _, ns := range m.Namespaces {
		out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels}})
	}
	return out
}
