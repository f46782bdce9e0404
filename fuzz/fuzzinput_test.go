package fuzz_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgramFuzzTargetsTakeWords: every go test -fuzz body that
// generates a program (a function that calls rapid.MakeFuzz inside
// f.Fuzz: the targets themselves or fuzzPrograms, which they share)
// takes integers, not []byte or string, and builds its choice stream
// with Choices; and at least the three program targets use such a body. Go's
// fuzzer minimizes []byte and string inputs that reach new coverage, up
// to a minute each, and a generated program reaches new coverage with
// most inputs: with a []byte input the fuzzer spent nearly all its time
// minimizing (Choices has the figures).
func TestProgramFuzzTargetsTakeWords(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			generates, choices, shared := false, false, false
			var body *ast.FuncLit
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				switch f := call.Fun.(type) {
				case *ast.SelectorExpr:
					if x, ok := f.X.(*ast.Ident); ok && x.Name == "rapid" && f.Sel.Name == "MakeFuzz" {
						generates = true
					}
					if f.Sel.Name == "Fuzz" && len(call.Args) == 1 {
						body, _ = call.Args[0].(*ast.FuncLit)
					}
				case *ast.Ident:
					if f.Name == "Choices" {
						choices = true
					}
					if f.Name == "fuzzPrograms" {
						shared = true
					}
				}
				return true
			})
			if shared && strings.HasPrefix(fn.Name.Name, "Fuzz") {
				found++
			}
			if !generates {
				continue
			}
			if strings.HasPrefix(fn.Name.Name, "Fuzz") {
				found++
			}
			if body == nil {
				continue // rapid.MakeFuzz outside go test -fuzz (a benchmark)
			}
			for _, p := range body.Type.Params.List[1:] {
				typ := types(p.Type)
				if typ == "[]byte" || typ == "string" {
					t.Errorf("%s takes %s: Go's fuzzer would minimize every new-coverage input (use uint64 words and Choices)", fn.Name.Name, typ)
				}
			}
			if !choices {
				t.Errorf("%s generates a program but does not build its choices with Choices", fn.Name.Name)
			}
		}
	}
	if found < 3 {
		t.Errorf("found %d program-generating fuzz targets, want at least 3 (FuzzEngineVsRef, FuzzRunEngineVsRef, FuzzVMMVsRef)", found)
	}
}

// types renders a parameter's type expression for the check above.
func types(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.ArrayType:
		if e.Len == nil {
			return "[]" + types(e.Elt)
		}
	}
	return "other"
}
