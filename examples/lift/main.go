// Command lift reads policy objects (files named as arguments, or stdin: NetworkPolicies,
// with or without ClusterNetworkPolicies, Cilium or Calico objects) and prints the Go
// code that builds the intent they mean, with netintent's fluent API: a file of package
// intent (-package) whose function Set (-func) returns the policy.Set, for a program to
// compile with any backend:
//
//	go run ./examples/lift -cluster-cidrs 10.244.0.0/16 examples/lift/testdata/three-tier.yaml
//
// With -backend it prints instead the objects the intent compiles to for that engine,
// and, on stderr, what changed: the objects read and written by kind, and the flows whose
// verdict changed (none: every backend expresses the intent exactly or refuses it, and
// this command exposes no lossy option):
//
//	go run ./examples/lift -cluster-cidrs 10.244.0.0/16 -backend cilium examples/lift/testdata/three-tier.yaml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/netintent/netintent/examples/internal/cli"
	"github.com/netintent/netintent/lift"
	liftcnp "github.com/netintent/netintent/lift/clusternp"
	"k8s.io/apimachinery/pkg/runtime"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	backend := fs.String("backend", "", "print the objects compiled for this backend (k8snp, cilium or calico) instead of the Go program")
	var ranges cli.Prefixes
	fs.Var(&ranges, "cluster-cidrs", "the cluster's pod, node and API server ranges, comma-separated (needed to lift ipBlocks, and by k8snp and calico for CIDR peers)")
	pkg := fs.String("package", "intent", "the package of the Go file")
	fn := fs.String("func", "Set", "the name of the function that builds the Set")
	workloadsOnly := fs.Bool("no-host-endpoints", false, "declare that no Calico host endpoint or network set carries the labels the Calico selectors match (lift.NoHostEndpointsOrNetworkSets)")
	localCluster := fs.String("local-cluster", "", "the Cilium cluster name, for selectors naming a cluster (lift.LocalCluster)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lift [flags] [manifest.yaml ...]  (stdin without files)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	objs, err := read(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var opts []lift.Option
	if len(ranges) > 0 {
		opts = append(opts, lift.ClusterCIDRs(ranges...))
	}
	if *workloadsOnly {
		opts = append(opts, lift.NoHostEndpointsOrNetworkSets())
	}
	if *localCluster != "" {
		opts = append(opts, lift.LocalCluster(*localCluster))
	}
	set, err := liftcnp.Lift(objs, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *backend == "" {
		src, err := lift.Source(set, lift.PackageName(*pkg), lift.FuncName(*fn))
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		stdout.Write(src)
		return 0
	}
	b, err := cli.Backend(*backend, ranges)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	res, err := b.Compile(set)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := res.WriteYAML(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	out := map[string]int{}
	for _, o := range res.Objects() {
		out[kindOf(o)]++
	}
	fmt.Fprintf(stderr, "read:    %s\n", counts(objectCounts(objs)))
	fmt.Fprintf(stderr, "written: %s (%s)\n", counts(out), b.Name())
	for _, w := range res.Warnings() {
		fmt.Fprintln(stderr, "warning:", w)
	}
	fmt.Fprintln(stderr, "flows that change: none (the objects express the lifted intent exactly)")
	return 0
}

// read decodes the named files, or stdin when there are none, into one set of objects.
func read(files []string, stdin io.Reader) (*liftcnp.Objects, error) {
	if len(files) == 0 {
		return liftcnp.Decode(stdin)
	}
	all := &liftcnp.Objects{}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		objs, err := liftcnp.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		all.Append(&objs.Objects)
		all.ClusterNetworkPolicies = append(all.ClusterNetworkPolicies, objs.ClusterNetworkPolicies...)
	}
	return all, nil
}

// objectCounts counts the objects read, by kind.
func objectCounts(objs *liftcnp.Objects) map[string]int {
	out := map[string]int{}
	for _, o := range objs.All() {
		out[kindOf(o)]++
	}
	for _, o := range objs.ClusterNetworkPolicies {
		out[kindOf(o)]++
	}
	return out
}

// kindOf is an object's apiVersion and kind, or its Go type when TypeMeta is empty.
func kindOf(o runtime.Object) string {
	gvk := o.GetObjectKind().GroupVersionKind()
	if gvk.Kind == "" {
		return reflect.TypeOf(o).Elem().Name()
	}
	return gvk.GroupVersion().String() + " " + gvk.Kind
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "nothing"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
