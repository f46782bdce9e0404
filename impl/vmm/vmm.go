// Package vmm is a trap-and-emulate virtual machine monitor for rv64pg,
// after Popek and Goldberg: it runs an unmodified guest in physical U-mode
// on impl/engine (the "hardware"), so that the guest behaves exactly as on
// the bare machine (equivalence), touches nothing it was not given
// (resource control), and runs every innocuous instruction directly
// (efficiency).
//
//	New(cfg, img) ─► VM ─ host: engine.Machine (RAM: ROM copy, shadow pool, guest window, guard)
//	                   │         Harts[i]: physical, U-mode, satp = shadow context, Intercept = exit
//	                   ├─ emu:  engine emulator (NewEmulator): virtual CSRs, the VM's devices,
//	                   │         guest RAM = the window; Harts[i].Step emulates one guest step
//	                   └─ vcpus[i]: physical hart + virtual hart + shadow contexts
//
// A VM is a diff.Target and a cmd/vcheck machine: Step returns one
// guest-visible retire record per guest step (VM exits the guest cannot
// see produce none), Run runs without records, and State, Exit, Retired,
// SetConsole are the guest's. docs/vmm.md describes the design.
package vmm

import (
	"fmt"
	"io"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// VM is one virtual machine: its vCPUs, its memory window in the host,
// its devices.
type VM struct {
	cfg   spec.Config // the guest's
	lay   layout
	host  *engine.Machine
	emu   *engine.Machine
	pool  *pool
	vcpus []*vcpu
	next  int // the vCPU the next Step runs (round-robin)

	// Guest page tables: for each PTE address a present Sv39 shadow leaf
	// was derived from, the leaves (refs); for each page holding such
	// PTEs, how many (leaf, PTE) dependencies it holds (tracked). Tracked
	// pages are mapped read-only everywhere, and a write to one drops the
	// leaves that read the PTEs it wrote.
	refs    map[uint64][]leafRef
	tracked map[uint64]int
	htif    uint64 // the guest-physical page of tohost (0: none): never mapped writable

	exit     spec.Exit // a stop the VMM decided (trap loop, release); else the emulator's
	released bool
	stats    Stats
	ev       *events // the event log, or nil
}

// New builds a VM at reset for the guest configuration cfg and its boot
// image: the host machine is sized by the VMM (guest RAM plus its own
// area). An image that does not fit the VM is an error.
func New(cfg spec.Config, img *boot.Image) (*VM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, fmt.Errorf("vmm: no boot image")
	}
	vm := &VM{cfg: cfg, lay: newLayout(cfg.RAM), refs: map[uint64][]leafRef{}, tracked: map[uint64]int{}}
	if vm.lay.hostRAM > spec.MaxRAM {
		return nil, fmt.Errorf("vmm: a guest of %d bytes of RAM needs %d bytes of host RAM, more than the %d the memory map allows",
			cfg.RAM, vm.lay.hostRAM, uint64(spec.MaxRAM))
	}
	hostCfg := spec.Config{RAM: vm.lay.hostRAM, Harts: cfg.Harts, TimebaseDiv: cfg.TimebaseDiv, ResetPC: spec.RAMBase, Variant: cfg.Variant}
	host, err := engine.New(hostCfg, hostImage)
	if err != nil {
		return nil, fmt.Errorf("vmm: host machine: %w", err)
	}
	vm.host = host
	window := vm.physMem(vm.lay.window, cfg.RAM)
	emu, err := engine.NewEmulator(cfg, img, window, vm.guestWrote)
	if err != nil {
		return nil, fmt.Errorf("vmm: the guest image does not fit the VM: %w", err)
	}
	vm.emu = emu
	vm.boot(img)
	return vm, nil
}

// hostImage is the host machine's boot image: nothing, the harts at
// RAMBase (the VMM sets them up before they run).
var hostImage = &boot.Image{ResetPC: spec.RAMBase}

// boot sets up what New and Reset build on a host machine and an
// emulator at reset, with img loaded in the emulator: the boot-ROM copy
// and the guard in host RAM, the shadow pool, and the vCPUs, each
// physical hart in U-mode behind the VMM's PMP, in its first shadow
// context.
func (vm *VM) boot(img *boot.Image) {
	host := vm.host
	if img.ToHost != 0 {
		vm.htif = img.ToHost &^ (pageSize - 1)
	}
	// The boot ROM: a read-only, executable copy in host RAM.
	rom := vm.physMem(vm.lay.rom, romPages*pageSize)
	for _, s := range img.Segments {
		if s.Addr >= spec.BootROMBase && s.Addr < spec.BootROMBase+spec.BootROMSize {
			copy(rom[s.Addr:], s.Data)
		}
	}
	host.Invalidate(vm.lay.rom, romPages*pageSize)
	guard := vm.physMem(vm.lay.guard, guardPages*pageSize)
	guard[0] = guardByte
	for n := 1; n < len(guard); n *= 2 { // memmove, not a byte loop: New and Reset pay for it
		copy(guard[n:], guard[:n])
	}
	if vm.pool == nil {
		vm.pool = newPool(host, vm.lay.pool, vm.lay.poolN)
	}
	pmpCfg, pmpAddr := vm.lay.pmp()
	for i, h := range host.Harts {
		v := &vcpu{id: i, vm: vm, ph: h, eh: vm.emu.Harts[i], ctxs: map[ctxKey]*context{}}
		h.Intercept = func(*engine.Hart, spec.Trap) bool { return true } // every trap is a VM exit
		for j, a := range pmpAddr {
			h.WriteCSR(spec.CSRPmpaddr0+uint16(j), a)
		}
		h.WriteCSR(spec.CSRPmpcfg0, pmpCfg)
		for _, c := range []uint16{spec.CSRMedeleg, spec.CSRMideleg, spec.CSRMie, spec.CSRMcounteren, spec.CSRScounteren} {
			h.WriteCSR(c, 0)
		}
		h.SetMode(spec.ModeU)
		h.SetPC(v.eh.PC())
		vm.vcpus = append(vm.vcpus, v)
	}
	for _, v := range vm.vcpus {
		v.sync()
	}
}

// physMem is the host's PhysMem of a range of the VMM's layout, which is
// always host RAM.
func (vm *VM) physMem(pa, n uint64) []byte {
	b, err := vm.host.PhysMem(pa, n)
	if err != nil {
		panic("vmm: layout outside host RAM: " + err.Error()) // a VMM bug, never the guest's doing
	}
	return b
}

// Reset puts the VM back in the state New(cfg, img) builds, cfg being
// the VM's own, without building it again: fuzz campaigns run thousands
// of short guests, and building a VM (a host machine of guest RAM plus
// the VMM's area, an emulator, the shadow pool) cost more than running
// one (fuzz.Resetter; docs/vmm.md, "Reset").
//
// The host machine is reset by the engine (Machine.Reset: the host RAM
// its harts, the ROM copy, the pool and the guard wrote is zeroed), then
// the emulator (Machine.ResetEmulator: the guest RAM it wrote is zeroed
// and img loaded); the VMM's own state goes back to New's: every shadow
// context is dropped and its tables returned to the pool (their mirrors
// kept for reuse), the page-table tracking, the vCPUs (virtual CSRs are
// the emulator's, physical PMP, counter enables, satp and mode are set up
// again as New does), the round-robin, the stop, Release, and the
// statistics. What was set after New goes: the console is disconnected
// (as on the engine) and the event log (NewWithEvents) too, since a reset
// VM is a new VM, not the one the log's model was told of. It fails, and
// changes nothing, on an image New would refuse; the VM is then still
// usable for the program it ran, but a campaign does not reuse it.
func (vm *VM) Reset(img *boot.Image) error {
	if img == nil {
		return fmt.Errorf("vmm: no boot image")
	}
	if err := vm.emu.CheckImage(img); err != nil {
		return fmt.Errorf("vmm: the guest image does not fit the VM: %w", err)
	}
	if err := vm.host.Reset(hostImage); err != nil {
		return fmt.Errorf("vmm: host machine: %w", err) // the host's image never changes: a VMM bug
	}
	if err := vm.emu.ResetEmulator(img); err != nil {
		return fmt.Errorf("vmm: the guest image does not fit the VM: %w", err)
	}
	for _, v := range vm.vcpus {
		for _, c := range v.ctxs {
			vm.pool.recycle(c.root)
			c.dead = true
		}
	}
	vm.pool.reset()
	vm.vcpus = vm.vcpus[:0]
	vm.next = 0
	clear(vm.refs)
	clear(vm.tracked)
	vm.htif = 0
	vm.exit, vm.released = spec.Exit{}, false
	vm.stats = Stats{}
	vm.ev = nil
	vm.boot(img)
	return nil
}

// Config returns the guest's configuration.
func (vm *VM) Config() spec.Config { return vm.cfg }

// SetConsole connects the VM's UART (and HTIF console): as the engine's
// Machine.SetConsole.
func (vm *VM) SetConsole(in io.Reader, out io.Writer) { vm.emu.SetConsole(in, out) }

// Exit reports how the VM stopped, or Reason Running.
func (vm *VM) Exit() spec.Exit {
	if vm.exit.Reason != spec.Running {
		return vm.exit
	}
	return vm.emu.Exit()
}

// Retired is the number of guest instructions retired, over all vCPUs
// (directly executed and emulated).
func (vm *VM) Retired() uint64 { return vm.emu.Retired() }

func (vm *VM) halted() bool { return vm.Exit().Reason != spec.Running }

// Step runs one guest step of the next vCPU (round-robin) and returns its
// record: the bare machine's record of that step.
func (vm *VM) Step() spec.Retire {
	v := vm.vcpus[vm.next]
	vm.next++
	if vm.next == len(vm.vcpus) {
		vm.next = 0
	}
	return v.step()
}

// Run runs up to limit guest steps without records and returns how the
// VM stopped, with the stop reasons of docs/retire.md: the instruction
// limit when limit steps ran and the guest did not stop (it is not
// halted: Run may go on), the trap loop as the bare engine's Run finds
// it. It follows the trace Step would.
func (vm *VM) Run(limit uint64) spec.Exit {
	left := limit
	if len(vm.vcpus) > 1 {
		for ; left > 0 && !vm.halted(); left-- {
			v := vm.vcpus[vm.next]
			vm.next++
			if vm.next == len(vm.vcpus) {
				vm.next = 0
			}
			v.run(1)
			vm.checkTrapLoop(v)
		}
	} else {
		v := vm.vcpus[0]
		for left > 0 && !vm.halted() {
			left -= v.run(left)
			vm.checkTrapLoop(v)
		}
	}
	if !vm.halted() {
		return spec.Exit{Reason: spec.HaltLimit, Code: -1,
			Detail: fmt.Sprintf("instruction limit reached after %d steps (%d retired)", limit, vm.Retired())}
	}
	return vm.Exit()
}

// checkTrapLoop stops the VM when v's guest took the same exception
// spec.TrapLoopLimit times in a row without retiring (e.g. its mtvec
// points at unmapped memory), in the bare engine's words.
func (vm *VM) checkTrapLoop(v *vcpu) {
	if n := v.eh.TrapLoop(); n >= spec.TrapLoopLimit && vm.exit.Reason == spec.Running && vm.emu.Exit().Reason == spec.Running {
		t := v.lastTrap
		vm.exit = spec.Exit{Reason: spec.HaltTrapLoop, Code: -1, Detail: fmt.Sprintf("trap loop: hart %d took %d traps in a row at pc %#x without retiring (%s, tval %#x)",
			v.id, n, v.ph.PC(), spec.CauseName(t.Interrupt, t.Cause), t.Tval)}
	}
}

// State returns the guest's architectural state of one vCPU: pc, virtual
// mode, registers and every CSR of spec.CSRs as a virtual M-mode read
// returns it. For a hart the VM does not have it returns Hart = -1.
func (vm *VM) State(hart int) spec.ArchState {
	if hart < 0 || hart >= len(vm.vcpus) {
		return spec.ArchState{Hart: -1}
	}
	vm.vcpus[hart].toVirtual()
	return vm.emu.State(hart)
}

// guestWrote hears of every write the emulator made to guest RAM (off:
// offset in guest RAM): the physical machine's decoded code follows, and
// a write to a tracked page-table page drops the shadow leaves derived
// from the PTEs it wrote. The walk's own A/D updates (ad) only ever allow
// more, so they keep the shadows.
func (vm *VM) guestWrote(off, size uint64, ad bool) {
	vm.host.Invalidate(vm.lay.window+off, size)
	gpa := spec.RAMBase + off
	if ad || vm.tracked[gpa&^(pageSize-1)] == 0 || mutantKeepsShadows(vm) {
		return
	}
	vm.stats.PTWrites++
	for a := gpa &^ 7; a < gpa+size; a += 8 {
		for _, r := range append([]leafRef(nil), vm.refs[a]...) {
			r.c.drop(vm, r.va)
		}
	}
}

// flushAll releases every context of every vCPU (the pool ran out).
func (vm *VM) flushAll() {
	vm.stats.Flushes++
	for _, v := range vm.vcpus {
		v.release(func(*context) bool { return true })
	}
}

// depend records that leaf va of c was derived from the PTEs p: their
// pages become tracked (write-protected everywhere) if they were not.
func (vm *VM) depend(c *context, va uint64, p ptes) {
	if p.n == 0 {
		return
	}
	c.deps[va] = p
	for _, a := range p.a[:p.n] {
		vm.refs[a] = append(vm.refs[a], leafRef{c, va})
		page := a &^ (pageSize - 1)
		if vm.tracked[page]++; vm.tracked[page] == 1 {
			vm.protect(page)
		}
	}
}

// undepend forgets the PTEs leaf va of c was derived from; a page no
// leaf depends on any more is no longer tracked (its read-only mappings
// heal on their next store: it exits, and the fill maps it writable).
func (vm *VM) undepend(c *context, va uint64) {
	p, ok := c.deps[va]
	if !ok {
		return
	}
	delete(c.deps, va)
	for _, a := range p.a[:p.n] {
		list := vm.refs[a]
		for i, r := range list {
			if r.c == c && r.va == va {
				list[i] = list[len(list)-1]
				list = list[:len(list)-1]
				break
			}
		}
		if len(list) == 0 {
			delete(vm.refs, a)
		} else {
			vm.refs[a] = list
		}
		page := a &^ (pageSize - 1)
		if vm.tracked[page]--; vm.tracked[page] <= 0 {
			delete(vm.tracked, page)
		}
	}
}

// drop clears leaf va of c (the PTEs it came from changed).
func (c *context) drop(vm *VM, va uint64) {
	if t, i := c.find(va); t != nil {
		vm.pool.set(t, i, 0)
	}
	vm.undepend(c, va)
	vm.stats.Dropped++
}

// protect write-protects guest-physical page gp, which just became a
// tracked page table: every writable shadow mapping of it, in every
// context, loses W.
func (vm *VM) protect(gp uint64) {
	hp, ok := vm.lay.host(gp)
	if !ok {
		return
	}
	for _, v := range vm.vcpus {
		for _, c := range v.ctxs {
			for _, va := range c.wmap[gp] {
				if t, i := c.find(va); t != nil && t.e[i]&pteW != 0 && t.e[i]>>10<<12 == hp {
					vm.pool.set(t, i, t.e[i]&^pteW)
				}
			}
			delete(c.wmap, gp)
		}
	}
}

// ReadRAM copies guest-physical RAM at pa into buf. It fails when the
// range is not all guest RAM.
func (vm *VM) ReadRAM(pa uint64, buf []byte) error { return vm.emu.ReadRAM(pa, buf) }
