package engine

import (
	"errors"
	"math/bits"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Reset puts the machine back in the state New(cfg, img) builds, cfg
// being the machine's own, without allocating it again: a fuzz campaign
// runs thousands of short programs, and building a machine (zeroed RAM,
// code pages, executable memory) cost more than running one.
//
// It restores only what can have changed: the RAM pages a write may have
// reached (Machine.dirty: loading, stores, store-TLB fills, the walk's
// A/D updates, the HTIF device), the boot ROM, the page flags, the code
// cache (its pages are cleared and kept for reuse), the compiled code
// (its executable memory is reused from the start), the devices and the
// harts (every field, TLBs included, as New leaves them). What the
// machine was set to after New stays: SetJIT's choice. The console is
// disconnected, as on a new machine. It fails, and changes nothing, on
// an image New would refuse, and on an emulator (NewEmulator), whose RAM
// belongs to its VMM.
//
// fuzz's campaigns use it (docs/testing.md, "Reusing machines");
// TestResetIsFresh proves a reset machine retires record for record what
// a new one does.
func (m *Machine) Reset(img *boot.Image) error {
	if m.emulator {
		return errors.New("engine: an emulator's machine cannot be reset (its RAM is the VMM's): its VMM uses ResetEmulator")
	}
	if err := checkImage(m.cfg, img); err != nil {
		return err
	}
	m.reset(img)
	return nil
}

// reset is Reset of a checked image, on a machine or an emulator
// (ResetEmulator): an emulator keeps its onWrite.
func (m *Machine) reset(img *boot.Image) {
	for w, set := range m.dirty {
		for set != 0 {
			b := set & -set
			set &^= b
			p := uint64(w)<<6 + uint64(bits.TrailingZeros64(b))
			clear(m.ram[p<<12 : (p+1)<<12])
		}
		m.dirty[w] = 0
	}
	clear(m.rom)
	clear(m.pageFlags)
	m.ptPages = m.ptPages[:0]
	m.directStores = false
	for i, cp := range m.codePages {
		if cp != nil {
			m.spare = append(m.spare, cp)
			m.codePages[i] = nil
		}
	}
	m.codeEpoch = 0
	m.next, m.storer, m.exit, m.halted = 0, nil, spec.Exit{}, false
	if !m.emulator {
		m.onWrite = nil
	}
	m.words = nil
	m.jitMem.reuse()
	for i, h := range m.Harts {
		scratch := h.scratch
		*h = Hart{m: m, id: i}
		if scratch != nil {
			*scratch = codePage{scratch: true}
			h.scratch = scratch
		}
	}
	m.load(img)
}

// newCodePage returns an empty code page for the RAM page at ramOff, one
// Reset kept when there is one.
func (m *Machine) newCodePage(ramOff uint64) *codePage {
	n := len(m.spare)
	if n == 0 {
		return newCodePage(ramOff)
	}
	cp := m.spare[n-1]
	m.spare = m.spare[:n-1]
	clear(cp.live) // the blocks of the last program, unreachable now
	live := cp.live[:0]
	*cp = codePage{ramOff: ramOff, live: live}
	return cp
}

// markDirty notes that RAM bytes [off, off+size) may be written, for
// Reset.
func (m *Machine) markDirty(off, size uint64) {
	if size == 0 {
		return
	}
	for p := off >> 12; p <= (off+size-1)>>12; p++ {
		m.dirty[p>>6] |= 1 << (p & 63)
	}
}
