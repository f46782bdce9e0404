package diff

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// fieldMask zeroes the ignored fields of a record before comparison, so
// the comparison itself stays a single struct ==.
type fieldMask struct {
	paths [][]int // field index paths into spec.Retire
}

// FieldNames lists every field path of spec.Retire that Options.Ignore accepts.
func FieldNames() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			p := prefix + f.Name
			out = append(out, p)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, p+".")
			}
		}
	}
	walk(reflect.TypeOf(spec.Retire{}), "")
	sort.Strings(out)
	return out
}

func newFieldMask(names []string) (fieldMask, error) {
	var m fieldMask
	t := reflect.TypeOf(spec.Retire{})
	for _, name := range names {
		f, ok := t.FieldByName(strings.Split(name, ".")[0])
		if !ok {
			return m, fmt.Errorf("diff: unknown field %q to ignore (have %s)", name, strings.Join(FieldNames(), ", "))
		}
		path := f.Index
		cur := f.Type
		for _, part := range strings.Split(name, ".")[1:] {
			if cur.Kind() != reflect.Struct {
				return m, fmt.Errorf("diff: unknown field %q to ignore", name)
			}
			g, ok := cur.FieldByName(part)
			if !ok {
				return m, fmt.Errorf("diff: unknown field %q to ignore (have %s)", name, strings.Join(FieldNames(), ", "))
			}
			path = append(append([]int(nil), path...), g.Index...)
			cur = g.Type
		}
		m.paths = append(m.paths, path)
	}
	return m, nil
}

func (m fieldMask) apply(r spec.Retire) spec.Retire {
	if len(m.paths) == 0 {
		return r
	}
	v := reflect.ValueOf(&r).Elem()
	for _, p := range m.paths {
		f := v.FieldByIndex(p)
		f.Set(reflect.Zero(f.Type()))
	}
	return r
}
