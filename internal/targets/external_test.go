package targets

import (
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// TestCompareStates checks the hand-written state diff names every
// difference (pc, mode, register, shared CSR) and nothing skipped or
// shown by one side only.
func TestCompareStates(t *testing.T) {
	a := spec.ArchState{PC: 0x80000000, Mode: spec.ModeM, CSRs: map[uint16]uint64{spec.CSRMepc: 1, spec.CSRSepc: 2, spec.CSRMscratch: 3}}
	b := a
	b.CSRs = map[uint16]uint64{spec.CSRMepc: 1, spec.CSRSepc: 2}
	if d := CompareStates(a, b, nil); d != "" {
		t.Fatalf("equal states (one CSR shown by one side only) differ:\n%s", d)
	}
	b.PC, b.Mode, b.X[5] = 0x80000004, spec.ModeS, 7
	b.CSRs = map[uint16]uint64{spec.CSRMepc: 9, spec.CSRSepc: 8}
	d := CompareStates(a, b, map[uint16]bool{spec.CSRSepc: true})
	for _, want := range []string{"pc: 0x80000000 != 0x80000004", "mode:", "t0: 0x0 != 0x7", "mepc: 0x1 != 0x9"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "sepc") {
		t.Errorf("skipped CSR in the diff:\n%s", d)
	}
}
