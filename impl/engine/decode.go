package engine

import (
	"github.com/vcheck-dev/vcheck/spec"
)

// inst is one predecoded instruction. rd is never 0: a write to x0 goes to
// the sink register xSink, so the hot loop needs no x0 test.
type inst struct {
	op  op
	rd  uint8 // destination; xSink for x0
	rs1 uint8 // source 1 (or the zimm of a CSR-immediate instruction)
	rs2 uint8
	imm int32  // every immediate (and CSR address) fits; 16-byte slots
	raw uint32 // the instruction bits (16 for compressed)
	len uint8  // 2 or 4
	off uint16 // in a block: the instruction's offset in its page
}

// xSink is where writes to x0 land (Hart.x is 256 long so a uint8 index needs
// no bounds check).
const xSink = 32

// operandSource says where a decoded operand comes from: a role of the
// matched row, or a constant (a fixed register or immediate of a compressed
// expansion).
type operandSource struct {
	role  string // "" when constant
	value int64
}

// rowDecoder is the engine's precomputed view of one spec.Insts row.
type rowDecoder struct {
	row  *spec.Inst
	op   op
	srcs map[string]operandSource // target role (rd, rs1, rs2, imm, csr) -> source
}

var (
	buckets32 [128][]rowDecoder // by major opcode
	buckets16 [32][]rowDecoder  // by funct3<<2 | quadrant
)

func init() {
	for i := range spec.Insts {
		row := &spec.Insts[i]
		rd := rowDecoder{row: row, srcs: map[string]operandSource{}}
		if row.Ext != spec.ExtC {
			o, ok := opByName[row.Name]
			if !ok {
				panic("engine: no opcode for " + row.Name)
			}
			rd.op = o
			for _, a := range row.Args {
				role := spec.ArgSpecs[a].Role
				rd.srcs[role] = operandSource{role: role}
			}
			if row.Mask&0x7f != 0x7f {
				panic("engine: 32-bit row without a fixed major opcode: " + row.Name)
			}
			buckets32[row.Match&0x7f] = append(buckets32[row.Match&0x7f], rd)
			continue
		}
		// A compressed row: decode it as its 32-bit expansion
		// (Unprivileged spec §16: each C instruction expands to one base one).
		x := row.Expansion
		rd.op = opByName[x.Base.Name]
		for j, a := range x.Args {
			// A constant (fixed register or immediate) has role "", which
			// operandSource reads as its value.
			rd.srcs[spec.ArgSpecs[x.Base.Args[j]].Role] = operandSource{role: a.Role, value: a.Value}
		}
		key := row.Match>>13&7<<2 | row.Match&3
		buckets16[key] = append(buckets16[key], rd)
	}
}

// decode turns instruction bits into an inst. A compressed instruction is
// passed in the low 16 bits. Unknown bits decode to opIllegal.
func decode(word uint32) inst {
	var rows []rowDecoder
	length := uint8(4)
	if word&3 == 3 {
		rows = buckets32[word&0x7f]
	} else {
		word &= 0xffff
		length = 2
		rows = buckets16[word>>13&7<<2|word&3]
	}
	for i := range rows {
		r := &rows[i]
		if !r.row.Matches(word) {
			continue
		}
		d := inst{op: r.op, len: length, raw: word}
		get := func(role string) int64 {
			s, ok := r.srcs[role]
			if !ok {
				return 0
			}
			if s.role == "" {
				return s.value
			}
			v, _ := r.row.Operand(word, s.role)
			return v
		}
		d.rd = uint8(get("rd"))
		d.rs1 = uint8(get("rs1"))
		d.rs2 = uint8(get("rs2"))
		if _, ok := r.srcs["csr"]; ok {
			d.imm = int32(get("csr"))
		} else {
			d.imm = int32(get("imm"))
		}
		if d.rd == 0 {
			d.rd = xSink
		}
		return d
	}
	return inst{op: opIllegal, len: length, raw: word}
}
