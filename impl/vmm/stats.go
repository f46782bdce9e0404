package vmm

import (
	"fmt"
	"sort"
	"strings"
)

// ExitCause classifies a VM exit.
type ExitCause uint8

const (
	ExitCSR            ExitCause = iota // a Zicsr instruction (illegal in physical U)
	ExitMRET                            // mret
	ExitSRET                            // sret
	ExitWFI                             // wfi
	ExitSFENCE                          // sfence.vma
	ExitIllegal                         // an instruction illegal on the bare machine too
	ExitECALL                           // ecall
	ExitEBREAK                          // ebreak, c.ebreak
	ExitShadowFill                      // a page fault the shadow did not have yet: invisible to the guest
	ExitMMIO                            // a device access (emulated against the VM's devices)
	ExitPTWrite                         // a store to a guest page table (emulated; drops the Sv39 contexts)
	ExitEmulatedAccess                  // another access the shadow leaves to emulation (PMP-split page, HTIF, boot-ROM store, MPRV)
	ExitGuestFault                      // an access the guest itself faults on
	ExitMisaligned                      // a misaligned LR/SC/AMO
	ExitAccessFault                     // a physical access fault (the shadow never maps what the physical PMP refuses)
	NumExitCauses
)

var exitNames = [NumExitCauses]string{"csr", "mret", "sret", "wfi", "sfence.vma", "illegal", "ecall", "ebreak",
	"shadow fill", "mmio", "page-table write", "emulated access", "guest fault", "misaligned atomic", "physical access fault"}

func (c ExitCause) String() string {
	if c < NumExitCauses {
		return exitNames[c]
	}
	return "ExitCause(?)"
}

// Stats are a VM's efficiency counters (P&G's third condition, measured).
type Stats struct {
	Direct     uint64                // guest instructions retired directly on the physical hart
	Emulated   uint64                // guest instructions retired by emulation (after an exit)
	GuestTraps uint64                // exceptions the guest took (all emulated: delivered by the VMM)
	Interrupts uint64                // interrupts the guest took (injected at the bare machine's boundary)
	Exits      [NumExitCauses]uint64 // VM exits by cause
	Fills      uint64                // shadow entries filled
	Switches   uint64                // shadow context switches (physical satp writes)
	Flushes    uint64                // contexts released wholesale (PMP writes, the pool or the context cache full)
	PTWrites   uint64                // writes to tracked guest page-table pages
	Dropped    uint64                // shadow leaves dropped because a PTE they were derived from was written
}

// Stats returns the VM's counters.
func (vm *VM) Stats() Stats { return vm.stats }

// Retired is every guest instruction retired.
func (s Stats) Retired() uint64 { return s.Direct + s.Emulated }

// ExitCount is the number of VM exits.
func (s Stats) ExitCount() uint64 {
	var n uint64
	for _, v := range s.Exits {
		n += v
	}
	return n
}

// DirectShare is the share of retired guest instructions that ran
// directly (0..1).
func (s Stats) DirectShare() float64 {
	if s.Retired() == 0 {
		return 0
	}
	return float64(s.Direct) / float64(s.Retired())
}

// Causes lists the causes of the exits that happened, most frequent
// first.
func (s Stats) Causes() []ExitCause {
	var out []ExitCause
	for c := range NumExitCauses {
		if s.Exits[c] != 0 {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return s.Exits[out[i]] > s.Exits[out[j]] })
	return out
}

// String is a one-paragraph report: the direct share, the emulated count
// and the exits per million guest instructions by cause.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.4f%% of %d guest instructions executed directly, %d emulated; %d exits",
		100*s.DirectShare(), s.Retired(), s.Emulated, s.ExitCount())
	if r := s.Retired(); r > 0 && s.ExitCount() > 0 {
		var parts []string
		for _, k := range s.Causes() {
			parts = append(parts, fmt.Sprintf("%s %s", k, perMillion(s.Exits[k], r)))
		}
		fmt.Fprintf(&b, " (per million guest instructions: %s)", strings.Join(parts, ", "))
	}
	return b.String()
}

// perMillion formats n per million of total with three significant
// digits (0.0123, 1.23, 1230).
func perMillion(n, total uint64) string {
	v := float64(n) * 1e6 / float64(total)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.3g", v)
	}
	return fmt.Sprintf("%.3g", v)
}
