// Package golden compares test output with golden files and checks that rendered manifests
// survive a strict round trip through their upstream types.
//
// Golden files live under each package's testdata/ and are reviewed in diffs. To accept new
// output, rewrite them all and review the change:
//
//	go test ./... -update
//
// This package registers the -update flag, and the go command passes it to every test
// binary it builds. A test binary that does not define the flag fails with "flag provided
// but not defined: -update". So every package with tests in this repository must import
// internal/golden, directly or through another test helper, even one without golden files:
//
//	import _ "github.com/netintent/netintent/internal/golden"
//
// The flag is registered on the standard flag.CommandLine, so import this package from
// tests only.
package golden

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/netintent/netintent/internal/render"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Updating reports whether the test run was started with -update, for tests that produce
// golden output by other means than Assert.
func Updating() bool {
	return *update
}

// Assert compares got with the golden file at path. With -update it writes got to path
// instead, creating directories as needed. A mismatch fails t with a diff of the first
// differing lines; a missing file fails t with how to create it. Failures use t.Errorf, so
// one test can report several golden files.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Errorf("golden: %v", err)
			return
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Errorf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Errorf("golden file %s does not exist; create it with `go test ./... -update` and review it", path)
		return
	}
	if err != nil {
		t.Errorf("golden: %v", err)
		return
	}
	if !bytes.Equal(want, got) {
		t.Errorf("output differs from golden file %s:\n%s\nIf the new output is intended, run `go test ./... -update` and review the diff.",
			path, diff(path, "got", want, got))
	}
}

// NewObject returns an empty value of the upstream type that apiVersion and kind name, or
// false if the backend under test never emits that type.
type NewObject func(apiVersion, kind string) (render.Object, bool)

// RoundTrip checks every document of manifest, as written by render.YAML or
// render.WriteDir (leading comment lines are skipped): it must decode with
// sigs.k8s.io/yaml.UnmarshalStrict (no unknown or duplicate fields) into the type newObject
// gives for its apiVersion and kind, and render.Marshal of the result must give the same
// bytes. A failure means the manifest carries something the upstream type drops, or the
// type renders differently, so a cluster would read another policy than the file shows.
// A manifest without documents passes.
func RoundTrip(t testing.TB, manifest []byte, newObject NewObject) {
	t.Helper()
	for i, doc := range split(manifest) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			t.Errorf("document %d: %v\n%s", i, err, doc)
			continue
		}
		obj, ok := newObject(tm.APIVersion, tm.Kind)
		if !ok {
			t.Errorf("document %d: no upstream type for apiVersion %q, kind %q", i, tm.APIVersion, tm.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			t.Errorf("document %d (%s): strict decoding into %T: %v", i, tm.Kind, obj, err)
			continue
		}
		again, err := render.Marshal(obj)
		if err != nil {
			t.Errorf("document %d (%s): %v", i, tm.Kind, err)
			continue
		}
		if !bytes.Equal(doc, again) {
			t.Errorf("document %d (%s) changes in a round trip through %T:\n%s",
				i, tm.Kind, obj, diff("manifest", "round trip", doc, again))
		}
	}
}

// split returns the documents of a render.YAML stream without the leading comment lines
// and the "---" separators, each ending in a newline like render.Marshal's output.
func split(manifest []byte) [][]byte {
	rest := manifest
	for len(rest) > 0 && rest[0] == '#' {
		_, after, found := bytes.Cut(rest, []byte("\n"))
		if !found {
			return nil
		}
		rest = after
	}
	var docs [][]byte
	var cur []byte
	for line := range bytes.Lines(rest) {
		if string(line) == "---\n" {
			docs = append(docs, cur)
			cur = nil
			continue
		}
		cur = append(cur, line...)
	}
	if len(cur) > 0 {
		docs = append(docs, cur)
	}
	return docs
}

// Stale fails the test for every file of testdata (not its subdirectories) that want
// does not name, so that a golden file of a renamed or removed scenario, or of the other
// outcome, does not linger unreviewed; with -update it removes them.
func Stale(t testing.TB, want map[string]bool) {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil && !*update {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || want[e.Name()] {
			continue
		}
		if *update {
			if err := os.Remove(filepath.Join("testdata", e.Name())); err != nil {
				t.Error(err)
			}
			continue
		}
		t.Errorf("testdata/%s belongs to no scenario outcome; remove it with `go test ./... -update`", e.Name())
	}
}
