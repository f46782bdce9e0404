package asm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// External oracle: GNU as (binutils 2.40). Every case is assembled by
// both, in one batch per test, and the bytes must be identical.

// asmCase is one line of source and the .option it is assembled under.
type asmCase struct {
	rvc  bool
	text string
}

// randomCase returns row with random valid operands: a random word with
// the row's fixed bits, kept only if it decodes back to the row (so Not
// patterns hold) and is not a HINT that GNU refuses to write.
func randomCase(r *rand.Rand, row *spec.Inst) (string, bool) {
	for try := 0; try < 5000; try++ {
		w := row.Match | r.Uint32()&row.ArgMask()
		if spec.Decode(w) != row {
			continue
		}
		vals := make([]int64, len(row.Args))
		for i, a := range row.Args {
			vals[i] = a.Value(w)
		}
		if row.Ext == spec.ExtC && isGNUHint(row, vals) {
			continue
		}
		text, ok := formatInsn(r, row, vals)
		if ok {
			return text, true
		}
	}
	return "", false
}

func isGNUHint(row *spec.Inst, vals []int64) bool {
	for _, h := range gnuHints[row.Name] {
		for i, a := range row.Args {
			if spec.ArgSpecs[a].Role == h.role && (vals[i] == 0) != h.wantZero {
				return true
			}
		}
	}
	return false
}

// regName writes register n as GNU accepts it: xN, its ABI name, or fp.
func regName(r *rand.Rand, n int64) string {
	switch {
	case n == 8 && r.IntN(4) == 0:
		return "fp"
	case r.IntN(2) == 0:
		return fmt.Sprintf("x%d", n)
	}
	return spec.RegNames[n]
}

// formatInsn writes row with operand values vals in GNU syntax.
func formatInsn(r *rand.Rand, row *spec.Inst, vals []int64) (string, bool) {
	name := row.Name
	for i, a := range row.Args {
		if a == spec.ArgAq && vals[i] == 1 {
			name += ".aq"
		}
	}
	for i, a := range row.Args {
		if a == spec.ArgRl && vals[i] == 1 {
			if strings.HasSuffix(name, ".aq") {
				name += "rl"
			} else {
				name += ".rl"
			}
		}
	}
	arg := func(i int) (string, bool) {
		a, v := row.Args[i], vals[i]
		switch spec.ArgSpecs[a].Kind {
		case spec.KindReg:
			return regName(r, v), true
		case spec.KindFence:
			if v == 0 {
				return "", false // GNU cannot write an empty set
			}
			var s string
			for _, c := range "iorw" {
				if v&fenceBits[byte(c)] != 0 {
					s += string(c)
				}
			}
			return s, true
		case spec.KindCSR:
			if c := spec.LookupCSR(uint16(v)); c != nil && r.IntN(2) == 0 {
				return c.Name, true
			}
			return fmt.Sprintf("%#x", v), true
		}
		switch argClasses[a] {
		case classUpper:
			return fmt.Sprintf("%#x", v>>12&0xfffff), true
		case classTarget:
			return fmt.Sprintf(".%+d", v), true
		}
		if r.IntN(3) == 0 && v >= 0 {
			return fmt.Sprintf("%#x", v), true
		}
		return fmt.Sprint(v), true
	}
	var ops []string
	for _, e := range template(row) {
		var s string
		switch {
		case e.mem:
			if e.arg >= 0 {
				off, ok := arg(e.arg)
				if !ok {
					return "", false
				}
				s = off
			}
			base := "sp"
			if e.fixed == "" {
				base, _ = arg(e.baseArg)
			}
			s += "(" + base + ")"
		case e.fixed != "":
			s = e.fixed
		default:
			var ok bool
			if s, ok = arg(e.arg); !ok {
				return "", false
			}
		}
		ops = append(ops, s)
	}
	// GNU writes a sole zero immediate not at all ("c.nop").
	if len(ops) == 0 || len(ops) == 1 && len(vals) == 1 && vals[0] == 0 && spec.ArgSpecs[row.Args[0]].Kind == spec.KindSImm && !isBranch(row) {
		return name, true
	}
	return name + " " + strings.Join(ops, ", "), true
}

// ours assembles one case alone and returns its bytes.
func ours(t *testing.T, c asmCase) []byte {
	t.Helper()
	obj, err := Assemble("case.S", []byte(c.text+"\n"), Options{NoRVC: !c.rvc})
	if err != nil {
		t.Errorf("%q: %v", c.text, err)
		return nil
	}
	return obj.Sections[0].Data
}

// compareWithGNU assembles all cases in one file with GNU as and each case
// alone with this assembler, and reports every case whose bytes differ.
func compareWithGNU(t *testing.T, cases []asmCase) {
	t.Helper()
	var src strings.Builder
	src.WriteString("\t.text\n")
	rvc := true
	var want [][]byte
	for _, c := range cases {
		if c.rvc != rvc || src.Len() < 10 {
			if c.rvc {
				src.WriteString("\t.option rvc\n")
			} else {
				src.WriteString("\t.option norvc\n")
			}
			rvc = c.rvc
		}
		src.WriteString("\t" + c.text + "\n")
		want = append(want, ours(t, c))
	}
	gnu := sectionData(t, gnuAssemble(t, src.String()), ".text")
	off, bad := 0, 0
	for i, c := range cases {
		w := want[i]
		end := off + len(w)
		if end > len(gnu) {
			t.Fatalf("GNU output ends at %d, case %d %q wants bytes %d..%d", len(gnu), i, c.text, off, end)
		}
		if !bytes.Equal(gnu[off:end], w) {
			bad++
			if bad <= 20 {
				t.Errorf("%q (rvc=%v): GNU % x, ours % x", c.text, c.rvc, gnu[off:end], w)
			}
			if len(w) != 2 && len(w) != 4 || !sameLength(gnu[off:], w) {
				t.Fatalf("length mismatch at %q: cannot compare the rest", c.text)
			}
		}
		off = end
	}
	if off != len(gnu) {
		t.Errorf("GNU produced %d bytes, ours %d", len(gnu), off)
	}
	if bad > 0 {
		t.Errorf("%d of %d cases differ from GNU as", bad, len(cases))
	}
	t.Logf("%d cases, %d bytes, identical to GNU as: %v", len(cases), off, bad == 0)
}

// sameLength reports whether GNU's next instruction has w's length.
func sameLength(gnu, w []byte) bool { return len(gnu) > 0 && spec.InsnLen(uint32(gnu[0])) == len(w) }

// TestGNUTableRows: every row of spec.Insts, 50 random operand sets each;
// 32-bit rows under .option norvc, compressed rows by their c.* name.
func TestGNUTableRows(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var cases []asmCase
	for i := range spec.Insts {
		row := &spec.Insts[i]
		n := 50
		if len(row.Args) == 0 {
			n = 1
		}
		for k := 0; k < n; k++ {
			text, ok := randomCase(r, row)
			if !ok {
				t.Errorf("%s: no valid random operands found", row.Name)
				break
			}
			cases = append(cases, asmCase{rvc: row.Ext == spec.ExtC, text: text})
		}
	}
	compareWithGNU(t, cases)
}

// TestGNUCompression: 32-bit mnemonics under .option rvc must compress
// exactly when and how GNU as compresses them. Operands come from random
// compressed words expanded to their 32-bit form (so they can compress),
// and from random 32-bit operands (which mostly cannot).
func TestGNUCompression(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var cases []asmCase
	for i := range spec.Insts {
		row := &spec.Insts[i]
		if row.Ext == spec.ExtC {
			for k := 0; k < 50; k++ {
				w := row.Match | r.Uint32()&row.ArgMask()&0xffff
				if spec.Decode(w) != row {
					continue
				}
				cv := make([]int64, len(row.Args))
				for j, a := range row.Args {
					cv[j] = a.Value(w)
				}
				full, vals := expansion(row, cv)
				// Sometimes nudge one operand so that the C form may no longer apply.
				if len(vals) > 0 && r.IntN(4) == 0 {
					j := r.IntN(len(vals))
					if spec.ArgSpecs[full.Args[j]].Kind == spec.KindReg {
						vals[j] = r.Int64N(32)
					} else {
						vals[j] = 0
					}
					if _, err := encodeArgs(full, vals); err != nil {
						continue
					}
				}
				text, ok := formatInsn(r, full, vals)
				if ok {
					cases = append(cases, asmCase{rvc: true, text: text})
				}
			}
			continue
		}
		for k := 0; k < 20; k++ {
			if text, ok := randomCase(r, row); ok {
				cases = append(cases, asmCase{rvc: true, text: text})
			}
		}
	}
	compareWithGNU(t, cases)
}

// TestGNUCSRNames: every CSR of spec.CSRs, by name, means the same
// address to GNU as (with -mpriv-spec=1.12) as to us.
func TestGNUCSRNames(t *testing.T) {
	var cases []asmCase
	for _, c := range spec.CSRs {
		cases = append(cases, asmCase{rvc: true, text: "csrrs a0, " + c.Name + ", x0"})
	}
	if len(cases) < 50 {
		t.Fatalf("only %d CSRs in the table", len(cases))
	}
	compareWithGNU(t, cases)
}

// TestGNUInsn: .insn in raw and format forms with random fields.
func TestGNUInsn(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var cases []asmCase
	reg := func() string { return regName(r, r.Int64N(32)) }
	creg := func() string { return regName(r, 8+r.Int64N(8)) }
	var names []string
	for name := range insnOpcodes {
		names = append(names, name)
	}
	sort.Strings(names)
	opcode := func() string {
		if r.IntN(3) == 0 {
			return names[r.IntN(len(names))]
		}
		return fmt.Sprintf("%#x", r.IntN(32)<<2&^0x1c|3|r.IntN(7)<<2)
	}
	// Unprivileged spec §1.5: 16-bit words have bits 1:0 != 11, 32-bit
	// ones bits 1:0 == 11 and bits 4:2 != 111.
	raw16 := func() uint32 { return uint32(r.IntN(0x10000))&^3 | uint32(r.IntN(3)) }
	raw32 := func() uint32 { return r.Uint32()&^0x1c | 3 | uint32(r.IntN(7))<<2 }
	for i := 0; i < 50; i++ {
		f3, f7 := r.IntN(8), r.IntN(128)
		imm := r.IntN(4096) - 2048
		for _, text := range []string{
			fmt.Sprintf(".insn %#x", raw32()),
			fmt.Sprintf(".insn %#x", raw16()),
			fmt.Sprintf(".insn 2, %#x", raw16()),
			fmt.Sprintf(".insn 4, %#x", raw32()),
			fmt.Sprintf(".insn r %s, %d, %d, %s, %s, %s", opcode(), f3, f7, reg(), reg(), reg()),
			fmt.Sprintf(".insn i %s, %d, %s, %s, %d", opcode(), f3, reg(), reg(), imm),
			fmt.Sprintf(".insn i %s, %d, %s, %d(%s)", opcode(), f3, reg(), imm, reg()),
			fmt.Sprintf(".insn s %s, %d, %s, %d(%s)", opcode(), f3, reg(), imm, reg()),
			fmt.Sprintf(".insn b %s, %d, %s, %s, .%+d", opcode(), f3, reg(), reg(), 2*(r.IntN(4096)-2048)),
			fmt.Sprintf(".insn u %s, %s, %#x", opcode(), reg(), r.IntN(1<<20)),
			fmt.Sprintf(".insn j %s, %s, .%+d", opcode(), reg(), 2*(r.IntN(1<<20)-1<<19)),
			fmt.Sprintf(".insn cr %d, %d, %s, %s", r.IntN(3), r.IntN(16), reg(), reg()),
			fmt.Sprintf(".insn ci %d, %d, %s, %d", r.IntN(3), f3, reg(), r.IntN(64)-32),
			fmt.Sprintf(".insn ciw %d, %d, %s, %d", r.IntN(3), f3, creg(), r.IntN(256)),
			fmt.Sprintf(".insn css %d, %d, %s, %d", r.IntN(3), f3, reg(), r.IntN(64)),
			fmt.Sprintf(".insn cl %d, %d, %s, %d(%s)", r.IntN(3), f3, creg(), r.IntN(32), creg()),
			fmt.Sprintf(".insn cs %d, %d, %s, %d(%s)", r.IntN(3), f3, creg(), r.IntN(32), creg()),
			fmt.Sprintf(".insn ca %d, %d, %d, %s, %s", r.IntN(3), r.IntN(64), r.IntN(4), creg(), creg()),
			fmt.Sprintf(".insn cb %d, %d, %s, .%+d", r.IntN(3), f3, creg(), 2*(r.IntN(256)-128)),
			fmt.Sprintf(".insn cj %d, %d, .%+d", r.IntN(3), f3, 2*(r.IntN(2048)-1024)),
		} {
			cases = append(cases, asmCase{rvc: true, text: text})
		}
	}
	compareWithGNU(t, cases)
}

// TestGNUOptionArch: .option arch turns compression on and off as in GNU.
func TestGNUOptionArch(t *testing.T) {
	src := ".option arch, -c\nadd a0,a0,a1\n.option arch, +c\nadd a0,a0,a1\n.option push\n.option arch, rv64ima\n" +
		"add a0,a0,a1\n.option pop\nadd a0,a0,a1\n.option arch, rv64imac_zicsr\nadd a0,a0,a1\n"
	obj, err := Assemble("arch.S", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := sectionData(t, gnuAssemble(t, src), ".text"); !bytes.Equal(obj.Sections[0].Data, want) {
		t.Errorf("GNU % x\nours % x", want, obj.Sections[0].Data)
	}
}

// TestGNUStatementSeparator: ';' separates statements, also after a
// character constant written with its closing quote ('@'), which once hid
// the rest of the line.
func TestGNUStatementSeparator(t *testing.T) {
	src := "li t6, 0x10000000; li t5, '@'; sb t5, 0(t6)\nli a0, 'a; li a1, '\\n'; addi a2, a2, ';'\n"
	obj, err := Assemble("sep.S", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := sectionData(t, gnuAssemble(t, src), ".text"); !bytes.Equal(obj.Sections[0].Data, want) {
		t.Errorf("GNU % x\nours % x", want, obj.Sections[0].Data)
	}
}
