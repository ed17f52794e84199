package policy

import (
	"net/netip"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PeerKind says what a Peer stands for.
type PeerKind string

// The kinds of peer.
const (
	// PeerAny is every endpoint and address, inside and outside the cluster (see Any).
	PeerAny PeerKind = "Any"
	// PeerPods is pods chosen by namespace and labels (and optionally service account and
	// cluster-mesh cluster).
	PeerPods PeerKind = "Pods"
	// PeerCIDR is addresses outside the cluster, in a CIDR minus exceptions.
	PeerCIDR PeerKind = "CIDR"
	// PeerFQDN is addresses outside the cluster that a DNS name or pattern resolves to.
	PeerFQDN PeerKind = "FQDN"
	// PeerEntity is a well-known class of endpoints (world, cluster, host, ...).
	PeerEntity PeerKind = "Entity"

	// peerWrongType holds the place of a peer argument of the wrong type, whose error is
	// already recorded, so that later peers keep their index in field paths. (The zero
	// Kind "" is not it: a zero Peer{} is reported as an unsupported kind.)
	peerWrongType PeerKind = "\x00wrong-type"
)

// Entity is a well-known class of endpoints that labels or addresses cannot name portably.
type Entity string

// The entities. Their meaning follows Cilium's entities of the same name.
const (
	// EntityWorld is every address outside the cluster (the internet and private networks
	// that are not part of the cluster).
	EntityWorld Entity = "world"
	// EntityCluster is every endpoint of the local cluster (see WholeCluster).
	EntityCluster Entity = "cluster"
	// EntityHost is the node the workload runs on.
	EntityHost Entity = "host"
	// EntityRemoteNode is every other node of the cluster, those that run the API server
	// included.
	EntityRemoteNode Entity = "remote-node"
	// EntityKubeAPIServer is the Kubernetes API server, which runs on nodes of the
	// cluster (remote nodes to the workloads).
	EntityKubeAPIServer Entity = "kube-apiserver"
)

// Peer is the other end of a rule: pods, a CIDR, an FQDN or an entity. Build peers with the
// constructors (Service, ServiceIn, Pods, Namespace, Namespaces, AllNamespaces, CIDR, FQDN,
// World, ...); a Peer is a value, and its methods return modified copies.
//
// In a Model, pod peers are resolved: Namespace is set unless NamespaceSelector or
// AllNamespaces says otherwise, and PodSelector holds the selector (the service label for
// services). A Model's peers are read-only: equal selectors are shared (see Model).
type Peer struct {
	// Kind says which of the fields below apply.
	Kind PeerKind

	// Namespace is the namespace of the selected pods. Empty, with no NamespaceSelector and
	// AllNamespaces false, means the namespace of the workload the rule belongs to.
	Namespace string
	// NamespaceSelector selects the namespaces of the pods by namespace labels.
	NamespaceSelector *metav1.LabelSelector
	// AllNamespaces selects pods in every namespace.
	AllNamespaces bool
	// PodSelector selects pods by labels within the chosen namespaces; nil selects all pods.
	PodSelector *metav1.LabelSelector
	// Service is the service name when the peer was named as a service; its pods are the
	// ones carrying the Set's service label with this value.
	Service string
	// ServiceAccount narrows the pods to those running as this service account.
	ServiceAccount string
	// Cluster names the cluster-mesh cluster of the pods; empty means the local cluster.
	Cluster string

	// CIDR is the address range of a PeerCIDR.
	CIDR netip.Prefix
	// Except lists ranges inside CIDR that are not part of the peer.
	Except []netip.Prefix

	// FQDN is a DNS name ("api.stripe.com") or pattern ("*.stripe.com") of a PeerFQDN.
	// A "*" stands for any run of characters allowed in a DNS label, within one label;
	// "*" alone matches every name.
	FQDN string

	// Entity is the entity of a PeerEntity.
	Entity Entity

	// rawCIDR and rawExcept keep the text given to CIDR so that a parse error is reported
	// with its path when the Set is validated, not lost in a constructor.
	rawCIDR   string
	rawExcept []string
	// sameNamespace marks a pod peer relative to the workload's namespace; the Model
	// resolves it into Namespace.
	sameNamespace bool
	// named marks a peer built by Service or ServiceIn, so that an empty service name is
	// reported instead of silently selecting every pod of the namespace.
	named bool
	// workload is set when a *Workload was given as the peer; the Model resolves it into
	// that workload's pods.
	workload *Workload
}

// Service is the pods of the named service in the workload's own namespace (pods labelled
// with the Set's service label, "app" unless ServiceLabel says otherwise).
func Service(name string) Peer {
	return Peer{Kind: PeerPods, Service: name, sameNamespace: true, named: true}
}

// ServiceIn is the pods of the named service in another namespace.
func ServiceIn(namespace, name string) Peer {
	return Peer{Kind: PeerPods, Namespace: namespace, Service: name, named: true}
}

// Pods is the pods matching sel in the workload's own namespace.
func Pods(sel Selector) Peer {
	return Peer{Kind: PeerPods, PodSelector: selectorPtr(sel), sameNamespace: true}
}

// PodsIn is the pods matching sel in the named namespace.
func PodsIn(namespace string, sel Selector) Peer {
	return Peer{Kind: PeerPods, Namespace: namespace, PodSelector: selectorPtr(sel)}
}

// SameNamespace is every pod in the workload's own namespace.
func SameNamespace() Peer { return Peer{Kind: PeerPods, sameNamespace: true} }

// Namespace is every pod in the named namespace. Narrow it with Peer.Pods.
func Namespace(name string) Peer { return Peer{Kind: PeerPods, Namespace: name} }

// Namespaces is every pod in the namespaces whose labels match sel. Narrow it with Peer.Pods.
func Namespaces(sel Selector) Peer {
	return Peer{Kind: PeerPods, NamespaceSelector: selectorPtr(sel)}
}

// AllNamespaces is every pod in every namespace of the cluster. Narrow it with Peer.Pods.
func AllNamespaces() Peer { return Peer{Kind: PeerPods, AllNamespaces: true} }

// ServiceAccount is the pods running as the named service account in the named namespace.
func ServiceAccount(namespace, name string) Peer {
	return Peer{Kind: PeerPods, Namespace: namespace, ServiceAccount: name}
}

// KubeDNS is the cluster DNS service: pods labelled k8s-app=kube-dns in kube-system.
func KubeDNS() Peer {
	return PodsIn("kube-system", MatchLabels{"k8s-app": "kube-dns"})
}

// CIDR is the addresses outside the cluster within cidr, minus the except ranges. IPv4 and
// IPv6 are both accepted; cidr must have no host bits set and each except range must lie
// inside it, in the same family.
func CIDR(cidr string, except ...string) Peer {
	return Peer{Kind: PeerCIDR, rawCIDR: cidr, rawExcept: append([]string(nil), except...)}
}

// FQDN is the addresses a DNS name resolves to, for egress. name is exact
// ("api.stripe.com") or a pattern with "*" ("*.stripe.com").
func FQDN(name string) Peer { return Peer{Kind: PeerFQDN, FQDN: name} }

// World is every address outside the cluster.
func World() Peer { return Peer{Kind: PeerEntity, Entity: EntityWorld} }

// WholeCluster is every endpoint of the local cluster: pods of all namespaces, the
// workload's own node, the other nodes, the API server, and the system endpoints
// (EndpointSystem: in Cilium, the reserved identities health, ingress, init and
// unmanaged). Pods of other cluster-mesh clusters and addresses outside the cluster are
// not part of it.
func WholeCluster() Peer { return Peer{Kind: PeerEntity, Entity: EntityCluster} }

// Host is the node the workload runs on (kubelet probes, host-network daemons).
func Host() Peer { return Peer{Kind: PeerEntity, Entity: EntityHost} }

// RemoteNodes is every node of the cluster other than the workload's own, the nodes
// that run the API server included (traffic to the API server on its node's address is
// traffic to that node; Cilium gives such nodes the kube-apiserver identity, which is
// also a remote-node identity). The intent assumes the API server runs on nodes of the
// cluster: a managed control plane outside it is an address outside the cluster to
// Cilium.
func RemoteNodes() Peer { return Peer{Kind: PeerEntity, Entity: EntityRemoteNode} }

// KubeAPIServer is the Kubernetes API server, on the nodes of the cluster that run it
// (see RemoteNodes).
func KubeAPIServer() Peer { return Peer{Kind: PeerEntity, Entity: EntityKubeAPIServer} }

// Any is every endpoint and address, inside and outside the cluster: what WholeCluster
// covers, plus pods of every cluster-mesh cluster and every address outside the cluster
// (World). In Cilium terms, every identity: pods, host, remote-node, kube-apiserver,
// health, ingress, init, unmanaged and world.
func Any() Peer { return Peer{Kind: PeerAny} }

// Pods narrows a namespace-level peer (Namespace, Namespaces, AllNamespaces, SameNamespace)
// to the pods matching sel.
func (p Peer) Pods(sel Selector) Peer {
	p.PodSelector = selectorPtr(sel)
	return p
}

// InCluster narrows a pod peer to pods of the named cluster-mesh cluster.
func (p Peer) InCluster(name string) Peer {
	p.Cluster = name
	return p
}

// WithServiceAccount narrows a pod peer to pods running as the named service account.
func (p Peer) WithServiceAccount(name string) Peer {
	p.ServiceAccount = name
	return p
}

// IsInCluster reports whether the peer stands for in-cluster pods of the local cluster.
func (p Peer) IsInCluster() bool { return p.Kind == PeerPods && p.Cluster == "" }

func selectorPtr(sel Selector) *metav1.LabelSelector {
	if isNilSelector(sel) {
		return nil
	}
	ls := sel.LabelSelector()
	return &ls
}
