package refmodel

import (
	"fmt"

	"github.com/vcheck-dev/vcheck/spec"
)

// operands are an instruction's decoded fields. For csrrwi/csrrsi/csrrci
// rs1 holds the 5-bit immediate (its role in spec.ArgSpecs is "rs1").
type operands struct {
	rd, rs1, rs2 uint8
	imm          int64
	csr          uint16
}

// semantics is the Go method that runs an instruction.
type semantics func(h *Hart, o *operands) *exception

// decoded is one decoded instruction word.
type decoded struct {
	inst   *spec.Inst // the table row that matched (the C row for a compressed word)
	exec   semantics  // the semantics of the row, or of its 32-bit expansion
	op     operands
	length uint64
}

// decodeCacheSize is the number of slots of the decode cache, a
// direct-mapped table keyed on the instruction word.
const decodeCacheSize = 1 << 12

// decodeSlot is one slot of the decode cache.
type decodeSlot struct {
	word uint32
	d    *decoded
}

// decode finds the row of spec.Insts that matches word by a plain linear
// scan of the table, and extracts its operands. A compressed instruction
// is expanded through its row's Expansion into the 32-bit instruction
// it stands for (Unpriv. §16), whose semantics then run. The result is
// cached by word: a word always decodes the same way.
func (h *Hart) decode(word uint32) *decoded {
	slot := &h.decodeCache[(word^word>>12^word>>22)%decodeCacheSize]
	if slot.d != nil && slot.word == word {
		return slot.d
	}
	d := decodeWord(word)
	if d != nil {
		*slot = decodeSlot{word, d}
	}
	return d
}

func decodeWord(word uint32) *decoded {
	if word&3 != 3 {
		word &= 0xffff
	}
	for i := range spec.Insts {
		in := &spec.Insts[i]
		if (in.Ext == spec.ExtC) != (word&3 != 3) || !in.Matches(word) {
			continue
		}
		d := &decoded{inst: in, length: uint64(in.Len())}
		if in.Ext == spec.ExtC {
			x := expansions[in.Name]
			d.exec = x.exec
			for j, src := range x.sources {
				v := src.value(in, word)
				setOperand(&d.op, x.roles[j], v)
			}
			return d
		}
		d.exec = table[in.Name]
		for _, a := range in.Args {
			setOperand(&d.op, spec.ArgSpecs[a].Role, a.Value(word))
		}
		return d
	}
	return nil
}

func setOperand(o *operands, role string, v int64) {
	switch role {
	case "rd":
		o.rd = uint8(v)
	case "rs1":
		o.rs1 = uint8(v)
	case "rs2":
		o.rs2 = uint8(v)
	case "imm":
		o.imm = v
	case "csr":
		o.csr = uint16(v)
	}
}

// expansion is a compressed row's spec.Expansion as this model runs it:
// the 32-bit instruction's semantics, and for each of its operands (by
// role) where the value comes from.
type expansion struct {
	exec    semantics
	roles   []string
	sources []operandSource
}

// operandSource is one operand of an expansion (spec.ExpandArg): a role
// of the C row ("rd", "rs1", "rs2", "imm"), or a constant (x0, x2, 0).
type operandSource struct {
	role  string
	konst int64
	fixed bool
}

func (s operandSource) value(in *spec.Inst, word uint32) int64 {
	if s.fixed {
		return s.konst
	}
	v, _ := in.Operand(word, s.role)
	return v
}

var expansions = map[string]expansion{}

func init() {
	for i := range spec.Insts {
		in := &spec.Insts[i]
		if in.Ext != spec.ExtC {
			if table[in.Name] == nil {
				panic("refmodel: no semantics for " + in.Name)
			}
			continue
		}
		target := in.Expansion.Base
		if table[target.Name] == nil {
			panic("refmodel: " + in.Name + " expands to " + target.Name + ", which has no semantics")
		}
		x := expansion{exec: table[target.Name]}
		for j, a := range target.Args {
			switch r := spec.ArgSpecs[a].Role; r {
			case "rd", "rs1", "rs2", "imm":
				x.roles = append(x.roles, r)
				src := in.Expansion.Args[j]
				x.sources = append(x.sources, operandSource{role: src.Role, konst: src.Value, fixed: src.Role == ""})
			default:
				panic(fmt.Sprintf("refmodel: %s expands to %s, whose %s operand a C form cannot supply", in.Name, target.Name, r))
			}
		}
		expansions[in.Name] = x
	}
}
