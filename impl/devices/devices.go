// Package devices is impl's set of QEMU virt devices: the SiFive CLINT
// (clint.go), the SiFive PLIC (plic.go), the 16550A UART (uart.go), the
// sifive_test finisher (finisher.go) and the riscv-tests HTIF mailbox
// (htif.go). It is written independently of refmodel/devices and serves
// two users: impl/engine, whose Machine owns one Set (the physical
// machine's devices), and the VMM, which owns one Set per virtual machine
// and emulates each guest device access against it.
//
// A device knows nothing of harts or machines. What it needs from outside
// comes in through a small interface or a plain value, and what it gives
// back goes out the same way:
//
//	   the user: engine.Machine (one Set), or a VMM (one Set per VM)
//	       │                 │                   │                    │
//	a device access    instructions        before running:      looking for an
//	(the user's bus    retired:            Set.UntilEvent(n)    interrupt:
//	decoded it)        Set.AfterRetire(n)                       Set.Pending(hart)
//	       │                 │                   │                    │
//	       ▼                 ▼                   ▼                    ▼
//	CLINT.Load/Store   UART.Tick (on a     CLINT.UntilTimer     CLINT.MSIP/MTIP(hart)
//	PLIC.Load/Store    tick, while the     CLINT.UntilTick      PLIC.MEIP/SEIP(hart)
//	UART.Load/Store    UART is Ticking)
//	Finisher.Store ──► spec.Exit: the user halts
//	HTIF.Written   ──► spec.Exit: the user halts; RAM through Memory
//
//	CLINT ──Clock.Retired()──► the user's count: mtime = count/TimebaseDiv + adj
//	UART ──irq(level)──► PLIC.SetLevel(spec.UARTIRQ, level)   (NewSet wires it)
//
// Time: the CLINT's mtime is the user's retired-instruction count (the
// engine's: every hart's instructions; a VM's: its guest instructions)
// divided by TimebaseDiv, plus the adjustment guest writes to mtime made
// (docs/retire.md). A timer tick is the retired instruction after which
// that count is a multiple of TimebaseDiv. The CLINT asks the Clock for
// the count, except in UntilEvent and AfterRetire, which the user calls
// around every run of instructions and hands the count (n) it has at
// hand, so that no call through the interface is on that path. Interrupt
// lines are levels the
// user samples when it looks for an interrupt (Pending), so a device never
// calls into a hart; the one wire between devices, the UART's interrupt
// output into PLIC source 10, is a callback NewSet connects.
//
// Address decode, the access sizes each device accepts, and the splitting
// of misaligned accesses are the bus's, not the devices': the engine's are
// in impl/engine/bus.go. A device's Load and Store take an offset into its
// window and an access the bus has already checked, and never fail.
//
// The devices are not safe for concurrent use. docs/devices.md describes
// the registers and where the devices depart from QEMU 7.2.
package devices

import (
	"io"

	"github.com/vcheck-dev/vcheck/spec"
)

// Clock is where the CLINT's time comes from: Retired is the number of
// instructions retired so far (traps and interrupts do not count).
type Clock interface {
	Retired() uint64
}

// Memory is guest RAM as the HTIF device sees it.
type Memory interface {
	// Bytes returns the n bytes of RAM at physical address pa, as a view
	// the caller only reads, or false when they are not all RAM.
	Bytes(pa, n uint64) ([]byte, bool)
	// Store64 writes the 8-byte little-endian v at pa, which lies in RAM,
	// as the device's own write: coherent with whatever caches the user
	// keeps of RAM, but not reported back to the HTIF.
	Store64(pa, v uint64)
}

// Set is one machine's devices, wired together: the UART's interrupt
// drives PLIC source spec.UARTIRQ. A copy of a Set shares its devices.
type Set struct {
	CLINT    *CLINT
	PLIC     *PLIC
	UART     *UART
	Finisher Finisher
	HTIF     *HTIF
}

// NewSet returns the devices of a machine with harts harts and the time
// base div (spec.Config.TimebaseDiv), at reset. clock gives the retired
// instruction count mtime follows. tohost and fromhost are the HTIF
// mailbox (0: none).
func NewSet(harts int, div uint64, clock Clock, tohost, fromhost uint64) *Set {
	s := &Set{
		CLINT: NewCLINT(harts, div, clock),
		PLIC:  NewPLIC(harts),
		HTIF:  NewHTIF(tohost, fromhost),
	}
	plic := s.PLIC
	s.UART = NewUART(func(level bool) { plic.SetLevel(spec.UARTIRQ, level) })
	return s
}

// SetConsole connects the console: in feeds the UART's receiver (read at
// timer ticks, see UART), out takes what the guest transmits through the
// UART and prints through the HTIF. Either may be nil.
func (s *Set) SetConsole(in io.Reader, out io.Writer) {
	s.UART.SetConsole(in, out)
	s.HTIF.out = out
}

// Pending returns the mip bits the devices drive into hart: MSIP and MTIP
// from the CLINT, MEIP and SEIP from the PLIC's two contexts of the hart.
func (s *Set) Pending(hart int) uint64 {
	var v uint64
	if s.CLINT.MSIP(hart) {
		v |= spec.MipMSIP
	}
	if s.CLINT.MTIP(hart) {
		v |= spec.MipMTIP
	}
	if s.PLIC.MEIP(hart) {
		v |= spec.MipMEIP
	}
	if s.PLIC.SEIP(hart) {
		v |= spec.MipSEIP
	}
	return v
}

// UntilEvent is how many more instructions may retire before a device
// can change an interrupt line by itself: a timer that has not expired
// yet expires, or, while the UART samples its input (UART.Ticking), a
// timer tick comes. A user that runs that many instructions and then
// calls AfterRetire and looks for interrupts takes each at the instruction
// where a user retiring one at a time would. It is at least 1. retired is
// the user's count now, the one its Clock reports: the user calls this
// before every run of instructions and has it at hand.
func (s *Set) UntilEvent(retired uint64) uint64 {
	n := s.CLINT.untilTimer(retired)
	if s.UART.ticking {
		n = min(n, s.CLINT.untilTick(retired))
	}
	return n
}

// AfterRetire is called after instructions retired, with the user's count
// now (as its Clock reports it): if the last one ended on a timer tick,
// the UART's receive line takes that tick. Instructions that passed over
// a tick while the UART was not ticking changed nothing, so a user may
// skip the call (and the count) while UART.Ticking is false.
func (s *Set) AfterRetire(retired uint64) {
	if s.UART.ticking && s.CLINT.onTick(retired) {
		s.UART.Tick()
	}
}
