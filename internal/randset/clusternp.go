package randset

import (
	"fmt"
	"math/rand/v2"

	"github.com/netintent/netintent/policy"
)

// ClusterNetworkPolicies returns the Set of New(seed, 6, Features{Deny, Cluster}) with up
// to three cluster-wide guardrails and up to two cluster-wide egress allows, drawn (from
// the random stream stream) from what ClusterNetworkPolicy expresses: every subject form
// (CNPSubject), pod, CIDR, world and every-peer peers (CNPEgressPeer), ports, ranges and
// named ports (CNPPorts), with and without the DNS allowance.
func ClusterNetworkPolicies(seed, stream uint64) *policy.Set {
	c := New(seed, 6, Features{Deny: true, Cluster: true})
	r := rand.New(rand.NewPCG(seed, stream))
	for i := r.IntN(3) + 1; i > 0; i-- {
		w := c.Set.Cluster(fmt.Sprintf("guard-%d", i))
		CNPSubject(r, w)
		for j := r.IntN(3) + 1; j > 0; j-- {
			if r.IntN(2) == 0 {
				peers := []policy.Peer{policy.ServiceIn("shop", "db"), policy.AllNamespaces(), policy.Namespaces(policy.MatchLabels{"team": "fin"})}
				CNPPorts(r, w.DenyFrom(peers[r.IntN(len(peers))]), true)
			} else {
				x, pods := CNPEgressPeer(r)
				CNPPorts(r, w.DenyTo(x), pods)
			}
		}
	}
	for i := r.IntN(3); i > 0; i-- {
		w := c.Set.Cluster(fmt.Sprintf("allow-%d", i))
		CNPSubject(r, w)
		if r.IntN(3) == 0 {
			w.WithoutDNS()
		}
		if r.IntN(4) == 0 {
			w.DefaultDenyEgress()
		}
		for j := r.IntN(3); j > 0; j-- {
			x, pods := CNPEgressPeer(r)
			CNPPorts(r, w.AllowTo(x), pods)
		}
	}
	return c.Set
}

// CNPSubject narrows a cluster-wide subject at random: every pod, pods by label, or pods
// of namespaces by label.
func CNPSubject(r *rand.Rand, w *policy.Workload) {
	switch r.IntN(3) {
	case 1:
		w.Select(policy.MatchLabels{"app": []string{"web", "api", "db"}[r.IntN(3)]})
	case 2:
		w.InNamespaces(policy.MatchLabels{"env": "prod"})
	}
}

// CNPEgressPeer returns a random egress peer and whether it names pods only.
func CNPEgressPeer(r *rand.Rand) (policy.Peer, bool) {
	peers := []policy.Peer{policy.ServiceIn("pay", "api"), policy.AllNamespaces(), policy.CIDR("203.0.113.0/24"), policy.CIDR("0.0.0.0/0", "10.0.0.0/8"),
		policy.CIDR("2001:db8::/32", "2001:db8:1::/48"), policy.World(), policy.Any()}
	i := r.IntN(len(peers))
	return peers[i], i < 2
}

// CNPPorts draws a rule's ports; named ports only where pods says the peers are pods
// (the CRD has no named ports for networks).
func CNPPorts(r *rand.Rand, rb *policy.RuleBuilder, pods bool) {
	n := 4
	if pods {
		n = 5
	}
	switch r.IntN(n) {
	case 1:
		rb.TCP(80)
	case 2:
		rb.UDP(53).TCP(443)
	case 3:
		rb.PortRange(policy.TCP, 8000, 8100)
	case 4:
		rb.NamedPort("http")
	}
}
