package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Ext is the ISA extension an instruction belongs to.
type Ext uint8

const (
	ExtI Ext = iota
	ExtM
	ExtA
	ExtC
	ExtZicsr
	ExtZifencei
	ExtPriv // the privileged instructions (Priv. spec 1.12 §3.3)
)

func (e Ext) String() string {
	return [...]string{"I", "M", "A", "C", "Zicsr", "Zifencei", "Priv"}[e]
}

// Format is the encoding format of an instruction (Unprivileged spec §2.3, §16.2).
type Format uint8

const (
	FmtR Format = iota
	FmtI
	FmtS
	FmtB
	FmtU
	FmtJ
	FmtCR
	FmtCI
	FmtCSS
	FmtCIW
	FmtCL
	FmtCS
	FmtCA
	FmtCB
	FmtCJ
)

func (f Format) String() string {
	return [...]string{"R", "I", "S", "B", "U", "J", "CR", "CI", "CSS", "CIW", "CL", "CS", "CA", "CB", "CJ"}[f]
}

// Class is an instruction's Popek and Goldberg class (CACM 1974, §3).
type Class uint8

const (
	// Innocuous: neither privileged nor sensitive; runs directly under a VMM.
	Innocuous Class = iota
	// Privileged: traps in every mode below its level, and not at its level.
	Privileged
	// ControlSensitive: changes the mode, translation, protection or
	// interrupt configuration.
	ControlSensitive
	// BehaviorSensitive: its result depends on the mode or the location.
	BehaviorSensitive
	// ByCSR: a Zicsr instruction, whose class is the class of its CSR.
	ByCSR
)

func (c Class) String() string {
	return [...]string{"innocuous", "privileged", "control-sensitive", "behavior-sensitive", "by-csr"}[c]
}

// Pattern is a set of instruction words: those w with w&Mask == Match.
type Pattern struct{ Mask, Match uint32 }

// Matches reports whether w is in the set.
func (p Pattern) Matches(w uint32) bool { return w&p.Mask == p.Match }

// Inst is one row of the instruction table.
type Inst struct {
	Name   string // GNU mnemonic, without aq/rl suffixes
	Ext    Ext
	Format Format
	Match  uint32
	Mask   uint32
	// Not lists reserved or differently-decoded words that share Match and
	// Mask but are not this instruction (e.g. c.lui with rd=x2 is
	// c.addi16sp, and with a zero immediate is reserved).
	Not []Pattern
	// Args are the operands, in GNU assembly order.
	Args []Arg
	// Syntax is the GNU operand template (objdump -M no-aliases form):
	// operand roles separated as GNU writes them, e.g. "rd,imm(rs1)".
	Syntax string
	Class  Class
	// Expand, for a compressed instruction, is its 32-bit equivalent as
	// the table writes it: the mnemonic followed by that instruction's
	// operands, each a role of this row ("rd", "rs1", "rs2", "imm"), a
	// fixed register ("x0", "x1", "x2"), or "0" (Unprivileged spec §16,
	// the "expands to" of each instruction). Expansion is the same, parsed.
	Expand string
	// Expansion is Expand parsed (nil for a 32-bit row): built once, when
	// the package initializes. Read this, not Expand.
	Expansion *Expansion
	// Section cites the specification section that defines the instruction.
	Section string
}

// Expansion is the 32-bit instruction a compressed one stands for.
type Expansion struct {
	Base *Inst       // the 32-bit row
	Args []ExpandArg // one per operand of Base, in Base.Args order
}

// ExpandArg is where one operand of an expansion comes from: the
// compressed row's operand whose role is Role, or, when Role is "", the
// constant Value (a fixed register such as x2 for c.addi16sp, or the
// immediate 0 of c.jr's jalr).
type ExpandArg struct {
	Role  string
	Value int64
}

// parseExpand parses a compressed row's Expand field.
func parseExpand(in *Inst) (*Expansion, error) {
	f := strings.Fields(in.Expand)
	if len(f) == 0 {
		return nil, fmt.Errorf("spec: %s: compressed row without an expansion", in.Name)
	}
	base := Lookup(f[0])
	if base == nil || base.Ext == ExtC {
		return nil, fmt.Errorf("spec: %s: Expand %q: %q is not a 32-bit row", in.Name, in.Expand, f[0])
	}
	if len(f)-1 != len(base.Args) {
		return nil, fmt.Errorf("spec: %s: Expand %q has %d operands, %s takes %d", in.Name, in.Expand, len(f)-1, base.Name, len(base.Args))
	}
	x := &Expansion{Base: base}
	for _, tok := range f[1:] {
		switch tok {
		case "0", "x0":
			x.Args = append(x.Args, ExpandArg{})
		case "x1":
			x.Args = append(x.Args, ExpandArg{Value: 1})
		case "x2":
			x.Args = append(x.Args, ExpandArg{Value: 2})
		default:
			if !slices.ContainsFunc(in.Args, func(a Arg) bool { return ArgSpecs[a].Role == tok }) {
				return nil, fmt.Errorf("spec: %s: Expand %q: no operand %q", in.Name, in.Expand, tok)
			}
			x.Args = append(x.Args, ExpandArg{Role: tok})
		}
	}
	return x, nil
}

func init() {
	for i := range Insts {
		if in := &Insts[i]; in.Ext == ExtC {
			x, err := parseExpand(in)
			if err != nil {
				panic(err) // the table is source code; the message names the row
			}
			in.Expansion = x
		}
	}
}

// Len returns the instruction's length in bytes.
func (in *Inst) Len() int {
	if in.Ext == ExtC {
		return 2
	}
	return 4
}

// Matches reports whether word encodes this instruction.
func (in *Inst) Matches(word uint32) bool {
	if word&in.Mask != in.Match {
		return false
	}
	for _, p := range in.Not {
		if p.Matches(word) {
			return false
		}
	}
	return true
}

// ArgMask returns the bits that the operands occupy.
func (in *Inst) ArgMask() uint32 {
	var m uint32
	for _, a := range in.Args {
		m |= a.Mask()
	}
	return m
}

// Field masks used to build the table.
const (
	maskOpcode  = 0x7f
	maskFunct3  = 0x7 << 12
	maskFunct7  = 0x7f << 25
	maskFunct6  = 0x3f << 26 // RV64 shifts: funct7 less shamt[5]
	maskRd      = 0x1f << 7
	maskRs1     = 0x1f << 15
	maskRs2     = 0x1f << 20
	maskFunct5  = 0x1f << 27 // AMO funct5
	maskCOp     = 0x3
	maskCFunct3 = 0x7 << 13
	maskCRd     = 0x1f << 7
	maskCRs2    = 0x1f << 2
)

func f3(v uint32) uint32 { return v << 12 }
func f7(v uint32) uint32 { return v << 25 }
func c3(v uint32) uint32 { return v << 13 }

// Builders: they only compute Match and Mask from the spec's field values.
func rType(name string, ext Ext, funct7, funct3, opcode uint32) Inst {
	return Inst{Name: name, Ext: ext, Format: FmtR, Match: f7(funct7) | f3(funct3) | opcode,
		Mask: maskFunct7 | maskFunct3 | maskOpcode, Args: []Arg{ArgRd, ArgRs1, ArgRs2}, Syntax: "rd,rs1,rs2"}
}

func iType(name string, funct3, opcode uint32) Inst {
	return Inst{Name: name, Ext: ExtI, Format: FmtI, Match: f3(funct3) | opcode,
		Mask: maskFunct3 | maskOpcode, Args: []Arg{ArgRd, ArgRs1, ArgImm12}, Syntax: "rd,rs1,imm"}
}

func load(name string, funct3 uint32) Inst {
	in := iType(name, funct3, 0x03)
	in.Args = []Arg{ArgRd, ArgImm12, ArgRs1}
	in.Syntax = "rd,imm(rs1)"
	return in
}

func store(name string, funct3 uint32) Inst {
	return Inst{Name: name, Ext: ExtI, Format: FmtS, Match: f3(funct3) | 0x23, Mask: maskFunct3 | maskOpcode,
		Args: []Arg{ArgRs2, ArgSImm12, ArgRs1}, Syntax: "rs2,imm(rs1)"}
}

func branch(name string, funct3 uint32) Inst {
	return Inst{Name: name, Ext: ExtI, Format: FmtB, Match: f3(funct3) | 0x63, Mask: maskFunct3 | maskOpcode,
		Args: []Arg{ArgRs1, ArgRs2, ArgBImm}, Syntax: "rs1,rs2,imm"}
}

func shift(name string, funct6, funct3, opcode uint32) Inst {
	return Inst{Name: name, Ext: ExtI, Format: FmtI, Match: funct6<<26 | f3(funct3) | opcode,
		Mask: maskFunct6 | maskFunct3 | maskOpcode, Args: []Arg{ArgRd, ArgRs1, ArgShamt6}, Syntax: "rd,rs1,imm"}
}

func shiftW(name string, funct7, funct3 uint32) Inst {
	return Inst{Name: name, Ext: ExtI, Format: FmtI, Match: f7(funct7) | f3(funct3) | 0x1b,
		Mask: maskFunct7 | maskFunct3 | maskOpcode, Args: []Arg{ArgRd, ArgRs1, ArgShamt5}, Syntax: "rd,rs1,imm"}
}

func amo(name string, funct5, funct3 uint32) Inst {
	return Inst{Name: name, Ext: ExtA, Format: FmtR, Match: funct5<<27 | f3(funct3) | 0x2f,
		Mask: maskFunct5 | maskFunct3 | maskOpcode, Args: []Arg{ArgRd, ArgRs2, ArgRs1, ArgAq, ArgRl}, Syntax: "rd,rs2,(rs1)",
		Section: "Unpriv. §8.4"}
}

func lr(name string, funct3 uint32) Inst {
	return Inst{Name: name, Ext: ExtA, Format: FmtR, Match: 0x02<<27 | f3(funct3) | 0x2f,
		Mask: maskFunct5 | maskRs2 | maskFunct3 | maskOpcode, Args: []Arg{ArgRd, ArgRs1, ArgAq, ArgRl}, Syntax: "rd,(rs1)",
		Section: "Unpriv. §8.2"}
}

func csrInst(name string, funct3 uint32, imm bool) Inst {
	in := Inst{Name: name, Ext: ExtZicsr, Format: FmtI, Match: f3(funct3) | 0x73, Mask: maskFunct3 | maskOpcode,
		Args: []Arg{ArgRd, ArgCSR, ArgRs1}, Syntax: "rd,csr,rs1", Class: ByCSR, Section: "Unpriv. §9.1"}
	if imm {
		in.Args = []Arg{ArgRd, ArgCSR, ArgZimm}
	}
	return in
}

func system(name string, ext Ext, word uint32, class Class, section string) Inst {
	return Inst{Name: name, Ext: ext, Format: FmtI, Match: word, Mask: 0xffffffff, Class: class, Section: section}
}

// c builds a compressed row from its quadrant (op), funct3 and any further fixed bits.
func c(name string, format Format, funct3, op, extraMask, extraMatch uint32, args []Arg, syntax, expand string) Inst {
	return Inst{Name: name, Ext: ExtC, Format: format, Match: c3(funct3) | op | extraMatch,
		Mask: maskCFunct3 | maskCOp | extraMask, Args: args, Syntax: syntax, Expand: expand, Section: "Unpriv. §16"}
}

// Patterns of reserved or claimed-elsewhere compressed encodings.
var (
	notCRd0     = Pattern{maskCRd, 0}         // rd/rs1 = x0
	notCRd2     = Pattern{maskCRd, 2 << 7}    // rd = x2
	notCImm6Is0 = Pattern{1<<12 | 0x1f<<2, 0} // imm[5:0] = 0
	notCImm4SPN = Pattern{0xff << 5, 0}       // nzuimm = 0
)

func with(in Inst, f func(*Inst)) Inst { f(&in); return in }

// Insts is the instruction table of rv64pg: RV64IMAC, Zicsr, Zifencei and
// the privileged instructions. No two rows match the same word (see
// TestNoOverlap).
var Insts = []Inst{
	// RV64I base (Unprivileged spec §2, §5).
	{Name: "lui", Ext: ExtI, Format: FmtU, Match: 0x37, Mask: maskOpcode, Args: []Arg{ArgRd, ArgUImm}, Syntax: "rd,imm", Section: "Unpriv. §2.4.1"},
	{Name: "auipc", Ext: ExtI, Format: FmtU, Match: 0x17, Mask: maskOpcode, Args: []Arg{ArgRd, ArgUImm}, Syntax: "rd,imm", Section: "Unpriv. §2.4.1"},
	{Name: "jal", Ext: ExtI, Format: FmtJ, Match: 0x6f, Mask: maskOpcode, Args: []Arg{ArgRd, ArgJImm}, Syntax: "rd,imm", Section: "Unpriv. §2.5.1"},
	{Name: "jalr", Ext: ExtI, Format: FmtI, Match: 0x67, Mask: maskFunct3 | maskOpcode, Args: []Arg{ArgRd, ArgImm12, ArgRs1}, Syntax: "rd,imm(rs1)", Section: "Unpriv. §2.5.1"},
	with(branch("beq", 0), func(i *Inst) { i.Section = "Unpriv. §2.5.2" }),
	with(branch("bne", 1), func(i *Inst) { i.Section = "Unpriv. §2.5.2" }),
	with(branch("blt", 4), func(i *Inst) { i.Section = "Unpriv. §2.5.2" }),
	with(branch("bge", 5), func(i *Inst) { i.Section = "Unpriv. §2.5.2" }),
	with(branch("bltu", 6), func(i *Inst) { i.Section = "Unpriv. §2.5.2" }),
	with(branch("bgeu", 7), func(i *Inst) { i.Section = "Unpriv. §2.5.2" }),
	with(load("lb", 0), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(load("lh", 1), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(load("lw", 2), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(load("ld", 3), func(i *Inst) { i.Section = "Unpriv. §5.3" }),
	with(load("lbu", 4), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(load("lhu", 5), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(load("lwu", 6), func(i *Inst) { i.Section = "Unpriv. §5.3" }),
	with(store("sb", 0), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(store("sh", 1), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(store("sw", 2), func(i *Inst) { i.Section = "Unpriv. §2.6" }),
	with(store("sd", 3), func(i *Inst) { i.Section = "Unpriv. §5.3" }),
	with(iType("addi", 0, 0x13), func(i *Inst) { i.Section = "Unpriv. §2.4.1" }),
	with(iType("slti", 2, 0x13), func(i *Inst) { i.Section = "Unpriv. §2.4.1" }),
	with(iType("sltiu", 3, 0x13), func(i *Inst) { i.Section = "Unpriv. §2.4.1" }),
	with(iType("xori", 4, 0x13), func(i *Inst) { i.Section = "Unpriv. §2.4.1" }),
	with(iType("ori", 6, 0x13), func(i *Inst) { i.Section = "Unpriv. §2.4.1" }),
	with(iType("andi", 7, 0x13), func(i *Inst) { i.Section = "Unpriv. §2.4.1" }),
	with(shift("slli", 0x00, 1, 0x13), func(i *Inst) { i.Section = "Unpriv. §5.2.1" }),
	with(shift("srli", 0x00, 5, 0x13), func(i *Inst) { i.Section = "Unpriv. §5.2.1" }),
	with(shift("srai", 0x10, 5, 0x13), func(i *Inst) { i.Section = "Unpriv. §5.2.1" }),
	with(rType("add", ExtI, 0x00, 0, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("sub", ExtI, 0x20, 0, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("sll", ExtI, 0x00, 1, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("slt", ExtI, 0x00, 2, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("sltu", ExtI, 0x00, 3, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("xor", ExtI, 0x00, 4, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("srl", ExtI, 0x00, 5, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("sra", ExtI, 0x20, 5, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("or", ExtI, 0x00, 6, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(rType("and", ExtI, 0x00, 7, 0x33), func(i *Inst) { i.Section = "Unpriv. §2.4.2" }),
	with(iType("addiw", 0, 0x1b), func(i *Inst) { i.Section = "Unpriv. §5.2.1" }),
	with(shiftW("slliw", 0x00, 1), func(i *Inst) { i.Section = "Unpriv. §5.2.1" }),
	with(shiftW("srliw", 0x00, 5), func(i *Inst) { i.Section = "Unpriv. §5.2.1" }),
	with(shiftW("sraiw", 0x20, 5), func(i *Inst) { i.Section = "Unpriv. §5.2.1" }),
	with(rType("addw", ExtI, 0x00, 0, 0x3b), func(i *Inst) { i.Section = "Unpriv. §5.2.2" }),
	with(rType("subw", ExtI, 0x20, 0, 0x3b), func(i *Inst) { i.Section = "Unpriv. §5.2.2" }),
	with(rType("sllw", ExtI, 0x00, 1, 0x3b), func(i *Inst) { i.Section = "Unpriv. §5.2.2" }),
	with(rType("srlw", ExtI, 0x00, 5, 0x3b), func(i *Inst) { i.Section = "Unpriv. §5.2.2" }),
	with(rType("sraw", ExtI, 0x20, 5, 0x3b), func(i *Inst) { i.Section = "Unpriv. §5.2.2" }),
	// FENCE: fm, rd and rs1 are reserved for future use and ignored
	// (Unprivileged spec §2.7); FENCE.TSO is the fm=1000 rw,rw encoding.
	{Name: "fence", Ext: ExtI, Format: FmtI, Match: 0x0f, Mask: maskFunct3 | maskOpcode,
		Not: []Pattern{{0xfff<<20 | maskFunct3 | maskOpcode, 0x833<<20 | 0x0f}}, Args: []Arg{ArgPred, ArgSucc}, Syntax: "pred,succ", Section: "Unpriv. §2.7"},
	{Name: "fence.tso", Ext: ExtI, Format: FmtI, Match: 0x833<<20 | 0x0f, Mask: 0xfff<<20 | maskFunct3 | maskOpcode, Section: "Unpriv. §2.7"},
	// ECALL and EBREAK always trap, in every mode; the trap hands control
	// to the next level (the VMM), so direct execution is safe.
	system("ecall", ExtI, 0x00000073, Innocuous, "Unpriv. §2.8"),
	system("ebreak", ExtI, 0x00100073, Innocuous, "Unpriv. §2.8"),

	// Zifencei (Unprivileged spec §3).
	{Name: "fence.i", Ext: ExtZifencei, Format: FmtI, Match: f3(1) | 0x0f, Mask: maskFunct3 | maskOpcode, Section: "Unpriv. §3.1"},

	// Zicsr (Unprivileged spec §9).
	csrInst("csrrw", 1, false),
	csrInst("csrrs", 2, false),
	csrInst("csrrc", 3, false),
	csrInst("csrrwi", 5, true),
	csrInst("csrrsi", 6, true),
	csrInst("csrrci", 7, true),

	// M (Unprivileged spec §7).
	with(rType("mul", ExtM, 0x01, 0, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.1" }),
	with(rType("mulh", ExtM, 0x01, 1, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.1" }),
	with(rType("mulhsu", ExtM, 0x01, 2, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.1" }),
	with(rType("mulhu", ExtM, 0x01, 3, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.1" }),
	with(rType("div", ExtM, 0x01, 4, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.2" }),
	with(rType("divu", ExtM, 0x01, 5, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.2" }),
	with(rType("rem", ExtM, 0x01, 6, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.2" }),
	with(rType("remu", ExtM, 0x01, 7, 0x33), func(i *Inst) { i.Section = "Unpriv. §7.2" }),
	with(rType("mulw", ExtM, 0x01, 0, 0x3b), func(i *Inst) { i.Section = "Unpriv. §7.1" }),
	with(rType("divw", ExtM, 0x01, 4, 0x3b), func(i *Inst) { i.Section = "Unpriv. §7.2" }),
	with(rType("divuw", ExtM, 0x01, 5, 0x3b), func(i *Inst) { i.Section = "Unpriv. §7.2" }),
	with(rType("remw", ExtM, 0x01, 6, 0x3b), func(i *Inst) { i.Section = "Unpriv. §7.2" }),
	with(rType("remuw", ExtM, 0x01, 7, 0x3b), func(i *Inst) { i.Section = "Unpriv. §7.2" }),

	// A (Unprivileged spec §8).
	lr("lr.w", 2),
	lr("lr.d", 3),
	amo("sc.w", 0x03, 2),
	amo("sc.d", 0x03, 3),
	amo("amoswap.w", 0x01, 2),
	amo("amoadd.w", 0x00, 2),
	amo("amoxor.w", 0x04, 2),
	amo("amoand.w", 0x0c, 2),
	amo("amoor.w", 0x08, 2),
	amo("amomin.w", 0x10, 2),
	amo("amomax.w", 0x14, 2),
	amo("amominu.w", 0x18, 2),
	amo("amomaxu.w", 0x1c, 2),
	amo("amoswap.d", 0x01, 3),
	amo("amoadd.d", 0x00, 3),
	amo("amoxor.d", 0x04, 3),
	amo("amoand.d", 0x0c, 3),
	amo("amoor.d", 0x08, 3),
	amo("amomin.d", 0x10, 3),
	amo("amomax.d", 0x14, 3),
	amo("amominu.d", 0x18, 3),
	amo("amomaxu.d", 0x1c, 3),

	// Privileged instructions (Priv. spec 1.12 §3.3, §4.2.1).
	system("mret", ExtPriv, 0x30200073, Privileged, "Priv. §3.3.2"),
	system("sret", ExtPriv, 0x10200073, Privileged, "Priv. §3.3.2"),
	system("wfi", ExtPriv, 0x10500073, Privileged, "Priv. §3.3.3"),
	{Name: "sfence.vma", Ext: ExtPriv, Format: FmtR, Match: f7(0x09) | 0x73, Mask: maskFunct7 | maskRd | maskFunct3 | maskOpcode,
		Args: []Arg{ArgRs1, ArgRs2}, Syntax: "rs1,rs2", Class: Privileged, Section: "Priv. §4.2.1"},

	// C (Unprivileged spec §16), RV64C. Quadrant 0.
	with(c("c.addi4spn", FmtCIW, 0, 0, 0, 0, []Arg{ArgCRdP, ArgCImm4SPN}, "rd,sp,imm", "addi rd x2 imm"), func(i *Inst) { i.Not = []Pattern{notCImm4SPN} }),
	c("c.lw", FmtCL, 2, 0, 0, 0, []Arg{ArgCRdP, ArgCUimmW, ArgCRs1P}, "rd,imm(rs1)", "lw rd imm rs1"),
	c("c.ld", FmtCL, 3, 0, 0, 0, []Arg{ArgCRdP, ArgCUimmD, ArgCRs1P}, "rd,imm(rs1)", "ld rd imm rs1"),
	c("c.sw", FmtCS, 6, 0, 0, 0, []Arg{ArgCRs2P, ArgCUimmW, ArgCRs1P}, "rs2,imm(rs1)", "sw rs2 imm rs1"),
	c("c.sd", FmtCS, 7, 0, 0, 0, []Arg{ArgCRs2P, ArgCUimmD, ArgCRs1P}, "rs2,imm(rs1)", "sd rs2 imm rs1"),
	// Quadrant 1. c.nop with a nonzero immediate and c.addi with a zero
	// immediate or rd=x0 are HINTs: they decode and do nothing (§16.7).
	c("c.nop", FmtCI, 0, 1, maskCRd, 0, []Arg{ArgCImm6}, "imm", "addi x0 x0 imm"),
	with(c("c.addi", FmtCI, 0, 1, 0, 0, []Arg{ArgCRd, ArgCImm6}, "rd,imm", "addi rd rd imm"), func(i *Inst) { i.Not = []Pattern{notCRd0} }),
	with(c("c.addiw", FmtCI, 1, 1, 0, 0, []Arg{ArgCRd, ArgCImm6}, "rd,imm", "addiw rd rd imm"), func(i *Inst) { i.Not = []Pattern{notCRd0} }),
	c("c.li", FmtCI, 2, 1, 0, 0, []Arg{ArgCRd, ArgCImm6}, "rd,imm", "addi rd x0 imm"),
	with(c("c.addi16sp", FmtCI, 3, 1, maskCRd, 2<<7, []Arg{ArgCImm16SP}, "sp,imm", "addi x2 x2 imm"), func(i *Inst) { i.Not = []Pattern{notCImm6Is0} }),
	with(c("c.lui", FmtCI, 3, 1, 0, 0, []Arg{ArgCRd, ArgCLuiImm}, "rd,imm", "lui rd imm"), func(i *Inst) { i.Not = []Pattern{notCRd2, notCImm6Is0} }),
	c("c.srli", FmtCB, 4, 1, 3<<10, 0<<10, []Arg{ArgCRs1P, ArgCShamt}, "rs1,imm", "srli rs1 rs1 imm"),
	c("c.srai", FmtCB, 4, 1, 3<<10, 1<<10, []Arg{ArgCRs1P, ArgCShamt}, "rs1,imm", "srai rs1 rs1 imm"),
	c("c.andi", FmtCB, 4, 1, 3<<10, 2<<10, []Arg{ArgCRs1P, ArgCImm6}, "rs1,imm", "andi rs1 rs1 imm"),
	c("c.sub", FmtCA, 4, 1, 0x1c63, 0x0c00, []Arg{ArgCRs1P, ArgCRs2P}, "rs1,rs2", "sub rs1 rs1 rs2"),
	c("c.xor", FmtCA, 4, 1, 0x1c63, 0x0c20, []Arg{ArgCRs1P, ArgCRs2P}, "rs1,rs2", "xor rs1 rs1 rs2"),
	c("c.or", FmtCA, 4, 1, 0x1c63, 0x0c40, []Arg{ArgCRs1P, ArgCRs2P}, "rs1,rs2", "or rs1 rs1 rs2"),
	c("c.and", FmtCA, 4, 1, 0x1c63, 0x0c60, []Arg{ArgCRs1P, ArgCRs2P}, "rs1,rs2", "and rs1 rs1 rs2"),
	c("c.subw", FmtCA, 4, 1, 0x1c63, 0x1c00, []Arg{ArgCRs1P, ArgCRs2P}, "rs1,rs2", "subw rs1 rs1 rs2"),
	c("c.addw", FmtCA, 4, 1, 0x1c63, 0x1c20, []Arg{ArgCRs1P, ArgCRs2P}, "rs1,rs2", "addw rs1 rs1 rs2"),
	c("c.j", FmtCJ, 5, 1, 0, 0, []Arg{ArgCJImm}, "imm", "jal x0 imm"),
	c("c.beqz", FmtCB, 6, 1, 0, 0, []Arg{ArgCRs1P, ArgCBImm}, "rs1,imm", "beq rs1 x0 imm"),
	c("c.bnez", FmtCB, 7, 1, 0, 0, []Arg{ArgCRs1P, ArgCBImm}, "rs1,imm", "bne rs1 x0 imm"),
	// Quadrant 2.
	c("c.slli", FmtCI, 0, 2, 0, 0, []Arg{ArgCRd, ArgCShamt}, "rd,imm", "slli rd rd imm"),
	with(c("c.lwsp", FmtCI, 2, 2, 0, 0, []Arg{ArgCRd, ArgCUimmLWSP}, "rd,imm(sp)", "lw rd imm x2"), func(i *Inst) { i.Not = []Pattern{notCRd0} }),
	with(c("c.ldsp", FmtCI, 3, 2, 0, 0, []Arg{ArgCRd, ArgCUimmLDSP}, "rd,imm(sp)", "ld rd imm x2"), func(i *Inst) { i.Not = []Pattern{notCRd0} }),
	with(c("c.jr", FmtCR, 4, 2, 1<<12|maskCRs2, 0, []Arg{ArgCRs1}, "rs1", "jalr x0 0 rs1"), func(i *Inst) { i.Not = []Pattern{notCRd0} }),
	with(c("c.mv", FmtCR, 4, 2, 1<<12, 0, []Arg{ArgCRd, ArgCRs2}, "rd,rs2", "add rd x0 rs2"), func(i *Inst) { i.Not = []Pattern{{maskCRs2, 0}} }),
	c("c.ebreak", FmtCR, 4, 2, 1<<12|maskCRd|maskCRs2, 1<<12, nil, "", "ebreak"),
	with(c("c.jalr", FmtCR, 4, 2, 1<<12|maskCRs2, 1<<12, []Arg{ArgCRs1}, "rs1", "jalr x1 0 rs1"), func(i *Inst) { i.Not = []Pattern{notCRd0} }),
	with(c("c.add", FmtCR, 4, 2, 1<<12, 1<<12, []Arg{ArgCRd, ArgCRs2}, "rd,rs2", "add rd rd rs2"), func(i *Inst) { i.Not = []Pattern{{maskCRs2, 0}} }),
	c("c.swsp", FmtCSS, 6, 2, 0, 0, []Arg{ArgCRs2, ArgCUimmSWSP}, "rs2,imm(sp)", "sw rs2 imm x2"),
	c("c.sdsp", FmtCSS, 7, 2, 0, 0, []Arg{ArgCRs2, ArgCUimmSDSP}, "rs2,imm(sp)", "sd rs2 imm x2"),
}
