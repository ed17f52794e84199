package parallel

import "sync"

// Memo is a cache that the goroutines of Chunks share, for translations that recur across
// chunks (the peer "service X in namespace N" appears in policies all over a Set). The zero
// value is ready to use.
type Memo[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
}

// Get returns the value stored for k, computing and storing it first if there is none. A
// value must depend on its key alone and must not be modified once stored: two goroutines
// may both compute a missing value, the first one stored is kept, and every caller gets
// that one.
func (m *Memo[K, V]) Get(k K, compute func() V) V {
	m.mu.RLock()
	v, ok := m.m[k]
	m.mu.RUnlock()
	if ok {
		return v
	}
	v = compute()
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.m[k]; ok {
		return old
	}
	if m.m == nil {
		m.m = map[K]V{}
	}
	m.m[k] = v
	return v
}
