package cilium_test

import (
	"maps"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/benchset"
)

// TestCompactRedundant compiles a Set full of redundancy (the same edge three times, peers
// sharing ports, ports sharing peers, rules subsumed by allow-all rules, namespace defaults
// declared twice) into as few objects and rules as the same intent written without it, and
// checks that the reference evaluator's verdicts are the same for both Sets. The bytes may
// differ: Cilium merges peers sharing ports first, so {admin, web} on 8080 and web on 8443
// is as compact as admin on 8080 and web on 8080 and 8443.
func TestCompactRedundant(t *testing.T) {
	benchset.SameVerdicts(t, benchset.Redundant(), benchset.Deduplicated())
	// Rules per object: ingress, egress (allows; no Set here denies).
	want := map[string][2]int{
		"edge/admin":              {0, 2}, // mirrored: to api on 8080; DNS, inherited
		"edge/namespace-defaults": {1, 1}, // isolation ({}); DNS
		"edge/web":                {0, 2}, // mirrored: to api on 8080 and 8443; DNS, inherited
		"shop/api":                {3, 0}, // admin and web on 8080; web on 8443; the namespace, inherited
		"shop/db":                 {1, 0}, // prom, all traffic
		"shop/namespace-defaults": {1, 2}, // the namespace; the namespace and DNS
		"shop/pay":                {1, 0}, // every peer
	}
	red := compileSet(t, benchset.Redundant())
	if got := rulesPerObject(red); !maps.Equal(got, want) {
		t.Errorf("rules per object:\n%v\nwant\n%v", got, want)
	}
	if got, ded := rulesPerObject(red), rulesPerObject(compileSet(t, benchset.Deduplicated())); !maps.Equal(got, ded) {
		t.Errorf("rules per object:\n%v\nwithout redundancy:\n%v", got, ded)
	}
}

func rulesPerObject(res *cilium.Result) map[string][2]int {
	out := map[string][2]int{}
	for _, o := range res.CiliumNetworkPolicies {
		out[o.Namespace+"/"+o.Name] = [2]int{len(o.Spec.Ingress) + len(o.Spec.IngressDeny), len(o.Spec.Egress) + len(o.Spec.EgressDeny)}
	}
	for _, o := range res.CiliumClusterwideNetworkPolicies {
		out[o.Name] = [2]int{len(o.Spec.Ingress) + len(o.Spec.IngressDeny), len(o.Spec.Egress) + len(o.Spec.EgressDeny)}
	}
	return out
}
