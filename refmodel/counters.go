package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// counterEnabled applies mcounteren and scounteren to the unprivileged
// counters cycle (bit 0), time (bit 1) and instret (bit 2) (Priv. spec
// 1.12 §3.1.11, §4.1.4): below M-mode the mcounteren bit must be set,
// and in U-mode the scounteren bit too.
func (h *Hart) counterEnabled(addr uint16) bool {
	bit := uint64(1) << (addr - spec.CSRCycle)
	if h.mode < spec.ModeM && h.csr[spec.CSRMcounteren]&bit == 0 {
		return false
	}
	if h.mode < spec.ModeS && h.csr[spec.CSRScounteren]&bit == 0 {
		return false
	}
	return true
}

// countRetired advances mcycle and minstret for a retired instruction
// (one cycle per instruction; docs/retire.md). mcountinhibit's CY
// (bit 0) and IR (bit 2) stop them (Priv. spec 1.12 §3.1.12), and an
// instruction that wrote the counter does not also increment it (the
// table's rule for minstret). inhibit is mcountinhibit as it was before
// the instruction: "any CSR write takes effect after the writing
// instruction has otherwise completed" (Priv. spec 1.12 §3.1.11), so the
// instruction that sets CY or IR still counts, and the one that clears
// them does not (docs/retire.md).
func (h *Hart) countRetired(inhibit uint64) {
	if inhibit&1 == 0 && !h.wroteMcycle {
		h.csr[spec.CSRMcycle]++
	}
	if inhibit&4 == 0 && !h.wroteMinstret {
		h.csr[spec.CSRMinstret]++
	}
}

// mtime reads the CLINT's mtime register through the bus, the value the
// time CSR mirrors (Priv. spec 1.12 §3.2.1). Without a CLINT it is
// computed from the retired count, by the same rule the CLINT uses.
func (h *Hart) mtime() uint64 {
	if v, ok := h.m.bus.load(spec.CLINTBase+spec.CLINTMtime, 8); ok {
		return v
	}
	return h.m.retired / h.m.cfg.TimebaseDiv
}
