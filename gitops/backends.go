package gitops

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// Backends returns the three backends with their default options, in the order k8snp,
// cilium, calico.
func Backends() []policy.Backend {
	return []policy.Backend{k8snp.Backend(), cilium.Backend(), calico.Backend()}
}

// BackendReport is what SyncAll did for one backend.
type BackendReport struct {
	// Backend is the backend's name.
	Backend string
	// Report is what Sync did in the backend's directory.
	Report Report
	// Warnings are the lossy translations the backend's options allowed.
	Warnings []policy.Warning
	// Err, a *BackendError, is set when the backend failed: it refused part of the intent
	// (a *policy.CompileError; its directory is then left as it was) or Sync failed.
	Err error
}

// BackendError is the failure of one backend in SyncAll.
type BackendError struct {
	// Backend is the backend's name.
	Backend string
	// Err is what went wrong.
	Err error
}

// Error names the backend, unless the error already starts with its name, as a
// *policy.CompileError does.
func (e *BackendError) Error() string {
	msg := e.Err.Error()
	if strings.HasPrefix(msg, e.Backend+": ") {
		return msg
	}
	return e.Backend + ": " + msg
}

// Unwrap returns Err.
func (e *BackendError) Unwrap() error { return e.Err }

// SyncAll compiles set with each backend (all three with default options if none are
// given) and syncs the objects into root/<backend name>, as Sync does, with the header of
// the backend's Result and opts. A backend that fails, typically because it cannot express part of
// the intent, does not stop the others. A backend that refuses leaves its directory as it
// was: removing its files would let a GitOps tool prune policies that are still enforced.
// The reports come in the order of the backends; the error joins one *BackendError per
// failed backend. An invalid Set is returned as the *policy.ValidationError alone, before
// anything is written.
func SyncAll(root string, set *policy.Set, backends []policy.Backend, opts ...Option) ([]BackendReport, error) {
	if set == nil {
		return nil, errors.New("gitops: SyncAll needs a policy.Set, got nil")
	}
	for i, b := range backends {
		if b == nil {
			return nil, fmt.Errorf("gitops: SyncAll: backends[%d] is nil", i)
		}
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	if len(backends) == 0 {
		backends = Backends()
	}
	reports := make([]BackendReport, len(backends))
	var errs []error
	seen := map[string]bool{}
	for i, b := range backends {
		r := &reports[i]
		name := b.Name()
		r.Backend = name
		var res policy.Result
		var err error
		switch {
		case !plainName(name):
			err = fmt.Errorf("gitops: backend name %q is not a directory name", name)
		case seen[name]:
			err = fmt.Errorf("gitops: backend %s is given twice", name)
		default:
			res, err = b.Compile(set)
		}
		seen[name] = true
		if err == nil {
			r.Warnings = res.Warnings()
			r.Report, err = Sync(filepath.Join(root, name), res.Objects(), append([]Option{Header(res.Header())}, opts...)...)
		}
		if err != nil {
			r.Err = &BackendError{Backend: name, Err: err}
			errs = append(errs, r.Err)
		}
	}
	return reports, errors.Join(errs...)
}
