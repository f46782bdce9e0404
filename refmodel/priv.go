package refmodel

import "github.com/vcheck-dev/vcheck/spec"

func (h *Hart) illegal() *exception {
	return raise(spec.CauseIllegalInstruction, uint64(h.rec.Insn))
}

// mret returns from an M-mode trap (Priv. spec 1.12 §3.3.2, §3.1.6.1):
// the mode becomes MPP, MIE takes MPIE, MPIE becomes 1, MPP becomes U,
// and leaving M-mode clears MPRV. It is illegal below M.
func (h *Hart) mret(o *operands) *exception {
	if h.mode < spec.ModeM {
		return h.illegal()
	}
	ms := h.csr[spec.CSRMstatus]
	next := spec.Mode(ms & spec.MstatusMPP >> 11)
	ms &^= spec.MstatusMIE
	if ms&spec.MstatusMPIE != 0 {
		ms |= spec.MstatusMIE
	}
	ms |= spec.MstatusMPIE
	ms &^= spec.MstatusMPP // U-mode, the least-privileged mode
	if next != spec.ModeM {
		ms &^= spec.MstatusMPRV
	}
	h.csr[spec.CSRMstatus] = ms
	h.mode = next
	h.nextPC = h.csr[spec.CSRMepc]
	return nil
}

// sret returns from an S-mode trap (Priv. spec 1.12 §3.3.2, §4.1.1): the
// mode becomes SPP, SIE takes SPIE, SPIE becomes 1, SPP becomes U, and
// MPRV is cleared (the new mode is never M). It is illegal in U-mode, and
// in S-mode when mstatus.TSR is set (§3.1.6.5).
func (h *Hart) sret(o *operands) *exception {
	ms := h.csr[spec.CSRMstatus]
	if h.mode < spec.ModeS || (h.mode == spec.ModeS && ms&spec.MstatusTSR != 0) {
		return h.illegal()
	}
	next := spec.ModeU
	if ms&spec.MstatusSPP != 0 {
		next = spec.ModeS
	}
	ms &^= spec.MstatusSIE
	if ms&spec.MstatusSPIE != 0 {
		ms |= spec.MstatusSIE
	}
	ms |= spec.MstatusSPIE
	ms &^= spec.MstatusSPP
	ms &^= spec.MstatusMPRV
	h.csr[spec.CSRMstatus] = ms
	h.mode = next
	h.nextPC = h.csr[spec.CSRSepc]
	return nil
}

// wfi waits for an interrupt; the specification allows it to complete
// at once, and this deterministic model does (Priv. spec 1.12 §3.3.3).
// It is illegal in U-mode (S-mode exists), and in S-mode when
// mstatus.TW is set (§3.1.6.5), as QEMU 7.2's helper_wfi decides.
func (h *Hart) wfi(o *operands) *exception {
	tw := h.csr[spec.CSRMstatus]&spec.MstatusTW != 0
	if h.mode == spec.ModeU || (h.mode == spec.ModeS && tw) {
		return h.illegal()
	}
	return nil
}

// sfenceVMA orders page-table updates with later translations (Priv.
// spec 1.12 §4.2.1). The model has no TLB, so it only checks the rules:
// illegal in U-mode, and in S-mode when mstatus.TVM is set (§3.1.6.5).
func (h *Hart) sfenceVMA(o *operands) *exception {
	tvm := h.csr[spec.CSRMstatus]&spec.MstatusTVM != 0
	if h.mode == spec.ModeU || (h.mode == spec.ModeS && tvm) {
		return h.illegal()
	}
	return nil
}
