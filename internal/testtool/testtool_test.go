package testtool

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// recorder is a testing.TB that remembers how the test ended.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = format
}
func (r *recorder) Fatal(args ...any) { r.failed = true }
func (r *recorder) Skip(args ...any)  { r.skipped = true }

// withList replaces packages.txt for one test.
func withList(t *testing.T, text string) {
	old := listText
	listText = text
	t.Cleanup(func() { listText = old })
}

func TestMissingToolFailsUnderCI(t *testing.T) {
	withList(t, "deb none vcheck-no-such-tool\ndeb none /nonexistent/fw_jump.elf\ndeb sh sh\n")
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Tool(r, "vcheck-no-such-tool")
	if !r.failed || r.skipped {
		t.Fatalf("under CI=true a missing tool must fail: %+v", r)
	}
	r = &recorder{TB: t}
	File(r, "/nonexistent/fw_jump.elf")
	if !r.failed || r.skipped {
		t.Fatalf("under CI=true a missing file must fail: %+v", r)
	}
	r = &recorder{TB: t}
	Supported(r, false, "block compiler")
	if !r.failed || r.skipped {
		t.Fatalf("under CI=true an unsupported build must fail: %+v", r)
	}
	t.Setenv("CI", "")
	r = &recorder{TB: t}
	Tool(r, "vcheck-no-such-tool")
	if r.failed || !r.skipped {
		t.Fatalf("outside CI a missing tool must skip: %+v", r)
	}
	r = &recorder{TB: t}
	File(r, "/nonexistent/fw_jump.elf")
	if r.failed || !r.skipped {
		t.Fatal("a missing file must skip outside CI")
	}
	r = &recorder{TB: t}
	if p := Tool(r, "sh"); p == "" || r.failed || r.skipped {
		t.Fatalf("an installed tool must be found: %q %+v", p, r)
	}
	r = &recorder{TB: t}
	Supported(r, true, "block compiler")
	if r.failed || r.skipped {
		t.Fatalf("a supported build must run: %+v", r)
	}
}

// A name that is not on the list fails everywhere, installed or not:
// the test command would not install it on a fresh machine.
func TestUnlistedFails(t *testing.T) {
	t.Setenv("CI", "")
	for _, c := range []struct {
		call func(testing.TB, string) string
		name string
	}{
		{Tool, "sh"}, // installed, but not listed
		{Tool, "vcheck-no-such-tool"},
		{File, "/bin/sh"},
		{File, "go.mod"},
		{Tool, "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"}, // a file, asked for as a tool
		{File, "riscv64-unknown-elf-gcc"},                                // a tool, asked for as a file
	} {
		r := &recorder{TB: t}
		c.call(r, c.name)
		if !r.failed || r.skipped || !strings.Contains(r.msg, "not in") {
			t.Errorf("%q: an unlisted name must fail: %+v", c.name, r)
		}
	}
}

func TestList(t *testing.T) {
	items, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"riscv64-unknown-elf-gcc", "qemu-system-riscv64", "/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs"} {
		if Package(want) == "" {
			t.Errorf("%s is not listed", want)
		}
	}
	if got := Package("riscv64-unknown-elf-objdump"); got != "binutils-riscv64-unknown-elf" {
		t.Errorf("Package(objdump) = %q", got)
	}
	if Package("vcheck-no-such-tool") != "" {
		t.Error("an unlisted tool has a package")
	}
	// Relative paths are npm files under the repository; the list
	// resolves them against its root.
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Manager == "npm" && (filepath.IsAbs(it.Name) || !strings.HasPrefix(it.Name, "tla/runner/node_modules/"+it.Package+"/")) {
			t.Errorf("npm item %s is not under tla/runner/node_modules/%s", it.Name, it.Package)
		}
		if it.Manager == "deb" && strings.Contains(it.Name, "/") && !filepath.IsAbs(it.Name) {
			t.Errorf("deb item %s: a file must be an absolute path", it.Name)
		}
	}
	if _, err := os.Stat(filepath.Join(root, ListFile)); err != nil {
		t.Errorf("ListFile: %v", err)
	}
	for _, bad := range []string{"", "deb onlytwo\n", "apt x y\n", "deb a x\ndeb b x\n"} {
		if _, err := parseList(bad); err == nil {
			t.Errorf("parseList(%q): no error", bad)
		}
	}
}

// testFile is one parsed *_test.go of the repository.
type testFile struct {
	path string // relative to the root
	fset *token.FileSet
	file *ast.File
	src  []byte
}

// repoTests parses every *_test.go under the repository root, build tags
// ignored (an opt-in's files are held to the same rules), and returns
// them with, for each directory, its constants (name -> every expression
// declared under that name, at any scope).
func repoTests(t *testing.T) ([]testFile, map[string]consts) {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	var files []testFile
	byDir := map[string]consts{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.Dir(rel)
		if byDir[dir] == nil {
			byDir[dir] = consts{}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			g, ok := n.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				return true
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i < len(vs.Values) {
						byDir[dir][id.Name] = append(byDir[dir][id.Name], vs.Values[i])
					}
				}
			}
			return true
		})
		if strings.HasSuffix(name, "_test.go") {
			files = append(files, testFile{rel, fset, f, src})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found only %d test files under %s", len(files), root)
	}
	return files, byDir
}

// consts maps a constant's name to every expression declared under it in
// one directory.
type consts map[string][]ast.Expr

// constString evaluates a string constant expression: literals, named
// constants of the same directory (when every declaration of the name
// has the same value), and + of those.
func constString(e ast.Expr, cs consts, depth int) (string, bool) {
	if depth > 10 {
		return "", false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return constString(e.X, cs, depth+1)
	case *ast.Ident:
		vals := cs[e.Name]
		if len(vals) == 0 {
			return "", false
		}
		v, ok := constString(vals[0], cs, depth+1)
		for _, o := range vals[1:] {
			w, ok2 := constString(o, cs, depth+1)
			ok = ok && ok2 && w == v
		}
		return v, ok
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			a, ok1 := constString(e.X, cs, depth+1)
			b, ok2 := constString(e.Y, cs, depth+1)
			return a + b, ok1 && ok2
		}
	}
	return "", false
}

// importName is the name under which f imports path, or "".
func importName(f *ast.File, path string) string {
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == path {
			if im.Name != nil {
				return im.Name.Name
			}
			return filepath.Base(path)
		}
	}
	return ""
}

// calls returns the calls pkg.Fn(...) in f, pkg being f's name for the
// import path.
func calls(f *ast.File, path string, fns ...string) []*ast.CallExpr {
	name := importName(f, path)
	if name == "" {
		return nil
	}
	var out []*ast.CallExpr
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == name {
				for _, fn := range fns {
					if sel.Sel.Name == fn {
						out = append(out, c)
					}
				}
			}
		}
		return true
	})
	return out
}

// TestEveryRequestIsListed: every testtool.Tool and testtool.File call in
// the repository's tests whose argument is a constant names an item of
// packages.txt, as the right kind (a program, or a file). A call with a
// computed argument is held to the list when it runs (TestUnlistedFails),
// and under CI=true every test runs.
func TestEveryRequestIsListed(t *testing.T) {
	files, byDir := repoTests(t)
	checked, computed := 0, 0
	for _, tf := range files {
		for _, c := range calls(tf.file, "github.com/vcheck-dev/vcheck/internal/testtool", "Tool", "File") {
			fn := c.Fun.(*ast.SelectorExpr).Sel.Name
			pos := tf.fset.Position(c.Pos())
			where := fmt.Sprintf("%s:%d", tf.path, pos.Line)
			if len(c.Args) != 2 {
				t.Errorf("%s: testtool.%s with %d arguments", where, fn, len(c.Args))
				continue
			}
			name, ok := constString(c.Args[1], byDir[filepath.Dir(tf.path)], 0)
			if !ok {
				computed++
				continue
			}
			checked++
			if Package(name) == "" {
				t.Errorf("%s: testtool.%s(%q): not in %s", where, fn, name, ListFile)
			}
			if isFile := strings.Contains(name, "/"); isFile != (fn == "File") {
				t.Errorf("%s: testtool.%s(%q): programs go to Tool, files to File", where, fn, name)
			}
		}
	}
	t.Logf("%d calls checked here, %d with a computed argument", checked, computed)
	if checked < 20 {
		t.Errorf("only %d testtool.Tool/File calls with a constant argument: the scan is not finding them", checked)
	}
}

// TestNoSkipOutsideTesttool: the rule lives here only. No test skips by
// itself (so none can skip under CI=true), reads CI, looks a program up
// on the PATH or runs one by name without asking testtool for it.
func TestNoSkipOutsideTesttool(t *testing.T) {
	files, _ := repoTests(t)
	var bad []string
	for _, tf := range files {
		if filepath.Dir(tf.path) == filepath.FromSlash("internal/testtool") {
			continue
		}
		report := func(n ast.Node, format string, args ...any) {
			bad = append(bad, fmt.Sprintf("%s:%d: %s", tf.path, tf.fset.Position(n.Pos()).Line, fmt.Sprintf(format, args...)))
		}
		ast.Inspect(tf.file, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
				switch sel.Sel.Name {
				case "Skip", "Skipf", "SkipNow":
					report(c, "%s: a test that cannot run must ask internal/testtool (Tool, File, Supported) or be an opt-in (testtool.OptIns)", sel.Sel.Name)
				}
			}
			return true
		})
		for _, c := range calls(tf.file, "os", "Getenv", "LookupEnv") {
			if s, ok := c.Args[0].(*ast.BasicLit); ok && s.Value == `"CI"` {
				report(c, "reads CI itself: use testtool.Tool/File/Required")
			}
		}
		for _, c := range calls(tf.file, "os/exec", "LookPath") {
			report(c, "exec.LookPath: use testtool.Tool, so the tool is on the list and missing it fails under CI=true")
		}
		for _, c := range calls(tf.file, "os/exec", "Command", "CommandContext") {
			arg := 0
			if c.Fun.(*ast.SelectorExpr).Sel.Name == "CommandContext" {
				arg = 1
			}
			if len(c.Args) > arg {
				if s, ok := c.Args[arg].(*ast.BasicLit); ok && s.Kind == token.STRING && s.Value != `"go"` && s.Value != `"sh"` {
					report(c, "runs %s by name: take its path from testtool.Tool", s.Value)
				}
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

var buildTagRE = regexp.MustCompile(`(?m)^//go:build (.*)$`)

// TestOptInsDocumented: every build tag a test file uses is an opt-in
// (or a platform, or the mutant build scripts/test.sh runs), every opt-in
// has test files, and docs/testing.md says how to run each.
func TestOptInsDocumented(t *testing.T) {
	files, _ := repoTests(t)
	known := map[string]bool{"vcheck_mutant": true, "race": true, "ignore": true, "linux": true, "amd64": true}
	used := map[string]bool{}
	for _, o := range OptIns {
		known[o.Tag] = true
	}
	for _, tf := range files {
		m := buildTagRE.FindSubmatch(tf.src)
		if m == nil {
			continue
		}
		for _, tag := range regexp.MustCompile(`\w+`).FindAllString(string(m[1]), -1) {
			used[tag] = true
			if !known[tag] {
				t.Errorf("%s: build tag %q is not an opt-in (testtool.OptIns) and CI never builds it", tf.path, tag)
			}
		}
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "testing.md"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "scripts", "test.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range OptIns {
		if !used[o.Tag] {
			t.Errorf("opt-in %s: no test file has //go:build %s", o.Tag, o.Tag)
		}
		if !strings.Contains(string(doc), "-tags "+o.Tag) {
			t.Errorf("docs/testing.md does not say how to run the opt-in %s (-tags %s)", o.Tag, o.Tag)
		}
		if o.Var != "" && !strings.Contains(string(doc), o.Var) {
			t.Errorf("docs/testing.md does not name %s, which the opt-in %s needs", o.Var, o.Tag)
		}
		if strings.Contains(string(script), "-tags "+o.Tag) {
			t.Errorf("scripts/test.sh runs the opt-in %s: CI cannot provide it, so it is not an opt-in", o.Tag)
		}
	}
	if !strings.Contains(string(script), ListFile) {
		t.Errorf("scripts/test.sh does not read %s", ListFile)
	}
}
