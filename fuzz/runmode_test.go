package fuzz_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
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
	for _, seed := range choiceSeeds("vcheck-rv64pg-run-mode-seed") {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7])
	}
	f.Fuzz(func(t *testing.T, c0, c1, c2, c3, c4, c5, c6, c7 uint64) {
		cfg := fuzz.Config()
		b := "engine"
		if c0&1 != 0 {
			b = "engine-nojit"
		}
		if c0&2 != 0 {
			cfg.Harts = 2
		}
		p := pairOf(t, "ref", b)
		p.Mode = fuzz.ModeRun
		known := fuzz.KnownSignatures(regressDir, p)
		rapid.MakeFuzz(func(rt *rapid.T) {
			o, err := fuzz.RunTest(cfg, fuzz.Gen(fuzz.Options{}).Draw(rt, "test"), p)
			if err != nil {
				rt.Fatalf("internal error (not a divergence): %v", err)
			}
			if !o.Failed() || known[o.Signature()] {
				return
			}
			m := fuzz.Minimize(cfg, p, o, 500)
			fd := &fuzz.Finding{Outcome: m, NameA: p.NameA, NameB: p.NameB, Found: timeNow(), Harts: cfg.Harts}
			path, err := fuzz.WriteRegress(regressDir, fd)
			rt.Fatalf("%s vs %s (run mode): %s; saved as %s (%v), shrunk to %d body instructions", p.NameA, p.NameB, o.Reason, path, err, m.Test.BodyInsns())
		})(t, Choices(c0, c1, c2, c3, c4, c5, c6, c7))
	})
}
