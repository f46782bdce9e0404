//go:build riscvtests

package engine

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
)

// TestRISCVTests runs prebuilt riscv-tests (rv64{ui,um,ua,uc,mi,si}-p-* and rv64{ui,um,ua,uc}-v-*, the latter under Sv39)
// from $VCHECK_RISCV_TESTS. They are built locally from
// riscv-software-src/riscv-tests and never committed: an opt-in, go test
// -tags riscvtests (docs/testing.md).
func TestRISCVTests(t *testing.T) {
	dir := testtool.Need(t, "riscvtests")
	files, _ := filepath.Glob(filepath.Join(dir, "rv64*-[pv]-*"))
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no tests in %s", dir)
	}
	// Tests the engine fails on purpose: none (rv64mi-p-breakpoint, which
	// failed, passes since the engine has the trigger module, trigger.go).
	expectFail := map[string]bool{}
	pass := 0
	for _, f := range files {
		name := filepath.Base(f)
		if expectFail[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			m := bootELF(t, testConfig(), f)
			e := m.Run(10_000_000)
			if e.Reason != spec.HaltHTIF || e.Code != 0 {
				t.Errorf("%s: exit %+v pc=%#x", name, e, m.Harts[0].pc)
				return
			}
			pass++
		})
	}
	t.Logf("riscv-tests: %d/%d passed (%d expected failures skipped)", pass, len(files)-len(expectFail), len(expectFail))
}

// TestStepMatchesRun runs each riscv-test once with Step and once with Run
// and checks that both end in the same state, and that the records chain
// (each NextPC is the next PC).
func TestStepMatchesRun(t *testing.T) {
	dir := testtool.Need(t, "riscvtests")
	files, _ := filepath.Glob(filepath.Join(dir, "rv64*-[pv]-*"))
	if len(files) == 0 {
		t.Fatalf("no tests in %s", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			a := bootELF(t, testConfig(), f)
			b := bootELF(t, testConfig(), f)
			var prev spec.Retire
			steps := uint64(0)
			for ; steps < 2_000_000 && a.Exit().Reason == spec.Running; steps++ {
				r := a.Step()
				if steps > 0 && r.PC != prev.NextPC {
					t.Fatalf("step %d: pc %#x, previous record said next pc %#x", steps, r.PC, prev.NextPC)
				}
				prev = r
			}
			b.Run(steps)
			if a.Exit() != b.Exit() || a.Retired() != b.Retired() {
				t.Fatalf("Step: %+v after %d retired; Run: %+v after %d retired", a.Exit(), a.Retired(), b.Exit(), b.Retired())
			}
			sa, sb := a.State(0), b.State(0)
			if sa.PC != sb.PC || sa.X != sb.X || sa.Mode != sb.Mode {
				t.Fatalf("state differs:\nStep %+v\nRun  %+v", sa, sb)
			}
			for k, v := range sa.CSRs {
				if sb.CSRs[k] != v {
					t.Errorf("csr %#x: Step %#x Run %#x", k, v, sb.CSRs[k])
				}
			}
		})
	}
}
