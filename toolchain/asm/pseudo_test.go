package asm

import (
	"bytes"
	"fmt"
	"github.com/vcheck-dev/vcheck/spec"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
)

// compareLinked assembles src with this assembler and with GNU as + ld
// (same layout), and compares .text and .data byte for byte. Every
// source line of interest should follow a label "L<n>:" so a mismatch
// can be traced back to its line.
func compareLinked(t *testing.T, src string) { t.Helper(); compareLinkedAt(t, src, Options{}) }

func compareLinkedAt(t *testing.T, src string, opts Options) {
	t.Helper()
	obj, err := Assemble("oracle.S", []byte(src), opts)
	if err != nil {
		t.Fatalf("our assembler: %v", err)
	}
	image, err := obj.ELF()
	if err != nil {
		t.Fatal(err)
	}
	gnu := gnuLink(t, src, obj)
	lines := strings.Split(src, "\n")
	for _, sec := range obj.Sections {
		name := sec.Name
		want, got := sectionData(t, gnu, name), sectionData(t, image, name)
		if bytes.Equal(want, got) {
			t.Logf("%s: %d bytes identical to GNU as + ld", name, len(got))
			continue
		}
		i := 0
		for i < len(want) && i < len(got) && want[i] == got[i] {
			i++
		}
		var base uint64
		for _, s := range obj.Sections {
			if s.Name == name {
				base = s.Addr
			}
		}
		if f, err := os.CreateTemp("", "vcheck-asm-oracle-*.S"); err == nil {
			f.WriteString(src)
			f.Close()
			t.Logf("source kept in %s", f.Name())
		}
		t.Errorf("%s differs from GNU (%d bytes) vs ours (%d bytes) first at offset %#x, after %s",
			name, len(want), len(got), i, nearestLabel(obj, lines, base+uint64(i)))
		lo, hi := i&^7, i+16
		t.Errorf("GNU  % x\nours % x", clip(want, lo, hi), clip(got, lo, hi))
	}
}

func clip(b []byte, lo, hi int) []byte {
	if hi > len(b) {
		hi = len(b)
	}
	if lo > hi {
		lo = hi
	}
	return b[lo:hi]
}

// nearestLabel names the last L<n> label at or before addr and its line.
func nearestLabel(obj *Object, lines []string, addr uint64) string {
	syms := append([]Symbol(nil), obj.Symbols...)
	sort.Slice(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	best := "start"
	for _, s := range syms {
		if s.Value <= addr && strings.HasPrefix(s.Name, "L") {
			best = s.Name
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, best+":") {
			return l
		}
	}
	return best
}

// liValues are the edge cases of load_const plus random values of every
// width.
func liValues(r *rand.Rand) []int64 {
	vs := []int64{0, 1, -1, 31, 32, -32, -33, 2047, 2048, -2048, -2049, 0x7ff, 0x800, 0xfff, 0x1000,
		0x7ffff7ff, 0x7ffff800, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 0x100000000,
		0x7fffffffffffffff, -0x8000000000000000, 0x123456789abcdef0, -0x123456789abcdef0,
		0xfffff800, 0xffffffff80000000 - 1<<64, 0x8000000000000800 - 1<<64}
	for sh := 0; sh < 64; sh++ {
		vs = append(vs, 1<<sh, -1<<sh, 1<<sh-1, (1<<sh)+1)
	}
	for i := 0; i < 300; i++ {
		bits := 1 + r.IntN(64)
		v := int64(r.Uint64()) >> (64 - bits)
		vs = append(vs, v)
		if i%3 == 0 {
			vs = append(vs, v<<r.IntN(20))
		}
	}
	return vs
}

// TestGNUPseudoInstructions covers li (hundreds of values), la/lla, call,
// tail, branches to labels both ways, and the one-line pseudos.
func TestGNUPseudoInstructions(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	n := 0
	line := func(format string, args ...any) {
		n++
		fmt.Fprintf(&b, "L%d: %s\n", n, fmt.Sprintf(format, args...))
	}
	reg := func() string { return regName(r, r.Int64N(32)) }
	creg := func() string { return regName(r, 8+r.Int64N(8)) }
	b.WriteString("\t.text\n\t.globl _start\n_start:\n")
	for _, rvc := range []string{"rvc", "norvc"} {
		fmt.Fprintf(&b, "\t.option %s\n1:\n", rvc)
		for _, v := range liValues(r) {
			rd := reg()
			if r.IntN(3) == 0 {
				rd = creg()
			}
			if r.IntN(2) == 0 {
				line("li %s, %d", rd, v)
			} else {
				line("li %s, %#x", rd, uint64(v))
			}
		}
		for i := 0; i < 40; i++ {
			for _, p := range []string{"mv", "not", "neg", "negw", "sext.w", "seqz", "snez", "sltz", "sgtz"} {
				if r.IntN(2) == 0 {
					line("%s %s, %s", p, creg(), creg())
				} else {
					line("%s %s, %s", p, reg(), reg())
				}
			}
			rs, rt := reg(), reg()
			if r.IntN(2) == 0 {
				rs = creg()
			}
			target := []string{"1b", "1f", "far_back", "far_fwd", "_start", "data_word"}[r.IntN(5)]
			switch r.IntN(14) {
			case 0:
				line("beqz %s, %s", rs, target)
			case 1:
				line("bnez %s, %s", rs, target)
			case 2:
				line("blez %s, %s", rs, target)
			case 3:
				line("bgez %s, %s", rs, target)
			case 4:
				line("bltz %s, %s", rs, target)
			case 5:
				line("bgtz %s, %s", rs, target)
			case 6:
				line("%s %s, %s, %s", []string{"bgt", "ble", "bgtu", "bleu", "beq", "bne", "blt", "bge", "bltu", "bgeu"}[r.IntN(10)], rs, rt, target)
			case 7:
				line("j %s", target)
			case 8:
				line("jal %s", target)
			case 9:
				line("jal %s, %s", reg(), target)
			case 10:
				line("%s %s", []string{"jr", "jalr"}[r.IntN(2)], reg())
			case 11:
				line("%s %s", []string{"call", "tail"}[r.IntN(2)], []string{"_start", "far_fwd", "far_back"}[r.IntN(3)])
			case 12:
				line("%s %s, %s", []string{"la", "lla"}[r.IntN(2)], reg(), []string{"_start", "data_word", "data_end", "bss_start", "far_fwd"}[r.IntN(5)])
			case 13:
				line("ret")
			}
			switch r.IntN(6) {
			case 0:
				line("jalr %s, %s", reg(), reg())
			case 1:
				line("jalr %s, %s, %d", reg(), reg(), r.IntN(4096)-2048)
			case 2:
				line("%s %s, %d", []string{"jr", "jalr"}[r.IntN(2)], reg(), r.IntN(4096)-2048)
			case 3:
				line("%s %s, %s", []string{"lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"}[r.IntN(7)], reg(), []string{"data_word", "far_fwd", "_start+4"}[r.IntN(3)])
			case 4:
				line("%s %s, %s, %s", []string{"sb", "sh", "sw", "sd"}[r.IntN(4)], reg(), []string{"data_word", "data_end-4"}[r.IntN(2)], reg())
			case 5:
				line("jump %s, %s", []string{"_start", "far_fwd", "far_back"}[r.IntN(3)], reg())
			}
			if r.IntN(6) == 0 {
				b.WriteString("1:\n")
			}
			csr := []string{"mstatus", "mepc", "satp", "0x7c0", "sscratch", "cycle"}[r.IntN(6)]
			switch r.IntN(8) {
			case 0:
				line("csrr %s, %s", reg(), csr)
			case 1:
				line("%s %s, %s", []string{"csrw", "csrs", "csrc"}[r.IntN(3)], csr, reg())
			case 2:
				line("%s %s, %d", []string{"csrwi", "csrsi", "csrci", "csrw", "csrs", "csrc"}[r.IntN(6)], csr, r.IntN(32))
			case 3:
				line("%s %s", []string{"rdcycle", "rdtime", "rdinstret"}[r.IntN(3)], reg())
			case 4:
				line("%s", []string{"fence", "fence.i", "fence.tso", "sfence.vma", "nop", "ebreak", "ecall", "wfi"}[r.IntN(8)])
			case 5:
				line("sfence.vma %s", reg())
			case 6:
				line("sfence.vma %s, %s", reg(), reg())
			case 7:
				line("fence %s, %s", []string{"r", "w", "rw", "iorw", "io", "o"}[r.IntN(6)], []string{"r", "w", "rw", "iorw", "i"}[r.IntN(5)])
			}
		}
		b.WriteString("1:\n")
		if rvc == "rvc" {
			b.WriteString("far_back: nop\n")
		}
	}
	b.WriteString("\t.option rvc\nfar_fwd: ret\n")
	b.WriteString("\t.data\ndata_word: .word 0x12345678\ndata_end:\n\t.bss\nbss_start: .zero 16\n")
	compareLinked(t, b.String())
}

// TestGNURelaxation: branches and jumps at distances around every reach
// limit, so each relaxed length (2, 4, 6, 8 bytes) occurs.
func TestGNURelaxation(t *testing.T) {
	var b strings.Builder
	b.WriteString("\t.text\n")
	n := 0
	for _, gap := range []int{0, 100, 200, 240, 250, 256, 300, 1000, 2000, 2040, 2050, 4000, 4080, 4090, 4100, 6000} {
		for _, br := range []string{"beqz a0", "bnez s1", "beqz t0", "beq a0, a1", "bge a2, a3", "j", "jal", "beq a5, x0", "c.beqz a4", "c.j"} {
			if strings.HasPrefix(br, "c.") && gap > 200 {
				continue
			}
			n++
			sep := " "
			if strings.Contains(br, " ") {
				sep = ", "
			}
			fmt.Fprintf(&b, "L%d: %s%s1f\n\t.zero %d\n1:\tnop\n", n, br, sep, gap)
			n++
			fmt.Fprintf(&b, "2:\tnop\n\t.zero %d\nL%d: %s%s2b\n", gap, n, br, sep)
		}
	}
	// Targets in another section, and absolute targets, take the long forms.
	b.WriteString("L_other: beqz a0, other\nL_abs: beqz a0, 0x80000000\n\tj other\n\tbne a0, a1, other\n")
	b.WriteString("\t.section .text.b,\"ax\",@progbits\nother: nop\n")
	compareLinked(t, b.String())
}

// TestGNUDirectives covers alignment padding (nops in code, zeros or a
// fill value in data), the data directives with label values and
// differences, strings and escapes, .equ, and numeric local labels.
func TestGNUDirectives(t *testing.T) {
	src := `
	.equ FIVE, 5
	.set BIG, 0x123456789
	.text
	.globl _start
_start:
L1:	addi a0, a0, FIVE

L2:	.align 3
L3:	c.nop
	.align 4
L4:	.option norvc
	.balign 16
	nop
	.option rvc
	.p2align 5
	li a0, BIG
	.align 2
	c.nop
	.align 3, 0
	.option push
	.option norvc
	add a0, a0, a1
	.option pop
	add a0, a0, a1
L5:	la a1, table
	lw a2, %lo(table)(a1)
	lui a3, %hi(0x12345fff)
	addi a3, a3, %lo(0x12345fff)
	lui a3, %hi(BIG - 0x123000000)
1:	auipc a4, %pcrel_hi(table+8)
	ld a4, %pcrel_lo(1b)(a4)
	li a5, 'A' + 1
	li a6, '\n'
	li a7, (1 << 12) | 3 * 4 - ~0
	.org 0x100
	nop
	.org 0x110, 0xaa
	.align 2
	.data
table:
	.byte 1, 2, -1, 0xff, 'x'
	.half 0x1234, -2
	.short 7
	.2byte 8
	.align 2
	.word table, 0xdeadbeef, -1, end - table
	.long 9
	.4byte 10
	.p2align 3
	.dword table + 16, -1, 0x8000000000000000
	.quad 11
	.8byte _start
	.string "hi\n\t\"q\"\\"
	.asciz "a", "b"
	.ascii "raw\101\x42"
	.zero 3
	.space 5, 0xaa
	.balign 8, 0x55
	.skip 2
end:
	.byte FIVE * 2
	.fill 3, 2, 0x1234
	.fill 2, 8, -1
	.fill 2
	.fill 1, 3, 0x123456
	.uleb128 300
	.uleb128 127
	.uleb128 0
	.uleb128 -1
	.sleb128 -1
	.sleb128 -129
	.sleb128 64
	.sleb128 63
	.sleb128 0x7fffffffffffffff
	.sleb128 -0x8000000000000000
`
	compareLinked(t, src)
}

// randomExpr builds a random constant expression in GNU syntax.
func randomExpr(r *rand.Rand, depth int) string {
	if depth == 0 || r.IntN(4) == 0 {
		switch r.IntN(5) {
		case 0:
			return fmt.Sprintf("%#x", r.Uint64()>>r.IntN(64))
		case 1:
			return fmt.Sprintf("'%c'", 'a'+r.IntN(26))
		case 2:
			return fmt.Sprintf("0%o", r.IntN(1000))
		}
		return fmt.Sprint(r.IntN(100))
	}
	switch r.IntN(10) {
	case 0:
		// Unary ! is left out: GNU's scrubber turns "a ! !b" into "a !! b", MRI's xor.
		return []string{"-", "~"}[r.IntN(2)] + randomExpr(r, depth-1)
	case 1:
		return "(" + randomExpr(r, depth-1) + ")"
	case 2:
		return randomExpr(r, depth-1) + []string{" << ", " >> "}[r.IntN(2)] + fmt.Sprint(r.IntN(64))
	case 3:
		return randomExpr(r, depth-1) + []string{" / ", " % "}[r.IntN(2)] + fmt.Sprint(1+r.IntN(50))
	}
	ops := []string{"+", "-", "*", "|", "&", "^", "!", "==", "!=", "<>", "<", ">", "<=", ">=", "&&", "||"}
	return randomExpr(r, depth-1) + " " + ops[r.IntN(len(ops))] + " " + randomExpr(r, depth-1)
}

// TestGNUExpressions: random constant expressions in .dword give the same
// values as GNU as (its precedence, logical >>, -1 for true).
func TestGNUExpressions(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	var exprs []string
	b.WriteString("\t.data\n")
	for i := 0; i < 2000; i++ {
		e := randomExpr(r, 4)
		exprs = append(exprs, e)
		fmt.Fprintf(&b, "\t.dword %s\n", e)
	}
	obj, err := Assemble("expr.S", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.Sections[len(obj.Sections)-1].Data
	want := sectionData(t, gnuAssemble(t, b.String()), ".data")
	if len(got) != len(want) {
		t.Fatalf("GNU %d bytes, ours %d", len(want), len(got))
	}
	bad := 0
	for i, e := range exprs {
		g, w := got[8*i:8*i+8], want[8*i:8*i+8]
		if !bytes.Equal(g, w) {
			if bad++; bad <= 20 {
				t.Errorf(".dword %s: GNU % x, ours % x", e, w, g)
			}
		}
	}
	t.Logf("%d expressions, %d differ", len(exprs), bad)
}

// TestGNURandomRelaxation: random control-flow graphs with random gaps,
// so that branch lengths depend on each other as relaxation proceeds.
func TestGNURandomRelaxation(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for round := 0; round < 8; round++ {
		var b strings.Builder
		b.WriteString("\t.text\n")
		const blocks = 300
		for i := 0; i < blocks; i++ {
			if i%50 == 0 {
				fmt.Fprintf(&b, "\t.option %s\n", []string{"rvc", "rvc", "norvc"}[r.IntN(3)])
			}
			fmt.Fprintf(&b, "L%d:\n", i)
			target := fmt.Sprintf("L%d", r.IntN(blocks))
			switch r.IntN(8) {
			case 0:
				fmt.Fprintf(&b, "\tbeqz %s, %s\n", regName(r, 8+r.Int64N(8)), target)
			case 1:
				fmt.Fprintf(&b, "\tbnez %s, %s\n", regName(r, r.Int64N(32)), target)
			case 2:
				fmt.Fprintf(&b, "\tj %s\n", target)
			case 3:
				fmt.Fprintf(&b, "\tblt a0, a1, %s\n", target)
			case 4:
				fmt.Fprintf(&b, "\t.zero %d\n", 2*r.IntN(300*(round+1)))
			case 5:
				fmt.Fprintf(&b, "\t.align %d\n", 1+r.IntN(4))
			case 6:
				fmt.Fprintf(&b, "\tcall %s\n", target)
			default:
				fmt.Fprintf(&b, "\tli %s, %d\n", regName(r, 1+r.Int64N(31)), r.Int64N(1<<40)-1<<39)
			}
		}
		compareLinked(t, b.String())
	}
}

// TestGNUMacros: .macro (positional, keyword, default, vararg and
// required parameters, \@, \(), nesting, .exitm), .rept, .irp, .irpc
// and the .if family.
func TestGNUMacros(t *testing.T) {
	compareLinked(t, `
.macro PUTS str
	la a1, 9f
	.pushsection .rodata
9:	.asciz "\str"
	.popsection
.endm
.macro RESET csr, extra=7
	PUTS "\csr reset "
	csrr a0, \csr
	li a1, \extra
	addi a2, a2, \@
.endm
.macro SP a b
	add \a, \a, \b
	addi \a\(), \a, 1
.endm
.macro SUM first:req, rest:vararg
	.dword \first
	.ifnb \rest
	SUM \rest
	.endif
.endm
.macro EARLY n
	.if \n > 2
	li a0, \n
	.exitm
	.endif
	li a1, \n
.endm
	.text
	RESET sstatus
	RESET mepc, 3
	RESET csr=satp, extra=9
	SP a0 a1
	SP a2, a3
	EARLY 1
	EARLY 5
	EARLY 2
.rept 3
	nop
1:	j 1b
.endr
.irp r, a0, a1, t0
	mv \r, zero
.endr
.irpc c, 123
	li a0, \c
.endr
.if 1 + 1 == 2
	li a5, 1
.elseif 1
	li a5, 3
.else
	li a5, 2
.endif
.ifdef FOO
	li a6, 1
.else
	.ifndef FOO
	li a6, 2
	.endif
.endif
.ifc abc, abc
	li a7, 1
.endif
.ifnc abc, abd
	li a7, 2
.endif
.ifeq 3 - 3
	li t1, 1
.endif
	.data
	SUM 1, 2, 3, 4
`)
}

// TestGNUSingleBranch: a program with one forward branch over a gap.
// With no other branch to change, relaxation must still notice that the
// target moved (a first pass once stopped too early here). Explicit
// c.beqz and c.j relax to the 32-bit forms when out of reach, as in GNU.
func TestGNUSingleBranch(t *testing.T) {
	for _, br := range []string{"beqz a0,", "c.beqz a0,", "j", "c.j", "beq a0, a1,", "bnez s0,", "jal"} {
		for _, gap := range []int{100, 300, 1000, 3000, 5000} {
			compareLinked(t, fmt.Sprintf("\t%s 1f\n\t.zero %d\n1:\tnop\n", br, gap))
		}
	}
}

// TestGNURandomPrograms: random mixtures of table rows, pseudo-
// instructions, labels, branches, alignment, data and option changes,
// each compared whole with GNU as + ld.
func TestGNURandomPrograms(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	reg := func() string { return regName(r, r.Int64N(32)) }
	for prog := 0; prog < 12; prog++ {
		var b strings.Builder
		const labels = 40
		label := func() string { return fmt.Sprintf("T%d", r.IntN(labels)) }
		next := 0
		b.WriteString("\t.text\n")
		for i := 0; i < 400; i++ {
			if next < labels && r.IntN(10) == 0 {
				fmt.Fprintf(&b, "T%d:\n", next)
				next++
			}
			switch k := r.IntN(20); {
			case k < 8:
				row := &spec.Insts[r.IntN(len(spec.Insts))]
				if isBranch(row) {
					continue
				}
				if text, ok := randomCase(r, row); ok {
					if row.Ext == spec.ExtC {
						// c.* mnemonics need the C extension on (GNU rejects them under norvc).
						text = ".option push\n\t.option rvc\n\t" + text + "\n\t.option pop"
					}
					b.WriteString("\t" + text + "\n")
				}
			case k < 11:
				fmt.Fprintf(&b, "\t%s\n", []string{"beqz " + reg() + ", " + label(), "bnez s1, " + label(),
					"j " + label(), "call " + label(), "bltu a0, a1, " + label(), ".option push\n\t.option rvc\n\tc.beqz a5, " + label() + "\n\t.option pop"}[r.IntN(6)])
			case k < 13:
				fmt.Fprintf(&b, "\tli %s, %d\n", reg(), int64(r.Uint64())>>r.IntN(64))
			case k < 14:
				fmt.Fprintf(&b, "\tla %s, %s\n", reg(), []string{label(), "D1", "D2"}[r.IntN(3)])
			case k < 15:
				fmt.Fprintf(&b, "\t.option %s\n", []string{"rvc", "norvc", "push", "pop"}[r.IntN(2)])
			case k < 16:
				n := 1 + r.IntN(3)
				if r.IntN(3) == 0 {
					fmt.Fprintf(&b, "\t.balign %d\n", 1<<n)
				} else {
					fmt.Fprintf(&b, "\t.%s %d\n", []string{"align", "p2align"}[r.IntN(2)], n)
				}
			case k < 17:
				fmt.Fprintf(&b, "\t.zero %d\n", 2*r.IntN(300))
			case k < 18:
				fmt.Fprintf(&b, "\t.pushsection .data\n\t.%s %s\n\t.popsection\n", []string{"byte", "half", "word", "dword"}[r.IntN(4)], []string{"1", "-1", "D1 - D2", "7"}[r.IntN(4)])
			default:
				fmt.Fprintf(&b, "\t%s %s, %s\n", []string{"mv", "not", "neg", "sext.w", "seqz"}[r.IntN(5)], reg(), reg())
			}
		}
		for ; next < labels; next++ {
			fmt.Fprintf(&b, "T%d:\tnop\n", next)
		}
		b.WriteString("\t.data\nD1: .word 1\n\t.align 3\nD2: .dword D1\n")
		compareLinked(t, b.String())
	}
}
