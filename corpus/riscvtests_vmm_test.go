//go:build riscvtests

package corpus_test

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// TestRISCVTestsVMM runs the prebuilt riscv-tests in $VCHECK_RISCV_TESTS
// (rv64{ui,um,ua,uc,mi,si}-p-*, the physical style, rv64{ui,um,ua,uc}-v-*,
// the guest-Sv39 style, and the bench-* ELFs) on bare ref and under the
// VMM in lockstep: every record equal, and the same exit. They are built
// locally from riscv-software-src/riscv-tests and never committed: an
// opt-in, go test -tags riscvtests (docs/testing.md), as the engine's
// TestRISCVTests.
func TestRISCVTestsVMM(t *testing.T) {
	dir := testtool.Need(t, "riscvtests")
	files, _ := filepath.Glob(filepath.Join(dir, "rv64*-[pv]-*"))
	bench, _ := filepath.Glob(filepath.Join(dir, "bench-*"))
	files = append(files, bench...)
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no tests in %s", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			cfg := spec.DefaultConfig()
			prog, err := load.ELF(f)
			if err != nil {
				t.Fatal(err)
			}
			img, err := boot.Build(cfg, prog, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := lockstepRef(t, "vmm", cfg, img, diff.Options{Limit: 5_000_000})
			if res.Divergence != nil {
				t.Fatalf("%s", res.Divergence.Text("ref", "vmm", fuzz.Disasm))
			}
			t.Logf("%d records equal; exit %s", res.Compared, res.ExitA)
		})
	}
}
