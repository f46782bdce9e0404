package vmm

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// The tests of this package compare the VM with the bare engine (both in
// impl; the comparisons with refmodel live in corpus/ and fuzz/, which may
// import it).

// asmImage assembles src (at RAMBase) with toolchain/asm, appends extra
// bytes after it (at RAMBase+0x1000), and builds a reset image for cfg.
func asmImage(tb testing.TB, cfg spec.Config, src string, extra []byte) *boot.Image {
	tb.Helper()
	obj, err := asm.Assemble("test.S", []byte(src), asm.Options{})
	if err != nil {
		tb.Fatalf("assemble: %v", err)
	}
	prog := obj.Program("test")
	if len(extra) > 0 {
		prog.Segments = append(prog.Segments, load.Segment{Addr: spec.RAMBase + 0x1000, Data: extra, MemSize: uint64(len(extra))})
	}
	img, err := boot.Build(cfg, prog, nil)
	if err != nil {
		tb.Fatalf("boot image: %v", err)
	}
	return img
}

// lockstepOn steps the bare engine and a VM, both at reset with the same
// image, for up to limit steps and returns the first difference of
// records or exits, or "".
func lockstepOn(bare *engine.Machine, vm *VM, cfg spec.Config, limit int) string {
	for i := 0; i < limit; i++ {
		if a, b := bare.Exit(), vm.Exit(); a.Reason != b.Reason || a.Code != b.Code {
			return fmt.Sprintf("step %d: exits differ: engine %s, vmm %s", i, a, b)
		}
		if bare.Exit().Reason != spec.Running {
			return ""
		}
		if a, b := bare.Step(), vm.Step(); a != b {
			return fmt.Sprintf("step %d: records differ:\nengine %+v\nvmm    %+v", i, a, b)
		}
	}
	for h := range cfg.Harts {
		if a, b := fmt.Sprint(bare.State(h)), fmt.Sprint(vm.State(h)); a != b {
			return fmt.Sprintf("hart %d: states differ at the limit:\nengine %s\nvmm    %s", h, a, b)
		}
	}
	return ""
}

// garbagePrologue runs the garbage at RAMBase+0x1000 in mode `mode` with
// satp, PMP open to S and U, and every trap going back to the prologue.
const garbagePrologue = `
	.equ SATP, %#x
	.equ MODE, %d
	.text
	.globl _start
_start:
	la t0, _start
	csrw mtvec, t0
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	li t0, SATP
	csrw satp, t0
	li t0, 3 << 11
	csrc mstatus, t0
	li t0, MODE << 11
	csrs mstatus, t0
	li t0, 0x80001000
	csrw mepc, t0
	mret
`

// checkGarbage runs code as a guest (M-mode bare, or S/U with satp) on
// harts harts, in lockstep with the bare engine; then it runs the VM on
// with Run and audits it: no panic, no difference, nothing outside.
func checkGarbage(t *testing.T, r *garbageRig, code []byte, satp uint64, mode spec.Mode, harts int) {
	cfg := spec.DefaultConfig()
	cfg.RAM = 4 << 20
	cfg.Harts = harts
	img := asmImage(t, cfg, fmt.Sprintf(garbagePrologue, satp, mode), code)
	bare, vm := r.machines(t, cfg, img)
	if d := lockstepOn(bare, vm, cfg, 3000); d != "" {
		t.Fatalf("satp %#x mode %s harts %d code %x:\n%s", satp, mode, harts, code, d)
	}
	if err := vm.Reset(img); err != nil {
		t.Fatal(err)
	}
	before, err := vm.Audit()
	if err != nil {
		t.Fatal(err)
	}
	vm.Run(30000)
	after, err := vm.Audit()
	if err != nil {
		t.Fatalf("satp %#x code %x: %v", satp, code, err)
	}
	if before.Outside != after.Outside || before.Harts != after.Harts {
		t.Fatalf("satp %#x code %x: the guest changed the host outside it", satp, code)
	}
}

// TestGarbage runs random bytes as code in every virtual mode, bare and
// under Sv39 whose root is the garbage itself, on one and two vCPUs,
// against the bare engine.
func TestGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	rig := newGarbageRig()
	n := 60
	if testing.Short() {
		n = 12
	}
	for i := range n {
		code := make([]byte, 64+rng.IntN(512))
		for j := range code {
			code[j] = byte(rng.Uint32())
		}
		satp := []uint64{0, 8<<60 | (spec.RAMBase+0x1000)>>12, 8<<60 | rng.Uint64()&(1<<44-1)}[i%3]
		mode := []spec.Mode{spec.ModeM, spec.ModeS, spec.ModeU}[i/3%3]
		checkGarbage(t, rig, code, satp, mode, 1+i%2)
	}
}

// garbageRig keeps a bare engine and a VM per hart count and resets them
// for each program (Reset is proven equal to a new machine by
// TestResetIsFresh here and in impl/engine): building three machines was
// most of a go test -fuzz execution of FuzzGarbage.
type garbageRig struct {
	bare map[int]*engine.Machine
	vm   map[int]*VM
}

func newGarbageRig() *garbageRig {
	return &garbageRig{bare: map[int]*engine.Machine{}, vm: map[int]*VM{}}
}

// machines returns the rig's machines for cfg, at reset with img.
func (r *garbageRig) machines(tb testing.TB, cfg spec.Config, img *boot.Image) (*engine.Machine, *VM) {
	tb.Helper()
	bare, vm := r.bare[cfg.Harts], r.vm[cfg.Harts]
	if bare == nil || bare.Reset(img) != nil {
		var err error
		if bare, err = engine.New(cfg, img); err != nil {
			tb.Fatal(err)
		}
		r.bare[cfg.Harts] = bare
	}
	if vm == nil || vm.Reset(img) != nil {
		var err error
		if vm, err = New(cfg, img); err != nil {
			tb.Fatal(err)
		}
		r.vm[cfg.Harts] = vm
	}
	return bare, vm
}

// FuzzGarbage is TestGarbage under go test -fuzz.
func FuzzGarbage(f *testing.F) {
	f.Add([]byte{0x73, 0, 0, 0}, uint64(0), uint8(0), uint8(1))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0}, uint64(8<<60|0x80001), uint8(1), uint8(2))
	rig := newGarbageRig() // one per worker process; inputs run one at a time
	f.Fuzz(func(t *testing.T, code []byte, satp uint64, mode, harts uint8) {
		m := []spec.Mode{spec.ModeM, spec.ModeS, spec.ModeU}[mode%3]
		checkGarbage(t, rig, code, satp, m, 1+int(harts%2))
	})
}

// TestImageDoesNotFit: an image with a segment beyond the guest's RAM is a
// clear error, not a panic.
func TestImageDoesNotFit(t *testing.T) {
	cfg := spec.DefaultConfig()
	cfg.RAM = 4 << 20
	img := &boot.Image{ResetPC: spec.BootROMBase, Segments: []load.Segment{{Addr: spec.RAMBase + 4<<20, Data: []byte{1, 2, 3, 4}, MemSize: 4}}}
	_, err := New(cfg, img)
	if err == nil || !strings.Contains(err.Error(), "does not fit the VM") || !strings.Contains(err.Error(), "0x80400000") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(cfg, nil); err == nil {
		t.Fatal("no error for a nil image")
	}
	cfg.RAM = spec.MaxRAM
	if _, err := New(cfg, &boot.Image{}); err == nil || !strings.Contains(err.Error(), "host RAM") {
		t.Fatalf("a guest as large as the memory map: err = %v", err)
	}
}

// TestRunaway: a guest that loops forever stops at the limit, and one
// that traps forever without retiring (mtvec on an unmapped address) ends
// with the bare engine's trap-loop result.
func TestRunaway(t *testing.T) {
	cfg := spec.DefaultConfig()
	cfg.RAM = 4 << 20
	vm, err := New(cfg, asmImage(t, cfg, "_start: j _start\n", nil))
	if err != nil {
		t.Fatal(err)
	}
	if e := vm.Run(1_000_000); e.Reason != spec.HaltLimit || vm.Exit().Reason != spec.Running {
		t.Fatalf("exit %s, then %s", e, vm.Exit())
	}
	img := asmImage(t, cfg, "_start: li t0, 0x40\ncsrw mtvec, t0\n.word 0\n", nil)
	vm, err = New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	bare, err := engine.New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	e, eb := vm.Run(1_000_000), bare.Run(1_000_000)
	if e.Reason != spec.HaltTrapLoop || !strings.Contains(e.Detail, "trap loop") || e != eb {
		t.Fatalf("exit %+v, bare engine %+v", e, eb)
	}
}

// TestLayoutPMP: the physical PMP gives S and U the window (RWX), the
// ROM copy (RX) and the pool (R), and nothing else, the guard included.
func TestLayoutPMP(t *testing.T) {
	cfg := spec.DefaultConfig()
	cfg.RAM = 4 << 20
	vm, err := New(cfg, asmImage(t, cfg, "_start: j _start\n", nil))
	if err != nil {
		t.Fatal(err)
	}
	l := vm.lay
	ph := vm.host.Harts[0]
	for _, c := range []struct {
		pa   uint64
		r, w bool
		x    bool
	}{
		{l.rom, true, false, true},
		{l.pool, true, false, false},
		{l.pool + l.poolN*pageSize - 8, true, false, false},
		{l.window, true, true, true},
		{l.window + l.guestRAM - 8, true, true, true},
		{l.guard, false, false, false},
		{spec.RAMBase - 8, false, false, false},
		{spec.UARTBase, false, false, false},
	} {
		for kind, want := range map[engine.Access]bool{engine.AccessLoad: c.r, engine.AccessStore: c.w, engine.AccessFetch: c.x} {
			for _, m := range []spec.Mode{spec.ModeS, spec.ModeU} {
				if got, _ := ph.PMPDecide(c.pa, 8, kind, m); got != want {
					t.Errorf("%#x kind %d mode %s: allowed %v, want %v", c.pa, kind, m, got, want)
				}
			}
		}
	}
	if l.window%pageSize != 0 || l.guard != l.window+l.guestRAM || l.pool+l.poolN*pageSize > l.window {
		t.Errorf("layout %+v", l)
	}
}

// TestInsnClass: the exit classes of the instructions that trap as
// illegal in physical U, and which of them write a PMP register.
func TestInsnClass(t *testing.T) {
	for _, c := range []struct {
		word uint32
		want ExitCause
		pmp  bool
	}{
		{0x300022f3, ExitCSR, false},     // csrr t0, mstatus
		{0x3a029073, ExitCSR, true},      // csrw pmpcfg0, t0
		{0x3b002373, ExitCSR, false},     // csrr t1, pmpaddr0: a read
		{0x3b0fd073, ExitCSR, true},      // csrwi pmpaddr0, 31
		{0x3a006073, ExitCSR, false},     // csrsi pmpcfg0, 0: no write
		{0x30200073, ExitMRET, false},    // mret
		{0x10200073, ExitSRET, false},    // sret
		{0x10500073, ExitWFI, false},     // wfi
		{0x12000073, ExitSFENCE, false},  // sfence.vma
		{0x12b50073, ExitSFENCE, false},  // sfence.vma a0, a1
		{0x00000000, ExitIllegal, false}, // c.unimp
		{0x30200073 | 1<<7, ExitIllegal, false},
	} {
		got, pmp := insnClass(c.word)
		if got != c.want || pmp != c.pmp {
			t.Errorf("%#08x: %s, pmp %v; want %s, %v", c.word, got, pmp, c.want, c.pmp)
		}
	}
}
