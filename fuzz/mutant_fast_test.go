//go:build vcheck_mutant

package fuzz_test

// Proof that run mode finds the bugs of the paths users run: each
// fast-path mutant of the engine (impl/engine/mutant.go: block building,
// compiled code, chaining, TLB fills, code-cache invalidation, the Run
// drivers, the LR reservation) must be found by a run-mode campaign (what
// `vcheck fuzz` runs by default) within a bounded budget and shrunk.
// Run with
//
//	go test -tags vcheck_mutant -run TestFastMutants ./fuzz
//
// As in TestMutants, the clean engine is compared with a mutated one, so
// every divergence is the mutant's; each shrunk program is then replayed
// against ref in run mode, which must see the bug too (or, for the
// parallel driver, against the clean engine's deterministic Run).
import (
	"sort"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/internal/targets"
)

// fastMutantBudget bounds the search for one fast-path mutant: about 20 s
// of `vcheck fuzz` on the 2-core CI machine under load, shrinking
// included (docs/testing.md has the measured times).
const fastMutantBudget = 2500 // programs

// fastMutantConfig is the configuration a mutant needs to be reachable:
// the multi-hart drivers need harts, the parallel one data-race-free
// programs.
var fastMutantConfig = map[string]struct {
	harts    int
	parallel bool
}{
	"run-hart-twice":  {harts: 2},
	"parallel-no-irq": {harts: 2, parallel: true},
}

func TestFastMutants(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	clean, mutated := engineMutantFactories()
	defer engine.SetMutant("")
	var sizes []int
	n := 0
	for i, name := range engine.Mutants() {
		if !engine.FastMutant(name) {
			continue
		}
		n++
		conf := fastMutantConfig[name]
		cfg := fuzz.Config()
		cfg.Harts = max(conf.harts, 1)
		p := fuzz.Pair{NameA: "engine", NameB: "engine+mutant", A: clean, B: mutated, Mode: fuzz.ModeRun, Parallel: conf.parallel}
		replay := fuzz.Pair{NameA: "ref", NameB: "engine+mutant", A: fuzz.Factory(ref), B: mutated, Mode: fuzz.ModeRun}
		if conf.parallel {
			replay = p
		}
		if err := engine.SetMutant(name); err != nil {
			t.Fatal(err)
		}
		c := &fuzz.Campaign{Config: cfg, Pair: p, Gen: fuzz.Options{DRF: conf.parallel, Harts: conf.harts},
			Seed: uint64(2000 + 10*i), MaxPrograms: fastMutantBudget, Batch: 50,
			ShrinkTime: 5 * time.Second, RegressDir: t.TempDir(), MaxFindings: 1,
			Workers: 1} // the mutant is process-wide state of the engine (mutant_on.go)
		start := time.Now()
		st, found, err := c.Run()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Errorf("mutant %s: not found in %d programs", name, st.Programs)
			continue
		}
		sizes = append(sizes, judgeMutant(t, name, start, st.Programs, found[0], 40, cfg, replay))
	}
	if n < 10 {
		t.Errorf("%d fast-path mutants, want at least 10", n)
	}
	sort.Ints(sizes)
	if len(sizes) > 0 {
		t.Logf("shrunk sizes %v, median %d", sizes, sizes[len(sizes)/2])
	}
}
