package k8snp

import (
	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/policy"
)

// Capabilities says how this backend expresses each intent feature. A test compiles a probe
// Set per feature and checks every declaration.
func Capabilities() []policy.Capability {
	return []policy.Capability{
		{Feature: policy.FeatureNamespaced, Support: policy.Exact},
		{Feature: policy.FeatureClusterScope, Support: policy.Refused, Construct: string(constructClusterScope), Note: "with k8snp/clusternp, untiered cluster-wide policies are ClusterNetworkPolicies: deny rules exact (Admin Deny); egress allows and isolation (Admin Accept, Baseline Deny) with its Nodes option, lossy on Cilium for its health, ingress, unmanaged and init endpoints; ingress isolation refused"},
		{Feature: policy.FeatureHostScope, Support: policy.Refused, Construct: string(constructHostScope)},
		{Feature: policy.FeatureDeny, Support: policy.Refused, Construct: string(constructDeny), Note: "NetworkPolicy is allow-only; the deny rules of enforced, untiered policies are exact as Admin-tier ClusterNetworkPolicies with k8snp/clusternp"},
		{Feature: policy.FeatureTiers, Support: policy.Refused, Construct: string(constructTiers), Note: "with k8snp/clusternp, tiers are Admin-tier ClusterNetworkPolicies before the untiered ones: Allow, Deny and Pass exact where a Pass is followed by no Admin object for the same pods; a tier's end (default Deny) in egress with its Nodes option; ingress ends and ingress CIDR peers refused"},
		{Feature: policy.FeatureAudit, Support: policy.Refused, Construct: string(constructAudit)},
		{Feature: policy.FeaturePodPeers, Support: policy.Exact},
		{Feature: policy.FeatureServiceAccount, Support: policy.Refused, Construct: string(constructServiceAccount)},
		{Feature: policy.FeatureClusterMesh, Support: policy.Refused, Construct: string(constructClusterMesh)},
		{Feature: policy.FeatureCIDR, Support: policy.WithOption, Construct: string(constructCIDR), Option: optClusterCIDRs, Note: "ipBlock excepting the declared cluster ranges; whether ipBlock matches pods and nodes is implementation-defined"},
		{Feature: policy.FeatureFQDN, Support: policy.Refused, Construct: string(constructFQDN), Note: "with k8snp/clusternp and its DomainNames option (experimental channel), egress allows to exact names and **. patterns are domainNames peers; other patterns and deny rules refused"},
		{Feature: policy.FeatureWorld, Support: policy.WithOption, Construct: string(constructWorld), Option: optWorldAsIPBlock, Note: "exact with k8snp.ClusterCIDRs(...) (0.0.0.0/0 and ::/0 except the cluster's ranges); widens without: ipBlock 0.0.0.0/0 may match pods"},
		{Feature: policy.FeatureEntities, Support: policy.Refused, Construct: string(constructClusterEntity)},
		{Feature: policy.FeatureNodeIngress, Support: policy.Exact, Note: "needs no rule"},
		{Feature: policy.FeaturePorts, Support: policy.Exact},
		{Feature: policy.FeatureICMP, Support: policy.Refused, Construct: string(constructICMP)},
		{Feature: policy.FeatureHTTP, Support: policy.WithOption, Construct: string(constructHTTP), Option: optWidenL7, Note: "widens to L4"},
		{Feature: policy.FeatureHTTPMore, Support: policy.WithOption, Construct: string(constructHTTP), Option: optWidenL7, Note: "widens to L4"},
		{Feature: policy.FeatureDNSLookups, Support: policy.WithOption, Construct: string(constructDNS), Option: optWidenL7, Note: "widens to L4"},
	}
}

// The constructs this backend refuses, as policy.Unsupported.Construct names them: the
// refusals name these, and the capability rows the one their probe is refused for. A %s
// stands for what the refusal is about (see backend.Construct.Of).
const (
	constructClusterScope   backend.Construct = "cluster scope"
	constructHostScope      backend.Construct = "host scope"
	constructTiers          backend.Construct = "tiers"
	constructAudit          backend.Construct = "audit mode"
	constructDeny           backend.Construct = "deny rules"
	constructPass           backend.Construct = "pass rules"
	constructCIDR           backend.Construct = "CIDR peers"
	constructFQDN           backend.Construct = "FQDN peers"
	constructUnknownPeer    backend.Construct = "%s peers"
	constructICMP           backend.Construct = "ICMP"
	constructHTTP           backend.Construct = "L7 HTTP rules"
	constructDNS            backend.Construct = "L7 DNS rules"
	constructWorld          backend.Construct = "world entity"
	constructClusterEntity  backend.Construct = "cluster entity"
	constructEntity         backend.Construct = "%s entity"
	constructServiceAccount backend.Construct = "service account peers"
	constructClusterMesh    backend.Construct = "cluster-mesh peers"
)
