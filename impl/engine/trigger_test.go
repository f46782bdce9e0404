package engine

import (
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
)

// triggerLoopSrc runs a loop until its blocks are hot (compiled, where the
// block compiler exists), then arms, in turn, an execute trigger on an
// instruction inside the loop, a load trigger on the word it loads and a
// store trigger on the word it stores, and runs the loop 10 more times
// under each. The handler counts breakpoints in s8 and skips the
// instruction. s10 holds the address of the triggered instruction.
const triggerLoopSrc = prelude + `
_start:
	la t0, handler
	csrw mtvec, t0
	la s0, word
	la s10, hot
	li s8, 0
	li a0, 0
	li a1, 0
	li a2, 0
	li s1, 2000
	call loop
	/* execute: "hot" never runs */
	li t0, (2 << 60) | (1 << 6) | 4
	csrw tdata2, s10
	csrw tdata1, t0
	li a0, 0
	li s1, 10
	call loop
	CHECK(s8, 10, 1)
	CHECK(a0, 0, 2)
	/* load: "lw" never loads */
	li t0, (2 << 60) | (1 << 6) | 1
	csrw tdata2, s0
	csrw tdata1, t0
	li a1, 0
	li s1, 10
	call loop
	CHECK(s8, 20, 3)
	CHECK(a1, 0, 4)
	/* store: "sw" never stores */
	li t0, 2 << 60 /* a disabled mcontrol */
	csrw tdata1, t0
	sw zero, 0(s0)
	li t0, (2 << 60) | (1 << 6) | 2
	csrw tdata1, t0
	li s1, 10
	call loop
	CHECK(s8, 30, 5)
	lw t1, 0(s0)
	CHECK(t1, 0, 6)
	/* disarmed: no more breakpoints */
	li t0, 2 << 60 /* a disabled mcontrol */
	csrw tdata1, t0
	li s1, 10
	call loop
	CHECK(s8, 30, 7)
	PASS
fail_1: FAIL(1)
fail_2: FAIL(2)
fail_3: FAIL(3)
fail_4: FAIL(4)
fail_5: FAIL(5)
fail_6: FAIL(6)
fail_7: FAIL(7)

	.align 4
loop:
	.option push
	.option norvc
1:	addi a2, a2, 1
hot:	addi a0, a0, 1
	li t2, 0
	ld t4, 8(s0)		/* the same page: fills the TLBs if they may be */
	lw t2, 0(s0)
	add a1, a1, t2
	addi t3, t2, 1
	sd t4, 16(s0)
	sw t3, 0(s0)
	addi s1, s1, -1
	bnez s1, 1b
	.option pop
	ret

	.align 4
handler:
	addi s8, s8, 1
	csrr t0, mepc
	addi t0, t0, 4
	csrw mepc, t0
	mret

	.data
	.align 3
word:	.dword 1, 2, 3
`

// TestTriggersInHotCode checks that the fast paths never skip an armed
// trigger: the loop's blocks are compiled (with the block compiler) or
// interpreted as blocks from TLB hits before the triggers are armed, and
// each trigger must still fire on every iteration, also when other loads
// and stores of the same page would fill the TLB. The program passes on
// QEMU 7.2 too (runAsm). With the compiler off, the interpreter alone.
func TestTriggersInHotCode(t *testing.T) {
	for _, jit := range []bool{true, false} {
		if jit && !jitSupported {
			continue
		}
		elf := assemble(t, triggerLoopSrc)
		m := bootELF(t, testConfig(), elf)
		m.SetJIT(jit)
		m.Run(1_000_000)
		if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
			t.Fatalf("jit=%v: %+v (code>>16 is the failed check)", jit, e)
		}
		if !jit {
			continue
		}
		// The loop did run compiled: a compiled block holds "hot".
		hot := m.Harts[0].x[26] - spec.RAMBase
		compiled := false
		if cp := m.codePages[hot>>12]; cp != nil {
			for _, b := range cp.live {
				if b.jit.code != 0 && uint64(b.start) <= hot&0xfff && hot&0xfff < uint64(b.end) {
					compiled = true
				}
			}
		}
		if !compiled {
			t.Errorf("no compiled block holds the triggered instruction: the test does not reach the compiler")
		}
	}
	runAsm(t, triggerLoopSrc, 1_000_000) // and on QEMU
}

// BenchmarkRunTriggers measures loop.elf with triggers armed that never
// fire: none; a load/store trigger (every load and store takes the slow
// path); an execute trigger on a page the program never runs (no cost);
// and one on the page of its hot loop (one instruction per fast call
// there). docs/PERFORMANCE.md has the figures.
func BenchmarkRunTriggers(b *testing.B) {
	for _, c := range []struct {
		name           string
		tdata1, tdata2 uint64
	}{
		{"none", spec.Tdata1Reset, 0},
		{"loadstore", spec.Tdata1Reset | trigModes | trigData, 0x10},
		{"exec-other-page", spec.Tdata1Reset | trigModes | spec.McontrolExecute, 0x80100000},
		{"exec-hot-page", spec.Tdata1Reset | trigModes | spec.McontrolExecute, 0x80000ffc},
	} {
		b.Run(c.name, func(b *testing.B) {
			var insts uint64
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				m := bootELF(b, testConfig(), benchELF("loop"))
				h := m.Harts[0]
				h.WriteCSR(spec.CSRTdata2, c.tdata2)
				h.WriteCSR(spec.CSRTdata1, c.tdata1)
				b.StartTimer()
				cpu0 := cpuTime()
				if e := m.Run(2_000_000_000); e.Reason != spec.HaltFinisher || e.Code != 0 {
					b.Fatalf("exit %+v", e)
				}
				cpu += cpuTime() - cpu0
				insts += m.Retired()
			}
			b.ReportMetric(float64(insts)/cpu.Seconds()/1e6, "cpuMIPS")
		})
	}
}
