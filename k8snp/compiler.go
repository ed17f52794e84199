package k8snp

import (
	"github.com/netintent/netintent"
	"github.com/netintent/netintent/policy"
)

// Compiler returns this backend, with opts, as policy.Diff takes it: Diff compiles both
// Sets with Compile and compares the objects of Result.Objects, to list the ones a change
// creates, updates and deletes.
func Compiler(opts ...Option) policy.Compiler { return diffCompiler(opts) }

// diffCompiler is the policy.Compiler of this backend: the options to compile with.
type diffCompiler []Option

// Backend returns Backend.
func (diffCompiler) Backend() string { return Backend }

// Objects compiles set and returns the objects in rollout order.
func (c diffCompiler) Objects(set *policy.Set) ([]netintent.Object, error) {
	res, err := Compile(set, c...)
	if err != nil {
		return nil, err
	}
	return res.Objects(), nil
}
