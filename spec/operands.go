package spec

import (
	"strconv"
	"strings"
)

// Operands is an instruction word read through the table: its row, the
// 32-bit row it stands for (itself, or a compressed instruction's
// expansion, Inst.Expand), and the operand values by role. It serves
// tools that observe an implementation from outside (diff/gdb, diff/trace)
// and need to know what an instruction reads and writes; the models
// decode in their own way, on purpose.
type Operands struct {
	Row  *Inst // the row that matched the word
	Base *Inst // the 32-bit row: Row itself, or the row Row expands to
	// Rd, Rs1 and Rs2 are register numbers, or -1 when Base has no such
	// operand. A csrrXi's zimm is Imm, not Rs1.
	Rd, Rs1, Rs2 int
	Imm          int64
	CSR          uint16
	HasImm       bool
	HasCSR       bool
}

// DecodeOperands decodes word (a compressed instruction in the low 16
// bits) and returns its operands in the terms of its 32-bit equivalent,
// or false when word is not an rv64pg instruction.
func DecodeOperands(word uint32) (Operands, bool) {
	row := Decode(word)
	if row == nil {
		return Operands{}, false
	}
	o := Operands{Row: row, Base: row, Rd: -1, Rs1: -1, Rs2: -1}
	set := func(role string, v int64) {
		switch role {
		case "rd":
			o.Rd = int(v)
		case "rs1":
			if row.Base().hasZimm() {
				o.Imm, o.HasImm = v, true
				return
			}
			o.Rs1 = int(v)
		case "rs2":
			o.Rs2 = int(v)
		case "imm":
			o.Imm, o.HasImm = v, true
		case "csr":
			o.CSR, o.HasCSR = uint16(v), true
		}
	}
	if row.Ext != ExtC || row.Expand == "" {
		for _, a := range row.Args {
			set(ArgSpecs[a].Role, a.Value(word))
		}
		return o, true
	}
	f := strings.Fields(row.Expand)
	base := Lookup(f[0])
	if base == nil {
		return Operands{}, false
	}
	o.Base = base
	var roles []string
	for _, a := range base.Args {
		switch r := ArgSpecs[a].Role; r {
		case "rd", "rs1", "rs2", "imm":
			roles = append(roles, r)
		}
	}
	for i, tok := range f[1:] {
		if i >= len(roles) {
			break
		}
		var v int64
		switch {
		case tok == "0":
		case len(tok) >= 2 && tok[0] == 'x' && tok[1] >= '0' && tok[1] <= '9':
			n, _ := strconv.Atoi(tok[1:])
			v = int64(n)
		default:
			v, _ = row.Operand(word, tok)
		}
		set(roles[i], v)
	}
	return o, true
}

// Base returns the 32-bit row a compressed row expands to, or the row
// itself.
func (in *Inst) Base() *Inst {
	if in.Ext != ExtC || in.Expand == "" {
		return in
	}
	if b := Lookup(strings.Fields(in.Expand)[0]); b != nil {
		return b
	}
	return in
}

// hasZimm reports whether the row's rs1 field is a CSR immediate.
func (in *Inst) hasZimm() bool {
	for _, a := range in.Args {
		if a == ArgZimm {
			return true
		}
	}
	return false
}
