package disasm

import "github.com/vcheck-dev/vcheck/spec"

// form is one way GNU objdump 2.40 prints the words of a spec row: the
// mnemonic and the operand template it uses when its condition holds.
//
// The forms of a row are tried in order and the first whose condition holds
// wins, as opcodes/riscv-dis.c walks opcodes/riscv-opc.c. An alias form is
// skipped under -M no-aliases (GNU's INSN_ALIAS). The order and the
// conditions were taken from riscv-opc.c and then checked word by word
// against riscv64-unknown-elf-objdump 2.40 (see ext_test.go).
type form struct {
	name  string
	alias bool
	// when restricts the form to some words of the row; nil is always.
	when func(o operands) bool
	// args is the operand template: the roles rd, rs1, rs2, imm, csr,
	// pred and succ are replaced by the operand's text; anything else
	// (",", "(", "sp", "zero") is printed as written.
	args string
	// unknown marks words the spec table decodes but objdump 2.40 does
	// not: they print as objdump prints an unknown word (.4byte).
	unknown bool
	// classI marks a form GNU files under INSN_CLASS_I although its row
	// belongs to another extension: it prints whatever the ISA.
	classI bool
}

// operands are the decoded fields of a word, by role. A role the row does
// not have reads as zero.
type operands struct {
	rd, rs1, rs2 int64
	imm          int64
	csr          int64
	pred, succ   int64
	word         uint32
}

// Small predicates, named after the GNU match functions they stand for.
func rd0(o operands) bool    { return o.rd == 0 }
func rdNot0(o operands) bool { return o.rd != 0 }
func rs10(o operands) bool   { return o.rs1 == 0 }
func rs20(o operands) bool   { return o.rs2 == 0 }
func imm0(o operands) bool   { return o.imm == 0 }
func rs1Is1(o operands) bool { return o.rs1 == 1 }
func all(ps ...func(operands) bool) func(operands) bool {
	return func(o operands) bool {
		for _, p := range ps {
			if !p(o) {
				return false
			}
		}
		return true
	}
}
func rdIs(r int64) func(operands) bool  { return func(o operands) bool { return o.rd == r } }
func immIs(v int64) func(operands) bool { return func(o operands) bool { return o.imm == v } }
func csrIs(c int64) func(operands) bool { return func(o operands) bool { return o.csr == c } }

// Fixed CSR numbers that select GNU aliases (Unpriv. spec §10.1, Zicntr).
const (
	csrCycle   = 0xc00
	csrTime    = 0xc01
	csrInstret = 0xc02
)

// alias and plain build forms; a plain form is what -M no-aliases prints.
func alias(name, args string, when func(operands) bool) form {
	return form{name: name, alias: true, when: when, args: args}
}
func plain(name, args string, when func(operands) bool) form {
	return form{name: name, when: when, args: args}
}

// fenceReservedBits are the FENCE fields that the spec says to ignore
// (fm, rs1, rd: Unpriv. spec §2.7) and GNU requires to be zero.
const fenceReservedBits = 0xf<<28 | 0x1f<<15 | 0x1f<<7

// forms lists, for each spec row that GNU prints other than by the row's own
// name and Syntax, its forms in GNU order. A row absent here prints as
// plain(row.Name, row.Syntax). The default form of a row must come last
// and have when == nil.
var forms = map[string][]form{
	"jal": {
		alias("j", "imm", rd0),
		alias("jal", "imm", rdIs(1)),
		plain("jal", "rd,imm", nil),
	},
	"jalr": {
		alias("ret", "", all(rd0, rs1Is1, imm0)),
		alias("jr", "rs1", all(rd0, imm0)),
		alias("jr", "imm(rs1)", rd0),
		alias("jalr", "rs1", all(rdIs(1), imm0)),
		alias("jalr", "imm(rs1)", rdIs(1)),
		alias("jalr", "rd,rs1", imm0),
		plain("jalr", "rd,imm(rs1)", nil),
	},
	"beq": {alias("beqz", "rs1,imm", rs20), plain("beq", "rs1,rs2,imm", nil)},
	"bne": {alias("bnez", "rs1,imm", rs20), plain("bne", "rs1,rs2,imm", nil)},
	"blt": {
		alias("bltz", "rs1,imm", rs20),
		alias("bgtz", "rs2,imm", rs10),
		plain("blt", "rs1,rs2,imm", nil),
	},
	"bge": {
		alias("blez", "rs2,imm", rs10),
		alias("bgez", "rs1,imm", rs20),
		plain("bge", "rs1,rs2,imm", nil),
	},
	"addi": {
		alias("nop", "", all(rd0, rs10, imm0)),
		alias("li", "rd,imm", rs10),
		alias("mv", "rd,rs1", imm0),
		alias("add", "rd,rs1,imm", nil),
		plain("addi", "rd,rs1,imm", nil),
	},
	"sltiu": {alias("seqz", "rd,rs1", immIs(1)), plain("sltiu", "rd,rs1,imm", nil)},
	"xori":  {alias("not", "rd,rs1", immIs(-1)), alias("xor", "rd,rs1,imm", nil), plain("xori", "rd,rs1,imm", nil)},
	"ori":   {alias("or", "rd,rs1,imm", nil), plain("ori", "rd,rs1,imm", nil)},
	"andi":  {alias("zext.b", "rd,rs1", immIs(255)), alias("and", "rd,rs1,imm", nil), plain("andi", "rd,rs1,imm", nil)},
	"slli":  {alias("sll", "rd,rs1,imm", nil), plain("slli", "rd,rs1,imm", nil)},
	"srli":  {alias("srl", "rd,rs1,imm", nil), plain("srli", "rd,rs1,imm", nil)},
	"srai":  {alias("sra", "rd,rs1,imm", nil), plain("srai", "rd,rs1,imm", nil)},
	"sub":   {alias("neg", "rd,rs2", rs10), plain("sub", "rd,rs1,rs2", nil)},
	"slt": {
		alias("sltz", "rd,rs1", rs20),
		alias("sgtz", "rd,rs2", rs10),
		plain("slt", "rd,rs1,rs2", nil),
	},
	"sltu": {alias("snez", "rd,rs2", rs10), plain("sltu", "rd,rs1,rs2", nil)},
	"addiw": {
		alias("sext.w", "rd,rs1", imm0),
		alias("addw", "rd,rs1,imm", nil),
		plain("addiw", "rd,rs1,imm", nil),
	},
	"slliw": {alias("sllw", "rd,rs1,imm", nil), plain("slliw", "rd,rs1,imm", nil)},
	"srliw": {alias("srlw", "rd,rs1,imm", nil), plain("srliw", "rd,rs1,imm", nil)},
	"sraiw": {alias("sraw", "rd,rs1,imm", nil), plain("sraiw", "rd,rs1,imm", nil)},
	"subw":  {alias("negw", "rd,rs2", rs10), plain("subw", "rd,rs1,rs2", nil)},
	"fence": {
		{unknown: true, when: func(o operands) bool { return o.word&fenceReservedBits != 0 }},
		alias("fence", "", func(o operands) bool { return o.pred == 0xf && o.succ == 0xf }),
		plain("fence", "pred,succ", nil),
	},
	"fence.tso": {
		{unknown: true, when: func(o operands) bool { return o.word&(0x1f<<15|0x1f<<7) != 0 }},
		plain("fence.tso", "", nil),
	},
	"fence.i": {
		// Zifencei §3.1: imm, rs1 and rd are ignored by the spec.
		{unknown: true, when: func(o operands) bool { return o.word&^0x707f != 0 }},
		plain("fence.i", "", nil),
	},
	"csrrw": {
		// csrw cycle, zero: GNU's 32-bit "unimp" (not an alias, and
		// INSN_CLASS_I: it prints even without Zicsr).
		{name: "unimp", classI: true, when: func(o operands) bool { return o.word == 0xc0001073 }},
		alias("csrw", "csr,rs1", rd0),
		plain("csrrw", "rd,csr,rs1", nil),
	},
	"csrrs": {
		alias("rdinstret", "rd", all(rs10, csrIs(csrInstret))),
		alias("rdcycle", "rd", all(rs10, csrIs(csrCycle))),
		alias("rdtime", "rd", all(rs10, csrIs(csrTime))),
		alias("csrr", "rd,csr", rs10),
		alias("csrs", "csr,rs1", rd0),
		plain("csrrs", "rd,csr,rs1", nil),
	},
	"csrrc": {alias("csrc", "csr,rs1", rd0), plain("csrrc", "rd,csr,rs1", nil)},
	// GNU prints the immediate CSR forms under the register names.
	"csrrwi": {alias("csrw", "csr,rs1", rd0), alias("csrrw", "rd,csr,rs1", nil), plain("csrrwi", "rd,csr,rs1", nil)},
	"csrrsi": {alias("csrs", "csr,rs1", rd0), alias("csrrs", "rd,csr,rs1", nil), plain("csrrsi", "rd,csr,rs1", nil)},
	"csrrci": {alias("csrc", "csr,rs1", rd0), alias("csrrc", "rd,csr,rs1", nil), plain("csrrci", "rd,csr,rs1", nil)},
	"sfence.vma": {
		alias("sfence.vma", "", all(rs10, rs20)),
		alias("sfence.vma", "rs1", rs20),
		plain("sfence.vma", "rs1,rs2", nil),
	},

	// Compressed rows print, by default, as the 32-bit instruction (or
	// its alias) they expand to; -M no-aliases shows the c. form.
	"c.addi4spn": {alias("add", "rd,sp,imm", nil), plain("c.addi4spn", "rd,sp,imm", nil)},
	"c.lw":       {alias("lw", "rd,imm(rs1)", nil), plain("c.lw", "rd,imm(rs1)", nil)},
	"c.ld":       {alias("ld", "rd,imm(rs1)", nil), plain("c.ld", "rd,imm(rs1)", nil)},
	"c.sw":       {alias("sw", "rs2,imm(rs1)", nil), plain("c.sw", "rs2,imm(rs1)", nil)},
	"c.sd":       {alias("sd", "rs2,imm(rs1)", nil), plain("c.sd", "rs2,imm(rs1)", nil)},
	"c.nop": {
		alias("nop", "", imm0),
		alias("c.nop", "imm", nil),
		plain("c.addi", "zero,imm", nil),
	},
	"c.addi": {alias("add", "rd,rd,imm", nil), plain("c.addi", "rd,imm", nil)},
	"c.addiw": {
		alias("sext.w", "rd,rd", imm0),
		alias("addw", "rd,rd,imm", nil),
		plain("c.addiw", "rd,imm", nil),
	},
	"c.li":       {alias("li", "rd,imm", rdNot0), plain("c.li", "rd,imm", nil)},
	"c.addi16sp": {alias("add", "sp,sp,imm", nil), plain("c.addi16sp", "sp,imm", nil)},
	"c.lui":      {alias("lui", "rd,imm", rdNot0), plain("c.lui", "rd,imm", nil)},
	"c.srli":     {plain("c.srli64", "rs1", imm0), alias("srl", "rs1,rs1,imm", nil), plain("c.srli", "rs1,imm", nil)},
	"c.srai":     {plain("c.srai64", "rs1", imm0), alias("sra", "rs1,rs1,imm", nil), plain("c.srai", "rs1,imm", nil)},
	"c.andi":     {alias("and", "rs1,rs1,imm", nil), plain("c.andi", "rs1,imm", nil)},
	"c.sub":      {alias("sub", "rs1,rs1,rs2", nil), plain("c.sub", "rs1,rs2", nil)},
	"c.xor":      {alias("xor", "rs1,rs1,rs2", nil), plain("c.xor", "rs1,rs2", nil)},
	"c.or":       {alias("or", "rs1,rs1,rs2", nil), plain("c.or", "rs1,rs2", nil)},
	"c.and":      {alias("and", "rs1,rs1,rs2", nil), plain("c.and", "rs1,rs2", nil)},
	"c.subw":     {alias("subw", "rs1,rs1,rs2", nil), plain("c.subw", "rs1,rs2", nil)},
	"c.addw":     {alias("addw", "rs1,rs1,rs2", nil), plain("c.addw", "rs1,rs2", nil)},
	"c.j":        {alias("j", "imm", nil), plain("c.j", "imm", nil)},
	"c.beqz":     {alias("beqz", "rs1,imm", nil), plain("c.beqz", "rs1,imm", nil)},
	"c.bnez":     {alias("bnez", "rs1,imm", nil), plain("c.bnez", "rs1,imm", nil)},
	"c.slli": {
		plain("c.slli64", "rd", imm0),
		alias("sll", "rd,rd,imm", rdNot0),
		plain("c.slli", "rd,imm", nil),
	},
	"c.lwsp":   {alias("lw", "rd,imm(sp)", nil), plain("c.lwsp", "rd,imm(sp)", nil)},
	"c.ldsp":   {alias("ld", "rd,imm(sp)", nil), plain("c.ldsp", "rd,imm(sp)", nil)},
	"c.jr":     {alias("ret", "", rs1Is1), alias("jr", "rs1", nil), plain("c.jr", "rs1", nil)},
	"c.mv":     {alias("mv", "rd,rs2", rdNot0), plain("c.mv", "rd,rs2", nil)},
	"c.ebreak": {alias("ebreak", "", nil), plain("c.ebreak", "", nil)},
	"c.jalr":   {alias("jalr", "rs1", nil), plain("c.jalr", "rs1", nil)},
	"c.add":    {alias("add", "rd,rd,rs2", rdNot0), plain("c.add", "rd,rs2", nil)},
	"c.swsp":   {alias("sw", "rs2,imm(sp)", nil), plain("c.swsp", "rs2,imm(sp)", nil)},
	"c.sdsp":   {alias("sd", "rs2,imm(sp)", nil), plain("c.sdsp", "rs2,imm(sp)", nil)},
}

// gnuOnly are words that objdump 2.40 names although they are not rv64pg
// instructions (spec.Decode returns nil). They print as GNU prints them,
// and Inst reports ok == false. docs/disasm.md explains each one.
type gnuOnlyForm struct {
	spec.Pattern
	row  string   // the spec row whose operand layout the template reads, or ""
	ext  spec.Ext // the extension GNU files it under (ExtI: always decoded)
	form []form
}

var gnuOnly = []gnuOnlyForm{
	// The all-zero halfword: defined illegal (Unpriv. §16.1); GNU
	// names it unimp / c.unimp.
	{spec.Pattern{Mask: 0xffff, Match: 0x0000}, "", spec.ExtC, []form{alias("unimp", "", nil), plain("c.unimp", "", nil)}},
	// c.addi16sp with nzimm = 0 is reserved (Unpriv. §16.5); GNU's
	// match_c_addi16sp does not check the immediate.
	{spec.Pattern{Mask: 0xef83, Match: 0x6101}, "c.addi16sp", spec.ExtC, []form{alias("add", "sp,sp,imm", nil), plain("c.addi16sp", "sp,imm", nil)}},
	// URET (the N extension, dropped from Priv. spec 1.12), DRET (the
	// debug spec) and SFENCE.VM (Priv. spec 1.9) are not rv64pg
	// instructions; GNU keeps them in INSN_CLASS_I.
	{spec.Pattern{Mask: 0xffffffff, Match: 0x00200073}, "", spec.ExtI, []form{plain("uret", "", nil)}},
	{spec.Pattern{Mask: 0xffffffff, Match: 0x7b200073}, "", spec.ExtI, []form{plain("dret", "", nil)}},
	{spec.Pattern{Mask: 0xfff07fff, Match: 0x10400073}, "sfence.vma", spec.ExtI, []form{
		plain("sfence.vm", "", rs10), plain("sfence.vm", "rs1", nil)}},
}
