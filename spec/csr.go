package spec

import "fmt"

// CSR is one row of the CSR table (Priv. spec 1.12 §2.2, Table 2.2-2.5).
//
// The masks state the common WARL rule: a write keeps the bits outside
// WriteMask and takes the bits inside it. CSRs with a richer rule name it
// in Rule, and each model implements that rule itself.
type CSR struct {
	Addr      uint16
	Name      string
	Priv      Mode   // lowest privilege that may access it: bits 9:8 of Addr
	ReadOnly  bool   // bits 11:10 of Addr are 0b11
	WriteMask uint64 // bits a write may change
	ReadMask  uint64 // bits a read returns (others read as zero)
	Reset     uint64 // value after reset
	Class     Class  // P&G class of a Zicsr instruction on this CSR
	Rule      string // the WARL or side-effect rule beyond WriteMask, if any
}

// mstatus fields (Priv. spec 1.12 §3.1.6).
const (
	MstatusSIE  = 1 << 1
	MstatusMIE  = 1 << 3
	MstatusSPIE = 1 << 5
	MstatusUBE  = 1 << 6
	MstatusMPIE = 1 << 7
	MstatusSPP  = 1 << 8
	MstatusVS   = 3 << 9
	MstatusMPP  = 3 << 11
	MstatusFS   = 3 << 13
	MstatusXS   = 3 << 15
	MstatusMPRV = 1 << 17
	MstatusSUM  = 1 << 18
	MstatusMXR  = 1 << 19
	MstatusTVM  = 1 << 20
	MstatusTW   = 1 << 21
	MstatusTSR  = 1 << 22
	MstatusUXL  = 3 << 32
	MstatusSXL  = 3 << 34
	MstatusSD   = 1 << 63

	// VS is writable although rv64pg has no vector unit: Priv. spec 1.12
	// §3.1.6.6 lets VS be read-only zero or not when S-mode exists, and
	// QEMU 7.2 (v=false) keeps it writable, with SD summarizing it.
	mstatusWritable = MstatusSIE | MstatusMIE | MstatusSPIE | MstatusMPIE | MstatusSPP | MstatusMPP | MstatusVS |
		MstatusMPRV | MstatusSUM | MstatusMXR | MstatusTVM | MstatusTW | MstatusTSR
	// MstatusReset has UXL = SXL = 2 (64-bit), read-only.
	MstatusReset = 2<<32 | 2<<34
	// SstatusMask is the view of mstatus that sstatus gives (Priv. spec 1.12 §4.1.1).
	SstatusMask     = MstatusSIE | MstatusSPIE | MstatusUBE | MstatusSPP | MstatusVS | MstatusFS | MstatusXS | MstatusSUM | MstatusMXR | MstatusUXL | MstatusSD
	sstatusWritable = MstatusSIE | MstatusSPIE | MstatusSPP | MstatusVS | MstatusSUM | MstatusMXR
)

// Interrupt bits of mip/mie (Priv. spec 1.12 §3.1.9).
const (
	MipSSIP = 1 << IntSSoftware
	MipMSIP = 1 << IntMSoftware
	MipSTIP = 1 << IntSTimer
	MipMTIP = 1 << IntMTimer
	MipSEIP = 1 << IntSExternal
	MipMEIP = 1 << IntMExternal

	// SInterrupts are the interrupts mideleg can delegate.
	SInterrupts = MipSSIP | MipSTIP | MipSEIP
	// AllInterrupts are the interrupts this profile has.
	AllInterrupts = SInterrupts | MipMSIP | MipMTIP | MipMEIP
)

// MisaValue is misa for rv64pg: MXL=2 and the extensions I, M, A, C, S, U.
const MisaValue = 2<<62 | 1 /* A */ | 1<<('C'-'A') | 1<<('I'-'A') | 1<<('M'-'A') | 1<<('S'-'A') | 1<<('U'-'A')

// DelegableExceptions are the exception causes medeleg can delegate:
// every cause but the M-mode ecall (Priv. spec 1.12 §3.1.8).
const DelegableExceptions = 1<<CauseMisalignedFetch | 1<<CauseFetchAccess | 1<<CauseIllegalInstruction |
	1<<CauseBreakpoint | 1<<CauseMisalignedLoad | 1<<CauseLoadAccess | 1<<CauseMisalignedStore |
	1<<CauseStoreAccess | 1<<CauseUserEcall | 1<<CauseSupervisorEcall | 1<<CauseFetchPageFault |
	1<<CauseLoadPageFault | 1<<CauseStorePageFault

// PMP (Priv. spec 1.12 §3.7).
const (
	PMPEntries = 16
	PMPR       = 0x01
	PMPW       = 0x02
	PMPX       = 0x04
	PMPA       = 0x18 // address-matching mode
	PMPL       = 0x80
	PMPOff     = 0 << 3
	PMPTOR     = 1 << 3
	PMPNA4     = 2 << 3
	PMPNAPOT   = 3 << 3
	// PMPAddrMask: pmpaddr holds bits 55:2 of a 56-bit physical address.
	PMPAddrMask = 1<<54 - 1
)

// Sv39 page-table entry bits (Priv. spec 1.12 §4.3.1).
const (
	PTEV = 1 << 0
	PTER = 1 << 1
	PTEW = 1 << 2
	PTEX = 1 << 3
	PTEU = 1 << 4
	PTEG = 1 << 5
	PTEA = 1 << 6
	PTED = 1 << 7
)

// satp (Priv. spec 1.12 §4.1.11).
const (
	SatpModeBare = 0
	SatpModeSv39 = 8
	SatpPPNMask  = 1<<44 - 1
	SatpASIDMask = 0xffff << 44
)

// The trigger module (Sdtrig, RISC-V Debug Specification 1.0 ch. 5, "Sdtrig"):
// rv64pg has the one of QEMU 7.2 (target/riscv/debug.c): two triggers,
// each an address match trigger of type 2 (mcontrol) or 6 (mcontrol6) whose
// action is always a breakpoint exception. These constants are the
// register layout; each model implements the WARL rules and the matching
// itself (refmodel/trigger.go, impl/engine/trigger.go; docs/spec.md).
const (
	Triggers = 2 // the number of triggers: tselect holds 0 or 1

	TriggerTypeShift     = 60 // tdata1.type is bits XLEN-1:XLEN-4
	TriggerTypeMcontrol  = 2
	TriggerTypeMcontrol6 = 6

	// Fields mcontrol and mcontrol6 share (Debug spec 1.0 §5.7.4, §5.7.9).
	McontrolLoad    = 1 << 0
	McontrolStore   = 1 << 1
	McontrolExecute = 1 << 2
	McontrolU       = 1 << 3
	McontrolS       = 1 << 4
	McontrolM       = 1 << 6
	// mcontrol.sizelo (17:16) and sizehi (22:21); mcontrol6.size (19:16).
	McontrolSizelo = 3 << 16
	McontrolSizehi = 3 << 21
	Mcontrol6Size  = 0xf << 16

	// Tdata1Reset: every trigger resets to a disabled mcontrol.
	Tdata1Reset = TriggerTypeMcontrol << TriggerTypeShift
	// TinfoValue: tinfo.info has a bit per type a trigger supports; the
	// version field (31:24) is 0, as in QEMU 7.2.
	TinfoValue = 1<<TriggerTypeMcontrol | 1<<TriggerTypeMcontrol6

	tdata1Writable = 0xf<<TriggerTypeShift | McontrolSizehi | Mcontrol6Size |
		McontrolM | McontrolS | McontrolU | McontrolExecute | McontrolStore | McontrolLoad
)

// CSR addresses, for code that names one.
const (
	CSRSstatus    = 0x100
	CSRSie        = 0x104
	CSRStvec      = 0x105
	CSRScounteren = 0x106
	CSRSenvcfg    = 0x10a
	CSRSscratch   = 0x140
	CSRSepc       = 0x141
	CSRScause     = 0x142
	CSRStval      = 0x143
	CSRSip        = 0x144
	CSRSatp       = 0x180

	CSRMstatus       = 0x300
	CSRMisa          = 0x301
	CSRMedeleg       = 0x302
	CSRMideleg       = 0x303
	CSRMie           = 0x304
	CSRMtvec         = 0x305
	CSRMcounteren    = 0x306
	CSRMenvcfg       = 0x30a
	CSRMcountinhibit = 0x320
	CSRMhpmevent3    = 0x323
	CSRMscratch      = 0x340
	CSRMepc          = 0x341
	CSRMcause        = 0x342
	CSRMtval         = 0x343
	CSRMip           = 0x344
	CSRPmpcfg0       = 0x3a0
	CSRPmpaddr0      = 0x3b0
	CSRTselect       = 0x7a0
	CSRTdata1        = 0x7a1
	CSRTdata2        = 0x7a2
	CSRTdata3        = 0x7a3
	CSRTinfo         = 0x7a4
	CSRMcycle        = 0xb00
	CSRMinstret      = 0xb02
	CSRMhpmcounter3  = 0xb03
	CSRCycle         = 0xc00
	CSRTime          = 0xc01
	CSRInstret       = 0xc02
	CSRMvendorid     = 0xf11
	CSRMarchid       = 0xf12
	CSRMimpid        = 0xf13
	CSRMhartid       = 0xf14
	CSRMconfigptr    = 0xf15
)

const all = ^uint64(0)

func csrRow(addr uint16, name string, writeMask, readMask, reset uint64, rule string) CSR {
	c := CSR{Addr: addr, Name: name, Priv: Mode(addr >> 8 & 3), ReadOnly: addr>>10&3 == 3,
		WriteMask: writeMask, ReadMask: readMask, Reset: reset, Class: Privileged, Rule: rule}
	if c.ReadOnly {
		c.WriteMask = 0
	}
	return c
}

// CSRs is the CSR table of rv64pg, in address order.
var CSRs = buildCSRs()

func buildCSRs() []CSR {
	t := []CSR{
		// Supervisor CSRs (Priv. spec 1.12 §4.1).
		csrRow(CSRSstatus, "sstatus", sstatusWritable, SstatusMask, 0, "view of mstatus; SD summarizes FS/VS/XS"),
		csrRow(CSRSie, "sie", SInterrupts, SInterrupts, 0, "view of mie: bits delegated by mideleg"),
		csrRow(CSRStvec, "stvec", all&^2, all, 0, "a write with MODE >= 2 is ignored, as QEMU does"),
		csrRow(CSRScounteren, "scounteren", 0xffffffff, 0xffffffff, 0, ""),
		csrRow(CSRSenvcfg, "senvcfg", 1, 1, 0, "only FIOM is implemented"),
		csrRow(CSRSscratch, "sscratch", all, all, 0, ""),
		csrRow(CSRSepc, "sepc", all&^1, all, 0, "IALIGN=16: bit 0 reads zero"),
		csrRow(CSRScause, "scause", all, all, 0, ""),
		csrRow(CSRStval, "stval", all, all, 0, ""),
		csrRow(CSRSip, "sip", MipSSIP, SInterrupts, 0, "view of mip: bits delegated by mideleg; only SSIP writable"),
		csrRow(CSRSatp, "satp", all, all, 0, "MODE must be Bare or Sv39, else the write is ignored; TVM traps S-mode access"),

		// Machine CSRs (Priv. spec 1.12 §3.1).
		csrRow(CSRMstatus, "mstatus", mstatusWritable, all, MstatusReset, "MPP is WARL: the reserved value 2 leaves MPP unchanged; SD summarizes FS/VS/XS"),
		csrRow(CSRMisa, "misa", 0, all, MisaValue, "writes are ignored"),
		csrRow(CSRMedeleg, "medeleg", DelegableExceptions, all, 0, ""),
		csrRow(CSRMideleg, "mideleg", SInterrupts, all, 0, ""),
		csrRow(CSRMie, "mie", AllInterrupts, all, 0, ""),
		csrRow(CSRMtvec, "mtvec", all&^2, all, 0, "a write with MODE >= 2 is ignored, as QEMU does"),
		csrRow(CSRMcounteren, "mcounteren", 0xffffffff, 0xffffffff, 0, ""),
		csrRow(CSRMenvcfg, "menvcfg", 1, all, 0, "only FIOM is implemented"),
		csrRow(CSRMcountinhibit, "mcountinhibit", 0x5, all, 0, "CY and IR stop mcycle and minstret"),
		csrRow(CSRMscratch, "mscratch", all, all, 0, ""),
		csrRow(CSRMepc, "mepc", all&^1, all, 0, "IALIGN=16: bit 0 reads zero"),
		csrRow(CSRMcause, "mcause", all, all, 0, ""),
		csrRow(CSRMtval, "mtval", all, all, 0, ""),
		csrRow(CSRMip, "mip", SInterrupts, all, 0, "MSIP, MTIP and MEIP come from the CLINT and PLIC; SEIP reads as the written bit OR the PLIC's S-context line"),
		csrRow(CSRMcycle, "mcycle", all, all, 0, "counts retired instructions (one cycle each)"),
		csrRow(CSRMinstret, "minstret", all, all, 0, "a write takes effect instead of this instruction's own increment"),
		csrRow(CSRMvendorid, "mvendorid", 0, all, 0, ""),
		csrRow(CSRMarchid, "marchid", 0, all, 0, ""),
		csrRow(CSRMimpid, "mimpid", 0, all, 0, ""),
		csrRow(CSRMhartid, "mhartid", 0, all, 0, "the hart's index"),
		csrRow(CSRMconfigptr, "mconfigptr", 0, all, 0, ""),

		// Trigger module (Debug spec 1.0 §5.7): M-mode CSRs, so a Zicsr
		// access below M is illegal, and privileged in the P&G sense.
		// tdata1, tdata2 and tinfo show the trigger tselect selects.
		csrRow(CSRTselect, "tselect", Triggers-1, all, 0, "WARL: a write of 2 or more (the trigger count) is ignored, as in QEMU 7.2"),
		csrRow(CSRTdata1, "tdata1", tdata1Writable, all, Tdata1Reset,
			"the selected trigger: type 2 (mcontrol) or 6 (mcontrol6); a write of type 0 disables it (keeps the type, clears the rest), "+
				"a write of another type is ignored; keeps m, s, u, execute, store, load and a size of 0, 8, 16, 32 or 64 bits "+
				"(0 when execute is set); dmode, maskmax, hit, select, timing, action, chain, match, vs and vu read zero"),
		csrRow(CSRTdata2, "tdata2", all, all, 0, "the selected trigger's compare address"),
		csrRow(CSRTdata3, "tdata3", 0, all, 0, "textra is not implemented: reads zero, writes are ignored"),
		csrRow(CSRTinfo, "tinfo", 0, all, TinfoValue, "types 2 and 6 for every trigger, version 0; writes are ignored"),
	}
	for i := uint16(0); i < 4; i += 2 { // RV64: only the even pmpcfg registers exist
		t = append(t, csrRow(CSRPmpcfg0+i, fmt.Sprintf("pmpcfg%d", i), 0x9f9f9f9f9f9f9f9f, all, 0,
			"per entry: R=0,W=1 is reserved (W cleared); a locked entry ignores writes"))
	}
	for i := uint16(0); i < PMPEntries; i++ {
		t = append(t, csrRow(CSRPmpaddr0+i, fmt.Sprintf("pmpaddr%d", i), PMPAddrMask, all, 0,
			"ignores writes when its entry, or the next entry in TOR mode, is locked"))
	}
	for i := uint16(3); i < 32; i++ {
		t = append(t, csrRow(CSRMhpmevent3+i-3, fmt.Sprintf("mhpmevent%d", i), 0, all, 0, "no events: read-only zero"))
		t = append(t, csrRow(CSRMhpmcounter3+i-3, fmt.Sprintf("mhpmcounter%d", i), 0, all, 0, "no events: read-only zero"))
	}
	// Unprivileged counters (Unprivileged spec §10); readable below M when
	// mcounteren (and, in U-mode, scounteren) allows. Their values reveal
	// host time, so they are sensitive; a VMM clears mcounteren, and then
	// every access below M traps. As the VMM configures the machine they
	// are therefore privileged (docs/spec.md, "The P&G classes").
	for _, u := range []struct {
		addr uint16
		name string
		rule string
	}{
		{CSRCycle, "cycle", "mirrors mcycle"},
		{CSRTime, "time", "mirrors the CLINT's mtime"},
		{CSRInstret, "instret", "mirrors minstret"},
	} {
		t = append(t, csrRow(u.addr, u.name, 0, all, 0, u.rule+"; gated by mcounteren/scounteren"))
	}
	sortCSRs(t)
	return t
}

func sortCSRs(t []CSR) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].Addr < t[j-1].Addr; j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

// LookupCSR returns the row for addr, or nil when the CSR does not exist.
func LookupCSR(addr uint16) *CSR {
	lo, hi := 0, len(CSRs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case CSRs[m].Addr == addr:
			return &CSRs[m]
		case CSRs[m].Addr < addr:
			lo = m + 1
		default:
			hi = m
		}
	}
	return nil
}

// CSRByName returns the row named name, or nil.
func CSRByName(name string) *CSR {
	for i := range CSRs {
		if CSRs[i].Name == name {
			return &CSRs[i]
		}
	}
	return nil
}
