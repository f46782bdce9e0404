package spec

import "fmt"

// BitField maps instruction bits [Lo, Lo+Width) onto bits [To, To+Width)
// of an operand's value. An operand is the concatenation of its fields.
type BitField struct{ Lo, Width, To uint8 }

// ArgKind says how an operand's raw bits are read.
type ArgKind uint8

const (
	KindReg   ArgKind = iota // integer register number
	KindSImm                 // signed immediate: the top field bit is the sign
	KindUImm                 // unsigned immediate
	KindCSR                  // 12-bit CSR address
	KindFence                // FENCE pred/succ set: bits I,O,R,W
	KindFlag                 // a one-bit flag written as a mnemonic suffix (aq, rl)
)

// Arg identifies an operand layout in ArgSpecs.
type Arg uint8

// Operand layouts. The names follow riscv-opcodes where it has one.
const (
	ArgRd Arg = iota
	ArgRs1
	ArgRs2
	ArgImm12  // I-type immediate
	ArgSImm12 // S-type immediate
	ArgBImm   // B-type branch offset
	ArgUImm   // U-type immediate, as the full value (bits 31:12 set)
	ArgJImm   // J-type jump offset
	ArgShamt6 // RV64 shift amount
	ArgShamt5 // 32-bit (W) shift amount
	ArgCSR
	ArgZimm // CSR immediate
	ArgPred
	ArgSucc
	ArgAq
	ArgRl

	// Compressed (C) operands (Unprivileged spec §16).
	ArgCRd      // rd, bits 11:7
	ArgCRs1     // rs1, bits 11:7 (same field as rd)
	ArgCRs2     // rs2, bits 6:2
	ArgCRdP     // rd', bits 4:2 (x8..x15)
	ArgCRs1P    // rs1', bits 9:7 (x8..x15)
	ArgCRs2P    // rs2', bits 4:2 (x8..x15)
	ArgCImm6    // CI signed imm[5|4:0]
	ArgCShamt   // CI unsigned shamt[5|4:0]
	ArgCLuiImm  // c.lui nzimm[17|16:12], as the full value
	ArgCImm16SP // c.addi16sp nzimm[9|4|6|8:7|5]
	ArgCImm4SPN // c.addi4spn nzuimm[5:4|9:6|2|3]
	ArgCUimmW   // c.lw/c.sw uimm[5:3|2|6]
	ArgCUimmD   // c.ld/c.sd uimm[5:3|7:6]
	ArgCUimmLWSP
	ArgCUimmLDSP
	ArgCUimmSWSP
	ArgCUimmSDSP
	ArgCJImm // c.j offset[11|4|9:8|10|6|7|3:1|5]
	ArgCBImm // c.beqz/c.bnez offset[8|4:3|7:6|2:1|5]

	NumArgs
)

// ArgSpec describes one operand layout.
type ArgSpec struct {
	Name   string
	Role   string // the operand's meaning, shared by a C form and its expansion: rd, rs1, rs2, imm, csr, pred, succ, aq, rl
	Kind   ArgKind
	Fields []BitField
	Offset int64 // added to the raw value (8 for the x8..x15 registers of C forms)
}

// ArgSpecs is the operand table, indexed by Arg.
var ArgSpecs = [NumArgs]ArgSpec{
	ArgRd:     {"rd", "rd", KindReg, []BitField{{7, 5, 0}}, 0},
	ArgRs1:    {"rs1", "rs1", KindReg, []BitField{{15, 5, 0}}, 0},
	ArgRs2:    {"rs2", "rs2", KindReg, []BitField{{20, 5, 0}}, 0},
	ArgImm12:  {"imm12", "imm", KindSImm, []BitField{{20, 12, 0}}, 0},
	ArgSImm12: {"simm12", "imm", KindSImm, []BitField{{7, 5, 0}, {25, 7, 5}}, 0},
	ArgBImm:   {"bimm12", "imm", KindSImm, []BitField{{8, 4, 1}, {25, 6, 5}, {7, 1, 11}, {31, 1, 12}}, 0},
	ArgUImm:   {"imm20", "imm", KindSImm, []BitField{{12, 20, 12}}, 0},
	ArgJImm:   {"jimm20", "imm", KindSImm, []BitField{{21, 10, 1}, {20, 1, 11}, {12, 8, 12}, {31, 1, 20}}, 0},
	ArgShamt6: {"shamt6", "imm", KindUImm, []BitField{{20, 6, 0}}, 0},
	ArgShamt5: {"shamt5", "imm", KindUImm, []BitField{{20, 5, 0}}, 0},
	ArgCSR:    {"csr", "csr", KindCSR, []BitField{{20, 12, 0}}, 0},
	ArgZimm:   {"zimm", "rs1", KindUImm, []BitField{{15, 5, 0}}, 0},
	ArgPred:   {"pred", "pred", KindFence, []BitField{{24, 4, 0}}, 0},
	ArgSucc:   {"succ", "succ", KindFence, []BitField{{20, 4, 0}}, 0},
	ArgAq:     {"aq", "aq", KindFlag, []BitField{{26, 1, 0}}, 0},
	ArgRl:     {"rl", "rl", KindFlag, []BitField{{25, 1, 0}}, 0},

	ArgCRd:       {"c.rd", "rd", KindReg, []BitField{{7, 5, 0}}, 0},
	ArgCRs1:      {"c.rs1", "rs1", KindReg, []BitField{{7, 5, 0}}, 0},
	ArgCRs2:      {"c.rs2", "rs2", KindReg, []BitField{{2, 5, 0}}, 0},
	ArgCRdP:      {"c.rd'", "rd", KindReg, []BitField{{2, 3, 0}}, 8},
	ArgCRs1P:     {"c.rs1'", "rs1", KindReg, []BitField{{7, 3, 0}}, 8},
	ArgCRs2P:     {"c.rs2'", "rs2", KindReg, []BitField{{2, 3, 0}}, 8},
	ArgCImm6:     {"c.imm6", "imm", KindSImm, []BitField{{2, 5, 0}, {12, 1, 5}}, 0},
	ArgCShamt:    {"c.shamt", "imm", KindUImm, []BitField{{2, 5, 0}, {12, 1, 5}}, 0},
	ArgCLuiImm:   {"c.luiimm", "imm", KindSImm, []BitField{{2, 5, 12}, {12, 1, 17}}, 0},
	ArgCImm16SP:  {"c.imm16sp", "imm", KindSImm, []BitField{{6, 1, 4}, {2, 1, 5}, {5, 1, 6}, {3, 2, 7}, {12, 1, 9}}, 0},
	ArgCImm4SPN:  {"c.uimm4spn", "imm", KindUImm, []BitField{{6, 1, 2}, {5, 1, 3}, {11, 2, 4}, {7, 4, 6}}, 0},
	ArgCUimmW:    {"c.uimmw", "imm", KindUImm, []BitField{{6, 1, 2}, {10, 3, 3}, {5, 1, 6}}, 0},
	ArgCUimmD:    {"c.uimmd", "imm", KindUImm, []BitField{{10, 3, 3}, {5, 2, 6}}, 0},
	ArgCUimmLWSP: {"c.uimmlwsp", "imm", KindUImm, []BitField{{4, 3, 2}, {12, 1, 5}, {2, 2, 6}}, 0},
	ArgCUimmLDSP: {"c.uimmldsp", "imm", KindUImm, []BitField{{5, 2, 3}, {12, 1, 5}, {2, 3, 6}}, 0},
	ArgCUimmSWSP: {"c.uimmswsp", "imm", KindUImm, []BitField{{9, 4, 2}, {7, 2, 6}}, 0},
	ArgCUimmSDSP: {"c.uimmsdsp", "imm", KindUImm, []BitField{{10, 3, 3}, {7, 3, 6}}, 0},
	ArgCJImm:     {"c.jimm", "imm", KindSImm, []BitField{{3, 3, 1}, {11, 1, 4}, {2, 1, 5}, {7, 1, 6}, {6, 1, 7}, {9, 2, 8}, {8, 1, 10}, {12, 1, 11}}, 0},
	ArgCBImm:     {"c.bimm", "imm", KindSImm, []BitField{{3, 2, 1}, {10, 2, 3}, {2, 1, 5}, {5, 2, 6}, {12, 1, 8}}, 0},
}

// Mask returns the instruction bits the operand occupies.
func (a Arg) Mask() uint32 {
	var m uint32
	for _, f := range ArgSpecs[a].Fields {
		m |= (1<<f.Width - 1) << f.Lo
	}
	return m
}

// valueBits returns the width of the operand's value (its highest field bit + 1).
func (a Arg) valueBits() uint8 {
	var top uint8
	for _, f := range ArgSpecs[a].Fields {
		if f.To+f.Width > top {
			top = f.To + f.Width
		}
	}
	return top
}

// lowZeroBits returns how many low value bits no field covers (the
// alignment of an offset such as a branch target: 1 for B and J).
func (a Arg) lowZeroBits() uint8 {
	low := uint8(64)
	for _, f := range ArgSpecs[a].Fields {
		if f.To < low {
			low = f.To
		}
	}
	return low
}

// Value extracts the operand from an instruction word, sign-extending a
// signed immediate and adding a register offset.
func (a Arg) Value(word uint32) int64 {
	s := &ArgSpecs[a]
	var v uint64
	for _, f := range s.Fields {
		v |= uint64(word>>f.Lo&(1<<f.Width-1)) << f.To
	}
	if s.Kind == KindSImm {
		top := a.valueBits()
		shift := 64 - top
		return int64(v<<shift)>>shift + s.Offset
	}
	return int64(v) + s.Offset
}

// Encode returns the instruction bits that hold value v in this operand,
// or an error when v does not fit: out of range, misaligned, or (for an
// x8..x15 register field) not one of those registers.
func (a Arg) Encode(v int64) (uint32, error) {
	s := &ArgSpecs[a]
	raw := v - s.Offset
	top := a.valueBits()
	low := a.lowZeroBits()
	if low > 0 && raw&(1<<low-1) != 0 {
		return 0, fmt.Errorf("%s: %d is not a multiple of %d", s.Name, v, 1<<low)
	}
	switch s.Kind {
	case KindSImm:
		lim := int64(1) << (top - 1)
		if raw < -lim || raw >= lim {
			return 0, fmt.Errorf("%s: %d out of range [%d, %d]", s.Name, v, -lim+s.Offset, lim-1+s.Offset)
		}
	default:
		if raw < 0 || raw >= int64(1)<<top {
			if s.Offset != 0 {
				return 0, fmt.Errorf("%s: x%d is not one of x%d..x%d", s.Name, v, s.Offset, s.Offset+int64(1)<<top-1)
			}
			return 0, fmt.Errorf("%s: %d out of range [0, %d]", s.Name, v, int64(1)<<top-1)
		}
	}
	u := uint64(raw)
	var w uint32
	for _, f := range s.Fields {
		w |= uint32(u>>f.To&(1<<f.Width-1)) << f.Lo
	}
	return w, nil
}
