package backend

import "github.com/netintent/netintent/policy"

// New returns the policy.Backend named name that compiles with compile and opts: a
// backend's Backend function.
func New[F any, R policy.Result](name string, compile func(*policy.Set, ...F) (R, error), opts []F) policy.Backend {
	return value[F, R]{name: name, compile: compile, opts: opts}
}

type value[F any, R policy.Result] struct {
	name    string
	compile func(*policy.Set, ...F) (R, error)
	opts    []F
}

func (v value[F, R]) Name() string { return v.name }

func (v value[F, R]) Compile(set *policy.Set) (policy.Result, error) {
	res, err := v.compile(set, v.opts...)
	if err != nil {
		// Not res: a nil *Result in a policy.Result is not a nil interface.
		return nil, err
	}
	return res, nil
}
