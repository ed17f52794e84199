package cilium

import (
	"github.com/netintent/netintent/internal/backend"
	"github.com/netintent/netintent/policy"
)

// Capabilities says how this backend expresses each intent feature. A test compiles a probe
// Set per feature and checks every declaration.
func Capabilities() []policy.Capability {
	return []policy.Capability{
		{Feature: policy.FeatureNamespaced, Support: policy.Exact},
		{Feature: policy.FeatureClusterScope, Support: policy.Exact, Note: "CiliumClusterwideNetworkPolicy"},
		{Feature: policy.FeatureHostScope, Support: policy.Exact, Note: "nodeSelector; needs the host firewall"},
		{Feature: policy.FeatureDeny, Support: policy.Exact, Note: "enableDefaultDeny set explicitly"},
		{Feature: policy.FeatureTiers, Support: policy.Refused, Construct: string(constructTiers), Note: "Cilium has no tiers"},
		{Feature: policy.FeatureAudit, Support: policy.WithOption, Construct: string(constructAudit), Option: optOmitAudit, Note: "no per-policy audit in 1.20; the option leaves audited policies out, with a warning"},
		{Feature: policy.FeaturePodPeers, Support: policy.Exact, Note: "label keys Cilium's identity filter drops (`.*beta.kubernetes.io`, pod or namespace) refused"},
		{Feature: policy.FeatureServiceAccount, Support: policy.Exact},
		{Feature: policy.FeatureClusterMesh, Support: policy.Exact},
		{Feature: policy.FeatureCIDR, Support: policy.Exact},
		{Feature: policy.FeatureFQDN, Support: policy.Exact, Note: "with the DNS proxy rule it needs"},
		{Feature: policy.FeatureWorld, Support: policy.Exact},
		{Feature: policy.FeatureEntities, Support: policy.Exact, Note: "cluster: pods, host, remote-node, kube-apiserver, health, ingress, init, unmanaged; Any adds world and cluster-mesh pods; ingress denies of them spare the pod's own host"},
		{Feature: policy.FeatureNodeIngress, Support: policy.Exact},
		{Feature: policy.FeaturePorts, Support: policy.Exact},
		{Feature: policy.FeatureICMP, Support: policy.Exact, Note: "types but 0, which Cilium reads as every type; codes only with cilium.WidenICMPCodes()"},
		{Feature: policy.FeatureHTTP, Support: policy.Exact, Note: "quoted regexes that admit any query string after the path; checked on sampled requests (Envoy is not run)"},
		{Feature: policy.FeatureHTTPMore, Support: policy.Exact, Note: "checked on sampled requests (Envoy is not run)"},
		{Feature: policy.FeatureDNSLookups, Support: policy.Exact, Note: "checked structurally (the DNS proxy is not run)"},
	}
}

// The constructs this backend refuses, as policy.Unsupported.Construct names them: the
// refusals name these, and the capability rows the one their probe is refused for. A %s
// stands for what the refusal is about (see backend.Construct.Of).
const (
	constructTiers             backend.Construct = "tiers"
	constructAudit             backend.Construct = "audit mode"
	constructPodLabelKey       backend.Construct = "pod label key %s"
	constructNodeLabelKey      backend.Construct = "node label key %s"
	constructNamespaceLabelKey backend.Construct = "namespace label key %s"
	constructPass              backend.Construct = "pass rules"
	constructFQDNDeny          backend.Construct = "FQDN peers in deny rules"
	constructICMPType0         backend.Construct = "ICMP type 0"
	constructICMPCodes         backend.Construct = "ICMP codes"
	constructFQDNLookups       backend.Construct = "DNS lookups for FQDN peers"
	constructL7                backend.Construct = "%s rules"
	constructHTTPRegex         backend.Construct = "HTTP regex paths"
)
