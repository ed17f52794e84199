package lift

import (
	"net/netip"

	"github.com/netintent/netintent/internal/clusterrange"
)

// Option changes what the lifting functions accept.
type Option func(*options)

type options struct {
	clusterrange.Declared
	// workloadsOnly is NoHostEndpointsOrNetworkSets.
	workloadsOnly bool
	// localCluster is the local cluster's name, for Cilium's cluster label (LocalCluster).
	localCluster string
}

// ClusterCIDRs declares every address range that in-cluster endpoints use: the pod CIDRs,
// the node addresses and the API server's address, as k8snp.ClusterCIDRs does for
// compiling. The ranges must not overlap.
//
// Whether an ipBlock matches pod and node addresses is implementation-defined, while a
// policy.CIDR peer means addresses outside the cluster only. With the ranges known, an
// ipBlock none of whose addresses (cidr minus except) lies in a declared range means
// addresses outside the cluster on every implementation, and is lifted as a CIDR peer;
// any other ipBlock is refused. Without this option every ipBlock is refused.
func ClusterCIDRs(prefixes ...netip.Prefix) Option {
	return func(o *options) { o.Declare(prefixes) }
}

// DeclaredClusterCIDRs returns the ranges opts declare with ClusterCIDRs, and whether
// ClusterCIDRs is among them, for the lifters of lift's subpackages (lift/clusternp),
// which lift address peers of their own kinds as NetworkPolicies lifts ipBlocks. Their
// problems are NetworkPolicies' to report.
func DeclaredClusterCIDRs(opts ...Option) (ranges []netip.Prefix, given bool) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o.Ranges, o.Given
}
