package k8snp

import (
	"reflect"
	"testing"

	"github.com/netintent/netintent/policy"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServicePeer checks that the shortcut for service peers, servicePeer, translates them
// as selectorPeer does, key included: the key orders and merges peers in compact, so a
// key written differently would change the output only where it decides an order.
func TestServicePeer(t *testing.T) {
	labels := func(k, v string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
	}
	for _, tc := range []struct {
		name    string
		ns      string
		x       policy.Peer
		service bool // whether servicePeer takes the peer
	}{
		{"own namespace", "shop", policy.Peer{Kind: policy.PeerPods, Namespace: "shop", PodSelector: labels("app", "web")}, true},
		{"other namespace", "shop", policy.Peer{Kind: policy.PeerPods, Namespace: "db", PodSelector: labels("app", "pg")}, true},
		{"prefixed key", "a", policy.Peer{Kind: policy.PeerPods, Namespace: "b", PodSelector: labels("app.kubernetes.io/name", "x-1.y")}, true},
		{"empty value", "a", policy.Peer{Kind: policy.PeerPods, Namespace: "a", PodSelector: labels("canary", "")}, true},
		{"empty expressions", "a", policy.Peer{Kind: policy.PeerPods, Namespace: "b",
			PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}, MatchExpressions: []metav1.LabelSelectorRequirement{}}}, true},
		{"two labels", "a", policy.Peer{Kind: policy.PeerPods, Namespace: "a",
			PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x", "tier": "db"}}}, false},
		{"expression", "a", policy.Peer{Kind: policy.PeerPods, Namespace: "a", PodSelector: &metav1.LabelSelector{
			MatchLabels:      map[string]string{"app": "x"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpExists}}}}, false},
		{"namespace selector", "a", policy.Peer{Kind: policy.PeerPods, NamespaceSelector: labels("team", "x"), PodSelector: labels("app", "x")}, false},
		{"all namespaces", "a", policy.Peer{Kind: policy.PeerPods, AllNamespaces: true, PodSelector: labels("app", "x")}, false},
		{"all pods", "a", policy.Peer{Kind: policy.PeerPods, Namespace: "b", PodSelector: &metav1.LabelSelector{}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := selectorPeer(tc.ns, &tc.x)
			got, ok := servicePeer(tc.ns, &tc.x)
			if ok != tc.service {
				t.Fatalf("servicePeer took the peer: %v, want %v", ok, tc.service)
			}
			if !ok {
				return
			}
			if got.key != want.key {
				t.Errorf("key %q, selectorPeer's %q", got.key, want.key)
			}
			if !reflect.DeepEqual(got.peer, want.peer) {
				t.Errorf("peer %+v, selectorPeer's %+v", got.peer, want.peer)
			}
		})
	}
}
