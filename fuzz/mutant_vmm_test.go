//go:build vcheck_mutant

package fuzz_test

// Proof that the fuzzer finds VMM bugs: each VMM mutant (impl/vmm,
// mutant_on.go: a missed CSR, a wrong delegated trap, a stale shadow
// entry) must be found by a campaign within a bounded budget and shrunk to
// a small program. Run with
//
//	go test -tags vcheck_mutant -run TestVMMMutants ./fuzz
//
// The campaign compares the clean VMM with a mutated one, so every
// divergence it finds is the mutant's; each shrunk program is then
// replayed against bare ref, which must see the bug too.
import (
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// vmmMutantBudget bounds the search for one mutant.
const vmmMutantBudget = 30000 // programs

func TestVMMMutants(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	clean := func(cfg spec.Config, img *boot.Image) (diff.Target, error) { return vmm.New(cfg, img) }
	mutated := func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		vm, err := vmm.New(cfg, img)
		if err == nil {
			vmm.Mutate(vm)
		}
		return vm, err
	}
	p := fuzz.Pair{NameA: "vmm", NameB: "vmm+mutant", A: clean, B: mutated}
	vsRef := fuzz.Pair{NameA: "ref", NameB: "vmm+mutant", A: fuzz.Factory(ref), B: mutated}
	cfg := fuzz.Config()
	defer vmm.SetMutant("")
	for i, name := range vmm.Mutants() {
		if err := vmm.SetMutant(name); err != nil {
			t.Fatal(err)
		}
		// Batches of 500: rapid starts every batch with small programs, and
		// a stale shadow needs a long one (Sv39, the RAM alias, a PTE edit,
		// then an access through the old entry); with batches of 50 it
		// was not found in 30,000 programs, with 1,000 after ~6,000.
		// A bug of Run's direct execution only shows in run mode.
		p.Mode, vsRef.Mode = fuzz.ModeStep, fuzz.ModeStep
		if vmm.FastMutant(name) {
			p.Mode, vsRef.Mode = fuzz.ModeRun, fuzz.ModeRun
		}
		// Workers as in any campaign (one per CPU: the VMs are reset
		// between programs, fuzz.Rig): the mutated VMs are a set that
		// several goroutines may consult (impl/vmm, mutant_on.go), and
		// the finding does not depend on the worker count.
		c := &fuzz.Campaign{Config: cfg, Pair: p, Seed: uint64(2000 + 10*i), MaxPrograms: vmmMutantBudget, Batch: 500,
			ShrinkTime: 5 * time.Second, RegressDir: t.TempDir(), MaxFindings: 1}
		start := time.Now()
		st, found, err := c.Run()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Errorf("mutant %s: not found in %d programs", name, st.Programs)
			continue
		}
		f := found[0]
		n := f.Test.BodyInsns()
		t.Logf("mutant %s: found in %v after %d programs, shrunk to %d body instructions (%s-mode): %s",
			name, time.Since(start).Round(time.Millisecond), st.Programs, n, f.Test.Mode, f.Reason)
		// A stale shadow needs an access (to fill the entry), a PTE edit
		// (li, li, sd: about five instructions) and an access through the
		// old entry; the other mutants need one or two. Minimize deletes
		// whole Items, and the Items of gen_fast.go (a translation change,
		// a hot loop arming the timer) carry 5-10 instructions each, and
		// a late timer needs a loop long enough to outlast a tick.
		limit := 16
		if vmm.FastMutant(name) {
			limit = 40 // as TestFastMutants
		}
		if n > limit {
			t.Errorf("mutant %s: shrunk only to %d body instructions\n%s", name, n, f.Source())
		}
		o, err := fuzz.RunTest(cfg, f.Test, vsRef)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Failed() {
			t.Errorf("mutant %s: ref agrees with the mutated VMM on the shrunk program", name)
		}
	}
}
