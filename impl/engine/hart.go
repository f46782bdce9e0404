package engine

import (
	"github.com/vcheck-dev/vcheck/spec"
)

// Access kinds, for translation, PMP and the TLBs.
const (
	accFetch = iota
	accLoad
	accStore
)

// tlbEntry caches one 4 KiB page: tag is the virtual page number ORed with
// the hart's TLB generation; host is what compiled code adds to a virtual
// address in the page to get its host address: Hart.ramHost (the host
// address of RAM, 0 where nothing is compiled) + the page's RAM offset -
// the page's virtual address. So va's RAM offset is host + va - ramHost
// (ramOff). Only RAM pages whose PMP decision is uniform over the whole
// page are cached.
type tlbEntry struct {
	tag  uint64
	host uint64
}

// ramOff is the RAM offset of va, a virtual address in e's page.
func (e *tlbEntry) ramOff(va, ramHost uint64) uint64 { return e.host + va - ramHost }

const (
	tlbSize = 1024
	// The generation sits in bits 53-63: virtual page numbers fit in 52
	// bits, and bit 52 is tlbSlowFlag, which must not be a generation bit
	// (else a flagged entry would hit the fast path in odd generations,
	// and match as a plain entry in the next one).
	tlbGenOne = 1 << 53
)

// Hart is one RISC-V hart: the state a hypervisor sees on real hardware.
type Hart struct {
	// x holds x0..x31; x[xSink] absorbs writes to x0. 256 entries let a
	// uint8 index go unchecked.
	x    [256]uint64
	pc   uint64
	mode spec.Mode
	m    *Machine
	id   int

	// CSR state (Priv. spec 1.12 §3.1, §4.1). sstatus, sie and sip are views.
	mstatus, medeleg, mideleg, mie, mipSW         uint64
	mtvec, mcounteren, menvcfg, mcountinhibit     uint64
	mscratch, mepc, mcause, mtval                 uint64
	stvec, scounteren, senvcfg, sscratch          uint64
	sepc, scause, stval, satp                     uint64
	pmpcfg                                        [spec.PMPEntries]uint8
	pmpaddr                                       [spec.PMPEntries]uint64
	cycleAdj, instretAdj, cycleFrozen, instFrozen uint64

	count uint64 // instructions this hart retired

	// The code page the last loop fetched from, and what its translation
	// depended on.
	lastCP   *codePage
	lastBase uint64
	lastGen  uint64
	lastMode spec.Mode

	// The scratch page runs one uncached instruction (boot ROM, a page
	// PMP splits, a page-crossing instruction); per hart, so harts on
	// their own goroutines never share it.
	scratch     *codePage
	scratchSlot uint64
	scratchUsed bool
	scratchBlk  block   // the one-instruction block on the scratch page
	scratchInst [1]inst // its instruction
	jctx        jitCtx  // what compiled code reads and reports
	hotBlock    *block  // the block fast asks the driver to compile
	ram         []byte  // the machine's RAM, for the loop's fast loads and stores
	ramHost     uint64  // its host address, for compiled code (jitRAMAddr)

	// LR/SC reservation: the address and the value LR read. SC succeeds
	// when the address matches and memory still holds that value.
	resValid        bool
	resAddr, resVal uint64
	resSize         uint8
	// With several harts: the LR's physical address, whose doubleword's
	// page is watched (pageResv) so that other harts' stores break it.
	resPA      uint64
	resPAValid bool

	tlb                         [3][3][tlbSize]tlbEntry // [mode index][access kind]
	tlbGen                      uint64
	fetchTLB, loadTLB, storeTLB *[tlbSize]tlbEntry

	// Set by a helper when the hot loop must stop after the current
	// instruction: a code page changed, interrupts may have become
	// pending, the machine halted, translation changed.
	exitLoop  bool
	codeEpoch uint64

	// The exception a helper raised (excValid), for the loop to deliver.
	excValid      bool
	excCause      uint64
	excTval       uint64
	lastTrap      spec.Trap
	trapped       bool // a trap was taken (or intercepted) since the flag was cleared
	intercepted   bool
	trapLoop      int
	lastTrapCount uint64
	tmp           inst // a fetch that is not cached (boot ROM, page-crossing)
	recInst       inst
	recA, recB    uint64
	recCSR        spec.CSRWrite
	scDone        bool // the last SC succeeded (for its record)
	pcSet         bool // a helper set h.pc for the next instruction

	// Intercept, when set, sees every trap before it is delivered to the
	// guest. Returning true keeps the trap from the guest: no CSR changes,
	// pc stays at the trapping instruction (or, for an interrupt, at the
	// next one), and RunUntilTrap/Step report it. This is the hook a
	// trap-and-emulate VMM uses.
	Intercept func(h *Hart, t spec.Trap) bool

	// The RAM pages (page numbers) of the page-table entries the last
	// translate read, for fillTLB to flag as page-table pages.
	walkPages [3]uint64
	walkPTEs  [3]uint64 // and their addresses (hv.go, Probe)
	walkN     int

	fetched fetchedInsn // an emulator's instruction fetched elsewhere (hv.go)
	trig    trigState   // the trigger module (trigger.go)
}

func (h *Hart) reset(pc uint64) {
	h.ram = h.m.ram
	h.ramHost = jitRAMAddr(h.m.ram)
	h.pc = pc
	h.mode = spec.ModeM
	for _, c := range spec.CSRs {
		switch c.Addr {
		case spec.CSRMstatus:
			h.mstatus = c.Reset
		case spec.CSRMtvec:
			h.mtvec = c.Reset
		}
	}
	h.tlbGen = tlbGenOne
	h.updateCtx()
}

// ID returns the hart's index (mhartid).
func (h *Hart) ID() int { return h.id }

// PC returns the pc of the next step.
func (h *Hart) PC() uint64 { return h.pc }

// SetPC sets the pc of the next step (bit 0 is cleared: IALIGN=16).
func (h *Hart) SetPC(pc uint64) { h.pc = pc &^ 1 }

// Mode returns the current privilege mode.
func (h *Hart) Mode() spec.Mode { return h.mode }

// SetMode switches the privilege mode, as trap entry or xRET would.
func (h *Hart) SetMode(m spec.Mode) {
	if m.Valid() {
		h.mode = m
		h.updateCtx()
	}
}

// Reg returns integer register n.
func (h *Hart) Reg(n int) uint64 {
	if n <= 0 || n > 31 {
		return 0
	}
	return h.x[n]
}

// SetReg writes integer register n; writes to x0 are ignored.
func (h *Hart) SetReg(n int, v uint64) {
	if n > 0 && n < 32 {
		h.x[n] = v
	}
}

// ReadCSR returns a CSR as an M-mode read would, and whether it exists.
func (h *Hart) ReadCSR(addr uint16) (uint64, bool) {
	if spec.LookupCSR(addr) == nil {
		return 0, false
	}
	return h.csrRead(addr), true
}

// WriteCSR writes a CSR as an M-mode csrrw would (WARL rules and side
// effects apply, read-only CSRs excepted), and returns the value read back.
func (h *Hart) WriteCSR(addr uint16, v uint64) (uint64, bool) {
	c := spec.LookupCSR(addr)
	if c == nil || c.ReadOnly {
		return 0, false
	}
	h.csrWrite(addr, v)
	switch addr { // not an instruction: no increment of its own to replace
	case spec.CSRMinstret:
		h.instretAdj++
		h.instFrozen = v
	case spec.CSRMcycle:
		h.cycleAdj++
		h.cycleFrozen = v
	}
	return h.csrRead(addr), true
}

// Satp returns satp.
func (h *Hart) Satp() uint64 { return h.satp }

// PMP returns the configuration byte and address register of entry i.
func (h *Hart) PMP(i int) (cfg uint8, addr uint64) { return h.pmpcfg[i], h.pmpaddr[i] }

// Retired is the number of instructions this hart retired.
func (h *Hart) Retired() uint64 { return h.count }

func modeIndex(m spec.Mode) int {
	switch m {
	case spec.ModeU:
		return 0
	case spec.ModeS:
		return 1
	}
	return 2
}

// dataMode is the privilege data accesses use: MPP when MPRV is set in
// M-mode (Priv. spec 1.12 §3.1.6.3).
func (h *Hart) dataMode() spec.Mode {
	if h.mode == spec.ModeM && h.mstatus&spec.MstatusMPRV != 0 {
		return spec.Mode(h.mstatus >> 11 & 3)
	}
	return h.mode
}

// updateCtx points the TLB shortcuts at the current mode's TLBs.
func (h *Hart) updateCtx() {
	h.fetchTLB = &h.tlb[modeIndex(h.mode)][accFetch]
	d := modeIndex(h.dataMode())
	h.loadTLB = &h.tlb[d][accLoad]
	h.storeTLB = &h.tlb[d][accStore]
}

// flushTLB drops every cached translation of this hart.
func (h *Hart) flushTLB() {
	h.tlbGen += tlbGenOne
	if h.tlbGen == 0 { // wrapped: really clear, and skip generation 0
		h.tlb = [3][3][tlbSize]tlbEntry{}
		h.tlbGen = tlbGenOne
	}
	h.exitLoop = true
}

// Step runs one step of this hart and returns its record.
func (h *Hart) Step() spec.Retire {
	r := spec.Retire{Hart: h.id, PC: h.pc, Mode: h.mode}
	h.m.storer = h
	if h.m.halted {
		r.NextPC, r.NextMode = h.pc, h.mode
		return r
	}
	h.trapped = false
	h.recCSR = spec.CSRWrite{}
	h.recInst = inst{}
	if !h.takeInterrupt() {
		if d := h.peekInst(); d != nil {
			h.recInst = *d
			h.recA, h.recB = h.x[d.rs1], h.x[d.rs2]
			if h.m.emulator { // the loop runs what was just fetched (hv.go)
				h.useScratch(d, h.pc&^0xfff)
			}
		}
		before := h.count
		h.loop(1)
		h.m.afterRetire(h, before)
	}
	mutateAfterStep(h) // fault injection for tests; empty unless built with -tags vcheck_mutant
	r.NextPC, r.NextMode = h.pc, h.mode
	if h.trapped {
		r.Trap = h.lastTrap
		if !r.Trap.Interrupt {
			r.Insn = h.recInst.raw
		}
		return r
	}
	d := &h.recInst
	r.Insn = d.raw
	if d.rd != xSink && d.op.writesRd() {
		r.Rd = spec.RegWrite{Valid: true, Reg: d.rd, Value: h.x[d.rd]}
	}
	r.Mem = h.memRecord(d)
	r.CSR = h.recCSR
	return r
}

// peekInst decodes the instruction at pc for a record, before the loop
// runs it. Its side effects (TLB fills, the A bit, a new code page) are
// those the loop's own fetch has anyway; a fetch fault is left for the
// loop to raise.
func (h *Hart) peekInst() *inst {
	if h.trig.exec && h.trigFires(spec.McontrolExecute, h.pc, 0) {
		return nil // an execute trigger fires before the fetch (trigger.go)
	}
	var cp *codePage
	var base uint64
	d := h.fetchSlow(h.pc, &cp, &base)
	if d == nil {
		h.excValid = false
		return nil
	}
	if d.op == opUndecoded {
		h.decodeSlot(cp, h.pc-base)
	}
	if d.op == opCross { // possibly just decoded as such
		if d = h.fetchOne(h.pc); d == nil {
			h.excValid = false
			return nil
		}
	}
	return d
}

// memRecord derives the data access of a retired instruction from its
// operands as they were before it ran (recA, recB) and what it wrote.
func (h *Hart) memRecord(d *inst) spec.MemAccess {
	mask := func(size uint64) uint64 {
		if size == 8 {
			return ^uint64(0)
		}
		return 1<<(8*size) - 1
	}
	info := &ops[d.op]
	size := uint64(info.size)
	switch info.mem {
	case memLoad:
		return spec.MemAccess{Valid: true, Addr: h.recA + uint64(d.imm), Size: info.size, Read: true, RData: h.x[d.rd] & mask(size)}
	case memStore:
		return spec.MemAccess{Valid: true, Addr: h.recA + uint64(d.imm), Size: info.size, Write: true, WData: h.recB & mask(size)}
	case memLR:
		return spec.MemAccess{Valid: true, Addr: h.recA, Size: info.size, Read: true, RData: h.x[d.rd] & mask(size)}
	case memSC:
		if !h.scDone { // a failed SC: an access with neither read nor write (docs/retire.md)
			return spec.MemAccess{Valid: true, Addr: h.recA, Size: info.size}
		}
		return spec.MemAccess{Valid: true, Addr: h.recA, Size: info.size, Write: true, WData: h.recB & mask(size)}
	case memAMO:
		old := h.x[d.rd] & mask(size)
		return spec.MemAccess{Valid: true, Addr: h.recA, Size: info.size, Read: true, Write: true,
			RData: old, WData: amoCompute(d.op, old, h.recB) & mask(size)}
	}
	return spec.MemAccess{}
}

// run runs up to limit steps of this hart alone, taking interrupts between
// chunks exactly where Step would, and returns the steps taken. With
// stopOnTrap it returns after the first trap.
func (h *Hart) run(limit uint64, stopOnTrap bool) uint64 {
	m := h.m
	m.storer = h
	var steps uint64
	h.trapped = false
	for steps < limit && !m.halted {
		if h.takeInterrupt() {
			steps++
			if stopOnTrap {
				return steps
			}
			continue
		}
		chunk := limit - steps
		if chunk > 1 && !mutantOn(m, mutRunNoEvents) { // MUTANT HOOK (mutant.go)
			// Stop where a timer expires and, while the UART samples its
			// input or may time out, at each timer tick: the tick runs
			// right after the instruction that ends on it, as in Step.
			chunk = min(chunk, m.dev.UntilEvent(m.Retired()))
		}
		before := h.count
		steps += h.loop(chunk)
		m.afterRetire(h, before)
		if stopOnTrap && h.trapped || h.trapLoop >= trapLoopLimit {
			return steps
		}
	}
	return steps
}

// RunUntilTrap runs this hart alone until it takes a trap (exception or
// interrupt) or budget steps have run, and returns the trap (Valid false
// when the budget ran out or the machine halted) and the number of steps.
// The trap has been delivered to the guest unless Intercept took it.
func (h *Hart) RunUntilTrap(budget uint64) (spec.Trap, uint64) {
	n := h.run(budget, true)
	if h.trapped {
		return h.lastTrap, n
	}
	return spec.Trap{}, n
}

// Interrupt priority order (Priv. spec 1.12 §3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
var irqOrder = [...]uint64{spec.IntMExternal, spec.IntMSoftware, spec.IntMTimer, spec.IntSExternal, spec.IntSSoftware, spec.IntSTimer}

// pendingInterrupt returns the interrupt the hart takes now, if any.
// Interrupts for M are considered first, then those delegated to S, as
// QEMU 7.2 does (riscv_cpu_local_irq_pending).
func (h *Hart) pendingInterrupt() (uint64, bool) {
	if h.mie == 0 {
		return 0, false
	}
	pend := h.mip() & h.mie
	if pend == 0 {
		return 0, false
	}
	if h.mode < spec.ModeM || h.mstatus&spec.MstatusMIE != 0 {
		if p := pend &^ h.mideleg; p != 0 {
			for _, c := range irqOrder {
				if p>>c&1 != 0 {
					return c, true
				}
			}
		}
	}
	if h.mode < spec.ModeS || h.mode == spec.ModeS && h.mstatus&spec.MstatusSIE != 0 {
		if p := pend & h.mideleg; p != 0 {
			for _, c := range irqOrder {
				if p>>c&1 != 0 {
					return c, true
				}
			}
		}
	}
	return 0, false
}

// takeInterrupt takes a pending, enabled interrupt as its own step.
func (h *Hart) takeInterrupt() bool {
	c, ok := h.pendingInterrupt()
	if !ok {
		return false
	}
	h.trap(true, c, 0)
	return true
}

// trap takes a trap at h.pc: it records it, offers it to Intercept, and
// delivers it to M or (delegated) S mode (Priv. spec 1.12 §3.1.8, §3.3.1).
func (h *Hart) trap(interrupt bool, cause, tval uint64) {
	target := spec.ModeM
	if h.mode <= spec.ModeS {
		deleg := h.medeleg
		if interrupt {
			deleg = h.mideleg
		}
		if deleg>>cause&1 != 0 {
			target = spec.ModeS
		}
	}
	t := spec.Trap{Valid: true, Interrupt: interrupt, Cause: cause, Tval: tval, Target: target}
	// A trap loop is the same exception again with no instruction retired
	// in between (e.g. mtvec pointing at unmapped memory).
	if h.lastTrap == t && !interrupt && h.count == h.lastTrapCount {
		h.trapLoop++
	} else {
		h.trapLoop = 1
	}
	h.lastTrapCount = h.count
	h.lastTrap = t
	h.trapped = true
	h.exitLoop = true
	if h.Intercept != nil && h.Intercept(h, t) {
		h.intercepted = true
		return // a VM exit: the guest's reservation is the hypervisor's to keep (hv.go)
	}
	h.intercepted = false
	// Taking a trap drops the LR reservation, as QEMU 7.2 does (the spec
	// lets an SC fail for implementation-defined reasons, Unpriv. §8.3).
	h.resValid = false
	causeReg := cause
	if interrupt {
		causeReg |= 1 << 63
	}
	var vec uint64
	if target == spec.ModeS {
		h.scause, h.sepc, h.stval = causeReg, h.pc, tval
		s := h.mstatus &^ (spec.MstatusSPIE | spec.MstatusSIE | spec.MstatusSPP)
		if h.mstatus&spec.MstatusSIE != 0 {
			s |= spec.MstatusSPIE
		}
		if h.mode == spec.ModeS {
			s |= spec.MstatusSPP
		}
		h.mstatus = s
		vec = h.stvec
	} else {
		h.mcause, h.mepc, h.mtval = causeReg, h.pc, tval
		s := h.mstatus &^ (spec.MstatusMPIE | spec.MstatusMIE | spec.MstatusMPP)
		if h.mstatus&spec.MstatusMIE != 0 {
			s |= spec.MstatusMPIE
		}
		s |= uint64(h.mode) << 11
		h.mstatus = s
		vec = h.mtvec
	}
	h.mode = target
	h.pc = vec &^ 3
	if vec&1 != 0 && interrupt {
		h.pc += 4 * cause
	}
	h.updateCtx()
}

// raise delivers the exception a helper left in excCause/excTval.
func (h *Hart) raise() {
	h.excValid = false
	h.trap(false, h.excCause, h.excTval)
}

// fail records an exception for the loop to raise, and returns false so a
// helper can `return h.fail(...)`.
func (h *Hart) fail(cause, tval uint64) bool {
	h.excValid = true
	h.excCause = cause
	h.excTval = tval
	return false
}
