package fuzz

import (
	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/spec"
)

// Items that reach the paths an implementation runs when it is not
// single-stepped (docs/testing.md, "Generated programs"): hot loops
// whose blocks get compiled and chained, code that crosses pages, stores
// into code, LR/SC pairs, device sequences and translation changes. All
// keep the generator's rules: the body never writes a reserved register,
// control flow goes forward except a loop's branch on gp, and every
// pc-relative target lies inside the Item, so deleting any Item leaves a
// valid program.

// hotTrips is the fewest trips of a hot loop: more than the runs after
// which a block is compiled (32 in impl/engine), so that the last trips
// run compiled code and chain it.
const hotTrips = 33

// stepBudget bounds the steps a program may take in the worst case (every
// instruction trapping into a handler), well under RecordLimit; the
// generator charges each Item its worst case (Item.cost) and draws fewer
// loop trips when the budget runs low.
const stepBudget = 150_000

// trapCost is the worst case of one instruction: itself and a run of a
// trap handler (about 35 instructions).
const trapCost = 40

// worstCase is an Item's worst-case step count.
func (it *Item) worstCase() int {
	if it.cost > 0 {
		return it.cost
	}
	return len(it.Insns) * trapCost
}

// byRole builds an instruction of the named row with operands given by
// role ("rd", "rs1", "rs2", "imm", "csr"); the others are zero.
func byRole(name string, roles map[string]int64) Insn {
	row := spec.Lookup(name)
	if row == nil {
		panic("fuzz: no instruction " + name)
	}
	in := Insn{Row: row, Ops: make([]int64, len(row.Args))}
	for i, a := range row.Args {
		in.Ops[i] = roles[spec.ArgSpecs[a].Role]
	}
	return in
}

// regs draws n distinct writable registers other than x0.
func regs(t *rapid.T, n int, label string) []int64 {
	pool := append([]int64(nil), writable[1:]...)
	out := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		k := rapid.IntRange(0, len(pool)-1).Draw(t, label)
		out = append(out, pool[k])
		pool = append(pool[:k], pool[k+1:]...)
	}
	return out
}

// hotLoop draws a counted loop of hotTrips or more trips (as the budget
// allows) over a straight-line body of a few Items, with forward branches
// between them, so its blocks become hot, are compiled and chain to each
// other (and to the blocks of the next page, when the loop crosses one).
func (g *generator) hotLoop(t *rapid.T) Item {
	trips := hotTrips + rapid.IntRange(0, 67).Draw(t, "hottrips")
	g.trips = trips
	subs := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Item { return g.loopItem(t) }), 1, 6).Draw(t, "hotbody")
	g.trips = 0
	// Branches forward between the sub-Items: blocks end at them, and a
	// compiled block chains to the one it goes to.
	type part struct {
		branch *Insn
		skip   int
		it     Item
	}
	var parts []part
	for j, it := range subs {
		p := part{it: it}
		if j > 0 && len(g.branch) > 0 && rapid.IntRange(0, 3).Draw(t, "hotbranch") == 0 {
			row := rapid.SampledFrom(g.branch).Draw(t, "hotbrow")
			in := g.drawInsn(t, row, map[string]int64{"imm": 0})
			p.branch, p.skip = &in, rapid.IntRange(0, 1).Draw(t, "hotskip")
		}
		parts = append(parts, p)
	}
	var pre []Insn
	if !g.noTimer && rapid.IntRange(0, 3).Draw(t, "hottimer") == 0 {
		// The timer one tick ahead: it expires inside the loop's blocks.
		pre = g.timerTick(t).Insns
	}
	insns := append(pre, mk("addi", regGP, regZero, 0)) // the trips: set below
	first := len(pre)
	var rels []Rel
	starts := make([]int, len(parts)+1)
	var brAt []int
	per := 2 // the decrement and the branch back
	for j, p := range parts {
		at := -1
		if p.branch != nil {
			at = len(insns)
			insns = append(insns, *p.branch)
			per++
		}
		brAt = append(brAt, at)
		starts[j] = len(insns)
		for _, r := range p.it.Rels {
			rels = append(rels, Rel{At: r.At + starts[j], From: r.From + starts[j], To: r.To + starts[j], Role: r.Role, Plus: r.Plus})
		}
		insns = append(insns, p.it.Insns...)
		per += p.it.worstCase() / trapCost
	}
	starts[len(parts)] = len(insns) // the decrement
	for j, p := range parts {
		if brAt[j] >= 0 {
			to := starts[min(j+1+p.skip, len(parts))]
			if j == len(parts)-1 {
				to = starts[len(parts)]
			}
			rels = append(rels, Rel{At: brAt[j], From: brAt[j], To: to, Role: "imm"})
		}
	}
	// As many trips as the budget allows, at most the ones drawn.
	if most := g.budget / (per * trapCost); trips > most {
		trips = most
	}
	if trips < 1 {
		return g.alu1(t)
	}
	insns[first] = mk("addi", regGP, regZero, int64(trips))
	insns = append(insns, mk("addi", regGP, regGP, -1), mk("bne", regGP, regZero, 0))
	last := len(insns) - 1
	return Item{Insns: insns, Patch: last + 1, From: last, Back: first + 2, Rels: rels, cost: (trips*per + len(pre)) * trapCost,
		Note: "hot loop on gp"}
}

// aluRun is a few ALU instructions in a row: what blocks are mostly made
// of, for the compiler to translate.
// Half of its instructions are RV64 word operations, whose sign
// extension of a 32-bit result is what a compiler most easily gets wrong.
func (g *generator) aluRun(t *rapid.T) Item {
	var words []*spec.Inst
	for _, n := range wordOps {
		if r := spec.Lookup(n); r != nil && g.allow(r) {
			words = append(words, r)
		}
	}
	var insns []Insn
	for n := rapid.IntRange(2, 8).Draw(t, "alurun"); n > 0; n-- {
		if len(words) > 0 && rapid.Bool().Draw(t, "aluword") {
			insns = append(insns, g.drawInsn(t, rapid.SampledFrom(words).Draw(t, "word"), nil))
			continue
		}
		insns = append(insns, g.alu1(t).Insns...)
	}
	return Item{Insns: insns, Note: "ALU run"}
}

// wordOps are the RV64 operations on 32-bit words (I and M).
var wordOps = []string{"addw", "subw", "sllw", "srlw", "sraw", "addiw", "slliw", "srliw", "sraiw", "mulw", "divw", "divuw", "remw", "remuw"}

// memPair stores a register and loads from the same place (or an
// overlapping one), with widths drawn apart, so that loads see nonzero
// data and sign extension matters; sometimes across the boundary of the
// two data pages (sp points at it), whose permissions may differ.
func (g *generator) memPair(t *rapid.T) Item {
	stores := []string{"sb", "sh", "sw", "sd"}
	loads := []string{"lb", "lbu", "lh", "lhu", "lw", "lwu", "ld"}
	var ok []string
	for _, n := range append(stores, loads...) {
		if g.allow(spec.Lookup(n)) {
			ok = append(ok, n)
		}
	}
	if len(ok) < len(stores)+len(loads) {
		return g.alu1(t) // the I base is out (--ext): nothing to pair
	}
	off := g.offset(t, 2040)
	if rapid.IntRange(0, 3).Draw(t, "pairedge") == 0 {
		off = rapid.Int64Range(-7, 0).Draw(t, "pairoff") // across the page boundary at sp
	}
	r := regs(t, 2, "pairreg")
	st := byRole(rapid.SampledFrom(stores).Draw(t, "pairst"), map[string]int64{"rs2": r[0], "rs1": regSP, "imm": off})
	lo := min(max(off+rapid.Int64Range(-3, 3).Draw(t, "pairdelta"), -2048), 2047)
	ld := byRole(rapid.SampledFrom(loads).Draw(t, "pairld"), map[string]int64{"rd": r[1], "rs1": regSP, "imm": lo})
	return Item{Insns: []Insn{st, ld}, Note: "store, then load"}
}

// timerTick arms the timer one tick ahead of mtime: in a hot loop, every
// trip moves it on, and it expires at the next tick, inside the loop's
// blocks (when MTIE and the mode's interrupt enable allow, once).
func (g *generator) timerTick(t *rapid.T) Item {
	r := regs(t, 2, "tickreg")
	a, v := r[0], r[1]
	insns := li(a, spec.CLINTBase+spec.CLINTMtime)
	insns = append(insns, mk("ld", v, 0, a), mk("addi", v, v, 1))
	insns = append(insns, li(a, spec.CLINTBase+spec.CLINTMtimecmp)...)
	insns = append(insns, mk("sd", v, 0, a))
	return Item{Insns: insns, Note: "timer one tick ahead"}
}

// alu1 is one ALU instruction: the fallback of an Item that does not fit.
func (g *generator) alu1(t *rapid.T) Item {
	row := rapid.SampledFrom(g.alu).Draw(t, "alu")
	return Item{Insns: []Insn{g.drawInsn(t, row, nil)}, Note: row.Name}
}

// loopItem draws one straight-line Item of a hot loop's body.
func (g *generator) loopItem(t *rapid.T) Item {
	k := rapid.IntRange(0, len(g.inHot)-1).Draw(t, "hotkind")
	return g.inHot[k](t)
}

// pad draws a jump over a gap to a few bytes before the end of a code
// page, so that the Items after it cross into the next page: a block
// ends at the page end, a 32-bit instruction may straddle it, and a
// store of the next Item may reach the next page.
func (g *generator) pad(t *rapid.T) Item {
	k := rapid.SampledFrom([]int{0, 2, 4, 6, 8, 10, 12, 16, 24, 32, 64}).Draw(t, "padk")
	return Item{Insns: []Insn{mk("jal", regZero, 0)}, Patch: 1, Pad: k + 1, Note: "jump to the end of the page"}
}

// iALU are the rows a store into code rewrites: I-type ALU instructions,
// whose every immediate and source register is legal.
var iALU = []string{"addi", "xori", "ori", "andi", "slti", "sltiu"}

// smc draws a store into the code of this Item: a victim instruction
// (one of iALU, or c.li) is rewritten, before it runs, by sw or sh
// (sometimes of its upper half), with or without fence.i after. In a hot
// loop (g.trips > 0) the victim may run before the store, the new word
// may change with the trip (gp added to its immediate), and the store may
// happen on one trip only, once the block holding it has been compiled.
func (g *generator) smc(t *rapid.T) Item {
	r := regs(t, 4, "smcreg")
	v, base, u, k := r[0], r[1], r[2], r[3]
	compressed := g.hasC && rapid.IntRange(0, 3).Draw(t, "smcc") == 0
	var victim Insn
	var word uint32
	var half, plus int64 // store 2 bytes at victim+plus; word's value
	if compressed {
		rd := rapid.SampledFrom(writable[1:]).Draw(t, "smcrd")
		victim = byRole("c.li", map[string]int64{"rd": rd, "imm": rapid.Int64Range(-32, 31).Draw(t, "smcimm")})
		nw := byRole("c.li", map[string]int64{"rd": rapid.SampledFrom(writable[1:]).Draw(t, "smcrd2"), "imm": rapid.Int64Range(-32, 31).Draw(t, "smcimm2")})
		w, _ := nw.Encode()
		word, half = w, 1
	} else {
		name := rapid.SampledFrom(iALU).Draw(t, "smcrow")
		rd := rapid.SampledFrom(writable[1:]).Draw(t, "smcrd")
		victim = byRole(name, map[string]int64{"rd": rd, "rs1": int64(rapid.IntRange(0, 31).Draw(t, "smcrs1")), "imm": rapid.Int64Range(-2048, 2047).Draw(t, "smcimm")})
		nw := byRole(rapid.SampledFrom(iALU).Draw(t, "smcrow2"), map[string]int64{"rd": rapid.SampledFrom(writable[1:]).Draw(t, "smcrd2"),
			"rs1": int64(rapid.IntRange(0, 31).Draw(t, "smcrs12")), "imm": rapid.Int64Range(-2048, 2047).Draw(t, "smcimm2")})
		w, _ := nw.Encode()
		word = w
		if rapid.IntRange(0, 2).Draw(t, "smchalf") == 0 {
			// sh of the upper half: the victim's own opcode, rd and
			// funct3 stay, so it remains an I-type ALU instruction.
			half, plus = 1, 2
			word >>= 16
		}
	}
	inLoop := g.trips > 0
	before := inLoop && rapid.Bool().Draw(t, "smcbefore")
	var insns []Insn
	var rels []Rel
	if before {
		insns = append(insns, victim)
	}
	cond := -1
	if inLoop && rapid.Bool().Draw(t, "smconce") {
		// Only on trip K (counted down), once the block is compiled.
		insns = append(insns, li(k, int64(rapid.IntRange(1, g.trips).Draw(t, "smck")))...)
		cond = len(insns)
		insns = append(insns, mk("bne", regGP, k, 0))
	}
	insns = append(insns, li(v, int64(word))...)
	if inLoop && !compressed && rapid.Bool().Draw(t, "smcmix") {
		shift := int64(20)
		if half != 0 {
			shift = 4
		}
		insns = append(insns, mk("slli", u, regGP, shift), mk("add", v, v, u))
	}
	auipc := len(insns)
	insns = append(insns, mk("auipc", base, 0))
	store := "sw"
	if half != 0 {
		store = "sh"
	}
	at := len(insns)
	insns = append(insns, byRole(store, map[string]int64{"rs2": v, "rs1": base, "imm": 0}))
	if g.allow(spec.Lookup("fence.i")) && rapid.Bool().Draw(t, "smcfence") {
		insns = append(insns, mk("fence.i"))
	}
	for n := rapid.IntRange(0, 3).Draw(t, "smcfill"); n > 0; n-- {
		insns = append(insns, g.alu1(t).Insns...)
	}
	victimAt := 0
	if !before {
		victimAt = len(insns)
		insns = append(insns, victim)
	}
	rels = append(rels, Rel{At: at, From: auipc, To: victimAt, Role: "imm", Plus: plus})
	if cond >= 0 {
		end := len(insns)
		if !before {
			end = victimAt // skip the store, run the victim
		}
		rels = append(rels, Rel{At: cond, From: cond, To: end, Role: "imm"})
	}
	return Item{Insns: insns, Rels: rels, Note: "store into code (" + store + ")"}
}

// lrsc draws an LR/SC pair on the data pages: the SC at the LR's address
// or another one (4 or 8 bytes away, or farther), with stores, a trap or
// an interrupt request in between.
func (g *generator) lrsc(t *rapid.T) Item {
	d := rapid.Bool().Draw(t, "lrscd")
	lr, sc := "lr.w", "sc.w"
	if d {
		lr, sc = "lr.d", "sc.d"
	}
	r := regs(t, 5, "lrscreg")
	a, b, rd1, rd2, rs2 := r[0], r[1], r[2], r[3], r[4]
	off := int64(rapid.IntRange(-510, 509).Draw(t, "lrscoff")) * 4
	if rapid.IntRange(0, 7).Draw(t, "lrscmis") == 0 {
		off++ // misaligned: LR faults
	}
	insns := []Insn{mk("addi", a, regSP, off), byRole(lr, map[string]int64{"rd": rd1, "rs1": a})}
	for n := rapid.IntRange(0, 2).Draw(t, "lrscmid"); n > 0; n-- {
		what := rapid.IntRange(0, 5).Draw(t, "lrscwhat")
		if what == 3 && !g.allow(spec.Lookup("csrrs")) {
			what = 5
		}
		switch what {
		case 0: // a store to the reserved address
			insns = append(insns, byRole("sw", map[string]int64{"rs2": rs2, "rs1": regSP, "imm": off}))
		case 1: // a store elsewhere in the data pages
			insns = append(insns, byRole("sd", map[string]int64{"rs2": rs2, "rs1": regSP, "imm": g.offset(t, 2040)}))
		case 2: // a trap: an illegal word, skipped by the handler
			insns = append(insns, rawInsn(0x0000000b))
		case 3: // a software interrupt, if enabled (the SSIP bit)
			csr := int64(spec.CSRMip)
			if g.mode != spec.ModeM {
				csr = spec.CSRSip
			}
			insns = append(insns, mk("addi", rd2, regZero, spec.MipSSIP), mk("csrrs", regZero, csr, rd2))
		case 4: // an SC elsewhere, which fails and clears the reservation
			insns = append(insns, mk("addi", b, regSP, g.offset(t, 2040)), byRole(sc, map[string]int64{"rd": rd2, "rs2": rs2, "rs1": b}))
		default:
			insns = append(insns, g.alu1(t).Insns...)
		}
	}
	target := a
	if rapid.IntRange(0, 2).Draw(t, "lrscother") == 0 {
		delta := rapid.SampledFrom([]int64{4, -4, 8, -8, 16, 64}).Draw(t, "lrscdelta")
		insns = append(insns, mk("addi", b, a, delta))
		target = b
	}
	insns = append(insns, byRole(sc, map[string]int64{"rd": rd2, "rs2": rs2, "rs1": target}))
	return Item{Insns: insns, Note: lr + "/" + sc}
}

// device draws a short sequence of device accesses: the timer armed a
// few ticks ahead or disarmed, a software interrupt raised or cleared,
// UART output and interrupt enables, and the PLIC's priority, enable,
// threshold, claim and complete for the UART's source.
func (g *generator) device(t *rapid.T) Item {
	r := regs(t, 2, "devreg")
	a, v := r[0], r[1]
	var insns []Insn
	add := func(in ...Insn) { insns = append(insns, in...) }
	ctx := int64(rapid.IntRange(0, 1).Draw(t, "devctx")) // the PLIC context: M or S of hart 0
	for n := rapid.IntRange(1, 3).Draw(t, "devops"); n > 0; n-- {
		op := rapid.IntRange(0, 7).Draw(t, "devop")
		if op == 7 && !g.allow(spec.Lookup("csrrs")) {
			op = 3
		}
		if op == 0 && g.noTimer {
			op = 1
		}
		switch op {
		case 0: // the timer, a few ticks ahead of mtime
			add(li(a, spec.CLINTBase+spec.CLINTMtime)...)
			add(mk("ld", v, 0, a), mk("addi", v, v, int64(rapid.IntRange(1, 3).Draw(t, "devticks"))))
			add(li(a, spec.CLINTBase+spec.CLINTMtimecmp)...)
			add(mk("sd", v, 0, a))
			if g.mode == spec.ModeM && g.allow(spec.Lookup("csrrs")) && rapid.Bool().Draw(t, "devmtie") {
				add(mk("addi", v, regZero, spec.MipMTIP), mk("csrrs", regZero, spec.CSRMie, v))
			}
		case 1: // the timer off
			add(li(a, spec.CLINTBase+spec.CLINTMtimecmp)...)
			add(mk("addi", v, regZero, -1), mk("sd", v, 0, a))
		case 2: // MSIP on or off
			add(li(a, spec.CLINTBase+spec.CLINTMsip)...)
			add(mk("addi", v, regZero, int64(rapid.IntRange(0, 1).Draw(t, "devmsip"))), mk("sw", v, 0, a))
		case 3: // a character out
			add(li(a, spec.UARTBase)...)
			add(mk("addi", v, regZero, int64(rapid.IntRange(0x20, 0x7e).Draw(t, "devchar"))), mk("sb", v, 0, a))
		case 4: // UART interrupt enables (THRE, RDA, ...)
			add(li(a, spec.UARTBase)...)
			add(mk("addi", v, regZero, int64(rapid.IntRange(0, 15).Draw(t, "devier"))), mk("sb", v, 1, a))
		case 5: // the UART's source in the PLIC: priority, enable, threshold
			add(li(a, spec.PLICBase+4*spec.UARTIRQ)...)
			add(mk("addi", v, regZero, int64(rapid.IntRange(0, 7).Draw(t, "devprio"))), mk("sw", v, 0, a))
			add(li(a, spec.PLICBase+0x2000+0x80*ctx)...)
			add(mk("addi", v, regZero, 1<<spec.UARTIRQ), mk("sw", v, 0, a))
			add(li(a, spec.PLICBase+0x200000+0x1000*ctx)...)
			add(mk("sw", regZero, 0, a))
		case 6: // claim and complete
			add(li(a, spec.PLICBase+0x200004+0x1000*ctx)...)
			add(mk("lw", v, 0, a), mk("sw", v, 0, a))
		default: // a supervisor software interrupt request
			csr := int64(spec.CSRMip)
			if g.mode != spec.ModeM {
				csr = spec.CSRSip
			}
			add(mk("addi", v, regZero, spec.MipSSIP), mk("csrrs", regZero, csr, v))
		}
	}
	return Item{Insns: insns, Note: "devices"}
}

// translation draws a change of translation between accesses to the
// same data page: SUM or MXR flipped in sstatus, MPRV (with MPP S or U)
// set and cleared in M-mode, SFENCE.VMA by address and ASID, or satp
// rewritten with another ASID.
func (g *generator) translation(t *rapid.T) Item {
	r := regs(t, 2, "trreg")
	x, y := r[0], r[1]
	off := g.offset(t, 2040)
	access := func() Insn {
		if rapid.Bool().Draw(t, "trstore") {
			return byRole("sd", map[string]int64{"rs2": y, "rs1": regSP, "imm": off})
		}
		return byRole("ld", map[string]int64{"rd": y, "rs1": regSP, "imm": off})
	}
	insns := []Insn{access()}
	switch k := rapid.IntRange(0, 3).Draw(t, "trkind"); {
	case k == 0 && g.mode == spec.ModeM: // MPRV: data as S or U
		mpp := int64(rapid.IntRange(0, 1).Draw(t, "trmpp")) << 11
		insns = append(insns, li(x, int64(spec.MstatusMPRV)|mpp)...)
		insns = append(insns, mk("csrrs", regZero, spec.CSRMstatus, x), access(), access(), mk("csrrc", regZero, spec.CSRMstatus, x))
	case k <= 1: // SUM, MXR or both, set then cleared or the reverse,
		// with an access after each flip: one of them fills the TLB under
		// the permissive setting, the next must not reuse it.
		bits := rapid.SampledFrom([]int64{int64(spec.MstatusSUM), int64(spec.MstatusMXR), int64(spec.MstatusSUM | spec.MstatusMXR)}).Draw(t, "trbits")
		ops := []string{"csrrs", "csrrc"}
		if rapid.Bool().Draw(t, "trop") {
			ops[0], ops[1] = ops[1], ops[0]
		}
		insns = append(insns, li(x, bits)...)
		insns = append(insns, mk(ops[0], regZero, spec.CSRSstatus, x), access(), mk(ops[1], regZero, spec.CSRSstatus, x))
	case k == 2: // SFENCE.VMA of the page, an ASID, both or neither
		rs1, rs2 := int64(regZero), int64(regZero)
		if rapid.Bool().Draw(t, "trva") {
			insns = append(insns, mk("addi", x, regSP, off))
			rs1 = x
		}
		if rapid.Bool().Draw(t, "trasid") {
			insns = append(insns, mk("addi", y, regZero, int64(rapid.IntRange(0, 15).Draw(t, "trasidv"))))
			rs2 = y
		}
		insns = append(insns, mk("sfence.vma", rs1, rs2))
	default: // satp again, with another ASID (the same tables)
		asid := int64(rapid.IntRange(0, 15).Draw(t, "trsatp"))
		satp := uint64(spec.SatpModeSv39)<<60 | uint64(asid)<<44 | PTRoot>>12
		insns = append(insns, li(x, int64(satp))...)
		insns = append(insns, mk("csrrw", regZero, spec.CSRSatp, x))
		if rapid.Bool().Draw(t, "trsfence") {
			insns = append(insns, mk("sfence.vma", regZero, regZero))
		}
	}
	insns = append(insns, access())
	return Item{Insns: insns, Note: "translation change"}
}

// drawCodePMP draws one or two PMP entries over part of a body code page
// (the first two pages), granting R and X and sometimes W: the page is
// then not decided uniformly, and its instructions are fetched one by
// one. Entries are never locked, so M-mode (the setup) is not affected.
func drawCodePMP(t *rapid.T) []PMPEntry {
	var out []PMPEntry
	for n := rapid.IntRange(1, 2).Draw(t, "ncodepmp"); n > 0; n-- {
		perm := uint8(spec.PMPR | spec.PMPX)
		if rapid.Bool().Draw(t, "codepmpw") {
			perm |= spec.PMPW
		}
		page := CodeBase + uint64(rapid.IntRange(0, 1).Draw(t, "codepmppage"))<<12
		switch rapid.IntRange(0, 2).Draw(t, "codepmpkind") {
		case 0:
			w := uint64(rapid.IntRange(0, 1023).Draw(t, "codepmpword"))
			out = append(out, PMPEntry{Cfg: spec.PMPNA4 | perm, Addr: (page + 4*w) >> 2})
		case 1: // NAPOT of 8 bytes to 2 KiB
			sz := uint64(8) << rapid.IntRange(0, 8).Draw(t, "codepmpsize")
			at := page + uint64(rapid.IntRange(0, int(4096/sz)-1).Draw(t, "codepmpat"))*sz
			out = append(out, PMPEntry{Cfg: spec.PMPNAPOT | perm, Addr: at>>2 | (sz>>3 - 1)})
		default:
			lo := page + uint64(rapid.IntRange(0, 1022).Draw(t, "codepmplo"))*4
			hi := lo + uint64(rapid.IntRange(1, 256).Draw(t, "codepmplen"))*4
			out = append(out, PMPEntry{Cfg: spec.PMPOff, Addr: lo >> 2}, PMPEntry{Cfg: spec.PMPTOR | perm, Addr: hi >> 2})
		}
	}
	return out
}
