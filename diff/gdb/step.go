package gdb

import (
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// kind is what the client needs to know about an instruction to build
// its record: how it moves the pc and which memory access it makes.
type kind uint8

const (
	kOther kind = iota
	kBranch
	kJal
	kJalr
	kMret
	kSret
	kTrapping // ecall, ebreak: always trap
	kWFI
	kSfence
	kLoad
	kStore
	kLR
	kSC
	kAMO
	kCSR
)

type insnInfo struct {
	ops  spec.Operands
	kind kind
	size uint64 // memory access size
	len  uint64
}

func classify(word uint32) (insnInfo, bool) {
	ops, ok := spec.DecodeOperands(word)
	if !ok {
		return insnInfo{}, false
	}
	in := insnInfo{ops: ops, len: uint64(spec.InsnLen(word))}
	name := ops.Base.Name
	switch {
	case name == "beq" || name == "bne" || name == "blt" || name == "bge" || name == "bltu" || name == "bgeu":
		in.kind = kBranch
	case name == "jal":
		in.kind = kJal
	case name == "jalr":
		in.kind = kJalr
	case name == "mret":
		in.kind = kMret
	case name == "sret":
		in.kind = kSret
	case name == "ecall" || name == "ebreak":
		in.kind = kTrapping
	case name == "wfi":
		in.kind = kWFI
	case name == "sfence.vma":
		in.kind = kSfence
	case strings.HasPrefix(name, "lr."):
		in.kind, in.size = kLR, sizeSuffix(name)
	case strings.HasPrefix(name, "sc."):
		in.kind, in.size = kSC, sizeSuffix(name)
	case strings.HasPrefix(name, "amo"):
		in.kind, in.size = kAMO, sizeSuffix(name)
	case strings.HasPrefix(name, "csrr"):
		in.kind = kCSR
	case ops.Base.Format == spec.FmtI && ops.Base.Match&0x7f == 0x03: // LOAD
		in.kind, in.size = kLoad, 1<<(ops.Base.Match>>12&3)
	case ops.Base.Format == spec.FmtS && ops.Base.Match&0x7f == 0x23: // STORE
		in.kind, in.size = kStore, 1<<(ops.Base.Match>>12&3)
	}
	return in, true
}

func sizeSuffix(name string) uint64 {
	if strings.HasSuffix(name, ".d") {
		return 8
	}
	return 4
}

// csrWrites reports whether a Zicsr instruction writes its CSR: csrrw and
// csrrwi always, the set/clear forms only with a nonzero rs1 or uimm
// (Unpriv. §9.1).
func csrWrites(in insnInfo) bool {
	name := in.ops.Base.Name
	if name == "csrrw" || name == "csrrwi" {
		return true
	}
	if strings.HasSuffix(name, "i") {
		return in.ops.Imm != 0
	}
	return in.ops.Rs1 != 0
}

// predict returns the pc after the instruction when it does not trap,
// and false when it always traps or the client cannot tell.
func (t *Target) predict(h *hart, in insnInfo) (uint64, bool, error) {
	x := &h.x
	pc := h.pc
	switch in.kind {
	case kBranch:
		a, b := x[in.ops.Rs1], x[in.ops.Rs2]
		var taken bool
		switch in.ops.Base.Name {
		case "beq":
			taken = a == b
		case "bne":
			taken = a != b
		case "blt":
			taken = int64(a) < int64(b)
		case "bge":
			taken = int64(a) >= int64(b)
		case "bltu":
			taken = a < b
		case "bgeu":
			taken = a >= b
		}
		if taken {
			return pc + uint64(in.ops.Imm), true, nil
		}
	case kJal:
		return pc + uint64(in.ops.Imm), true, nil
	case kJalr:
		return (x[in.ops.Rs1] + uint64(in.ops.Imm)) &^ 1, true, nil
	case kMret, kSret:
		addr := uint16(spec.CSRMepc)
		if in.kind == kSret {
			addr = spec.CSRSepc
		}
		v, ok, err := t.readCSR(addr)
		return v &^ 1, ok, err
	case kTrapping:
		return 0, false, nil
	}
	return pc + in.len, true, nil
}

// trapCSRs are the CSRs a trap into mode writes.
type trapCSRs struct{ cause, epc, tval uint64 }

func (t *Target) readTrapCSRs(mode spec.Mode) (trapCSRs, error) {
	a := [3]uint16{spec.CSRMcause, spec.CSRMepc, spec.CSRMtval}
	if mode == spec.ModeS {
		a = [3]uint16{spec.CSRScause, spec.CSRSepc, spec.CSRStval}
	}
	var v [3]uint64
	for i, addr := range a {
		var err error
		if v[i], _, err = t.readCSR(addr); err != nil {
			return trapCSRs{}, err
		}
	}
	return trapCSRs{v[0], v[1], v[2]}, nil
}

func (t *Target) step(h *hart) (spec.Retire, error) {
	t.lastUnobserved = nil
	if t.exit.Reason != spec.Running {
		return spec.Retire{}, fmt.Errorf("gdb %s: stepped after the exit (%s)", t.c.Addr, t.exit)
	}
	if err := t.settle(); err != nil {
		return spec.Retire{}, err
	}
	if err := t.c.selectThread(h.tid); err != nil {
		return spec.Retire{}, err
	}
	if !h.fresh {
		if err := t.refresh(h); err != nil {
			return spec.Retire{}, err
		}
	}
	r := spec.Retire{Hart: h.id, PC: h.pc, Mode: h.mode}
	word, haveWord, err := t.fetch(h)
	if err != nil {
		return r, err
	}
	var in insnInfo
	decoded := false
	if haveWord {
		in, decoded = classify(word)
	}
	next, predicted := uint64(0), false
	if decoded {
		if next, predicted, err = t.predict(h, in); err != nil {
			return r, err
		}
	}
	// Where the normal next pc is itself a trap vector, only the trap
	// CSRs tell a trap from a fall-through: read them before the step.
	var before [2]trapCSRs
	ambiguous := predicted && h.haveCSR && (vector(h.mtvec, next) || vector(h.stvec, next))
	if ambiguous {
		for i, m := range []spec.Mode{spec.ModeM, spec.ModeS} {
			if before[i], err = t.readTrapCSRs(m); err != nil {
				return r, err
			}
		}
	}
	// An AMO into x0 changes the memory it read, and an SC into x0 shows
	// whether it stored only by a change: read it first.
	var amoOld uint64
	amoOldOK := false
	if decoded && (in.kind == kAMO || in.kind == kSC) && in.ops.Rd == 0 {
		if amoOld, amoOldOK, err = t.readData(h, h.x[in.ops.Rs1], in.size, true); err != nil {
			return r, err
		}
	}
	if decoded && in.kind == kWFI && t.c.QEMU() {
		if done, err := t.wfi(h, &r, word); done || err != nil {
			return r, err
		}
	}
	pre := *h
	var held uint64 // L bits of a pmpcfg write held back (pmplock.go)
	if decoded {
		if held, err = t.holdLock(h, in); err != nil {
			return r, err
		}
	}
	stop, err := t.c.Step(h.tid)
	if err != nil || stop.Exited() {
		// QEMU exits when the sifive_test finisher is written: the last
		// instruction was that store.
		if decoded && in.kind == kStore && (stop.Exited() || t.c.closed != nil) {
			return t.finisherExit(h, &r, word, in, stop)
		}
		if err == nil {
			err = fmt.Errorf("gdb %s: the target exited (%c%02x) at pc %#x, not by a store", t.c.Addr, stop.Kind, stop.Signal, h.pc)
		}
		return r, err
	}
	if err := t.readGPRs(h); err != nil {
		return r, err
	}
	if held != 0 && in.ops.Rd != in.ops.Rs1 {
		if err := t.releaseRs1(h, &pre, in); err != nil {
			return r, err
		}
	}
	// Was it a trap? Only if the pc is now on a vector and the trap's
	// epc names this instruction.
	trapped, target := false, spec.ModeM
	var tc trapCSRs
	onM, onS := h.haveCSR && vector(h.mtvec, h.pc), h.haveCSR && vector(h.stvec, h.pc)
	switch {
	case !h.haveCSR:
		trapped = !predicted || h.pc != next
		if trapped {
			t.unobserved("Trap.Cause")
		}
	case onM || onS:
		if err := t.readMode(h); err != nil {
			return r, err
		}
		target = spec.ModeM
		if onS && (!onM || h.mode == spec.ModeS) {
			target = spec.ModeS
		}
		if tc, err = t.readTrapCSRs(target); err != nil {
			return r, err
		}
		idx := 0
		if target == spec.ModeS {
			idx = 1
		}
		if tc.epc == pre.pc {
			trapped = !predicted || h.pc != next || (ambiguous && tc != before[idx])
		}
		if !trapped && predicted && decoded && tc.epc == next && h.pc != next {
			// The instruction retired and a trap came before the next one
			// was fetched, in the same single step: QEMU checks an execute
			// trigger on the next pc as it finishes the step. In the
			// retire contract these are two steps: the instruction, then
			// the trap with no instruction (docs/retire.md).
			rec, err := t.retired(h, &pre, r, word, in, amoOld, amoOldOK)
			if err != nil {
				return rec, err
			}
			t.heldLock(h, &rec, held)
			// The mode between the two is what the trap saved in xPP.
			ms, err := t.mustCSR(spec.CSRMstatus)
			if err != nil {
				return rec, err
			}
			rec.NextMode = spec.Mode(ms >> 11 & 3)
			if target == spec.ModeS {
				rec.NextMode = spec.Mode(ms >> 8 & 1)
			}
			trap := spec.Retire{Hart: h.id, PC: next, Mode: rec.NextMode}
			q, err := t.trapRecord(h, &pre, trap, 0, false, tc, target)
			if err != nil {
				return rec, err
			}
			q.Rd = spec.RegWrite{}
			rec.NextPC = next
			t.queued = &q
			return rec, nil
		}
	}
	if trapped {
		if held != 0 && in.ops.Rd == in.ops.Rs1 {
			if err := t.releaseRs1(h, &pre, in); err != nil {
				return r, err
			}
		}
		return t.trapRecord(h, &pre, r, word, haveWord, tc, target)
	}
	if !decoded {
		// The stub retired something the table does not know: show it.
		r.Insn = word
		r.NextPC, r.NextMode = h.pc, h.mode
		return r, nil
	}
	rec, err := t.retired(h, &pre, r, word, in, amoOld, amoOldOK)
	if err == nil {
		t.heldLock(h, &rec, held)
	}
	return rec, err
}

// trapRecord builds the record of a step that trapped.
func (t *Target) trapRecord(h, pre *hart, r spec.Retire, word uint32, haveWord bool, tc trapCSRs, target spec.Mode) (spec.Retire, error) {
	r.Trap = spec.Trap{Valid: true, Interrupt: tc.cause>>63 != 0, Cause: tc.cause &^ (1 << 63), Tval: tc.tval, Target: target}
	if t.priv == nil {
		r.Trap.Target = 0
	}
	if haveWord && !r.Trap.Interrupt && r.Trap.Cause != spec.CauseFetchAccess && r.Trap.Cause != spec.CauseFetchPageFault && r.Trap.Cause != spec.CauseMisalignedFetch {
		r.Insn = word
	}
	// A trap writes no integer register: a change is shown as one.
	for i := 1; i < 32; i++ {
		if h.x[i] != pre.x[i] {
			r.Rd = spec.RegWrite{Valid: true, Reg: uint8(i), Value: h.x[i]}
			break
		}
	}
	var err error
	if h.mstatus, err = t.mustCSR(spec.CSRMstatus); err != nil {
		return r, err
	}
	r.NextPC, r.NextMode = h.pc, h.mode
	return r, nil
}

// retired builds the record of a retired instruction.
func (t *Target) retired(h, pre *hart, r spec.Retire, word uint32, in insnInfo, amoOld uint64, amoOldOK bool) (spec.Retire, error) {
	r.Insn = word
	rd := in.ops.Rd
	if rd > 0 {
		r.Rd = spec.RegWrite{Valid: true, Reg: uint8(rd), Value: h.x[rd]}
	}
	for i := 1; i < 32; i++ {
		if i != rd && h.x[i] != pre.x[i] {
			r.Rd = spec.RegWrite{Valid: true, Reg: uint8(i), Value: h.x[i]}
			break
		}
	}
	var err error
	switch in.kind {
	case kMret, kSret:
		if err = t.readMode(h); err != nil {
			return r, err
		}
		if h.mstatus, err = t.mustCSR(spec.CSRMstatus); err != nil {
			return r, err
		}
	case kSfence:
		clear(t.tlb)
	case kCSR:
		if csrWrites(in) {
			v, ok, err := t.readCSR(in.ops.CSR)
			if err != nil {
				return r, err
			}
			r.CSR = spec.CSRWrite{Valid: true, Addr: in.ops.CSR, Value: v}
			if !ok {
				t.unobserved("CSR.Value")
			}
			switch in.ops.CSR {
			case spec.CSRMtvec:
				h.mtvec = v
			case spec.CSRStvec:
				h.stvec = v
			case spec.CSRSatp:
				h.satp = v
				clear(t.tlb)
			case spec.CSRMstatus, spec.CSRSstatus:
				if h.mstatus, err = t.mustCSR(spec.CSRMstatus); err != nil {
					return r, err
				}
			}
		}
	}
	if err := t.memory(h, pre, &r, in, amoOld, amoOldOK); err != nil {
		return r, err
	}
	r.NextPC, r.NextMode = h.pc, h.mode
	return r, nil
}

// memory fills the record's memory access.
func (t *Target) memory(h, pre *hart, r *spec.Retire, in insnInfo, amoOld uint64, amoOldOK bool) error {
	switch in.kind {
	case kLoad, kStore, kLR, kSC, kAMO:
	default:
		return nil
	}
	addr := pre.x[in.ops.Rs1]
	if in.kind == kLoad || in.kind == kStore {
		addr += uint64(in.ops.Imm)
	}
	m := mask(in.size)
	r.Mem = spec.MemAccess{Valid: true, Addr: addr, Size: uint8(in.size)}
	rd := in.ops.Rd
	load := func() error {
		r.Mem.Read = true
		if rd > 0 {
			r.Mem.RData = h.x[rd] & m
			return nil
		}
		v, ok, err := t.readData(h, addr, in.size, true)
		if err != nil {
			return err
		}
		if !ok {
			t.unobserved("Mem.RData")
		}
		r.Mem.RData = v & m
		return nil
	}
	// written reads back what a store or AMO left in memory; derive
	// gives its value when the memory cannot be read (a device).
	written := func(derive func() (uint64, bool)) error {
		r.Mem.Write = true
		mode := dataMode(pre.mode, pre.mstatus)
		t.stored(h, addr, in.size, mode)
		v, ok, err := t.readData(h, addr, in.size, false)
		if err != nil {
			return err
		}
		if !ok {
			if v, ok = derive(); ok {
				t.cov.Derived["Mem.WData"]++
			} else {
				t.unobserved("Mem.WData")
			}
		}
		r.Mem.WData = v & m
		return t.htif(h, addr, in.size, mode)
	}
	store := func() error {
		return written(func() (uint64, bool) { return pre.x[in.ops.Rs2], true })
	}
	switch in.kind {
	case kLoad, kLR:
		return load()
	case kStore:
		return store()
	case kSC:
		if h.x[rd] != 0 || rd == 0 && !t.scSucceeded(h, addr, in, pre, amoOld, amoOldOK) {
			return nil // a failed SC: no access (docs/retire.md)
		}
		return store()
	case kAMO:
		r.Mem.Read = true
		if rd > 0 {
			r.Mem.RData = h.x[rd] & m
		} else if amoOldOK {
			r.Mem.RData = amoOld & m
		} else {
			t.unobserved("Mem.RData")
		}
		return written(func() (uint64, bool) { return 0, false })
	}
	return nil
}

// scSucceeded tells, for an SC into x0, whether it stored: memory now
// holds rs2's value and did not before. An SC of the value already there
// is indistinguishable from a failed one: it is counted as a store, with
// Mem.Write and Mem.WData named unobserved.
func (t *Target) scSucceeded(h *hart, addr uint64, in insnInfo, pre *hart, old uint64, oldOK bool) bool {
	m := mask(in.size)
	v, ok, err := t.readData(h, addr, in.size, false)
	if err != nil || !ok {
		t.unobserved("Mem.Write")
		return false
	}
	if v&m != pre.x[in.ops.Rs2]&m {
		return false
	}
	if !oldOK || old&m == v&m {
		t.unobserved("Mem.Write")
		t.unobserved("Mem.WData")
	}
	return true
}

// htif ends the run when the program wrote an odd value to tohost for
// device 0 (the exit command), as the models' HTIF does.
func (t *Target) htif(h *hart, addr, size uint64, mode spec.Mode) error {
	if t.toHost == 0 {
		return nil
	}
	pa, ok := t.physical(h, addr, mode)
	if !ok || pa+size <= t.toHost || pa >= t.toHost+8 {
		return nil
	}
	v, ok, err := t.readData(h, addr-(pa-t.toHost), 8, false)
	if err != nil || !ok {
		return err
	}
	if ex, ok := spec.HTIFExit(v); ok {
		t.exit = ex
	}
	return nil
}

// finisherExit builds the record of the store that made the stub's
// target exit (QEMU exits on a sifive_test command), with the data the
// store's register held, and sets the exit from it.
func (t *Target) finisherExit(h *hart, r *spec.Retire, word uint32, in insnInfo, stop StopReply) (spec.Retire, error) {
	addr := h.x[in.ops.Rs1] + uint64(in.ops.Imm)
	v := h.x[in.ops.Rs2] & mask(in.size)
	r.Insn = word
	r.Mem = spec.MemAccess{Valid: true, Addr: addr, Size: uint8(in.size), Write: true, WData: v}
	t.cov.Derived["Mem.WData"]++
	r.NextPC, r.NextMode = h.pc+in.len, h.mode
	ex, ok := spec.FinisherExit(v, int(in.size))
	if !ok {
		return *r, fmt.Errorf("gdb %s: the target exited (%c%02x) after a store of %#x to %#x, which is no finisher command", t.c.Addr, stop.Kind, stop.Signal, v, addr)
	}
	t.exit = ex
	return *r, nil
}

// wfi completes a WFI on QEMU as a no-op: QEMU's WFI halts the vCPU
// until an interrupt is pending and enabled, so a single step of it
// never returns when none is coming, and runs the next instruction too
// when one is; the profile's WFI retires at once and a pending interrupt
// is taken at the next step (docs/retire.md; the specification allows
// both, Priv. 1.12 §3.3.3). The client sets the pc past it. A WFI that
// traps (TW in S-mode, any in U-mode: QEMU's helper_wfi) is stepped.
func (t *Target) wfi(h *hart, r *spec.Retire, word uint32) (bool, error) {
	if h.mode == spec.ModeU || (h.mode == spec.ModeS && h.mstatus&spec.MstatusTW != 0) {
		return false, nil
	}
	pc, _ := t.c.Regs.Lookup("pc")
	if err := t.c.WriteRegister(pc.Num, pc.Bits, h.pc+4); err != nil {
		return false, err
	}
	t.cov.Notes = appendOnce(t.cov.Notes, "QEMU's WFI waits for an interrupt: the client completes it as a no-op by setting the pc (the profile's WFI)")
	r.Insn = word
	r.NextPC, r.NextMode = h.pc+4, h.mode
	h.pc += 4
	return true, nil
}

func appendOnce(list []string, s string) []string {
	for _, l := range list {
		if l == s {
			return list
		}
	}
	return append(list, s)
}
