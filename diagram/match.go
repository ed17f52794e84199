package diagram

import (
	"net/netip"

	"github.com/netintent/netintent/policy"
)

// The policy package keeps its matching of subjects and peers against endpoints
// unexported. Rather than restate it here, where it could drift from the reference
// semantics, the two functions below ask the reference evaluator through a model of one
// policy built for the question.

// probeNamespace is the namespace of the pod that peerMatches sends from; no Set can
// declare it (it is longer than a namespace name may be), so no endpoint is confused with it.
const probeNamespace = "netintent-diagram-probe-namespace-that-no-set-can-declare-as-it-is-too-long"

// peerMatches reports whether the peer covers the endpoint, with the namespace labels
// that m declares: a pod isolated for egress with one allow rule to the peer may send to
// the endpoint.
func peerMatches(m *policy.Model, peer policy.Peer, e policy.Endpoint) bool {
	probe := &policy.Model{Namespaces: m.Namespaces, Policies: []*policy.Policy{{
		Name:    "probe",
		Subject: policy.Subject{Scope: policy.ScopeNamespace, Namespace: probeNamespace},
		Egress:  []policy.Rule{{Action: policy.Allow, Peers: []policy.Peer{peer}}},
		Isolate: []policy.Direction{policy.Egress},
		Mode:    policy.Enforce,
	}}}
	from := policy.Endpoint{Kind: policy.EndpointPod, Namespace: probeNamespace}
	return probe.Evaluate(policy.Flow{From: from, To: e, Protocol: policy.TCP, Port: 1}).Source.Allowed
}

// subjectSelects reports whether the subject covers the endpoint, with the namespace
// labels that m declares: a policy that isolates the subject for ingress, with no rule,
// denies the endpoint's ingress.
func subjectSelects(m *policy.Model, s policy.Subject, e policy.Endpoint) bool {
	probe := &policy.Model{Namespaces: m.Namespaces, Policies: []*policy.Policy{{
		Name:    "probe",
		Subject: s,
		Isolate: []policy.Direction{policy.Ingress},
		Mode:    policy.Enforce,
	}}}
	from := policy.Endpoint{Kind: policy.EndpointExternal, IP: netip.MustParseAddr("192.0.2.1")}
	d := probe.Evaluate(policy.Flow{From: from, To: e, Protocol: policy.TCP, Port: 1}).Destination
	return d.Judged && !d.Allowed
}
