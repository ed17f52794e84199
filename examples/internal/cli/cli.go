// Package cli is the command line shared by the example programs: each builds a Set and
// prints (or writes) the manifests of one backend.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// Backends lists the backend names the -backend flag accepts.
var Backends = []string{"k8snp", "cilium", "calico"}

// Backend returns the named backend; clusterCIDRs, if any, are the cluster's address
// ranges (k8snp.ClusterCIDRs, calico.ClusterCIDRs; Cilium needs none).
func Backend(name string, clusterCIDRs []netip.Prefix) (policy.Backend, error) {
	switch name {
	case "k8snp":
		var opts []k8snp.Option
		if len(clusterCIDRs) > 0 {
			opts = append(opts, k8snp.ClusterCIDRs(clusterCIDRs...))
		}
		return k8snp.Backend(opts...), nil
	case "cilium":
		return cilium.Backend(), nil
	case "calico":
		var opts []calico.Option
		if len(clusterCIDRs) > 0 {
			opts = append(opts, calico.ClusterCIDRs(clusterCIDRs...))
		}
		return calico.Backend(opts...), nil
	}
	return nil, fmt.Errorf("unknown backend %q (want one of %v)", name, Backends)
}

// Prefixes is a flag of comma-separated address ranges, such as the cluster's pod, node
// and API server ranges.
type Prefixes []netip.Prefix

// String returns the ranges as the flag takes them.
func (p *Prefixes) String() string {
	var parts []string
	for _, x := range *p {
		parts = append(parts, x.String())
	}
	return strings.Join(parts, ",")
}

// Set parses comma-separated ranges.
func (p *Prefixes) Set(s string) error {
	*p = nil
	for _, c := range strings.Split(s, ",") {
		x, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			return err
		}
		*p = append(*p, x)
	}
	return nil
}

// Main parses the flags, builds the Set and prints or writes the backend's manifests. It
// exits with status 1 when the backend refuses part of the intent, printing why.
func Main(build func() *policy.Set) {
	os.Exit(run(os.Args[1:], build, os.Stdout, os.Stderr))
}

func run(args []string, build func() *policy.Set, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(stderr)
	backend := fs.String("backend", "k8snp", "backend to compile for: k8snp, cilium or calico")
	format := fs.String("format", "yaml", "output format: yaml or json")
	out := fs.String("out", "", "write one file per object into this directory instead of printing")
	var clusterCIDRs Prefixes
	fs.Var(&clusterCIDRs, "cluster-cidrs", "the cluster's pod, node and API server ranges, comma-separated (k8snp and calico need them for CIDR peers)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	b, err := Backend(*backend, clusterCIDRs)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	res, err := b.Compile(build())
	if err != nil {
		fmt.Fprintln(stderr, err)
		var ce *policy.CompileError
		if errors.As(err, &ce) {
			if slices.ContainsFunc(ce.Problems, func(p policy.Unsupported) bool {
				return slices.ContainsFunc(p.Fixes, func(f policy.Fix) bool { return strings.HasSuffix(f.Option, ".ClusterCIDRs(...)") })
			}) {
				fmt.Fprintln(stderr, "declare the cluster's ranges with -cluster-cidrs (e.g. -cluster-cidrs 10.244.0.0/16,10.96.0.0/12), or")
			}
			fmt.Fprintln(stderr, "try another backend with -backend")
		}
		return 1
	}
	for _, w := range res.Warnings() {
		fmt.Fprintln(stderr, "warning:", w)
	}
	switch {
	case *out != "":
		files, err := res.WriteDir(*out)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		for _, f := range files {
			fmt.Fprintln(stdout, f)
		}
	case *format == "json":
		b, err := res.JSON()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		stdout.Write(b)
	case *format == "yaml":
		if err := res.WriteYAML(stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	default:
		fmt.Fprintf(stderr, "unknown format %q (want yaml or json)\n", *format)
		return 2
	}
	return 0
}
