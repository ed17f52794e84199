package policy

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// TestFastValidators checks that the validators without regular expressions accept only
// what the validation package accepts (and, for these simple formats, all of it).
func TestFastValidators(t *testing.T) {
	const alphabet = "abcz09AZ-_./ "
	rng := rand.New(rand.NewPCG(1, 2))
	values := []string{"", "a", "-", "a-", "-a", "a-b", "A", "a_b", "a.b", "_a", "a_", ".a", "a.",
		"svc-00001", string(make([]byte, 64)), "x23456789012345678901234567890123456789012345678901234567890123",
		"x234567890123456789012345678901234567890123456789012345678901234"}
	for range 20000 {
		b := make([]byte, rng.IntN(70))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		values = append(values, string(b))
	}
	for _, v := range values {
		if got, want := isDNS1123Label(v), len(validation.IsDNS1123Label(v)) == 0; got != want {
			t.Errorf("isDNS1123Label(%q) = %v, want %v", v, got, want)
		}
		if got, want := isLabelValue(v), len(validation.IsValidLabelValue(v)) == 0; got != want {
			t.Errorf("isLabelValue(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestSharedPeerFields lists the fields of Peer that sharedPeer compares: a field added to
// Peer must be compared there too, or rules whose peers differ only in it would share one.
func TestSharedPeerFields(t *testing.T) {
	var got []string
	for i := range reflect.TypeFor[Peer]().NumField() {
		got = append(got, reflect.TypeFor[Peer]().Field(i).Name)
	}
	want := []string{"Kind", "Namespace", "NamespaceSelector", "AllNamespaces", "PodSelector", "Service",
		"ServiceAccount", "Cluster", "CIDR", "Except", "FQDN", "Entity", "rawCIDR", "rawExcept", "sameNamespace",
		"named", "workload"}
	if !slices.Equal(got, want) {
		t.Errorf("Peer has fields %v, sharedPeer compares %v", got, want)
	}
}
