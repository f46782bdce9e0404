package asm

import (
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// .insn writes an instruction by its format and fields (GNU as, "RISC-V
// Instruction Formats"): either a raw value, ".insn [LENGTH,] VALUE", or
// ".insn FORMAT OPCODE, FUNCT..., OPERANDS". It never compresses and
// never relaxes. The operand layouts are spec.ArgSpecs'.

const insnName = ".insn"

// insnFormat describes one 32-bit format: how many funct fields follow
// the opcode (funct3, then funct7) and the operands after them.
type insnFormat struct {
	functs int
	args   []spec.Arg
	syntax string
}

var insnFormats = map[string][]insnFormat{
	"r": {{2, []spec.Arg{spec.ArgRd, spec.ArgRs1, spec.ArgRs2}, "rd,rs1,rs2"}},
	"i": {
		{1, []spec.Arg{spec.ArgRd, spec.ArgRs1, spec.ArgImm12}, "rd,rs1,imm"},
		{1, []spec.Arg{spec.ArgRd, spec.ArgImm12, spec.ArgRs1}, "rd,imm(rs1)"},
	},
	"s":  {{1, []spec.Arg{spec.ArgRs2, spec.ArgSImm12, spec.ArgRs1}, "rs2,imm(rs1)"}},
	"b":  {{1, []spec.Arg{spec.ArgRs1, spec.ArgRs2, spec.ArgBImm}, "rs1,rs2,imm"}},
	"sb": {{1, []spec.Arg{spec.ArgRs1, spec.ArgRs2, spec.ArgBImm}, "rs1,rs2,imm"}},
	"u":  {{0, []spec.Arg{spec.ArgRd, spec.ArgUImm}, "rd,imm"}},
	"j":  {{0, []spec.Arg{spec.ArgRd, spec.ArgJImm}, "rd,imm"}},
	"uj": {{0, []spec.Arg{spec.ArgRd, spec.ArgJImm}, "rd,imm"}},
}

// insnOpcodes are the major opcode names .insn accepts (Unprivileged
// spec Table 24.1, as binutils spells them).
var insnOpcodes = map[string]int64{
	"LOAD": 0x03, "LOAD_FP": 0x07, "CUSTOM_0": 0x0b, "MISC_MEM": 0x0f, "OP_IMM": 0x13, "AUIPC": 0x17,
	"OP_IMM_32": 0x1b, "STORE": 0x23, "STORE_FP": 0x27, "CUSTOM_1": 0x2b, "AMO": 0x2f, "OP": 0x33,
	"LUI": 0x37, "OP_32": 0x3b, "MADD": 0x43, "MSUB": 0x47, "NMSUB": 0x4b, "NMADD": 0x4f, "OP_FP": 0x53,
	"CUSTOM_2": 0x5b, "BRANCH": 0x63, "JALR": 0x67, "JAL": 0x6f, "SYSTEM": 0x73, "CUSTOM_3": 0x7b,
}

// functFields are where the funct fields go: funct3 at bit 12, funct7 at 25.
var functFields = []struct {
	lo    uint
	width uint
}{{12, 3}, {25, 7}}

func (a *assembler) dirInsn(name, rest string) {
	rest = strings.TrimSpace(rest)
	f := strings.Fields(rest)
	if len(f) > 0 {
		if forms, ok := insnFormats[strings.ToLower(f[0])]; ok {
			a.insnFormat(forms, strings.TrimSpace(rest[len(f[0]):]))
			return
		}
	}
	args := splitOperands(rest)
	if len(args) == 0 || len(args) > 2 {
		a.errorf(".insn: want [LENGTH,] VALUE or FORMAT OPERANDS")
		return
	}
	v, ok := a.mustConstant(args[len(args)-1])
	if !ok {
		return
	}
	length := int64(spec.InsnLen(uint32(v)))
	if len(args) == 2 {
		if length, ok = a.mustConstant(args[0]); !ok {
			return
		}
	}
	// Unprivileged spec §1.5: a 32-bit instruction has bits 4:2 != 111.
	if length != 2 && length != 4 || length == 2 && v>>16 != 0 || uint64(v)>>32 != 0 ||
		spec.InsnLen(uint32(v)) != int(length) || length == 4 && v&0x1c == 0x1c {
		a.errorf(".insn: value %#x is not a %d-byte instruction", v, length)
		return
	}
	a.add(&item{kind: itemBytes, bytes: appendLE(nil, uint64(v), int(length)), size: uint64(length)})
}

func (a *assembler) insnFormat(forms []insnFormat, rest string) {
	args := splitOperands(rest)
	for _, form := range forms {
		elems := parseTemplate(&spec.Inst{Args: form.args, Syntax: form.syntax})
		if len(args) != 1+form.functs+len(elems) {
			continue
		}
		if strings.HasSuffix(args[len(args)-1], ")") != strings.Contains(form.syntax, "(") {
			continue
		}
		match := uint32(0)
		for i := 0; i <= form.functs; i++ {
			text := strings.TrimSpace(args[i])
			v, ok := insnOpcodes[text]
			if !ok || i > 0 {
				if v, ok = a.mustConstant(text); !ok {
					return
				}
			}
			lo, width := uint(0), uint(7)
			if i > 0 {
				lo, width = functFields[i-1].lo, functFields[i-1].width
			}
			if v < 0 || v >= 1<<width || i == 0 && (v&3 != 3 || v&0x1c == 0x1c) {
				a.errorf(".insn: field %d value %#x out of range", i+1, v)
				return
			}
			match |= uint32(v) << lo
		}
		row := &spec.Inst{Name: insnName, Match: match, Args: form.args, Syntax: form.syntax}
		a.encodeRow(row, insnName, args[1+form.functs:], compressPolicy{none: true}, 0, 0)
		return
	}
	a.errorf(".insn: wrong number or kind of operands")
}
