package gdb

import (
	"testing"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// TestClassifyQEMU checks the ignore list matches the departures seen in
// the QEMU runs (an AMO fault's cause also routing the trap elsewhere, a
// load of the CLINT's mtime, a page-crossing load QEMU checks against PMP
// whole) and nothing that differs in more.
func TestClassifyQEMU(t *testing.T) {
	const amoaddw = 0x00b5252f // amoadd.w a0, a1, (a0)
	const lw = 0x0003e683      // lw a3, 0(t2)
	mtime := uint64(spec.CLINTBase + spec.CLINTMtime)
	cases := []struct {
		name string
		d    diff.Divergence
		want string // "" for none
	}{
		{"amo fault delegated on one side", diff.Divergence{
			A:      spec.Retire{Insn: amoaddw, NextMode: spec.ModeS, Trap: spec.Trap{Valid: true, Cause: spec.CauseStoreAccess, Target: spec.ModeS}},
			B:      spec.Retire{Insn: amoaddw, NextMode: spec.ModeM, Trap: spec.Trap{Valid: true, Cause: spec.CauseLoadAccess, Target: spec.ModeM}},
			Fields: []string{"NextPC", "NextMode", "Trap.Cause", "Trap.Target"}}, "amo-fault-cause"},
		{"amo store page fault, load access fault", diff.Divergence{
			A:      spec.Retire{Insn: amoaddw, Trap: spec.Trap{Valid: true, Cause: spec.CauseStorePageFault}},
			B:      spec.Retire{Insn: amoaddw, Trap: spec.Trap{Valid: true, Cause: spec.CauseLoadAccess}},
			Fields: []string{"Trap.Cause"}}, "amo-fault-cause"},
		{"amo fault and a register", diff.Divergence{
			A:      spec.Retire{Insn: amoaddw, Trap: spec.Trap{Valid: true, Cause: spec.CauseStoreAccess}},
			B:      spec.Retire{Insn: amoaddw, Trap: spec.Trap{Valid: true, Cause: spec.CauseLoadAccess}},
			Fields: []string{"Trap.Cause", "Rd.Value"}}, ""},
		{"mtime load", diff.Divergence{
			A:      spec.Retire{Insn: lw, Mem: spec.MemAccess{Valid: true, Read: true, Addr: mtime, RData: 2}},
			B:      spec.Retire{Insn: lw, Mem: spec.MemAccess{Valid: true, Read: true, Addr: mtime, RData: 0x1f8}},
			Fields: []string{"Rd.Value", "Mem.RData"}}, "cycle-time"},
		{"other load", diff.Divergence{
			A:      spec.Retire{Insn: lw, Mem: spec.MemAccess{Valid: true, Read: true, Addr: mtime - 8, RData: 2}},
			B:      spec.Retire{Insn: lw, Mem: spec.MemAccess{Valid: true, Read: true, Addr: mtime - 8, RData: 0x1f8}},
			Fields: []string{"Rd.Value", "Mem.RData"}}, ""},
		{"page-crossing load in two PMP entries", diff.Divergence{
			A:      spec.Retire{Insn: lw, Mem: spec.MemAccess{Valid: true, Read: true, Addr: 0x80011ffd, Size: 4}},
			B:      spec.Retire{Insn: lw, Trap: spec.Trap{Valid: true, Cause: spec.CauseLoadAccess, Tval: 0x80011ffd}},
			Fields: []string{"NextPC", "Rd.Valid", "Mem.Valid", "Trap.Valid", "Trap.Cause", "Trap.Tval"}}, "pmp-page-split"},
		{"in-page load faulting", diff.Divergence{
			A:      spec.Retire{Insn: lw, Mem: spec.MemAccess{Valid: true, Read: true, Addr: 0x80011ff9, Size: 4}},
			B:      spec.Retire{Insn: lw, Trap: spec.Trap{Valid: true, Cause: spec.CauseLoadAccess, Tval: 0x80011ff9}},
			Fields: []string{"NextPC", "Rd.Valid", "Mem.Valid", "Trap.Valid", "Trap.Cause", "Trap.Tval"}}, ""},
		{"sc into x0 without a reservation", diff.Divergence{
			A:      spec.Retire{Insn: 0x1897302f, Trap: spec.Trap{Valid: true, Cause: spec.CauseStoreAccess}}, // sc.d zero, s1, (a4)
			B:      spec.Retire{Insn: 0x1897302f, Mem: spec.MemAccess{Valid: true, Write: true, Size: 8}},
			Fields: []string{"NextPC", "Mem.Valid", "Mem.Write", "Trap.Valid", "Trap.Cause"}}, "sc-permission"},
		{"sc into a0 that stores", diff.Divergence{
			A:      spec.Retire{Insn: 0x1897352f, Trap: spec.Trap{Valid: true, Cause: spec.CauseStoreAccess}}, // sc.d a0, s1, (a4)
			B:      spec.Retire{Insn: 0x1897352f, Rd: spec.RegWrite{Valid: true, Reg: 10}, Mem: spec.MemAccess{Valid: true, Write: true, Size: 8}},
			Fields: []string{"NextPC", "Rd.Valid", "Mem.Valid", "Mem.Write", "Trap.Valid", "Trap.Cause"}}, ""},
	}
	for _, c := range cases {
		dep, ok := ClassifyQEMU(&c.d)
		if got := map[bool]string{true: dep.Name}[ok]; got != c.want {
			t.Errorf("%s: classified %q, want %q", c.name, got, c.want)
		}
	}
}
