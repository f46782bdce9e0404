package trace

import (
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// Spike's names for the exception causes (riscv-isa-sim riscv/trap.h,
// the DECLARE_*TRAP list: "trap_" and the class name).
var trapNames = map[uint64]string{
	spec.CauseMisalignedFetch:    "trap_instruction_address_misaligned",
	spec.CauseFetchAccess:        "trap_instruction_access_fault",
	spec.CauseIllegalInstruction: "trap_illegal_instruction",
	spec.CauseBreakpoint:         "trap_breakpoint",
	spec.CauseMisalignedLoad:     "trap_load_address_misaligned",
	spec.CauseLoadAccess:         "trap_load_access_fault",
	spec.CauseMisalignedStore:    "trap_store_address_misaligned",
	spec.CauseStoreAccess:        "trap_store_access_fault",
	spec.CauseUserEcall:          "trap_user_ecall",
	spec.CauseSupervisorEcall:    "trap_supervisor_ecall",
	spec.CauseMachineEcall:       "trap_machine_ecall",
	spec.CauseFetchPageFault:     "trap_instruction_page_fault",
	spec.CauseLoadPageFault:      "trap_load_page_fault",
	spec.CauseStorePageFault:     "trap_store_page_fault",
}

// TrapName names a trap as Spike's log does: trap_NAME for the causes it
// knows, "interrupt #N" for an interrupt, "trap #N" otherwise
// (trap_t::name).
func TrapName(interrupt bool, cause uint64) string {
	if interrupt {
		return fmt.Sprintf("interrupt #%d", cause)
	}
	if n, ok := trapNames[cause]; ok {
		return n
	}
	return fmt.Sprintf("trap #%d", cause)
}

// parseTrapName inverts TrapName.
func parseTrapName(s string) (interrupt bool, cause uint64, ok bool) {
	if n, found := strings.CutPrefix(s, "interrupt #"); found {
		_, err := fmt.Sscanf(n, "%d", &cause)
		return true, cause, err == nil
	}
	if n, found := strings.CutPrefix(s, "trap #"); found {
		_, err := fmt.Sscanf(n, "%d", &cause)
		return false, cause, err == nil
	}
	for c, name := range trapNames {
		if name == s {
			return false, c, true
		}
	}
	return false, 0, false
}

// hasTval reports whether Spike prints a tval line for the trap: the
// instruction and memory traps carry one (insn_trap_t, mem_trap_t); the
// ecalls and interrupts (plain trap_t) do not.
func hasTval(interrupt bool, cause uint64) bool {
	if interrupt {
		return false
	}
	switch cause {
	case spec.CauseUserEcall, spec.CauseSupervisorEcall, spec.CauseMachineEcall:
		return false
	}
	_, known := trapNames[cause]
	return known
}

// CSRReader returns a CSR of the hart after the step, for the writes
// Spike logs that a retire record does not carry.
type CSRReader func(addr uint16) uint64

// loggedCSR is the CSR Spike logs for a Zicsr write to addr: sstatus,
// sie and sip are views, and Spike logs the register they are a view of,
// whole (sstatus_proxy_csr_t, mie_proxy_csr_t, mip_proxy_csr_t).
func loggedCSR(addr uint16) uint16 {
	switch addr {
	case spec.CSRSstatus:
		return spec.CSRMstatus
	case spec.CSRSie:
		return spec.CSRMie
	case spec.CSRSip:
		return spec.CSRMip
	}
	return addr
}

// Format renders a step as Spike prints it with --log-commits (and, for
// a trap, the exception lines of -l, which --log-commits alone does not
// print):
//
//	core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000
//	core   0: 3 0x0000000080000004 (0x0062b023) mem 0x0000000080001000 0x00000000deadbeef
//	core   0: 3 0x0000000080000008 (0x30200073) c768_mstatus 0x0000000a00000080
//	core   0: exception trap_illegal_instruction, epc 0x000000008000000c
//	core   0:           tval 0x0000000000000000
//
// A retired instruction is one line: the mode, pc and bits, the register
// write, then CSR writes (a write to sstatus, sie or sip shows as the
// whole mstatus, mie or mip; mret and sret show the mstatus they wrote),
// then loads (" mem ADDR") and stores (" mem ADDR VALUE"). csr, which may
// be nil when no step needs it, reads those CSRs after the step.
func Format(r *spec.Retire, csr CSRReader) string {
	var b strings.Builder
	if r.Trap.Valid {
		fmt.Fprintf(&b, "core %3d: exception %s, epc 0x%016x", r.Hart, TrapName(r.Trap.Interrupt, r.Trap.Cause), r.PC)
		if hasTval(r.Trap.Interrupt, r.Trap.Cause) {
			fmt.Fprintf(&b, "\ncore %3d:           tval 0x%016x", r.Hart, r.Trap.Tval)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "core%4d: %d 0x%016x ", r.Hart, r.Mode, r.PC)
	if spec.InsnLen(r.Insn) == 2 {
		fmt.Fprintf(&b, "(0x%04x)", r.Insn&0xffff)
	} else {
		fmt.Fprintf(&b, "(0x%08x)", r.Insn)
	}
	if r.Rd.Valid && r.Rd.Reg != 0 {
		fmt.Fprintf(&b, " x%-2d 0x%016x", r.Rd.Reg, r.Rd.Value)
	}
	switch {
	case r.CSR.Valid:
		addr, v := loggedCSR(r.CSR.Addr), r.CSR.Value
		if addr != r.CSR.Addr && csr != nil {
			v = csr(addr)
		}
		fmt.Fprintf(&b, " c%d_%s 0x%016x", addr, csrName(addr), v)
	case (r.Insn == insnMret || r.Insn == insnSret) && csr != nil:
		fmt.Fprintf(&b, " c%d_mstatus 0x%016x", spec.CSRMstatus, csr(spec.CSRMstatus))
	}
	if r.Mem.Valid && r.Mem.Read {
		fmt.Fprintf(&b, " mem 0x%016x", r.Mem.Addr)
	}
	if r.Mem.Valid && r.Mem.Write {
		fmt.Fprintf(&b, " mem 0x%016x 0x%0*x", r.Mem.Addr, 2*int(r.Mem.Size), r.Mem.WData)
	}
	return b.String()
}

const (
	insnEbreak  = 0x00100073
	insnCEbreak = 0x9002
	insnMret    = 0x30200073
	insnSret    = 0x10200073
)

func csrName(addr uint16) string {
	if c := spec.LookupCSR(addr); c != nil {
		return c.Name
	}
	return fmt.Sprintf("unknown_%03x", addr)
}
