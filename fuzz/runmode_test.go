package fuzz_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

// pairOf is the pair of registered targets a and b.
func pairOf(t testing.TB, a, b string) fuzz.Pair {
	fa, err := targets.Lookup(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := targets.Lookup(b)
	if err != nil {
		t.Fatal(err)
	}
	return fuzz.Pair{NameA: a, NameB: b, A: fuzz.Factory(fa), B: fuzz.Factory(fb)}
}

// TestRunModeAgrees is the run-mode property (diff.RunLockstep over the
// targets' fast paths, checkpoints every few hundred steps) on generated
// programs, for every configuration a user can select: the engine with
// and without its compiler, one hart and two (Run's deterministic
// interleaving), and the VMM's direct execution. The known divergences
// of corpus/regress are not failures here (the campaign's business).
func TestRunModeAgrees(t *testing.T) {
	cases := []struct {
		a, b  string
		harts int
	}{
		{"ref", "engine", 1},
		{"ref", "engine-nojit", 1},
		{"engine-nojit", "engine", 2}, // ref and engine differ on multi-hart LR/SC: corpus/regress
		{"ref", "vmm", 1},
		{"engine-nojit", "engine", 1},
	}
	for _, c := range cases {
		t.Run(c.a+"-vs-"+c.b+"-"+string(rune('0'+c.harts)), func(t *testing.T) {
			p := pairOf(t, c.a, c.b)
			p.Mode, p.Checkpoint = fuzz.ModeRun, 300
			cfg := fuzz.Config()
			cfg.Harts = c.harts
			known := fuzz.KnownSignatures(regressDir, p)
			g := fuzz.Gen(fuzz.Options{})
			n, recs := 0, uint64(0)
			rapid.Check(t, func(rt *rapid.T) {
				o, err := fuzz.RunTest(cfg, g.Draw(rt, "test"), p)
				if err != nil {
					rt.Fatal(err)
				}
				n++
				recs += o.Result.Compared
				if o.Failed() && !known[o.Signature()] {
					rt.Fatalf("%s\n%s\n%s", o.Reason, o.Result.Divergence.Text(c.a, c.b, nil), o.Listing.Source(nil))
				}
			})
			t.Logf("%d programs, %d instructions compared in run mode", n, recs)
		})
	}
}

// TestParallelDRF compares the engine's RunParallel (harts on goroutines)
// with its deterministic Run on data-race-free programs of two and three
// harts, where the result must not depend on the interleaving.
func TestParallelDRF(t *testing.T) {
	for _, harts := range []int{2, 3} {
		p := pairOf(t, "engine", "engine")
		p.NameB = "engine-parallel"
		p.Mode, p.Parallel = fuzz.ModeRun, true
		cfg := fuzz.Config()
		cfg.Harts = harts
		g := fuzz.Gen(fuzz.Options{DRF: true, Harts: harts})
		rapid.Check(t, func(rt *rapid.T) {
			o, err := fuzz.RunTest(cfg, g.Draw(rt, "test"), p)
			if err != nil {
				rt.Fatal(err)
			}
			if o.Failed() {
				rt.Fatalf("%d harts: %s\n%s\n%s", harts, o.Reason, o.Result.Divergence.Text("Run", "RunParallel", nil), o.Listing.Source(nil))
			}
		})
	}
}

// FuzzRunEngineVsRef is FuzzEngineVsRef in run mode, what `vcheck fuzz`
// runs by default: the engine's blocks, compiled code, chaining and TLB
// fills against ref, compared at checkpoints and replayed with Step to
// the first divergent record. The first word's two low bits also pick
// the configuration: compiler on or off, one hart or two. A failure is
// minimized and saved in corpus/regress before the test fails. (Its name
// does not start with FuzzEngineVsRef, so -fuzz=FuzzEngineVsRef names
// one target.)
func FuzzRunEngineVsRef(f *testing.F) {
	pairs := map[string]fuzz.Pair{}
	for _, b := range []string{"engine", "engine-nojit"} {
		p := pairOf(f, "ref", b)
		p.Mode = fuzz.ModeRun
		pairs[b] = p
	}
	fuzzPrograms(f, "vcheck-rv64pg-run-mode-seed", func(c0 uint64) (spec.Config, fuzz.Pair) {
		cfg := fuzz.Config()
		b := "engine"
		if c0&1 != 0 {
			b = "engine-nojit"
		}
		if c0&2 != 0 {
			cfg.Harts = 2
		}
		return cfg, pairs[b]
	})
}
