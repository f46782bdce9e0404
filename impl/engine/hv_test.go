package engine

import (
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// TestRunParallel runs two harts on their own goroutines; both add to a
// shared counter with AMOs and hart 0 passes once it reaches 2000. Run it
// with -race: the shared state must be race-free.
func TestRunParallel(t *testing.T) {
	cfg := testConfig()
	cfg.Harts = 2
	m := bootELF(t, cfg, assemble(t, prelude+`
_start:
	csrr a0, mhartid
	la a1, counter
	li a2, 1000
1:	li t0, 1
	amoadd.d zero, t0, (a1)
	addi a2, a2, -1
	bnez a2, 1b
	bnez a0, 3f
	li t1, 2000
2:	ld t0, 0(a1)
	bne t0, t1, 2b
	PASS
3:	wfi
	j 3b
.data
.align 3
counter: .dword 0
`))
	e := m.RunParallel(10_000_000, 100)
	if e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("exit %+v", e)
	}
}

// TestRunUntilTrapIntercept emulates an ecall from outside, as a
// trap-and-emulate VMM would: the trap never reaches the guest's mtvec.
func TestRunUntilTrapIntercept(t *testing.T) {
	m := bootELF(t, testConfig(), assemble(t, prelude+`
_start:
	li a0, 1
	ecall
	li t0, 42
	bne a0, t0, bad
	PASS
bad:
	FAIL(1)
`))
	h := m.Harts[0]
	h.Intercept = func(h *Hart, tr spec.Trap) bool { return !tr.Interrupt && tr.Cause == spec.CauseMachineEcall }
	tr, _ := h.RunUntilTrap(1000)
	if !tr.Valid || tr.Cause != spec.CauseMachineEcall {
		t.Fatalf("trap %+v", tr)
	}
	if h.Mode() != spec.ModeM || h.Reg(10) != 1 {
		t.Fatalf("mode %v a0 %d", h.Mode(), h.Reg(10))
	}
	if v, _ := h.ReadCSR(spec.CSRMcause); v != 0 {
		t.Fatalf("mcause %#x: the intercepted trap reached the guest", v)
	}
	h.SetReg(10, 42)
	h.SetPC(h.PC() + 4)
	tr, _ = h.RunUntilTrap(1000)
	if tr.Valid || m.Exit().Reason != spec.HaltFinisher || m.Exit().Code != 0 {
		t.Fatalf("trap %+v exit %+v", tr, m.Exit())
	}
}

// TestGarbageAndUnmapped: random bytes, jumps into unmapped memory and an
// unmapped trap vector end with a trap-loop message, never a panic or hang.
func TestGarbageAndUnmapped(t *testing.T) {
	m, _ := runAsm(t, prelude+`
_start:
	li t0, 0x800
	csrw mtvec, t0
	jr t0
`, 1_000_000)
	e := m.Exit()
	if e.Reason != spec.HaltTrapLoop || e.Code != -1 || !strings.HasPrefix(e.Detail, "trap loop: hart 0 took 10000 traps in a row at pc 0x800") {
		t.Fatalf("exit %+v", e)
	}
	t.Log(e.Detail)
}

// FuzzGarbage runs arbitrary bytes as a program, in M-mode and in S-mode
// under Sv39 with garbage page tables: it must end without a panic.
func FuzzGarbage(f *testing.F) {
	f.Add([]byte{0x73, 0, 0, 0}, uint64(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0}, uint64(8<<60|0x80000))
	f.Fuzz(func(t *testing.T, code []byte, satp uint64) {
		cfg := testConfig()
		cfg.RAM = 1 << 20
		img := &boot.Image{ResetPC: spec.RAMBase, Segments: []load.Segment{{Addr: spec.RAMBase, Data: code, MemSize: uint64(len(code))}}}
		m, err := New(cfg, img)
		if err != nil {
			t.Fatal(err)
		}
		h := m.Harts[0]
		if satp != 0 {
			h.WriteCSR(spec.CSRPmpaddr0, ^uint64(0))
			h.WriteCSR(spec.CSRPmpcfg0, 0x1f)
			h.WriteCSR(spec.CSRSatp, satp)
			h.WriteCSR(spec.CSRMtvec, spec.RAMBase)
			h.SetMode(spec.ModeS)
		}
		m.Run(20000)
		for i := 0; i < 100; i++ {
			m.Step()
		}
	})
}

// TestManyTrapsAreNotALoop: 20000 identical ecalls, each handled (and
// returned from without mret), are progress, not a trap loop.
func TestManyTrapsAreNotALoop(t *testing.T) {
	m, _ := runAsm(t, prelude+`
_start:
	la t0, handler
	csrw mtvec, t0
	li s0, 20000
1:	la s11, 2f
	ecall
2:	addi s0, s0, -1
	bnez s0, 1b
	PASS
.align 2
handler:
	jr s11
`, 10_000_000)
	mustPass(t, m)
}

// TestHTIF: console putchar through tohost, then an odd value ends the run
// with code v>>1.
func TestHTIF(t *testing.T) {
	m, out := runAsm(t, prelude+`
_start:
	la t0, tohost
	li t1, (1 << 56) | (1 << 48) | 'h'
	sd t1, 0(t0)
	li t1, (1 << 56) | (1 << 48) | 'i'
	sd t1, 0(t0)
	li t1, (5 << 1) | 1
	sd t1, 0(t0)
1:	j 1b
`, 10000)
	if e := m.Exit(); e.Reason != spec.HaltHTIF || e.Code != 5 || out != "hi" {
		t.Fatalf("exit %+v output %q", e, out)
	}
}

// TestWriteRAMPatchesCode: a hypervisor write into code that already ran
// is seen by the next execution.
func TestWriteRAMPatchesCode(t *testing.T) {
	m := bootELF(t, testConfig(), assemble(t, prelude+`
_start:
	li a0, 0
1:	.option push
	.option norvc
	addi a0, a0, 1
	.option pop
	ecall
	j 1b
`))
	h := m.Harts[0]
	h.Intercept = func(*Hart, spec.Trap) bool { return true }
	if tr, _ := h.RunUntilTrap(1000); tr.Cause != spec.CauseMachineEcall || h.Reg(10) != 1 {
		t.Fatalf("trap %+v a0 %d", tr, h.Reg(10))
	}
	// Patch "addi a0, a0, 1" (4 bytes before the ecall) into "addi a0, a0, 5".
	insn := []byte{0x13, 0x05, 0x55, 0x00}
	if err := m.WriteRAM(h.PC()-4, insn); err != nil {
		t.Fatal(err)
	}
	var back [4]byte
	if err := m.ReadRAM(h.PC()-4, back[:]); err != nil || back != [4]byte(insn) {
		t.Fatalf("ReadRAM %x %v", back, err)
	}
	h.SetPC(h.PC() + 4)
	if tr, _ := h.RunUntilTrap(1000); tr.Cause != spec.CauseMachineEcall || h.Reg(10) != 6 {
		t.Fatalf("trap %+v a0 %d, want 6", tr, h.Reg(10))
	}
	if err := m.WriteRAM(0x1000, insn); err == nil {
		t.Fatal("WriteRAM to the boot ROM succeeded")
	}
}
