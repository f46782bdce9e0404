package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// lr loads a word or doubleword and reserves its address (Unpriv. §8.2).
// A misaligned LR raises load-address-misaligned (cause 4), after the
// load triggers (trigger.go).
func (h *Hart) lr(o *operands, size int) *exception {
	va := h.x[o.rs1]
	if exc := h.dataTrigger(spec.McontrolLoad, va, size); exc != nil {
		return exc
	}
	if va%uint64(size) != 0 {
		return raise(spec.CauseMisalignedLoad, va)
	}
	ps, _, exc := h.resolve(va, size, accessLoad, spec.PMPR)
	if exc != nil {
		return exc
	}
	v, ok := h.m.bus.load(ps[0].pa, size)
	if !ok {
		return raise(spec.CauseLoadAccess, va)
	}
	h.rec.Mem = spec.MemAccess{Valid: true, Addr: va, Size: uint8(size), Read: true, RData: v}
	h.reservation, h.reservationPA, h.reservationValid = va, ps[0].pa, true
	if size == 4 {
		v = sext32(v)
	}
	h.setX(o.rd, v)
	return nil
}

// sc stores if the reservation holds for the address, and writes 0 to rd
// on success and 1 on failure; either way the reservation is gone
// (Unpriv. §8.2). A misaligned SC raises store/AMO-address-misaligned
// (cause 6). "No SC instruction shall retire unless it passes memory
// permission checks" (Unpriv. "Zalrsc"): the address is translated and
// checked as a store first, so a failing SC to a page or PMP region it may
// not write faults. QEMU 7.2 checks the reservation first and lets it
// fail quietly (docs/refmodel.md, "Where QEMU 7.2 departs"). A failing SC
// then makes no memory access (docs/retire.md). An SC that will store is a
// store to the triggers, checked before anything else (trigger.go).
func (h *Hart) sc(o *operands, size int) *exception {
	va := h.x[o.rs1]
	ok := h.reservationValid && h.reservation == va
	if ok { // only an SC that will store is a store to the triggers
		if exc := h.dataTrigger(spec.McontrolStore, va, size); exc != nil {
			return exc
		}
	}
	if va%uint64(size) != 0 {
		return raise(spec.CauseMisalignedStore, va)
	}
	ps, n, exc := h.resolve(va, size, accessStore, spec.PMPW)
	if exc != nil {
		return exc
	}
	h.reservationValid = false
	if !ok {
		h.rec.Mem = spec.MemAccess{Valid: true, Addr: va, Size: uint8(size)}
		h.setX(o.rd, 1)
		return nil
	}
	v := h.x[o.rs2]
	if size == 4 {
		v &= 0xffffffff
	}
	if exc := h.writePieces(ps, n, v); exc != nil {
		return exc
	}
	h.rec.Mem = spec.MemAccess{Valid: true, Addr: va, Size: uint8(size), Write: true, WData: v}
	h.setX(o.rd, 0)
	return nil
}

// amo is the read-modify-write of every AMO (Unpriv. §8.4): it loads the
// old value, writes op(old, rs2), and puts the old value (a word
// sign-extended) in rd. The address must be naturally aligned, else
// store/AMO-address-misaligned (cause 6) — the specification's cause;
// QEMU 7.2 reports load-address-misaligned instead (docs/refmodel.md).
// Triggers see a load and a store, before the alignment (trigger.go).
func (h *Hart) amo(o *operands, size int, op func(old, src uint64) uint64) *exception {
	va := h.x[o.rs1]
	if exc := h.dataTrigger(spec.McontrolLoad|spec.McontrolStore, va, size); exc != nil {
		return exc
	}
	if va%uint64(size) != 0 {
		return raise(spec.CauseMisalignedStore, va)
	}
	ps, n, exc := h.resolve(va, size, accessStore, spec.PMPR|spec.PMPW)
	if exc != nil {
		return exc
	}
	old, ok := h.m.bus.load(ps[0].pa, size)
	if !ok {
		return raise(spec.CauseStoreAccess, va)
	}
	src := h.x[o.rs2]
	if size == 4 {
		old, src = sext32(old), sext32(src)
	}
	v := op(old, src)
	if size == 4 {
		v &= 0xffffffff
	}
	if exc := h.writePieces(ps, n, v); exc != nil {
		return exc
	}
	rdata := old
	if size == 4 {
		rdata &= 0xffffffff
	}
	h.rec.Mem = spec.MemAccess{Valid: true, Addr: va, Size: uint8(size), Read: true, Write: true, RData: rdata, WData: v}
	h.setX(o.rd, old)
	return nil
}

func minS(a, b uint64) uint64 {
	if int64(a) < int64(b) {
		return a
	}
	return b
}

func maxS(a, b uint64) uint64 {
	if int64(a) > int64(b) {
		return a
	}
	return b
}

func minU(a, b uint64) uint64 { return min(a, b) }
func maxU(a, b uint64) uint64 { return max(a, b) }

// For the .w forms both operands arrive sign-extended from 32 bits, so
// the unsigned comparisons order them as their low words would be.
func swap(_, b uint64) uint64  { return b }
func addOp(a, b uint64) uint64 { return a + b }
func xorOp(a, b uint64) uint64 { return a ^ b }
func andOp(a, b uint64) uint64 { return a & b }
func orOp(a, b uint64) uint64  { return a | b }
func minuW(a, b uint64) uint64 { return uint64(min(uint32(a), uint32(b))) }
func maxuW(a, b uint64) uint64 { return uint64(max(uint32(a), uint32(b))) }

// lrW is lr.w (Unpriv. §8.2).
func (h *Hart) lrW(o *operands) *exception { return h.lr(o, 4) }

// lrD is lr.d (Unpriv. §8.2).
func (h *Hart) lrD(o *operands) *exception { return h.lr(o, 8) }

// scW is sc.w (Unpriv. §8.2).
func (h *Hart) scW(o *operands) *exception { return h.sc(o, 4) }

// scD is sc.d (Unpriv. §8.2).
func (h *Hart) scD(o *operands) *exception { return h.sc(o, 8) }

// amoswapW is amoswap.w (Unpriv. §8.4).
func (h *Hart) amoswapW(o *operands) *exception { return h.amo(o, 4, swap) }

// amoaddW is amoadd.w (Unpriv. §8.4).
func (h *Hart) amoaddW(o *operands) *exception { return h.amo(o, 4, addOp) }

// amoxorW is amoxor.w (Unpriv. §8.4).
func (h *Hart) amoxorW(o *operands) *exception { return h.amo(o, 4, xorOp) }

// amoandW is amoand.w (Unpriv. §8.4).
func (h *Hart) amoandW(o *operands) *exception { return h.amo(o, 4, andOp) }

// amoorW is amoor.w (Unpriv. §8.4).
func (h *Hart) amoorW(o *operands) *exception { return h.amo(o, 4, orOp) }

// amominW is amomin.w, signed (Unpriv. §8.4).
func (h *Hart) amominW(o *operands) *exception { return h.amo(o, 4, minS) }

// amomaxW is amomax.w, signed (Unpriv. §8.4).
func (h *Hart) amomaxW(o *operands) *exception { return h.amo(o, 4, maxS) }

// amominuW is amominu.w, unsigned on the low words (Unpriv. §8.4).
func (h *Hart) amominuW(o *operands) *exception { return h.amo(o, 4, minuW) }

// amomaxuW is amomaxu.w, unsigned on the low words (Unpriv. §8.4).
func (h *Hart) amomaxuW(o *operands) *exception { return h.amo(o, 4, maxuW) }

// amoswapD is amoswap.d (Unpriv. §8.4).
func (h *Hart) amoswapD(o *operands) *exception { return h.amo(o, 8, swap) }

// amoaddD is amoadd.d (Unpriv. §8.4).
func (h *Hart) amoaddD(o *operands) *exception { return h.amo(o, 8, addOp) }

// amoxorD is amoxor.d (Unpriv. §8.4).
func (h *Hart) amoxorD(o *operands) *exception { return h.amo(o, 8, xorOp) }

// amoandD is amoand.d (Unpriv. §8.4).
func (h *Hart) amoandD(o *operands) *exception { return h.amo(o, 8, andOp) }

// amoorD is amoor.d (Unpriv. §8.4).
func (h *Hart) amoorD(o *operands) *exception { return h.amo(o, 8, orOp) }

// amominD is amomin.d, signed (Unpriv. §8.4).
func (h *Hart) amominD(o *operands) *exception { return h.amo(o, 8, minS) }

// amomaxD is amomax.d, signed (Unpriv. §8.4).
func (h *Hart) amomaxD(o *operands) *exception { return h.amo(o, 8, maxS) }

// amominuD is amominu.d (Unpriv. §8.4).
func (h *Hart) amominuD(o *operands) *exception { return h.amo(o, 8, minU) }

// amomaxuD is amomaxu.d (Unpriv. §8.4).
func (h *Hart) amomaxuD(o *operands) *exception { return h.amo(o, 8, maxU) }
