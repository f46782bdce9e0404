// Package testtool states, in one place, the rule for what vcheck's tests
// need from outside Go (GNU binutils and gcc, picolibc, QEMU, dtc,
// OpenSBI, U-Boot, node and the npm TLA+ checker):
//
//   - packages.txt, beside this file, is the one list of those tools and
//     files and of the package that installs each. scripts/test.sh (the
//     README's test command) installs every package on it and then sets
//     CI=true; Tool and File refuse any name that is not on it, and
//     TestEveryRequestIsListed checks every call in the repository.
//   - Under CI=true a missing tool fails the test; anywhere else the test
//     is skipped with a message naming the package. No test calls t.Skip
//     itself (TestNoSkipOutsideTesttool), so no test skips under CI=true.
//   - What CI cannot install (riscv-tests, TLC) or cannot afford (the long
//     firmware boots) is an opt-in: its tests are compiled only with a
//     build tag (OptIns; docs/testing.md lists them), and under that tag
//     a missing input fails.
//
// It only finds files; every layer's tests may import it (internal/wall).
package testtool

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

//go:embed packages.txt
var listText string

// ListFile is the list's path in the repository.
const ListFile = "internal/testtool/packages.txt"

// Item is one line of packages.txt: something a test asks for, and the
// package that installs it.
type Item struct {
	Manager string // "deb" (apt-get) or "npm" (tla/runner's package-lock.json)
	Package string
	Name    string // a program on the PATH (no slash), or a file
}

// List returns the items of packages.txt in order, or an error naming the
// first malformed line.
func List() ([]Item, error) { return parseList(listText) }

func parseList(text string) ([]Item, error) {
	var items []Item
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || (f[0] != "deb" && f[0] != "npm") {
			return nil, fmt.Errorf("%s:%d: want MANAGER PACKAGE ITEM with MANAGER deb or npm, got %q", ListFile, i+1, line)
		}
		if seen[f[2]] {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", ListFile, i+1, f[2])
		}
		seen[f[2]] = true
		items = append(items, Item{Manager: f[0], Package: f[1], Name: f[2]})
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s lists nothing", ListFile)
	}
	return items, nil
}

// lookup returns the listed item called name.
func lookup(name string) (Item, bool) {
	items, err := List()
	if err != nil {
		return Item{}, false
	}
	for _, it := range items {
		if it.Name == name {
			return it, true
		}
	}
	return Item{}, false
}

// Package returns the package that installs a listed tool or file, or ""
// when it is not listed.
func Package(name string) string {
	it, _ := lookup(name)
	return it.Package
}

// Required reports whether missing tools fail tests (CI=true, which
// scripts/test.sh sets after installing them) rather than skip them.
func Required() bool { return os.Getenv("CI") == "true" }

// unavailable ends the test because something it needs is missing: a
// failure under CI=true, a skip elsewhere.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s (required under CI=true: scripts/test.sh installs it)", msg)
		return
	}
	t.Skip(msg)
}

// unlisted fails the test, always: a test asked for something the list
// does not have, so the test command would not install it.
func unlisted(t testing.TB, call, name string) {
	t.Helper()
	t.Fatalf("testtool.%s(%q): not in %s; add it there with the package that installs it, so that scripts/test.sh installs it", call, name, ListFile)
}

// Tool returns the path of an external program the test needs. The
// program must be on the list.
func Tool(t testing.TB, name string) string {
	t.Helper()
	it, ok := lookup(name)
	if !ok || strings.Contains(name, "/") {
		unlisted(t, "Tool", name)
		return ""
	}
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, fmt.Sprintf("this test needs %s (%s package %s): %v", name, it.Manager, it.Package, err))
	}
	return p
}

// File returns the path of a file the test needs: path itself when it is
// absolute, else path under the repository root. The file must be on the
// list.
func File(t testing.TB, path string) string {
	t.Helper()
	it, ok := lookup(path)
	if !ok || !strings.Contains(path, "/") {
		unlisted(t, "File", path)
		return ""
	}
	full := path
	if !filepath.IsAbs(path) {
		root, err := Root()
		if err != nil {
			t.Fatal(err)
			return ""
		}
		full = filepath.Join(root, filepath.FromSlash(path))
	}
	if _, err := os.Stat(full); err != nil {
		unavailable(t, fmt.Sprintf("this test needs %s (%s package %s): %v", full, it.Manager, it.Package, err))
	}
	return full
}

// Supported ends the test when this build cannot run it (ok is false: a
// GOOS/GOARCH or -race build without what the test checks), by the same
// rule: CI's build must be able to run it, so under CI=true that fails.
func Supported(t testing.TB, ok bool, what string) {
	t.Helper()
	if !ok {
		unavailable(t, "this build has no "+what)
	}
}

// Root returns the repository root: the nearest directory above the
// working directory (a package's directory, under go test) with the
// module's go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/vcheck-dev/vcheck\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no vcheck go.mod above the working directory")
		}
		dir = parent
	}
}

// OptIn is a set of tests CI does not run, because CI cannot install
// what they need or cannot spend the time. Its test files carry
// `//go:build Tag`, so a build without the tag has no such test to skip.
type OptIn struct {
	Tag  string // the build tag: go test -tags Tag
	Var  string // the environment variable naming what it needs, if any
	What string // what it needs or does
}

// OptIns are all of them; docs/testing.md lists each with its command
// (TestOptInsDocumented).
var OptIns = []OptIn{
	{"riscvtests", "VCHECK_RISCV_TESTS", "a directory of riscv-tests ELFs built for rv64pg (rv64*-p-*, rv64*-v-*, bench-*); refmodel and impl/engine run each"},
	{"tlc", "TLA2TOOLS_JAR", "tla2tools.jar, run with java on the PATH: every model and trace under real TLC"},
	{"long", "", "the long firmware runs: U-Boot poweroff on refmodel, at the default timebase in lockstep, and OpenSBI on two harts"},
}

// Need returns the value of the opt-in's variable. The test exists only
// under the tag, so a missing value fails it: whoever asked for the tag
// asked for the test.
func Need(t testing.TB, tag string) string {
	t.Helper()
	for _, o := range OptIns {
		if o.Tag != tag {
			continue
		}
		if o.Var == "" {
			return ""
		}
		v := os.Getenv(o.Var)
		if v == "" {
			t.Fatalf("built with -tags %s, but %s is not set: it names %s (docs/testing.md)", tag, o.Var, o.What)
		}
		return v
	}
	t.Fatalf("testtool.Need(%q): no such opt-in in testtool.OptIns", tag)
	return ""
}
