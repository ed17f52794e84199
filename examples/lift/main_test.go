package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/netintent/netintent/internal/golden" // defines -update, as in every test package
	"github.com/netintent/netintent/lift"
)

// seed is the path of a seed manifest.
func seed(name string) string { return filepath.Join("..", "..", "k8snp", "testdata", "seed", name) }

// TestRun checks the command line: the Go program for files and stdin, the objects of
// each backend with the summary, and the errors of bad input and flags.
func TestRun(t *testing.T) {
	manifest := filepath.Join("testdata", "three-tier.yaml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := lift.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	set, err := lift.Lift(objs, lift.ClusterCIDRs(netip.MustParsePrefix("10.244.0.0/16")))
	if err != nil {
		t.Fatal(err)
	}
	program, err := lift.Source(set, lift.PackageName("shop"), lift.FuncName("Intent"))
	if err != nil {
		t.Fatal(err)
	}
	// The namespace, in a second file, is read with the policies of the first.
	dir := t.TempDir()
	var policies, namespace []string
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if strings.Contains(doc, "kind: Namespace") {
			namespace = append(namespace, doc)
		} else {
			policies = append(policies, doc)
		}
	}
	split := []string{filepath.Join(dir, "policies.yaml"), filepath.Join(dir, "namespace.yaml")}
	for i, docs := range [][]string{policies, namespace} {
		if err := os.WriteFile(split[i], []byte(strings.Join(docs, "\n---\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string   // all of it, when the output is the Go program
		has    []string // in stdout, for objects
		stderr []string
	}{
		{name: "program", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-package", "shop", "-func", "Intent", manifest}, stdout: string(program)},
		{name: "program from stdin", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-package", "shop", "-func", "Intent"}, stdin: string(data), stdout: string(program)},
		{name: "program from two files", args: append([]string{"-cluster-cidrs", "10.244.0.0/16", "-package", "shop", "-func", "Intent"}, split...), stdout: string(program)},
		{name: "k8snp", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-backend", "k8snp", manifest},
			has: []string{"kind: NetworkPolicy", "name: default-deny"},
			stderr: []string{"read:    4 networking.k8s.io/v1 NetworkPolicy, 1 v1 Namespace\n",
				"written: 4 networking.k8s.io/v1 NetworkPolicy (k8snp)\n", "flows that change: none"}},
		{name: "cilium", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-backend", "cilium", manifest},
			has:    []string{"kind: CiliumNetworkPolicy"},
			stderr: []string{"written: 4 cilium.io/v2 CiliumNetworkPolicy (cilium)\n"}},
		{name: "calico", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-backend", "calico", manifest},
			has:    []string{"kind: NetworkPolicy", "apiVersion: projectcalico.org/v3"},
			stderr: []string{"projectcalico.org/v3 NetworkPolicy"}},
		{name: "calico seed to cilium", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-no-host-endpoints", "-backend", "cilium", seed("12-security-block-external.yaml")},
			has:    []string{"kind: CiliumClusterwideNetworkPolicy"},
			stderr: []string{"read:    1 projectcalico.org/v3 GlobalNetworkPolicy\n", "(cilium)"}},
		{name: "calico seed without -no-host-endpoints", args: []string{"-cluster-cidrs", "10.244.0.0/16", seed("12-security-block-external.yaml")},
			code: 1, stderr: []string{"lift.NoHostEndpointsOrNetworkSets"}},
		{name: "cilium seed to calico: other clusters' pods", args: []string{"-local-cluster", "cluster-a", "-backend", "calico", seed("13-cross-cluster-policy.yaml")},
			code: 1, stderr: []string{"cluster-mesh peers: Calico open source has no endpoints of other clusters"}},
		{name: "cilium seed to cilium", args: []string{"-local-cluster", "cluster-a", "-backend", "cilium", seed("13-cross-cluster-policy.yaml")},
			has:    []string{"kind: CiliumNetworkPolicy"},
			stderr: []string{"read:    1 cilium.io/v2 CiliumNetworkPolicy\n"}},
		{name: "cilium seed without -local-cluster", args: []string{seed("13-cross-cluster-policy.yaml")},
			code: 1, stderr: []string{"lift.LocalCluster"}},
		{name: "ClusterNetworkPolicy to cilium", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-backend", "cilium",
			filepath.Join("..", "..", "k8snp", "clusternp", "testdata", "block-metadata.yaml")},
			has:    []string{"kind: CiliumClusterwideNetworkPolicy", "169.254.169.254/32"},
			stderr: []string{"read:    1 policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy\n"}},
		{name: "ipBlock without the cluster's ranges", args: []string{manifest}, code: 1, stderr: []string{"lift.ClusterCIDRs"}},
		{name: "not a manifest", args: []string{"-cluster-cidrs", "10.244.0.0/16"}, stdin: "kind: Pod\napiVersion: v1\n", code: 1, stderr: []string{`v1 "Pod" is not lifted`}},
		{name: "no such file", args: []string{filepath.Join(dir, "missing.yaml")}, code: 1, stderr: []string{"missing.yaml"}},
		{name: "unknown backend", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-backend", "iptables", manifest}, code: 2, stderr: []string{`unknown backend "iptables"`}},
		{name: "bad range", args: []string{"-cluster-cidrs", "10.244.0.0/33", manifest}, code: 2, stderr: []string{"-cluster-cidrs"}},
		{name: "bad function name", args: []string{"-cluster-cidrs", "10.244.0.0/16", "-func", "build-set", manifest}, code: 1, stderr: []string{`"build-set" is not a Go identifier`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if tt.stdout != "" && stdout.String() != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), tt.stdout)
			}
			for _, s := range tt.has {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}
