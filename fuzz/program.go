package fuzz

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// The fixed layout of a generated program (see the package comment).
const (
	CodeBase    = spec.RAMBase
	HandlerBase = spec.RAMBase + 0xf000
	LogBase     = spec.RAMBase + 0x10000
	DataBase    = spec.RAMBase + 0x11000
	DataPages   = 2
	SPValue     = DataBase + 0x1000 // sp: loads and stores reach ±2 KiB around it, all inside the data pages
	PTRoot      = spec.RAMBase + 0x14000
	PTLevel1    = PTRoot + 0x1000
	PTLevel0    = PTRoot + 0x2000
	ImageEnd    = PTRoot + 0x3000
	maxCodeSize = HandlerBase - CodeBase
	// SyncBase is the page where the harts of a data-race-free program
	// (Test.Harts > 1) say they are done: hart h's flag word at 8*h.
	SyncBase = ImageEnd
	// HartStride separates the private pages of the harts of a
	// data-race-free program: hart h's trap log, data pages and sp are
	// hart 0's plus h*HartStride.
	HartStride = 0x10000
	// padLimit bounds where page-crossing padding (Item.Pad) may lead:
	// the rest of the body must still fit below the handlers.
	padLimit = CodeBase + 0xb000
)

// Item is one unit of the body: a few instructions that belong together
// (e.g. "auipc t, 0; jalr rd, off(t)"). Control flow only targets Item
// boundaries, so deleting any Item leaves a valid program.
type Item struct {
	Insns []Insn
	// Patch is 1 + the index of the instruction whose "imm" operand is a
	// pc-relative offset filled in by Layout; 0 when there is none.
	Patch int
	// From is the index of the instruction the offset is relative to
	// (the branch itself, or the auipc of an auipc/jalr pair).
	From int
	// Skip: a forward target is the start of the Skip+1-th Item after
	// this one, or the exit sequence when there are fewer.
	Skip int
	// Back is 1 + the index of an instruction of this Item that is a
	// backward target (a counted loop on gp); 0 for a forward target.
	Back int
	// Rels are pc-relative operands between instructions of this Item
	// (a branch inside a loop, a store into code of the Item itself).
	Rels []Rel
	// Pad, when set, makes the Item a jump over a gap: the next Item
	// starts Pad-1 bytes before the end of a code page (the first page
	// end far enough ahead), so that what follows crosses into the next
	// page. The Item's one instruction is the jump (Patch 1, Skip 0).
	Pad int
	// Note says what the Item is for, in listings.
	Note string
	// cost is the Item's worst-case step count when more than one run of
	// each instruction (a loop; see worstCase).
	cost int
}

// Rel is a pc-relative operand inside an Item: the Role operand (an
// immediate) of instruction At is the address of instruction To minus
// the address of instruction From.
type Rel struct {
	At, From, To int // To may be len(Insns): the address after the Item
	Role         string
	Plus         int64 // added to the offset (a store into the upper half of an instruction)
}

// PMPEntry is one configured PMP entry: its pmpcfg byte and pmpaddr.
type PMPEntry struct {
	Cfg  uint8
	Addr uint64
}

// Test is one generated program, before layout.
type Test struct {
	Mode    spec.Mode // the mode the body runs in
	Medeleg uint64    // never delegates ecalls: the M handler owns the exit
	Mideleg uint64
	Mie     uint64
	Mstatus uint64 // extra mstatus bits (SUM, MXR, TVM, TW, TSR, MPIE, SPIE, MIE, SIE); MPP comes from Mode
	Sv39    bool   // satp = Sv39 over the identity map (only when Mode is S or U)
	// DataPTE are the leaf PTE permission bits (V R W X U G A D) of the
	// two data pages, and DevicePTE the gigapage over the devices.
	DataPTE   [DataPages]uint64
	DevicePTE uint64
	// AliasPTE is the root entry for VA 0x40000000 (gigapage 1): 0, a
	// gigapage onto RAM, a misaligned gigapage (a page fault), or a pointer
	// to the level-1 table, which aliases the image's pages there.
	AliasPTE uint64
	PMP      []PMPEntry // entries 0..len-1; entry 15 always grants RWX on everything to S and U
	// CodePMP are entries over part of a body code page (after PMP's),
	// always granting R and X, so that PMP does not decide the page
	// uniformly: its instructions are fetched one by one, uncached.
	CodePMP []PMPEntry
	// CodeWritable maps the code pages writable under Sv39 (W and D), so
	// that stores into code (self-modifying Items) reach it in S and U.
	CodeWritable bool
	// Harts > 1 makes the program data-race free on that many harts
	// (Options.DRF): each hart has its own sp, data pages and trap log
	// (HartStride apart), the body touches nothing shared but code and
	// page tables it only reads, and the exit waits for every hart
	// (exitSequence).
	Harts int
	// TimerOff disarms the timer in the setup (mtimecmp = -1; at reset it
	// is 0, so MTIP is pending at once, and the first interrupt's handler
	// clears mie): the timer Items (gen_fast.go) then fire where they arm it.
	TimerOff bool
	Regs     [32]uint64 // initial values of the non-reserved registers
	Body     []Item
	// Triggers are the debug triggers (Sdtrig) the setup arms, trigger i
	// from Triggers[i]; most programs have none.
	Triggers []Trigger
}

// Trigger is one trigger as the setup writes it: tdata2, then tdata1
// (any value: the models legalize it, tdata1 is WARL). With Entry set,
// tdata2 is the address of the entry nop the body starts with instead of
// Tdata2, so that an execute trigger fires there and nowhere else.
type Trigger struct {
	Tdata1, Tdata2 uint64
	Entry          bool
}

// BodyInsns counts the body's instructions: the size of a shrunk program.
func (t *Test) BodyInsns() int {
	n := 0
	for _, it := range t.Body {
		n += len(it.Insns)
	}
	return n
}

// GoString is what rapid logs for every drawn Test (%#v): a summary.
// rapid logs each top-level draw, including go test -fuzz's, and printing
// the whole struct (its pointers as addresses) was an eighth of an
// execution; a failing program is reported and saved as its listing
// (Listing.Source, corpus/regress), which says everything this omits.
func (t *Test) GoString() string {
	if t == nil {
		return "(*fuzz.Test)(nil)"
	}
	return fmt.Sprintf("&fuzz.Test{Mode: %v, Sv39: %v, Harts: %d, PMP: %d entries, Triggers: %d, Body: %d items, %d instructions}",
		t.Mode, t.Sv39, t.Harts, len(t.PMP)+len(t.CodePMP), len(t.Triggers), len(t.Body), t.BodyInsns())
}

// line is one instruction or data word at an address, with a comment.
type line struct {
	Addr    uint64
	Insn    *Insn  // nil for a data word
	Size    int    // bytes
	Word    uint64 // the encoded instruction or the data
	Comment string
}

// Listing is a laid-out program: every instruction and initialized data
// word at its address.
type Listing struct {
	Lines []line
	Entry uint64
	// BodyStart and BodyEnd bound the generated body, for reports.
	BodyStart, BodyEnd uint64
}

// Layout encodes t at its fixed addresses.
func (t *Test) Layout() (*Listing, error) {
	l := &Listing{Entry: CodeBase}
	pc := uint64(CodeBase)
	emit := func(in Insn, comment string) error {
		w, err := in.Encode()
		if err != nil {
			return err
		}
		i := in
		l.Lines = append(l.Lines, line{Addr: pc, Insn: &i, Size: in.Len(), Word: uint64(w), Comment: comment})
		pc += uint64(in.Len())
		return nil
	}
	for i, in := range t.setup() {
		note := ""
		if i == 0 {
			note = "setup: M-mode, bare, no PMP"
		}
		if err := emit(in, note); err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
	}
	if len(t.Triggers) > 0 {
		// The entry nop: what an execute trigger aims at, so that the one
		// instruction it makes the handler skip is harmless.
		if err := emit(mk("addi", regZero, regZero, 0), "entry: an execute trigger may fire here"); err != nil {
			return nil, err
		}
	}
	// Body: the item starts are known before encoding, because every
	// instruction's length is fixed by its row.
	l.BodyStart = pc
	starts := make([]uint64, len(t.Body)+1)
	a := pc
	for i, it := range t.Body {
		starts[i] = a
		for _, in := range it.Insns {
			a += uint64(in.Len())
		}
		if it.Pad > 0 {
			a = padTarget(a, uint64(it.Pad-1))
		}
	}
	starts[len(t.Body)] = a
	for i, it := range t.Body {
		insns := it.Insns
		if it.Patch > 0 || len(it.Rels) > 0 {
			insns = append([]Insn(nil), it.Insns...)
		}
		off := insnOffsets(insns, starts[i])
		for _, r := range it.Rels {
			p := &insns[r.At]
			p.Ops = append([]int64(nil), p.Ops...)
			if !setRole(p, r.Role, int64(off[r.To]-off[r.From])+r.Plus) {
				return nil, fmt.Errorf("body item %d: %s has no %s operand", i, p.Row.Name, r.Role)
			}
		}
		if it.Patch > 0 {
			p := &insns[it.Patch-1]
			p.Ops = append([]int64(nil), p.Ops...)
			// A forward target too far for the instruction's offset (a
			// compressed branch over a long loop, a branch over padding)
			// falls back to a nearer Item start; the next one is always
			// within reach.
			for skip := it.Skip; ; skip-- {
				target := starts[min(i+1+skip, len(t.Body))]
				if it.Back > 0 {
					target = off[it.Back-1]
				}
				if !setRole(p, "imm", int64(target-off[it.From])) {
					return nil, fmt.Errorf("body item %d: %s has no offset operand", i, p.Row.Name)
				}
				if _, err := p.Encode(); err == nil || it.Back > 0 || skip <= 0 {
					break
				}
			}
		}
		for j, in := range insns {
			note := ""
			if j == 0 {
				note = fmt.Sprintf("body %d: %s", i, it.Note)
			}
			if err := emit(in, note); err != nil {
				return nil, fmt.Errorf("body item %d (%s): %w", i, it.Note, err)
			}
		}
		pc = starts[i+1] // past a gap (Item.Pad)
	}
	l.BodyEnd = pc
	for i, in := range t.exitSequence() {
		note := ""
		if i == 0 {
			note = "exit: the M handler sees tp = ExitMagic and writes the finisher"
		}
		if err := emit(in, note); err != nil {
			return nil, err
		}
	}
	if pc > HandlerBase {
		return nil, fmt.Errorf("body too long: code ends at %#x, past the handlers at %#x", pc, uint64(HandlerBase))
	}
	pc = HandlerBase
	mh, sh := handlers()
	for i, in := range mh {
		note := ""
		if i == 0 {
			note = "M trap handler (mtvec)"
		}
		if err := emit(in, note); err != nil {
			return nil, fmt.Errorf("the M trap handler: %w", err)
		}
	}
	for pc%64 != 0 {
		if err := emit(mk("c.nop", 0), ""); err != nil {
			return nil, err
		}
	}
	for i, in := range sh {
		note := ""
		if i == 0 {
			note = "S trap handler (stvec)"
		}
		if err := emit(in, note); err != nil {
			return nil, fmt.Errorf("the S trap handler: %w", err)
		}
	}
	l.Lines = append(l.Lines, t.data()...)
	return l, nil
}

// shBase is where the S handler starts: the first 64-byte boundary
// after the M handler.
var shBase = func() uint64 {
	mh, _ := handlers()
	pc := uint64(HandlerBase)
	for _, in := range mh {
		pc += uint64(in.Len())
	}
	return (pc + 63) &^ 63
}()

// padTarget is where the Item after a padding jump at a (ending at end)
// starts: k bytes before the first page end at least 4 bytes ahead, or
// right after the jump when that would lead past padLimit.
func padTarget(end, k uint64) uint64 {
	t := (end+k+4095)&^4095 - k
	if t < end {
		t += 4096
	}
	if t > padLimit {
		return end
	}
	return t
}

// insnOffsets returns the address of each instruction, and of the end.
func insnOffsets(insns []Insn, start uint64) []uint64 {
	out := make([]uint64, len(insns)+1)
	for i, in := range insns {
		out[i] = start
		start += uint64(in.Len())
	}
	out[len(insns)] = start
	return out
}

func setRole(in *Insn, role string, v int64) bool {
	for i, a := range in.Row.Args {
		if spec.ArgSpecs[a].Role == role {
			in.Ops[i] = v
			return true
		}
	}
	return false
}

// setup is the M-mode code from reset to the mret into the body.
func (t *Test) setup() []Insn {
	var out []Insn
	add := func(in ...Insn) { out = append(out, in...) }
	add(li(regT0, int64(HandlerBase))...)
	add(csrw(spec.CSRMtvec, regT0))
	add(li(regT0, int64(shBase))...)
	add(csrw(spec.CSRStvec, regT0))
	add(li(regSP, int64(SPValue))...)
	if t.Harts > 1 {
		// sp, and with it the data pages and the trap log, per hart.
		add(csrr(regT0, spec.CSRMhartid))
		add(mk("slli", regT0, regT0, 16)) // HartStride
		add(mk("add", regSP, regSP, regT0))
	}
	add(li(regT0, int64(LogBase)-int64(SPValue))...)
	add(mk("add", regT0, regT0, regSP))
	add(mk("sd", regZero, 0, regT0)) // the log cursor
	if t.Medeleg != 0 {
		add(li(regT0, int64(t.Medeleg))...)
		add(csrw(spec.CSRMedeleg, regT0))
	}
	if t.Mideleg != 0 {
		add(li(regT0, int64(t.Mideleg))...)
		add(csrw(spec.CSRMideleg, regT0))
	}
	if t.TimerOff {
		// mtimecmp[hart] = -1: no timer interrupt until an Item arms it.
		add(csrr(regT0, spec.CSRMhartid))
		add(mk("slli", regT0, regT0, 3))
		add(li(regT4, int64(spec.CLINTBase+spec.CLINTMtimecmp))...)
		add(mk("add", regT0, regT0, regT4))
		add(mk("addi", regT4, regZero, -1))
		add(mk("sd", regT4, 0, regT0))
	}
	if t.Mie != 0 {
		add(li(regT0, int64(t.Mie))...)
		add(csrw(spec.CSRMie, regT0))
	}
	if t.Mode != spec.ModeM || len(t.PMP) > 0 || t.Sv39 {
		var cfg [16]uint8
		for i, e := range append(append([]PMPEntry(nil), t.PMP...), t.CodePMP...) {
			add(li(regT0, int64(e.Addr))...)
			add(csrw(spec.CSRPmpaddr0+uint16(i), regT0))
			cfg[i] = e.Cfg
		}
		// Entry 15: NAPOT over everything, RWX, so that what the random
		// entries leave is reachable from S and U.
		add(li(regT0, -1)...)
		add(csrw(spec.CSRPmpaddr0+15, regT0))
		cfg[15] = spec.PMPNAPOT | spec.PMPR | spec.PMPW | spec.PMPX
		for reg := 0; reg < 2; reg++ {
			var v uint64
			for b := 0; b < 8; b++ {
				v |= uint64(cfg[reg*8+b]) << (8 * b)
			}
			if v != 0 {
				add(li(regT0, int64(v))...)
				add(csrw(spec.CSRPmpcfg0+uint16(2*reg), regT0))
			}
		}
		if t.Sv39 {
			satp := uint64(spec.SatpModeSv39)<<60 | PTRoot>>12
			add(li(regT0, int64(satp))...)
			add(csrw(spec.CSRSatp, regT0))
			add(mk("sfence.vma", regZero, regZero))
		}
	}
	// Triggers on the data pages; those on the entry are armed below,
	// once its address is known.
	for i, tr := range t.Triggers {
		if !tr.Entry {
			add(trigger(i, tr.Tdata2, tr.Tdata1)...)
		}
	}
	// MIE takes effect only at the mret (through MPIE): an interrupt
	// during setup would take the handler's mret through MPP.
	ms := t.Mstatus &^ (spec.MstatusMIE | spec.MstatusMPIE)
	if t.Mstatus&spec.MstatusMIE != 0 {
		ms |= spec.MstatusMPIE
	}
	add(li(regT0, int64(ms|uint64(t.Mode)<<11))...)
	add(csrw(spec.CSRMstatus, regT0))
	for r := int64(1); r < 32; r++ {
		if !reserved(r) && r != regT0 && t.Regs[r] != 0 {
			add(li(r, int64(t.Regs[r]))...)
		}
	}
	// t0 last: it was the scratch register until now.
	start := uint64(CodeBase)
	for _, in := range out {
		start += uint64(in.Len())
	}
	// [triggers on the entry;] li t0, body; csrw mepc, t0; [li t0,
	// value]; mret. The li of the body address has a fixed length for a
	// given value, so iterate.
	for guess := start; ; {
		var tail []Insn
		for i, tr := range t.Triggers {
			if tr.Entry {
				tail = append(tail, trigger(i, guess, tr.Tdata1)...)
			}
		}
		tail = append(tail, li(regT0, int64(guess))...)
		tail = append(tail, csrw(spec.CSRMepc, regT0))
		if t.Regs[regT0] != 0 {
			tail = append(tail, li(regT0, int64(t.Regs[regT0]))...)
		}
		tail = append(tail, mk("mret"))
		end := start
		for _, in := range tail {
			end += uint64(in.Len())
		}
		if end == guess {
			return append(out, tail...)
		}
		guess = end
	}
}

// trigger arms trigger i: tselect, tdata2, tdata1, through t0.
func trigger(i int, tdata2, tdata1 uint64) []Insn {
	out := append(li(regT0, int64(i)), csrw(spec.CSRTselect, regT0))
	out = append(out, li(regT0, int64(tdata2))...)
	out = append(out, csrw(spec.CSRTdata2, regT0))
	out = append(out, li(regT0, int64(tdata1))...)
	return append(out, csrw(spec.CSRTdata1, regT0))
}

// exitSequence ends every program: the M handler recognises tp. On
// several harts (Harts > 1), every hart but 0 raises its flag in the sync
// page and spins; hart 0 waits for every flag, then ends the run, so the
// final state does not depend on how the harts interleaved (only how long
// they spun, which the counters show).
func (t *Test) exitSequence() []Insn {
	end := []Insn{
		mk("addi", regTP, regZero, ExitMagic),
		mk("ecall"),
		mk("jal", regZero, 0), // not reached: the finisher stops the machine
	}
	if t.Harts <= 1 {
		return end
	}
	const a0, a1, a2 = 10, 11, 12
	var others []Insn
	others = append(others, mk("sub", a1, regSP, a1)) // h*HartStride
	others = append(others, mk("srli", a1, a1, 13))   // h*8
	others = append(others, mk("add", a1, a1, a0))
	others = append(others, mk("addi", a2, regZero, 1))
	others = append(others, mk("sw", a2, 0, a1))
	others = append(others, mk("jal", regZero, 0)) // spin until hart 0 ends the run
	out := li(a0, int64(SyncBase))
	out = append(out, li(a1, int64(SPValue))...)
	out = append(out, mk("beq", regSP, a1, int64(4*(1+len(others)))))
	out = append(out, others...)
	for h := 1; h < t.Harts; h++ {
		out = append(out, mk("lw", a1, int64(8*h), a0), mk("beq", a1, regZero, -4))
	}
	return append(out, end...)
}

// handlers returns the M and S trap handlers. Both log {cause, tval} at
// the log cursor and skip the faulting instruction, reading its length
// at mepc/sepc. An interrupt clears mie (sie) and returns, so each
// interrupt source fires at most once per enable.
func handlers() (m, s []Insn) {
	m = handler(true)
	s = handler(false)
	return m, s
}

func handler(machine bool) []Insn {
	cause, tval, epc, ie := uint16(spec.CSRMcause), uint16(spec.CSRMtval), uint16(spec.CSRMepc), uint16(spec.CSRMie)
	ret := mk("mret")
	if !machine {
		cause, tval, epc, ie = spec.CSRScause, spec.CSRStval, spec.CSRSepc, spec.CSRSie
		ret = mk("sret")
	}
	// Every instruction of a handler is 32-bit, so branch offsets are
	// counted in instructions; patch fills them once the targets are known.
	var out []Insn
	add := func(in ...Insn) { out = append(out, in...) }
	type fix struct {
		at int
		to *int
	}
	var fixes []fix
	branch := func(name string, rs1, rs2 int64, to *int) {
		fixes = append(fixes, fix{len(out), to})
		add(mk(name, rs1, rs2, 0))
	}
	var irqAt, exitAt, fetchAt, logAt int
	add(csrr(regT6, cause))
	branch("blt", regT6, regZero, &irqAt)
	if machine {
		for _, c := range []int64{spec.CauseUserEcall, spec.CauseSupervisorEcall, spec.CauseMachineEcall} {
			add(mk("addi", regT5, regT6, -c))
			branch("beq", regT5, regZero, &exitAt)
		}
	}
	// A fetch fault cannot be skipped (the next fetch would fault too):
	// it ends the program, with exit code 1.
	for _, c := range []int64{spec.CauseFetchAccess, spec.CauseFetchPageFault} {
		add(mk("addi", regT5, regT6, -c))
		branch("beq", regT5, regZero, &fetchAt)
	}
	logAt = len(out)
	// The log is LogBase - SPValue past sp: one per hart when the harts
	// have their own sp (Test.Harts).
	add(li(regT5, int64(LogBase)-int64(SPValue))...)
	add(mk("add", regT5, regT5, regSP))
	add(mk("ld", regT4, 0, regT5))
	add(mk("andi", regT4, regT4, 0x3f0))
	add(mk("add", regT4, regT4, regT5))
	add(csrr(regT6, cause))
	add(mk("sd", regT6, 16, regT4))
	add(csrr(regT6, tval))
	add(mk("sd", regT6, 24, regT4))
	add(mk("ld", regT4, 0, regT5))
	add(mk("addi", regT4, regT4, 16))
	add(mk("sd", regT4, 0, regT5))
	// Skip the instruction at epc: 2 bytes, or 4 when its low bits are 11.
	add(csrr(regT6, epc))
	add(mk("lhu", regT5, 0, regT6))
	add(mk("andi", regT5, regT5, 3))
	add(mk("addi", regT6, regT6, 2))
	add(mk("addi", regT5, regT5, -3))
	add(mk("bne", regT5, regZero, 8))
	add(mk("addi", regT6, regT6, 2))
	add(csrw(epc, regT6))
	add(ret)
	fetchAt = len(out)
	add(mk("addi", regTP, regZero, ExitFetchMagic))
	if machine {
		exitAt = len(out)
		add(li(regT5, spec.TestBase)...)
		add(li(regT6, spec.FinisherPass)...)
		fail := li(regT6, 1<<16|spec.FinisherFail)
		add(mk("addi", regT4, regTP, -ExitMagic))
		add(mk("beq", regT4, regZero, int64(4*(3+len(fail)))))
		add(mk("addi", regT4, regTP, -ExitFetchMagic))
		branch("bne", regT4, regZero, &logAt) // an ordinary ecall
		add(fail...)
		add(mk("sw", regT6, 0, regT5))
		add(mk("jal", regZero, 0))
	} else {
		add(mk("ecall")) // to the M handler, which ends the run
	}
	irqAt = len(out)
	add(csrw(ie, regZero))
	add(ret)
	for _, f := range fixes {
		out[f.at].Ops = append([]int64(nil), out[f.at].Ops...)
		out[f.at].Ops[2] = int64(4 * (*f.to - f.at))
	}
	return out
}

// data returns the initialized data: the Sv39 page tables.
func (t *Test) data() []line {
	var out []line
	pte := func(addr, ppnAddr, perm uint64, comment string) {
		out = append(out, line{Addr: addr, Size: 8, Word: ppnAddr>>12<<10 | perm, Comment: comment})
	}
	const v, r, w, x, u, a, d = 1, 2, 4, 8, 16, 64, 128
	user := uint64(0)
	if t.Mode == spec.ModeU {
		user = u
	}
	if t.DevicePTE != 0 {
		pte(PTRoot+0*8, 0, t.DevicePTE, "gigapage 0: devices")
	}
	if t.AliasPTE != 0 {
		out = append(out, line{Addr: PTRoot + 1*8, Size: 8, Word: t.AliasPTE, Comment: "gigapage 1 (VA 0x40000000): alias"})
	}
	pte(PTRoot+2*8, PTLevel1, v, "gigapage 2 -> level 1")
	pte(PTLevel1+0*8, PTLevel0, v, "megapage 0x80000000 -> level 0")
	code := v | r | x | a | user
	if t.CodeWritable {
		code |= w | d
	}
	for page := uint64(0); page < (ImageEnd-CodeBase)>>12; page++ {
		addr := CodeBase + page<<12
		var perm uint64
		switch {
		case addr < HandlerBase:
			perm = code
		case addr == HandlerBase:
			perm = v | r | x | a
		case addr == LogBase:
			perm = v | r | w | a | d
		case addr >= DataBase && addr < DataBase+DataPages<<12:
			perm = t.DataPTE[(addr-DataBase)>>12]
		default:
			continue // the page tables themselves are not mapped
		}
		if perm != 0 {
			pte(PTLevel0+page*8, addr, perm, fmt.Sprintf("page %#x", addr))
		}
	}
	if t.Harts > 1 {
		page := func(addr, perm uint64, what string) {
			pte(PTLevel0+(addr-CodeBase)>>12*8, addr, perm, what)
		}
		page(SyncBase, v|r|w|a|d|user, "the sync page")
		for h := uint64(1); h < uint64(t.Harts); h++ {
			page(LogBase+h*HartStride, v|r|w|a|d, fmt.Sprintf("hart %d's log", h))
			for i := uint64(0); i < DataPages; i++ {
				if perm := t.DataPTE[i]; perm != 0 {
					page(DataBase+h*HartStride+i<<12, perm, fmt.Sprintf("hart %d's data page %d", h, i))
				}
			}
		}
	}
	return out
}

// Bytes returns the program as one raw segment at CodeBase.
func (l *Listing) Bytes() []byte {
	buf := make([]byte, ImageEnd-CodeBase)
	for _, ln := range l.Lines {
		off := ln.Addr - CodeBase
		switch ln.Size {
		case 2:
			binary.LittleEndian.PutUint16(buf[off:], uint16(ln.Word))
		case 4:
			binary.LittleEndian.PutUint32(buf[off:], uint32(ln.Word))
		case 8:
			binary.LittleEndian.PutUint64(buf[off:], ln.Word)
		}
	}
	return buf
}

// Program returns the listing as a load.Program: one segment per run of
// content (code, handlers, page tables), since RAM is zero at reset.
//
// Each segment has a buffer of its own, written as Bytes writes the
// whole image: a program fills a few KiB of the image, and one buffer of
// the image's size per program was most of what the campaign allocated.
func (l *Listing) Program(name string) *load.Program {
	p := load.Raw(name, nil, CodeBase)
	p.Symbols["_start"] = CodeBase
	// The runs of content, in the order of the lines: a line more than
	// 64 bytes past the run's end starts a new one.
	type run struct{ start, end uint64 }
	var runs []run
	of := make([]int, len(l.Lines)) // the run of each line
	for i, ln := range l.Lines {
		if i == 0 || ln.Addr > runs[len(runs)-1].end+64 {
			// (A run ends where its furthest line does, so the next
			// run's lines all come after it.)
			end := uint64(0)
			if len(runs) > 0 {
				end = runs[len(runs)-1].end
			}
			runs = append(runs, run{ln.Addr, end})
		}
		r := &runs[len(runs)-1]
		r.end = max(r.end, ln.Addr+uint64(ln.Size))
		of[i] = len(runs) - 1
	}
	bufs := make([][]byte, len(runs))
	for i, r := range runs {
		if r.end > r.start {
			bufs[i] = make([]byte, r.end-r.start)
		}
	}
	for i, ln := range l.Lines {
		buf, off := bufs[of[i]], ln.Addr-runs[of[i]].start
		switch ln.Size {
		case 2:
			binary.LittleEndian.PutUint16(buf[off:], uint16(ln.Word))
		case 4:
			binary.LittleEndian.PutUint32(buf[off:], uint32(ln.Word))
		case 8:
			binary.LittleEndian.PutUint64(buf[off:], ln.Word)
		}
	}
	for i, r := range runs {
		if r.end > r.start {
			p.Segments = append(p.Segments, load.Segment{Addr: r.start, Data: bufs[i], MemSize: uint64(len(bufs[i]))})
		}
	}
	return p
}

// Source renders the listing as assembler source that GNU as and
// toolchain/asm both accept: every instruction as a .2byte/.4byte with its
// disassembly in a comment, gaps as .skip, from _start at 0x80000000.
// header lines are written as a leading comment block.
func (l *Listing) Source(header []string) string {
	var b strings.Builder
	for _, h := range header {
		fmt.Fprintf(&b, "# %s\n", strings.TrimRight(h, " "))
	}
	b.WriteString("#\n# Generated by vcheck's fuzz package; link at 0x80000000, e.g.\n")
	b.WriteString("#   riscv64-unknown-elf-gcc -nostdlib -Ttext=0x80000000 -o x.elf x.S\n")
	b.WriteString("# or run it directly: vcheck diff --a ref --b engine x.S\n\n")
	b.WriteString("\t.option norvc\n\t.section .text\n\t.globl _start\n_start:\n")
	pc := uint64(CodeBase)
	for _, ln := range l.Lines {
		if ln.Addr > pc {
			fmt.Fprintf(&b, "\t.skip %#x  # to %#x\n", ln.Addr-pc, ln.Addr)
		}
		dir := map[int]string{2: ".2byte", 4: ".4byte", 8: ".8byte"}[ln.Size]
		comment := ln.Comment
		if ln.Insn != nil {
			if comment == "" {
				comment = ln.Insn.Text()
			} else {
				comment = ln.Insn.Text() + "  # " + comment
			}
		}
		fmt.Fprintf(&b, "\t%s 0x%0*x  # %#x: %s\n", dir, 2*ln.Size, ln.Word, ln.Addr, comment)
		pc = ln.Addr + uint64(ln.Size)
	}
	return b.String()
}
