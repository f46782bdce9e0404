package engine

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// timerProg arms the CLINT timer 5 ticks ahead, spins with interrupts on,
// and in the handler records minstret (s1) and the interrupted pc (s2).
const timerProg = prelude + `
#define CLINT 0x2000000
_start:
	la t0, handler
	csrw mtvec, t0
	li t0, CLINT + 0xbff8
	ld t1, 0(t0)
	addi t1, t1, 5
	li t0, CLINT + 0x4000
	sd t1, 0(t0)
	li t0, 0x80
	csrw mie, t0
	csrsi mstatus, 8
	li s0, 0
spin:
	addi s0, s0, 1
	beqz s3, spin
	li t0, 8
	blt s0, t0, bad
	csrr t0, mcause
	li t1, (1<<63)|7
	bne t0, t1, bad
	PASS
bad:
	FAIL(1)
.align 2
handler:
	csrr s1, minstret
	csrr s2, mepc
	li t0, CLINT + 0x4000
	li t1, -1
	sd t1, 0(t0)
	li s3, 1
	mret
`

func TestTimerInterrupt(t *testing.T) {
	cfg := testConfig()
	cfg.TimebaseDiv = 10
	elf := assemble(t, timerProg)

	run := bootELF(t, cfg, elf)
	if e := run.Run(100000); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("Run: exit %+v", e)
	}
	step := bootELF(t, cfg, elf)
	var irq *spec.Retire
	for i := 0; i < 100000 && step.Exit().Reason == spec.Running; i++ {
		r := step.Step()
		if r.Trap.Valid && r.Trap.Interrupt {
			if r.Insn != 0 || r.Trap.Cause != spec.IntMTimer || r.Trap.Target != spec.ModeM || r.NextPC != step.Harts[0].mtvec {
				t.Fatalf("interrupt record %+v", r)
			}
			rr := r
			irq = &rr
		}
	}
	if irq == nil {
		t.Fatal("Step never took the timer interrupt")
	}
	if e := step.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("Step: exit %+v", e)
	}
	// The interrupt is taken at the same instruction either way.
	for _, r := range []int{9, 18} {
		if a, b := run.Harts[0].x[r], step.Harts[0].x[r]; a != b {
			t.Errorf("x%d: Run %#x, Step %#x", r, a, b)
		}
	}
	// mtime = retired/10 reaches cmp = 5 ticks later: the interrupt comes
	// after the instruction that makes retired a multiple of 10.
	if got := run.Harts[0].x[9]; got%10 != 0 {
		t.Errorf("minstret at the interrupt = %d, want a multiple of TimebaseDiv", got)
	}
}

func TestSoftwareInterruptAndDelegation(t *testing.T) {
	// M raises MSIP through the CLINT, takes it, then delegates STIP to S
	// and raises it through mip; S takes it at stvec.
	m, _ := runAsm(t, prelude+`
#define CLINT 0x2000000
_start:
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	la t0, mhandler
	csrw mtvec, t0
	li t0, 8
	csrw mie, t0
	csrsi mstatus, 8
	li t0, CLINT
	li t1, 1
	sw t1, 0(t0)
1:	beqz s1, 1b
	csrci mstatus, 8
	# delegate STI to S, enable it, enter S with SIE
	li t0, 0x20
	csrw mideleg, t0
	csrw mie, t0
	la t0, shandler
	csrw stvec, t0
	la t0, smode
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0
	li t0, 0x0800
	csrs mstatus, t0
	mret
smode:
	csrsi sstatus, 2
	li s4, 1
	ecall            # to M: raise STIP
2:	beqz s2, 2b
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
3:	j 3b
.align 2
mhandler:
	csrr t0, mcause
	bltz t0, 1f
	# the ecall from S: set STIP, return past the ecall
	li t0, 0x20
	csrs mip, t0
	csrr t0, mepc
	addi t0, t0, 4
	csrw mepc, t0
	mret
1:	li t1, (1<<63)|3
	bne t0, t1, bad
	li t0, CLINT
	sw zero, 0(t0)
	li s1, 1
	mret
.align 2
shandler:
	csrr t0, scause
	li t1, (1<<63)|5
	bne t0, t1, bad
	li s2, 1
	li t0, 0x20
	csrc sie, t0
	sret
bad:
	FAIL(2)
`, 100000)
	if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("exit %+v pc=%#x", e, m.Harts[0].pc)
	}
}

func TestUARTReceiveInterrupt(t *testing.T) {
	// The guest enables the UART's RX interrupt through the PLIC (source
	// 10, M context of hart 0), takes MEI, claims, reads the byte, echoes
	// it, completes, and exits with the byte as its finisher code.
	m := bootELF(t, testConfig(), assemble(t, prelude+`
#define PLIC 0xc000000
#define UART 0x10000000
_start:
	la t0, handler
	csrw mtvec, t0
	li t0, PLIC + 10*4
	li t1, 1
	sw t1, 0(t0)          # priority of source 10
	li t0, PLIC + 0x2000
	li t1, 1 << 10
	sw t1, 0(t0)          # enable for context 0
	li t0, PLIC + 0x200000
	sw zero, 0(t0)        # threshold 0
	li t0, UART
	li t1, 1
	sb t1, 1(t0)          # IER: RX data available
	li t0, 0x800
	csrw mie, t0
	csrsi mstatus, 8
1:	beqz s1, 1b
	li t0, 0x100000
	slli t1, s1, 16
	li t2, 0x3333
	or t1, t1, t2
	sw t1, 0(t0)
2:	j 2b
.align 2
handler:
	li t0, PLIC + 0x200004
	lw t1, 0(t0)          # claim
	li t2, 10
	bne t1, t2, 3f
	li t3, UART
	lbu s1, 0(t3)
	sb s1, 0(t3)
	sb zero, 1(t3)        # IER off
	sw t1, 0(t0)          # complete
	mret
3:	li s1, 0xee
	mret
`))
	var out stringWriter
	m.SetConsole(stringReader("Z"), &out)
	e := m.Run(100000)
	if e.Reason != spec.HaltFinisher || e.Code != 'Z' || out.String() != "Z" {
		t.Fatalf("exit %+v, console %q", e, out.String())
	}
}

// TestTimerPendingAtReset: mtimecmp is 0 at reset, so enabling MTIE and
// MIE takes a timer interrupt at once, on the engine as on QEMU 7.2 (the
// exit code is 16 + mcause's cause).
func TestTimerPendingAtReset(t *testing.T) {
	src := `
.section .text.init
.globl _start
_start:
	la t0, handler
	csrw mtvec, t0
	li t0, 0x80
	csrw mie, t0
	csrsi mstatus, 8
	li t1, 100000
1:	addi t1, t1, -1
	bnez t1, 1b
	li t0, 0x100000
	li t1, (1<<16)|0x3333
	sw t1, 0(t0)
2:	j 2b
.align 2
handler:
	csrr t1, mcause
	andi t1, t1, 0xff
	addi t1, t1, 16
	slli t1, t1, 16
	li t2, 0x3333
	or t1, t1, t2
	li t0, 0x100000
	sw t1, 0(t0)
3:	j 3b
`
	elf := assemble(t, src)
	m := bootELF(t, testConfig(), elf)
	e := m.Run(1_000_000)
	if e.Reason != spec.HaltFinisher || e.Code != 16+spec.IntMTimer {
		t.Fatalf("engine exit %+v", e)
	}
	if code, out := qemuExit(t, elf); code != 16+spec.IntMTimer {
		t.Fatalf("qemu exit %d %s", code, out)
	}
}
