package golden

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/netintent/netintent/policy"
)

// ManyPolicies returns a Set of 600 services in 7 namespaces, enough for the backends to
// translate it in several chunks, with a default-deny in every other namespace. Service i
// also gets edits[i%(len(edits)+1)] (none when i%(len(edits)+1) is len(edits)), called with
// the service and the service it accepts traffic from: the constructs a backend refuses
// or translates lossily, spread over the chunks.
func ManyPolicies(edits ...func(w *policy.Workload, from policy.Peer)) *policy.Set {
	set := policy.NewSet()
	const services = 600
	ns := func(i int) string { return fmt.Sprintf("ns-%d", i%7) }
	for i := range services {
		w := set.ServiceIn(ns(i), fmt.Sprintf("svc-%d", i))
		j := (i + 13) % services
		from := policy.ServiceIn(ns(j), fmt.Sprintf("svc-%d", j))
		w.AllowFrom(from).TCP(8080)
		if k := i % (len(edits) + 1); k < len(edits) {
			edits[k](w, from)
		}
	}
	for i := range 7 {
		if i%2 == 0 {
			set.Namespace(ns(i)).DefaultDeny()
		}
	}
	return set
}

// CPUCountIndependent runs compile (a backend's Compile then YAML) on one CPU and on
// four: the YAML, the warnings and the error, in their order, must not depend on how the
// backend spread its work over the CPUs. compile must refuse or warn, so that the order of
// problems and warnings is checked too.
func CPUCountIndependent(t *testing.T, compile func() (yaml []byte, warnings []policy.Warning, err error)) {
	t.Helper()
	type outcome struct {
		yaml     []byte
		warnings []policy.Warning
		err      string
	}
	run := func(procs int) outcome {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		y, w, err := compile()
		if err != nil {
			return outcome{err: err.Error()}
		}
		return outcome{yaml: y, warnings: w}
	}
	one := run(1)
	if one.err == "" && len(one.warnings) == 0 {
		t.Fatal("the Set should make the backend refuse or warn")
	}
	many := run(4)
	if one.err != many.err || !bytes.Equal(one.yaml, many.yaml) || !reflect.DeepEqual(one.warnings, many.warnings) {
		t.Errorf("the output depends on the number of CPUs:\none: %s\n%s%v\nfour: %s\n%s%v",
			one.err, one.yaml, one.warnings, many.err, many.yaml, many.warnings)
	}
}
