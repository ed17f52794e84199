package cilium

// Option changes how Compile translates intent. Without options Compile refuses intent that
// Cilium cannot express exactly; the options that trade exactness for a translation report
// each one as a policy.Warning and in the policy.WarningsAnnotation of the object it affects
// (OmitAudit, which emits no object, only as a Warning).
type Option func(*options)

type options struct {
	localCluster string
	widenL7      bool
	widenICMP    bool
	omitAudit    bool
}

// LocalCluster names the local cluster in every pod selector that means it. Without it the
// selectors carry no cluster label and rely on the agent's policy-default-local-cluster
// setting (true by default in 1.20), which scopes them to the local cluster; with
// that setting turned off they would match pods of every cluster-mesh cluster. The name is
// the agent's cluster-name. This option changes no verdict, so it adds no warning.
func LocalCluster(name string) Option { return func(o *options) { o.localCluster = name } }

// WidenL7 keeps the L3/L4 part of rules whose HTTP or DNS-lookup matches Cilium cannot
// enforce there (HTTP on host policies, L7 on all ports of a protocol, DNS lookups on port
// ranges, header values with surrounding whitespace, one header required with two values)
// and drops the L7 part, so every request on the rule's peers and ports is admitted.
// Without it such rules are refused. It cannot help FQDN peers, whose DNS lookups must go
// through Cilium's DNS proxy: those stay refused.
func WidenL7() Option { return func(o *options) { o.widenL7 = true } }

// WidenICMPCodes translates ICMP matches that name a code into matches of the whole ICMP
// type: Cilium matches ICMP types only. Without it such matches are refused.
func WidenICMPCodes() Option { return func(o *options) { o.widenICMP = true } }

// OmitAudit leaves out the policies the Set puts in audit mode instead of refusing them.
// Cilium 1.20 has no per-policy audit mode (policy-audit-mode is agent-wide or
// per-endpoint), and audited policies never change what is enforced, so the enforced
// outcome stays exact; what is lost is the report of what they would drop.
func OmitAudit() Option { return func(o *options) { o.omitAudit = true } }
