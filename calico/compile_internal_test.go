package calico

import (
	"reflect"
	"testing"

	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// TestTranslateLetsGo checks that what Translate keeps of a policy does not hold the
// policy, which backend.Compile lets go once translated so that it is reclaimed while the
// other policies translate.
func TestTranslateLetsGo(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Tier("security", 10)
	s.Service("web").AllowFrom("api").TCP(80).DenyFrom(policy.World()).TCP(22)
	s.Service("api").AllowTo("db").TCP(5432).InTier("security", 1)
	s.Service("db").AllowFrom("api").TCP(5432).Audit()
	s.Cluster("guard").DenyTo(policy.CIDR("192.0.2.0/24"))
	sets := []*policy.Set{s}
	for seed := range uint64(5) {
		sets = append(sets, randset.New(seed, 6, randset.All).Set)
	}
	for i, set := range sets {
		m, err := set.Model()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Policies {
			c := &compiler{model: m, nsExprs: map[string]string{}}
			c.Translate(p)
			if len(c.emitted) > 0 && reaches(reflect.ValueOf(c.emitted), reflect.ValueOf(p).Pointer(), map[uintptr]bool{}) {
				t.Errorf("set %d: the objects translated from %s hold the policy", i, p.Path)
			}
		}
	}
}

// reaches reports whether v holds the pointer target, directly or through pointers,
// slices, maps, structs and interfaces.
func reaches(v reflect.Value, target uintptr, seen map[uintptr]bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return false
		}
		p := v.Pointer()
		if p == target {
			return true
		}
		if v.Kind() != reflect.Slice {
			if seen[p] {
				return false
			}
			seen[p] = true
		}
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && reaches(v.Elem(), target, seen)
	case reflect.Struct:
		for i := range v.NumField() {
			if reaches(v.Field(i), target, seen) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if reaches(v.Index(i), target, seen) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if reaches(it.Key(), target, seen) || reaches(it.Value(), target, seen) {
				return true
			}
		}
	}
	return false
}
