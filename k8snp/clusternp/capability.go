package clusternp

import "github.com/netintent/netintent/internal/backend"

// The constructs this package refuses, as policy.Unsupported.Construct names
// them; every other refusal is k8snp's. A %s stands for what the refusal is about (see
// backend.Construct.Of).
const (
	constructIngressPeer       backend.Construct = "ingress %s peers"
	constructCIDR              backend.Construct = "CIDR peers"
	constructEntity            backend.Construct = "%s entity"
	constructAny               backend.Construct = "any peer"
	constructFQDN              backend.Construct = "FQDN peers"
	constructFQDNAction        backend.Construct = "FQDN peers in %s rules"
	constructFQDNPattern       backend.Construct = "FQDN patterns"
	constructFQDNBeforeDeny    backend.Construct = "tiered FQDN allows before denies"
	constructUnknownPeer       backend.Construct = "%s peers"
	constructServiceAccount    backend.Construct = "service account peers"
	constructClusterMesh       backend.Construct = "cluster-mesh peers"
	constructICMP              backend.Construct = "ICMP"
	constructHTTP              backend.Construct = "L7 HTTP rules"
	constructDNS               backend.Construct = "L7 DNS rules"
	constructProtocol          backend.Construct = "protocol %s"
	constructPorts             backend.Construct = "more than 25 ports in a rule"
	constructPeers             backend.Construct = "more than 25 peers in a rule"
	constructNamedPortNetworks backend.Construct = "named ports with CIDR peers"
	constructNamedPortDomains  backend.Construct = "named ports with FQDN peers"
	constructPriorities        backend.Construct = "more than 1001 ClusterNetworkPolicies in a tier"
	constructNames             backend.Construct = "ClusterNetworkPolicy names"
	constructAudit             backend.Construct = "audit mode"
	constructIngressIsolation  backend.Construct = "cluster-wide ingress isolation"
	constructEgressIsolation   backend.Construct = "cluster-wide egress isolation"
	constructTierEndIngress    backend.Construct = "tier end for ingress"
	constructTierEndEgress     backend.Construct = "tier end for egress"
	constructPass              backend.Construct = "Pass before later Admin-tier rules"
)
