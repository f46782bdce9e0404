package diff

import (
	"encoding/binary"

	"github.com/vcheck-dev/vcheck/spec"
)

// MemoryCopy is a copy of a machine's memory that a target watching an
// implementation from outside keeps current from what it sees (the
// program's image, then the stores the implementation reports), to read
// instructions and page tables the interface does not show (diff/rvfi,
// diff/trace). Addresses are physical; bytes never written are absent.
type MemoryCopy struct {
	pages map[uint64]*[4096]byte
}

// NewMemoryCopy returns an empty copy.
func NewMemoryCopy() *MemoryCopy { return &MemoryCopy{pages: map[uint64]*[4096]byte{}} }

// Write stores data at pa.
func (m *MemoryCopy) Write(pa uint64, data []byte) {
	for i, b := range data {
		a := pa + uint64(i)
		p := m.pages[a>>12]
		if p == nil {
			p = new([4096]byte)
			m.pages[a>>12] = p
		}
		p[a&0xfff] = b
	}
}

// Read reads len(buf) bytes at pa, and reports whether all were known.
func (m *MemoryCopy) Read(pa uint64, buf []byte) bool {
	for i := range buf {
		a := pa + uint64(i)
		p := m.pages[a>>12]
		if p == nil {
			return false
		}
		buf[i] = p[a&0xfff]
	}
	return true
}

// Known reports whether the byte at pa was ever written.
func (m *MemoryCopy) Known(pa uint64) bool { return m.pages[pa>>12] != nil }

// Translate maps va for an access in mode under satp, walking Sv39
// through the copy (spec.WalkSv39); M-mode and Bare are untranslated.
func (m *MemoryCopy) Translate(va, satp uint64, mode spec.Mode) (uint64, bool) {
	if mode == spec.ModeM || satp>>60 != spec.SatpModeSv39 {
		return va, true
	}
	pa, _, ok := spec.WalkSv39(va, satp, func(pa uint64) (uint64, bool) {
		var b [8]byte
		if !m.Read(pa, b[:]) {
			return 0, false
		}
		return binary.LittleEndian.Uint64(b[:]), true
	})
	return pa, ok
}

// Fetch reads the instruction at va (a compressed one in the low 16
// bits).
func (m *MemoryCopy) Fetch(va, satp uint64, mode spec.Mode) (uint32, bool) {
	pa, ok := m.Translate(va, satp, mode)
	if !ok {
		return 0, false
	}
	var b [4]byte
	if !m.Read(pa, b[:2]) {
		return 0, false
	}
	w := uint32(binary.LittleEndian.Uint16(b[:2]))
	if w&3 != 3 {
		return w, true
	}
	if !m.Read(pa+2, b[2:]) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[:]), true
}
