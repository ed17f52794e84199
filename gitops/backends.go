package gitops

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// Backend is one backend as SyncAll runs it. K8sNP, Cilium and Calico make them.
type Backend struct {
	// Name names the backend in errors and reports, and is the subdirectory of SyncAll's
	// root that receives its files.
	Name string
	// Header marks the backend's files (its Header constant).
	Header string
	// Compile compiles a Set into the objects to write and the lossy translations that
	// options allowed.
	Compile func(*policy.Set) ([]netintent.Object, []policy.Warning, error)
	// Options are Sync's options for the backend's directory, such as ArgoCDSyncWaves,
	// after Header(Header).
	Options []Option
}

// K8sNP is the Kubernetes NetworkPolicy backend with the given options.
func K8sNP(opts ...k8snp.Option) Backend {
	return Backend{Name: k8snp.Backend, Header: k8snp.Header, Compile: func(set *policy.Set) ([]netintent.Object, []policy.Warning, error) {
		res, err := k8snp.Compile(set, opts...)
		if err != nil {
			return nil, nil, err
		}
		return res.Objects(), res.Warnings, nil
	}}
}

// Cilium is the Cilium backend with the given options.
func Cilium(opts ...cilium.Option) Backend {
	return Backend{Name: cilium.Backend, Header: cilium.Header, Compile: func(set *policy.Set) ([]netintent.Object, []policy.Warning, error) {
		res, err := cilium.Compile(set, opts...)
		if err != nil {
			return nil, nil, err
		}
		return res.Objects(), res.Warnings, nil
	}}
}

// Calico is the Calico backend with the given options.
func Calico(opts ...calico.Option) Backend {
	return Backend{Name: calico.Backend, Header: calico.Header, Compile: func(set *policy.Set) ([]netintent.Object, []policy.Warning, error) {
		res, err := calico.Compile(set, opts...)
		if err != nil {
			return nil, nil, err
		}
		return res.Objects(), res.Warnings, nil
	}}
}

// Backends returns the three backends with their default options, in the order k8snp,
// cilium, calico.
func Backends() []Backend { return []Backend{K8sNP(), Cilium(), Calico()} }

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
// given) and syncs the objects into root/<backend name>, as Sync does, with the backend's
// header and Options. A backend that fails, typically because it cannot express part of
// the intent, does not stop the others. A backend that refuses leaves its directory as it
// was: removing its files would let a GitOps tool prune policies that are still enforced.
// The reports come in the order of the backends; the error joins one *BackendError per
// failed backend. An invalid Set is returned as the *policy.ValidationError alone, before
// anything is written.
func SyncAll(root string, set *policy.Set, backends ...Backend) ([]BackendReport, error) {
	if set == nil {
		return nil, errors.New("gitops: SyncAll needs a policy.Set, got nil")
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
		r.Backend = b.Name
		var objs []netintent.Object
		var warnings []policy.Warning
		var err error
		switch {
		case !plainName(b.Name):
			err = fmt.Errorf("gitops: backend name %q is not a directory name", b.Name)
		case seen[b.Name]:
			err = fmt.Errorf("gitops: backend %s is given twice", b.Name)
		default:
			objs, warnings, err = b.Compile(set)
		}
		seen[b.Name] = true
		if err == nil {
			r.Warnings = warnings
			r.Report, err = Sync(filepath.Join(root, b.Name), objs, append([]Option{Header(b.Header)}, b.Options...)...)
		}
		if err != nil {
			r.Err = &BackendError{Backend: b.Name, Err: err}
			errs = append(errs, r.Err)
		}
	}
	return reports, errors.Join(errs...)
}
