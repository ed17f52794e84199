package calico

import (
	"net/netip"

	"github.com/netintent/netintent/internal/clusterrange"
)

// Option changes how Compile translates intent. Without options Compile refuses what
// Calico open source cannot express exactly. ClusterCIDRs and ApplicationLayerPolicy tell
// the backend facts about the cluster that make more intent exact; WidenL7 and WorldAsNets
// trade exactness for a translation that is reported as a policy.Warning and in the
// policy.WarningsAnnotation of the object it affects.
type Option func(*options)

type options struct {
	// Declared holds the ClusterCIDRs option; its Check makes options a backend.Checker.
	clusterrange.Declared
	alp         bool
	widenL7     bool
	worldAsNets bool
}

// ClusterCIDRs declares every address range that in-cluster endpoints use: the pod CIDRs
// (IP pools), the node addresses and the API server's address.
//
// Calico matches nets against every address, pods and nodes included, while a CIDR peer
// means addresses outside the cluster. With the ranges known, each CIDR peer excludes
// them (notNets) and so means exactly what it says, and the world and cluster entities
// become expressible (nets 0.0.0.0/0 and ::/0 minus these ranges, and these ranges).
// Without this option CIDR peers are refused. The ranges must be valid and disjoint;
// Compile reports every problem (the same checks as k8snp.ClusterCIDRs).
func ClusterCIDRs(prefixes ...netip.Prefix) Option {
	return func(o *options) {
		o.Declare(prefixes)
	}
}

// ApplicationLayerPolicy declares that the selected workloads run Calico's application
// layer policy (Istio with the Dikastes sidecar), which enforces the http match of
// ingress allow rules: HTTP methods with exact or prefix paths are then emitted as such.
// Felix alone ignores http matches and admits every request, so without this option HTTP
// rules are refused.
//
// See https://docs.tigera.io/calico/latest/network-policy/istio/http-methods and
// https://docs.tigera.io/calico/latest/network-policy/istio/app-layer-policy.
func ApplicationLayerPolicy() Option { return func(o *options) { o.alp = true } }

// WidenL7 keeps the L3/L4 part of rules whose L7 part Calico cannot enforce (HTTP without
// ApplicationLayerPolicy, HTTP regex paths, hosts, headers or egress HTTP, and DNS lookup
// patterns) and drops the L7 part, so every request on the rule's peers and ports is
// admitted.
func WidenL7() Option { return func(o *options) { o.widenL7 = true } }

// WorldAsNets translates the world entity into nets 0.0.0.0/0 and ::/0 when ClusterCIDRs
// is not given. Those nets also match pod and node addresses, so an allow also admits
// in-cluster peers and a deny also drops them.
func WorldAsNets() Option { return func(o *options) { o.worldAsNets = true } }
