package policy

import (
	"encoding/binary"
	"net/netip"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serviceSelector is the selector of a service's pods.
type serviceSelector struct {
	pods metav1.LabelSelector
	// valid records that the selector is valid, so that peers naming the service need not
	// check it (selector reports the problems of an invalid one).
	valid bool
	// peer is the pod peer of the service in the namespace where it was declared (or
	// first named), which the rules naming exactly it share (see sharedPeer).
	peer [1]Peer
	// matches caches mirrorer.matches of the peer, by direction.
	matches [2]struct {
		found [2]int32
		known bool
	}
}

// sharedPeer returns a slice holding x, shared by every rule whose one peer equals x, when
// x is the resolved pod peer of the service in its namespace (nil otherwise): a large Set
// names the same service in many rules, and a Peer is large. The slice has no room to
// grow.
func (svc *serviceSelector) sharedPeer(x *Peer) []Peer {
	// Every field but Namespace is compared with what the peer of a service has (its
	// Service names svc, whose selector it has); TestSharedPeerFields lists them.
	if x.Kind != PeerPods || x.PodSelector != &svc.pods || x.NamespaceSelector != nil || x.AllNamespaces ||
		x.ServiceAccount != "" || x.Cluster != "" || x.CIDR != (netip.Prefix{}) || x.Except != nil || x.FQDN != "" ||
		x.Entity != "" || x.rawCIDR != "" || x.rawExcept != nil || x.sameNamespace || x.named || x.workload != nil ||
		x.Namespace != svc.peer[0].Namespace {
		return nil
	}
	return svc.peer[:]
}

// servicePods returns the selector of the named service's pods, made (with the service's
// peer in namespace) if need be. There is one per service, shared by every subject and
// peer that names it: a large Set names each service many times, and a selector (a map)
// is the costliest part of a peer.
func (b *modelBuilder) servicePods(name, namespace string) *serviceSelector {
	if svc, ok := b.sharedServices[name]; ok {
		return svc
	}
	svc, ok := b.services[name]
	if !ok {
		svc = b.newServiceSelector(name, namespace)
		b.services[name] = svc
	}
	return svc
}

func (b *modelBuilder) newServiceSelector(name, namespace string) *serviceSelector {
	labels := map[string]string{b.set.serviceLabel: name}
	svc := &serviceSelector{pods: metav1.LabelSelector{MatchLabels: labels}, valid: b.validLabel(b.set.serviceLabel, name)}
	svc.peer[0] = Peer{Kind: PeerPods, Namespace: namespace, PodSelector: &svc.pods, Service: name}
	return svc
}

// intern returns the Model's copy of sel (nil for nil): one per distinct selector, so that
// equal selectors of the Set take one copy, shared by the Model's peers.
func (b *modelBuilder) intern(sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel == nil {
		return nil
	}
	b.keyBuf = b.appendExactSelectorKey(b.keyBuf[:0], sel)
	if own, ok := b.selectors[string(b.keyBuf)]; ok {
		return own
	}
	own := sel.DeepCopy()
	b.selectors[string(b.keyBuf)] = own
	return own
}

// appendExactSelectorKey appends to dst a key of sel that differs for selectors that
// reflect.DeepEqual tells apart: unlike appendSelectorKey, it keeps the order of
// expressions and values and tells nil from empty, so that an interned copy is equal to
// the selector it replaces in every way. Strings are length-prefixed.
func (b *modelBuilder) appendExactSelectorKey(dst []byte, sel *metav1.LabelSelector) []byte {
	str := func(dst []byte, s string) []byte {
		return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
	}
	if sel.MatchLabels != nil {
		keys := b.labelKeys[:0]
		for k := range sel.MatchLabels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = binary.AppendUvarint(append(dst, 'L'), uint64(len(keys)))
		for _, k := range keys {
			dst = str(str(dst, k), sel.MatchLabels[k])
		}
		clear(keys)
		b.labelKeys = keys
	}
	if sel.MatchExpressions != nil {
		dst = binary.AppendUvarint(append(dst, 'E'), uint64(len(sel.MatchExpressions)))
		for _, r := range sel.MatchExpressions {
			dst = str(str(dst, r.Key), string(r.Operator))
			if r.Values == nil {
				dst = append(dst, 'N')
				continue
			}
			dst = binary.AppendUvarint(append(dst, 'V'), uint64(len(r.Values)))
			for _, v := range r.Values {
				dst = str(dst, v)
			}
		}
	}
	return dst
}
