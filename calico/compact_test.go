package calico_test

import (
	"bytes"
	"maps"
	"testing"

	"github.com/netintent/netintent/internal/benchset"
)

// TestCompactRedundant compiles a Set full of redundancy (the same edge three times, peers
// sharing ports, ports sharing peers, rules subsumed by allow-all rules, namespace defaults
// declared twice) into as few objects and rules as the same intent written without it: the
// same bytes, and the reference evaluator's verdicts are the same for both Sets.
func TestCompactRedundant(t *testing.T) {
	benchset.SameVerdicts(t, benchset.Redundant(), benchset.Deduplicated())
	red := compileSet(t, benchset.Redundant())
	if n := len(red.Tiers) + len(red.GlobalNetworkPolicies) + len(red.StagedNetworkPolicies) + len(red.StagedGlobalNetworkPolicies); n != 0 {
		t.Errorf("%d objects besides NetworkPolicies, want none", n)
	}
	// Rules per object: ingress, egress. A Calico rule has one protocol, so DNS takes two.
	want := map[string][2]int{
		"edge/admin":              {0, 3}, // mirrored: to api on 8080; DNS (UDP, TCP), inherited
		"edge/namespace-defaults": {0, 2}, // DNS
		"edge/web":                {0, 3}, // mirrored: to api on 8080 and 8443; DNS (UDP, TCP), inherited
		"shop/api":                {3, 0}, // web on 8080 and 8443; admin on 8080; the namespace, inherited
		"shop/db":                 {2, 0}, // prom, all traffic; the namespace, inherited
		"shop/namespace-defaults": {1, 3}, // the namespace; the namespace and DNS
		"shop/pay":                {1, 0}, // every peer
	}
	got := map[string][2]int{}
	for _, o := range red.NetworkPolicies {
		got[o.Namespace+"/"+o.Name] = [2]int{len(o.Spec.Ingress), len(o.Spec.Egress)}
	}
	if !maps.Equal(got, want) {
		t.Errorf("rules per object:\n%v\nwant\n%v", got, want)
	}
	y, err := red.YAML()
	if err != nil {
		t.Fatal(err)
	}
	ded, err := compileSet(t, benchset.Deduplicated()).YAML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(y, ded) {
		t.Errorf("redundant Set:\n%s\nwithout redundancy:\n%s", y, ded)
	}
}
