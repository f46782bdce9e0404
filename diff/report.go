package diff

import (
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// Disassembler renders one instruction; the CLI passes toolchain/disasm's.
// A nil Disassembler prints the raw bits.
type Disassembler func(insn uint32, pc uint64) string

func render(dis Disassembler, r spec.Retire) string {
	if r.Trap.Valid && r.Trap.Interrupt {
		return fmt.Sprintf("<%s>", spec.CauseName(true, r.Trap.Cause))
	}
	if dis == nil {
		return fmt.Sprintf(".insn %#x", r.Insn)
	}
	return dis(r.Insn, r.PC)
}

// FormatRecord prints one record on one line, close to Spike's
// --log-commits: hart, mode, pc, bits, disassembly, then the effects.
func FormatRecord(dis Disassembler, r spec.Retire) string {
	var b strings.Builder
	width := 8
	if spec.InsnLen(r.Insn) == 2 {
		width = 4
	}
	fmt.Fprintf(&b, "core %3d: %s 0x%016x (0x%0*x) %-28s", r.Hart, r.Mode, r.PC, width, r.Insn, render(dis, r))
	if r.Rd.Valid {
		fmt.Fprintf(&b, " x%-2d 0x%016x", r.Rd.Reg, r.Rd.Value)
	}
	if r.Mem.Valid {
		fmt.Fprintf(&b, " mem 0x%016x", r.Mem.Addr)
		if r.Mem.Read {
			fmt.Fprintf(&b, " r%d=0x%x", r.Mem.Size, r.Mem.RData)
		}
		if r.Mem.Write {
			fmt.Fprintf(&b, " w%d=0x%x", r.Mem.Size, r.Mem.WData)
		}
	}
	if r.CSR.Valid {
		fmt.Fprintf(&b, " csr 0x%03x 0x%016x", r.CSR.Addr, r.CSR.Value)
	}
	if r.Trap.Valid {
		fmt.Fprintf(&b, " trap %s cause=%d tval=0x%x -> %s", spec.CauseName(r.Trap.Interrupt, r.Trap.Cause), r.Trap.Cause, r.Trap.Tval, r.Trap.Target)
	}
	if r.NextMode != r.Mode {
		fmt.Fprintf(&b, " mode %s->%s", r.Mode, r.NextMode)
	}
	return b.String()
}

// Text renders the divergence for a person: where, what, the records
// before it on both sides, and the diffs.
func (d *Divergence) Text(nameA, nameB string, dis Disassembler) string {
	var b strings.Builder
	fmt.Fprintf(&b, "DIVERGENCE: %s\n", d.Reason)
	if d.A != (spec.Retire{}) || d.B != (spec.Retire{}) {
		fmt.Fprintf(&b, "  instruction #%d: pc 0x%x  %s\n", d.Index, d.A.PC, render(dis, d.A))
	}
	if len(d.HistoryA) > 0 {
		fmt.Fprintf(&b, "\nlast %d records (identical on both sides):\n", len(d.HistoryA))
		for _, r := range d.HistoryA {
			fmt.Fprintf(&b, "  %s\n", FormatRecord(dis, r))
		}
	}
	if d.Diff != "" {
		fmt.Fprintf(&b, "\n%-6s %s\n", nameA+":", FormatRecord(dis, d.A))
		fmt.Fprintf(&b, "%-6s %s\n", nameB+":", FormatRecord(dis, d.B))
		fmt.Fprintf(&b, "\nrecord diff (-%s +%s):\n%s", nameA, nameB, d.Diff)
	}
	if d.StateDiff != "" {
		fmt.Fprintf(&b, "\nstate diff (-%s +%s):\n%s", nameA, nameB, d.StateDiff)
	}
	for _, x := range []struct{ what, diff string }{{"memory", d.Memory}, {"devices", d.Devices}, {"console", d.Console}} {
		if x.diff != "" {
			fmt.Fprintf(&b, "\n%s differs (%s, %s): %s\n", x.what, nameA, nameB, x.diff)
		}
	}
	return b.String()
}
