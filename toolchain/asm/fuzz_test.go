package asm

import (
	"bytes"
	"debug/elf"
	"math/rand/v2"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// FuzzAsm has two properties. Any source text: Assemble never panics,
// and what it accepts makes an ELF that debug/elf reads. A generated
// single instruction (row index and operand bits from the fuzzer):
// assembling it and decoding the bytes gives back the same row and
// operand values.
func FuzzAsm(f *testing.F) {
	for _, s := range []string{
		"nop", "li a0, 0x123456789abcdef0", "1: j 1b", "beqz a0, 1f\n1:", "la a0, x\nx: .word x",
		".section .foo,\"aw\",@progbits\n.dword 1", ".align 3\n.byte 'a'", "call f\nf: ret",
		"lr.w.aqrl a0, (a1)", "csrrw a0, mstatus, a1", ".equ A, 1 << 3\naddi a0, a0, A",
		".option push\n.option norvc\nc.nop\n.option pop", "auipc a0, %pcrel_hi(y)\ny: addi a0, a0, %pcrel_lo(y)",
		".string \"a\\x41\\101\"", ".zero 8, 1", "/* c */ add a0,a1,a2 # x", "fence rw, io; fence.i",
		".insn r OP, 0, 0, a0, a1, a2", ".insn 0x4501",
		".macro M a, b=2\n.if \\b\nli \\a, \\b\n.endif\n.endm\nM a0\nM a1 0", ".rept 2\n.irp r, a0, a1\nmv \\r, x0\n.endr\n.endr", ".irpc c, 12\n.byte \\c\n.endr", ".local x\n.comm x, 8, 8\n.comm y, 4", "lw a0, y\ny: .word 1",
	} {
		f.Add(s, uint16(0), uint32(0))
	}
	f.Add("", uint16(99), uint32(0x1234))
	f.Add("", uint16(3), uint32(0xffffffff))
	f.Fuzz(func(t *testing.T, src string, rowIndex uint16, bits uint32) {
		if obj, err := Assemble("fuzz.S", []byte(src), Options{}); err == nil {
			image, err := obj.ELF()
			if err != nil {
				t.Fatalf("ELF: %v", err)
			}
			if _, err := elf.NewFile(bytes.NewReader(image)); err != nil {
				t.Fatalf("debug/elf cannot read our ELF: %v", err)
			}
		} else if _, ok := err.(ErrorList); !ok {
			t.Fatalf("error is %T, want ErrorList", err)
		}

		row := &spec.Insts[int(rowIndex)%len(spec.Insts)]
		w := row.Match | bits&row.ArgMask()
		if spec.Decode(w) != row {
			return
		}
		vals := make([]int64, len(row.Args))
		for i, a := range row.Args {
			vals[i] = a.Value(w)
		}
		if row.Ext == spec.ExtC && isGNUHint(row, vals) {
			return
		}
		text, ok := formatInsn(rand.New(rand.NewPCG(uint64(bits), 0)), row, vals)
		if !ok {
			return
		}
		obj, err := Assemble("one.S", []byte(text), Options{NoRVC: row.Ext != spec.ExtC})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		ws := words(obj.Sections[0].Data)
		if len(ws) != 1 {
			t.Fatalf("%q: assembled to %#x, want one instruction", text, ws)
		}
		got := spec.Decode(ws[0])
		if got != row {
			t.Fatalf("%q: assembled %#x decodes as %v, want %s", text, ws[0], got, row.Name)
		}
		for i, a := range row.Args {
			if v := a.Value(ws[0]); v != vals[i] {
				t.Fatalf("%q: operand %s = %d, want %d", text, spec.ArgSpecs[a].Name, v, vals[i])
			}
		}
	})
}
