package engine

import (
	"github.com/vcheck-dev/vcheck/spec"
)

// csrInsn executes a Zicsr instruction (Unprivileged spec §9.1) with the
// access rules of Priv. spec 1.12 §2.1 and §3.1.
func (h *Hart) csrInsn(d *inst) bool {
	addr := uint16(uint64(d.imm) & 0xfff)
	var src uint64
	write := true
	switch d.op {
	case opCSRRW:
		src = h.x[d.rs1]
	case opCSRRS, opCSRRC:
		src = h.x[d.rs1]
		write = d.rs1 != 0
	case opCSRRWI:
		src = uint64(d.rs1)
	case opCSRRSI, opCSRRCI:
		src = uint64(d.rs1)
		write = d.rs1 != 0
	}
	illegal := func() bool { return h.fail(spec.CauseIllegalInstruction, uint64(d.raw)) }
	c := spec.LookupCSR(addr)
	if c == nil {
		return illegal()
	}
	popf := h.m.cfg.Variant == spec.VariantPOPF && h.mode == spec.ModeU &&
		(addr == spec.CSRMstatus || addr == spec.CSRSstatus)
	if popf {
		// VariantPOPF: the read gives the sstatus view, and a write drops
		// the interrupt-enable bits instead of trapping. The view is read
		// as sstatus reads, with SD summarizing VS (as refmodel does).
		old := h.csrRead(spec.CSRSstatus)
		nv := csrModify(d.op, old, src)
		if write {
			w := spec.LookupCSR(spec.CSRSstatus).WriteMask &^ (spec.MstatusSIE | spec.MstatusMIE)
			h.setMstatus(h.mstatus&^w | nv&w)
			h.recCSR = spec.CSRWrite{Valid: true, Addr: addr, Value: h.csrRead(spec.CSRSstatus)}
			h.exitLoop = true
		}
		h.x[d.rd] = old
		return true
	}
	if h.mode < c.Priv || write && c.ReadOnly {
		return illegal()
	}
	if addr == spec.CSRSatp && h.mode == spec.ModeS && h.mstatus&spec.MstatusTVM != 0 {
		return illegal()
	}
	if addr >= spec.CSRCycle && addr <= spec.CSRInstret {
		bit := uint64(1) << (addr - spec.CSRCycle)
		if h.mode < spec.ModeM && h.mcounteren&bit == 0 || h.mode == spec.ModeU && h.scounteren&bit == 0 {
			return illegal()
		}
	}
	old := h.csrRead(addr)
	if write {
		base := old
		if addr == spec.CSRMip || addr == spec.CSRSip {
			// A read-modify-write of mip uses the software-written SEIP,
			// not the PLIC line ORed into reads (Priv. spec 1.12 §3.1.9).
			base = old&^spec.MipSEIP | h.mipSW&spec.MipSEIP&c.ReadMask
		}
		h.csrWrite(addr, csrModify(d.op, base, src))
		if addr == spec.CSRMip || addr == spec.CSRSip {
			// The interrupt lines as this instruction saw them: the
			// timer tick its retirement may cause comes after the
			// record (docs/retire.md).
			h.recCSR = spec.CSRWrite{Valid: true, Addr: addr, Value: h.csrRead(addr)}
		} else {
			h.count++ // a counter reads back as it reads after this instruction retires
			h.recCSR = spec.CSRWrite{Valid: true, Addr: addr, Value: h.csrRead(addr)}
			h.count--
		}
		h.exitLoop = true
	}
	h.x[d.rd] = old
	return true
}

func csrModify(o op, old, src uint64) uint64 {
	switch o {
	case opCSRRS, opCSRRSI:
		return old | src
	case opCSRRC, opCSRRCI:
		return old &^ src
	}
	return src
}

// mip is the full mip: the software-writable bits and the lines from the
// CLINT and the PLIC.
func (h *Hart) mip() uint64 {
	return h.mipSW | h.m.dev.Pending(h.id)
}

func (h *Hart) cycle() uint64 {
	if h.mcountinhibit&1 != 0 {
		return h.cycleFrozen
	}
	return h.count + h.cycleAdj
}

func (h *Hart) instret() uint64 {
	if h.mcountinhibit&4 != 0 {
		return h.instFrozen
	}
	return h.count + h.instretAdj
}

// csrRead returns a CSR as an M-mode read returns it, with no side effects.
func (h *Hart) csrRead(addr uint16) uint64 {
	c := spec.LookupCSR(addr)
	if c == nil {
		return 0
	}
	var v uint64
	switch {
	case addr == spec.CSRSstatus, addr == spec.CSRMstatus:
		v = h.mstatus &^ spec.MstatusSD
		// SD summarizes FS, VS and XS: set when any of them is Dirty (3).
		if v&spec.MstatusFS == spec.MstatusFS || v&spec.MstatusVS == spec.MstatusVS || v&spec.MstatusXS == spec.MstatusXS {
			v |= spec.MstatusSD
		}
	case addr == spec.CSRSie:
		v = h.mie & h.mideleg
	case addr == spec.CSRStvec:
		v = h.stvec
	case addr == spec.CSRScounteren:
		v = h.scounteren
	case addr == spec.CSRSenvcfg:
		v = h.senvcfg
	case addr == spec.CSRSscratch:
		v = h.sscratch
	case addr == spec.CSRSepc:
		v = h.sepc
	case addr == spec.CSRScause:
		v = h.scause
	case addr == spec.CSRStval:
		v = h.stval
	case addr == spec.CSRSip:
		v = h.mip() & h.mideleg
	case addr == spec.CSRSatp:
		v = h.satp
	case addr == spec.CSRMisa:
		v = spec.MisaValue
	case addr == spec.CSRMedeleg:
		v = h.medeleg
	case addr == spec.CSRMideleg:
		v = h.mideleg
	case addr == spec.CSRMie:
		v = h.mie
	case addr == spec.CSRMtvec:
		v = h.mtvec
	case addr == spec.CSRMcounteren:
		v = h.mcounteren
	case addr == spec.CSRMenvcfg:
		v = h.menvcfg
	case addr == spec.CSRMcountinhibit:
		v = h.mcountinhibit
	case addr == spec.CSRMscratch:
		v = h.mscratch
	case addr == spec.CSRMepc:
		v = h.mepc
	case addr == spec.CSRMcause:
		v = h.mcause
	case addr == spec.CSRMtval:
		v = h.mtval
	case addr == spec.CSRMip:
		v = h.mip()
	case addr == spec.CSRPmpcfg0 || addr == spec.CSRPmpcfg0+2:
		first := int(addr-spec.CSRPmpcfg0) * 4
		for i := 0; i < 8; i++ {
			v |= uint64(h.pmpcfg[first+i]) << (8 * i)
		}
	case addr >= spec.CSRPmpaddr0 && addr < spec.CSRPmpaddr0+spec.PMPEntries:
		v = h.pmpaddr[addr-spec.CSRPmpaddr0]
	case addr == spec.CSRMcycle, addr == spec.CSRCycle:
		v = h.cycle()
	case addr == spec.CSRMinstret, addr == spec.CSRInstret:
		v = h.instret()
	case addr == spec.CSRTime:
		v = h.m.dev.CLINT.Mtime()
	case addr == spec.CSRMhartid:
		v = uint64(h.id)
	case addr >= spec.CSRTselect && addr <= spec.CSRTinfo:
		v = h.trigRead(addr)
	default:
		v = c.Reset // identification registers, hpm counters and events
	}
	return v & c.ReadMask
}

// setMstatus writes mstatus and keeps the TLBs in step: SUM and MXR change
// what a cached translation allows, MPRV and MPP which TLB data uses.
func (h *Hart) setMstatus(v uint64) {
	old := h.mstatus
	h.mstatus = v
	if (old^v)&(spec.MstatusSUM|spec.MstatusMXR) != 0 && !mutantOn(h.m, mutTLBSumNoFlush) { // MUTANT HOOK (mutant.go)
		h.flushTLB()
	}
	if (old^v)&(spec.MstatusMPRV|spec.MstatusMPP) != 0 {
		h.updateCtx()
		h.exitLoop = true
	}
}

// csrWrite writes a CSR with its WARL rule (the table's WriteMask, plus
// the rules its Rule column names).
func (h *Hart) csrWrite(addr uint16, v uint64) {
	c := spec.LookupCSR(addr)
	if c == nil || c.ReadOnly {
		return
	}
	wm := c.WriteMask
	merge := func(old uint64) uint64 { return old&^wm | v&wm }
	switch {
	case addr == spec.CSRSstatus:
		h.setMstatus(merge(h.mstatus))
	case addr == spec.CSRMstatus:
		nv := merge(h.mstatus)
		if nv&spec.MstatusMPP == 2<<11 { // MPP=2 is reserved: keep the old MPP
			nv = nv&^spec.MstatusMPP | h.mstatus&spec.MstatusMPP
		}
		h.setMstatus(nv)
	case addr == spec.CSRSie:
		mask := h.mideleg & spec.SInterrupts
		h.mie = h.mie&^mask | v&mask
	case addr == spec.CSRStvec:
		if v&3 < 2 { // QEMU 7.2: a reserved MODE leaves the register unchanged
			h.stvec = merge(h.stvec)
		}
	case addr == spec.CSRMtvec:
		if v&3 < 2 {
			h.mtvec = merge(h.mtvec)
		}
	case addr == spec.CSRScounteren:
		h.scounteren = merge(h.scounteren)
	case addr == spec.CSRSenvcfg:
		h.senvcfg = merge(h.senvcfg)
	case addr == spec.CSRSscratch:
		h.sscratch = merge(h.sscratch)
	case addr == spec.CSRSepc:
		h.sepc = merge(h.sepc)
	case addr == spec.CSRScause:
		h.scause = merge(h.scause)
	case addr == spec.CSRStval:
		h.stval = merge(h.stval)
	case addr == spec.CSRSip:
		mask := wm & h.mideleg
		h.mipSW = h.mipSW&^mask | v&mask
	case addr == spec.CSRSatp:
		if mode := v >> 60; mode == spec.SatpModeBare || mode == spec.SatpModeSv39 {
			h.satp = merge(h.satp)
			h.flushTLB()
		}
	case addr == spec.CSRMedeleg:
		h.medeleg = merge(h.medeleg)
	case addr == spec.CSRMideleg:
		h.mideleg = merge(h.mideleg)
	case addr == spec.CSRMie:
		h.mie = merge(h.mie)
	case addr == spec.CSRMcounteren:
		h.mcounteren = merge(h.mcounteren)
	case addr == spec.CSRMenvcfg:
		h.menvcfg = merge(h.menvcfg)
	case addr == spec.CSRMcountinhibit:
		nv := merge(h.mcountinhibit)
		if (h.mcountinhibit^nv)&1 != 0 {
			// The new value applies after this instruction, which
			// counts (or not) by the old one (docs/retire.md).
			if nv&1 != 0 {
				h.cycleFrozen = h.cycle() + 1
			} else {
				h.cycleAdj = h.cycleFrozen - (h.count + 1)
			}
		}
		if (h.mcountinhibit^nv)&4 != 0 {
			if nv&4 != 0 {
				h.instFrozen = h.instret() + 1
			} else {
				h.instretAdj = h.instFrozen - (h.count + 1)
			}
		}
		h.mcountinhibit = nv
	case addr == spec.CSRMscratch:
		h.mscratch = merge(h.mscratch)
	case addr == spec.CSRMepc:
		h.mepc = merge(h.mepc)
	case addr == spec.CSRMcause:
		h.mcause = merge(h.mcause)
	case addr == spec.CSRMtval:
		h.mtval = merge(h.mtval)
	case addr == spec.CSRMip:
		h.mipSW = merge(h.mipSW)
	case addr == spec.CSRPmpcfg0 || addr == spec.CSRPmpcfg0+2:
		first := int(addr-spec.CSRPmpcfg0) * 4
		for i := 0; i < 8; i++ {
			e := first + i
			if h.pmpcfg[e]&spec.PMPL != 0 {
				continue // a locked entry ignores writes
			}
			b := uint8(v>>(8*i)) & uint8(wm>>(8*i))
			if b&(spec.PMPR|spec.PMPW) == spec.PMPW { // R=0,W=1 is reserved
				b &^= spec.PMPW
			}
			h.pmpcfg[e] = b
		}
		h.flushTLB()
	case addr >= spec.CSRPmpaddr0 && addr < spec.CSRPmpaddr0+spec.PMPEntries:
		i := int(addr - spec.CSRPmpaddr0)
		if h.pmpcfg[i]&spec.PMPL != 0 {
			return
		}
		if i+1 < spec.PMPEntries && h.pmpcfg[i+1]&spec.PMPL != 0 && h.pmpcfg[i+1]&spec.PMPA == spec.PMPTOR {
			return
		}
		h.pmpaddr[i] = merge(h.pmpaddr[i])
		h.flushTLB()
	case addr == spec.CSRMcycle:
		if h.mcountinhibit&1 != 0 {
			h.cycleFrozen = v
		} else {
			h.cycleAdj = v - (h.count + 1) // replaces this instruction's own increment
		}
	case addr == spec.CSRMinstret:
		if h.mcountinhibit&4 != 0 {
			h.instFrozen = v
		} else {
			h.instretAdj = v - (h.count + 1)
		}
	case addr >= spec.CSRTselect && addr <= spec.CSRTinfo:
		h.trigWrite(addr, v)
	}
}
