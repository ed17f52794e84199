// Package backend holds what every backend shares, so that a backend holds only its
// translation: the Compile driver (Model, options, translation in chunks on every CPU,
// refusals), the behaviour of Results, the metadata of emitted objects, and the
// policy.Backend value.
package backend

import (
	"errors"
	"fmt"

	"github.com/netintent/netintent/internal/parallel"
	"github.com/netintent/netintent/policy"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Chunk translates a contiguous chunk of a Model's policies: a backend's compiler.
type Chunk interface {
	// Translate translates one policy, keeping what it emits.
	Translate(p *policy.Policy)
	// Refused returns the chunk's refusals.
	Refused() *Refusals
}

// Checker is what options with input to check implement: Check reports invalid input.
type Checker interface {
	Check() field.ErrorList
}

// Translated is what Compile translated.
type Translated[O any, C Chunk] struct {
	// Model is the Set's Model; its Policies are let go (nil) once translated.
	Model *policy.Model
	// Options are the options Compile applied.
	Options O
	// Chunks are the chunks, in Model order.
	Chunks []C
	// Refusals are the chunks' refusals, in Model order.
	Refusals Refusals
}

// Compile is the part of a backend's Compile that every backend shares. It takes the
// Set's Model (returning the Set's *policy.ValidationError unchanged), applies opts to
// zero options and, if *O is a Checker, checks them; newChunks, given the Model and the
// options, returns the constructor of one chunk's translator. Policies translate
// independently: chunks of them are translated on every CPU, each by its own translator,
// and the chunks returned in Model order. A policy is let go once translated, so that it
// is reclaimed while the others translate rather than marked again by each collection:
// the Model is Compile's own.
func Compile[O any, F ~func(*O), C Chunk](name string, set *policy.Set, opts []F, newChunks func(*policy.Model, O) func() C) (*Translated[O, C], error) {
	if set == nil {
		return nil, errors.New(name + ": Compile needs a policy.Set, got nil")
	}
	m, err := set.Model()
	if err != nil {
		return nil, err
	}
	var o O
	for _, opt := range opts {
		opt(&o)
	}
	if c, ok := any(&o).(Checker); ok {
		if errs := c.Check(); len(errs) > 0 {
			return nil, fmt.Errorf("%s: invalid options: %w", name, errs.ToAggregate())
		}
	}
	newChunk := newChunks(m, o)
	chunks := parallel.Chunks(len(m.Policies), minChunk, func(lo, hi int) C {
		c := newChunk()
		for i := lo; i < hi; i++ {
			c.Translate(m.Policies[i])
			m.Policies[i] = nil
		}
		return c
	})
	t := &Translated[O, C]{Model: m, Options: o, Chunks: chunks}
	for _, c := range chunks {
		t.Refusals.Join(c.Refused())
	}
	return t, nil
}

// minChunk is the fewest policies worth a goroutine of their own.
const minChunk = 64
