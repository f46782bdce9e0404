package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// accessType is the kind of a memory access; it selects the fault causes
// and the permissions checked (Priv. spec 1.12 §4.3.2, §3.7.1).
type accessType uint8

const (
	accessFetch accessType = iota
	accessLoad
	accessStore // stores and AMOs
)

func (a accessType) pageFault() uint64 {
	return [...]uint64{spec.CauseFetchPageFault, spec.CauseLoadPageFault, spec.CauseStorePageFault}[a]
}

func (a accessType) accessFault() uint64 {
	return [...]uint64{spec.CauseFetchAccess, spec.CauseLoadAccess, spec.CauseStoreAccess}[a]
}

// piece is a physically contiguous part of an access.
type piece struct {
	va, pa uint64
	size   int
}

// resolve translates [va, va+size) and checks PMP with permissions perm
// (PMP R/W/X bits). An access that crosses a page is split in two, and
// each page is translated on its own: as in QEMU 7.2's unaligned slow
// path, a fault on the second page reports that page's first address.
func (h *Hart) resolve(va uint64, size int, acc accessType, perm uint8) ([2]piece, int, *exception) {
	var ps [2]piece
	n := 1
	first := size
	if off := va % pageSize; off+uint64(size) > pageSize {
		first = int(pageSize - off)
		n = 2
	}
	ps[0] = piece{va: va, size: first}
	if n == 2 {
		ps[1] = piece{va: va + uint64(first), size: size - first}
	}
	mode := h.effectiveMode(acc)
	for i := 0; i < n; i++ {
		pa, exc := h.translate(ps[i].va, acc, mode)
		if exc != nil {
			return ps, 0, exc
		}
		if !h.pmpAllows(pa, uint64(ps[i].size), perm, mode) {
			return ps, 0, raise(acc.accessFault(), ps[i].va)
		}
		ps[i].pa = pa
	}
	return ps, n, nil
}

// effectiveMode is the privilege that translates and checks an access:
// with mstatus.MPRV set, M-mode loads and stores use mstatus.MPP (Priv.
// spec 1.12 §3.1.6.3). Fetches always use the current mode.
func (h *Hart) effectiveMode(acc accessType) spec.Mode {
	ms := h.csr[spec.CSRMstatus]
	if acc != accessFetch && h.mode == spec.ModeM && ms&spec.MstatusMPRV != 0 {
		return spec.Mode(ms & spec.MstatusMPP >> 11)
	}
	return h.mode
}

// readMem reads size bytes at virtual address va. Misaligned loads and
// stores complete without a trap, as in QEMU 7.2 (Unpriv. §2.6 allows it).
func (h *Hart) readMem(va uint64, size int, acc accessType, perm uint8) (uint64, *exception) {
	ps, n, exc := h.resolve(va, size, acc, perm)
	if exc != nil {
		return 0, exc
	}
	if n == 2 && !(h.m.bus.inRAM(ps[0].pa, uint64(ps[0].size)) && h.m.bus.inRAM(ps[1].pa, uint64(ps[1].size))) {
		return h.readCrossingDevice(va, size, ps, acc)
	}
	var v uint64
	shift := 0
	for i := 0; i < n; i++ {
		part, failAt, ok := h.m.bus.loadPiece(ps[i].pa, ps[i].size)
		if !ok {
			return 0, raise(acc.accessFault(), ps[i].va+failAt-ps[i].pa)
		}
		v |= part << shift
		shift += 8 * ps[i].size
	}
	return v, nil
}

// readCrossingDevice is a load that crosses a page and is not all RAM.
// QEMU 7.2's load_helper makes it the two aligned loads of its size
// around it (the second starts at the page boundary), and mtval names the
// one that failed (Priv. spec 1.12 §3.1.16).
func (h *Hart) readCrossingDevice(va uint64, size int, ps [2]piece, acc accessType) (uint64, *exception) {
	low := va &^ uint64(size-1)
	lo, ok := h.m.bus.load(ps[0].pa-(va-low), size)
	if !ok {
		return 0, raise(acc.accessFault(), low)
	}
	hi, ok := h.m.bus.load(ps[1].pa, size)
	if !ok {
		return 0, raise(acc.accessFault(), ps[1].va)
	}
	shift := (va - low) * 8
	v := lo>>shift | hi<<(uint64(size)*8-shift)
	if size < 8 {
		v &= 1<<(8*size) - 1
	}
	return v, nil
}

// writeCrossingDevice is a store that crosses a page and is not all RAM.
// QEMU 7.2's store_helper_unaligned writes it byte by byte from the
// lowest address, once both pages are translated; the bytes before a
// refused one stay written, and mtval is the refused byte's address.
func (h *Hart) writeCrossingDevice(ps [2]piece, v uint64) *exception {
	for _, p := range ps {
		for i := 0; i < p.size; i++ {
			d, ok := h.m.bus.store(p.pa+uint64(i), 1, v&0xff)
			if !ok {
				return raise(spec.CauseStoreAccess, p.va+uint64(i))
			}
			h.m.storeObserved(h, p.pa+uint64(i), 1)
			if d != nil {
				h.m.checkHalt(d)
			}
			v >>= 8
		}
	}
	return nil
}

// writeMem writes size bytes at virtual address va.
func (h *Hart) writeMem(va uint64, size int, v uint64) *exception {
	ps, n, exc := h.resolve(va, size, accessStore, spec.PMPW)
	if exc != nil {
		return exc
	}
	return h.writePieces(ps, n, v)
}

func (h *Hart) writePieces(ps [2]piece, n int, v uint64) *exception {
	if n == 2 && !(h.m.bus.inRAM(ps[0].pa, uint64(ps[0].size)) && h.m.bus.inRAM(ps[1].pa, uint64(ps[1].size))) {
		return h.writeCrossingDevice(ps, v)
	}
	for i := 0; i < n; i++ {
		d, failAt, ok := h.m.bus.storePiece(ps[i].pa, ps[i].size, v)
		if !ok {
			return raise(spec.CauseStoreAccess, ps[i].va+failAt-ps[i].pa)
		}
		h.m.storeObserved(h, ps[i].pa, ps[i].size)
		if d != nil {
			h.m.checkHalt(d)
		}
		v >>= 8 * uint(ps[i].size)
	}
	return nil
}

// fetch reads the instruction at pc: 16 bits, then 16 more when the low
// bits say it is a 32-bit instruction (Unpriv. §1.5). When the second
// half lies on the next page it is translated on its own, so an
// instruction may straddle a page (a fault there reports pc+2).
func (h *Hart) fetch() (uint32, *exception) {
	pa, exc := h.translate(h.pc, accessFetch, h.mode)
	if exc != nil {
		return 0, exc
	}
	lo, exc := h.fetch16(h.pc, pa)
	if exc != nil || lo&3 != 3 {
		return uint32(lo), exc
	}
	va2, pa2 := h.pc+2, pa+2
	if va2%pageSize == 0 {
		if pa2, exc = h.translate(va2, accessFetch, h.mode); exc != nil {
			return 0, exc
		}
	}
	hi, exc := h.fetch16(va2, pa2)
	if exc != nil {
		return 0, exc
	}
	return uint32(lo) | uint32(hi)<<16, nil
}

// fetch16 reads the halfword of code at physical address pa (virtual va),
// checking PMP for execute permission.
func (h *Hart) fetch16(va, pa uint64) (uint16, *exception) {
	if !h.pmpAllows(pa, 2, spec.PMPX, h.mode) {
		return 0, raise(spec.CauseFetchAccess, va)
	}
	v, ok := h.m.bus.fetch16(pa)
	if !ok {
		return 0, raise(spec.CauseFetchAccess, va)
	}
	return v, nil
}

// storeObserved breaks the LR reservations of other harts that a store
// to [pa, pa+size) touches (Unpriv. §8.2: an SC fails after another
// hart's store to the reservation set, here the reserved doubleword).
func (m *Machine) storeObserved(by *Hart, pa uint64, size int) {
	if len(m.harts) == 1 {
		return
	}
	for _, o := range m.harts {
		if o != by && o.reservationValid && pa < o.reservationPA+8 && o.reservationPA < pa+uint64(size) {
			o.reservationValid = false
		}
	}
}
