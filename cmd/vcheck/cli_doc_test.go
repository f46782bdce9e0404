package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/jsonout"
	"github.com/vcheck-dev/vcheck/internal/tlacheck"
	"github.com/vcheck-dev/vcheck/pg"
)

// jsonOutputs maps each command (and `diff --fields`) to the Go type of
// its --json output. docs/cli.md documents each of them; the tests below
// hold the two to each other.
var jsonOutputs = map[string]reflect.Type{
	"asm":           reflect.TypeFor[asmJSON](),
	"bench":         reflect.TypeFor[benchJSON](),
	"check":         reflect.TypeFor[checkVerdict](),
	"diff":          reflect.TypeFor[diffJSON](),
	"diff --fields": reflect.TypeFor[diffFieldsJSON](),
	"disasm":        reflect.TypeFor[disasmJSON](),
	"fuzz":          reflect.TypeFor[fuzzJSON](),
	"pg":            reflect.TypeFor[pg.ReportJSON](),
	"run":           reflect.TypeFor[runJSON](),
	"serve":         reflect.TypeFor[serveJSON](),
	"tla":           reflect.TypeFor[tlaJSON](),
	"tla trace":     reflect.TypeFor[tlacheck.TraceResult](),
	"version":       reflect.TypeFor[buildInfo](),
}

// namedJSONTypes are the objects that appear in several outputs:
// docs/cli.md documents each once, under "### JSON type `NAME`", and
// the command tables give their name as the field's type.
var namedJSONTypes = map[reflect.Type]string{
	reflect.TypeFor[jsonout.Exit]():   "exit",
	reflect.TypeFor[jsonout.Retire](): "record",
	reflect.TypeFor[benchMeasure]():   "measure",
	reflect.TypeFor[pg.WitnessJSON](): "witness",
	reflect.TypeFor[pg.StateJSON]():   "state",
	reflect.TypeFor[pg.EffectJSON]():  "effect",
}

// schema lists the field paths of a JSON output with their JSON types:
// "programs[].path" → "string".
type schema map[string]string

var marshaler = reflect.TypeFor[json.Marshaler]()

// jsonType names the JSON type t encodes to; element types of arrays and
// maps are named as "array of X" and "map of X".
func jsonType(t reflect.Type) string {
	if n, ok := namedJSONTypes[t]; ok {
		return n
	}
	if t.Implements(marshaler) {
		return "string" // jsonout.Hex and jsonout.Dec
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonType(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array of " + jsonType(t.Elem())
	case reflect.Map:
		return "map of " + jsonType(t.Elem())
	case reflect.Struct:
		return "object"
	}
	return t.Kind().String()
}

// schemaOf walks t as encoding/json encodes it, down to the named types.
func schemaOf(t reflect.Type) schema {
	s := schema{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if _, named := namedJSONTypes[t]; named && prefix != "" || t.Implements(marshaler) {
			return
		}
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			walk(t.Elem(), prefix+"[]")
			return
		case reflect.Struct:
		default:
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(f.Type, prefix) // promoted fields
				continue
			}
			if name == "" {
				name = f.Name
			}
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			s[path] = jsonType(f.Type)
			walk(f.Type, path)
		}
	}
	walk(t, "")
	return s
}

// docSchemas reads the JSON tables of docs/cli.md: under each heading
// "### `vcheck NAME --json`" (or "### `vcheck diff --fields --json`"), the
// rows "| `path` | type | meaning |".
func docSchemas(t *testing.T) map[string]schema {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile("^### `vcheck (.+?)( --json)?`")
	typeHeading := regexp.MustCompile("^### JSON type `([a-z]+)`")
	row := regexp.MustCompile("^\\| `([^`]+)` \\| ([a-z ]+) \\|")
	out := map[string]schema{}
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			cur = ""
			if m := typeHeading.FindStringSubmatch(line); m != nil {
				cur = "type " + m[1]
				out[cur] = schema{}
			}
			if m := heading.FindStringSubmatch(line); m != nil && m[2] != "" {
				cur = strings.Replace(m[1], " --fields --json", " --fields", 1)
				cur = strings.TrimSuffix(cur, " --json")
				out[cur] = schema{}
			}
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil && cur != "" {
			out[cur][m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out
}

// TestDocumentedJSONMatchesCode: docs/cli.md documents exactly the fields
// each command's --json output type has, with their JSON types.
func TestDocumentedJSONMatchesCode(t *testing.T) {
	docs := docSchemas(t)
	for name, typ := range jsonOutputs {
		doc, ok := docs[name]
		if !ok {
			t.Errorf("docs/cli.md has no \"### `vcheck %s --json`\" table; the code's fields are:\n%s", name, schemaOf(typ))
			continue
		}
		code := schemaOf(typ)
		for path, ty := range code {
			if d, ok := doc[path]; !ok {
				t.Errorf("%s: field %s (%s) is not in docs/cli.md", name, path, ty)
			} else if d != ty {
				t.Errorf("%s: field %s is a %s, docs/cli.md says %s", name, path, ty, d)
			}
		}
		for path := range doc {
			if _, ok := code[path]; !ok {
				t.Errorf("%s: docs/cli.md documents %s, which the output does not have", name, path)
			}
		}
	}
	for typ, name := range namedJSONTypes {
		doc, ok := docs["type "+name]
		if !ok {
			t.Errorf("docs/cli.md has no \"### JSON type `%s`\" table; its fields are:\n%s", name, schemaOf(typ))
			continue
		}
		code := schemaOf(typ)
		for path, ty := range code {
			if d := doc[path]; d != ty {
				t.Errorf("type %s: field %s is a %s, docs/cli.md says %q", name, path, ty, d)
			}
		}
		for path := range doc {
			if _, ok := code[path]; !ok {
				t.Errorf("type %s: docs/cli.md documents %s, which the type does not have", name, path)
			}
		}
	}
	for name := range docs {
		if _, ok := jsonOutputs[strings.TrimPrefix(name, "type ")]; !ok && !strings.HasPrefix(name, "type ") {
			t.Errorf("docs/cli.md documents the JSON of %q, which is no command", name)
		}
	}
	for name := range commands {
		if _, ok := jsonOutputs[name]; !ok {
			t.Errorf("command %s has no entry in jsonOutputs (and so no documented JSON)", name)
		}
	}
}

// String lists a schema as docs/cli.md rows, for the message above.
func (s schema) String() string {
	var paths []string
	for p := range s {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "| `%s` | %s | |\n", p, s[p])
	}
	return b.String()
}

// observed walks a decoded JSON value and checks every field it holds
// against the documented schema: the field is documented, and its value
// has the documented JSON type. Maps are not walked into.
func observed(t *testing.T, cmd string, doc schema, v any, prefix string) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			ty, ok := doc[path]
			if !ok {
				t.Errorf("%s --json: field %s is not documented in docs/cli.md", cmd, path)
				continue
			}
			if got := valueType(x); !typeMatches(got, ty) {
				t.Errorf("%s --json: field %s is a %s, documented as %s", cmd, path, got, ty)
			}
			switch elem := strings.TrimPrefix(ty, "array of "); {
			case strings.HasPrefix(ty, "map of"):
			case docSchemaFor(elem) != nil:
				// A named type: its fields are checked against its own table.
				if xs, ok := x.([]any); ok {
					for _, x := range xs {
						observed(t, cmd+" ("+elem+")", docSchemaFor(elem), x, "")
					}
				} else {
					observed(t, cmd+" ("+elem+")", docSchemaFor(elem), x, "")
				}
			default:
				observed(t, cmd, doc, x, path)
			}
		}
	case []any:
		for _, x := range v {
			observed(t, cmd, doc, x, prefix+"[]")
		}
	}
}

// docSchemaFor is the documented schema of a named type, or nil.
var docSchemaFor func(name string) schema

func valueType(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		if len(v) == 0 {
			return "array"
		}
		return "array of " + valueType(v[0])
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// typeMatches: an empty array matches any array type, an object matches
// a map.
func typeMatches(got, doc string) bool {
	for _, n := range namedJSONTypes {
		doc = strings.Replace(doc, n, "object", 1)
	}
	switch {
	case got == doc:
		return true
	case got == "array":
		return strings.HasPrefix(doc, "array of")
	case got == "object":
		return strings.HasPrefix(doc, "map of")
	}
	return false
}

// checkJSONOutput parses out as the one JSON document cmd writes and
// checks it against docs/cli.md.
func checkJSONOutput(t *testing.T, cmd, out string) map[string]any {
	t.Helper()
	docs := docSchemas(t)
	docSchemaFor = func(name string) schema { return docs["type "+name] }
	doc := docs[cmd]
	if doc == nil {
		t.Fatalf("docs/cli.md has no JSON table for %s", cmd)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s --json: stdout is not JSON: %v\n%.500s", cmd, err, out)
	}
	if dec.More() {
		t.Errorf("%s --json: more than one JSON document on stdout", cmd)
	}
	observed(t, cmd, doc, v, "")
	return v
}
