package fuzz_test

import (
	"testing"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

// TestGeneratedProgramsTerminate runs generated programs on the
// reference model against itself: each must lay out, boot, and end
// through the finisher with a pass, which is the generator's termination
// guarantee (a fetch fault would end with code 1, and no exit is a
// generator bug).
func TestGeneratedProgramsTerminate(t *testing.T) {
	f, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	p := fuzz.Pair{NameA: "ref", NameB: "ref", A: fuzz.Factory(f), B: fuzz.Factory(f)}
	modes := map[spec.Mode]int{}
	for seed := 0; seed < 200; seed++ {
		ts := fuzz.Gen(fuzz.Options{}).Example(seed)
		o, err := fuzz.RunTest(fuzz.Config(), ts, p)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if o.Failed() || o.Result.ExitA.Reason != spec.HaltFinisher || o.Result.ExitA.Code != 0 {
			t.Fatalf("seed %d: %s; exit %+v\n%s", seed, o.Reason, o.Result.ExitA, o.Listing.Source(nil))
		}
		modes[ts.Mode]++
	}
	for _, m := range []spec.Mode{spec.ModeM, spec.ModeS, spec.ModeU} {
		if modes[m] == 0 {
			t.Errorf("no program ran its body in %s-mode", m)
		}
	}
}

// TestExtsLimitTheBody: with Options.Exts = I and M, the body holds only
// rows of I and M (and deliberate illegal words), and still terminates.
func TestExtsLimitTheBody(t *testing.T) {
	f, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	p := fuzz.Pair{NameA: "ref", NameB: "ref", A: fuzz.Factory(f), B: fuzz.Factory(f)}
	opts := fuzz.Options{Exts: []spec.Ext{spec.ExtI, spec.ExtM}}
	for seed := 0; seed < 60; seed++ {
		ts := fuzz.Gen(opts).Example(seed)
		for _, it := range ts.Body {
			for _, in := range it.Insns {
				if in.Row == nil {
					if in.Len() != 4 {
						t.Fatalf("seed %d: a 16-bit illegal word without C", seed)
					}
					continue
				}
				if e := in.Row.Ext; e != spec.ExtI && e != spec.ExtM {
					t.Fatalf("seed %d: %s (%v) in an I+M body", seed, in.Row.Name, e)
				}
			}
		}
		o, err := fuzz.RunTest(fuzz.Config(), ts, p)
		if err != nil {
			t.Fatal(err)
		}
		if o.Failed() || o.Result.ExitA.Code != 0 {
			t.Fatalf("seed %d: %s %+v", seed, o.Reason, o.Result.ExitA)
		}
	}
}

// TestGeneratedTriggersFire: some generated programs arm debug triggers,
// and their breakpoints fire, both on the entry nop (an execute trigger:
// a breakpoint with no instruction fetched) and on loads and stores of the
// data pages, so fuzzing reaches the trigger code of both models. Those
// programs end, and the reference model and the engine agree on them.
func TestGeneratedTriggersFire(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := targets.Lookup("engine")
	if err != nil {
		t.Fatal(err)
	}
	p := fuzz.Pair{NameA: "ref", NameB: "engine", A: fuzz.Factory(ref), B: fuzz.Factory(eng)}
	cfg := fuzz.Config()
	armed, execHits, dataHits := 0, 0, 0
	for seed := 0; seed < 400 && (execHits == 0 || dataHits == 0 || armed < 20); seed++ {
		ts := fuzz.Gen(fuzz.Options{}).Example(seed)
		if len(ts.Triggers) == 0 {
			continue
		}
		armed++
		o, err := fuzz.RunTest(cfg, ts, p)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if o.Failed() || o.Result.ExitA.Code != 0 {
			t.Fatalf("seed %d: %s; exit %+v\n%s", seed, o.Reason, o.Result.ExitA, o.Listing.Source(nil))
		}
		img, err := fuzz.BuildImage(cfg, o.Listing.Program("generated"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := ref(cfg, img)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < fuzz.RecordLimit && m.Exit().Reason == spec.Running; n++ {
			r := m.Step()
			if !r.Trap.Valid || r.Trap.Interrupt || r.Trap.Cause != spec.CauseBreakpoint {
				continue
			}
			if r.Insn == 0 {
				execHits++
			} else if in := spec.Decode(r.Insn); in != nil && in.Name != "ebreak" && in.Name != "c.ebreak" {
				dataHits++
			}
		}
	}
	t.Logf("%d programs armed triggers: %d execute and %d load/store breakpoints", armed, execHits, dataHits)
	if armed == 0 || execHits == 0 || dataHits == 0 {
		t.Errorf("the generator does not reach the triggers: %d programs armed, %d execute and %d load/store breakpoints", armed, execHits, dataHits)
	}
}
