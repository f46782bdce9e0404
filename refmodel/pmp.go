package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// pmpcfg returns the configuration byte of PMP entry i. On RV64 the
// entries live in the even registers pmpcfg0 (0-7) and pmpcfg2 (8-15)
// (Priv. spec 1.12 §3.7.1).
func (h *Hart) pmpcfg(i int) uint8 {
	reg := spec.CSRPmpcfg0 + uint16(i/8)*2
	return uint8(h.csr[reg] >> (8 * uint(i%8)))
}

// pmpRange returns the byte range [lo, hi) entry i matches, and false
// when the entry is off or matches nothing (§3.7.1.2). The grain is 4
// bytes (G=0), as in QEMU 7.2.
func (h *Hart) pmpRange(i int) (lo, hi uint64, on bool) {
	cfg := h.pmpcfg(i)
	addr := h.csr[spec.CSRPmpaddr0+uint16(i)]
	switch cfg & spec.PMPA {
	case spec.PMPTOR:
		if i > 0 {
			lo = h.csr[spec.CSRPmpaddr0+uint16(i-1)] << 2
		}
		hi = addr << 2
		return lo, hi, lo < hi
	case spec.PMPNA4:
		return addr << 2, addr<<2 + 4, true
	case spec.PMPNAPOT:
		// The trailing ones of pmpaddr encode the size: yyyy...y0 followed
		// by t ones is a 2^(t+3)-byte region.
		t := uint(0)
		for t < 54 && addr>>t&1 == 1 {
			t++
		}
		base := addr &^ (1<<t - 1) << 2
		size := uint64(1) << (t + 3)
		return base, base + size, true
	}
	return 0, 0, false
}

// pmpAllows checks an access of size bytes at physical address pa, made
// with privilege mode and needing the permissions perm (§3.7.1):
//   - the lowest-numbered entry that matches any byte decides; it must
//     match all of them, or the access fails;
//   - an M-mode access passes unless the deciding entry is locked;
//   - when no entry matches, M-mode passes and S/U-mode fails (16 entries
//     are implemented, so "at least one" is always true).
func (h *Hart) pmpAllows(pa, size uint64, perm uint8, mode spec.Mode) bool {
	for i := range h.pmp {
		e := &h.pmp[i]
		if !e.on || pa+size <= e.lo || pa >= e.hi {
			continue
		}
		if pa < e.lo || pa+size > e.hi {
			return false // a partial match fails
		}
		if mode == spec.ModeM && e.cfg&spec.PMPL == 0 {
			return true
		}
		return e.cfg&perm == perm
	}
	return mode == spec.ModeM
}

// pmpEntry is one PMP entry's decoded range and configuration. The
// entries are decoded from pmpcfg/pmpaddr whenever one of them is
// written (as QEMU's pmp_update_rule does), not at every access.
type pmpEntry struct {
	lo, hi uint64
	cfg    uint8
	on     bool
}

// updatePMP decodes the active entries, in priority order, into h.pmp.
func (h *Hart) updatePMP() {
	h.pmp = h.pmp[:0]
	for i := 0; i < spec.PMPEntries; i++ {
		if lo, hi, on := h.pmpRange(i); on {
			h.pmp = append(h.pmp, pmpEntry{lo, hi, h.pmpcfg(i), true})
		}
	}
}

// writePmpcfg writes pmpcfg0 or pmpcfg2 with the WARL rules of §3.7.1:
// a locked entry ignores the write, and R=0,W=1 is reserved, so W is
// cleared (a WARL field never holds a reserved value). Bits 6:5 are
// reserved and read zero. QEMU 7.2 keeps both as written
// (docs/refmodel.md).
func (h *Hart) writePmpcfg(reg uint16, v uint64) {
	old := h.csr[reg]
	var out uint64
	for b := uint(0); b < 8; b++ {
		o := uint8(old >> (8 * b))
		n := uint8(v>>(8*b)) & 0x9f
		if o&spec.PMPL != 0 {
			n = o
		} else if n&spec.PMPW != 0 && n&spec.PMPR == 0 {
			n &^= spec.PMPR | spec.PMPW
		}
		out |= uint64(n) << (8 * b)
	}
	h.csr[reg] = out
	h.updatePMP()
}

// writePmpaddr writes pmpaddr i unless entry i is locked, or entry i+1 is
// locked in TOR mode (its bottom is pmpaddr i) (§3.7.1.4).
func (h *Hart) writePmpaddr(i int, v uint64) {
	if h.pmpcfg(i)&spec.PMPL != 0 {
		return
	}
	if i+1 < spec.PMPEntries {
		if n := h.pmpcfg(i + 1); n&spec.PMPL != 0 && n&spec.PMPA == spec.PMPTOR {
			return
		}
	}
	h.csr[spec.CSRPmpaddr0+uint16(i)] = v & spec.PMPAddrMask
	h.updatePMP()
}
