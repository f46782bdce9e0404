package spec

// WalkSv39 translates va under satp the way a debugger or an observer
// does (Priv. 1.12 §4.3.2 with Sv39's levels): it follows the page table
// through read8, which reads a physical doubleword, checks V, the
// reserved W-without-R encoding and superpage alignment, but neither the
// permissions of an access nor A/D, which it never sets: looking must not
// change the machine. It returns the physical address, the addresses of
// the PTEs it read, and false when va does not translate or satp is not
// Sv39. The models walk in their own way (with the checks); this serves
// the tools that watch an implementation from outside (diff/gdb,
// diff/rvfi).
func WalkSv39(va, satp uint64, read8 func(pa uint64) (uint64, bool)) (pa uint64, ptes []uint64, ok bool) {
	if satp>>60 != SatpModeSv39 {
		return 0, nil, false
	}
	// Bits 63:39 must all equal bit 38 (§4.4.1).
	if top := int64(va) >> 38; top != 0 && top != -1 {
		return 0, nil, false
	}
	a := (satp & SatpPPNMask) << 12
	for level := 2; level >= 0; level-- {
		pteAddr := a + (va>>(12+9*uint(level))&0x1ff)*8
		ptes = append(ptes, pteAddr)
		pte, ok := read8(pteAddr)
		if !ok || pte&PTEV == 0 || (pte&PTER == 0 && pte&PTEW != 0) {
			return 0, ptes, false
		}
		ppn := pte >> 10 & (1<<44 - 1)
		if pte&(PTER|PTEX) != 0 {
			span := uint64(1)<<(12+9*uint(level)) - 1
			if level > 0 && ppn<<12&span != 0 {
				return 0, ptes, false // a misaligned superpage (§4.3.2 step 6)
			}
			return ppn<<12&^span | va&span, ptes, true
		}
		a = ppn << 12
	}
	return 0, ptes, false
}
