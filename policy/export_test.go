package policy

// PeerMatches lets the external tests state the mirroring rule in terms of the evaluator's
// own matching (see mirror_test.go).
func PeerMatches(p Peer, e Endpoint) bool { return p.matches(e) }
