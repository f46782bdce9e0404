//go:build vcheck_mutant

package fuzz_test

import (
	"os"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

func TestTmpFastMutants(t *testing.T) {
	clean := func(cfg spec.Config, img *boot.Image) (diff.Target, error) { return engine.New(cfg, img) }
	mutated := func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		m, err := engine.New(cfg, img)
		if err == nil {
			engine.Mutate(m)
		}
		return m, err
	}
	p := fuzz.Pair{NameA: "engine", NameB: "engine+mutant", A: clean, B: mutated, Mode: fuzz.ModeRun}
	cfg := fuzz.Config()
	defer engine.SetMutant("")
	only := os.Getenv("MUT")
	for i, name := range engine.Mutants() {
		if !engine.FastMutant(name) || only != "" && only != name {
			continue
		}
		engine.SetMutant(name)
		c := &fuzz.Campaign{Config: cfg, Pair: p, Seed: uint64(1000 + 10*i), MaxPrograms: 3000, Batch: 100,
			ShrinkTime: 5 * time.Second, RegressDir: t.TempDir(), MaxFindings: 1}
		start := time.Now()
		st, found, err := c.Run()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Logf("mutant %s: NOT found in %d programs (%v)", name, st.Programs, time.Since(start))
			continue
		}
		t.Logf("mutant %s: found after %d programs in %v, shrunk to %d: %s", name, st.Programs, time.Since(start), found[0].Test.BodyInsns(), found[0].Signature())
	}
}
