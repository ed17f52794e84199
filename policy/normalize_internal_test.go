package policy

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// modelOn returns s.Model() made with GOMAXPROCS set to procs, which is how many builders
// of policies run at once (see policies).
func modelOn(s *Set, procs int) (*Model, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	return s.Model()
}

// TestModelWorkers checks that the Model, and its problems, do not depend on how many
// builders make the policies: problems come in the order of the workloads.
func TestModelWorkers(t *testing.T) {
	s := NewSet()
	for i := range 5 * policyChunk {
		ns := fmt.Sprintf("ns-%d", i%7)
		w := s.ServiceIn(ns, fmt.Sprintf("svc-%03d", i))
		w.AllowFrom(ServiceIn(fmt.Sprintf("ns-%d", (i+3)%7), fmt.Sprintf("svc-%03d", (i*31)%(5*policyChunk)))).TCP(8080)
		w.AllowTo(Service(fmt.Sprintf("svc-%03d", (i*17)%(5*policyChunk))), Pods(MatchLabels{"tier": "db"})).TCP(5432)
		if i%37 == 0 {
			w.AllowFrom(ServiceIn("Bad NS", "x")).TCP(70000) // problems in several chunks
		}
	}
	s.Namespace("ns-1").DefaultDeny()
	want, wantErr := modelOn(s, 1)
	if wantErr == nil || len(wantErr.(*ValidationError).Errors) < 10 {
		t.Fatalf("want many problems, got %v", wantErr)
	}
	order := map[string]int{}
	for i, w := range s.sortedWorkloads() {
		order[w.path.String()] = i
	}
	last := 0
	for _, fe := range wantErr.(*ValidationError).Errors {
		w, _, _ := strings.Cut(fe.Field, ".")
		if i, ok := order[w]; !ok || i < last {
			t.Fatalf("problem out of the order of workloads: %v", fe)
		} else {
			last = i
		}
	}
	for _, workers := range []int{2, 3, 8} {
		got, err := modelOn(s, workers)
		if !reflect.DeepEqual(got, want) || err.Error() != wantErr.Error() {
			t.Errorf("%d builders: got a different Model or problems:\n%v\nwant\n%v", workers, err, wantErr)
		}
	}
	valid := NewSet()
	for i := range 5 * policyChunk {
		valid.ServiceIn(fmt.Sprintf("ns-%d", i%7), fmt.Sprintf("svc-%03d", i)).
			AllowFrom(ServiceIn(fmt.Sprintf("ns-%d", (i+3)%7), fmt.Sprintf("svc-%03d", (i*31)%(5*policyChunk)))).TCP(8080)
	}
	valid.Namespace("ns-1").DefaultDeny()
	want, wantErr = modelOn(valid, 1)
	if wantErr != nil || len(want.Policies) < 5*policyChunk {
		t.Fatalf("Model: %v", wantErr)
	}
	for _, workers := range []int{2, 3, 8} {
		if got, err := modelOn(valid, workers); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%d builders: got a different Model (%v)", workers, err)
		}
	}
}

// panicSelector is a Selector whose LabelSelector panics.
type panicSelector struct{}

func (panicSelector) LabelSelector() metav1.LabelSelector { panic("selector") }

// TestModelPanicReachesCaller checks that a panic while building a policy, on whichever
// goroutine, reaches the caller of Model as it did when one goroutine built them all.
func TestModelPanicReachesCaller(t *testing.T) {
	s := NewSet()
	for i := range 8 * policyChunk {
		s.ServiceIn("shop", fmt.Sprintf("svc-%03d", i)).AllowFrom("web").TCP(80)
	}
	s.Pods("shop", "odd", panicSelector{})
	for range 10 {
		func() {
			defer func() {
				if r := recover(); r != "selector" {
					t.Errorf("recovered %v, want the selector's panic", r)
				}
			}()
			_, _ = modelOn(s, 8)
		}()
	}
}
