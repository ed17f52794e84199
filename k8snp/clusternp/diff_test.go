package clusternp_test

import (
	"slices"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
)

// TestDiff: policy.Diff lists the ClusterNetworkPolicies a change creates, updates and
// deletes, with their rollout stages, beside the NetworkPolicies.
func TestDiff(t *testing.T) {
	old := scenarios.BlockMetadata()
	new := scenarios.BlockMetadata()
	new.Cluster("deny-egress-to-internet").Select(policy.MatchLabels{"environment": "production"}).WithoutDNS().
		AllowTo(policy.CIDR("10.0.0.0/8"))
	ch, err := policy.Diff(old, new, clusternp.Backend(clusterCIDRs(), clusternp.Nodes()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range ch.Objects {
		got = append(got, string(o.Op)+" "+o.Kind+" "+o.Name+" "+o.Stage)
	}
	want := []string{
		"create ClusterNetworkPolicy deny-egress-to-internet guardrail",
		"create ClusterNetworkPolicy deny-egress-to-internet-isolation cluster",
	}
	if !slices.Equal(got, want) {
		t.Errorf("object changes:\n%q\nwant\n%q", got, want)
	}
	if len(ch.Closed) == 0 {
		t.Error("the isolation closes flows, and Diff lists none")
	}
}
