package ciliumk8s

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCopyIsVerbatim checks that network_policy.go is Cilium's file but for the package
// clause.
func TestCopyIsVerbatim(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cilium/cilium").Output()
	if err != nil {
		t.Fatalf("locating the Cilium module: %v", err)
	}
	upstream, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg", "k8s", "network_policy.go"))
	if err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile("network_policy.go")
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Replace(upstream, []byte("\npackage k8s\n"), []byte("\npackage ciliumk8s\n"), 1)
	if !bytes.Equal(copied, want) {
		t.Error("network_policy.go differs from github.com/cilium/cilium/pkg/k8s/network_policy.go of the pinned version; copy it again")
	}
}
