package wall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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

// checkWall returns one message per wall violation in pkgs, a `go list
// -deps -test` listing of module.
func checkWall(module string, pkgs []listedPackage) []string {
	impl, refmodel, spec := module+"/impl", module+"/refmodel", module+"/spec"
	std := map[string]bool{}
	imports := map[string][]string{}
	for _, p := range pkgs {
		std[basePath(p.ImportPath)] = p.Standard
		imports[p.ImportPath] = p.Imports
	}
	seen := map[string]bool{}
	var out []string
	report := func(from, to, rule string, p listedPackage) {
		msg := fmt.Sprintf("%s imports %s (%s); import chain: %s", basePath(from), to, rule, chain(imports, p.ImportPath, to))
		if !seen[msg] {
			seen[msg] = true
			out = append(out, msg)
		}
	}
	for _, p := range pkgs {
		from := basePath(p.ImportPath)
		if p.Name == "main" && strings.HasSuffix(from, ".test") {
			continue // the generated test main; its variants are checked themselves
		}
		for _, d := range p.Deps {
			dep := basePath(d)
			switch {
			case under(from, impl) && under(dep, refmodel):
				report(p.ImportPath, dep, "impl/... must not depend on refmodel/...", p)
			case under(from, refmodel) && under(dep, impl):
				report(p.ImportPath, dep, "refmodel/... must not depend on impl/...", p)
			case under(from, spec) && !under(dep, spec) && !isStandard(dep, std) &&
				!(p.ImportPath != from && dep == module+"/internal/testtool"):
				// spec's own tests may ask for external tools.
				report(p.ImportPath, dep, "spec/... may import only the standard library and spec/...", p)
			}
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
	module, pkgs := goList(t, filepath.Join("..", ".."))
	if module != "github.com/vcheck-dev/vcheck" {
		t.Fatalf("go list -m = %q; is the test running inside the vcheck module?", module)
	}
	// The check must have looked at spec at least, or it proves nothing.
	sawSpec := false
	for _, p := range pkgs {
		sawSpec = sawSpec || basePath(p.ImportPath) == module+"/spec"
	}
	if !sawSpec {
		t.Fatalf("go list found no %s/spec package among %d", module, len(pkgs))
	}
	for _, v := range checkWall(module, pkgs) {
		t.Error(v)
	}
}

func TestCheckWallSynthetic(t *testing.T) {
	const m = "example.com/m"
	stdlib := func(paths ...string) []listedPackage {
		var ps []listedPackage
		for _, p := range paths {
			ps = append(ps, listedPackage{ImportPath: p, Standard: true})
		}
		return ps
	}
	tests := []struct {
		name string
		pkgs []listedPackage
		want []string // each must appear in some message; none means no violation
	}{
		{"clean", append(stdlib("fmt", "os"),
			listedPackage{ImportPath: m + "/impl/engine", Imports: []string{m + "/spec"}, Deps: []string{"fmt", m + "/spec"}},
			listedPackage{ImportPath: m + "/refmodel", Imports: []string{m + "/spec"}, Deps: []string{"os", m + "/spec"}},
			listedPackage{ImportPath: m + "/spec/boot", Imports: []string{m + "/spec/fdt"}, Deps: []string{"fmt", m + "/spec/fdt", m + "/spec"}},
			listedPackage{ImportPath: m + "/diff", Deps: []string{"github.com/google/go-cmp/cmp"}},
			listedPackage{ImportPath: m + "/implx", Deps: []string{m + "/refmodel"}},
		), nil},
		{"impl imports refmodel directly", []listedPackage{
			{ImportPath: m + "/impl/engine", Imports: []string{m + "/refmodel"}, Deps: []string{m + "/refmodel"}},
		}, []string{m + "/impl/engine imports " + m + "/refmodel (impl/... must not depend on refmodel/...); import chain: " +
			m + "/impl/engine -> " + m + "/refmodel"}},
		{"impl imports refmodel through a helper", []listedPackage{
			{ImportPath: m + "/impl/vmm", Imports: []string{m + "/util"}, Deps: []string{m + "/util", m + "/refmodel/devices"}},
			{ImportPath: m + "/util", Imports: []string{m + "/refmodel/devices"}, Deps: []string{m + "/refmodel/devices"}},
		}, []string{"import chain: " + m + "/impl/vmm -> " + m + "/util -> " + m + "/refmodel/devices"}},
		{"refmodel imports impl", []listedPackage{
			{ImportPath: m + "/refmodel/vmm", Deps: []string{m + "/impl/engine"}},
		}, []string{"refmodel/... must not depend on impl/..."}},
		{"a test of impl imports refmodel", []listedPackage{
			{ImportPath: m + "/impl/engine [" + m + "/impl/engine.test]", Deps: []string{m + "/refmodel"}},
			{ImportPath: m + "/impl/engine.test", Name: "main", Deps: []string{m + "/refmodel"}},
		}, []string{m + "/impl/engine imports " + m + "/refmodel"}},
		{"spec imports a third-party module", append(stdlib("fmt"),
			listedPackage{ImportPath: m + "/spec/fdt", Deps: []string{"fmt", "golang.org/x/exp/slices"}},
			listedPackage{ImportPath: "golang.org/x/exp/slices"},
		), []string{m + "/spec/fdt imports golang.org/x/exp/slices (spec/... may import only"}},
		{"spec imports another part of the module", []listedPackage{
			{ImportPath: m + "/spec", Deps: []string{m + "/diff"}},
			{ImportPath: m + "/diff"},
		}, []string{m + "/spec imports " + m + "/diff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkWall(m, tt.pkgs)
			if len(tt.want) == 0 && len(got) > 0 {
				t.Errorf("unexpected violations:\n%s", strings.Join(got, "\n"))
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					found = found || strings.Contains(g, w)
				}
				if !found {
					t.Errorf("no violation mentions %q; got:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

// TestWallOnScratchModule proves the whole path, go list included, catches
// a real bad import: a throwaway module where impl/engine reaches
// refmodel through a helper, only from a test file, and spec imports a
// sibling package.
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
	got := checkWall(module, pkgs)
	want := []string{
		"example.com/scratch/impl/engine imports example.com/scratch/refmodel (impl/... must not depend on refmodel/...); import chain: example.com/scratch/impl/engine -> example.com/scratch/helper -> example.com/scratch/refmodel",
		"example.com/scratch/refmodel/vmm_test imports example.com/scratch/impl/clean (refmodel/... must not depend on impl/...)",
		"example.com/scratch/spec imports example.com/scratch/diff (spec/... may import only the standard library and spec/...)",
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
