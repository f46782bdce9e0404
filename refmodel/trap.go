package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// interruptPriority is the order in which simultaneous interrupts for
// the same privilege mode are taken (Priv. spec 1.12 §3.1.9):
// MEI > MSI > MTI > SEI > SSI > STI.
var interruptPriority = [...]uint64{
	spec.IntMExternal, spec.IntMSoftware, spec.IntMTimer,
	spec.IntSExternal, spec.IntSSoftware, spec.IntSTimer,
}

// pendingInterrupt returns the interrupt to take before the next
// instruction, if any (Priv. spec 1.12 §3.1.6.1, §3.1.9):
//   - an interrupt not delegated by mideleg goes to M-mode, and is
//     enabled when the hart is below M, or in M with mstatus.MIE set;
//   - a delegated one goes to S-mode, and is enabled when the hart is in
//     U, or in S with mstatus.SIE set; never while in M;
//   - interrupts for M-mode come before interrupts for S-mode.
func (h *Hart) pendingInterrupt() (uint64, bool) {
	mie := h.csr[spec.CSRMie]
	if mie == 0 {
		return 0, false
	}
	pending := h.mip() & mie
	if pending == 0 {
		return 0, false
	}
	ms := h.csr[spec.CSRMstatus]
	deleg := h.csr[spec.CSRMideleg]
	var enabled uint64
	if h.mode < spec.ModeM || ms&spec.MstatusMIE != 0 {
		enabled |= pending &^ deleg
	}
	if enabled == 0 && (h.mode < spec.ModeS || (h.mode == spec.ModeS && ms&spec.MstatusSIE != 0)) {
		enabled |= pending & deleg
	}
	for _, c := range interruptPriority {
		if enabled&(1<<c) != 0 {
			return c, true
		}
	}
	return 0, false
}

// takeTrap enters the trap handler (Priv. spec 1.12 §3.1.6.1, §3.1.7,
// §3.1.8, §4.1.1): it picks the handling mode by medeleg/mideleg, saves
// pc, cause and tval, stacks the interrupt enable and previous mode, and
// jumps to the vector. It records the trap in the step's record.
//
// Taking a trap also clears the LR reservation, as QEMU 7.2 does
// (corpus/ref/a_reserve.S): the specification lets an SC fail for
// implementation-defined reasons, and lets xRET clear the reservation.
func (h *Hart) takeTrap(interrupt bool, cause, tval uint64) {
	h.reservationValid = false
	deleg := h.csr[spec.CSRMedeleg]
	if interrupt {
		deleg = h.csr[spec.CSRMideleg]
	}
	target := spec.ModeM
	if h.mode <= spec.ModeS && deleg>>cause&1 != 0 {
		target = spec.ModeS
	}
	h.rec.Trap = spec.Trap{Valid: true, Interrupt: interrupt, Cause: cause, Tval: tval, Target: target}
	causeReg := cause
	if interrupt {
		causeReg |= 1 << 63
	}
	ms := h.csr[spec.CSRMstatus]
	var tvec uint64
	if target == spec.ModeS {
		h.csr[spec.CSRSepc] = h.pc
		h.csr[spec.CSRScause] = causeReg
		h.csr[spec.CSRStval] = tval
		ms &^= spec.MstatusSPP | spec.MstatusSPIE
		if h.mode == spec.ModeS {
			ms |= spec.MstatusSPP
		}
		if ms&spec.MstatusSIE != 0 {
			ms |= spec.MstatusSPIE
		}
		ms &^= spec.MstatusSIE
		tvec = h.csr[spec.CSRStvec]
	} else {
		h.csr[spec.CSRMepc] = h.pc
		h.csr[spec.CSRMcause] = causeReg
		h.csr[spec.CSRMtval] = tval
		ms &^= spec.MstatusMPP | spec.MstatusMPIE
		ms |= uint64(h.mode) << 11
		if ms&spec.MstatusMIE != 0 {
			ms |= spec.MstatusMPIE
		}
		ms &^= spec.MstatusMIE
		tvec = h.csr[spec.CSRMtvec]
	}
	h.csr[spec.CSRMstatus] = ms
	h.mode = target
	// §3.1.7: in Vectored mode (1), interrupts go to BASE + 4*cause.
	h.pc = tvec &^ 3
	if tvec&3 == 1 && interrupt {
		h.pc += 4 * cause
	}
}
