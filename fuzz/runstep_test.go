package fuzz_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// TestEngineRunMatchesStep is the property "the engine's Run, cut into
// Run calls of any sizes, follows the trace of Step" over the programs
// FuzzEngineVsRef generates. The differential properties only Step the
// engine; Run executes predecoded blocks, so a wrong retired count when a
// Run call ends mid-block, a stale block after a store into code, or an
// interrupt taken at another instruction shows only here. One machine
// steps to the halt (or fuzz.RecordLimit); another runs the same steps in
// Run calls of sizes rapid draws, and both are compared after every call:
// exit, retired count, every hart's State, console output, and at the end
// all of RAM.
func TestEngineRunMatchesStep(t *testing.T) {
	g := fuzz.Gen(fuzz.Options{})
	rapid.Check(t, func(rt *rapid.T) {
		ts := g.Draw(rt, "test")
		cfg := fuzz.Config()
		// Two harts run the same program (as in a campaign with
		// Config.Harts 2): Run(n) then takes n round-robin steps.
		cfg.Harts = rapid.SampledFrom([]int{1, 1, 1, 2}).Draw(rt, "harts")
		l, err := ts.Layout()
		if err != nil {
			rt.Fatalf("layout: %v", err)
		}
		img, err := fuzz.BuildImage(cfg, l.Program("generated"))
		if err != nil {
			rt.Fatalf("image: %v", err)
		}
		total := stepsToEnd(rt, cfg, img)

		a, aout := newEngine(rt, cfg, img)
		b, bout := newEngine(rt, cfg, img)
		chunk := rapid.OneOf(
			rapid.Uint64Range(1, 8),
			rapid.Uint64Range(9, 80), // around a block (at most 64 instructions)
			rapid.Uint64Range(81, 2000),
		)
		var done uint64
		for call := 0; done < total; call++ {
			k := min(chunk.Draw(rt, "chunk"), total-done)
			b.Run(k)
			for range k {
				a.Step()
			}
			done += k
			if d := machineDiff(a, b, aout, bout, cfg.Harts, done == total); d != "" {
				rt.Fatalf("Run call %d, Run(%d) from step %d to %d of %d: Step and Run differ: %s\nprogram:\n%s",
					call, k, done-k, done, total, d, l.Source(nil))
			}
		}
		if a.Exit().Reason != spec.Running {
			if e := b.Run(100); e != a.Exit() {
				rt.Fatalf("Run past the halt returned %s, Step ended in %s", e, a.Exit())
			}
		}
	})
}

// stepsToEnd steps a fresh engine until it halts or fuzz.RecordLimit
// steps have run, and returns the steps.
func stepsToEnd(rt *rapid.T, cfg spec.Config, img *boot.Image) uint64 {
	m, _ := newEngine(rt, cfg, img)
	var n uint64
	for n < fuzz.RecordLimit && m.Exit().Reason == spec.Running {
		m.Step()
		n++
	}
	return n
}

func newEngine(rt *rapid.T, cfg spec.Config, img *boot.Image) (*engine.Machine, *bytes.Buffer) {
	m, err := engine.New(cfg, img)
	if err != nil {
		rt.Fatalf("engine.New: %v", err)
	}
	var out bytes.Buffer
	m.SetConsole(strings.NewReader(""), &out)
	return m, &out
}

// machineDiff says what differs between the stepped machine a and the
// run machine b, or "".
func machineDiff(a, b *engine.Machine, aout, bout *bytes.Buffer, harts int, ram bool) string {
	if ea, eb := a.Exit(), b.Exit(); ea != eb {
		return fmt.Sprintf("exit: Step %s, Run %s", ea, eb)
	}
	if ra, rb := a.Retired(), b.Retired(); ra != rb {
		return fmt.Sprintf("retired: Step %d, Run %d", ra, rb)
	}
	for h := range harts {
		if ra, rb := a.Harts[h].Retired(), b.Harts[h].Retired(); ra != rb {
			return fmt.Sprintf("hart %d retired: Step %d, Run %d", h, ra, rb)
		}
		if d := cmp.Diff(a.State(h), b.State(h)); d != "" {
			return fmt.Sprintf("hart %d State (-Step +Run):\n%s", h, d)
		}
	}
	if !bytes.Equal(aout.Bytes(), bout.Bytes()) {
		return fmt.Sprintf("console: Step %q, Run %q", aout.String(), bout.String())
	}
	if ram {
		size := a.Config().RAM
		ma, mb := make([]byte, size), make([]byte, size)
		if err := a.ReadRAM(spec.RAMBase, ma); err != nil {
			return err.Error()
		}
		if err := b.ReadRAM(spec.RAMBase, mb); err != nil {
			return err.Error()
		}
		if !bytes.Equal(ma, mb) {
			for i := range ma {
				if ma[i] != mb[i] {
					return fmt.Sprintf("RAM at %#x: Step %#02x, Run %#02x", spec.RAMBase+uint64(i), ma[i], mb[i])
				}
			}
		}
	}
	return ""
}
