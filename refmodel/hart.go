package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// Hart is one RISC-V hart: registers, pc, privilege mode and CSRs.
type Hart struct {
	id   int
	m    *Machine
	x    [32]uint64
	pc   uint64
	mode spec.Mode
	// csr holds the stored value of every plain CSR by address; views
	// (sstatus, sie, sip) and computed CSRs (time, cycle, instret, mip's
	// device lines) are derived in zicsr.go.
	csr [4096]uint64
	// pmp holds the PMP entries that are not OFF, decoded (pmp.go).
	pmp []pmpEntry
	// triggers are the trigger module's triggers (trigger.go); tselect
	// lives in csr like a plain CSR.
	triggers [spec.Triggers]trigger

	// reservation is the LR/SC reservation (Unpriv. §8.2): the address of
	// the last LR, valid until an SC or a store by another hart to it.
	reservation      uint64 // virtual address, as the SC names it
	reservationPA    uint64 // physical address, for other harts' stores
	reservationValid bool

	// Per-step scratch: the record being built, the pc of the next
	// instruction, and whether a Zicsr write to mcycle/minstret replaces
	// this instruction's own increment.
	rec           *spec.Retire
	nextPC        uint64
	wroteMcycle   bool
	wroteMinstret bool
	decodeCache   *[decodeCacheSize]decodeSlot
}

// exception is a synchronous exception raised by an instruction.
type exception struct {
	cause uint64
	tval  uint64
}

func raise(cause, tval uint64) *exception { return &exception{cause, tval} }

// newHart returns hart id at reset. old, when not nil, is a hart of the
// program before a Reset: it is reused, all zeroed but its decode cache
// (a word always decodes the same way).
func newHart(m *Machine, id int, resetPC uint64, old *Hart) *Hart {
	h, cache := old, (*[decodeCacheSize]decodeSlot)(nil)
	if h == nil {
		h, cache = new(Hart), new([decodeCacheSize]decodeSlot)
	} else {
		cache = h.decodeCache
	}
	*h = Hart{id: id, m: m, pc: resetPC, mode: spec.ModeM, decodeCache: cache}
	for _, c := range spec.CSRs {
		h.csr[c.Addr] = c.Reset
	}
	h.csr[spec.CSRMhartid] = uint64(id)
	for i := range h.triggers {
		h.triggers[i].tdata1 = spec.Tdata1Reset
	}
	// The integer registers reset to zero, as QEMU's riscv_cpu_reset
	// leaves them; the boot ROM's reset vector then loads a0 (hartid)
	// and a1 (the device tree), as on QEMU virt.
	return h
}

// setX writes integer register rd and records the write (never for x0).
func (h *Hart) setX(rd uint8, v uint64) {
	if rd == 0 {
		return
	}
	h.x[rd] = v
	h.rec.Rd = spec.RegWrite{Valid: true, Reg: rd, Value: v}
}

// step runs one step: an interrupt, or one instruction (retired or trapped).
func (h *Hart) step(r *spec.Retire) {
	h.rec = r
	r.Hart = h.id
	r.PC = h.pc
	r.Mode = h.mode
	if cause, ok := h.pendingInterrupt(); ok {
		h.takeTrap(true, cause, 0)
		r.NextPC, r.NextMode = h.pc, h.mode
		return
	}
	// An execute trigger fires before the fetch, so before its faults
	// (trigger.go).
	var word uint32
	exc := h.executeTrigger()
	if exc == nil {
		word, exc = h.fetch()
	}
	if exc != nil {
		h.takeTrap(false, exc.cause, exc.tval)
		r.NextPC, r.NextMode = h.pc, h.mode
		return
	}
	r.Insn = word
	d := h.decode(word)
	h.wroteMcycle, h.wroteMinstret = false, false
	inhibit := h.csr[spec.CSRMcountinhibit] // as it was before this instruction
	if d == nil {
		exc = raise(spec.CauseIllegalInstruction, uint64(word))
	} else {
		h.nextPC = h.pc + d.length
		exc = d.exec(h, &d.op)
	}
	if exc != nil {
		// A trapping instruction has no architectural effect but the trap.
		r.Rd, r.Mem, r.CSR = spec.RegWrite{}, spec.MemAccess{}, spec.CSRWrite{}
		h.takeTrap(false, exc.cause, exc.tval)
		r.NextPC, r.NextMode = h.pc, h.mode
		return
	}
	h.pc = h.nextPC
	h.countRetired(inhibit)
	h.m.retire()
	r.NextPC, r.NextMode = h.pc, h.mode
}
