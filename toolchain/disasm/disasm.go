// Package disasm is the rv64pg disassembler. It prints GNU syntax, and with
// the same options its text is character for character what GNU objdump
// 2.40 (riscv64-unknown-elf-objdump -d [-M no-aliases]) prints: by default
// for rv64imac_zicsr_zifencei under priv spec 1.12, and for a narrower ISA
// or an older priv spec when Options say so (as a file's attributes and
// $xrv mapping symbols tell objdump).
//
// Decoding comes from the spec table (spec.Decode); this package only adds
// how GNU prints each row: its aliases (forms.go), the CSR names GNU knows
// (zcsrnames.go), the radix of each operand kind, which extension objdump
// needs for it (isa.go), and objdump's habit of reconstructing lui/auipc +
// addi addresses in a trailing "# addr" comment. stream.go and objdump.go
// lay instructions out in objdump's lines, blocks and file headers; see
// docs/disasm.md.
//
//	word ──spec.Decode──▶ row ──forms[row]──▶ mnemonic + template ──▶ text
//	                        └─ nil ──gnuOnly──▶ text (ok=false)
//	                               └─ else ─▶ .2byte/.4byte 0x…
package disasm

//go:generate go run gen_csrnames.go

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// Options select how instructions are printed.
type Options struct {
	// NoAliases prints every instruction under its own name, as
	// objdump -M no-aliases does (c.addi, csrrs, jal zero,...).
	NoAliases bool
	// Numeric prints registers as x0..x31, as objdump -M numeric does.
	Numeric bool
	// Symbolizer names an address for branch targets and address
	// comments: it returns the text objdump puts between < and >, e.g.
	// "main+0x10", or "" when it has none. When Symbolizer is nil,
	// addresses print as objdump prints them for a file with no
	// symbols at all: 0x followed by the hex address.
	Symbolizer func(addr uint64) string
	// PrivSpec selects the privileged spec whose CSR names are printed:
	// one of PrivSpecs, or "" for 1.12. objdump takes it from the file's
	// Tag_RISCV_priv_spec attribute, or from -M priv-spec=.
	PrivSpec string
	// ISA is the arch string of the code (a Tag_RISCV_arch value such as
	// rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0); words of extensions it lacks
	// print as unknown, as objdump prints them. "" means rv64pg.
	ISA string
}

// PrivSpecs are the privileged spec versions GNU objdump 2.40 knows.
var PrivSpecs = []string{"1.9.1", "1.10", "1.11", "1.12"}

// Inst disassembles one instruction at pc. A compressed instruction is
// passed in the low 16 bits of word (its low two bits are not 11), as for
// spec.Decode. text is objdump's instruction text: the mnemonic, a TAB, and
// the operands, then possibly " # " and an address. ok reports whether word
// is an rv64pg instruction per the spec table; objdump's text for a
// non-instruction (".4byte 0x…") is returned with ok == false, and so is its
// text for the few words GNU names that the spec does not (gnuOnly).
//
// Inst keeps no state between calls, so unlike objdump it cannot pair a lui
// or auipc with the instruction after it; use a Decoder for a stream.
func Inst(word uint32, pc uint64, opts Options) (text string, ok bool) {
	return NewDecoder(opts).Decode(word, pc)
}

// Decoder disassembles a stream of instructions, keeping the state objdump
// keeps between them: the value each register got from lui, auipc or
// c.lui, which a later addi, load, store or jalr turns into an address
// comment (opcodes/riscv-dis.c, maybe_print_address).
type Decoder struct {
	opts    Options
	gp      uint64
	hasGP   bool
	hi      [32]uint64
	hiSet   [32]bool
	isa     isaSet // the extensions objdump would decode; nil: all of rv64pg
	isaName string // the $xrv mapping symbol isa came from
	// perLine is objdump's bytes_per_line as the last line left it; a
	// line for a failed read uses it (see boundsError).
	perLine int
}

// NewDecoder returns a Decoder with no register values known.
func NewDecoder(opts Options) *Decoder {
	d := &Decoder{opts: opts}
	if opts.ISA != "" {
		d.SetISA(opts.ISA)
	}
	return d
}

// SetGlobalPointer tells the decoder the value of __global_pointer$, so
// that gp-relative accesses get an address comment, as objdump does when
// the symbol is present.
func (d *Decoder) SetGlobalPointer(gp uint64) { d.gp, d.hasGP = gp, true }

// Decode disassembles one instruction at pc; see Inst.
func (d *Decoder) Decode(word uint32, pc uint64) (text string, ok bool) {
	if word&3 != 3 {
		word &= 0xffff
	}
	row := spec.Decode(word)
	if row == nil {
		for i := range gnuOnly {
			g := &gnuOnly[i]
			if g.Matches(word) && d.isa.has(&spec.Inst{Name: g.row, Ext: g.ext}) {
				var r *spec.Inst
				if g.row != "" {
					r = spec.Lookup(g.row)
				}
				if t, found := d.render(r, g.form, word, pc, false); found {
					return t, false
				}
			}
		}
		return unknownText(word), false
	}
	fs, listed := forms[row.Name]
	if !listed {
		fs = []form{plain(row.Name, row.Syntax, nil)}
	}
	// Outside the ISA in force only the forms GNU files under I remain.
	if t, found := d.render(row, fs, word, pc, !d.isa.has(row)); found {
		return t, true
	}
	return unknownText(word), true
}

// unknownText is how objdump 2.40 prints a word it cannot decode.
func unknownText(word uint32) string {
	if word&3 != 3 {
		return fmt.Sprintf(".2byte\t0x%x", word&0xffff)
	}
	return fmt.Sprintf(".4byte\t0x%x", word)
}

// decodeOperands reads the fields of word by role.
func decodeOperands(row *spec.Inst, word uint32) operands {
	o := operands{word: word}
	if row == nil {
		return o
	}
	for _, a := range row.Args {
		v := a.Value(word)
		switch spec.ArgSpecs[a].Role {
		case "rd":
			o.rd = v
		case "rs1":
			o.rs1 = v
		case "rs2":
			o.rs2 = v
		case "imm":
			o.imm = v
		case "csr":
			o.csr = v
		case "pred":
			o.pred = v
		case "succ":
			o.succ = v
		}
	}
	return o
}

// render prints word with the first applicable form, and reports whether
// one applied.
func (d *Decoder) render(row *spec.Inst, fs []form, word uint32, pc uint64, onlyClassI bool) (string, bool) {
	o := decodeOperands(row, word)
	for i, f := range fs {
		if f.alias && d.opts.NoAliases || onlyClassI && !f.classI {
			continue
		}
		if f.when != nil && !f.when(o) {
			continue
		}
		if formHook != nil {
			formHook(fs, i)
		}
		if f.unknown {
			return unknownText(word), true
		}
		return d.format(row, f, o, pc), true
	}
	return "", false
}

// formHook, when set (by tests), is told which form printed each word, so
// that the oracle test can show that every form was compared with GNU.
var formHook func(fs []form, i int)

// addrUse says how a row's operands feed objdump's address reconstruction
// (riscv-dis.c print_insn_args, cases 'o', 'j', 'q', 's' and C 'o'/'j').
type addrUse uint8

const (
	useNone   addrUse = iota
	useLoad           // 'o': base rs1 + imm
	useStore          // 'q': base rs1 + S-imm
	useAddi           // 'j' on ADDI with rs1 != 0
	useAddiw          // 'j' on ADDIW with rs1 != 0, sign-extended from 32 bits
	useJalr           // 'o' then 'j' on the imm, 's' on rs1: each a call
	useCAddi          // C 'j'/'o' on C.ADDI with rd != 0
	useCAddiw         // C 'j'/'o' on C.ADDIW with rd != 0, sign-extended
	useSetHi          // 'd' on LUI, AUIPC and C.LUI: remembers rd's value
)

var addrUses = map[string]addrUse{
	"lb": useLoad, "lh": useLoad, "lw": useLoad, "ld": useLoad, "lbu": useLoad, "lhu": useLoad, "lwu": useLoad,
	"sb": useStore, "sh": useStore, "sw": useStore, "sd": useStore,
	"addi": useAddi, "addiw": useAddiw, "jalr": useJalr,
	"c.addi": useCAddi, "c.addiw": useCAddiw,
	"lui": useSetHi, "auipc": useSetHi, "c.lui": useSetHi,
}

// pending is the address comment being built for one instruction.
type pending struct {
	addr uint64
	set  bool
}

// maybePrintAddress mirrors riscv-dis.c maybe_print_address (2.40).
func (d *Decoder) maybePrintAddress(p *pending, base int64, offset int64, wide bool) {
	switch {
	case d.hiSet[base]:
		hi := d.hi[base]
		if base == 0 {
			hi = 0
		}
		p.addr = hi + uint64(offset)
		d.hiSet[base] = false
	case base == 3 && d.hasGP: // gp
		p.addr = d.gp + uint64(offset)
	case base == 4 || base == 0: // tp, zero
		p.addr = uint64(offset)
	default:
		return
	}
	p.set = true
	if wide {
		p.addr = uint64(int64(int32(p.addr)))
	}
}

// format prints the mnemonic and the operands of form f.
func (d *Decoder) format(row *spec.Inst, f form, o operands, pc uint64) string {
	var b strings.Builder
	b.WriteString(f.name)
	if row != nil && row.Ext == spec.ExtA {
		// aq/rl are printed as mnemonic suffixes (Unpriv. §8.2).
		aq, _ := row.Operand(o.word, "aq")
		rl, _ := row.Operand(o.word, "rl")
		switch {
		case aq != 0 && rl != 0:
			b.WriteString(".aqrl")
		case aq != 0:
			b.WriteString(".aq")
		case rl != 0:
			b.WriteString(".rl")
		}
	}
	use := useNone
	if row != nil {
		use = addrUses[row.Name]
	}
	var p pending
	if f.args != "" {
		b.WriteByte('\t')
	}
	args := f.args
	for len(args) > 0 {
		n := 0
		for n < len(args) && isIdent(args[n]) {
			n++
		}
		if n == 0 {
			b.WriteByte(args[0])
			args = args[1:]
			continue
		}
		tok := args[:n]
		args = args[n:]
		switch tok {
		case "rd":
			if use == useSetHi {
				d.setHi(row, o, pc)
			}
			b.WriteString(d.reg(o.rd))
		case "rs1":
			if use == useJalr {
				d.maybePrintAddress(&p, o.rs1, o.imm, false)
			}
			b.WriteString(d.operandText(row, "rs1", o.rs1, pc))
		case "rs2":
			b.WriteString(d.reg(o.rs2))
		case "imm":
			switch {
			case use == useLoad || use == useStore:
				d.maybePrintAddress(&p, o.rs1, o.imm, false)
			case use == useAddi && o.rs1 != 0:
				d.maybePrintAddress(&p, o.rs1, o.imm, false)
			case use == useAddiw && o.rs1 != 0:
				d.maybePrintAddress(&p, o.rs1, o.imm, true)
			case use == useJalr:
				d.maybePrintAddress(&p, o.rs1, o.imm, false)
				d.maybePrintAddress(&p, o.rs1, o.imm, false)
			case use == useCAddi && o.rd != 0:
				d.maybePrintAddress(&p, o.rd, o.imm, false)
			case use == useCAddiw && o.rd != 0:
				d.maybePrintAddress(&p, o.rd, o.imm, true)
			}
			b.WriteString(d.operandText(row, "imm", o.imm, pc))
		case "csr":
			b.WriteString(CSRNameFor(uint16(o.csr), d.opts.PrivSpec))
		case "pred":
			b.WriteString(fenceSet(o.pred))
		case "succ":
			b.WriteString(fenceSet(o.succ))
		case "sp":
			b.WriteString(d.reg(2))
		case "zero":
			b.WriteString(d.reg(0))
		default:
			b.WriteString(tok)
		}
	}
	if p.set {
		b.WriteString(" # ")
		b.WriteString(d.Address(p.addr))
	}
	return b.String()
}

// reg names register r: its ABI name (psABI), or x<r> under Numeric.
func (d *Decoder) reg(r int64) string {
	if d.opts.Numeric {
		return "x" + strconv.FormatInt(r, 10)
	}
	return spec.RegNames[r]
}

func isIdent(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// setHi records what lui, auipc or c.lui put in rd (riscv-dis.c case 'd').
func (d *Decoder) setHi(row *spec.Inst, o operands, pc uint64) {
	v := uint64(o.imm) // the U/CI immediate, sign-extended, bits 11:0 zero
	if row.Name == "auipc" {
		v += pc
	}
	d.hi[o.rd], d.hiSet[o.rd] = v, true
}

// operandText prints an operand with the radix GNU uses for its kind.
func (d *Decoder) operandText(row *spec.Inst, role string, v int64, pc uint64) string {
	var arg spec.Arg = spec.NumArgs
	for _, a := range row.Args {
		if spec.ArgSpecs[a].Role == role {
			arg = a
			break
		}
	}
	switch arg {
	case spec.ArgUImm, spec.ArgCLuiImm:
		// GNU 'u' and C 'u': the 20-bit field in hex.
		return fmt.Sprintf("0x%x", uint64(v)>>12&0xfffff)
	case spec.ArgShamt6, spec.ArgShamt5, spec.ArgCShamt:
		return fmt.Sprintf("0x%x", v)
	case spec.ArgBImm, spec.ArgJImm, spec.ArgCJImm, spec.ArgCBImm:
		return d.Address(pc + uint64(v))
	}
	if spec.ArgSpecs[arg].Kind == spec.KindReg {
		return d.reg(v)
	}
	return strconv.FormatInt(v, 10)
}

// Address prints an address as objdump's print_address_func does: hex
// without leading zeros, then " <symbol+0xoff>" when a Symbolizer is set.
func (d *Decoder) Address(addr uint64) string {
	if d.opts.Symbolizer == nil {
		return fmt.Sprintf("0x%x", addr)
	}
	if s := d.opts.Symbolizer(addr); s != "" {
		return fmt.Sprintf("%x <%s>", addr, s)
	}
	return fmt.Sprintf("%x", addr)
}

// fenceNames are the FENCE predecessor/successor sets as GNU prints them
// (riscv_pred_succ); the empty set prints as "unknown".
var fenceNames = [16]string{
	"unknown", "w", "r", "rw", "o", "ow", "or", "orw",
	"i", "iw", "ir", "irw", "io", "iow", "ior", "iorw",
}

func fenceSet(v int64) string { return fenceNames[v&0xf] }

// CSRName returns the name GNU objdump 2.40 prints for a CSR number under
// priv spec 1.12, or its number in hex when GNU knows no name.
func CSRName(addr uint16) string { return CSRNameFor(addr, "") }

// CSRNameFor is CSRName under the given priv spec (one of PrivSpecs; ""
// or an unknown version means 1.12, as objdump's newest).
func CSRNameFor(addr uint16, privSpec string) string {
	addr &= 0xfff
	n, ok := gnuCSRNames[addr]
	if older, found := gnuCSRNamesOlder[privSpec]; found {
		if o, differs := older[addr]; differs {
			n, ok = o, o != ""
		}
	}
	if ok {
		return n
	}
	return fmt.Sprintf("0x%x", addr)
}
