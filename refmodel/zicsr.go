package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// csrAccess checks a Zicsr access to addr (Priv. spec 1.12 §2.1, §2.2):
// the CSR must exist, the mode must be at least the CSR's privilege
// (address bits 9:8), a write to a read-only CSR (bits 11:10 = 0b11) is
// illegal, and a few CSRs add their own rules (TVM for satp, the counter
// enables for cycle/time/instret).
func (h *Hart) csrAccess(addr uint16, write bool) bool {
	if h.popfStatus(addr) {
		return true
	}
	row := spec.LookupCSR(addr)
	if row == nil || h.mode < row.Priv || (write && row.ReadOnly) {
		return false
	}
	switch addr {
	case spec.CSRSatp:
		// §3.1.6.5: with TVM, S-mode satp accesses are illegal.
		if h.mode == spec.ModeS && h.csr[spec.CSRMstatus]&spec.MstatusTVM != 0 {
			return false
		}
	case spec.CSRCycle, spec.CSRTime, spec.CSRInstret:
		return h.counterEnabled(addr)
	}
	return true
}

// csrOp runs the read-modify-write of a Zicsr instruction (Unpriv. §9.1):
// it reads the old value unless told not to (csrrw/csrrwi with rd=x0),
// writes the new value when write is set, writes rd, and records the
// write with the value read back.
func (h *Hart) csrOp(o *operands, read, write bool, newValue func(old uint64) uint64) *exception {
	if !h.csrAccess(o.csr, write) {
		return raise(spec.CauseIllegalInstruction, uint64(h.rec.Insn))
	}
	if h.popfStatus(o.csr) {
		return h.popfCSR(o, read, write, newValue)
	}
	var old uint64
	if read {
		old = h.csrRead(o.csr)
	}
	if write {
		h.csrWrite(o.csr, newValue(old))
		h.rec.CSR = spec.CSRWrite{Valid: true, Addr: o.csr, Value: h.csrRead(o.csr)}
	}
	h.setX(o.rd, old)
	return nil
}

// popfStatus reports whether a Zicsr access to addr takes the POPF
// variant's path: in spec.VariantPOPF, U-mode accesses to mstatus and
// sstatus do not trap (spec/types.go), which makes them sensitive but
// not privileged, as x86's POPF was (Popek and Goldberg's condition fails).
func (h *Hart) popfStatus(addr uint16) bool {
	return h.m.cfg.Variant == spec.VariantPOPF && h.mode == spec.ModeU &&
		(addr == spec.CSRMstatus || addr == spec.CSRSstatus)
}

// popfCSR runs a U-mode mstatus/sstatus access of the POPF variant: a
// read returns the sstatus view (the masked value), and a write takes
// effect on the sstatus-writable bits except the interrupt enables (SIE,
// MIE), which are silently left as they were, like POPF's IF.
func (h *Hart) popfCSR(o *operands, read, write bool, newValue func(old uint64) uint64) *exception {
	view := func() uint64 { return h.csr[spec.CSRMstatus] & spec.SstatusMask }
	var old uint64
	if read {
		old = view()
	}
	if write {
		mask := spec.LookupCSR(spec.CSRSstatus).WriteMask &^ (spec.MstatusSIE | spec.MstatusMIE)
		ms := h.csr[spec.CSRMstatus]
		h.writeMstatus(ms&^mask|newValue(old)&mask, mask)
		h.rec.CSR = spec.CSRWrite{Valid: true, Addr: o.csr, Value: view()}
	}
	h.setX(o.rd, old)
	return nil
}

// csrrw swaps a CSR with rs1; with rd=x0 it does not read the CSR (Unpriv. §9.1).
func (h *Hart) csrrw(o *operands) *exception {
	v := h.x[o.rs1]
	return h.csrOp(o, o.rd != 0, true, func(uint64) uint64 { return v })
}

// csrrs sets the bits of rs1 in a CSR; with rs1=x0 it does not write (Unpriv. §9.1).
func (h *Hart) csrrs(o *operands) *exception {
	v := h.x[o.rs1]
	return h.csrOp(o, true, o.rs1 != 0, func(old uint64) uint64 { return old | v })
}

// csrrc clears the bits of rs1 in a CSR; with rs1=x0 it does not write (Unpriv. §9.1).
func (h *Hart) csrrc(o *operands) *exception {
	v := h.x[o.rs1]
	return h.csrOp(o, true, o.rs1 != 0, func(old uint64) uint64 { return old &^ v })
}

// csrrwi writes the 5-bit immediate to a CSR; with rd=x0 it does not read (Unpriv. §9.1).
func (h *Hart) csrrwi(o *operands) *exception {
	v := uint64(o.rs1)
	return h.csrOp(o, o.rd != 0, true, func(uint64) uint64 { return v })
}

// csrrsi sets the immediate's bits; with zimm=0 it does not write (Unpriv. §9.1).
func (h *Hart) csrrsi(o *operands) *exception {
	v := uint64(o.rs1)
	return h.csrOp(o, true, v != 0, func(old uint64) uint64 { return old | v })
}

// csrrci clears the immediate's bits; with zimm=0 it does not write (Unpriv. §9.1).
func (h *Hart) csrrci(o *operands) *exception {
	v := uint64(o.rs1)
	return h.csrOp(o, true, v != 0, func(old uint64) uint64 { return old &^ v })
}

// mip returns mip as a read sees it: the bits software writes (SSIP,
// STIP, SEIP) ORed with the lines the devices drive (MSIP and MTIP from
// the CLINT, MEIP and SEIP from the PLIC) (Priv. spec 1.12 §3.1.9).
func (h *Hart) mip() uint64 {
	return h.csr[spec.CSRMip] | h.m.pendingLines(h.id)&spec.AllInterrupts
}

// csrRead returns a CSR's value as an M-mode read sees it. The caller
// has checked that the CSR exists.
func (h *Hart) csrRead(addr uint16) uint64 {
	switch addr {
	case spec.CSRSstatus:
		return h.csr[spec.CSRMstatus] & spec.SstatusMask
	case spec.CSRSie:
		return h.csr[spec.CSRMie] & h.csr[spec.CSRMideleg]
	case spec.CSRSip:
		return h.mip() & h.csr[spec.CSRMideleg]
	case spec.CSRMip:
		return h.mip()
	case spec.CSRCycle:
		return h.csr[spec.CSRMcycle]
	case spec.CSRInstret:
		return h.csr[spec.CSRMinstret]
	case spec.CSRTime:
		return h.mtime()
	case spec.CSRTdata1:
		return h.selected().tdata1
	case spec.CSRTdata2:
		return h.selected().tdata2
	}
	row := spec.LookupCSR(addr)
	if row == nil {
		return 0
	}
	return h.csr[addr] & row.ReadMask
}

// csrWrite writes a CSR with its WARL rule. The plain rule of the table
// keeps the bits outside WriteMask; the CSRs named here have the richer
// rules their table row describes.
func (h *Hart) csrWrite(addr uint16, v uint64) {
	row := spec.LookupCSR(addr)
	if row == nil {
		return
	}
	old := h.csr[addr]
	plain := old&^row.WriteMask | v&row.WriteMask
	switch {
	case addr == spec.CSRMstatus:
		h.writeMstatus(v, row.WriteMask)
	case addr == spec.CSRSstatus:
		// §4.1.1: sstatus is a view of mstatus.
		ms := h.csr[spec.CSRMstatus]
		h.writeMstatus(ms&^row.WriteMask|v&row.WriteMask, row.WriteMask)
	case addr == spec.CSRSie:
		// §4.1.3: only the bits mideleg delegates are writable through sie.
		m := h.csr[spec.CSRMideleg] & row.WriteMask
		h.csr[spec.CSRMie] = h.csr[spec.CSRMie]&^m | v&m
	case addr == spec.CSRSip:
		m := h.csr[spec.CSRMideleg] & row.WriteMask
		h.csr[spec.CSRMip] = h.csr[spec.CSRMip]&^m | v&m
	case addr == spec.CSRMtvec || addr == spec.CSRStvec:
		// MODE 2 and 3 are reserved; QEMU 7.2 ignores such a write.
		if v&3 < 2 {
			h.csr[addr] = plain
		}
	case addr == spec.CSRSatp:
		// §4.1.11: a write with an unsupported MODE has no effect. The
		// ASID field is WARL; QEMU 7.2 keeps all 16 bits.
		if mode := v >> 60; mode == spec.SatpModeBare || mode == spec.SatpModeSv39 {
			h.csr[addr] = plain
		}
	case addr == spec.CSRPmpcfg0 || addr == spec.CSRPmpcfg0+2:
		h.writePmpcfg(addr, v)
	case addr >= spec.CSRPmpaddr0 && addr < spec.CSRPmpaddr0+spec.PMPEntries:
		h.writePmpaddr(int(addr-spec.CSRPmpaddr0), v)
	case addr == spec.CSRMcycle:
		h.csr[addr] = plain
		h.wroteMcycle = true
	case addr == spec.CSRMinstret:
		h.csr[addr] = plain
		h.wroteMinstret = true
	case addr == spec.CSRTselect:
		h.writeTselect(v)
	case addr == spec.CSRTdata1:
		h.writeTdata1(v)
	case addr == spec.CSRTdata2:
		h.selected().tdata2 = v
	default:
		h.csr[addr] = plain
	}
}

// writeMstatus applies mstatus's WARL rules (§3.1.6): MPP is WARL and
// the reserved value 2 leaves it unchanged (QEMU 7.2 stores the 2: a
// departure, docs/refmodel.md); UXL and SXL are read-only 2; SD is set
// when VS (writable, as in QEMU), FS or XS is Dirty (§3.1.6.6).
func (h *Hart) writeMstatus(v, mask uint64) {
	old := h.csr[spec.CSRMstatus]
	if v&spec.MstatusMPP == 2<<11 {
		v = v&^spec.MstatusMPP | old&spec.MstatusMPP
	}
	ms := old&^mask | v&mask
	ms &^= spec.MstatusSD
	if ms&spec.MstatusVS == spec.MstatusVS || ms&spec.MstatusFS == spec.MstatusFS || ms&spec.MstatusXS == spec.MstatusXS {
		ms |= spec.MstatusSD
	}
	h.csr[spec.CSRMstatus] = ms
}
