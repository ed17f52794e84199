package policy

// Feature is one kind of intent, as a row of the backends' capability tables.
type Feature string

// The features every backend declares its support for. Each is probed by a test that
// compiles a Set using exactly that feature, so a declaration cannot drift from the code.
const (
	FeatureNamespaced     Feature = "services, pod groups and namespace defaults (allow, default-deny, DNS)"
	FeatureClusterScope   Feature = "cluster-wide policies"
	FeatureHostScope      Feature = "host (node) policies"
	FeatureDeny           Feature = "deny rules (deny wins, never isolates)"
	FeatureTiers          Feature = "tiers, order and Pass"
	FeatureAudit          Feature = "audit mode"
	FeaturePodPeers       Feature = "pod peers: services, labels, namespaces by name or labels, all namespaces"
	FeatureServiceAccount Feature = "service-account peers"
	FeatureClusterMesh    Feature = "cluster-mesh peers"
	FeatureCIDR           Feature = "CIDR peers with except, IPv4 and IPv6"
	FeatureFQDN           Feature = "FQDN peers, exact and wildcard"
	FeatureWorld          Feature = "world entity"
	FeatureEntities       Feature = "cluster, remote-node and kube-apiserver entities"
	FeatureNodeIngress    Feature = "ingress from the pod's own node"
	FeaturePorts          Feature = "TCP/UDP/SCTP ports, port ranges, named ports"
	FeatureICMP           Feature = "ICMP and ICMPv6 types"
	FeatureHTTP           Feature = "HTTP method and exact or prefix path on ingress"
	FeatureHTTPMore       Feature = "HTTP regex path, host and headers"
	FeatureDNSLookups     Feature = "DNS lookup patterns"
)

// Features lists the features in the order of the capability tables.
func Features() []Feature {
	return []Feature{
		FeatureNamespaced, FeatureClusterScope, FeatureHostScope, FeatureDeny, FeatureTiers,
		FeatureAudit, FeaturePodPeers, FeatureServiceAccount, FeatureClusterMesh, FeatureCIDR,
		FeatureFQDN, FeatureWorld, FeatureEntities, FeatureNodeIngress, FeaturePorts,
		FeatureICMP, FeatureHTTP, FeatureHTTPMore, FeatureDNSLookups,
	}
}

// Support says how a backend expresses a feature.
type Support string

// The levels of support.
const (
	// Exact: compiled exactly, with default options.
	Exact Support = "exact"
	// WithOption: refused by default; the named option either declares a fact about the
	// cluster that makes it exact, or translates it lossily with a warning (Note says which).
	WithOption Support = "option"
	// Refused: the backend returns a *CompileError.
	Refused Support = "refused"
)

// Capability is one backend's support for one feature.
type Capability struct {
	Feature Feature
	Support Support
	// Option is the option that changes the outcome, as Go code ("k8snp.WidenL7()").
	Option string
	// Construct is the Unsupported.Construct of the refusal of the feature's probe, for
	// a refused feature or one that needs an option.
	Construct string
	// Note qualifies the support in a few words.
	Note string
}
