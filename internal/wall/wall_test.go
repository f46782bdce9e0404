package wall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// listedPackage is the part of `go list -json`'s Package struct (see
// `go help list`) the wall needs.
type listedPackage struct {
	ImportPath string
	Name       string
	Standard   bool
	ForTest    string
	Imports    []string
	Deps       []string // every package imported directly or transitively
}

// basePath strips the test-variant suffix `go list -test` adds, so that
// "m/impl/x [m/impl/x.test]" counts as m/impl/x: a test's imports are
// held to the same wall as the package's own.
func basePath(p string) string {
	if i := strings.Index(p, " ["); i >= 0 {
		return p[:i]
	}
	return p
}

// under reports whether path is dir or below it ("m/impl" is not below
// "m/im", nor "m/implx" below "m/impl").
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// isStandard reports whether an import path is in the standard library:
// the package's own Standard flag when go list reported it, and
// otherwise Go's rule that only standard paths have no dot in their first
// element.
func isStandard(path string, std map[string]bool) bool {
	if s, ok := std[path]; ok {
		return s
	}
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// rule is one row of the table in doc.go.
type rule struct {
	pattern    string
	may, tests []string // patterns; "*" anything
}

// ruleColumnsRE separates the columns of a row: two or more spaces;
// items inside a column are separated by single spaces.
var ruleColumnsRE = regexp.MustCompile(`\s{2,}`)

// parseRules reads the table of a package doc comment: the indented
// lines after the one that starts with "package", up to a blank line.
func parseRules(doc string) ([]rule, error) {
	var rules []rule
	in := false
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "\t") {
			if in {
				break
			}
			continue
		}
		cols := ruleColumnsRE.Split(strings.TrimSpace(line), -1)
		if !in {
			in = len(cols) == 3 && cols[0] == "package"
			continue
		}
		if len(cols) != 3 {
			return nil, fmt.Errorf("table row %q: want 3 columns separated by two or more spaces", line)
		}
		items := func(col string) []string {
			if col == "-" {
				return nil
			}
			return strings.Fields(col)
		}
		rules = append(rules, rule{pattern: cols[0], may: items(cols[1]), tests: items(cols[2])})
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("no table in the doc comment (a tab-indented header line starting with \"package\")")
	}
	return rules, nil
}

// docRules parses the table in this package's doc.go.
func docRules(t *testing.T) []rule {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := parseRules(f.Doc.Text())
	if err != nil {
		t.Fatalf("doc.go: %v", err)
	}
	return rules
}

// matches reports whether pattern covers path (relative to the module
// when it has no dot, else a full import path).
func matches(pattern, module, path string) bool {
	if pattern == "*" {
		return true
	}
	first, _, _ := strings.Cut(pattern, "/")
	if !strings.Contains(first, ".") {
		pattern = module + "/" + pattern
	}
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return under(path, p)
	}
	return path == pattern
}

func matchesAny(patterns []string, module, path string) bool {
	for _, p := range patterns {
		if matches(p, module, path) {
			return true
		}
	}
	return false
}

// checkWall returns one message per wall violation in pkgs, a `go list
// -deps -test` listing of module, under rules.
func checkWall(module string, rules []rule, pkgs []listedPackage) []string {
	impl, refmodel := module+"/impl", module+"/refmodel"
	std := map[string]bool{}
	imports := map[string][]string{}
	for _, p := range pkgs {
		std[basePath(p.ImportPath)] = p.Standard
		imports[p.ImportPath] = p.Imports
	}
	seen := map[string]bool{}
	var out []string
	add := func(msg string) {
		if !seen[msg] {
			seen[msg] = true
			out = append(out, msg)
		}
	}
	report := func(from, to, why string, p listedPackage) {
		add(fmt.Sprintf("%s imports %s (%s); import chain: %s", basePath(from), to, why, chain(imports, p.ImportPath, to)))
	}
	for _, p := range pkgs {
		from := basePath(p.ImportPath)
		if p.Name == "main" && strings.HasSuffix(from, ".test") {
			continue // the generated test main; its variants are checked themselves
		}
		if p.Standard || !under(from, module) {
			continue
		}
		// A test variant: the package with its _test.go files
		// ("m/x [m/x.test]") or its _test package ("m/x_test
		// [m/x.test]"), held to the row of m/x with its tests column.
		// A package recompiled for another's test ("m/y [m/x.test]")
		// has its own imports and row.
		owner, test := from, false
		if p.ForTest != "" && (from == p.ForTest || from == p.ForTest+"_test") {
			owner, test = p.ForTest, true
		}
		var r *rule
		for i := range rules {
			if matches(rules[i].pattern, module, owner) {
				r = &rules[i]
				break
			}
		}
		if r == nil {
			add(fmt.Sprintf("%s: no row of internal/wall's table covers it; give it one", owner))
		} else {
			for _, imp := range p.Imports {
				dep := basePath(imp)
				if isStandard(dep, std) || dep == owner || matchesAny(r.may, module, dep) || test && matchesAny(r.tests, module, dep) {
					continue
				}
				if test && slices.Contains(imports[owner], dep) {
					continue // the package itself imports it: reported once, for the package
				}
				allow := append([]string{"the standard library"}, r.may...)
				kind := ""
				if test {
					allow = append(allow, r.tests...)
					kind = " (in a test)"
				}
				add(fmt.Sprintf("%s%s imports %s: its row of internal/wall's table (%s) allows %s", from, kind, dep, r.pattern, strings.Join(allow, ", ")))
			}
		}
		bothOK := test || matches("internal/targets", module, from) || matches("cmd/...", module, from)
		var sawImpl, sawRef string
		for _, d := range p.Deps {
			dep := basePath(d)
			switch {
			case under(from, impl) && under(dep, refmodel):
				report(p.ImportPath, dep, "impl/... must not depend on refmodel/...", p)
			case under(from, refmodel) && under(dep, impl):
				report(p.ImportPath, dep, "refmodel/... must not depend on impl/...", p)
			}
			if under(dep, impl) {
				sawImpl = dep
			}
			if under(dep, refmodel) {
				sawRef = dep
			}
		}
		if !bothOK && sawImpl != "" && sawRef != "" {
			add(fmt.Sprintf("%s depends on both implementations (%s; %s): only internal/targets and cmd/... may", from,
				chain(imports, p.ImportPath, sawImpl), chain(imports, p.ImportPath, sawRef)))
		}
	}
	sort.Strings(out)
	return out
}

// chain returns a shortest import path from one package to another, for
// the message: "a -> b -> c".
func chain(imports map[string][]string, from, to string) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if basePath(cur) == to {
			var path []string
			for n := cur; n != ""; n = prev[n] {
				path = append([]string{basePath(n)}, path...)
			}
			return strings.Join(path, " -> ")
		}
		for _, next := range imports[cur] {
			if _, ok := prev[next]; !ok {
				prev[next] = cur
				queue = append(queue, next)
			}
		}
	}
	return basePath(from) + " -> ... -> " + to
}

// goList runs `go list -e -deps -test -json ./...` in dir and returns the
// module path and its packages. -e keeps one broken package (someone's
// work in progress) from hiding the wall of all the others.
func goList(t *testing.T, dir string) (string, []listedPackage) {
	t.Helper()
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
		}
		return out
	}
	module := strings.TrimSpace(string(run("list", "-m")))
	dec := json.NewDecoder(bytes.NewReader(run("list", "-e", "-deps", "-test", "-json", "./...")))
	var pkgs []listedPackage
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return module, pkgs
}

// TestWall is the check CI runs on the real module.
func TestWall(t *testing.T) {
	rules := docRules(t)
	module, pkgs := goList(t, filepath.Join("..", ".."))
	if module != "github.com/vcheck-dev/vcheck" {
		t.Fatalf("go list -m = %q; is the test running inside the vcheck module?", module)
	}
	// The check must have looked at spec and at test variants at least,
	// or it proves nothing.
	sawSpec, sawTest := false, false
	for _, p := range pkgs {
		sawSpec = sawSpec || basePath(p.ImportPath) == module+"/spec"
		sawTest = sawTest || p.ForTest == module+"/impl/engine"
	}
	if !sawSpec || !sawTest {
		t.Fatalf("go list found no %s/spec package or no test of impl/engine among %d", module, len(pkgs))
	}
	for _, v := range checkWall(module, rules, pkgs) {
		t.Error(v)
	}
}

// The table parses, and says what docs/architecture.md's layers need.
func TestTable(t *testing.T) {
	rules := docRules(t)
	if len(rules) < 10 {
		t.Fatalf("only %d rows", len(rules))
	}
	row := map[string]rule{}
	for _, r := range rules {
		row[r.pattern] = r
	}
	for pattern, may := range map[string]string{
		"spec/...":         "spec/...",
		"diff":             "spec/... github.com/google/go-cmp/...",
		"diff/...":         "spec/... diff",
		"toolchain/...":    "spec/... toolchain/...",
		"internal/targets": "spec/... diff/... refmodel/... impl/...",
	} {
		if got := strings.Join(row[pattern].may, " "); got != may {
			t.Errorf("row %s may import %q, want %q", pattern, got, may)
		}
	}
	for _, bad := range []string{
		"\tpackage  may import  tests\n\tspec/...  spec/...\n",
		"no table here\n",
	} {
		if _, err := parseRules(bad); err == nil {
			t.Errorf("parseRules(%q): no error", bad)
		}
	}
}

func TestCheckWallSynthetic(t *testing.T) {
	rules := docRules(t)
	const m = "example.com/m"
	stdlib := func(paths ...string) []listedPackage {
		var ps []listedPackage
		for _, p := range paths {
			ps = append(ps, listedPackage{ImportPath: p, Standard: true})
		}
		return ps
	}
	pkg := func(path string, imports ...string) listedPackage {
		p := listedPackage{ImportPath: m + "/" + path}
		for _, i := range imports {
			if strings.Contains(strings.Split(i, "/")[0], ".") || i == "fmt" || i == "os" || i == "net" {
				p.Imports = append(p.Imports, i) // third-party or standard
				continue
			}
			p.Imports = append(p.Imports, m+"/"+i)
		}
		p.Deps = p.Imports
		return p
	}
	// testOf is the test variant of m/path: "m/path [m/path.test]", or
	// with xtest its _test package.
	testOf := func(path string, xtest bool, imports ...string) listedPackage {
		p := pkg(path, imports...)
		p.ForTest = m + "/" + path
		name := m + "/" + path
		if xtest {
			name += "_test"
		}
		p.ImportPath = name + " [" + m + "/" + path + ".test]"
		return p
	}
	withDeps := func(p listedPackage, deps ...string) listedPackage {
		for _, d := range deps {
			p.Deps = append(p.Deps, m+"/"+d)
		}
		return p
	}
	tests := []struct {
		name string
		pkgs []listedPackage
		want []string // each must appear in some message, and there must be no other message
	}{
		{"clean", append(stdlib("fmt", "os", "net"),
			pkg("impl/engine", "spec", "impl/devices"),
			pkg("impl/devices", "spec"),
			pkg("impl/vmm", "impl/engine", "impl/devices", "spec", "fmt"),
			testOf("impl/engine", false, "corpus", "internal/testtool", "toolchain/asm"),
			testOf("impl/engine", true, "impl/engine", "corpus"),
			pkg("refmodel", "spec", "refmodel/devices", "os"),
			pkg("refmodel/devices", "spec"),
			testOf("refmodel", false, "toolchain/asm", "toolchain/cpp", "internal/testtool"),
			pkg("spec/boot", "spec/fdt", "fmt"),
			pkg("spec"), pkg("spec/fdt"), pkg("spec/load", "spec"),
			testOf("spec/load", false, "internal/testtool"),
			pkg("toolchain/asm", "spec/load", "spec"),
			pkg("toolchain/cpp"),
			testOf("toolchain/cpp", true, "toolchain/asm", "toolchain/cpp", "internal/testtool"),
			pkg("diff", "github.com/google/go-cmp/cmp", "spec"),
			pkg("diff/gdb", "diff", "spec", "net"),
			withDeps(testOf("diff", true, "fuzz", "internal/targets", "pg"), "refmodel", "impl/engine"),
			pkg("corpus", "toolchain/asm", "spec"),
			withDeps(testOf("corpus", true, "internal/targets", "fuzz"), "refmodel", "impl/engine"),
			pkg("pg", "refmodel", "spec", "toolchain/asm"),
			pkg("fuzz", "diff", "spec/boot", "pgregory.net/rapid", "github.com/google/go-cmp/cmp"),
			withDeps(testOf("fuzz", true, "internal/targets", "github.com/leanovate/gopter"), "refmodel", "impl/engine"),
			pkg("internal/targets", "diff", "refmodel", "impl/engine", "impl/vmm", "spec"),
			pkg("internal/testtool", "os"),
			pkg("internal/tlacheck", "os"),
			testOf("internal/tlacheck", false, "internal/testtool"),
			pkg("cmd/vcheck", "refmodel", "impl/engine", "fuzz", "internal/targets", "toolchain/disasm", "github.com/x/y"),
			listedPackage{ImportPath: m + "/cmd/vcheck.test", Name: "main", Imports: []string{m + "/refmodel"}},
		), nil},
		{"impl imports refmodel directly", []listedPackage{
			{ImportPath: m + "/impl/engine", Imports: []string{m + "/refmodel"}, Deps: []string{m + "/refmodel"}},
		}, []string{
			m + "/impl/engine imports " + m + "/refmodel (impl/... must not depend on refmodel/...); import chain: " + m + "/impl/engine -> " + m + "/refmodel",
			m + "/impl/engine imports " + m + "/refmodel: its row of internal/wall's table (impl/engine/...) allows the standard library, spec/..., impl/engine/..., impl/devices/...",
		}},
		{"impl imports refmodel through a helper", []listedPackage{
			{ImportPath: m + "/impl/vmm", Imports: []string{m + "/util"}, Deps: []string{m + "/util", m + "/refmodel/devices"}},
			{ImportPath: m + "/util", Imports: []string{m + "/refmodel/devices"}, Deps: []string{m + "/refmodel/devices"}},
		}, []string{
			"import chain: " + m + "/impl/vmm -> " + m + "/util -> " + m + "/refmodel/devices",
			m + "/impl/vmm imports " + m + "/util: its row",
			m + "/util: no row of internal/wall's table covers it",
		}},
		{"refmodel imports impl", []listedPackage{
			{ImportPath: m + "/refmodel/vmm", Deps: []string{m + "/impl/engine"}},
		}, []string{"refmodel/... must not depend on impl/..."}},
		{"a test of impl imports refmodel", []listedPackage{
			withDeps(testOf("impl/engine", false, "refmodel")),
			{ImportPath: m + "/impl/engine.test", Name: "main", Deps: []string{m + "/refmodel"}},
		}, []string{
			m + "/impl/engine imports " + m + "/refmodel (impl/... must not",
			m + "/impl/engine (in a test) imports " + m + "/refmodel: its row",
		}},
		{"spec imports a third-party module", append(stdlib("fmt"),
			listedPackage{ImportPath: m + "/spec/fdt", Imports: []string{"fmt", "golang.org/x/exp/slices"}, Deps: []string{"fmt", "golang.org/x/exp/slices"}},
			listedPackage{ImportPath: "golang.org/x/exp/slices"},
		), []string{m + "/spec/fdt imports golang.org/x/exp/slices: its row of internal/wall's table (spec/...) allows the standard library, spec/..."}},
		{"spec imports another part of the module", []listedPackage{
			pkg("spec", "diff"), pkg("diff"),
		}, []string{m + "/spec imports " + m + "/diff: its row"}},
		{"spec's tests may use testtool, nothing else", []listedPackage{
			testOf("spec/boot", false, "internal/testtool", "toolchain/asm"),
		}, []string{m + "/spec/boot (in a test) imports " + m + "/toolchain/asm"}},
		{"diff imports an implementation", []listedPackage{
			pkg("diff", "spec", "refmodel"),
		}, []string{m + "/diff imports " + m + "/refmodel: its row of internal/wall's table (diff)"}},
		{"diff's adapters import diff and spec only", []listedPackage{
			pkg("diff/rvfi", "diff", "spec", "fuzz"),
		}, []string{m + "/diff/rvfi imports " + m + "/fuzz: its row of internal/wall's table (diff/...)"}},
		{"toolchain imports only spec", []listedPackage{
			pkg("toolchain/disasm", "spec", "refmodel/devices", "internal/testtool"),
			testOf("toolchain/disasm", false, "internal/testtool", "corpus"),
		}, []string{
			m + "/toolchain/disasm imports " + m + "/refmodel/devices",
			m + "/toolchain/disasm imports " + m + "/internal/testtool",
			m + "/toolchain/disasm (in a test) imports " + m + "/corpus",
		}},
		{"impl's layers", []listedPackage{
			pkg("impl/engine", "impl/vmm", "diff"),
			pkg("impl/devices", "impl/engine"),
			pkg("impl/vmm", "impl/engine", "impl/devices", "spec"),
		}, []string{
			m + "/impl/engine imports " + m + "/impl/vmm",
			m + "/impl/engine imports " + m + "/diff",
			m + "/impl/devices imports " + m + "/impl/engine",
		}},
		{"impl's tests use neither fuzz nor diff", []listedPackage{
			testOf("impl/engine", true, "corpus", "fuzz"),
		}, []string{m + "/impl/engine_test (in a test) imports " + m + "/fuzz"}},
		{"refmodel's tests use neither fuzz nor diff", []listedPackage{
			testOf("refmodel", false, "toolchain/asm", "diff"),
		}, []string{m + "/refmodel (in a test) imports " + m + "/diff"}},
		{"fuzz imports an implementation outside its tests", []listedPackage{
			pkg("fuzz", "diff", "refmodel"),
		}, []string{m + "/fuzz imports " + m + "/refmodel: its row"}},
		{"a package recompiled for another's test keeps its own row", []listedPackage{
			{ImportPath: m + "/diff [" + m + "/impl/engine.test]", ForTest: m + "/impl/engine", Imports: []string{m + "/spec", m + "/refmodel [" + m + "/impl/engine.test]"}},
		}, []string{m + "/diff imports " + m + "/refmodel: its row of internal/wall's table (diff)"}},
		{"only internal/targets depends on both", []listedPackage{
			withDeps(pkg("corpus", "internal/targets"), "refmodel", "impl/engine"),
			withDeps(pkg("internal/targets", "refmodel", "impl/engine", "diff")),
		}, []string{
			m + "/corpus imports " + m + "/internal/targets: its row",
			m + "/corpus depends on both implementations",
		}},
		{"a package the table does not name", []listedPackage{
			pkg("implx", "refmodel"),
		}, []string{m + "/implx: no row"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkWall(m, rules, tt.pkgs)
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					found = found || strings.Contains(g, w)
				}
				if !found {
					t.Errorf("no violation mentions %q; got:\n%s", w, strings.Join(got, "\n"))
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d violations, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
		})
	}
}

// TestWallOnScratchModule proves the whole path, go list included, catches
// real bad imports: a throwaway module where impl/engine reaches
// refmodel through a helper, only from a test file, a test of refmodel
// imports impl, spec imports a sibling package, and two packages have no
// row.
func TestWallOnScratchModule(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                   "module example.com/scratch\n\ngo 1.22\n",
		"spec/spec.go":             "package spec\n\nimport _ \"example.com/scratch/diff\"\n",
		"diff/diff.go":             "package diff\n",
		"refmodel/ref.go":          "package refmodel\n",
		"helper/helper.go":         "package helper\n\nimport _ \"example.com/scratch/refmodel\"\n",
		"impl/engine/engine.go":    "package engine\n\nimport _ \"example.com/scratch/spec\"\n",
		"impl/engine/x_test.go":    "package engine\n\nimport _ \"example.com/scratch/helper\"\n",
		"impl/clean/clean.go":      "package clean\n\nimport _ \"fmt\"\n",
		"refmodel/vmm/vmm.go":      "package vmm\n",
		"refmodel/vmm/vmm_test.go": "package vmm_test\n\nimport _ \"example.com/scratch/impl/clean\"\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	module, pkgs := goList(t, dir)
	got := checkWall(module, docRules(t), pkgs)
	const s = "example.com/scratch"
	want := []string{
		s + "/helper: no row",
		s + "/impl/clean: no row",
		s + "/impl/engine (in a test) imports " + s + "/helper: its row of internal/wall's table (impl/engine/...)",
		s + "/impl/engine imports " + s + "/refmodel (impl/... must not depend on refmodel/...); import chain: " + s + "/impl/engine -> " + s + "/helper -> " + s + "/refmodel",
		s + "/refmodel/vmm_test (in a test) imports " + s + "/impl/clean: its row of internal/wall's table (refmodel/...)",
		s + "/refmodel/vmm_test imports " + s + "/impl/clean (refmodel/... must not depend on impl/...)",
		s + "/spec imports " + s + "/diff: its row of internal/wall's table (spec/...)",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("missing violation %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}
