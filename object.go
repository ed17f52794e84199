package netintent

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is a Kubernetes API object as every backend emits it: a typed upstream value with
// TypeMeta set. Its method set is that of controller-runtime's client.Object, so results
// go straight to controller-runtime, client-go and server-side apply.
type Object interface {
	metav1.Object
	runtime.Object
}
