package spec

import (
	"errors"
	"fmt"
)

// Mode is a RISC-V privilege level, encoded as in mstatus.MPP (Priv. spec 1.12 §1.2).
type Mode uint8

const (
	ModeU Mode = 0
	ModeS Mode = 1
	ModeM Mode = 3
)

func (m Mode) String() string {
	switch m {
	case ModeU:
		return "U"
	case ModeS:
		return "S"
	case ModeM:
		return "M"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Valid reports whether m is a mode this profile implements (M, S, U).
func (m Mode) Valid() bool { return m == ModeU || m == ModeS || m == ModeM }

// Variant selects a deliberately different architecture, for teaching and
// for testing the P&G analysis. The zero value is rv64pg itself.
type Variant uint8

const (
	// VariantRV64PG is the profile as docs/architecture.md §1 and docs/spec.md define it.
	VariantRV64PG Variant = iota
	// VariantPOPF imitates the pre-VT x86 POPF problem: U-mode reads of
	// mstatus/sstatus return a masked value instead of trapping, and
	// U-mode writes silently drop the interrupt-enable bits.
	VariantPOPF
)

func (v Variant) String() string {
	switch v {
	case VariantRV64PG:
		return "rv64pg"
	case VariantPOPF:
		return "popf"
	}
	return fmt.Sprintf("Variant(%d)", uint8(v))
}

// Config is every option that changes the machine's behavior. Every model
// is built from one, and the same Config and program give the same trace
// on every implementation.
type Config struct {
	RAM         uint64  // bytes of RAM at RAMBase; a multiple of 4 KiB
	Harts       int     // number of harts, 1..MaxHarts
	TimebaseDiv uint64  // mtime advances one tick every TimebaseDiv retired instructions (>= 1)
	ResetPC     uint64  // first pc after reset; QEMU virt starts in the boot ROM at 0x1000
	Variant     Variant // architecture variant; zero is rv64pg
}

// MaxHarts bounds Config.Harts; QEMU virt allows up to 8 per socket.
const MaxHarts = 8

// DefaultConfig is the configuration every command uses unless told
// otherwise: 128 MiB of RAM, one hart, and one mtime tick every 100
// instructions.
func DefaultConfig() Config {
	return Config{RAM: 128 << 20, Harts: 1, TimebaseDiv: 100, ResetPC: BootROMBase}
}

// Validate reports the first field of c that no model can honor.
func (c Config) Validate() error {
	var errs []error
	if c.RAM == 0 || c.RAM%4096 != 0 {
		errs = append(errs, fmt.Errorf("config: RAM = %d: must be a positive multiple of 4096", c.RAM))
	}
	if c.RAM > MaxRAM {
		errs = append(errs, fmt.Errorf("config: RAM = %d: more than the %d bytes the memory map allows", c.RAM, uint64(MaxRAM)))
	}
	if c.Harts < 1 || c.Harts > MaxHarts {
		errs = append(errs, fmt.Errorf("config: Harts = %d: must be 1..%d", c.Harts, MaxHarts))
	}
	if c.TimebaseDiv == 0 {
		errs = append(errs, errors.New("config: TimebaseDiv = 0: must be at least 1"))
	}
	if c.ResetPC%2 != 0 {
		errs = append(errs, fmt.Errorf("config: ResetPC = %#x: must be 2-byte aligned", c.ResetPC))
	}
	if c.Variant > VariantPOPF {
		errs = append(errs, fmt.Errorf("config: Variant = %d: unknown", c.Variant))
	}
	return errors.Join(errs...)
}

// The memory map of QEMU's virt machine (hw/riscv/virt.c, QEMU 7.2).
const (
	BootROMBase  = 0x1000
	BootROMSize  = 0xf000
	TestBase     = 0x100000 // sifive_test finisher
	TestSize     = 0x1000
	CLINTBase    = 0x2000000
	CLINTSize    = 0x10000
	PLICBase     = 0xc000000
	PLICSize     = 0x600000
	UARTBase     = 0x10000000
	UARTSize     = 0x100
	RAMBase      = 0x80000000
	MaxRAM       = 1 << 38  // keeps RAM inside Sv39's physical reach with room to spare
	TimebaseFreq = 10000000 // the device tree's timebase-frequency, as QEMU virt advertises

	// UARTIRQ is the PLIC source of the 16550 UART on QEMU virt.
	UARTIRQ = 10
	// PLICSources is the number of PLIC interrupt sources QEMU virt has (VIRT_IRQCHIP_NUM_SOURCES).
	PLICSources = 96
)

// CLINT register offsets (SiFive CLINT, as QEMU's ACLINT emulates it).
const (
	CLINTMsip     = 0x0000 // 4 bytes per hart
	CLINTMtimecmp = 0x4000 // 8 bytes per hart
	CLINTMtime    = 0xbff8
)

// sifive_test finisher commands (QEMU hw/misc/sifive_test.c).
const (
	FinisherFail  = 0x3333 // exit code in bits 31:16
	FinisherPass  = 0x5555
	FinisherReset = 0x7777
)

// Exception causes (Priv. spec 1.12, Table 3.6).
const (
	CauseMisalignedFetch    = 0
	CauseFetchAccess        = 1
	CauseIllegalInstruction = 2
	CauseBreakpoint         = 3
	CauseMisalignedLoad     = 4
	CauseLoadAccess         = 5
	CauseMisalignedStore    = 6 // also store/AMO
	CauseStoreAccess        = 7 // also store/AMO
	CauseUserEcall          = 8
	CauseSupervisorEcall    = 9
	CauseMachineEcall       = 11
	CauseFetchPageFault     = 12
	CauseLoadPageFault      = 13
	CauseStorePageFault     = 15 // also store/AMO
)

// Interrupt causes (Priv. spec 1.12, Table 3.6; the interrupt bit is separate).
const (
	IntSSoftware = 1
	IntMSoftware = 3
	IntSTimer    = 5
	IntMTimer    = 7
	IntSExternal = 9
	IntMExternal = 11
)

// CauseName returns the specification's name of a trap cause.
func CauseName(interrupt bool, cause uint64) string {
	if interrupt {
		switch cause {
		case IntSSoftware:
			return "supervisor software interrupt"
		case IntMSoftware:
			return "machine software interrupt"
		case IntSTimer:
			return "supervisor timer interrupt"
		case IntMTimer:
			return "machine timer interrupt"
		case IntSExternal:
			return "supervisor external interrupt"
		case IntMExternal:
			return "machine external interrupt"
		}
		return fmt.Sprintf("interrupt %d", cause)
	}
	switch cause {
	case CauseMisalignedFetch:
		return "instruction address misaligned"
	case CauseFetchAccess:
		return "instruction access fault"
	case CauseIllegalInstruction:
		return "illegal instruction"
	case CauseBreakpoint:
		return "breakpoint"
	case CauseMisalignedLoad:
		return "load address misaligned"
	case CauseLoadAccess:
		return "load access fault"
	case CauseMisalignedStore:
		return "store/AMO address misaligned"
	case CauseStoreAccess:
		return "store/AMO access fault"
	case CauseUserEcall:
		return "environment call from U-mode"
	case CauseSupervisorEcall:
		return "environment call from S-mode"
	case CauseMachineEcall:
		return "environment call from M-mode"
	case CauseFetchPageFault:
		return "instruction page fault"
	case CauseLoadPageFault:
		return "load page fault"
	case CauseStorePageFault:
		return "store/AMO page fault"
	}
	return fmt.Sprintf("exception %d", cause)
}

// Trap is a trap taken by one step: an exception raised by the
// instruction, or an interrupt taken before it.
type Trap struct {
	Valid     bool
	Interrupt bool
	Cause     uint64 // without the interrupt bit
	Tval      uint64 // the value written to mtval/stval
	Target    Mode   // the mode that handles the trap (M, or S when delegated)
}

// MemAccess is the data memory access an instruction made. For an AMO it
// is both a read and a write. Addr is the effective (virtual) address.
type MemAccess struct {
	Valid bool
	Addr  uint64
	Size  uint8 // bytes: 1, 2, 4 or 8
	Read  bool
	Write bool
	RData uint64 // the value read, zero-extended from Size bytes
	WData uint64 // the value written, zero-extended from Size bytes
}

// RegWrite is a write to an integer register. Writes to x0 are not recorded.
type RegWrite struct {
	Valid bool
	Reg   uint8
	Value uint64
}

// CSRWrite is the write a Zicsr instruction made to its CSR, with the value
// as read back after WARL legalization. Side effects on other CSRs and
// trap-entry writes are not listed: they show in Trap, Mode and NextPC, and
// in strict-mode state snapshots.
type CSRWrite struct {
	Valid bool
	Addr  uint16
	Value uint64
}

// Retire is what one step of one hart did: one instruction retired, or one
// trap taken. It is the unit of comparison between implementations
// (docs/retire.md).
type Retire struct {
	Hart     int
	PC       uint64
	NextPC   uint64 // the pc of the next step: pc+len, a jump target, or a trap vector
	Insn     uint32 // instruction bits; a compressed one sits in the low 16 bits
	Mode     Mode   // the mode the step started in
	NextMode Mode   // the mode after it
	Rd       RegWrite
	Mem      MemAccess
	CSR      CSRWrite
	Trap     Trap
}

// InsnLen returns the length in bytes of the instruction in r (2 or 4),
// or 0 when the step fetched no instruction: an interrupt, a fetch fault,
// or an execute trigger's breakpoint, which fires before the fetch (a
// breakpoint with Insn 0: the all-zero word is illegal, and so never
// raises a breakpoint itself).
func (r *Retire) InsnLen() int {
	if r.Trap.Valid && (r.Trap.Interrupt || isFetchCause(r.Trap.Cause) ||
		r.Trap.Cause == CauseBreakpoint && r.Insn == 0) {
		return 0
	}
	return InsnLen(r.Insn)
}

func isFetchCause(c uint64) bool {
	return c == CauseMisalignedFetch || c == CauseFetchAccess || c == CauseFetchPageFault
}

// InsnLen returns 2 for a compressed instruction and 4 otherwise, from the
// low two bits (Unprivileged spec §1.5).
func InsnLen(bits uint32) int {
	if bits&3 != 3 {
		return 2
	}
	return 4
}

// HaltReason says why a machine stopped.
type HaltReason uint8

const (
	Running      HaltReason = iota
	HaltFinisher            // the sifive_test finisher was written
	HaltHTIF                // the program wrote tohost
	HaltLimit               // the instruction limit was reached
	HaltReset               // the finisher asked for a reset
	HaltTrapLoop            // Run stopped a hart that took the same exception TrapLoopLimit times in a row
)

// TrapLoopLimit is how many identical exceptions in a row, with no
// instruction retired by that hart in between, make Run stop the machine
// with HaltTrapLoop (docs/retire.md, "Stop reasons"): a program whose trap
// vector itself traps (mtvec at unmapped memory) would otherwise burn its
// whole budget. Step never stops for it.
const TrapLoopLimit = 10000

func (h HaltReason) String() string {
	switch h {
	case Running:
		return "running"
	case HaltFinisher:
		return "finisher"
	case HaltHTIF:
		return "htif"
	case HaltLimit:
		return "instruction limit"
	case HaltReset:
		return "reset"
	case HaltTrapLoop:
		return "trap loop"
	}
	return fmt.Sprintf("HaltReason(%d)", uint8(h))
}
