package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// op is the engine's own small-int opcode: the dispatch switch in exec.go
// jumps on it, so an instruction is decoded once and never again.
type op uint8

const (
	opUndecoded op = iota // slot not decoded yet (the zero value of a code page)
	opCross               // a 32-bit instruction that straddles the page end
	opIllegal
	opLUI
	opAUIPC
	opJAL
	opJALR
	opBEQ
	opBNE
	opBLT
	opBGE
	opBLTU
	opBGEU
	opLB
	opLH
	opLW
	opLD
	opLBU
	opLHU
	opLWU
	opSB
	opSH
	opSW
	opSD
	opADDI
	opSLTI
	opSLTIU
	opXORI
	opORI
	opANDI
	opSLLI
	opSRLI
	opSRAI
	opADD
	opSUB
	opSLL
	opSLT
	opSLTU
	opXOR
	opSRL
	opSRA
	opOR
	opAND
	opADDIW
	opSLLIW
	opSRLIW
	opSRAIW
	opADDW
	opSUBW
	opSLLW
	opSRLW
	opSRAW
	opFENCE
	opECALL
	opEBREAK
	opFENCEI
	opCSRRW
	opCSRRS
	opCSRRC
	opCSRRWI
	opCSRRSI
	opCSRRCI
	opMUL
	opMULH
	opMULHSU
	opMULHU
	opDIV
	opDIVU
	opREM
	opREMU
	opMULW
	opDIVW
	opDIVUW
	opREMW
	opREMUW
	opLRW
	opLRD
	opSCW
	opSCD
	opAMOSWAPW
	opAMOADDW
	opAMOXORW
	opAMOANDW
	opAMOORW
	opAMOMINW
	opAMOMAXW
	opAMOMINUW
	opAMOMAXUW
	opAMOSWAPD
	opAMOADDD
	opAMOXORD
	opAMOANDD
	opAMOORD
	opAMOMIND
	opAMOMAXD
	opAMOMINUD
	opAMOMAXUD
	opMRET
	opSRET
	opWFI
	opSFENCEVMA
	numOps
)

// opByName maps the table's mnemonics (32-bit forms) to engine opcodes.
// Compressed rows reach an opcode through their Expand string.
var opByName = map[string]op{
	"lui": opLUI, "auipc": opAUIPC, "jal": opJAL, "jalr": opJALR,
	"beq": opBEQ, "bne": opBNE, "blt": opBLT, "bge": opBGE, "bltu": opBLTU, "bgeu": opBGEU,
	"lb": opLB, "lh": opLH, "lw": opLW, "ld": opLD, "lbu": opLBU, "lhu": opLHU, "lwu": opLWU,
	"sb": opSB, "sh": opSH, "sw": opSW, "sd": opSD,
	"addi": opADDI, "slti": opSLTI, "sltiu": opSLTIU, "xori": opXORI, "ori": opORI, "andi": opANDI,
	"slli": opSLLI, "srli": opSRLI, "srai": opSRAI,
	"add": opADD, "sub": opSUB, "sll": opSLL, "slt": opSLT, "sltu": opSLTU, "xor": opXOR,
	"srl": opSRL, "sra": opSRA, "or": opOR, "and": opAND,
	"addiw": opADDIW, "slliw": opSLLIW, "srliw": opSRLIW, "sraiw": opSRAIW,
	"addw": opADDW, "subw": opSUBW, "sllw": opSLLW, "srlw": opSRLW, "sraw": opSRAW,
	"fence": opFENCE, "fence.tso": opFENCE, "ecall": opECALL, "ebreak": opEBREAK, "fence.i": opFENCEI,
	"csrrw": opCSRRW, "csrrs": opCSRRS, "csrrc": opCSRRC, "csrrwi": opCSRRWI, "csrrsi": opCSRRSI, "csrrci": opCSRRCI,
	"mul": opMUL, "mulh": opMULH, "mulhsu": opMULHSU, "mulhu": opMULHU,
	"div": opDIV, "divu": opDIVU, "rem": opREM, "remu": opREMU,
	"mulw": opMULW, "divw": opDIVW, "divuw": opDIVUW, "remw": opREMW, "remuw": opREMUW,
	"lr.w": opLRW, "lr.d": opLRD, "sc.w": opSCW, "sc.d": opSCD,
	"amoswap.w": opAMOSWAPW, "amoadd.w": opAMOADDW, "amoxor.w": opAMOXORW, "amoand.w": opAMOANDW,
	"amoor.w": opAMOORW, "amomin.w": opAMOMINW, "amomax.w": opAMOMAXW, "amominu.w": opAMOMINUW, "amomaxu.w": opAMOMAXUW,
	"amoswap.d": opAMOSWAPD, "amoadd.d": opAMOADDD, "amoxor.d": opAMOXORD, "amoand.d": opAMOANDD,
	"amoor.d": opAMOORD, "amomin.d": opAMOMIND, "amomax.d": opAMOMAXD, "amominu.d": opAMOMINUD, "amomaxu.d": opAMOMAXUD,
	"mret": opMRET, "sret": opSRET, "wfi": opWFI, "sfence.vma": opSFENCEVMA,
}

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
	byName := map[string]*spec.Inst{}
	for i := range spec.Insts {
		byName[spec.Insts[i].Name] = &spec.Insts[i]
	}
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
		f := strings.Fields(row.Expand)
		target := byName[f[0]]
		if target == nil {
			panic("engine: " + row.Name + " expands to unknown " + f[0])
		}
		rd.op = opByName[target.Name]
		if len(f)-1 != len(target.Args) {
			panic("engine: " + row.Name + " expansion has wrong operand count")
		}
		for j, tok := range f[1:] {
			role := spec.ArgSpecs[target.Args[j]].Role
			switch {
			case tok == "x0" || tok == "x1" || tok == "x2":
				n, _ := strconv.Atoi(tok[1:])
				rd.srcs[role] = operandSource{value: int64(n)}
			case tok == "0":
				rd.srcs[role] = operandSource{}
			default:
				rd.srcs[role] = operandSource{role: tok}
			}
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

// writesRd reports whether the op writes its rd field (for Retire.Rd).
func (o op) writesRd() bool {
	switch o {
	case opBEQ, opBNE, opBLT, opBGE, opBLTU, opBGEU, opSB, opSH, opSW, opSD,
		opFENCE, opECALL, opEBREAK, opFENCEI, opMRET, opSRET, opWFI, opSFENCEVMA,
		opIllegal, opUndecoded, opCross:
		return false
	}
	return true
}

func (o op) String() string {
	for n, v := range opByName {
		if v == o && n != "fence.tso" {
			return n
		}
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}
