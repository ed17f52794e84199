package calico

import "github.com/netintent/netintent/policy"

// Capabilities says how this backend expresses each intent feature. A test compiles a probe
// Set per feature and checks every declaration.
func Capabilities() []policy.Capability {
	return []policy.Capability{
		{Feature: policy.FeatureNamespaced, Support: policy.Exact},
		{Feature: policy.FeatureClusterScope, Support: policy.Exact, Note: "GlobalNetworkPolicy"},
		{Feature: policy.FeatureHostScope, Support: policy.Refused, Note: "needs host endpoints"},
		{Feature: policy.FeatureDeny, Support: policy.Exact, Note: "in a pass-through tier before the default tier"},
		{Feature: policy.FeatureTiers, Support: policy.Exact},
		{Feature: policy.FeatureAudit, Support: policy.Exact, Note: "staged policies"},
		{Feature: policy.FeaturePodPeers, Support: policy.Exact},
		{Feature: policy.FeatureServiceAccount, Support: policy.Exact},
		{Feature: policy.FeatureClusterMesh, Support: policy.Refused, Note: "federation is Calico Enterprise"},
		{Feature: policy.FeatureCIDR, Support: policy.WithOption, Option: "calico.ClusterCIDRs(...)", Note: "nets/notNets minus the declared ranges: nets also match pod, node and API-server addresses"},
		{Feature: policy.FeatureFQDN, Support: policy.Refused, Note: "domains are Calico Enterprise"},
		{Feature: policy.FeatureWorld, Support: policy.WithOption, Option: "calico.ClusterCIDRs(...)", Note: "exact once the cluster's ranges are declared; calico.WorldAsNets() widens"},
		{Feature: policy.FeatureEntities, Support: policy.Refused, Note: "cluster is exact with calico.ClusterCIDRs(...)"},
		{Feature: policy.FeatureNodeIngress, Support: policy.Exact, Note: "needs no rule"},
		{Feature: policy.FeaturePorts, Support: policy.Exact, Note: "one rule per protocol"},
		{Feature: policy.FeatureICMP, Support: policy.Exact, Note: "checked structurally"},
		{Feature: policy.FeatureHTTP, Support: policy.WithOption, Option: "calico.ApplicationLayerPolicy()", Note: "exact where Istio with Dikastes enforces it (judged by Calico's checker); calico.WidenL7() widens"},
		{Feature: policy.FeatureHTTPMore, Support: policy.WithOption, Option: "calico.WidenL7()", Note: "widens"},
		{Feature: policy.FeatureDNSLookups, Support: policy.WithOption, Option: "calico.WidenL7()", Note: "widens"},
	}
}
