package calico_test

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/policy"
)

// TestCPUCountIndependent compiles a Set of many policies, with refusals and warnings in
// most chunks, on one CPU and on several: the objects, the warnings and the problems, in
// their order, must not depend on how the policies were spread over the CPUs.
func TestCPUCountIndependent(t *testing.T) {
	set := policy.NewSet()
	const services = 600
	ns := func(i int) string { return fmt.Sprintf("ns-%d", i%7) }
	for i := range services {
		w := set.ServiceIn(ns(i), fmt.Sprintf("svc-%d", i))
		j := (i + 13) % services
		w.AllowFrom(policy.ServiceIn(ns(j), fmt.Sprintf("svc-%d", j))).TCP(8080)
		switch i % 5 {
		case 0:
			w.AllowTo(policy.World()).TCP(443)
		case 1:
			w.AllowTo(policy.FQDN("api.example.com")).TCP(443)
		case 2:
			w.DenyFrom(policy.Namespace(ns(i + 1)))
		case 3:
			w.AllowFrom(policy.ServiceIn(ns(j), fmt.Sprintf("svc-%d", j))).TCP(80).HTTP("GET", "/")
		}
	}
	for i := range 7 {
		if i%2 == 0 {
			set.Namespace(ns(i)).DefaultDeny()
		}
	}
	set.Cluster("no-imds").DenyTo(policy.CIDR("169.254.169.254/32"))

	type outcome struct {
		yaml     []byte
		warnings []policy.Warning
		err      string
	}
	compile := func(procs int, opts ...calico.Option) outcome {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := calico.Compile(set, opts...)
		if err != nil {
			return outcome{err: err.Error()}
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		return outcome{yaml: y, warnings: res.Warnings}
	}
	for _, opts := range [][]calico.Option{nil, {calico.WidenL7(), calico.WorldAsNets()}} {
		one := compile(1, opts...)
		if one.err == "" && len(one.warnings) == 0 {
			t.Fatal("the Set should make the backend refuse or warn")
		}
		many := compile(4, opts...)
		if one.err != many.err || !bytes.Equal(one.yaml, many.yaml) || !reflect.DeepEqual(one.warnings, many.warnings) {
			t.Errorf("the output depends on the number of CPUs:\none: %s\n%s%v\nfour: %s\n%s%v",
				one.err, one.yaml, one.warnings, many.err, many.yaml, many.warnings)
		}
	}
}
