package asm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// TestTemplatesFollowArgs: the operands of every row's Syntax appear in
// the order of its Args (flags aside), with matching roles. The
// assembler relies on this to map written operands to Args.
func TestTemplatesFollowArgs(t *testing.T) {
	for i := range spec.Insts {
		row := &spec.Insts[i]
		var nonFlag []spec.Arg
		for _, a := range row.Args {
			if spec.ArgSpecs[a].Kind != spec.KindFlag {
				nonFlag = append(nonFlag, a)
			}
		}
		seen := 0
		for _, e := range template(row) {
			for _, idx := range []int{e.arg, e.baseArg} {
				if idx < 0 {
					continue
				}
				if idx != seen {
					t.Errorf("%s: template operand %d is Args[%d]", row.Name, seen, idx)
				}
				seen++
			}
		}
		if seen != len(nonFlag) {
			t.Errorf("%s: Syntax %q names %d operands, Args has %d", row.Name, row.Syntax, seen, len(nonFlag))
		}
	}
}

func assemble(t *testing.T, src string, opts Options) *Object {
	t.Helper()
	obj, err := Assemble("t.S", []byte(src), opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return obj
}

func words(b []byte) []uint32 {
	var out []uint32
	for len(b) > 0 {
		n := spec.InsnLen(uint32(b[0]))
		var w uint32
		for i := n - 1; i >= 0; i-- {
			w = w<<8 | uint32(b[i])
		}
		out = append(out, w)
		b = b[n:]
	}
	return out
}

// TestEncodings are hand-checked words (objdump of GNU as output).
func TestEncodings(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []uint32
	}{
		{"addi a0, a1, -1", []uint32{0xfff58513}},
		{"c.addi a0, -1", []uint32{0x157d}},
		{"add a0, a1, a0", []uint32{0x952e}}, // commuted to c.add
		{"addi a0, a0, 0", []uint32{0x852a}}, // c.mv, as GNU picks
		{"jalr x0, 0(a0)", []uint32{0x00050067}},
		{"jr a0", []uint32{0x8502}},
		{"li a0, 0x100000000", []uint32{0x0010051b, 0x1502}},
		{"li a0, 0x7ffff800", []uint32{0x80000537, 0x8005051b}},
		{"lr.w.aq a0, (a1)", []uint32{0x1405a52f}},
		{"amoadd.d.aqrl a0, a1, 0(a2)", []uint32{0x06b6352f}},
		{"csrw mstatus, 8", []uint32{0x30045073}},
		{"fence", []uint32{0x0ff0000f}},
		{"1: beqz a0, 1b", []uint32{0xc101}},
		{"1: j 1b", []uint32{0xa001}},
		{"1: jal x0, 1b", []uint32{0x0000006f}},
	} {
		obj := assemble(t, c.src, Options{})
		if got := words(obj.Sections[0].Data); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q = %#x, want %#x", c.src, got, c.want)
		}
	}
}

// TestErrors: bad input gives file:line errors, all of them, capped.
func TestErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []string
	}{
		{"nop\naddx a0, a1, a2\n", []string{`t.S:2: unknown instruction "addx"`}},
		{"\n\n\n\n\n\naddi a0, a0, 5000\n", []string{"t.S:7: addi: immediate 5000 out of range [-2048, 2047]"}},
		{"add a0, a1, q7", []string{`t.S:1: add: bad register "q7"`}},
		{"add a0, a1", []string{"t.S:1: add: want 3 operands (rd,rs1,rs2), have 2"}},
		{"j nowhere", []string{`t.S:1: undefined symbol "nowhere"`}},
		{"x: nop\nx: nop", []string{`t.S:2: symbol "x" already defined at line 1`}},
		{"c.lw a0, 0(a7)", []string{"t.S:1: c.lw: register x17 is not one of x8..x15"}},
		{"c.lw a0, 2(a1)", []string{"t.S:1: c.lw: immediate 2 is not a multiple of 4"}},
		{"beq a0, a1, .+3", []string{"t.S:1: branch offset 3 is not a multiple of 2"}},
		{"lui a0, 0x100000", []string{"t.S:1: lui: immediate 0x100000 out of range [0, 0xfffff]"}},
		{"li a0, undefined_sym", []string{`t.S:1: "undefined_sym" must be a constant`}},
		{".bogus 1", []string{`t.S:1: unknown directive ".bogus"`}},
		{".bss\n.word 1", []string{"t.S:2: section .bss holds no data (nobits); only .zero/.space/.align are allowed"}},
		{".byte 256", []string{"t.S:1: value 0x100 does not fit in 1 bytes"}},
		{"csrr a0, nosuchcsr", []string{`t.S:1: csrr: unknown CSR "nosuchcsr"`}},
		{"fence rx, w", []string{`t.S:1: fence: bad fence operand "rx": want a subset of iorw`}},
		{"1: j 2b", []string{`t.S:1: j: undefined local label "2b"`}},
		{"addi a0, a0, 1/0", []string{"t.S:1: addi: division by zero"}},
		{".option pop", []string{"t.S:1: .option pop without .option push"}},
		{"lui a0, %hi(0x80000000)", []string{"t.S:1: lui: %hi(0x80000000): value out of range of lui+addi (not a sign-extended 32-bit value)"}},
		{".string abc", []string{"t.S:1: .string: want a quoted string, have abc"}},
		{".macro M\nnop\n", []string{"t.S:1: .macro without .endm"}},
		{".endif", []string{"t.S:1: .endif without .if"}},
		{".if 1\nnop", []string{"t.S:2: .if without .endif"}},
		{".macro R\nR\n.endm\nR", []string{"t.S:4: macro expansion nested more than 100 deep"}},
		{".rept 1<<30\n.endr", []string{"t.S:2: .rept: count 1073741824 out of range [0, 1048576]"}},
		{".macro M a:req\n.endm\nM", []string{`t.S:3: missing value for required macro parameter "a"`}},
		{".option norvc\nc.nop", []string{"t.S:2: c.nop: compressed instruction under .option norvc"}},
		{".option norvc\n.insn ci 1, 0, a0, 1", []string{"t.S:2: .insn: compressed format under .option norvc"}},
		{"addi a0, a0, LATER\n.equ LATER, 3", []string{`t.S:1: addi: immediate "LATER" is not a constant here (a label needs %lo/%hi/%pcrel_*, a symbol its .equ before this line)`}},
		{"x: addi a0, a0, x", []string{`t.S:1: addi: immediate "x" is not a constant here (a label needs %lo/%hi/%pcrel_*, a symbol its .equ before this line)`}},
		{"addi a0, a0, 'ab'", []string{`t.S:1: addi: bad character constant "'"`}},
	} {
		_, err := Assemble("t.S", []byte(c.src), Options{})
		var list ErrorList
		if err == nil {
			t.Errorf("%q: no error, want %q", c.src, c.want)
			continue
		}
		list, _ = err.(ErrorList)
		if fmt.Sprint([]string(list)) != fmt.Sprint(c.want) {
			t.Errorf("%q:\n got %q\nwant %q", c.src, []string(list), c.want)
		}
	}
}

func TestErrorsAllReportedAndCapped(t *testing.T) {
	src := strings.Repeat("bogus\n", 50)
	_, err := Assemble("t.S", []byte(src), Options{})
	list, ok := err.(ErrorList)
	if !ok || len(list) != 20 || list[19] != `t.S:20: unknown instruction "bogus"` {
		t.Fatalf("got %d errors (%v), want the first 20", len(list), err)
	}
	_, err = Assemble("t.S", []byte("bogus\nnop\naddi a0,a0,9999\n"), Options{MaxErrors: 5})
	if list, _ := err.(ErrorList); len(list) != 2 {
		t.Errorf("want both errors, got %v", err)
	}
}

func TestNumericLocalLabels(t *testing.T) {
	obj := assemble(t, `
1:	nop
1:	j 1b
	j 1f
	j 1b
1:	nop
`, Options{})
	// c.j offsets: 1b from the 2nd insn = 0; 1f from 0x4 = +4; 1b from 0x6 = -4.
	want := []uint32{0x0001, 0xa001, 0xa011, 0xbff5, 0x0001}
	if got := words(obj.Sections[0].Data); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %#x, want %#x", got, want)
	}
}

// TestELF checks the file against what debug/elf, QEMU and objdump need.
func TestELF(t *testing.T) {
	obj := assemble(t, `
	.globl _start
	.text
	nop
_start:	la a0, msg
	.data
msg:	.string "hi"
	.bss
buf:	.zero 64
`, Options{})
	image, err := obj.ELF()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != elf.ET_EXEC || f.Machine != elf.EM_RISCV || f.Class != elf.ELFCLASS64 || f.Entry != 0x80000002 {
		t.Errorf("header: type %v machine %v class %v entry %#x", f.Type, f.Machine, f.Class, f.Entry)
	}
	flags := binary.LittleEndian.Uint32(image[48:])
	if flags != 1 {
		t.Errorf("e_flags = %#x, want RVC|soft-float = 0x1", flags)
	}
	var loads []*elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			loads = append(loads, p)
			if p.Off%p.Align != p.Vaddr%p.Align {
				t.Errorf("PT_LOAD at %#x: offset %#x not congruent modulo %#x", p.Vaddr, p.Off, p.Align)
			}
		}
	}
	if len(loads) != 2 || loads[0].Vaddr != 0x80000000 || loads[0].Flags != elf.PF_R|elf.PF_X ||
		loads[1].Vaddr != 0x80001000 || loads[1].Flags != elf.PF_R|elf.PF_W || loads[1].Filesz != 3 || loads[1].Memsz != 3+64 {
		for _, p := range loads {
			t.Logf("%+v", p.ProgHeader)
		}
		t.Errorf("want R+X text at 0x80000000 and R+W data+bss at 0x80001000")
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]elf.Symbol{}
	for _, s := range syms {
		got[s.Name] = s
	}
	if s := got["_start"]; s.Value != 0x80000002 || elf.ST_BIND(s.Info) != elf.STB_GLOBAL || f.Sections[s.Section].Name != ".text" {
		t.Errorf("_start = %+v", s)
	}
	if s := got["msg"]; s.Value != 0x80001000 || elf.ST_BIND(s.Info) != elf.STB_LOCAL {
		t.Errorf("msg = %+v", s)
	}
	if s := got["buf"]; s.Value != 0x80001003 || f.Sections[s.Section].Name != ".bss" {
		t.Errorf("buf = %+v", s)
	}
	attr := f.Section(".riscv.attributes")
	if attr == nil {
		t.Fatal("no .riscv.attributes")
	}
	data, _ := attr.Data()
	if !bytes.Contains(data, []byte("\x05rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0_zifencei2p0\x00")) || data[0] != 'A' ||
		int(binary.LittleEndian.Uint32(data[1:])) != len(data)-1 {
		t.Errorf(".riscv.attributes = %q", data)
	}
	// The in-memory program matches the file.
	p := obj.Program("t.S")
	if p.Entry != f.Entry || len(p.Segments) != 2 || p.Symbols["buf"] != 0x80001003 {
		t.Errorf("Program = %+v", p)
	}
	for i, l := range loads {
		b := make([]byte, l.Filesz)
		if _, err := l.ReadAt(b, 0); err != nil {
			t.Fatal(err)
		}
		if s := p.Segments[i]; s.Addr != l.Vaddr || !bytes.Equal(s.Data, b) || s.MemSize != l.Memsz {
			t.Errorf("segment %d: Program has %#x+%d/%d, ELF %#x+%d/%d", i, s.Addr, len(s.Data), s.MemSize, l.Vaddr, len(b), l.Memsz)
		}
	}
}

func TestDefsym(t *testing.T) {
	obj := assemble(t, "li a0, TOP\n.dword TOP", Options{Defsym: map[string]int64{"TOP": 0x80004000}})
	if got := obj.Sections[0].Data; len(got) != 8+8 || got[8] != 0 || got[9] != 0x40 || got[11] != 0x80 {
		t.Errorf("got % x", got)
	}
	if v, ok := obj.Symbol("TOP"); !ok || v != 0x80004000 {
		t.Errorf("TOP = %#x, %v", v, ok)
	}
}

func TestOverlap(t *testing.T) {
	_, err := Assemble("t.S", []byte("nop\nnop\n.data\n.byte 1"), Options{TextBase: 0x1000, DataBase: 0x1002})
	if err == nil || err.Error() != "t.S:4: section .data at 0x1002 overlaps section .text" {
		t.Errorf("got %v", err)
	}
}

func TestOptions(t *testing.T) {
	obj := assemble(t, "add a0, a0, a1\n.data\n.byte 1", Options{NoRVC: true, TextBase: 0x1000, DataBase: 0x5000})
	if got := words(obj.Sections[0].Data); len(got) != 1 || got[0] != 0x00b50533 || obj.Sections[0].Addr != 0x1000 || obj.Sections[1].Addr != 0x5000 {
		t.Errorf("got %#x at %#x, data at %#x", got, obj.Sections[0].Addr, obj.Sections[1].Addr)
	}
}
