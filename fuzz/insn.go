// Package fuzz generates rv64pg test programs from the spec tables, runs
// them in lockstep on two targets, and shrinks what diverges to a handful
// of instructions (docs/testing.md).
//
// A generated program is a Test: privileged setup parameters plus a body
// of Items. The generator draws it with rapid, so a failing Test shrinks
// automatically: rapid deletes Items and drives every drawn value towards
// zero. Layout turns a Test into memory content:
//
//	0x80000000  setup (M-mode): mtvec, stvec, sp, medeleg/mideleg, mie,
//	            PMP, satp, triggers, mstatus, mepc; then mret into M, S or U
//	            [entry: a nop an execute trigger may aim at]
//	            body: the generated Items
//	            exit: li tp, ExitMagic; ecall  (the M handler writes the finisher)
//	0x8000f000  trap handlers: M (at mtvec) and S (at stvec). Each logs
//	            cause and tval, and skips the faulting instruction.
//	0x80010000  trap log: cursor at +0, then {cause, tval} pairs
//	0x80011000  two data pages; sp = 0x80012000 points between them
//	0x80014000  Sv39 page tables: root, level 1, level 0 (identity map)
//
// The generator guarantees termination: control flow only goes forward
// except in counted loops on the reserved register gp, the handlers always
// advance mepc/sepc past a faulting instruction, an interrupt handler
// disables further interrupts, and nothing the body may do can move mtvec,
// the exit path or M-mode's access to the finisher. The debug triggers the
// setup may arm fire only where skipping is harmless: an execute trigger
// on the entry nop, load/store triggers on the data pages, which the
// handlers never touch.
package fuzz

import (
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// Insn is one encoded instruction: a row of spec.Insts and its operand
// values, in the row's Args order.
type Insn struct {
	Row *spec.Inst
	Ops []int64
}

// Raw is a word that is not (necessarily) an instruction: it is emitted
// as is, to exercise illegal-instruction traps.
func rawInsn(word uint32) Insn { return Insn{Ops: []int64{int64(word)}} }

// Len is the instruction's length in bytes.
func (in Insn) Len() int {
	if in.Row == nil {
		return spec.InsnLen(uint32(in.Ops[0]))
	}
	return in.Row.Len()
}

// Encode returns the instruction word: Match with each operand placed by
// Arg.Encode. It fails when an operand does not fit or the word is one
// the row excludes (Inst.Not).
func (in Insn) Encode() (uint32, error) {
	if in.Row == nil {
		return uint32(in.Ops[0]), nil
	}
	if len(in.Ops) != len(in.Row.Args) {
		return 0, fmt.Errorf("%s: %d operands, want %d", in.Row.Name, len(in.Ops), len(in.Row.Args))
	}
	w := in.Row.Match
	for i, a := range in.Row.Args {
		bits, err := a.Encode(in.Ops[i])
		if err != nil {
			return 0, fmt.Errorf("%s: %w", in.Row.Name, err)
		}
		w |= bits
	}
	if !in.Row.Matches(w) {
		return 0, fmt.Errorf("%s: operands %v give %#x, a reserved or different encoding", in.Row.Name, in.Ops, w)
	}
	return w, nil
}

// Text renders the instruction in GNU syntax from the row's Syntax
// template, for comments in generated sources.
func (in Insn) Text() string {
	if in.Row == nil {
		return fmt.Sprintf(".insn %#x", in.Ops[0])
	}
	return formatInsn(in.Row, func(role string) (int64, bool) {
		for i, a := range in.Row.Args {
			if spec.ArgSpecs[a].Role == role {
				return in.Ops[i], true
			}
		}
		return 0, false
	})
}

// Disasm renders a word from the table alone; it is the fallback
// disassembler of reports when no other is wired.
func Disasm(word uint32, pc uint64) string {
	row := spec.Decode(word)
	if row == nil {
		return fmt.Sprintf(".insn %#x", word)
	}
	return formatInsn(row, func(role string) (int64, bool) { return row.Operand(word, role) })
}

func formatInsn(row *spec.Inst, operand func(role string) (int64, bool)) string {
	name := row.Name
	for _, a := range row.Args {
		if spec.ArgSpecs[a].Kind == spec.KindFlag {
			if v, _ := operand(spec.ArgSpecs[a].Role); v != 0 {
				name += "." + spec.ArgSpecs[a].Role
			}
		}
	}
	if row.Syntax == "" {
		return name
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte(' ')
	tok := ""
	flush := func() {
		if tok == "" {
			return
		}
		v, ok := operand(tok)
		switch {
		case !ok:
			b.WriteString(tok)
		case tok == "rd" || tok == "rs1" && !isZimm(row) || tok == "rs2":
			b.WriteString(spec.RegNames[v&31])
		case tok == "csr":
			if c := spec.LookupCSR(uint16(v)); c != nil {
				b.WriteString(c.Name)
			} else {
				fmt.Fprintf(&b, "%#x", v)
			}
		case tok == "pred" || tok == "succ":
			b.WriteString(fenceSet(v))
		case tok == "imm" && (row.Format == spec.FmtU || row.Name == "c.lui"):
			fmt.Fprintf(&b, "%#x", uint64(v)>>12&0xfffff) // GNU writes the 20-bit field
		default:
			fmt.Fprintf(&b, "%d", v)
		}
		tok = ""
	}
	for _, r := range row.Syntax {
		if r == ',' || r == '(' || r == ')' {
			flush()
			b.WriteRune(r)
			continue
		}
		tok += string(r)
	}
	flush()
	return b.String()
}

func isZimm(row *spec.Inst) bool {
	for _, a := range row.Args {
		if a == spec.ArgZimm {
			return true
		}
	}
	return false
}

func fenceSet(v int64) string {
	s := ""
	for i, c := range "iorw" {
		if v&(8>>i) != 0 {
			s += string(c)
		}
	}
	if s == "" {
		return "0"
	}
	return s
}

// mk builds an Insn by mnemonic; the operands are in the row's Args
// order. It panics on a name the table lacks, which is a bug in this
// package's fixed code (never in generated data).
func mk(name string, ops ...int64) Insn {
	row := spec.Lookup(name)
	if row == nil {
		panic("fuzz: no instruction " + name)
	}
	return Insn{Row: row, Ops: ops}
}

// Register numbers the fixed code uses.
const (
	regZero = 0
	regRA   = 1
	regSP   = 2  // reserved: the data base
	regGP   = 3  // reserved: the loop counter
	regTP   = 4  // reserved: ExitMagic marks the final ecall
	regT0   = 5  // setup scratch
	regT4   = 29 // reserved: handler scratch
	regT5   = 30 // reserved: handler scratch
	regT6   = 31 // reserved: handler scratch
)

// ExitMagic in tp tells the M handler that an ecall is the program's end.
const ExitMagic = 0x5a5

// ExitFetchMagic in tp tells the M handler that a handler saw a fetch
// fault: the run ends with the finisher's fail code 1.
const ExitFetchMagic = 0x5a6

// reserved reports whether the body must never write register r.
func reserved(r int64) bool {
	return r == regSP || r == regGP || r == regTP || r >= regT4
}

// sext12 returns the low 12 bits of v, sign-extended.
func sext12(v int64) int64 { return v << 52 >> 52 }

// li materializes a 64-bit constant in rd, as GNU as expands li.
func li(rd int64, v int64) []Insn {
	if v >= -2048 && v < 2048 {
		return []Insn{mk("addi", rd, regZero, v)}
	}
	if v == int64(int32(v)) {
		lo := sext12(v)
		hi := int64(int32(uint32(v - lo)))
		out := []Insn{mk("lui", rd, hi)}
		if lo != 0 {
			out = append(out, mk("addiw", rd, rd, lo))
		}
		return out
	}
	lo := sext12(v)
	out := li(rd, (v-lo)>>12)
	out = append(out, mk("slli", rd, rd, 12))
	if lo != 0 {
		out = append(out, mk("addi", rd, rd, lo))
	}
	return out
}

// csrw writes rs to csr.
func csrw(csr uint16, rs int64) Insn { return mk("csrrw", regZero, int64(csr), rs) }

// csrr reads csr into rd.
func csrr(rd int64, csr uint16) Insn { return mk("csrrs", rd, int64(csr), regZero) }
