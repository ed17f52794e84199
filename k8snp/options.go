package k8snp

import (
	"net/netip"

	"github.com/netintent/netintent/k8snp/internal/handoff"
)

// Option changes how Compile translates intent. Without options Compile refuses what
// NetworkPolicy cannot express exactly. ClusterCIDRs tells the backend a fact about the
// cluster that makes more intent exact; WidenL7 and WorldAsIPBlock trade exactness for a
// translation that is reported as a policy.Warning and in the policy.WarningsAnnotation of the
// object it affects.
type Option func(*options)

// options live in an internal package, so that k8snp/clusternp can set the one only it
// may set.
type options = handoff.Options

// ClusterCIDRs declares every address range that in-cluster endpoints use: the pod CIDRs,
// the node addresses and the API server's address. The ranges must not overlap; Compile
// reports invalid and overlapping ranges.
//
// Whether an ipBlock matches pod and node addresses is implementation-defined: Calico and
// iptables-based CNIs match them, Cilium does not. A CIDR peer means addresses outside the
// cluster. With the ranges known, every ipBlock excepts the declared ranges inside its
// cidr, and a CIDR peer entirely inside a declared range (which names no address outside
// the cluster) matches nothing, so each CIDR peer means exactly what it says on every
// implementation; with WorldAsIPBlock the world entity becomes exact too (0.0.0.0/0 and
// ::/0 minus these ranges). Without this option CIDR peers are refused.
func ClusterCIDRs(prefixes ...netip.Prefix) Option {
	return func(o *options) {
		o.Declare(prefixes)
	}
}

// WidenL7 keeps the L3/L4 part of rules that carry HTTP or DNS-lookup matches and drops
// the L7 part, so every request on the rule's peers and ports is admitted, not only the
// matching ones. NetworkPolicy has no L7; without this option such rules are refused.
func WidenL7() Option { return func(o *options) { o.WidenL7 = true } }

// WorldAsIPBlock translates the world entity (every address outside the cluster) into the
// ipBlocks 0.0.0.0/0 and ::/0. With ClusterCIDRs the blocks except the cluster's ranges
// and the translation is exact. Without it, it widens: NetworkPolicy leaves it to the
// implementation whether an ipBlock also matches pod and node IPs, so on some clusters
// this also admits in-cluster traffic, and each such translation is reported. Without
// this option world peers are refused.
func WorldAsIPBlock() Option { return func(o *options) { o.WorldAsIPBlock = true } }
