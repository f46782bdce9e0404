// Package refmodel is the reference model of rv64pg: a bare machine
// written for clarity, not speed (docs/architecture.md).
//
//	Machine ── harts[0..n)   one Hart per hart, stepped round-robin
//	   │
//	   └── Bus ── boot ROM   0x1000      (read-only; QEMU ignores writes)
//	           ├─ devices    finisher 0x100000, CLINT 0x2000000,
//	           │             PLIC 0xc000000, UART 0x10000000, HTIF tohost
//	           └─ RAM        0x80000000  (a sparse map of 4 KiB pages)
//
// A Hart fetches, decodes by a linear scan of spec.Insts (decode.go),
// and runs one Go method per instruction, named after its mnemonic
// (rv64i.go, m.go, a.go, c.go, zicsr.go, priv.go). Addresses go through
// Sv39 (sv39.go) and PMP (pmp.go); traps and interrupts are in trap.go.
package refmodel

import (
	"errors"
	"fmt"
	"io"

	"github.com/vcheck-dev/vcheck/refmodel/devices"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Machine is the rv64pg bare machine: harts, memory and devices.
type Machine struct {
	cfg     spec.Config
	img     *boot.Image
	bus     *Bus
	harts   []*Hart
	next    int    // the hart the next Step runs (round-robin)
	retired uint64 // instructions retired over all harts
	exit    spec.Exit
	loops   []trapRun   // per hart: the exceptions in a row its last steps took
	rec     spec.Retire // the record Step fills

	tickers []devices.Ticker
	timers  []devices.TimerTicker // ticked where mtime advances
	irqs    []devices.InterruptSource
}

// Halter is implemented by the devices that stop the machine (the
// sifive_test finisher and HTIF): after a store to one of them the
// machine asks whether it should stop.
type Halter interface {
	Halted() (spec.Exit, bool)
}

// New builds a machine for cfg and loads img into it. Every hart starts
// at img.ResetPC in M-mode with its registers zero; the boot ROM at
// 0x1000 sets a0 = hartid and a1 = the device tree, as QEMU's does.
func New(cfg spec.Config, img *boot.Image) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, errors.New("refmodel: no boot image")
	}
	m := &Machine{cfg: cfg, img: img, bus: newBus(cfg)}
	if err := m.load(nil); err != nil {
		return nil, err
	}
	return m, nil
}

// load puts m.img into a machine whose bus is empty (as newBus leaves
// it) and builds the devices and the harts. old, when not nil, are the
// harts of the program before a Reset, to reuse (newHart).
func (m *Machine) load(old []*Hart) error {
	for _, s := range m.img.Segments {
		if err := m.bus.loadSegment(s.Addr, s.Data, s.MemSize); err != nil {
			return fmt.Errorf("refmodel: %w", err)
		}
	}
	m.attachDevices(nil, io.Discard)
	for i := 0; i < m.cfg.Harts; i++ {
		var h *Hart
		if i < len(old) {
			h = old[i]
		}
		m.harts = append(m.harts, newHart(m, i, m.img.ResetPC, h))
	}
	m.loops = make([]trapRun, m.cfg.Harts)
	return nil
}

// Reset returns the machine to the state New builds from its own cfg and
// img, for a caller that runs many programs one after the other (fuzz's
// campaigns): it is New again, except that the RAM pages written so far
// are zeroed and kept for the next writes, and the harts are zeroed and
// reused, each with its decode cache (a word always decodes the same way:
// the cache holds no state of the program), instead of allocating them
// anew. The console is
// disconnected, as on a new machine. On an image New would refuse it
// returns New's error, and the machine must not be used until a Reset
// succeeds.
func (m *Machine) Reset(img *boot.Image) error {
	if img == nil {
		return errors.New("refmodel: no boot image")
	}
	harts := m.harts
	m.bus.reset()
	*m = Machine{cfg: m.cfg, img: img, bus: m.bus}
	return m.load(harts)
}

// AddDevice maps d on the bus, ahead of RAM (so HTIF's tohost, which lies
// in RAM, is seen by its device). Tickers, timer tickers and interrupt
// sources are wired too. It replaces a device of the same name.
func (m *Machine) AddDevice(d devices.Device) {
	m.bus.addDevice(d)
	m.tickers = m.tickers[:0]
	m.timers = m.timers[:0]
	m.irqs = m.irqs[:0]
	for _, d := range m.bus.devices {
		if t, ok := d.(devices.Ticker); ok {
			m.tickers = append(m.tickers, t)
		}
		if t, ok := d.(devices.TimerTicker); ok {
			m.timers = append(m.timers, t)
		}
		if s, ok := d.(devices.InterruptSource); ok {
			m.irqs = append(m.irqs, s)
		}
	}
}

// Config returns the machine's configuration.
func (m *Machine) Config() spec.Config { return m.cfg }

// Harts returns the number of harts.
func (m *Machine) Harts() int { return len(m.harts) }

// Step runs one step of the next hart, round-robin, and returns its
// record. After the machine has stopped it returns a zero record.
func (m *Machine) Step() spec.Retire {
	if m.exit.Reason != spec.Running {
		return spec.Retire{}
	}
	i := m.next
	m.next = (m.next + 1) % len(m.harts)
	r := &m.rec // the hart keeps a pointer to it while it steps: on the heap once, not per step
	*r = spec.Retire{}
	m.harts[i].step(r)
	m.loops[i].note(r)
	return *r
}

// Run runs up to limit steps and returns how the machine stopped, by the
// rules of docs/retire.md ("Stop reasons"): when the limit runs out first
// the reason is HaltLimit, code -1, and Exit() still reports Running (Step
// or Run may go on); when a hart takes the same exception
// spec.TrapLoopLimit times in a row without retiring, the machine stops
// with HaltTrapLoop, code -1.
func (m *Machine) Run(limit uint64) spec.Exit {
	var r spec.Retire
	for n := uint64(0); n < limit && m.exit.Reason == spec.Running; n++ {
		i := m.next
		m.next = (m.next + 1) % len(m.harts)
		r = spec.Retire{}
		m.harts[i].step(&r)
		if l := &m.loops[i]; l.note(&r) >= spec.TrapLoopLimit {
			m.halt(spec.Exit{Reason: spec.HaltTrapLoop, Code: -1,
				Detail: fmt.Sprintf("trap loop: hart %d took %d traps in a row at pc %#x without retiring (%s, tval %#x)",
					i, l.n, r.PC, spec.CauseName(false, r.Trap.Cause), r.Trap.Tval)})
		}
	}
	if m.exit.Reason == spec.Running {
		return spec.Exit{Reason: spec.HaltLimit, Code: -1,
			Detail: fmt.Sprintf("instruction limit reached after %d steps (%d retired)", limit, m.retired)}
	}
	return m.exit
}

// trapRun is a run of identical exceptions one hart took in a row.
type trapRun struct {
	trap spec.Trap
	n    int
}

// note adds a hart's step to its run and returns the run's length: a
// retired instruction or an interrupt ends the run, an exception equal to
// the last one (cause, tval, target) lengthens it, another one starts a
// new run.
func (l *trapRun) note(r *spec.Retire) int {
	switch {
	case !r.Trap.Valid || r.Trap.Interrupt:
		l.n = 0
	case l.n > 0 && r.Trap == l.trap:
		l.n++
	default:
		l.trap, l.n = r.Trap, 1
	}
	return l.n
}

// Exit reports how the machine stopped, or Running.
func (m *Machine) Exit() spec.Exit { return m.exit }

// Retired is the number of instructions retired over all harts.
func (m *Machine) Retired() uint64 { return m.retired }

// SetConsole connects the UART to in and out.
func (m *Machine) SetConsole(in io.Reader, out io.Writer) { m.attachDevices(in, out) }

// State returns hart's architectural state; CSRs holds every CSR of
// spec.CSRs as an M-mode read returns it. A hart the machine does not
// have gives a state with no CSRs.
func (m *Machine) State(hart int) spec.ArchState {
	if hart < 0 || hart >= len(m.harts) {
		return spec.ArchState{Hart: -1} // no such hart (the diff.Target contract)
	}
	h := m.harts[hart]
	s := spec.ArchState{Hart: hart, PC: h.pc, Mode: h.mode, X: h.x, CSRs: map[uint16]uint64{}}
	for _, c := range spec.CSRs {
		s.CSRs[c.Addr] = h.csrRead(c.Addr)
	}
	return s
}

// ReadPhys reads size bytes of physical memory (RAM, ROM or a device) at
// addr, for tests and tools.
func (m *Machine) ReadPhys(addr uint64, size int) (uint64, bool) { return m.bus.load(addr, size) }

// RAMPages calls visit for every RAM page that was ever written, with its
// physical address (a page never written reads as zeros), for tools that
// compare memory (diff's run mode). visit must not keep page.
func (m *Machine) RAMPages(visit func(pa uint64, page []byte)) {
	for n, p := range m.bus.ram {
		visit(n*pageSize, p[:])
	}
}

// retire counts one retired instruction and advances time: every Ticker
// ticks, and when the count reaches a multiple of TimebaseDiv (mtime
// advances: mtime = retired / TimebaseDiv) every TimerTicker ticks too.
func (m *Machine) retire() {
	m.retired++
	for _, t := range m.tickers {
		t.Tick()
	}
	if m.retired%m.cfg.TimebaseDiv == 0 {
		for _, t := range m.timers {
			t.TimerTick()
		}
	}
}

// halt stops the machine.
func (m *Machine) halt(e spec.Exit) {
	if m.exit.Reason == spec.Running {
		m.exit = e
	}
}

// checkHalt asks the halting devices whether the last store stopped the machine.
func (m *Machine) checkHalt(d devices.Device) {
	if h, ok := d.(Halter); ok {
		if e, stop := h.Halted(); stop {
			m.halt(e)
		}
	}
}

// pendingLines returns the interrupt lines the devices drive into hart.
func (m *Machine) pendingLines(hart int) uint64 {
	var p uint64
	for _, s := range m.irqs {
		p |= s.Pending(hart)
	}
	return p
}
