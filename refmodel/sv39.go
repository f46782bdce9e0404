package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// Sv39 page-table entry fields beyond spec's PTE bits (Priv. spec 1.12
// §4.3.1, §4.4.1).
const (
	// pteReserved are bits 63:54: N (Svnapot), PBMT (Svpbmt) and the
	// reserved bits, none of which rv64pg implements.
	pteReserved = 0x3ff << 54
	ptePPNMask  = (1<<44 - 1) << 10
)

// translate maps virtual address va to a physical address for an access
// of type acc made with privilege mode (Priv. spec 1.12 §4.3.2, the
// Sv39 algorithm of §4.4). There is no TLB: every access walks the
// table, which a hart without a TLB is allowed to do, so sfence.vma has
// nothing to flush.
//
// The A and D bits are managed by hardware as QEMU 7.2 does it
// (target/riscv/cpu_helper.c, get_physical_address): after the
// permission checks pass, A (and D for a store) are set in the PTE in
// memory, atomically with the walk.
func (h *Hart) translate(va uint64, acc accessType, mode spec.Mode) (uint64, *exception) {
	satp := h.csr[spec.CSRSatp]
	if mode == spec.ModeM || satp>>60 == spec.SatpModeBare {
		return va, nil
	}
	pageFault := raise(acc.pageFault(), va)
	// §4.4.1: bits 63:39 must all equal bit 38.
	if top := int64(va) >> 38; top != 0 && top != -1 {
		return 0, pageFault
	}
	ms := h.csr[spec.CSRMstatus]
	a := (satp & spec.SatpPPNMask) * pageSize
	for level := 2; level >= 0; level-- {
		vpn := va >> (12 + 9*uint(level)) & 0x1ff
		pteAddr := a + vpn*8
		// §4.3.2 step 2: the PTE read is checked by PMP as an S-mode access.
		if !h.pmpAllows(pteAddr, 8, spec.PMPR, spec.ModeS) {
			return 0, raise(acc.accessFault(), va)
		}
		pte, ok := h.m.bus.load(pteAddr, 8)
		if !ok {
			return 0, raise(acc.accessFault(), va)
		}
		// Step 3: invalid, reserved W-without-R, or reserved bits set.
		if pte&spec.PTEV == 0 || (pte&spec.PTER == 0 && pte&spec.PTEW != 0) || pte&pteReserved != 0 {
			return 0, pageFault
		}
		if pte&(spec.PTER|spec.PTEX) == 0 {
			// Step 4: a pointer to the next level. Its D, A and U bits are
			// reserved (§4.3.1), so step 3 faults on them, as QEMU 7.2 does.
			if pte&(spec.PTED|spec.PTEA|spec.PTEU) != 0 {
				return 0, pageFault
			}
			a = (pte & ptePPNMask >> 10) * pageSize
			continue
		}
		// Step 5: a leaf. Check the permissions.
		if !leafAllows(pte, acc, mode, ms) {
			return 0, pageFault
		}
		// Step 6: a superpage's low PPN fields must be zero.
		ppn := pte & ptePPNMask >> 10
		if level > 0 && ppn&(1<<(9*uint(level))-1) != 0 {
			return 0, pageFault
		}
		// Step 7: set A, and D on a store, in the PTE itself.
		want := pte | spec.PTEA
		if acc == accessStore {
			want |= spec.PTED
		}
		if want != pte {
			if !h.pmpAllows(pteAddr, 8, spec.PMPW, spec.ModeS) {
				return 0, raise(acc.accessFault(), va)
			}
			if _, ok := h.m.bus.store(pteAddr, 8, want); !ok {
				return 0, raise(acc.accessFault(), va)
			}
		}
		// Step 8: the physical address; a superpage passes the low VPNs through.
		offMask := uint64(1)<<(12+9*uint(level)) - 1
		return ppn*pageSize&^offMask | va&offMask, nil
	}
	return 0, pageFault
}

// leafAllows checks a leaf PTE's R/W/X/U bits against the access, with
// mstatus.SUM and MXR (Priv. spec 1.12 §4.3.2 step 5, §4.1.1.2).
func leafAllows(pte uint64, acc accessType, mode spec.Mode, mstatus uint64) bool {
	if pte&spec.PTEU != 0 {
		// An S-mode access to a user page needs SUM, and S-mode may never
		// execute from one.
		if mode == spec.ModeS && (acc == accessFetch || mstatus&spec.MstatusSUM == 0) {
			return false
		}
	} else if mode == spec.ModeU {
		return false
	}
	switch acc {
	case accessFetch:
		return pte&spec.PTEX != 0
	case accessLoad:
		return pte&spec.PTER != 0 || (mstatus&spec.MstatusMXR != 0 && pte&spec.PTEX != 0)
	default:
		return pte&spec.PTEW != 0
	}
}
