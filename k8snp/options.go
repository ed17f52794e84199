package k8snp

// Option changes how Compile translates intent that NetworkPolicy cannot express exactly.
// Without options Compile refuses such intent; each option trades exactness for a
// translation that is reported as a policy.Warning and in the WarningsAnnotation of the
// object it affects.
type Option func(*options)

type options struct {
	widenL7        bool
	worldAsIPBlock bool
}

// WidenL7 keeps the L3/L4 part of rules that carry HTTP or DNS-lookup matches and drops
// the L7 part, so every request on the rule's peers and ports is admitted, not only the
// matching ones. NetworkPolicy has no L7; without this option such rules are refused.
func WidenL7() Option { return func(o *options) { o.widenL7 = true } }

// WorldAsIPBlock translates the world entity (every address outside the cluster) into the
// ipBlocks 0.0.0.0/0 and ::/0. NetworkPolicy leaves it to the implementation whether an
// ipBlock also matches pod and node IPs, so on some clusters this also admits in-cluster
// traffic. Without this option world peers are refused.
func WorldAsIPBlock() Option { return func(o *options) { o.worldAsIPBlock = true } }
