package engine

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// resetCap bounds each program's run in TestResetIsFresh: the benchmarks
// run long enough to compile and chain hot blocks.
const resetCap = 300_000

// TestResetIsFresh: a machine Reset to an image behaves record for record
// like a new machine built for it, whatever ran on it before. One machine
// per hart count goes through the whole corpus, each program twice in a
// row (after another program, then after itself, whose code pages,
// compiled blocks, TLB entries and RAM are all still there), alternately
// stepped (every record compared) and Run in chunks (the compiled fast
// path, compared at each chunk); every reset machine is compared with
// the new one right after Reset and at the end: exit, harts, every CSR,
// the console and all of RAM.
func TestResetIsFresh(t *testing.T) {
	reused := map[int]harness{}
	n := 0
	for _, p := range corpus.Programs() {
		if !p.Runnable() || p.Dir() == "vmm" {
			continue
		}
		cfg := sweepConfig()
		cfg.RAM = 16 << 20 // as TestRunMatchesStepCorpus: the benchmarks need more than 4 MiB
		cfg.Harts = p.Harts()
		img := corpusImage(t, cfg, p)
		r, ok := reused[cfg.Harts]
		if !ok {
			r = newHarness(t, cfg, img)
			reused[cfg.Harts] = r
		}
		for again := range 2 {
			n++
			step := n%2 == 0
			what := fmt.Sprintf("%s (%s, run %d)", p.Path, map[bool]string{true: "Step", false: "Run"}[step], again+1)
			if err := r.m.Reset(img); err != nil {
				t.Fatalf("%s: Reset: %v", what, err)
			}
			r.out.Reset()
			r.m.SetConsole(strings.NewReader(""), r.out)
			f := newHarness(t, cfg, img)
			if d := resetDiff(f, r); d != "" {
				t.Fatalf("%s: right after Reset, the reset machine differs from a new one: %s", what, d)
			}
			steps := uint64(0)
			for steps < resetCap && f.m.Exit().Reason == spec.Running {
				if step {
					rf, rr := f.m.Step(), r.m.Step()
					if rf != rr {
						t.Fatalf("%s: record %d: new %+v, reset %+v", what, steps, rf, rr)
					}
					steps++
					continue
				}
				ef, er := f.m.Run(1000), r.m.Run(1000)
				if ef != er {
					t.Fatalf("%s: Run after %d steps: new %s, reset %s", what, steps, ef, er)
				}
				steps += 1000
				if d := quickDiff(f, r); d != "" {
					t.Fatalf("%s: after %d steps: %s", what, steps, d)
				}
			}
			if d := resetDiff(f, r); d != "" {
				t.Fatalf("%s: at the end (%d steps, %s): %s", what, steps, f.m.Exit(), d)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d corpus runs", n)
	}
}

// resetDiff is fullDiff with RAM, and what RAMPages visits: the pages it
// leaves out must be zero.
func resetDiff(f, r harness) string {
	if d := fullDiff(f, r, true); d != "" {
		return d
	}
	visited := map[uint64]bool{}
	r.m.RAMPages(func(pa uint64, _ []byte) { visited[pa] = true })
	zero := make([]byte, 4096)
	for off := uint64(0); off < uint64(len(r.m.ram)); off += 4096 {
		if !visited[spec.RAMBase+off] && !bytes.Equal(r.m.ram[off:off+4096], zero) {
			return fmt.Sprintf("RAMPages leaves out the page at %#x, which is not zero", spec.RAMBase+off)
		}
	}
	return ""
}

// TestResetImages: Reset refuses what New refuses and then changes
// nothing; an emulator is never reset by Reset, only by ResetEmulator
// (which refuses machines, and bad images); and what an image put in the
// boot ROM goes with the next Reset. (impl/vmm's TestResetIsFresh proves
// ResetEmulator leaves an emulator as NewEmulator builds it.)
func TestResetImages(t *testing.T) {
	cfg := sweepConfig()
	good := &boot.Image{Segments: []load.Segment{{Addr: spec.RAMBase, Data: []byte{0x6f, 0, 0, 0}}}, ResetPC: spec.RAMBase}
	rom := &boot.Image{Segments: []load.Segment{{Addr: spec.BootROMBase, Data: []byte{0x13, 0, 0, 0, 0x6f, 0, 0, 0}}}, ResetPC: spec.BootROMBase}
	bad := &boot.Image{Segments: []load.Segment{{Addr: 0x4000_0000, Data: []byte{1}}}, ResetPC: spec.RAMBase}
	m, err := New(cfg, rom)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(cfg, bad); err == nil {
		t.Fatal("New accepts a segment outside RAM and ROM")
	}
	for _, img := range []*boot.Image{bad, nil} {
		if err := m.Reset(img); err == nil {
			t.Errorf("Reset accepts %v", img)
		}
	}
	if r := m.Step(); r.PC != spec.BootROMBase || r.Insn != 0x13 {
		t.Errorf("after a refused Reset the machine changed: first step %+v", r)
	}
	if err := m.Reset(good); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.ReadPhys(spec.BootROMBase+4, 4); v != 0 {
		t.Errorf("boot ROM word 1 = %#x after a Reset to an image without it, want 0 as on a new machine", v)
	}
	if r := m.Step(); r.PC != spec.RAMBase || r.Insn != 0x6f {
		t.Errorf("after a good Reset: %+v", r)
	}
	emu, err := NewEmulator(cfg, good, make([]byte, cfg.RAM), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Reset(good); err == nil {
		t.Error("an emulator was reset")
	}
	if err := m.ResetEmulator(good); err == nil {
		t.Error("ResetEmulator reset a machine that is no emulator")
	}
	emu.Step()
	if err := emu.ResetEmulator(bad); err == nil {
		t.Error("ResetEmulator accepts a segment outside RAM and ROM")
	}
	if r := emu.Step(); r.PC != spec.RAMBase || r.Insn != 0x6f {
		t.Errorf("after a refused ResetEmulator the emulator changed: %+v", r)
	}
	if err := emu.ResetEmulator(rom); err != nil {
		t.Fatal(err)
	}
	if r := emu.Step(); r.PC != spec.BootROMBase || r.Insn != 0x13 {
		t.Errorf("after ResetEmulator: %+v", r)
	}
}
