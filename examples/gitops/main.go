// Command gitops keeps the manifests of the ecommerce scenario (scenarios.Ecommerce: HTTP
// rules, a default-deny namespace, a cluster-wide guardrail) current for every backend, in
// ./manifests/<backend>/, each directory with a kustomization.yaml for Argo CD, Flux or
// kubectl apply -k, and every object with its Argo CD sync wave (its rollout step, after
// a base of -100: before the Application's workloads, in wave 0):
//
//	go generate ./examples/gitops
//
// Only Cilium expresses all of this intent: NetworkPolicy has no HTTP rules and no cluster
// scope, and Calico open source enforces HTTP rules only with application layer policy and
// CIDR peers only with the cluster's ranges declared (calico.ClusterCIDRs). Those backends are
// reported on standard error, naming the intents they cannot express, and their
// directories are left as they were; the others are written all the same. A refusal
// does not fail the run, so that go generate keeps the other manifests current; any other
// failure (an invalid Set, a file in the way) exits with status 1.
package main

//go:generate go run .

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/gitops"
	"github.com/netintent/netintent/policy"
)

func main() {
	if err := generate("manifests", os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// generate syncs the scenario's manifests of every backend into root/<backend>, prints
// what changed to stdout and each refusal to stderr, and returns the failures that are
// not refusals.
func generate(root string, stdout, stderr io.Writer) error {
	reports, err := gitops.SyncAll(root, scenarios.Ecommerce(), gitops.Backends(), gitops.ArgoCDSyncWaves(-100))
	if reports == nil {
		return err // an invalid Set: nothing was written
	}
	var failed []error
	for _, r := range reports {
		var ce *policy.CompileError
		switch {
		case errors.As(r.Err, &ce):
			fmt.Fprintf(stderr, "%v\n%s: %s left as it was\n", r.Err, r.Backend, filepath.Join(root, r.Backend))
		case r.Err != nil:
			failed = append(failed, r.Err)
		default:
			fmt.Fprintf(stdout, "%s: %s: %d files written, %d unchanged, %d removed\n", r.Backend, r.Report.Dir,
				len(r.Report.Written), len(r.Report.Unchanged), len(r.Report.Removed))
			for _, w := range r.Warnings {
				fmt.Fprintln(stderr, "warning:", w)
			}
		}
	}
	return errors.Join(failed...)
}
