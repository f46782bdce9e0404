package refmodel

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// TestResetIsFresh: a machine Reset to an image behaves record for record
// like a new machine built for it, whatever ran on it before. One machine
// per hart count goes through every corpus/ref program, each twice in a
// row (after another program, then after itself), alternately stepped
// (every record compared) and Run in chunks; the two machines are
// compared right after Reset and at the end: exit, retired count, every
// hart's state, the console and RAM.
func TestResetIsFresh(t *testing.T) {
	type kept struct {
		m   *Machine
		out *bytes.Buffer
	}
	reused := map[int]kept{}
	n := 0
	for _, src := range corpusSources(t) {
		cfg := corpusConfig(t, src)
		cfg.RAM = 16 << 20
		prog, err := load.ELF(assemble(t, src))
		if err != nil {
			t.Fatal(err)
		}
		img := imageOf(t, cfg, prog)
		r, ok := reused[cfg.Harts]
		if !ok {
			m, err := New(cfg, img)
			if err != nil {
				t.Fatal(err)
			}
			r = kept{m, new(bytes.Buffer)}
			reused[cfg.Harts] = r
		}
		for again := range 2 {
			n++
			step := n%2 == 0
			what := fmt.Sprintf("%s (step %v, run %d)", filepath.Base(src), step, again+1)
			if err := r.m.Reset(img); err != nil {
				t.Fatalf("%s: Reset: %v", what, err)
			}
			r.out.Reset()
			r.m.SetConsole(strings.NewReader(""), r.out)
			f, err := New(cfg, img)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			f.SetConsole(strings.NewReader(""), &out)
			if d := machineDiff(f, r.m, &out, r.out); d != "" {
				t.Fatalf("%s: right after Reset, the reset machine differs from a new one: %s", what, d)
			}
			steps := 0
			for steps < 300_000 && f.Exit().Reason == spec.Running {
				if step {
					if rf, rr := f.Step(), r.m.Step(); rf != rr {
						t.Fatalf("%s: record %d: new %+v, reset %+v", what, steps, rf, rr)
					}
					steps++
					continue
				}
				if ef, er := f.Run(1000), r.m.Run(1000); ef != er {
					t.Fatalf("%s: Run after %d steps: new %s, reset %s", what, steps, ef, er)
				}
				steps += 1000
			}
			if d := machineDiff(f, r.m, &out, r.out); d != "" {
				t.Fatalf("%s: at the end (%d steps, %s): %s", what, steps, f.Exit(), d)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d corpus runs", n)
	}
}

// machineDiff says how b differs from a: exit, retired count, the
// harts' states, the console output, the boot ROM and RAM.
func machineDiff(a, b *Machine, outA, outB *bytes.Buffer) string {
	if a.Exit() != b.Exit() || a.Retired() != b.Retired() {
		return fmt.Sprintf("exit %s / %s, retired %d / %d", a.Exit(), b.Exit(), a.Retired(), b.Retired())
	}
	for h := 0; h < a.Harts(); h++ {
		if sa, sb := a.State(h), b.State(h); !reflect.DeepEqual(sa, sb) {
			return fmt.Sprintf("hart %d: state %+v / %+v", h, sa, sb)
		}
	}
	if !bytes.Equal(outA.Bytes(), outB.Bytes()) {
		return fmt.Sprintf("console %q / %q", outA, outB)
	}
	if !bytes.Equal(a.bus.rom, b.bus.rom) {
		return "boot ROM differs"
	}
	pages := func(m *Machine) map[uint64][]byte {
		out := map[uint64][]byte{}
		m.RAMPages(func(pa uint64, p []byte) {
			if !bytes.Equal(p, make([]byte, len(p))) {
				out[pa] = append([]byte(nil), p...)
			}
		})
		return out
	}
	pa, pb := pages(a), pages(b)
	for _, addr := range slices.Sorted(maps.Keys(pa)) {
		if !bytes.Equal(pa[addr], pb[addr]) {
			return fmt.Sprintf("RAM page %#x differs", addr)
		}
	}
	for addr := range pb {
		if _, ok := pa[addr]; !ok {
			return fmt.Sprintf("RAM page %#x differs", addr)
		}
	}
	return ""
}

// TestResetRefusesBadImage: Reset reports an image New refuses, and a
// Reset with a good image afterwards makes the machine usable again.
func TestResetRefusesBadImage(t *testing.T) {
	cfg := spec.DefaultConfig()
	good := &boot.Image{Segments: []load.Segment{{Addr: spec.RAMBase, Data: []byte{0x6f, 0, 0, 0}}}, ResetPC: spec.RAMBase}
	m, err := New(cfg, good)
	if err != nil {
		t.Fatal(err)
	}
	bad := &boot.Image{Segments: []load.Segment{{Addr: 0x4000_0000, Data: []byte{1}}}, ResetPC: spec.RAMBase}
	if _, err := New(cfg, bad); err == nil {
		t.Fatal("New accepts a segment outside RAM and ROM")
	}
	if err := m.Reset(bad); err == nil {
		t.Error("Reset accepts a segment outside RAM and ROM")
	}
	if err := m.Reset(nil); err == nil {
		t.Error("Reset accepts no image")
	}
	if err := m.Reset(good); err != nil {
		t.Fatal(err)
	}
	if r := m.Step(); r.PC != spec.RAMBase || r.Insn != 0x6f {
		t.Errorf("after a good Reset: %+v", r)
	}
	// What an image put in the boot ROM goes with the next Reset.
	rom := &boot.Image{Segments: []load.Segment{{Addr: spec.BootROMBase, Data: []byte{0x13, 0, 0, 0, 0x6f, 0, 0, 0}}}, ResetPC: spec.BootROMBase}
	if err := m.Reset(rom); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.ReadPhys(spec.BootROMBase+4, 4); v != 0x6f {
		t.Fatalf("boot ROM word 1 = %#x after loading it", v)
	}
	if err := m.Reset(good); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.ReadPhys(spec.BootROMBase+4, 4); v != 0 {
		t.Errorf("boot ROM word 1 = %#x after a Reset to an image without it, want 0 as on a new machine", v)
	}
}
