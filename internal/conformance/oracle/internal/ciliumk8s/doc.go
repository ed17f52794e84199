// Package ciliumk8s is Cilium v1.20.2's translation of Kubernetes NetworkPolicy into
// policy entries: network_policy.go is github.com/cilium/cilium/pkg/k8s/network_policy.go
// at v1.20.2 (Apache-2.0, Copyright Authors of Cilium), copied byte for byte but for the
// package clause.
//
// Why a copy: package pkg/k8s also imports sigs.k8s.io/network-policy-api v0.2.0
// (apis/v1alpha2 and its clientset), while the Calico oracles of this module need that
// module replaced by v0.1.5, which lacks v1alpha2; the two cannot build together. The
// translation itself needs neither. TestCopyIsVerbatim checks the copy against the
// module cache, so that it cannot drift from the pinned release.
package ciliumk8s
