// Package reuse hands out scratch values that live for one round of work (the translation
// of one policy) and are reused in the next, so that a compiler, once warm, allocates none.
package reuse

// Pool holds the values of T handed out since the last Reset. The zero Pool is ready to
// use. A Pool is not safe for concurrent use: each compiler has its own.
type Pool[T any] struct {
	values []*T
	used   int
}

// Next returns a value for this round: a new zero T, or one handed out in an earlier round
// as that round left it. The caller resets it, keeping what it wants to reuse (a slice's
// capacity, say); nothing must keep it past the round.
func (p *Pool[T]) Next() *T {
	if p.used == len(p.values) {
		p.values = append(p.values, new(T))
	}
	v := p.values[p.used]
	p.used++
	return v
}

// Reset starts a round: the values handed out so far will be handed out again.
func (p *Pool[T]) Reset() { p.used = 0 }
