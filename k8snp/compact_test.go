package k8snp_test

import (
	"bytes"
	"maps"
	"testing"

	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/k8snp"
)

// TestCompactRedundant compiles a Set full of redundancy (the same edge three times, peers
// sharing ports, ports sharing peers, rules subsumed by allow-all rules, namespace defaults
// declared twice) into as few objects and rules as the same intent written without it: the
// same bytes, and the reference evaluator's verdicts are the same for both Sets.
func TestCompactRedundant(t *testing.T) {
	benchset.SameVerdicts(t, benchset.Redundant(), benchset.Deduplicated())
	red := compileSet(t, benchset.Redundant())
	// Rules per object, ingress and egress.
	want := map[string][2]int{
		"edge/admin":              {0, 2}, // mirrored: to api on 8080; DNS, inherited
		"edge/namespace-defaults": {0, 1}, // DNS
		"edge/web":                {0, 2}, // mirrored: to api on 8080 and 8443; DNS, inherited
		"shop/api":                {3, 0}, // admin on 8080; web on 8080 and 8443; the namespace, inherited
		"shop/db":                 {1, 0}, // prom, all traffic
		"shop/namespace-defaults": {1, 2}, // the namespace; the namespace and DNS
		"shop/pay":                {1, 0}, // every peer
	}
	if got := rulesPerObject(red); !maps.Equal(got, want) {
		t.Errorf("rules per object:\n%v\nwant\n%v", got, want)
	}
	got, err := red.YAML()
	if err != nil {
		t.Fatal(err)
	}
	ded, err := compileSet(t, benchset.Deduplicated()).YAML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, ded) {
		t.Errorf("redundant Set:\n%s\nwithout redundancy:\n%s", got, ded)
	}
}

func rulesPerObject(res *k8snp.Result) map[string][2]int {
	out := map[string][2]int{}
	for _, np := range res.NetworkPolicies {
		out[np.Namespace+"/"+np.Name] = [2]int{len(np.Spec.Ingress), len(np.Spec.Egress)}
	}
	return out
}
