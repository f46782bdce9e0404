package gdb

import (
	"encoding/binary"

	"github.com/vcheck-dev/vcheck/spec"
)

// Translation, for a debugger's view of memory: which physical address a
// virtual one names, so that a debugger reads only RAM and ROM (device
// registers have side effects on reads) and knows which pages hold page
// tables. It walks Sv39 as Priv. 1.12 §4.3.2 describes, without the
// permission checks an access makes and without setting A or D: a debug
// access must not change the machine.

// dataMode is the mode whose translation a data access uses: MPP when
// M-mode runs with MPRV (Priv. 1.12 §3.1.6.3), else the mode itself.
func dataMode(mode spec.Mode, mstatus uint64) spec.Mode {
	if mode == spec.ModeM && mstatus&spec.MstatusMPRV != 0 {
		return spec.Mode(mstatus >> 11 & 3)
	}
	return mode
}

// bare reports whether accesses in mode are untranslated.
func bare(mode spec.Mode, satp uint64) bool {
	return mode == spec.ModeM || satp>>60 == spec.SatpModeBare
}

// walk translates va under satp with read8 reading physical doublewords
// (spec.WalkSv39).
func walk(va, satp uint64, read8 func(pa uint64) (uint64, bool)) (pa uint64, ptes []uint64, ok bool) {
	return spec.WalkSv39(va, satp, read8)
}

// memoryMap says which physical ranges a debugger may read: RAM and the
// boot ROM, which have no read side effects.
type memoryMap struct{ ramEnd uint64 }

func newMemoryMap(cfg spec.Config) memoryMap {
	return memoryMap{ramEnd: spec.RAMBase + cfg.RAM}
}

// ram reports whether [pa, pa+n) is all RAM.
func (m memoryMap) ram(pa, n uint64) bool {
	return pa >= spec.RAMBase && pa < m.ramEnd && n <= m.ramEnd-pa
}

// readable reports whether [pa, pa+n) is all RAM or all boot ROM.
func (m memoryMap) readable(pa, n uint64) bool {
	rom := pa >= spec.BootROMBase && pa < spec.BootROMBase+spec.BootROMSize && n <= spec.BootROMBase+spec.BootROMSize-pa
	return rom || m.ram(pa, n)
}

func le64(b []byte) uint64 {
	var buf [8]byte
	copy(buf[:], b)
	return binary.LittleEndian.Uint64(buf[:])
}
