package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// opCases returns the ops named in the case clauses of the outermost
// `switch d.op` statements of function fn (a method's name) in file,
// which this test reads as source: the code that runs an op is checked
// against the table without running it.
func opCases(t *testing.T, file, fn string) map[op]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]op{}
	for o := op(0); o < numOps; o++ {
		byName[opIdent(o)] = o
	}
	var body *ast.BlockStmt
	for _, decl := range f.Decls {
		if d, ok := decl.(*ast.FuncDecl); ok && d.Name.Name == fn {
			body = d.Body
		}
	}
	if body == nil {
		t.Fatalf("%s: no function %s", file, fn)
	}
	cases := map[op]bool{}
	switches := 0
	ast.Inspect(body, func(n ast.Node) bool {
		sw, ok := n.(*ast.SwitchStmt)
		if !ok {
			return true
		}
		sel, ok := sw.Tag.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "op" {
			return true
		}
		switches++
		for _, s := range sw.Body.List {
			for _, e := range s.(*ast.CaseClause).List {
				id, ok := e.(*ast.Ident)
				o, known := byName[id.Name]
				if !ok || !known {
					t.Fatalf("%s: %s: case %v is not an op", file, fn, e)
				}
				cases[o] = true
			}
		}
		return false // an inner switch on the op refines one of these cases
	})
	if switches == 0 {
		t.Fatalf("%s: %s has no switch on an op", file, fn)
	}
	return cases
}

// opIdent is the Go name of an op constant ("opADDI"), from the table.
func opIdent(o op) string {
	switch o {
	case opUndecoded:
		return "opUndecoded"
	case opCross:
		return "opCross"
	case opIllegal:
		return "opIllegal"
	}
	n := []byte("op")
	for _, c := range []byte(ops[o].name) {
		if c != '.' {
			n = append(n, c&^0x20) // upper case
		}
	}
	return string(n)
}

// where lists the ops for which f holds.
func where(f func(o op, i opInfo) bool) map[op]bool {
	s := map[op]bool{}
	for o := op(0); o < numOps; o++ {
		if f(o, ops[o]) {
			s[o] = true
		}
	}
	return s
}

// sameOps reports, for each op in exactly one of got and want, which.
func sameOps(t *testing.T, what string, got, want map[op]bool) {
	t.Helper()
	for o := op(0); o < numOps; o++ {
		switch {
		case got[o] && !want[o]:
			t.Errorf("%s: %s has a case, but its row in ops does not say so", what, o)
		case want[o] && !got[o]:
			t.Errorf("%s: %s has no case, but its row in ops says it should", what, o)
		}
	}
}

// TestOpsTable checks every piece of code that runs an op against the
// op's row in ops.
func TestOpsTable(t *testing.T) {
	fast := opCases(t, "exec.go", "fast")
	sameOps(t, "fast (exec.go)", fast, where(func(_ op, i opInfo) bool { return i.run == runFast || i.run == runFastMem }))
	sameOps(t, "execSlow (exec.go)", opCases(t, "exec.go", "execSlow"), where(func(_ op, i opInfo) bool { return i.run == runSlow }))
	sameOps(t, "the JIT emitter (jit_amd64.go)", opCases(t, "jit_amd64.go", "inst"), where(func(_ op, i opInfo) bool { return i.jit }))

	for o := op(0); o < numOps; o++ {
		i := ops[o]
		if !fast[o] && !endsBlock[o] {
			t.Errorf("%s: fast has no case for it, but it does not end its block", o)
		}
		if i.jump && !endsBlock[o] {
			t.Errorf("%s: a control transfer that does not end its block", o)
		}
		if fast[o] && !i.jump && endsBlock[o] {
			t.Errorf("%s: fast runs it, yet its block ends after it (blocks would be needlessly short)", o)
		}
		if i.jit && !fast[o] {
			t.Errorf("%s: the JIT translates it, but fast does not run it (compiled code must do what fast does)", o)
		}
		// Plain loads and stores are fast's on a TLB hit and slow's
		// load/store path's otherwise; every other access is execSlow's.
		if plain := i.mem == memLoad || i.mem == memStore; plain != (i.run == runFastMem) {
			t.Errorf("%s: access %d, run %d: only plain loads and stores take fast's TLB path", o, i.mem, i.run)
		}
		if (i.mem == memNone) != (i.size == 0) || i.size&(i.size-1) != 0 || i.size > 8 {
			t.Errorf("%s: access %d of size %d", o, i.mem, i.size)
		}
		if (loadSize[o] != 0) != (i.mem == memLoad) || (storeSize[o] != 0) != (i.mem == memStore) {
			t.Errorf("%s: loadSize %d, storeSize %d for access %d", o, loadSize[o], storeSize[o], i.mem)
		}
	}
}

// TestOpsRecord: the record code reports the access of every op whose
// row has one, with the row's size, and none for the others.
func TestOpsRecord(t *testing.T) {
	h := &Hart{recA: 0x80001000, scDone: true}
	for o := op(0); o < numOps; o++ {
		i := ops[o]
		r := h.memRecord(&inst{op: o, rd: 5})
		if r.Valid != (i.mem != memNone) || r.Valid && (int(r.Size) != int(i.size) || r.Addr != 0x80001000) {
			t.Errorf("%s: record %+v for access %d of size %d", o, r, i.mem, i.size)
			continue
		}
		read := i.mem == memLoad || i.mem == memLR || i.mem == memAMO
		write := i.mem == memStore || i.mem == memSC || i.mem == memAMO
		if r.Read != read || r.Write != write {
			t.Errorf("%s: record reads %v writes %v", o, r.Read, r.Write)
		}
	}
}

// TestOpsMatchSpec: every spec.Insts row decodes to an op, every op the
// table names is a row, and an op writes rd exactly when its row has an
// rd operand.
func TestOpsMatchSpec(t *testing.T) {
	rows := map[string]*spec.Inst{}
	for i := range spec.Insts {
		rows[spec.Insts[i].Name] = &spec.Insts[i]
	}
	decoded := map[*spec.Inst]bool{}
	for _, b := range [][][]rowDecoder{buckets32[:], buckets16[:]} {
		for _, rs := range b {
			for _, r := range rs {
				decoded[r.row] = true
				if r.op == opUndecoded || r.op >= numOps || ops[r.op].name == "" {
					t.Errorf("row %s decodes to %s", r.row.Name, r.op)
				}
			}
		}
	}
	for i := range spec.Insts {
		if row := &spec.Insts[i]; !decoded[row] {
			t.Errorf("row %s decodes to no op", row.Name)
		}
	}
	for o := op(0); o < numOps; o++ {
		i := ops[o]
		for _, n := range []string{i.name, i.also} {
			if n == "" {
				continue
			}
			row := rows[n]
			if row == nil || row.Ext == spec.ExtC {
				t.Errorf("%s: no 32-bit row %q in spec.Insts", o, n)
				continue
			}
			hasRd := slices.ContainsFunc(row.Args, func(a spec.Arg) bool { return spec.ArgSpecs[a].Role == "rd" })
			if hasRd != i.rd {
				t.Errorf("%s: writes rd %v, but its row's operands are %v", o, i.rd, row.Args)
			}
		}
		if i.name == "" && i.run != runNone && o != opIllegal {
			t.Errorf("op %d runs but has no row", o)
		}
	}
}
