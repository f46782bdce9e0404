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

// insnFormat describes one format: the fixed fields written after the
// format name (the opcode first), then the operands. A compressed format
// may take a raw unsigned immediate (rawImm), which no instruction's
// operand layout in spec.ArgSpecs describes: it is placed as is.
type insnFormat struct {
	fixed  []field
	args   []spec.Arg
	syntax string
	rawImm []spec.BitField // ciw, css: the last operand; cl, cs: the offset of imm(rs1')
}

// field is a fixed field of .insn: bits [lo, lo+width).
type field struct{ lo, width uint8 }

var (
	op7 = field{0, 7}
	op2 = field{0, 2}
	f3  = field{12, 3}
	f7  = field{25, 7}
	cf3 = field{13, 3}
	cf4 = field{12, 4}
	cf6 = field{10, 6}
	cf2 = field{5, 2}
)

// insnFormats are the formats of binutils riscv-opc.c riscv_insn_types.
var insnFormats = map[string][]insnFormat{
	"r": {{[]field{op7, f3, f7}, []spec.Arg{spec.ArgRd, spec.ArgRs1, spec.ArgRs2}, "rd,rs1,rs2", nil}},
	"i": {
		{[]field{op7, f3}, []spec.Arg{spec.ArgRd, spec.ArgRs1, spec.ArgImm12}, "rd,rs1,imm", nil},
		{[]field{op7, f3}, []spec.Arg{spec.ArgRd, spec.ArgImm12, spec.ArgRs1}, "rd,imm(rs1)", nil},
	},
	"s":  {{[]field{op7, f3}, []spec.Arg{spec.ArgRs2, spec.ArgSImm12, spec.ArgRs1}, "rs2,imm(rs1)", nil}},
	"b":  {{[]field{op7, f3}, []spec.Arg{spec.ArgRs1, spec.ArgRs2, spec.ArgBImm}, "rs1,rs2,imm", nil}},
	"sb": {{[]field{op7, f3}, []spec.Arg{spec.ArgRs1, spec.ArgRs2, spec.ArgBImm}, "rs1,rs2,imm", nil}},
	"u":  {{[]field{op7}, []spec.Arg{spec.ArgRd, spec.ArgUImm}, "rd,imm", nil}},
	"j":  {{[]field{op7}, []spec.Arg{spec.ArgRd, spec.ArgJImm}, "rd,imm", nil}},
	"uj": {{[]field{op7}, []spec.Arg{spec.ArgRd, spec.ArgJImm}, "rd,imm", nil}},
	"cr": {{[]field{op2, cf4}, []spec.Arg{spec.ArgCRd, spec.ArgCRs2}, "rd,rs2", nil}},
	"ci": {{[]field{op2, cf3}, []spec.Arg{spec.ArgCRd, spec.ArgCImm6}, "rd,imm", nil}},
	"ciw": {{[]field{op2, cf3}, []spec.Arg{spec.ArgCRdP}, "rd",
		[]spec.BitField{{Lo: 5, Width: 8, To: 0}}}},
	"css": {{[]field{op2, cf3}, []spec.Arg{spec.ArgCRs2}, "rs2",
		[]spec.BitField{{Lo: 7, Width: 6, To: 0}}}},
	"cl": {{[]field{op2, cf3}, []spec.Arg{spec.ArgCRdP, spec.ArgCRs1P}, "rd,(rs1)",
		[]spec.BitField{{Lo: 5, Width: 2, To: 0}, {Lo: 10, Width: 3, To: 2}}}},
	"cs": {{[]field{op2, cf3}, []spec.Arg{spec.ArgCRs2P, spec.ArgCRs1P}, "rs2,(rs1)",
		[]spec.BitField{{Lo: 5, Width: 2, To: 0}, {Lo: 10, Width: 3, To: 2}}}},
	"ca": {{[]field{op2, cf6, cf2}, []spec.Arg{spec.ArgCRs1P, spec.ArgCRs2P}, "rd,rs2", nil}},
	"cb": {{[]field{op2, cf3}, []spec.Arg{spec.ArgCRs1P, spec.ArgCBImm}, "rs1,imm", nil}},
	"cj": {{[]field{op2, cf3}, []spec.Arg{spec.ArgCJImm}, "imm", nil}},
}

// insnOpcodes are the major opcode names .insn accepts (Unprivileged
// spec Table 24.1, as binutils spells them).
var insnOpcodes = map[string]int64{
	"LOAD": 0x03, "LOAD_FP": 0x07, "CUSTOM_0": 0x0b, "MISC_MEM": 0x0f, "OP_IMM": 0x13, "AUIPC": 0x17,
	"OP_IMM_32": 0x1b, "STORE": 0x23, "STORE_FP": 0x27, "CUSTOM_1": 0x2b, "AMO": 0x2f, "OP": 0x33,
	"LUI": 0x37, "OP_32": 0x3b, "MADD": 0x43, "MSUB": 0x47, "NMSUB": 0x4b, "NMADD": 0x4f, "OP_FP": 0x53,
	"CUSTOM_2": 0x5b, "BRANCH": 0x63, "JALR": 0x67, "JAL": 0x6f, "SYSTEM": 0x73, "CUSTOM_3": 0x7b,
}

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
		nraw := 0
		if form.rawImm != nil && !strings.Contains(form.syntax, "(") {
			nraw = 1
		}
		if len(args) != len(form.fixed)+len(elems)+nraw {
			continue
		}
		if strings.HasSuffix(args[len(args)-1], ")") != strings.Contains(form.syntax, "(") {
			continue
		}
		compressed := form.fixed[0] == op2
		if compressed && !a.rvc {
			a.errorf(".insn: compressed format under .option norvc")
			return
		}
		match := uint32(0)
		for i, f := range form.fixed {
			text := strings.TrimSpace(args[i])
			v, ok := insnOpcodes[text]
			if !ok || i > 0 || compressed {
				if v, ok = a.mustConstant(text); !ok {
					return
				}
			}
			// Unprivileged spec §1.5: opcode bits 1:0 say the length.
			badOpcode := i == 0 && (compressed && v == 3 || !compressed && (v&3 != 3 || v&0x1c == 0x1c))
			if v < 0 || v >= 1<<f.width || badOpcode {
				a.errorf(".insn: field %d value %#x out of range", i+1, v)
				return
			}
			match |= uint32(v) << f.lo
		}
		ops := args[len(form.fixed):]
		if form.rawImm != nil {
			// The raw immediate: the last operand, or the offset in imm(rs1').
			last := len(ops) - 1
			text := ops[last]
			if nraw == 0 {
				off, base, _ := splitMem(text)
				text, ops[last] = off, "("+base+")"
				if text == "" {
					text = "0"
				}
			} else {
				ops = ops[:last]
			}
			v, ok := a.mustConstant(text)
			if !ok {
				return
			}
			var width uint8
			for _, f := range form.rawImm {
				width += f.Width
				match |= uint32(v>>f.To&(1<<f.Width-1)) << f.Lo
			}
			if v < 0 || v >= 1<<width {
				a.errorf(".insn: immediate %d out of range [0, %d]", v, 1<<width-1)
				return
			}
		}
		row := &spec.Inst{Name: insnName, Match: match, Args: form.args, Syntax: form.syntax}
		if compressed {
			row.Ext = spec.ExtC
		}
		a.encodeRow(row, insnName, ops, compressPolicy{none: true}, 0, 0)
		return
	}
	a.errorf(".insn: wrong number or kind of operands")
}
