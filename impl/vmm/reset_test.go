package vmm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// resetCap bounds each program's run in TestResetIsFresh.
const resetCap = 100_000

// vmHarness is a VM with its console.
type vmHarness struct {
	vm  *VM
	out *bytes.Buffer
}

func newVMHarness(t testing.TB, cfg spec.Config, img *boot.Image) vmHarness {
	t.Helper()
	vm, err := New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	h := vmHarness{vm, new(bytes.Buffer)}
	vm.SetConsole(strings.NewReader(""), h.out)
	return h
}

// resetProgram is one guest TestResetIsFresh runs.
type resetProgram struct {
	name string
	cfg  spec.Config
	img  *boot.Image
}

// resetPrograms is what TestResetIsFresh runs: every runnable corpus
// program that assembles with toolchain/asm (paging, PMP, interrupts,
// triggers, several harts, the VMM's own coherence tests), and garbage
// guests of TestGarbage's kind (random code in every virtual mode, bare
// and under Sv39 whose tables are the garbage itself, on one and two
// vCPUs), which fill and drop shadow leaves at random.
func resetPrograms(t *testing.T) []resetProgram {
	var out []resetProgram
	for _, p := range corpus.Programs() {
		if !p.Runnable() || p.OpenFinding() {
			continue
		}
		cfg := spec.DefaultConfig()
		cfg.RAM = 16 << 20 // the benchmarks need more than 4 MiB
		cfg.Harts = p.Harts()
		img, err := p.Image(cfg)
		if err != nil {
			continue // needs the C preprocessor: corpus's own tests run those under the VMM
		}
		out = append(out, resetProgram{p.Path, cfg, img})
	}
	rng := rand.New(rand.NewPCG(17, 3))
	for i := range 24 {
		code := make([]byte, 64+rng.IntN(512))
		for j := range code {
			code[j] = byte(rng.Uint32())
		}
		satp := []uint64{0, 8<<60 | (spec.RAMBase+0x1000)>>12, 8<<60 | rng.Uint64()&(1<<44-1)}[i%3]
		mode := []spec.Mode{spec.ModeM, spec.ModeS, spec.ModeU}[i/3%3]
		cfg := spec.DefaultConfig()
		cfg.RAM = 16 << 20
		cfg.Harts = 1 + i%2
		out = append(out, resetProgram{fmt.Sprintf("garbage %d (satp %#x, %s)", i, satp, mode), cfg,
			asmImage(t, cfg, fmt.Sprintf(garbagePrologue, satp, mode), code)})
	}
	return out
}

// TestResetIsFresh: a VM Reset to an image behaves record for record,
// and exit for exit in its statistics, like a new VM built for it,
// whatever ran on it before. One VM per hart count goes through the
// programs of resetPrograms, each twice in a row (after another program,
// then after itself, whose shadow contexts, tracked page tables, code
// pages, TLB entries and RAM are all still there), alternately stepped
// (every record compared) and Run in chunks (the direct fast path,
// compared at each chunk). Right after Reset and at the end the reset VM
// is compared with the new one in everything: exit, statistics, every
// vCPU's State, the physical harts' State, the VMM's books (contexts,
// tracked pages, the pool), all of host RAM (ROM copy, shadow tables,
// guest RAM, guard), the console.
func TestResetIsFresh(t *testing.T) {
	reused := map[int]vmHarness{}
	n, paged, harts2 := 0, 0, 0
	for _, p := range resetPrograms(t) {
		r, ok := reused[p.cfg.Harts]
		if !ok {
			r = newVMHarness(t, p.cfg, p.img)
			reused[p.cfg.Harts] = r
		}
		for again := range 2 {
			n++
			step := n%2 == 0
			what := fmt.Sprintf("%s (%s, run %d)", p.name, map[bool]string{true: "Step", false: "Run"}[step], again+1)
			if err := r.vm.Reset(p.img); err != nil {
				t.Fatalf("%s: Reset: %v", what, err)
			}
			r.out.Reset()
			r.vm.SetConsole(strings.NewReader(""), r.out)
			f := newVMHarness(t, p.cfg, p.img)
			if d := vmResetDiff(f, r); d != "" {
				t.Fatalf("%s: right after Reset, the reset VM differs from a new one: %s", what, d)
			}
			steps := uint64(0)
			for steps < resetCap && f.vm.Exit().Reason == spec.Running {
				if step {
					rf, rr := f.vm.Step(), r.vm.Step()
					if rf != rr {
						t.Fatalf("%s: record %d: new %+v, reset %+v", what, steps, rf, rr)
					}
					steps++
					continue
				}
				ef, er := f.vm.Run(1000), r.vm.Run(1000)
				if ef != er {
					t.Fatalf("%s: Run after %d steps: new %s, reset %s", what, steps, ef, er)
				}
				steps += 1000
				if sf, sr := f.vm.Stats(), r.vm.Stats(); sf != sr {
					t.Fatalf("%s: after %d steps, statistics: new %+v, reset %+v", what, steps, sf, sr)
				}
			}
			if d := vmResetDiff(f, r); d != "" {
				t.Fatalf("%s: at the end (%d steps, %s): %s", what, steps, f.vm.Exit(), d)
			}
			st := r.vm.Stats()
			if st.Fills > 0 && st.Switches > 1 {
				paged++
			}
			if p.cfg.Harts > 1 {
				harts2++
			}
		}
	}
	t.Logf("%d runs, %d with shadow fills and context switches, %d on two vCPUs", n, paged, harts2)
	if n < 60 || paged < 20 || harts2 < 10 {
		t.Errorf("only %d runs, %d with shadow fills and context switches, %d on two vCPUs", n, paged, harts2)
	}
}

// vmResetDiff compares two VMs in everything Reset must restore, and
// returns the first difference, or "".
func vmResetDiff(f, r vmHarness) string {
	a, b := f.vm, r.vm
	if ea, eb := a.Exit(), b.Exit(); ea != eb {
		return fmt.Sprintf("exit: new %s, reset %s", ea, eb)
	}
	if sa, sb := a.Stats(), b.Stats(); sa != sb {
		return fmt.Sprintf("statistics: new %+v, reset %+v", sa, sb)
	}
	if ra, rb := a.Retired(), b.Retired(); ra != rb {
		return fmt.Sprintf("retired: new %d, reset %d", ra, rb)
	}
	if !bytes.Equal(f.out.Bytes(), r.out.Bytes()) {
		return fmt.Sprintf("console: new %q, reset %q", f.out, r.out)
	}
	if a.next != b.next || a.htif != b.htif || a.released != b.released || len(a.vcpus) != len(b.vcpus) {
		return fmt.Sprintf("VM: new next %d htif %#x released %v vCPUs %d, reset %d %#x %v %d",
			a.next, a.htif, a.released, len(a.vcpus), b.next, b.htif, b.released, len(b.vcpus))
	}
	for h := range a.vcpus {
		if sa, sb := fmt.Sprint(a.State(h)), fmt.Sprint(b.State(h)); sa != sb {
			return fmt.Sprintf("vCPU %d State:\nnew   %s\nreset %s", h, sa, sb)
		}
		if sa, sb := fmt.Sprint(a.host.State(h)), fmt.Sprint(b.host.State(h)); sa != sb {
			return fmt.Sprintf("physical hart %d State:\nnew   %s\nreset %s", h, sa, sb)
		}
		va, vb := a.vcpus[h], b.vcpus[h]
		if va.timeEnabled != vb.timeEnabled || va.lastTrap != vb.lastTrap || va.ph.Reservation() != vb.ph.Reservation() {
			return fmt.Sprintf("vCPU %d: new time %#x trap %+v reservation %+v, reset %#x %+v %+v", h,
				va.timeEnabled, va.lastTrap, va.ph.Reservation(), vb.timeEnabled, vb.lastTrap, vb.ph.Reservation())
		}
		if ka, kb := ctxSummary(va), ctxSummary(vb); ka != kb {
			return fmt.Sprintf("vCPU %d shadow contexts:\nnew   %s\nreset %s", h, ka, kb)
		}
	}
	if ta, tb := fmt.Sprint(sortedKeys(a.tracked)), fmt.Sprint(sortedKeys(b.tracked)); ta != tb || len(a.refs) != len(b.refs) {
		return fmt.Sprintf("tracked page tables: new %s (%d PTEs), reset %s (%d PTEs)", ta, len(a.refs), tb, len(b.refs))
	}
	if pa, pb := fmt.Sprint(a.pool.free), fmt.Sprint(b.pool.free); pa != pb {
		return fmt.Sprintf("pool: new free %s, reset %s", pa, pb)
	}
	if a.emu.Mtime() != b.emu.Mtime() || a.host.Mtime() != b.host.Mtime() {
		return fmt.Sprintf("mtime: new %d (host %d), reset %d (host %d)", a.emu.Mtime(), a.host.Mtime(), b.emu.Mtime(), b.host.Mtime())
	}
	if d := ramDiff(a.host.PhysMem, b.host.PhysMem, spec.RAMBase, a.lay.hostRAM); d != "" {
		return "host RAM " + d
	}
	return ""
}

// ctxSummary lists a vCPU's shadow contexts (the current one marked),
// with their leaves' count.
func ctxSummary(v *vcpu) string {
	var s []string
	for k, c := range v.ctxs {
		cur := ""
		if c == v.ctx {
			cur = " (current)"
		}
		s = append(s, fmt.Sprintf("%+v root %#x deps %d wmap %d%s", k, c.root.pa, len(c.deps), len(c.wmap), cur))
	}
	sort.Strings(s)
	if v.ctx == nil || v.ctx.dead {
		s = append(s, "no live current context")
	}
	return strings.Join(s, "; ")
}

func sortedKeys(m map[uint64]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%#x:%d", k, v))
	}
	sort.Strings(out)
	return out
}

// ramDiff compares [base, base+size) of two memories.
func ramDiff(a, b func(pa, n uint64) ([]byte, error), base, size uint64) string {
	ma, err := a(base, size)
	if err != nil {
		return err.Error()
	}
	mb, err := b(base, size)
	if err != nil {
		return err.Error()
	}
	if bytes.Equal(ma, mb) {
		return ""
	}
	for i := range ma {
		if ma[i] != mb[i] {
			return fmt.Sprintf("at %#x: new %#02x, reset %#02x", base+uint64(i), ma[i], mb[i])
		}
	}
	return ""
}

// TestResetImages: Reset refuses what New refuses and then changes
// nothing (the VM runs on as it was); a released VM (Release) is a VM
// again after Reset; the event log is dropped; and the boot-ROM copy
// follows the image.
func TestResetImages(t *testing.T) {
	cfg := spec.DefaultConfig()
	cfg.RAM = 4 << 20
	loop := asmImage(t, cfg, "_start: addi a0, a0, 1\nj _start\n", nil)
	rom := &boot.Image{Segments: []load.Segment{{Addr: spec.BootROMBase, Data: []byte{0x13, 0, 0, 0, 0x6f, 0, 0, 0}}}, ResetPC: spec.BootROMBase}
	bad := &boot.Image{Segments: []load.Segment{{Addr: spec.RAMBase + 4<<20, Data: []byte{1}}}, ResetPC: spec.RAMBase}
	var log bytes.Buffer
	vm, err := NewWithEvents(cfg, rom, Events{W: &log, VM: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	vm.Step()
	for _, img := range []*boot.Image{bad, nil} {
		err := vm.Reset(img)
		if err == nil {
			t.Fatalf("Reset accepts %v", img)
		}
		if img != nil && !strings.Contains(err.Error(), "does not fit the VM") {
			t.Errorf("Reset of an image beyond RAM: %v", err)
		}
	}
	if r := vm.Step(); r.PC != spec.BootROMBase+4 || r.Insn != 0x6f {
		t.Errorf("after a refused Reset the VM changed: second step %+v", r)
	}
	if err := vm.Release(); err != nil {
		t.Fatal(err)
	}
	logged := log.Len()
	if err := vm.Reset(loop); err != nil {
		t.Fatal(err)
	}
	if vm.Exit().Reason != spec.Running {
		t.Fatalf("a released VM, reset: %s", vm.Exit())
	}
	fresh, err := New(cfg, loop)
	if err != nil {
		t.Fatal(err)
	}
	for a := uint64(spec.BootROMBase); a < spec.BootROMBase+64; a += 4 {
		v, _ := vm.ReadPhys(a, 4)
		if w, _ := fresh.ReadPhys(a, 4); v != w {
			t.Errorf("boot ROM at %#x = %#x after a Reset, %#x on a new VM", a, v, w)
		}
	}
	if e := vm.Run(1000); e.Reason != spec.HaltLimit || vm.State(0).X[10] == 0 {
		t.Errorf("after Reset: %s, a0 %d", e, vm.State(0).X[10])
	}
	if log.Len() != logged {
		t.Errorf("a reset VM still logs events: %s", log.Bytes()[logged:])
	}
}
