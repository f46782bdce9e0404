package fuzz

import (
	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/spec"
)

// Options shape generated programs.
type Options struct {
	MaxItems int // body Items, at most (0: 40)
	// Exts limits the body to rows of these extensions (nil: all). The
	// fixed setup and handlers use I, Zicsr and the privileged
	// instructions whatever it says.
	Exts []spec.Ext
	// DRF makes programs data-race free on Harts harts (Test.Harts): the
	// result must not depend on how the harts interleave, so a machine
	// that runs them concurrently (diff.ParallelRunner) can be compared
	// with one that interleaves them deterministically. Nothing shared is
	// written (no device, page-table or code stores) and no time is read.
	DRF   bool
	Harts int
	// NoTimer keeps the timer out of the body (no Item arms it ahead of
	// mtime, the setup leaves it as at reset): for targets whose clock is
	// not the retired-instruction count, such as QEMU, where the phase of
	// the ticks differs from run to run (docs/external.md).
	NoTimer bool
}

// The rows of spec.Insts by what the generator does with them. They are
// computed from the table, so a new row lands in a category by its
// extension and name and shows up in generated programs.
var (
	rowsALU      []*spec.Inst // register/immediate computation, no memory, no control flow
	rowsLoadSP   []*spec.Inst // loads and stores through sp (and the C sp forms)
	rowsLoadCP   []*spec.Inst // c.lw/c.ld/c.sw/c.sd: base in x8..x15
	rowsBranch   []*spec.Inst
	rowsAMO      []*spec.Inst
	rowsCSR      []*spec.Inst
	rowsLoadAny  []*spec.Inst // the 32-bit loads and stores, for device and unmapped addresses
	rowsSystemOK []*spec.Inst // system rows that trap or retire without changing control flow
)

func init() {
	for i := range spec.Insts {
		in := &spec.Insts[i]
		switch {
		case in.Ext == spec.ExtA:
			rowsAMO = append(rowsAMO, in)
		case in.Ext == spec.ExtZicsr:
			rowsCSR = append(rowsCSR, in)
		case in.Name == "c.lwsp" || in.Name == "c.ldsp" || in.Name == "c.swsp" || in.Name == "c.sdsp":
			rowsLoadSP = append(rowsLoadSP, in)
		case in.Name == "c.lw" || in.Name == "c.ld" || in.Name == "c.sw" || in.Name == "c.sd":
			rowsLoadCP = append(rowsLoadCP, in)
		case in.Format == spec.FmtB || in.Name == "c.beqz" || in.Name == "c.bnez":
			rowsBranch = append(rowsBranch, in)
		case in.Ext == spec.ExtI && (in.Match&0x7f == 0x03 || in.Match&0x7f == 0x23):
			rowsLoadSP = append(rowsLoadSP, in)
			rowsLoadAny = append(rowsLoadAny, in)
		case in.Name == "jal" || in.Name == "c.j" || in.Name == "jalr" || in.Name == "c.jr" || in.Name == "c.jalr":
			// control flow: built as macros below
		case in.Ext == spec.ExtPriv || in.Name == "ecall" || in.Name == "ebreak" || in.Name == "c.ebreak" ||
			in.Ext == spec.ExtZifencei || in.Name == "fence" || in.Name == "fence.tso":
			if in.Name != "wfi" { // wfi may wait for an interrupt that never comes
				rowsSystemOK = append(rowsSystemOK, in)
			}
		case in.Name == "c.addi16sp": // writes sp, which the body reserves
		default:
			rowsALU = append(rowsALU, in)
		}
	}
}

// writable are the registers the body may write.
var writable = func() []int64 {
	var out []int64
	for r := int64(0); r < 32; r++ {
		if !reserved(r) {
			out = append(out, r)
		}
	}
	return out
}()

// isDest reports whether operand i of row is a register the instruction
// writes: rd, or for a compressed two-address form the rs1 that its
// expansion names first.
func isDest(row *spec.Inst, i int) bool {
	a := row.Args[i]
	s := spec.ArgSpecs[a]
	if s.Kind != spec.KindReg {
		return false
	}
	if s.Role == "rd" {
		return true
	}
	if x := row.Expansion; x != nil && s.Role == "rs1" {
		// "srli rs1 rs1 imm": the expansion's rd is this rs1.
		for j, e := range x.Args {
			if e.Role == "rs1" && spec.ArgSpecs[x.Base.Args[j]].Role == "rd" {
				return true
			}
		}
	}
	return false
}

// drawOperand draws a value for operand i of row: a register (from
// writable when it is a destination), or field bits read back with
// Arg.Value, so every value drawn is one Arg.Encode accepts.
func drawOperand(t *rapid.T, row *spec.Inst, i int, label string) int64 {
	a := row.Args[i]
	s := spec.ArgSpecs[a]
	if s.Kind == spec.KindReg {
		if s.Offset == 8 { // x8..x15: all writable
			return 8 + int64(rapid.IntRange(0, 7).Draw(t, label))
		}
		if isDest(row, i) {
			return rapid.SampledFrom(writable).Draw(t, label)
		}
		return int64(rapid.IntRange(0, 31).Draw(t, label))
	}
	bits := rapid.Uint32().Draw(t, label) & a.Mask()
	return a.Value(bits)
}

// drawInsn draws a row's operands; fixed maps a role to a value the
// caller imposes (e.g. rs1 = sp). When the draw hits an encoding the row
// excludes (Inst.Not), it draws again, and after a few tries it gives a
// c.nop, so that generation never fails.
func (g *generator) drawInsn(t *rapid.T, row *spec.Inst, fixed map[string]int64) Insn {
	for try := 0; try < 4; try++ {
		in := Insn{Row: row, Ops: make([]int64, len(row.Args))}
		for i, a := range row.Args {
			if v, ok := fixed[spec.ArgSpecs[a].Role]; ok {
				in.Ops[i] = v
				continue
			}
			in.Ops[i] = drawOperand(t, row, i, row.Name+"."+spec.ArgSpecs[a].Name)
		}
		if _, err := in.Encode(); err == nil {
			return in
		}
	}
	return g.nop()
}

// Interesting addresses outside the data pages: devices, the boot ROM,
// the code, holes and the end of RAM. Loads from all of them are legal
// programs (a fault is skipped); stores skip those that would end the
// run or rewrite code.
var (
	probeLoad  = []int64{0x0, 0x1000, spec.TestBase, spec.CLINTBase, spec.CLINTBase + spec.CLINTMtimecmp, spec.CLINTBase + spec.CLINTMtime, spec.PLICBase + 4*spec.UARTIRQ, spec.PLICBase + 0x1000, spec.PLICBase + 0x2000, spec.PLICBase + 0x200004, spec.UARTBase, spec.UARTBase + 5, 0x40000000, 0x40000000 + DataBase - CodeBase, CodeBase, LogBase, spec.RAMBase + 128<<20}
	probeStore = []int64{0x0, 0x1000, spec.CLINTBase, spec.CLINTBase + spec.CLINTMtimecmp, spec.PLICBase + 4*spec.UARTIRQ, spec.PLICBase + 0x2000, spec.PLICBase + 0x200000, spec.UARTBase + 1, spec.UARTBase + 7, 0x40000000, 0x40000000 + SPValue - CodeBase, spec.RAMBase + 128<<20}
)

// CSRs the body may write: none of them can move a trap vector, the
// translation or protection the handlers rely on, or the mode. Other
// CSRs are only read (csrrs/csrrc with x0, or a zero immediate).
var csrSafeWrite = map[uint16]bool{
	spec.CSRSstatus: true, spec.CSRSie: true, spec.CSRScounteren: true, spec.CSRSenvcfg: true, spec.CSRSscratch: true,
	spec.CSRSepc: true, spec.CSRScause: true, spec.CSRStval: true, spec.CSRSip: true,
	spec.CSRMie: true, spec.CSRMcounteren: true, spec.CSRMenvcfg: true, spec.CSRMcountinhibit: true, spec.CSRMscratch: true,
	spec.CSRMepc: true, spec.CSRMcause: true, spec.CSRMtval: true, spec.CSRMip: true, spec.CSRMcycle: true, spec.CSRMinstret: true,
	spec.CSRMisa: true, spec.CSRMhartid: true, spec.CSRCycle: true, spec.CSRTime: true, spec.CSRInstret: true, // read-only: writes trap or are ignored
}

// csrAddrs are the CSR numbers drawn: every row of the table, and a few
// that do not exist.
var csrAddrs = func() []int64 {
	out := []int64{spec.CSRMscratch, spec.CSRSscratch, spec.CSRMstatus, spec.CSRSstatus}
	for _, c := range spec.CSRs {
		out = append(out, int64(c.Addr))
	}
	return append(out, 0x7c0, 0x5c0, 0x800, 0xcc0, 0x7a5, 0x001)
}()

// item draws one body Item; inLoop limits it to straight-line code (the
// body of a short loop). Every Item is charged its worst-case steps
// against the program's budget; one that does not fit becomes an ALU
// instruction.
func (g *generator) item(t *rapid.T, inLoop bool) Item {
	kinds := g.top
	if inLoop {
		kinds = g.inLoop
	}
	it := kinds[rapid.IntRange(0, len(kinds)-1).Draw(t, "kind")](t)
	if !inLoop {
		if it.worstCase() > g.budget {
			it = g.alu1(t)
		}
		g.budget -= it.worstCase()
	}
	return it
}

// branchFwd draws a conditional branch forward over a few Items.
func (g *generator) branchFwd(t *rapid.T) Item {
	row := rapid.SampledFrom(g.branch).Draw(t, "branch")
	in := g.drawInsn(t, row, map[string]int64{"imm": 0})
	return Item{Insns: []Insn{in}, Patch: 1, Skip: rapid.IntRange(0, 6).Draw(t, "skip"), Note: row.Name + " forward"}
}

type generator struct {
	mode spec.Mode
	drf  bool // Options.DRF: nothing shared is written, no time is read
	// noTimer: Options.NoTimer, or drf: no Item arms the timer ahead.
	noTimer bool
	// The row lists of this generator: the package's, filtered by
	// Options.Exts.
	alu, loadSP, loadCP, branch, amoRows, csrRows, loadAny, sysRows []*spec.Inst
	hasC                                                            bool
	allow                                                           func(*spec.Inst) bool
	// The kinds of Items drawn at the top level, in a short loop and in a
	// hot loop (gen_fast.go); the first is an ALU instruction, what a
	// shrunk kind becomes.
	top, inLoop, inHot []func(*rapid.T) Item
	budget             int // worst-case steps left (stepBudget)
	trips              int // the trips of the hot loop being drawn
}

// kinds fills the generator's lists of Item kinds for its mode and
// options.
func (g *generator) kinds() {
	alu := g.alu1
	has := func(rows []*spec.Inst) bool { return len(rows) > 0 }
	add := func(list *[]func(*rapid.T) Item, ok bool, f ...func(*rapid.T) Item) {
		if ok {
			*list = append(*list, f...)
		}
	}
	// Top level: the original kinds, then those of gen_fast.go.
	add(&g.top, true, alu, alu)
	add(&g.top, has(g.loadSP), g.memSP)
	add(&g.top, has(g.loadAny) && !g.drf, g.memProbe)
	add(&g.top, has(g.amoRows), g.amo)
	add(&g.top, has(g.csrRows), g.csr)
	add(&g.top, has(g.branch), g.branchFwd)
	add(&g.top, true, g.jump)
	add(&g.top, has(g.sysRows), g.system)
	add(&g.top, true, g.loop, g.illegal)
	add(&g.top, g.mode != spec.ModeM && !g.drf, g.pteEdit)
	add(&g.top, true, g.hotLoop, g.pad, g.memPair)
	add(&g.top, !g.drf, g.smc, g.device)
	add(&g.top, g.allow(spec.Lookup("lr.w")), g.lrsc)
	add(&g.top, g.allow(spec.Lookup("sfence.vma")) && g.allow(spec.Lookup("csrrs")), g.translation)
	// A short loop: straight-line ALU and memory Items.
	add(&g.inLoop, true, alu, alu)
	add(&g.inLoop, has(g.loadSP), g.memSP)
	// A hot loop: straight-line Items of most kinds.
	add(&g.inHot, true, alu, g.aluRun, g.aluRun, g.memPair)
	add(&g.inHot, has(g.loadSP), g.memSP)
	add(&g.inHot, has(g.amoRows), g.amo)
	add(&g.inHot, has(g.csrRows), g.csr)
	add(&g.inHot, true, g.illegal)
	add(&g.inHot, has(g.loadAny) && !g.drf, g.memProbe)
	add(&g.inHot, g.mode != spec.ModeM && !g.drf, g.pteEdit)
	add(&g.inHot, !g.drf, g.smc, g.device)
	add(&g.inHot, !g.noTimer, g.timerTick)
	add(&g.inHot, g.allow(spec.Lookup("lr.w")), g.lrsc)
	add(&g.inHot, g.allow(spec.Lookup("sfence.vma")) && g.allow(spec.Lookup("csrrs")), g.translation)
}

func newGenerator(opts Options, mode spec.Mode) *generator {
	allow := func(in *spec.Inst) bool { return true }
	if opts.Exts != nil {
		set := map[spec.Ext]bool{}
		for _, e := range opts.Exts {
			set[e] = true
		}
		allow = func(in *spec.Inst) bool { return set[in.Ext] }
	}
	f := func(rows []*spec.Inst) []*spec.Inst {
		var out []*spec.Inst
		for _, r := range rows {
			if allow(r) {
				out = append(out, r)
			}
		}
		return out
	}
	g := &generator{mode: mode, alu: f(rowsALU), loadSP: f(rowsLoadSP), loadCP: f(rowsLoadCP), branch: f(rowsBranch),
		amoRows: f(rowsAMO), csrRows: f(rowsCSR), loadAny: f(rowsLoadAny), sysRows: f(rowsSystemOK)}
	g.hasC = allow(spec.Lookup("c.nop"))
	g.allow = allow
	if len(g.alu) == 0 {
		g.alu = []*spec.Inst{spec.Lookup("addi")} // the harness needs I anyway
	}
	g.drf = opts.DRF && opts.Harts > 1
	g.noTimer = opts.NoTimer || g.drf
	g.budget = stepBudget
	g.kinds()
	return g
}

// nop is the filler when a draw fails: c.nop, or addi x0, x0, 0 without C.
func (g *generator) nop() Insn {
	if g.hasC {
		return mk("c.nop", 0)
	}
	return mk("addi", regZero, regZero, 0)
}

func (g *generator) memSP(t *rapid.T) Item {
	if len(g.loadCP) > 0 && rapid.IntRange(0, 4).Draw(t, "cform") == 0 {
		// c.lw rd', imm(rs1'): rs1' = sp + off first.
		row := rapid.SampledFrom(g.loadCP).Draw(t, "cmem")
		base := 8 + int64(rapid.IntRange(0, 7).Draw(t, "cbase"))
		off := g.offset(t, 1800)
		in := g.drawInsn(t, row, map[string]int64{"rs1": base})
		return Item{Insns: []Insn{mk("addi", base, regSP, off), in}, Note: row.Name + " via sp"}
	}
	row := rapid.SampledFrom(g.loadSP).Draw(t, "mem")
	fixed := map[string]int64{}
	if row.Ext != spec.ExtC {
		fixed["rs1"] = regSP
		fixed["imm"] = g.offset(t, 2047)
	}
	in := g.drawInsn(t, row, fixed)
	return Item{Insns: []Insn{in}, Note: row.Name + " sp"}
}

// offset draws a data offset around sp: usually 8-byte aligned, and
// sometimes misaligned on purpose.
func (g *generator) offset(t *rapid.T, limit int64) int64 {
	off := rapid.Int64Range(-2048, limit).Draw(t, "off")
	if rapid.IntRange(0, 5).Draw(t, "misalign") != 0 {
		off &^= 7
	}
	return off
}

func (g *generator) memProbe(t *rapid.T) Item {
	row := rapid.SampledFrom(g.loadAny).Draw(t, "probe")
	isStore := row.Format == spec.FmtS
	addrs := probeLoad
	if isStore {
		addrs = probeStore
	}
	addr := rapid.SampledFrom(addrs).Draw(t, "addr")
	reg := rapid.SampledFrom(writable[1:]).Draw(t, "reg")
	insns := li(reg, addr)
	in := g.drawInsn(t, row, map[string]int64{"rs1": reg, "imm": int64(rapid.IntRange(0, 7).Draw(t, "poff"))})
	if !isStore && in.Ops[0] == reg {
		// keep the base for reports: any other destination does
	}
	return Item{Insns: append(insns, in), Note: row.Name + " probe"}
}

func (g *generator) amo(t *rapid.T) Item {
	row := rapid.SampledFrom(g.amoRows).Draw(t, "amo")
	reg := rapid.SampledFrom(writable[1:]).Draw(t, "areg")
	if rapid.IntRange(0, 4).Draw(t, "adev") == 0 && !g.drf {
		// At a device register (or the other probe addresses stores may
		// reach): atomics on I/O are the platform's to define, so the
		// two models must agree there too. Mostly aligned, as AMOs must be.
		addr := rapid.SampledFrom(probeStore).Draw(t, "aaddr")
		if rapid.IntRange(0, 3).Draw(t, "adalign") != 0 {
			addr &^= 7
		}
		in := g.drawInsn(t, row, map[string]int64{"rs1": reg})
		return Item{Insns: append(li(reg, addr), in), Note: row.Name + " probe"}
	}
	off := g.offset(t, 2040)
	if rapid.IntRange(0, 3).Draw(t, "aalign") != 0 {
		off &^= 7
	}
	in := g.drawInsn(t, row, map[string]int64{"rs1": reg})
	return Item{Insns: []Insn{mk("addi", reg, regSP, off), in}, Note: row.Name}
}

func (g *generator) csr(t *rapid.T) Item {
	row := rapid.SampledFrom(g.csrRows).Draw(t, "csrop")
	addr := rapid.SampledFrom(csrAddrs).Draw(t, "csr")
	if g.drf && addr == spec.CSRTime {
		addr = spec.CSRMscratch // time counts every hart's instructions: racy
	}
	in := g.drawInsn(t, row, map[string]int64{"csr": addr})
	if !csrSafeWrite[uint16(addr)] {
		// Read only: csrrs/csrrc with x0, or a zero immediate, writes nothing.
		switch row.Name {
		case "csrrw", "csrrs", "csrrc":
			in = mk("csrrs", in.Ops[0], addr, regZero)
		default:
			in = mk("csrrsi", in.Ops[0], addr, 0)
		}
	}
	return Item{Insns: []Insn{in}, Note: "csr"}
}

func (g *generator) jump(t *rapid.T) Item {
	skip := rapid.IntRange(0, 6).Draw(t, "jskip")
	link := rapid.SampledFrom([]int64{regZero, regRA, 5, 10}).Draw(t, "link")
	tmp := rapid.SampledFrom(writable[1:]).Draw(t, "jtmp")
	jkind := rapid.IntRange(0, 4).Draw(t, "jkind")
	if !g.hasC && (jkind == 1 || jkind >= 3) {
		jkind = 2
	}
	switch jkind {
	case 0:
		return Item{Insns: []Insn{mk("jal", link, 0)}, Patch: 1, Skip: skip, Note: "jal forward"}
	case 1:
		return Item{Insns: []Insn{mk("c.j", 0)}, Patch: 1, Skip: skip, Note: "c.j forward"}
	case 2:
		return Item{Insns: []Insn{mk("auipc", tmp, 0), mk("jalr", link, 0, tmp)}, Patch: 2, From: 0, Skip: skip, Note: "jalr forward"}
	default:
		name := "c.jr"
		if rapid.Bool().Draw(t, "cjalr") {
			name = "c.jalr"
		}
		return Item{Insns: []Insn{mk("auipc", tmp, 0), mk("addi", tmp, tmp, 0), mk(name, tmp)}, Patch: 2, From: 0, Skip: skip, Note: name + " forward"}
	}
}

func (g *generator) system(t *rapid.T) Item {
	var rows []*spec.Inst
	for _, r := range g.sysRows {
		switch r.Name {
		case "mret":
			if g.mode == spec.ModeM {
				continue // would return into the setup's mepc
			}
		case "sret":
			if g.mode != spec.ModeU {
				continue // returns to sepc in S (and M)
			}
		}
		rows = append(rows, r)
	}
	if wfi := spec.Lookup("wfi"); g.mode == spec.ModeU && g.allow(wfi) {
		rows = append(rows, wfi) // illegal in U-mode, so it cannot wait
	}
	if len(rows) == 0 {
		return Item{Insns: []Insn{g.nop()}, Note: "nop"}
	}
	row := rapid.SampledFrom(rows).Draw(t, "sys")
	return Item{Insns: []Insn{g.drawInsn(t, row, nil)}, Note: row.Name}
}

func (g *generator) loop(t *rapid.T) Item {
	n := int64(rapid.IntRange(1, 4).Draw(t, "trips"))
	insns := []Insn{mk("addi", regGP, regZero, n)}
	for _, it := range rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Item { return g.item(t, true) }), 1, 3).Draw(t, "loopbody") {
		insns = append(insns, it.Insns...)
	}
	insns = append(insns, mk("addi", regGP, regGP, -1), mk("bne", regGP, regZero, 0))
	last := len(insns) - 1
	return Item{Insns: insns, Patch: last + 1, From: last, Back: 2, Note: "loop on gp"}
}

func (g *generator) illegal(t *rapid.T) Item {
	w := rapid.Uint32().Draw(t, "word") | 3
	if spec.Decode(w) != nil {
		w = 0x0000000b // custom-0: no rv64pg instruction, 4 bytes long
	}
	if g.hasC && rapid.Bool().Draw(t, "c.unimp") {
		return Item{Insns: []Insn{rawInsn(0)}, Note: "c.unimp (illegal)"} // 16-bit zero
	}
	return Item{Insns: []Insn{rawInsn(w)}, Note: "illegal word"}
}

// Data-page PTE permissions the generator chooses from: legal and
// reserved combinations, with and without A and D. The first is what a
// shrunk program keeps.
const (
	pteV, pteR, pteW, pteX, pteU, pteG, pteA, pteD = 1, 2, 4, 8, 16, 32, 64, 128
)

var dataPTEs = []uint64{
	pteV | pteR | pteW | pteA | pteD,
	pteV | pteR | pteA,
	pteV | pteR | pteW,
	pteV | pteR | pteW | pteA,
	pteV | pteR | pteW | pteX | pteA | pteD,
	pteV | pteX | pteA,
	pteV | pteW | pteA | pteD, // reserved: W without R
	pteR | pteW | pteA | pteD, // not valid
	pteV | pteR | pteW | pteA | pteD | pteG,
}

// Gen returns the generator of whole Tests.
func Gen(opts Options) *rapid.Generator[*Test] {
	maxItems := opts.MaxItems
	if maxItems <= 0 {
		maxItems = 40
	}
	return rapid.Custom(func(t *rapid.T) *Test {
		var ts Test
		ts.Mode = rapid.SampledFrom([]spec.Mode{spec.ModeM, spec.ModeS, spec.ModeU}).Draw(t, "mode")
		ts.Medeleg = rapid.Uint64().Draw(t, "medeleg") & spec.DelegableExceptions &^ (1<<spec.CauseUserEcall | 1<<spec.CauseSupervisorEcall)
		ts.Mideleg = rapid.Uint64().Draw(t, "mideleg") & spec.SInterrupts
		ts.Mie = rapid.Uint64().Draw(t, "mie") & spec.AllInterrupts
		ts.Mstatus = rapid.Uint64().Draw(t, "mstatus") & (spec.MstatusSIE | spec.MstatusMIE | spec.MstatusSPIE | spec.MstatusMPIE |
			spec.MstatusSUM | spec.MstatusMXR | spec.MstatusTVM | spec.MstatusTW | spec.MstatusTSR)
		if opts.DRF && opts.Harts > 1 {
			ts.Harts = opts.Harts
		} else if !opts.NoTimer {
			ts.TimerOff = rapid.Bool().Draw(t, "timeroff")
		}
		// M-mode bodies get page tables and PMP too: MPRV makes their data
		// accesses S or U ones (Items of gen_fast.go).
		if ts.Mode != spec.ModeM || rapid.IntRange(0, 2).Draw(t, "mpaging") == 0 {
			ts.Sv39 = rapid.Bool().Draw(t, "sv39")
			for i := range ts.DataPTE {
				ts.DataPTE[i] = rapid.SampledFrom(dataPTEs).Draw(t, "dataPTE")
				// U pages: U-mode needs them; S-mode reaches them only with SUM.
				if ts.Mode == spec.ModeU && rapid.IntRange(0, 3).Draw(t, "dataU") != 0 ||
					ts.Mode != spec.ModeU && rapid.IntRange(0, 1).Draw(t, "dataSU") == 0 {
					ts.DataPTE[i] |= pteU
				}
			}
			user := uint64(0)
			if ts.Mode == spec.ModeU {
				user = pteU
			}
			ts.AliasPTE = rapid.SampledFrom([]uint64{
				0,
				uint64(spec.RAMBase)>>12<<10 | pteV | pteR | pteW | pteA | pteD | user, // gigapage onto RAM
				uint64(DataBase)>>12<<10 | pteV | pteR | pteW | pteA | pteD | user,     // misaligned gigapage: page fault
				uint64(PTLevel1)>>12<<10 | pteV,                                        // shares level 1: aliases the image
			}).Draw(t, "alias")
			if rapid.Bool().Draw(t, "devices") {
				ts.DevicePTE = pteV | pteR | pteW | pteA | pteD
				if ts.Mode == spec.ModeU {
					ts.DevicePTE |= pteU
				}
			}
			ts.PMP = drawPMP(t)
			if ts.Mode != spec.ModeM && rapid.IntRange(0, 3).Draw(t, "codepmp") == 0 {
				ts.CodePMP = drawCodePMP(t)
			}
			ts.CodeWritable = ts.Sv39 && rapid.IntRange(0, 2).Draw(t, "codew") == 0
		}
		if ts.Medeleg|ts.Mideleg != 0 {
			// The S handler's sret must not trap, and it reads the
			// faulting instruction, which may sit on a U page.
			ts.Mstatus &^= spec.MstatusTSR
			ts.Mstatus |= spec.MstatusSUM
		}
		for _, r := range writable {
			if r == 0 {
				continue
			}
			switch rapid.IntRange(0, 4).Draw(t, "regkind") {
			case 1:
				ts.Regs[r] = uint64(rapid.Int64Range(-16, 16).Draw(t, "small"))
			case 2:
				ts.Regs[r] = rapid.SampledFrom([]uint64{1 << 63, 1<<63 - 1, 0xffffffff, 0x80000000, 0x7fffffff, ^uint64(0), SPValue}).Draw(t, "edge")
			case 3:
				ts.Regs[r] = rapid.Uint64().Draw(t, "reg")
			}
		}
		g := newGenerator(opts, ts.Mode)
		ts.Body = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Item { return g.item(t, false) }), 0, maxItems).Draw(t, "body")
		// Drawn last, so a seed's program is the same otherwise.
		if rapid.IntRange(0, 7).Draw(t, "triggers") == 0 {
			ts.Triggers = drawTriggers(t, ts.Mode, ts.Body)
		}
		return &ts
	})
}

// drawTriggers draws one or two debug triggers (Sdtrig) for the setup to
// arm: an execute trigger on the entry nop, or a load/store trigger on
// the data pages around sp, in the body's mode, all modes, none or a
// random set, of type mcontrol or mcontrol6 (now and then another type),
// with random sizes; sometimes tdata1 is random bits altogether. The
// models legalize tdata1 themselves (it is WARL), so the writes fuzz that
// too. Nothing else can match: the handlers touch only the code and the
// log, so termination holds (insn.go).
func drawTriggers(t *rapid.T, mode spec.Mode, body []Item) []Trigger {
	near := spAddresses(body)
	modeBit := map[spec.Mode]uint64{spec.ModeU: spec.McontrolU, spec.ModeS: spec.McontrolS, spec.ModeM: spec.McontrolM}
	var out []Trigger
	for n := rapid.IntRange(1, spec.Triggers).Draw(t, "ntrig"); n > 0; n-- {
		typ := rapid.SampledFrom([]uint64{spec.TriggerTypeMcontrol, spec.TriggerTypeMcontrol6, spec.TriggerTypeMcontrol, 0, 3, 15}).Draw(t, "ttype")
		modes := rapid.SampledFrom([]uint64{modeBit[mode], spec.McontrolM | spec.McontrolS | spec.McontrolU, 0,
			rapid.Uint64().Draw(t, "tmodes") & (spec.McontrolM | spec.McontrolS | spec.McontrolU)}).Draw(t, "tmode")
		size := uint64(rapid.IntRange(0, 15).Draw(t, "tsize"))<<16 | uint64(rapid.IntRange(0, 3).Draw(t, "tsizehi"))<<21
		tr := Trigger{}
		if rapid.IntRange(0, 2).Draw(t, "tkind") == 0 {
			tr.Entry = true
			tr.Tdata1 = typ<<spec.TriggerTypeShift | modes | spec.McontrolExecute | size
		} else {
			off := rapid.Int64Range(-2048, 2047).Draw(t, "toff")
			if rapid.IntRange(0, 3).Draw(t, "talign") != 0 {
				off &^= 7
			}
			if len(near) > 0 && rapid.IntRange(0, 3).Draw(t, "tnear") != 0 {
				// Mostly where the body does load or store, give or take a
				// byte or two: a random byte is rarely accessed.
				off = rapid.SampledFrom(near).Draw(t, "tat") + rapid.SampledFrom([]int64{0, 0, 0, -1, 1, -2, 2}).Draw(t, "tby")
			}
			tr.Tdata2 = uint64(int64(SPValue) + off)
			kinds := uint64(rapid.IntRange(1, 3).Draw(t, "tls")) // load, store or both
			tr.Tdata1 = typ<<spec.TriggerTypeShift | modes | kinds | size
			if rapid.IntRange(0, 5).Draw(t, "tjunk") == 0 {
				// Any bits but execute: WARL must hold whatever is written.
				tr.Tdata1 = rapid.Uint64().Draw(t, "tdata1") &^ spec.McontrolExecute
			}
		}
		out = append(out, tr)
	}
	return out
}

// spAddresses lists the offsets from sp that the body's instructions
// name: the loads and stores through sp, and the sp+offset bases of the
// AMOs and compressed loads and stores.
func spAddresses(body []Item) []int64 {
	var out []int64
	for _, it := range body {
		for _, in := range it.Insns {
			if in.Row == nil {
				continue
			}
			implicit := in.Row.Name == "c.lwsp" || in.Row.Name == "c.ldsp" || in.Row.Name == "c.swsp" || in.Row.Name == "c.sdsp"
			viaSP, imm, hasImm := implicit, int64(0), false
			for i, a := range in.Row.Args {
				switch spec.ArgSpecs[a].Role {
				case "rs1":
					viaSP = viaSP || in.Ops[i] == regSP
				case "imm":
					imm, hasImm = in.Ops[i], true
				}
			}
			if viaSP && hasImm {
				out = append(out, imm)
			}
		}
	}
	return out
}

// drawPMP draws up to three PMP entries over the data pages (never over
// code, handlers or the log, so S and U can always run the handlers).
func drawPMP(t *rapid.T) []PMPEntry {
	var out []PMPEntry
	for n := rapid.IntRange(0, 3).Draw(t, "npmp"); n > 0 && len(out) < 6; n-- {
		perm := uint8(rapid.IntRange(0, 7).Draw(t, "pmpperm"))
		if rapid.IntRange(0, 7).Draw(t, "pmplock") == 0 {
			perm |= spec.PMPL
		}
		page := DataBase + uint64(rapid.IntRange(0, DataPages-1).Draw(t, "pmppage"))<<12
		switch rapid.IntRange(0, 2).Draw(t, "pmpkind") {
		case 0: // NAPOT over one 4 KiB page
			out = append(out, PMPEntry{Cfg: spec.PMPNAPOT | perm, Addr: page>>2 | 0x1ff})
		case 1: // NA4 over one word of it
			w := uint64(rapid.IntRange(0, 1023).Draw(t, "pmpword"))
			out = append(out, PMPEntry{Cfg: spec.PMPNA4 | perm, Addr: (page + 4*w) >> 2})
		default: // TOR: an OFF entry holds the base
			lo := page + uint64(rapid.IntRange(0, 511).Draw(t, "pmplo"))*4
			hi := lo + uint64(rapid.IntRange(1, 1024).Draw(t, "pmplen"))*4
			if hi > DataBase+DataPages<<12 {
				hi = DataBase + DataPages<<12
			}
			out = append(out, PMPEntry{Cfg: spec.PMPOff, Addr: lo >> 2}, PMPEntry{Cfg: spec.PMPTOR | perm, Addr: hi >> 2})
		}
	}
	return out
}
