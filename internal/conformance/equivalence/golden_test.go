package equivalence

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/conformance/oracle"
)

// root is the repository root, seen from this package's directory.
const root = "../../.."

// TestGoldenFilesValid decodes every golden YAML file of every backend (testdata and its
// subdirectories) strictly into the upstream types and validates each object as the API
// servers would (oracle.Validate: the Kubernetes registry strategy, Cilium's CRD schema
// and agent parser, Calico's validator with tier and name checks). Refusals are golden
// .error.txt files and are not objects.
func TestGoldenFilesValid(t *testing.T) {
	for _, backend := range []string{"k8snp", "cilium", "calico"} {
		dir := filepath.Join(root, backend, "testdata")
		files, objects := 0, 0
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			files++
			rel, _ := filepath.Rel(root, path)
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			objs, err := oracle.DecodeYAML(b)
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				return nil
			}
			if len(objs) == 0 {
				t.Errorf("%s: no objects", rel)
			}
			objects += len(objs)
			if err := oracle.Validate(objs); err != nil {
				t.Errorf("%s: %v", rel, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if files == 0 {
			t.Errorf("%s: no golden YAML files under %s", backend, dir)
		}
		t.Logf("%s: %d golden files, %d objects valid", backend, files, objects)
	}
}
