//go:build vcheck_mutant

package fuzz_test

// Proof that the tester finds bugs: each engine mutant (impl/engine,
// mutant_on.go) must be found by a fuzz campaign within a bounded budget
// and shrunk to a small program. Run with
//
//	go test -tags vcheck_mutant -run TestMutants ./fuzz
//
// The campaign compares the clean engine with a mutated one, so every
// divergence it finds is the mutant's (the clean engine's own
// disagreements with ref, in corpus/regress, cannot mask it); each
// shrunk program is then replayed against ref too.
import (
	"sort"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// mutantBudget bounds the search for one mutant.
const mutantBudget = 20000 // programs

func TestMutants(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	clean, mutated := engineMutantFactories()
	p := fuzz.Pair{NameA: "engine", NameB: "engine+mutant", A: clean, B: mutated}
	vsRef := fuzz.Pair{NameA: "ref", NameB: "engine+mutant", A: fuzz.Factory(ref), B: mutated}
	cfg := fuzz.Config()
	defer engine.SetMutant("")
	var sizes []int
	for i, name := range engine.Mutants() {
		if engine.FastMutant(name) {
			continue // a bug of Run's paths: TestFastMutants, in run mode
		}
		if err := engine.SetMutant(name); err != nil {
			t.Fatal(err)
		}
		// One worker: the mutant is process-wide state of the engine
		// (mutant_on.go). rapid may shrink for 30 s (a campaign's default
		// is 20 s): the mutants are found within seconds, and some
		// programs found take rapid longer to shrink than others (the
		// sltu-signed one takes ~15 s under load).
		c := &fuzz.Campaign{Config: cfg, Pair: p, Seed: uint64(1000 + 10*i), MaxPrograms: mutantBudget, Batch: 50,
			ShrinkTime: 30 * time.Second, RegressDir: t.TempDir(), MaxFindings: 1, Workers: 1}
		start := time.Now()
		st, found, err := c.Run()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Errorf("mutant %s: not found in %d programs", name, st.Programs)
			continue
		}
		sizes = append(sizes, judgeMutant(t, name, start, st.Programs, found[0], 8, cfg, vsRef))
	}
	sort.Ints(sizes)
	if len(sizes) > 0 {
		med := sizes[len(sizes)/2]
		t.Logf("shrunk sizes %v, median %d", sizes, med)
		if med > 5 {
			t.Errorf("median shrunk size %d > 5", med)
		}
	}
}

// engineMutantFactories returns the clean engine's factory and that of an
// engine the current mutant (engine.SetMutant) is applied to.
func engineMutantFactories() (clean, mutated fuzz.Factory) {
	clean = func(cfg spec.Config, img *boot.Image) (diff.Target, error) { return engine.New(cfg, img) }
	mutated = func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		m, err := engine.New(cfg, img)
		if err == nil {
			engine.Mutate(m)
		}
		return m, err
	}
	return clean, mutated
}

// judgeMutant reports a mutant's finding f and checks it: shrunk to at
// most maxSize body instructions, and still failing when replayed with
// replay (the clean engine agrees with itself on the program, so the
// divergence is the mutant's, and the replay's other side, the reference
// model or the clean engine's deterministic Run, must see it too). It
// returns the shrunk size.
func judgeMutant(t *testing.T, name string, start time.Time, programs uint64, f *fuzz.Finding, maxSize int, cfg spec.Config, replay fuzz.Pair) int {
	t.Helper()
	size := f.Test.BodyInsns()
	t.Logf("mutant %s: found and shrunk in %v after %d programs, to %d body instructions (%s-mode): %s",
		name, time.Since(start).Round(time.Millisecond), programs, size, f.Test.Mode, f.Signature())
	if size > maxSize {
		t.Errorf("mutant %s: shrunk only to %d body instructions\n%s", name, size, f.Source())
	}
	o, err := fuzz.RunTest(cfg, f.Test, replay)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Failed() {
		t.Errorf("mutant %s: %s agrees with the mutated engine on the shrunk program", name, replay.NameA)
	}
	return size
}
