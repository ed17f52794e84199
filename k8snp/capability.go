package k8snp

import "github.com/netintent/netintent/policy"

// Capabilities says how this backend expresses each intent feature. A test compiles a probe
// Set per feature and checks every declaration.
func Capabilities() []policy.Capability {
	return []policy.Capability{
		{Feature: policy.FeatureNamespaced, Support: policy.Exact},
		{Feature: policy.FeatureClusterScope, Support: policy.Refused, Note: "AdminNetworkPolicy is the upstream answer, not emitted yet"},
		{Feature: policy.FeatureHostScope, Support: policy.Refused},
		{Feature: policy.FeatureDeny, Support: policy.Refused, Note: "NetworkPolicy is allow-only"},
		{Feature: policy.FeatureTiers, Support: policy.Refused},
		{Feature: policy.FeatureAudit, Support: policy.Refused},
		{Feature: policy.FeaturePodPeers, Support: policy.Exact},
		{Feature: policy.FeatureServiceAccount, Support: policy.Refused},
		{Feature: policy.FeatureClusterMesh, Support: policy.Refused},
		{Feature: policy.FeatureCIDR, Support: policy.WithOption, Option: "k8snp.ClusterCIDRs(...)", Note: "ipBlock excepting the declared cluster ranges; whether ipBlock matches pods and nodes is implementation-defined"},
		{Feature: policy.FeatureFQDN, Support: policy.Refused},
		{Feature: policy.FeatureWorld, Support: policy.WithOption, Option: "k8snp.WorldAsIPBlock()", Note: "exact with k8snp.ClusterCIDRs(...) (0.0.0.0/0 and ::/0 except the cluster's ranges); widens without: ipBlock 0.0.0.0/0 may match pods"},
		{Feature: policy.FeatureEntities, Support: policy.Refused},
		{Feature: policy.FeatureNodeIngress, Support: policy.Exact, Note: "needs no rule"},
		{Feature: policy.FeaturePorts, Support: policy.Exact},
		{Feature: policy.FeatureICMP, Support: policy.Refused},
		{Feature: policy.FeatureHTTP, Support: policy.WithOption, Option: "k8snp.WidenL7()", Note: "widens to L4"},
		{Feature: policy.FeatureHTTPMore, Support: policy.WithOption, Option: "k8snp.WidenL7()", Note: "widens to L4"},
		{Feature: policy.FeatureDNSLookups, Support: policy.WithOption, Option: "k8snp.WidenL7()", Note: "widens to L4"},
	}
}
