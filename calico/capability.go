package calico

import (
	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/policy"
)

// Capabilities says how this backend expresses each intent feature. A test compiles a probe
// Set per feature and checks every declaration.
func Capabilities() []policy.Capability {
	return []policy.Capability{
		{Feature: policy.FeatureNamespaced, Support: policy.Exact},
		{Feature: policy.FeatureClusterScope, Support: policy.Exact, Note: "GlobalNetworkPolicy"},
		{Feature: policy.FeatureHostScope, Support: policy.Refused, Construct: string(constructHostScope), Note: "needs host endpoints"},
		{Feature: policy.FeatureDeny, Support: policy.Exact, Note: "in a pass-through tier before the default tier"},
		{Feature: policy.FeatureTiers, Support: policy.Exact},
		{Feature: policy.FeatureAudit, Support: policy.Exact, Note: "staged policies"},
		{Feature: policy.FeaturePodPeers, Support: policy.Exact},
		{Feature: policy.FeatureServiceAccount, Support: policy.Exact},
		{Feature: policy.FeatureClusterMesh, Support: policy.Refused, Construct: string(constructClusterMesh), Note: "federation is Calico Enterprise"},
		{Feature: policy.FeatureCIDR, Support: policy.WithOption, Construct: string(constructCIDR), Option: optClusterCIDRs, Note: "nets/notNets minus the declared ranges: nets also match pod, node and API-server addresses"},
		{Feature: policy.FeatureFQDN, Support: policy.Refused, Construct: string(constructFQDN), Note: "domains are Calico Enterprise"},
		{Feature: policy.FeatureWorld, Support: policy.WithOption, Construct: string(constructWorld), Option: optClusterCIDRs, Note: "exact once the cluster's ranges are declared; calico.WorldAsNets() widens"},
		{Feature: policy.FeatureEntities, Support: policy.Refused, Construct: string(constructClusterEntity), Note: "cluster is exact with calico.ClusterCIDRs(...)"},
		{Feature: policy.FeatureNodeIngress, Support: policy.Exact, Note: "needs no rule"},
		{Feature: policy.FeaturePorts, Support: policy.Exact, Note: "one rule per protocol"},
		{Feature: policy.FeatureICMP, Support: policy.Exact, Note: "checked structurally"},
		{Feature: policy.FeatureHTTP, Support: policy.WithOption, Construct: string(constructHTTP), Option: "calico.ApplicationLayerPolicy()", Note: "exact where Istio with Dikastes enforces it (judged by Calico's checker); calico.WidenL7() widens"},
		{Feature: policy.FeatureHTTPMore, Support: policy.WithOption, Construct: string(constructHTTP), Option: optWidenL7, Note: "widens"},
		{Feature: policy.FeatureDNSLookups, Support: policy.WithOption, Construct: string(constructDNS), Option: optWidenL7, Note: "widens"},
	}
}

// The constructs this backend refuses, as policy.Unsupported.Construct names them: the
// refusals name these, and the capability rows the one their probe is refused for. A %s
// stands for what the refusal is about (see backend.Construct.Of).
const (
	constructReservedTier  backend.Construct = "reserved tier name"
	constructTierOrder     backend.Construct = "tier order"
	constructHostScope     backend.Construct = "host policies"
	constructSelector      backend.Construct = "label selector"
	constructEqualOrders   backend.Construct = "equal policy orders in a tier"
	constructClusterMesh   backend.Construct = "cluster-mesh peers"
	constructCIDR          backend.Construct = "CIDR peers"
	constructFQDN          backend.Construct = "FQDN peers"
	constructWorld         backend.Construct = "world entity"
	constructClusterEntity backend.Construct = "cluster entity"
	constructHostEntity    backend.Construct = "host entity"
	constructEntity        backend.Construct = "%s entity"
	constructICMPType255   backend.Construct = "ICMP type 255"
	constructDNS           backend.Construct = "DNS lookup rules"
	constructEgressHTTP    backend.Construct = "egress HTTP rules"
	constructHTTP          backend.Construct = "L7 HTTP rules"
	constructHTTPRegex     backend.Construct = "HTTP regex paths"
	constructHTTPHost      backend.Construct = "HTTP host matches"
	constructHTTPHeaders   backend.Construct = "HTTP header matches"
)
