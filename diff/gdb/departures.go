package gdb

import (
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// Departure is one documented place where QEMU 7.2 departs from the
// specification (or, marked Profile, from a choice the specification
// leaves to the implementation and rv64pg fixes differently). A
// comparison against QEMU that diverges there is not a finding: the
// comparison names the departure, puts QEMU in the state the reference
// model reached (Resync) and goes on. docs/external.md lists them.
type Departure struct {
	Name    string // short identifier, used in reports
	Spec    string // what the specification says, with its citation
	QEMU    string // what QEMU 7.2 does instead
	Profile bool   // a profile choice, not a departure from the specification
	// Match reports whether a record divergence (A the reference, B
	// QEMU) is this departure.
	Match func(d *diff.Divergence) bool
}

// QEMUDepartures is the ignore list of comparisons against QEMU 7.2.
var QEMUDepartures = []Departure{
	{
		Name: "amo-misaligned-cause",
		Spec: "a misaligned AMO, LR/SC address raises store/AMO address misaligned (cause 6) for AMOs and SC (Unpriv. 20191213 §8.4, Priv. 1.12 Table 3.6)",
		QEMU: "reports load address misaligned (4)",
		Match: func(d *diff.Divergence) bool {
			return isAMOorSC(d.A.Insn) && onlyFields(d, trapRouting...) && d.A.Trap.Cause == spec.CauseMisalignedStore && d.B.Trap.Cause == spec.CauseMisalignedLoad
		},
	},
	{
		Name: "amo-fault-cause",
		Spec: "an AMO that faults in translation or PMP raises a store/AMO page fault (15) or store/AMO access fault (7) (Priv. 1.12 §3.7.1, §4.3.2, Table 3.6)",
		QEMU: "checks it as a load first: reports a load page fault (13) or load access fault (5), the latter also where the page forbids the write and PMP the read",
		Match: func(d *diff.Divergence) bool {
			a, b := d.A.Trap.Cause, d.B.Trap.Cause
			return isAMOorSC(d.A.Insn) && onlyFields(d, trapRouting...) &&
				(a == spec.CauseStorePageFault || a == spec.CauseStoreAccess) && (b == spec.CauseLoadPageFault || b == spec.CauseLoadAccess)
		},
	},
	{
		Name: "sc-permission",
		Spec: "no SC instruction shall retire unless it passes memory permission checks (Unpriv. 20191213 §8.2, \"Zalrsc\")",
		QEMU: "an SC without a reservation fails quietly (rd = 1) on a page or PMP region it may not write",
		Match: func(d *diff.Divergence) bool {
			if !isSC(d.A.Insn) || !d.A.Trap.Valid || d.B.Trap.Valid {
				return false
			}
			if d.B.Rd.Valid {
				return d.B.Rd.Value == 1
			}
			// An SC into x0 shows no rd, and the client cannot tell a
			// failed SC from one that stored the value already there
			// (docs/external.md): taken as the quiet failure.
			o, ok := spec.DecodeOperands(d.A.Insn)
			return ok && o.Rd == 0
		},
	},
	{
		Name: "xepc-bit0",
		Spec: "mepc/sepc bit 0 is always zero with IALIGN=16 (Priv. 1.12 §3.1.14, §4.1.7)",
		QEMU: "keeps a written 1 in bit 0",
		Match: func(d *diff.Divergence) bool {
			return csrValueDiffers(d, map[uint16]uint64{spec.CSRMepc: 1, spec.CSRSepc: 1})
		},
	},
	{
		Name: "xret-mprv",
		Spec: "MRET and SRET to a mode below M clear MPRV (Priv. 1.12 §3.1.6.3, §3.3.2)",
		QEMU: "leaves MPRV set",
		Match: func(d *diff.Divergence) bool {
			return csrValueDiffers(d, map[uint16]uint64{spec.CSRMstatus: spec.MstatusMPRV})
		},
	},
	{
		Name: "instret",
		Spec: "minstret counts the instructions the hart retired; a write replaces the writing instruction's increment (Unpriv. 20191213 §10.1, Priv. 1.12 §3.1.11)",
		QEMU: "counts icount time (host time without -icount), which includes traps",
		Match: func(d *diff.Divergence) bool {
			return readsCSR(d, spec.CSRMinstret, spec.CSRInstret)
		},
	},
	{
		Name:    "cycle-time",
		Spec:    "the rates of mcycle and time are implementation-defined (Priv. 1.12 §3.1.11, §3.2.1); rv64pg counts one cycle per retired instruction and one mtime tick per TimebaseDiv (docs/retire.md)",
		QEMU:    "mcycle counts icount time, mtime (the time CSR and the CLINT register) the virtual clock",
		Profile: true,
		Match: func(d *diff.Divergence) bool {
			return readsCSR(d, spec.CSRMcycle, spec.CSRCycle, spec.CSRTime) || readsMtime(d)
		},
	},
	{
		Name:    "marchid-mimpid",
		Spec:    "marchid and mimpid may be zero (Priv. 1.12 §3.1.3, §3.1.4); rv64pg has zero",
		QEMU:    "reports its version (0x70216 for 7.2)",
		Profile: true,
		Match: func(d *diff.Divergence) bool {
			return readsCSR(d, spec.CSRMarchid, spec.CSRMimpid)
		},
	},
	{
		Name: "hpm-counters",
		Spec: "mhpmcounter3-31 and mhpmevent3-31 must exist and may be read-only zero (Priv. 1.12 §3.1.10)",
		QEMU: "with pmu-num=0 they are illegal instructions",
		Match: func(d *diff.Divergence) bool {
			c, ok := csrOf(d.A.Insn)
			hpm := c >= 0xb03 && c <= 0xb1f || c >= 0x323 && c <= 0x33f || c >= 0xc03 && c <= 0xc1f
			return ok && hpm && !d.A.Trap.Valid && d.B.Trap.Valid && d.B.Trap.Cause == spec.CauseIllegalInstruction
		},
	},
	{
		Name:    "satp-modes",
		Spec:    "writing satp with a MODE the implementation does not support has no effect (Priv. 1.12 §4.1.11); rv64pg supports Bare and Sv39 only",
		QEMU:    "7.2's rv64 CPU also takes Sv48 and Sv57 (no property turns them off before 8.0)",
		Profile: true,
		Match: func(d *diff.Divergence) bool {
			c, ok := csrOf(d.A.Insn)
			m := d.B.CSR.Value >> 60
			return ok && c == spec.CSRSatp && onlyFields(d, "CSR.Value", "Rd.Value") && (m == 9 || m == 10 || d.B.Rd.Value>>60 == 9 || d.B.Rd.Value>>60 == 10)
		},
	},
	{
		Name:    "pmp-page-split",
		Spec:    "a misaligned access may be decomposed into several accesses, each checked on its own (Priv. 1.12 §3.7.1, \"misaligned loads, stores, and instruction fetches may also be decomposed\"); rv64pg checks a page-crossing access page by page (refmodel/mem.go)",
		QEMU:    "checks the whole access against PMP first, so one whose bytes straddle a PMP entry's edge at the page boundary faults",
		Profile: true,
		Match: func(d *diff.Divergence) bool {
			m, b := d.A.Mem, d.B.Trap
			crosses := m.Valid && m.Addr%4096+uint64(m.Size) > 4096
			fault := b.Valid && !b.Interrupt && (b.Cause == spec.CauseLoadAccess || b.Cause == spec.CauseStoreAccess)
			return crosses && !d.A.Trap.Valid && fault && b.Tval == m.Addr
		},
	},
	{
		Name:    "virt-devices",
		Spec:    "rv64pg's memory map has only the boot ROM, the finisher, CLINT, PLIC, the UART and RAM; an access anywhere else is an access fault (Priv. 1.12 §3.6.1 leaves the physical memory map to the platform; docs/devices.md)",
		QEMU:    "virt also maps an RTC, virtio, fw_cfg, flash and PCIe, which answer",
		Profile: true,
		Match: func(d *diff.Divergence) bool {
			a := d.A.Trap
			fault := a.Valid && !a.Interrupt && (a.Cause == spec.CauseLoadAccess || a.Cause == spec.CauseStoreAccess || a.Cause == spec.CauseFetchAccess)
			return fault && !d.B.Trap.Valid && qemuOnly(a.Tval)
		},
	},
	{
		Name: "tdata1",
		Spec: "tdata1 written with type 0 \"must result in a trigger that is disabled\"; mcontrol6.vs and vu are hard-wired to 0 without virtualization (Debug spec 1.0, Sdtrig: tdata1, mcontrol6)",
		QEMU: "ignores a type-0 write (the trigger stays armed) and keeps vs and vu",
		Match: func(d *diff.Divergence) bool {
			c, ok := csrOf(d.A.Insn)
			return ok && c == csrTdata1 && !d.A.Trap.Valid && !d.B.Trap.Valid && onlyFields(d, "CSR.Value", "Rd.Value")
		},
	},
	{
		Name: "trigger-mode",
		Spec: "an mcontrol trigger fires only in the modes its m, s and u bits enable (Debug spec 1.0 §5.5, mcontrol)",
		QEMU: "under its gdbstub's single step, an execute trigger armed for U also fires in M-mode (QEMU 7.2 tests the bit numbered by the privilege level, M = 3 = mcontrol.u)",
		Match: func(d *diff.Divergence) bool {
			b := d.B.Trap
			return !d.A.Trap.Valid && b.Valid && !b.Interrupt && b.Cause == spec.CauseBreakpoint && d.B.Insn == 0
		},
	},
	{
		Name: "trigger-before-interrupt",
		Spec: "a pending, enabled interrupt is taken before the next instruction begins (Priv. 1.12 §3.1.9), so before that instruction's execute trigger, which the Debug spec ranks among its synchronous exceptions (Debug spec 1.0 §5.3)",
		QEMU: "under its gdbstub's single step, an execute trigger on the pc an xRET returns to fires before a pending interrupt (found by vcheck fuzz --target qemu)",
		Match: func(d *diff.Divergence) bool {
			a, b := d.A.Trap, d.B.Trap
			return a.Valid && a.Interrupt && b.Valid && !b.Interrupt && b.Cause == spec.CauseBreakpoint && d.B.Insn == 0
		},
	},
	{
		Name: "trigger-match",
		Spec: "a load or store trigger matches the accesses whose compare value (the accessed bytes' addresses) equals tdata2, sized ones only accesses of their size; a successful SC is a store; a trigger outranks address-misaligned (Debug spec 1.0 §5.3, §5.5.1)",
		QEMU: "matches any access within tdata2..+8 (or +N, N the size encoding), an SC as a load, and reports a misaligned LR/AMO as misaligned first",
		Match: func(d *diff.Divergence) bool {
			a, b := d.A.Trap, d.B.Trap
			bp := func(t spec.Trap) bool { return t.Valid && !t.Interrupt && t.Cause == spec.CauseBreakpoint }
			return isMemoryAccess(d.A.Insn) && (bp(a) != bp(b)) && !(a.Valid && a.Interrupt) && !(b.Valid && b.Interrupt)
		},
	},
	{
		Name: "warl",
		Spec: "WARL fields never hold an illegal value (Priv. 1.12 §2.3): mstatus.MPP=2 is reserved and UXL is 2 (§3.1.6.2, §3.1.6.1); MPV/GVA, VS interrupt bits and SGEIP/LCOFI exist only with H and Sscofpmf (§3.1.9); mcounteren/scounteren and mcountinhibit are 32-bit (§3.1.11, §3.1.12); menvcfg/senvcfg bits of absent extensions are zero (§3.1.18); medeleg bit 11 is read-only zero (§3.1.8); pmpaddr bits 63:54 are zero on RV64 and pmpcfg R=0,W=1 is reserved (§3.7.1)",
		QEMU: "stores those bits as written",
		Match: func(d *diff.Divergence) bool {
			return csrValueDiffers(d, warlDepartures)
		},
	},
}

// warlDepartures are, by CSR, the bits QEMU 7.2 keeps that the
// specification's WARL rules clear (docs/refmodel.md, the CSR probe).
var warlDepartures = map[uint16]uint64{
	spec.CSRMstatus:       spec.MstatusMPP | spec.MstatusUXL | 1<<39 | 1<<38,
	spec.CSRSstatus:       spec.MstatusUXL,
	spec.CSRMcounteren:    0xffffffff << 32,
	spec.CSRScounteren:    0xffffffff << 32,
	spec.CSRMcountinhibit: ^uint64(0x5),
	spec.CSRMenvcfg:       0xf0 | 1<<62 | 1<<63,
	spec.CSRSenvcfg:       0xf0,
	spec.CSRMedeleg:       1<<10 | 1<<11 | 0xf<<20,
	spec.CSRMideleg:       1<<2 | 1<<6 | 1<<10 | 1<<12 | 1<<13,
	spec.CSRMie:           1<<2 | 1<<6 | 1<<10 | 1<<12 | 1<<13,
	spec.CSRMip:           1<<2 | 1<<6 | 1<<10 | 1<<12 | 1<<13,
	spec.CSRSie:           1<<2 | 1<<6 | 1<<10 | 1<<12 | 1<<13,
	spec.CSRSip:           1<<2 | 1<<6 | 1<<10 | 1<<12 | 1<<13,
	// A pmpcfg byte locked with them would refuse the sync as well: the
	// client holds its L bits back (pmplock.go).
	spec.CSRPmpcfg0:     0x6262626262626262,
	spec.CSRPmpcfg0 + 2: 0x6262626262626262,
}

func init() {
	for i := uint16(0); i < spec.PMPEntries; i++ {
		warlDepartures[spec.CSRPmpaddr0+i] = 0x3ff << 54
	}
}

// ClassifyQEMU returns the departure a divergence is, or false.
func ClassifyQEMU(d *diff.Divergence) (Departure, bool) {
	if d == nil || len(d.Fields) == 0 {
		return Departure{}, false
	}
	for _, dep := range QEMUDepartures {
		if dep.Match(d) {
			return dep, true
		}
	}
	return Departure{}, false
}

// trapRouting are the fields a different cause may change: with medeleg
// delegating one of the two causes and not the other, the trap goes to
// another mode and vector.
var trapRouting = []string{"Trap.Cause", "Trap.Target", "NextPC", "NextMode"}

// readsMtime reports a load of the CLINT's mtime whose value alone
// differs. The address is the effective one: the generators and the
// corpus reach the CLINT untranslated.
func readsMtime(d *diff.Divergence) bool {
	m := d.A.Mem
	lo := uint64(spec.CLINTBase + spec.CLINTMtime)
	return m.Valid && m.Read && !m.Write && m.Addr >= lo && m.Addr < lo+8 &&
		onlyFields(d, "Rd.Value", "Mem.RData")
}

// onlyFields reports whether the differing fields are among want.
func onlyFields(d *diff.Divergence, want ...string) bool {
	for _, f := range d.Fields {
		ok := false
		for _, w := range want {
			ok = ok || f == w
		}
		if !ok {
			return false
		}
	}
	return true
}

func baseName(insn uint32) string {
	o, ok := spec.DecodeOperands(insn)
	if !ok {
		return ""
	}
	return o.Base.Name
}

func isAMOorSC(insn uint32) bool {
	n := baseName(insn)
	return strings.HasPrefix(n, "amo") || strings.HasPrefix(n, "sc.")
}

func isSC(insn uint32) bool { return strings.HasPrefix(baseName(insn), "sc.") }

// csrOf returns the CSR of a Zicsr instruction.
func csrOf(insn uint32) (uint16, bool) {
	o, ok := spec.DecodeOperands(insn)
	if !ok || !o.HasCSR {
		return 0, false
	}
	return o.CSR, true
}

// readsCSR reports whether the divergence is only in the value a Zicsr
// instruction read from (or wrote back to) one of csrs.
func readsCSR(d *diff.Divergence, csrs ...uint16) bool {
	c, ok := csrOf(d.A.Insn)
	if !ok || d.A.Trap.Valid || d.B.Trap.Valid || !onlyFields(d, "Rd.Value", "CSR.Value") {
		return false
	}
	for _, x := range csrs {
		if c == x {
			return true
		}
	}
	return false
}

// csrValueDiffers reports whether the divergence is only in the value of
// a CSR (written, or read into rd) and only in the bits masks allows for
// that CSR.
func csrValueDiffers(d *diff.Divergence, masks map[uint16]uint64) bool {
	c, ok := csrOf(d.A.Insn)
	m, known := masks[c]
	if !ok || !known || d.A.Trap.Valid || d.B.Trap.Valid || !onlyFields(d, "Rd.Value", "CSR.Value") {
		return false
	}
	return (d.A.Rd.Value^d.B.Rd.Value)&^m == 0 && (d.A.CSR.Value^d.B.CSR.Value)&^m == 0
}

// QEMUStateSkip are the CSRs a state comparison with QEMU leaves out,
// each because of a departure above: the counters (instret, cycle-time)
// and marchid/mimpid (marchid-mimpid).
var QEMUStateSkip = map[uint16]bool{
	spec.CSRMcycle: true, spec.CSRMinstret: true, spec.CSRCycle: true, spec.CSRTime: true, spec.CSRInstret: true,
	spec.CSRMarchid: true, spec.CSRMimpid: true,
}

// qemuOnlyRegions are the ranges QEMU 7.2's virt maps and rv64pg does
// not (hw/riscv/virt.c virt_memmap): RTC, PCIe PIO, virtio, fw_cfg,
// flash, PCIe ECAM and MMIO.
var qemuOnlyRegions = [][2]uint64{
	{0x101000, 0x1000}, {0x3000000, 0x10000}, {0x10001000, 0x8000}, {0x10100000, 0x18},
	{0x20000000, 0x4000000}, {0x30000000, 0x10000000}, {0x40000000, 0x40000000},
}

// qemuOnly reports whether a (physical) address lies in one of them.
func qemuOnly(a uint64) bool {
	for _, r := range qemuOnlyRegions {
		if a >= r[0] && a-r[0] < r[1] {
			return true
		}
	}
	return false
}

// csrTdata1 is the trigger module's tdata1 (Debug spec 1.0).
const csrTdata1 = 0x7a1

// isMemoryAccess reports whether insn is a load, store, LR, SC or AMO.
func isMemoryAccess(insn uint32) bool {
	o, ok := spec.DecodeOperands(insn)
	if !ok {
		return false
	}
	op := o.Base.Match & 0x7f
	return op == 0x03 || op == 0x23 || op == 0x2f
}
