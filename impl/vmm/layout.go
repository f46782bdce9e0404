package vmm

import (
	"github.com/vcheck-dev/vcheck/spec"
)

// The host's physical memory, as the VMM lays it out (docs/vmm.md,
// "Host memory"):
//
//	RAMBase ┌──────────────────────────┐
//	        │ boot-ROM copy (16 pages) │ guest-physical 0x0000..0x10000, read/execute only
//	        ├──────────────────────────┤
//	        │ shadow-table pool        │ the VMM's Sv39 tables (physical PMP: read, for the walker)
//	        ├──────────────────────────┤
//	        │ guest RAM window         │ guest-physical RAMBase.. (physical PMP: RWX)
//	        ├──────────────────────────┤
//	        │ guard (16 pages)         │ host memory no one is given (physical PMP: nothing)
//	        └──────────────────────────┘
type layout struct {
	rom      uint64 // host address of guest-physical page 0
	pool     uint64 // host address of the first pool page
	poolN    uint64 // pages in the pool
	window   uint64 // host address of guest-physical RAMBase
	guestRAM uint64
	guard    uint64 // host address of the guard
	hostRAM  uint64 // bytes of host RAM
}

const (
	pageSize   = 4096
	romPages   = (spec.BootROMBase + spec.BootROMSize) / pageSize // guest-physical pages 0..15
	guardPages = 16
)

func newLayout(guestRAM uint64) layout {
	var l layout
	l.rom = spec.RAMBase
	l.pool = l.rom + romPages*pageSize
	// Enough for several full contexts of 4 KiB leaves over all of guest
	// RAM (one leaf table per 2 MiB), plus their upper levels; an
	// exhausted pool flushes every context and starts again.
	l.poolN = 256 + 8*(guestRAM>>21)
	l.window = l.pool + l.poolN*pageSize
	// Align the window to 2 MiB: nothing depends on it, but host
	// addresses then read like guest ones in a debugger.
	l.window = (l.window + 1<<21 - 1) &^ (1<<21 - 1)
	l.guestRAM = guestRAM
	l.guard = l.window + guestRAM
	l.hostRAM = l.guard + guardPages*pageSize - spec.RAMBase
	return l
}

// host returns the host address of guest-physical page gp (RAM or ROM),
// and whether there is one.
func (l *layout) host(gp uint64) (uint64, bool) {
	switch {
	case gp >= spec.RAMBase && gp-spec.RAMBase < l.guestRAM:
		return l.window + (gp - spec.RAMBase), true
	case gp >= spec.BootROMBase && gp < spec.BootROMBase+spec.BootROMSize:
		return l.rom + gp, true
	}
	return 0, false
}

func isROM(gp uint64) bool { return gp >= spec.BootROMBase && gp < spec.BootROMBase+spec.BootROMSize }

// pmp is the physical PMP every physical hart gets: TOR ranges over the
// ROM copy (RX), the pool (R: the walker reads it as S-mode) and the
// window (RWX). Anything else, the guard included, matches no entry, and
// S and U are refused it.
func (l *layout) pmp() (cfg uint64, addr [4]uint64) {
	addr = [4]uint64{spec.RAMBase >> 2, l.pool >> 2, l.window >> 2, l.guard >> 2}
	tor := uint64(spec.PMPTOR)
	cfg = 0 | // entry 0: OFF, the base of entry 1's range
		(tor|spec.PMPR|spec.PMPX)<<8 |
		(tor|spec.PMPR)<<16 |
		(tor|spec.PMPR|spec.PMPW|spec.PMPX)<<24
	return cfg, addr
}
