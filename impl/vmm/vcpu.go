package vmm

import (
	"cmp"
	"slices"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
)

// vcpu is one virtual hart: a physical hart that runs its code directly,
// the emulator hart that holds its virtual privileged state, and its
// shadow contexts.
type vcpu struct {
	id   int
	vm   *VM
	ph   *engine.Hart // physical: U-mode, satp = ctx
	eh   *engine.Hart // virtual: the vCPU's CSRs, mode; registers and pc only while emulating
	ctx  *context
	ctxs map[ctxKey]*context

	lastTrap    spec.Trap // the last trap the guest took (for the trap-loop report)
	timeEnabled uint64    // the physical hart's mcounteren/scounteren (TM or 0)
	probeBuf    []uint64  // fill's scratch for Probe
}

// maxContexts bounds the contexts one vCPU keeps; past it they are all
// released (a guest that keeps making new address spaces).
const maxContexts = 16

// step runs one guest step and returns its record.
func (v *vcpu) step() spec.Retire {
	vm := v.vm
	if vm.halted() {
		pc, m := v.ph.PC(), v.eh.Mode()
		return spec.Retire{Hart: v.id, PC: pc, NextPC: pc, Mode: m, NextMode: m}
	}
	if _, ok := v.eh.PendingInterrupt(); ok || v.eh.TriggersArmed() {
		return v.emulate(true)
	}
	vm.ev.dispatch(v)
	r := v.ph.Step()
	if !r.Trap.Valid {
		vm.ev.back(v, false, "")
		m := v.eh.Mode() // a direct instruction never changes the mode
		r.Mode, r.NextMode = m, m
		vm.emu.AddRetired(v.eh, 1)
		vm.stats.Direct++
		return r
	}
	return v.exit(r.Trap, true)
}

// run runs up to limit guest steps without records and returns how many
// it ran: the physical hart runs directly, in budgets that end where a
// virtual timer or UART event may happen, and each exit emulates one step.
func (v *vcpu) run(limit uint64) uint64 {
	vm := v.vm
	var steps uint64
	for steps < limit && !vm.halted() {
		// A pending interrupt is taken by the virtual hart; while the
		// guest has a debug trigger armed, every step is emulated (the
		// virtual hart's trigger module is the engine's own; the
		// physical hart's triggers are the VMM's).
		if _, ok := v.eh.PendingInterrupt(); ok || v.eh.TriggersArmed() {
			v.emulate(false)
			steps++
			if v.eh.TrapLoop() >= spec.TrapLoopLimit {
				break
			}
			continue
		}
		budget := limit - steps
		if !mutantLateEvents(vm) { // fault injection; always true without -tags vcheck_mutant
			budget = min(budget, vm.emu.UntilEvent())
		}
		before := v.ph.Retired()
		vm.ev.dispatch(v)
		tr, _ := v.ph.RunUntilTrap(budget)
		if !tr.Valid {
			vm.ev.back(v, false, "")
		}
		k := v.ph.Retired() - before
		vm.emu.AddRetired(v.eh, k)
		vm.stats.Direct += k
		steps += k
		if tr.Valid {
			v.exit(tr, false)
			steps++
			if v.eh.TrapLoop() >= spec.TrapLoopLimit {
				break
			}
		}
	}
	return steps
}

// exit handles a VM exit: the physical hart trapped on the guest's
// current step, and nothing of that step happened. The step is emulated
// (with its record when record is set); a page fault then fills the
// shadow entry it asked for, if the shadow rule allows one.
func (v *vcpu) exit(tr spec.Trap, record bool) spec.Retire {
	vm := v.vm
	before := v.ctx
	var why ExitCause
	pmpWrite := false
	switch tr.Cause {
	case spec.CauseIllegalInstruction:
		why, pmpWrite = insnClass(uint32(tr.Tval))
	case spec.CauseUserEcall:
		why = ExitECALL
	case spec.CauseBreakpoint:
		why = ExitEBREAK
	case spec.CauseMisalignedLoad, spec.CauseMisalignedStore:
		why = ExitMisaligned
	case spec.CauseFetchAccess, spec.CauseLoadAccess, spec.CauseStoreAccess:
		why = ExitAccessFault
	}
	// The physical hart fetched the instruction through the shadow, so
	// the bare machine's fetch of it would succeed with no side effect:
	// where the trap says what it was, the emulation need not fetch it.
	var word uint32
	var fetched bool
	switch tr.Cause {
	case spec.CauseIllegalInstruction:
		word, fetched = uint32(tr.Tval), true // tval: the instruction's bits
	case spec.CauseUserEcall:
		word, fetched = 0x00000073, true // ecall has one encoding
	}
	ptWrites := vm.stats.PTWrites
	r, guest := v.emulateStep(record, word, fetched)
	if pmpWrite {
		// The guest's PMP is folded into every context's permissions.
		vm.stats.Flushes++
		v.release(func(*context) bool { return true })
	}
	v.sync()
	if pageFaultKind(tr.Cause) {
		filled := v.ctx == before && v.fill(tr.Tval)
		switch {
		case vm.stats.PTWrites != ptWrites:
			why = ExitPTWrite
		case filled:
			why = ExitShadowFill
		case guest.Valid && !guest.Interrupt:
			why = ExitGuestFault
		case before.key.satp == 0 && !isRAMorROM(vm, tr.Tval):
			why = ExitMMIO
		default:
			why = ExitEmulatedAccess
		}
	}
	vm.stats.Exits[why]++
	vm.ev.back(v, true, why.String())
	mutateAfterExit(v, tr) // fault injection; nothing without -tags vcheck_mutant
	return r
}

func isRAMorROM(vm *VM, gpa uint64) bool {
	_, ok := vm.lay.host(gpa &^ (pageSize - 1))
	return ok
}

func pageFaultKind(cause uint64) bool {
	return cause == spec.CauseFetchPageFault || cause == spec.CauseLoadPageFault || cause == spec.CauseStorePageFault
}

// insnClass classifies an instruction that trapped as illegal in
// physical U-mode, and reports whether it is a Zicsr instruction that
// writes a PMP register (csrInsn's rule: csrrw/csrrwi always write, the
// others unless their source is x0 or 0).
func insnClass(word uint32) (ExitCause, bool) {
	if word&0x7f != 0x73 {
		return ExitIllegal, false
	}
	if f3 := word >> 12 & 7; f3 != 0 && f3 != 4 {
		addr := uint16(word >> 20)
		write := f3&3 == 1 || word>>15&0x1f != 0
		return ExitCSR, write && isPMP(addr)
	}
	switch {
	case word == 0x30200073:
		return ExitMRET, false
	case word == 0x10200073:
		return ExitSRET, false
	case word == 0x10500073:
		return ExitWFI, false
	case word>>25 == 0x09 && word&0x7fff == 0x73:
		return ExitSFENCE, false
	}
	return ExitIllegal, false
}

// emulate takes the guest's current step on the virtual hart (a pending
// interrupt, here) and returns its record when record is set.
func (v *vcpu) emulate(record bool) spec.Retire {
	r, _ := v.emulateStep(record, 0, false)
	v.sync()
	return r
}

// emulateStep runs the guest's current step on the virtual hart: the bare
// engine's step on the guest's state. It returns the record (when record
// is set) and the trap the guest took, if any. With fetched, word is the
// instruction at the guest's pc, already fetched.
func (v *vcpu) emulateStep(record bool, word uint32, fetched bool) (r spec.Retire, guest spec.Trap) {
	vm := v.vm
	v.toVirtual()
	if undo := mutateBeforeEmulate(v); undo != nil { // fault injection; nothing without -tags vcheck_mutant
		defer undo()
	}
	switch {
	case fetched:
		r, guest = v.eh.StepFetched(word, record)
	case record:
		r = v.eh.Step()
		guest = r.Trap
	default:
		guest, _ = v.eh.RunUntilTrap(1)
	}
	v.fromVirtual()
	switch {
	case guest.Valid && guest.Interrupt:
		vm.stats.Interrupts++
		v.lastTrap = guest
	case guest.Valid:
		vm.stats.GuestTraps++
		v.lastTrap = guest
	default:
		vm.stats.Emulated++
		// The physical clock follows the guest's (see syncTime).
		vm.host.AddRetired(v.ph, 1)
	}
	vm.syncTime()
	return r, guest
}

// syncTime keeps the host's mtime equal to the guest's: the host's
// retired count is the guest's (direct instructions retire on the
// physical harts, emulated ones are charged to them), so only a guest
// write to its CLINT's mtime can set them apart, and the VMM then writes
// the host's, as M-mode software would. With the clocks equal, a guest
// read of time that its own counter enables allow may run directly
// (counterEnables).
func (vm *VM) syncTime() {
	if t := vm.emu.Mtime(); vm.host.Mtime() != t {
		vm.host.SetMtime(t)
	}
}

// counterEnables sets the physical hart's counter enables: time may be
// read directly in physical U exactly when the guest's virtual mode may
// read it on the bare machine (M always; S with mcounteren.TM; U with
// mcounteren.TM and scounteren.TM), since the physical time is the
// guest's. cycle and instret always trap (their adjustments are the
// guest's own and are not mirrored).
func (v *vcpu) counterEnables() {
	const tm = 1 << 1
	mc, sc := v.eh.CounterEnables()
	var want uint64
	switch v.eh.Mode() {
	case spec.ModeM:
		want = tm
	case spec.ModeS:
		want = mc & tm
	default:
		want = mc & sc & tm
	}
	if want != v.timeEnabled {
		v.timeEnabled = want
		v.ph.WriteCSR(spec.CSRMcounteren, want)
		v.ph.WriteCSR(spec.CSRScounteren, want)
	}
}

func isPMP(addr uint16) bool {
	return addr == spec.CSRPmpcfg0 || addr == spec.CSRPmpcfg0+2 ||
		addr >= spec.CSRPmpaddr0 && addr < spec.CSRPmpaddr0+spec.PMPEntries
}

// toVirtual copies the guest's registers, pc and LR reservation from the
// physical hart to the virtual one; fromVirtual copies them back.
func (v *vcpu) toVirtual() {
	x := v.ph.GPRs()
	v.eh.SetGPRs(&x)
	v.eh.SetPC(v.ph.PC())
	v.eh.SetReservation(v.vm.guestReservation(v.ph.Reservation()))
}

func (v *vcpu) fromVirtual() {
	x := v.eh.GPRs()
	v.ph.SetGPRs(&x)
	v.ph.SetPC(v.eh.PC())
	v.ph.SetReservation(v.vm.hostReservation(v.eh.Reservation()))
}

// guestReservation moves a reservation of the physical hart to the
// virtual one: its physical address from host to guest RAM (off the
// guest's RAM it watches nothing: no other vCPU can store there).
func (vm *VM) guestReservation(r engine.Reservation) engine.Reservation {
	if r.PAValid && r.PA >= vm.lay.window && r.PA-vm.lay.window < vm.cfg.RAM {
		r.PA = r.PA - vm.lay.window + spec.RAMBase
	} else {
		r.PAValid = false
	}
	return r
}

// hostReservation is the reverse of guestReservation.
func (vm *VM) hostReservation(r engine.Reservation) engine.Reservation {
	if r.PAValid && r.PA >= spec.RAMBase && r.PA-spec.RAMBase < vm.cfg.RAM {
		r.PA = r.PA - spec.RAMBase + vm.lay.window
	} else {
		r.PAValid = false
	}
	return r
}

// key is the vCPU's current translation context.
func (v *vcpu) key() ctxKey {
	eh := v.eh
	fm, dm := eh.Mode(), eh.DataMode()
	satp := eh.Satp()
	sv39 := satp>>60 == spec.SatpModeSv39
	k := ctxKey{fetch: pmpClass(fm), data: pmpClass(dm)}
	if sv39 && fm != spec.ModeM {
		k.fetch, k.satp = fm, satp
	}
	if sv39 && dm != spec.ModeM {
		ms, _ := eh.ReadCSR(spec.CSRMstatus)
		k.data, k.satp = dm, satp
		k.sum, k.mxr = ms&spec.MstatusSUM != 0, ms&spec.MstatusMXR != 0
	}
	return k
}

// pmpClass is the mode as the PMP sees it: M, or S for S and U.
func pmpClass(m spec.Mode) spec.Mode {
	if m == spec.ModeM {
		return m
	}
	return spec.ModeS
}

// sync points the physical hart at the shadow context of the vCPU's
// current virtual state, making it if needed.
func (v *vcpu) sync() {
	v.counterEnables()
	k := v.key()
	if c := v.ctx; c != nil && !c.dead && c.key == k {
		return
	}
	vm := v.vm
	c := v.ctxs[k]
	if c == nil {
		if len(v.ctxs) >= maxContexts {
			v.release(func(*context) bool { return true })
		}
		root := vm.pool.alloc()
		if root == nil {
			vm.flushAll()
			root = vm.pool.alloc()
			defer vm.resync(v)
		}
		c = &context{key: k, root: root, paged: k.satp != 0, wmap: map[uint64][]uint64{}, deps: map[uint64]ptes{}}
		v.ctxs[k] = c
	}
	v.ctx = c
	v.ph.WriteCSR(spec.CSRSatp, satpRoot(c.root))
	vm.stats.Switches++
}

// resync points every vCPU but except at a live context again.
func (vm *VM) resync(except *vcpu) {
	for _, o := range vm.vcpus {
		if o != except {
			o.sync()
		}
	}
}

// release drops the vCPU's contexts that pred selects. It returns their
// tables to the pool in the order of their roots, not in the map's
// random order, so that the pool hands out the same pages on every run:
// a VM's host state is a function of its guest's (TestResetIsFresh
// compares all of it).
func (v *vcpu) release(pred func(*context) bool) {
	var drop []*context
	for _, c := range v.ctxs {
		if pred(c) {
			drop = append(drop, c)
		}
	}
	slices.SortFunc(drop, func(a, b *context) int { return cmp.Compare(a.root.pa, b.root.pa) })
	for _, c := range drop {
		for va := range c.deps {
			v.vm.undepend(c, va)
		}
		v.vm.pool.release(c.root)
		c.dead = true
		delete(v.ctxs, c.key)
	}
}

// fill maps the guest-virtual page of va in the current context, with
// every permission the shadow rule allows: an access of that kind would,
// on the bare machine now, translate (with A, and D for a store, already
// set), pass the guest PMP uniformly over the page, and reach guest RAM or
// the boot ROM. Pages holding tracked page tables, the HTIF mailbox or the
// ROM are never writable. It reports whether anything was mapped.
func (v *vcpu) fill(va uint64) bool {
	vm := v.vm
	c := v.ctx
	vp := va &^ (pageSize - 1)
	if !canonical(vp) {
		return false
	}
	eh := v.eh
	fm, dm := eh.Mode(), eh.DataMode()
	var gp, perm uint64
	have := false
	var dep ptes
	try := func(kind engine.Access, mode spec.Mode, bit uint64) {
		pa, ok, read := eh.Probe(vp, kind, mode, v.probeBuf)
		v.probeBuf = read
		if !ok {
			return
		}
		p := pa &^ (pageSize - 1)
		if have && p != gp {
			return // MPRV: fetches and data translate differently; data exits
		}
		if _, ok := vm.lay.host(p); !ok {
			return
		}
		if allowed, uniform := eh.PMPDecide(p, pageSize, kind, mode); !allowed || !uniform {
			return
		}
		gp, have = p, true
		perm |= bit
		dep.add(read)
	}
	try(engine.AccessFetch, fm, pteX)
	try(engine.AccessLoad, dm, pteR)
	try(engine.AccessStore, dm, pteW)
	if !have {
		return false
	}
	hp, _ := vm.lay.host(gp)
	t, i := c.leaf(vm.pool, vp)
	if t == nil {
		vm.flushAll()
		v.ctx = nil
		v.sync()
		vm.resync(v)
		return false
	}
	// The leaf depends on the PTEs its walks read: their pages become
	// tracked (and read-only everywhere) before the leaf exists.
	vm.undepend(c, vp)
	vm.depend(c, vp, dep)
	if vm.tracked[gp] > 0 || isROM(gp) || vm.htif != 0 && gp == vm.htif || perm&pteR == 0 {
		perm &^= pteW
	}
	vm.pool.set(t, i, hp>>12<<10|perm|pteV|pteU|pteA|pteD)
	if perm&pteW != 0 {
		c.wmap[gp] = append(c.wmap[gp], vp)
	}
	vm.stats.Fills++
	return true
}
