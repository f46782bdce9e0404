package engine

import (
	"errors"
	"fmt"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// The hypervisor's view, beyond hart.go's (PC, Mode, Reg, ReadCSR, ...,
// RunUntilTrap, Intercept): what M-mode software sees of a hart and of
// physical memory on real hardware, and what a trap-and-emulate VMM
// (impl/vmm) needs to emulate a guest's step exactly.
//
// Two kinds of machine meet here:
//
//   - the physical machine (New), which runs guest code directly in
//     U-mode; the VMM controls it only through architectural state;
//   - an emulator (NewEmulator): the virtual platform of one VM, built
//     from the engine's own parts and never run as a machine. Its harts
//     hold the vCPUs' virtual CSRs, its devices are the VM's devices, its
//     RAM is the guest's RAM (a window of the physical machine's RAM), and
//     Hart.Step on it emulates one guest step exactly as the bare engine
//     takes it. It fetches without a code cache and translates without a
//     TLB, so nothing it holds can go stale when the physical harts write
//     guest memory directly; it reports every write it makes to guest RAM,
//     so the VMM can keep the physical machine and its shadow page tables
//     coherent with it.

// Access is the kind of a memory access, for Probe and PMPDecide.
type Access int

const (
	AccessFetch Access = accFetch
	AccessLoad  Access = accLoad
	AccessStore Access = accStore
)

// NewEmulator builds the emulator of a VM: a machine at reset from cfg
// and img whose RAM is ram (len cfg.RAM, shared with whoever else maps
// it; img's RAM segments are loaded into it). onWrite, when set, is
// called after every write the emulator makes to ram (off, size within
// one page; ad when the write is the Sv39 walk's own A/D update).
func NewEmulator(cfg spec.Config, img *boot.Image, ram []byte, onWrite func(off, size uint64, ad bool)) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if uint64(len(ram)) != cfg.RAM {
		return nil, fmt.Errorf("engine: emulator RAM is %d bytes, config says %d", len(ram), cfg.RAM)
	}
	m, err := newMachine(cfg, img, ram)
	if err != nil {
		return nil, err
	}
	m.emulator = true
	m.jitOn = false
	m.onWrite = onWrite
	return m, nil
}

// CheckImage reports why img cannot be loaded into a machine of m's
// configuration (New's and Reset's refusal), changing nothing: a VMM
// checks a guest image before it resets anything.
func (m *Machine) CheckImage(img *boot.Image) error { return checkImage(m.cfg, img) }

// ResetEmulator is Reset for an emulator: it puts it back in the state
// NewEmulator(cfg, img, ram, onWrite) builds, with its own cfg, ram and
// onWrite. Of ram it zeroes only the pages the emulator itself wrote
// (loading, emulated stores, A/D updates, HTIF); the pages written by
// whoever else maps ram (the VMM's physical harts) are that one's to
// clear, before this is called, since loading img writes ram. The
// console is disconnected. It fails, and changes nothing, on an image
// NewEmulator would refuse, and on a machine that is no emulator.
func (m *Machine) ResetEmulator(img *boot.Image) error {
	if !m.emulator {
		return errors.New("engine: ResetEmulator of a machine that is no emulator (use Reset)")
	}
	if err := checkImage(m.cfg, img); err != nil {
		return err
	}
	m.reset(img)
	return nil
}

// PhysMem returns physical RAM [pa, pa+n) as M-mode sees it, to read and
// write directly. After writing through it, call Invalidate: the harts'
// decoded code and TLBs are kept coherent only by writes they see.
func (m *Machine) PhysMem(pa, n uint64) ([]byte, error) {
	if !m.inRAM(pa, n) {
		return nil, fmt.Errorf("engine: %#x+%d is not RAM", pa, n)
	}
	off := pa - spec.RAMBase
	m.markDirty(off, n) // the caller may write through it
	return m.ram[off : off+n : off+n], nil
}

// Invalidate tells the machine that RAM [pa, pa+n) was written behind
// its back (PhysMem, another machine sharing it): decoded code, TLB
// entries that depend on page tables there, and the HTIF mailbox follow,
// as after a store of the harts.
func (m *Machine) Invalidate(pa, n uint64) {
	m.storer = nil // nobody's own store: it breaks every reservation there
	for n > 0 {
		if !m.inRAM(pa, 1) {
			return
		}
		off := pa - spec.RAMBase
		chunk := min(n, 4096-off&0xfff)
		if f := m.pageFlags[off>>12]; f != 0 {
			m.written(off, chunk, f)
		}
		pa += chunk
		n -= chunk
	}
}

// WriteRAM64 writes the doubleword v at pa (8-byte aligned RAM),
// coherently, as a store of the harts would.
func (m *Machine) WriteRAM64(pa, v uint64) error {
	if pa&7 != 0 || !m.inRAM(pa, 8) {
		return fmt.Errorf("engine: %#x is not an aligned doubleword of RAM", pa)
	}
	m.writePhysRAM(pa-spec.RAMBase, 8, v)
	return nil
}

// GPRs returns x0..x31.
func (h *Hart) GPRs() (x [32]uint64) {
	copy(x[:], h.x[:32])
	x[0] = 0
	return x
}

// SetGPRs sets x1..x31 from x (x[0] is ignored).
func (h *Hart) SetGPRs(x *[32]uint64) {
	copy(h.x[1:32], x[1:])
}

// Reservation is a hart's LR reservation: the address, the value the LR
// read (sign-extended for LR.W) and its size, and, on a machine of several
// harts, the physical address whose doubleword other harts' stores break
// it on (PAValid; a hypervisor moving a reservation between machines
// translates PA to the other machine's physical address).
type Reservation struct {
	Valid   bool
	Addr    uint64
	Val     uint64
	Size    uint8
	PA      uint64
	PAValid bool
}

// Reservation returns the hart's LR reservation. A trap that Intercept
// keeps from the guest leaves it as it was; a delivered trap drops it.
func (h *Hart) Reservation() Reservation {
	return Reservation{Valid: h.resValid, Addr: h.resAddr, Val: h.resVal, Size: h.resSize, PA: h.resPA, PAValid: h.resPAValid}
}

// SetReservation sets the hart's LR reservation.
func (h *Hart) SetReservation(r Reservation) {
	h.resValid, h.resAddr, h.resVal, h.resSize = r.Valid, r.Addr, r.Val, r.Size
	h.resPAValid = false
	if r.Valid && r.PAValid {
		h.watchReservation(r.PA)
	}
}

// DataMode is the privilege data accesses use now: MPP when MPRV is set
// in M-mode, else the mode.
func (h *Hart) DataMode() spec.Mode { return h.dataMode() }

// PendingInterrupt returns the interrupt the hart would take before its
// next instruction, if any (Priv. spec 1.12 §3.1.9 with QEMU 7.2's
// order; Step takes it).
func (h *Hart) PendingInterrupt() (cause uint64, ok bool) { return h.pendingInterrupt() }

// TrapLoop is how many times in a row the hart took the same exception
// without retiring an instruction (Run gives up at 10,000).
func (h *Hart) TrapLoop() int { return h.trapLoop }

// AddRetired counts n instructions that hart h retired elsewhere (on the
// physical machine that runs the VM's code) as retired here: mtime,
// mcycle and minstret advance, and if the last of them ends on a timer
// tick, the UART samples its input there, as after a Step. n must not
// pass a tick while the UART is ticking (UntilEvent bounds it).
func (m *Machine) AddRetired(h *Hart, n uint64) {
	if n == 0 {
		return
	}
	before := h.count
	h.count += n
	m.afterRetire(h, before)
}

// UntilEvent is how many more instructions, retired over all harts, can
// run before something outside the harts may change: a timer reaching
// its mtimecmp, or (while the UART takes input or may time out) the next
// timer tick. At least 1.
func (m *Machine) UntilEvent() uint64 { return m.dev.UntilEvent(m.Retired()) }

// Probe translates va for an access of kind in mode as the hart would
// now (Sv39 walk when it applies, PTE checks, PMP of the PTE reads), but
// without side effects: an access that would have to set A or D in the
// leaf PTE fails. ptes lists the physical addresses of the PTEs the walk
// read (appended to ptes[:0]; the translation depends on nothing else).
// The data access itself is not PMP-checked (PMPDecide).
func (h *Hart) Probe(va uint64, kind Access, mode spec.Mode, ptes []uint64) (pa uint64, ok bool, read []uint64) {
	pa, ok = h.walk(va, int(kind), mode, false)
	h.excValid = false
	return pa, ok, append(ptes[:0], h.walkPTEs[:h.walkN]...)
}

// PMPDecide checks [pa, pa+size) against the hart's PMP for an access of
// kind in mode: whether it is allowed, and whether one rule (or the
// default) decides all of it.
func (h *Hart) PMPDecide(pa, size uint64, kind Access, mode spec.Mode) (allowed, uniform bool) {
	return h.pmpDecide(pa, size, int(kind), mode)
}

// wordEntry is one decoded instruction word of decodeWord's cache.
type wordEntry struct {
	word  uint32
	valid bool
	d     inst
}

// decodeWord is decode through a small direct-mapped cache keyed by the
// instruction word: decoding is a function of the word alone, so the
// cache can never be stale. It serves the uncached fetches (fetchOne):
// every fetch of an emulator, and the boot ROM, page-crossing
// instructions and PMP-split pages of a machine.
func (m *Machine) decodeWord(word uint32) inst {
	if m.words == nil {
		m.words = new([256]wordEntry)
	}
	e := &m.words[(word^word>>7^word>>15)&255]
	if !e.valid || e.word != word {
		*e = wordEntry{word: word, valid: true, d: decode(word)}
	}
	return e.d
}

// fetchedInsn is an instruction an emulator hart takes as fetched: the
// word at pc, in mode.
type fetchedInsn struct {
	valid bool
	pc    uint64
	mode  spec.Mode
	word  uint32
}

// StepFetched is Step (record) or RunUntilTrap(1) (no record) of an
// emulator hart whose next instruction has already been fetched
// elsewhere: word is the instruction at its pc (a compressed one in the
// low 16 bits), as a physical hart that trapped on it read it. The hart
// uses it instead of fetching, so it must be what the hart's own fetch
// would return, with no side effect of that fetch left out (the VMM
// passes it only for instructions its shadow let the physical hart fetch:
// those fetches need no A bit and pass PMP). An interrupt taken first
// makes it moot.
func (h *Hart) StepFetched(word uint32, record bool) (spec.Retire, spec.Trap) {
	h.fetched = fetchedInsn{valid: true, pc: h.pc, mode: h.mode, word: word}
	defer func() { h.fetched.valid = false }()
	if record {
		r := h.Step()
		return r, r.Trap
	}
	t, _ := h.RunUntilTrap(1)
	return spec.Retire{}, t
}

// CounterEnables returns mcounteren and scounteren.
func (h *Hart) CounterEnables() (m, s uint64) { return h.mcounteren, h.scounteren }

// Mtime returns the CLINT's mtime.
func (m *Machine) Mtime() uint64 { return m.dev.CLINT.Mtime() }

// SetMtime writes the CLINT's mtime, as M-mode software's 8-byte store to
// the register would (the position inside the current tick is kept).
func (m *Machine) SetMtime(v uint64) { m.dev.CLINT.Store(spec.CLINTMtime, 8, v) }

// TriggersArmed reports whether some debug trigger of the hart can fire
// (on execute, load or store, in some mode).
func (h *Hart) TriggersArmed() bool { return h.trig.exec || h.trig.data }
