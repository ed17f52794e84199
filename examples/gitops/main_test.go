package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/netintent/netintent/internal/golden" // defines -update, as in every test package
)

// tree is every file under root, by path relative to root, with contents and
// modification time.
type tree map[string]struct {
	data    string
	modTime time.Time
}

func readTree(t *testing.T, root string) tree {
	t.Helper()
	out := tree{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = struct {
			data    string
			modTime time.Time
		}{string(data), info.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func run(t *testing.T, root string) (stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := generate(root, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

// TestGenerateIdempotent runs the generator twice: the second run changes nothing on
// disk, modification times included.
func TestGenerateIdempotent(t *testing.T) {
	root := t.TempDir()
	stdout, stderr := run(t, root)
	if !strings.Contains(stdout, "cilium: "+filepath.Join(root, "cilium")+": 8 files written, 0 unchanged, 0 removed") {
		t.Errorf("first run, stdout:\n%s", stdout)
	}
	for _, refused := range []string{"k8snp: 2 intent(s) cannot be expressed exactly:", "calico: 2 intent(s) cannot be expressed exactly:"} {
		if !strings.Contains(stderr, refused) {
			t.Errorf("stderr lacks %q:\n%s", refused, stderr)
		}
	}
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for path := range readTree(t, root) {
		if err := os.Chtimes(filepath.Join(root, path), past, past); err != nil {
			t.Fatal(err)
		}
	}
	before := readTree(t, root)

	stdout, _ = run(t, root)
	if !strings.Contains(stdout, "0 files written, 8 unchanged, 0 removed") {
		t.Errorf("second run, stdout:\n%s", stdout)
	}
	after := readTree(t, root)
	if len(after) != len(before) {
		t.Errorf("%d files after the second run, %d before", len(after), len(before))
	}
	for path, b := range before {
		if a, ok := after[path]; !ok || a.data != b.data || !a.modTime.Equal(b.modTime) {
			t.Errorf("%s changed in the second run", path)
		}
	}
}

// TestManifestsUpToDate checks that the manifests checked in under ./manifests are what
// go generate writes.
func TestManifestsUpToDate(t *testing.T) {
	root := t.TempDir()
	run(t, root)
	want, got := readTree(t, root), readTree(t, "manifests")
	for path, w := range want {
		if g, ok := got[path]; !ok || g.data != w.data {
			t.Errorf("manifests/%s is not what go generate writes; run go generate ./examples/gitops", path)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("manifests/%s is not written by go generate", path)
		}
	}
}
