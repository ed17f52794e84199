// Package equivalence proves, with the targets' own code, that every backend of
// github.com/netintent/netintent emits objects that are valid (as the API servers judge
// them: package oracle's validators) and that mean what the intent means (as the data
// planes decide: package oracle's engines agree with policy.Model.Evaluate).
//
// The tests walk a corpus per backend: every golden file under the backends' testdata,
// every scenario of examples/scenarios (default options) and a few hundred random Sets of
// internal/randset (reproducible seeds, features the backend supports). Each compiled
// Set is rendered to YAML, strictly decoded and validated; when it compiled without
// warnings, every flow of the Model's own policy.Universe is judged by the reference
// evaluator and by the backend's engine, and the verdicts must be equal. Flows an engine
// cannot judge (oracle.ErrCannotJudge) or cannot even express (ICMP, remote nodes, the
// API server and system endpoints, except for Cilium, which judges them as its reserved
// identities) are skipped and counted per reason; L7 and FQDN rules, which the engines
// judge at L4 only, are checked structurally. Where the backend runs Calico's application
// layer policy, Calico's own checker also judges sampled HTTP requests on every flow to a
// port with HTTP rules (requests_test.go).
//
// This file and universe.go hold the small, reusable part: translating a
// policy.Universe into an oracle.Universe and its flows into oracle.Flows. The tests hold
// the rest. Run them with
//
//	cd internal/conformance && go test ./equivalence/
//
// (-short for a lighter corpus, -v for the per-backend counts).
package equivalence
