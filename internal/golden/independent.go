package golden

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/render"
	"github.com/netintent/netintent/policy"
)

// Independent checks that the objects compile makes of set share no memory with each
// other or with the Set: overwriting everything reachable from one object (map entries
// included) changes no other object, and compiling again gives the objects of the first
// call. Users edit emitted objects (a label here, a selector there); an edit must stay
// where it is made. The check renders every later object after each overwrite, so it is
// meant for Sets of tens of objects. refused declares the constructs compile refuses in
// set (see Refusal); a refused Set has no objects to check, and its refusal must be the
// declared one.
func Independent[R interface{ Objects() []netintent.Object }](t *testing.T, set *policy.Set, refused []string, compile func(*policy.Set) (R, error)) {
	t.Helper()
	res, err := compile(set)
	if Refusal(t, err, refused) {
		t.Logf("refused as declared (%q): no objects to check", refused)
		return
	}
	again := func() ([]netintent.Object, error) {
		res, err := compile(set)
		if err != nil {
			return nil, err
		}
		return res.Objects(), nil
	}
	if err := independence(res.Objects(), again); err != nil {
		t.Fatal(err)
	}
}

// independence overwrites each of objs in turn and reports the first other object that
// changes with it, then whether the objects that again compiles differ from objs as they
// were.
func independence(objs []netintent.Object, again func() ([]netintent.Object, error)) error {
	want := make([][]byte, len(objs))
	names := make([]string, len(objs))
	for i, o := range objs {
		var err error
		if want[i], err = render.Marshal(o); err != nil {
			return err
		}
		names[i] = o.GetNamespace() + "/" + o.GetName()
	}
	for i, o := range objs {
		scribble(reflect.ValueOf(o))
		for j := i + 1; j < len(objs); j++ {
			if got, _ := render.Marshal(objs[j]); string(got) != string(want[j]) {
				return fmt.Errorf("overwriting %s changed %s:\n%s\nwant:\n%s", names[i], names[j], got, want[j])
			}
		}
	}
	fresh, err := again()
	if err != nil {
		return err
	}
	for i, o := range fresh {
		if got, _ := render.Marshal(o); string(got) != string(want[i]) {
			return fmt.Errorf("overwriting the objects changed the Set: %s is now\n%s\nwant:\n%s", names[i], got, want[i])
		}
	}
	return nil
}

// scribble overwrites every settable value reachable from v, map entries included.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scribble(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			scribble(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString("scribbled")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(v.Int() + 1)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.CanSet() {
			v.SetUint(v.Uint() + 1)
		}
	case reflect.Float64:
		if v.CanSet() {
			v.SetFloat(v.Float() + 1)
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	}
}
