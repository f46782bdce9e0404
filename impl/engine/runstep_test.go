package engine

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// Run executes predecoded blocks (fast, loop) while Step runs the same code
// with a budget of one, and the differential tests (diff.Lockstep, the
// fuzzers) only ever Step. These tests hold Run to its contract
// (machine.go): "The trace it follows is exactly the one Step would
// produce". With one hart Run(n) runs n steps of hart 0; with several it
// runs n steps round-robin, one per hart, as n calls of Machine.Step do. So
// for any machine and any n, Run(n) from a state must leave the state n
// Steps leave, whichever way n is cut into Run calls, and a halt must come
// after the same step.

// Caps on the steps of a corpus program, as in corpus.TestReplay: a program
// must exit before replayCap; a benchmark is a workload compared at benchCap.
const (
	replayCap = 20_000_000
	benchCap  = 2_000_000
)

// harness is a machine under test with its console output.
type harness struct {
	m   *Machine
	out *bytes.Buffer
}

func newHarness(t testing.TB, cfg spec.Config, img *boot.Image) harness {
	t.Helper()
	m, err := New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	out := new(bytes.Buffer)
	m.SetConsole(strings.NewReader(""), out)
	return harness{m, out}
}

// quickDiff compares what is cheap to compare after every Run call: the
// exit, the next hart, each hart's pc, mode, registers and retired count,
// and how much has been printed.
func quickDiff(a, b harness) string {
	if ea, eb := a.m.Exit(), b.m.Exit(); ea != eb {
		return fmt.Sprintf("exit: Step %s (%+v), Run %s (%+v)", ea, ea, eb, eb)
	}
	if a.m.next != b.m.next {
		return fmt.Sprintf("next hart: Step %d, Run %d", a.m.next, b.m.next)
	}
	for i, ha := range a.m.Harts {
		hb := b.m.Harts[i]
		if ha.count != hb.count {
			return fmt.Sprintf("hart %d retired: Step %d, Run %d", i, ha.count, hb.count)
		}
		if ha.pc != hb.pc || ha.mode != hb.mode {
			return fmt.Sprintf("hart %d: Step pc %#x mode %s, Run pc %#x mode %s", i, ha.pc, ha.mode, hb.pc, hb.mode)
		}
		for r := 1; r < 32; r++ {
			if ha.x[r] != hb.x[r] {
				return fmt.Sprintf("hart %d at pc %#x: %s Step %#x, Run %#x", i, ha.pc, spec.RegNames[r], ha.x[r], hb.x[r])
			}
		}
	}
	if a.out.Len() != b.out.Len() {
		return fmt.Sprintf("console: Step printed %d bytes, Run %d", a.out.Len(), b.out.Len())
	}
	return ""
}

// fullDiff is quickDiff plus Retired, every hart's State (all CSRs), the
// console text and, with ram, all of RAM.
func fullDiff(a, b harness, ram bool) string {
	if d := quickDiff(a, b); d != "" {
		return d
	}
	if ra, rb := a.m.Retired(), b.m.Retired(); ra != rb {
		return fmt.Sprintf("Retired: Step %d, Run %d", ra, rb)
	}
	for h := range a.m.Harts {
		if d := stateDiff(a.m.State(h), b.m.State(h)); d != "" {
			return fmt.Sprintf("hart %d State: %s", h, d)
		}
	}
	if !bytes.Equal(a.out.Bytes(), b.out.Bytes()) {
		return fmt.Sprintf("console: Step %q, Run %q", a.out.String(), b.out.String())
	}
	if ram && !bytes.Equal(a.m.ram, b.m.ram) {
		for i := range a.m.ram {
			if a.m.ram[i] != b.m.ram[i] {
				return fmt.Sprintf("RAM at %#x: Step %#02x, Run %#02x", spec.RAMBase+uint64(i), a.m.ram[i], b.m.ram[i])
			}
		}
	}
	return ""
}

// stateDiff lists what differs between two States, Step's first.
func stateDiff(a, b spec.ArchState) string {
	var d []string
	if a.PC != b.PC {
		d = append(d, fmt.Sprintf("pc %#x/%#x", a.PC, b.PC))
	}
	if a.Mode != b.Mode {
		d = append(d, fmt.Sprintf("mode %s/%s", a.Mode, b.Mode))
	}
	for i := range a.X {
		if a.X[i] != b.X[i] {
			d = append(d, fmt.Sprintf("%s %#x/%#x", spec.RegNames[i], a.X[i], b.X[i]))
		}
	}
	for _, c := range spec.CSRs {
		if va, vb := a.CSRs[c.Addr], b.CSRs[c.Addr]; va != vb {
			d = append(d, fmt.Sprintf("%s %#x/%#x", c.Name, va, vb))
		}
	}
	if len(a.CSRs) != len(b.CSRs) {
		d = append(d, fmt.Sprintf("%d/%d CSRs", len(a.CSRs), len(b.CSRs)))
	}
	return strings.Join(d, ", ")
}

// stepToEnd steps a fresh machine until it halts or cap steps have run
// and returns it with the number of steps.
func stepToEnd(t testing.TB, cfg spec.Config, img *boot.Image, cap uint64) (harness, uint64) {
	t.Helper()
	a := newHarness(t, cfg, img)
	var n uint64
	for n < cap && a.m.Exit().Reason == spec.Running {
		a.m.Step()
		n++
	}
	return a, n
}

// chunking is a way to cut a run into Run calls: size(i) is the budget of
// the i-th call.
type chunking struct {
	name string
	size func(i int) uint64
}

func fixed(n uint64) chunking {
	return chunking{fmt.Sprintf("by%d", n), func(int) uint64 { return n }}
}

// chunkings are the ways every program is cut. Sizes that are not
// multiples of the block length (maxBlock is 64) end Run calls in the
// middle of blocks, after a branch and on block ends.
func chunkings(seed uint64) []chunking {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	varying := func(i int) uint64 {
		switch rng.IntN(4) {
		case 0:
			return 1 + rng.Uint64N(8)
		case 1:
			return 60 + rng.Uint64N(10) // around maxBlock
		case 2:
			return 1 + rng.Uint64N(300)
		}
		return 1 + rng.Uint64N(5000)
	}
	growing := func(i int) uint64 { return uint64(i%97 + 1) }
	return []chunking{fixed(1), fixed(7), fixed(64), fixed(1000), {"varying", varying}, {"growing", growing}}
}

// runner is a machine driven by Run calls cut by a chunking: next is the
// step count at which its current Run call ends.
type runner struct {
	c        chunking
	h        harness
	calls    int
	last     uint64 // the budget of the current call
	next     uint64
	finished bool
}

// checkRunMatchesStep is the whole check for one program: one machine
// steps to the halt (or cap) while machines driven by Run, one per
// chunking, follow it; each is compared with the stepped machine whenever
// one of its Run calls ends (cheaply, in full every 256 calls and at the
// end, with RAM at the end). One more Run machine runs all but the last
// step in one call and must not have halted, then the last step, then
// Run(1000) past the halt, which must change nothing.
func checkRunMatchesStep(t *testing.T, cfg spec.Config, img *boot.Image, cap uint64, seed uint64) (spec.Exit, uint64) {
	t.Helper()
	// The steps to the end, so that every chunking stops exactly there.
	total := cap
	{
		a, n := stepToEnd(t, cfg, img, cap)
		total = n
		a.m = nil
	}
	a := newHarness(t, cfg, img)
	lastStep := func(i int) uint64 {
		if i == 0 {
			return max(total, 1) - 1
		}
		return 1
	}
	var rs []*runner
	once := func(int) uint64 { return total }
	for _, c := range append([]chunking{{"all-but-one-then-one", lastStep}, {"once", once}}, chunkings(seed)...) {
		rs = append(rs, &runner{c: c, h: newHarness(t, cfg, img)})
	}
	for s := uint64(0); ; s++ {
		open := false
		for _, r := range rs {
			if r.finished {
				continue
			}
			if r.next == s {
				if s > 0 {
					full := r.calls%256 == 0 || s == total
					var d string
					if full {
						d = fullDiff(a, r.h, s == total && (r.c.name == "once" || r.c.name == "varying"))
					} else {
						d = quickDiff(a, r.h)
					}
					if d != "" {
						t.Fatalf("%s: after Run call %d (Run(%d) from step %d to %d): Step and Run differ: %s",
							r.c.name, r.calls, r.last, s-r.last, s, d)
					}
				}
				if s == total {
					r.finished = true
					continue
				}
				r.last = min(r.c.size(r.calls), total-s)
				r.calls++
				r.h.m.Run(r.last)
				r.next = s + r.last
			}
			open = true
		}
		if !open {
			break
		}
		a.m.Step()
	}
	exit := a.m.Exit()
	if exit.Reason != spec.Running {
		b := rs[0].h
		if e := b.m.Run(1000); e != exit {
			t.Errorf("Run(1000) after the halt returned %s, Step ended in %s", e, exit)
		}
		// (Step on a halted machine still moves the round-robin to the
		// next hart, which is not architectural and which Run leaves
		// alone: a is not stepped here.)
		if d := fullDiff(a, b, false); d != "" {
			t.Fatalf("after the halt at step %d, Run(1000) changed the machine: %s", total, d)
		}
	}
	return exit, total
}

// corpusImage builds a corpus program's reset image with no external tool
// (toolchain/cpp, toolchain/asm) or, when toolchain/asm rejects the source, with the
// cross gcc and the directory's linker script, as corpus.TestReplay does.
func corpusImage(t *testing.T, cfg spec.Config, p corpus.Program) *boot.Image {
	t.Helper()
	img, err := p.Image(cfg)
	if err == nil {
		return img
	}
	if !p.IsSource() {
		t.Fatal(err)
	}
	t.Logf("toolchain/asm: %v; trying GNU as", err)
	testtool.Tool(t, gcc)
	src := string(p.Data)
	if strings.Contains(src, `#include "macros.h"`) {
		h, err := corpus.ReadFile(p.Dir() + "/macros.h")
		if err != nil {
			t.Fatal(err)
		}
		src = strings.Replace(src, `#include "macros.h"`, string(h), 1)
	}
	prog, err := load.ELF(assemble(t, src))
	if err != nil {
		t.Fatal(err)
	}
	img, err = boot.Build(cfg, prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func seedOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// TestRunMatchesStepCorpus runs every corpus program with Step to its exit
// (benchmarks: to benchCap) and with Run, in one call and cut into calls
// of many sizes, and compares exit, retired counts, every hart's state,
// the console and RAM.
func TestRunMatchesStepCorpus(t *testing.T) {
	progs := corpus.Programs()
	if len(progs) == 0 {
		t.Fatal("the embedded corpus is empty")
	}
	for _, p := range progs {
		if !p.Runnable() {
			continue
		}
		t.Run(p.Path, func(t *testing.T) {
			t.Parallel()
			limit := uint64(replayCap)
			if p.Dir() == "bench" {
				limit = benchCap
			}
			// 16 MiB of RAM: ten machines per program zero and compare
			// far less than with the default 128. A ref program that
			// needs the default (cross_ram_end.S knows where RAM ends)
			// fails with less, and runs on the default configuration.
			cfg := spec.DefaultConfig()
			cfg.Harts = p.Harts()
			cfg.RAM = 16 << 20
			img := corpusImage(t, cfg, p)
			if p.Dir() == "ref" {
				if a, _ := stepToEnd(t, cfg, img, limit); a.m.Exit().Reason != spec.HaltFinisher || a.m.Exit().Code != 0 {
					cfg.RAM = spec.DefaultConfig().RAM
					img = corpusImage(t, cfg, p)
				}
			}
			exit, steps := checkRunMatchesStep(t, cfg, img, limit, seedOf(p.Path))
			switch {
			case exit.Reason == spec.Running && p.Dir() != "bench":
				t.Errorf("no exit after %d steps", steps)
			case p.Dir() == "ref" && (exit.Reason != spec.HaltFinisher || exit.Code != 0):
				t.Errorf("exit %s after %d steps, want a pass", exit, steps)
			}
			t.Logf("%d steps, exit %s", steps, exit)
		})
	}
}

// sweep checks Run(n) from reset against n Steps for every n in 1..max
// (the Step machine advances one step per n): every budget, so the Run
// calls end on every instruction of every block once, on block ends and
// on branches, and the halt, if it comes, at the same step.
func sweep(t *testing.T, cfg spec.Config, img *boot.Image, max uint64) {
	t.Helper()
	a := newHarness(t, cfg, img)
	for n := uint64(1); n <= max; n++ {
		a.m.Step()
		b := newHarness(t, cfg, img)
		b.m.Run(n)
		if d := fullDiff(a, b, false); d != "" {
			t.Fatalf("Run(%d) against %d Steps: %s", n, n, d)
		}
		if a.m.Exit().Reason != spec.Running {
			return
		}
	}
}

// sweepProg is a small loop: straight-line runs of fast instructions
// (ALU, loads and stores, compressed ones) cut by a CSR read (a helper),
// a forward branch taken every other trip, a call and return, and a
// backward branch.
const sweepProg = prelude + `
_start:
	la sp, stack_top
	li s0, 0
	li s1, 0
	li s2, 0
loop:
	addi s0, s0, 1
	c.addi s1, 3
	sd s1, -8(sp)
	ld t0, -8(sp)
	add s2, s2, t0
	xor s2, s2, s0
	andi t1, s0, 1
	beqz t1, even
	csrr t2, mscratch
	addi t2, t2, 5
	csrw mscratch, t2
	mul t3, s0, s1
	add s2, s2, t3
even:
	jal ra, leaf
	slli t4, s2, 3
	srli t4, t4, 1
	li t5, 40
	blt s0, t5, loop
	li t0, 40
	CHECK(s0, 40, 1)
	PASS
fail_1:
	FAIL(1)
leaf:
	addi s2, s2, 7
	c.addi s2, -1
	ret
.section .data
.space 256
stack_top:
`

// sweepConfig is testConfig with 4 MiB of RAM: a sweep builds a machine
// per budget.
func sweepConfig() spec.Config {
	c := testConfig()
	c.RAM = 4 << 20
	return c
}

// TestRunMatchesStepSweep: Run(n) equals n Steps for every n on a small
// looping program, on the timer program of irq_test.go (an interrupt
// taken mid-block, at the same instruction either way) and on the SMC
// corpus program.
func TestRunMatchesStepSweep(t *testing.T) {
	t.Run("loop", func(t *testing.T) {
		cfg := sweepConfig()
		img := asmImage(t, cfg, sweepProg)
		_, steps := stepToEnd(t, cfg, img, 100000)
		if steps < 200 {
			t.Fatalf("the loop takes %d steps, want at least 200", steps)
		}
		sweep(t, cfg, img, steps)
	})
	t.Run("timer", func(t *testing.T) {
		for _, div := range []uint64{7, 10, 25} {
			cfg := sweepConfig()
			cfg.TimebaseDiv = div
			img := asmImage(t, cfg, timerProg)
			a, steps := stepToEnd(t, cfg, img, 100000)
			if e := a.m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
				t.Fatalf("TimebaseDiv %d: Step: exit %s after %d steps", div, e, steps)
			}
			sweep(t, cfg, img, steps)
		}
	})
	t.Run("smc", func(t *testing.T) {
		cfg := sweepConfig()
		img := corpusImage(t, cfg, corpusProgram(t, "ref/smc_blocks.S"))
		_, steps := stepToEnd(t, cfg, img, 100000)
		sweep(t, cfg, img, steps)
	})
}

func corpusProgram(t *testing.T, path string) corpus.Program {
	t.Helper()
	for _, p := range corpus.Programs() {
		if p.Path == path {
			return p
		}
	}
	t.Fatalf("no corpus program %s", path)
	return corpus.Program{}
}

// asmImage assembles src with the cross gcc (testLinker) into a reset
// image.
func asmImage(t *testing.T, cfg spec.Config, src string) *boot.Image {
	t.Helper()
	prog, err := load.ELF(assemble(t, src))
	if err != nil {
		t.Fatal(err)
	}
	img, err := boot.Build(cfg, prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// smcSameRun patches code in the straight-line run that executes it, with
// sync between each store and the patched instruction: "nop" is rv64pg's
// promise of immediate coherence (docs/engine.md, "Invalidation"), which
// the spec does not make without FENCE.I and which QEMU 7.2 does not keep
// within a translation block (so these programs do not go to QEMU:
// corpus/ref/smc_blocks.S is the FENCE.I half, checked on QEMU and the
// reference model); "fence.i" is the spec's guarantee. FENCE.I does not end
// an engine block, so both ask the engine to drop the block it is running
// on the store. Check n fails with code n.
func smcSameRun(sync string) string {
	return prelude + strings.ReplaceAll(`
_start:
	.option norvc
	.option norelax
	/* 1: the instruction right after the store */
	li a0, 0
	la t0, t1_target
	li t1, 0x00750513          /* addi a0, a0, 7 */
	sw t1, 0(t0)
	SYNC
t1_target:
	addi a0, a0, 1
	CHECK(a0, 7, 1)

	/* 2: two instructions after the store */
	li a0, 0
	la t0, t2_target
	li t1, 0x00550513          /* addi a0, a0, 5 */
	sw t1, 0(t0)
	SYNC
	addi a0, a0, 1
t2_target:
	addi a0, a0, 1
	CHECK(a0, 6, 2)

	/* 3: a loop body rewritten on every trip: addi a0, a0, k, k = 1..10 */
	li a0, 0
	li s0, 1
	li s1, 11
	la t0, t3_target
t3_loop:
	slli t1, s0, 20
	li t2, 0x00050513          /* addi a0, a0, 0 */
	or t1, t1, t2
	sw t1, 0(t0)
	SYNC
t3_target:
	addi a0, a0, 0
	addi s0, s0, 1
	bne s0, s1, t3_loop
	CHECK(a0, 55, 3)

	/* 4: a nop becomes a jump over the next instruction */
	li a0, 0
	la t0, t4_target
	li t1, 0x0080006f          /* j .+8 */
	sw t1, 0(t0)
	SYNC
t4_target:
	nop
	addi a0, a0, 1
	addi a0, a0, 2
	CHECK(a0, 2, 4)

	/* 5: a jump becomes a nop */
	li a0, 0
	la t0, t5_target
	li t1, 0x00000013          /* nop */
	sw t1, 0(t0)
	SYNC
t5_target:
	j t5_skip
	addi a0, a0, 1
t5_skip:
	addi a0, a0, 2
	CHECK(a0, 3, 5)

	/* 6: a halfword store patches a compressed instruction */
	li a0, 0
	la t0, t6_target
	li t1, 0x0525              /* c.addi a0, 9 */
	sh t1, 0(t0)
	SYNC
	.option rvc
t6_target:
	c.addi a0, 1
	.option norvc
	CHECK(a0, 9, 6)

	/* 7: a byte store patches imm[11:4] of an addi: 1 becomes 17 */
	li a0, 0
	la t0, t7_target
	li t1, 1
	sb t1, 3(t0)
	SYNC
t7_target:
	addi a0, a0, 1
	CHECK(a0, 17, 7)

	/* 8: a 64-bit store patches two instructions at once */
	li a0, 0
	la t0, t8_target
	li t1, 0x0035051300250513  /* addi a0, a0, 2; addi a0, a0, 3 */
	sd t1, 0(t0)
	SYNC
	.align 3
t8_target:
	addi a0, a0, 1
	addi a0, a0, 1
	CHECK(a0, 5, 8)

	/* 9: the instruction after the store's, in a run longer than a block
	   (maxBlock), patched near its end */
	li a0, 0
	la t0, t9_target
	li t1, 0x00950513          /* addi a0, a0, 9 */
	sw t1, 0(t0)
	SYNC
	.rept 100
	addi a1, a1, 1
	.endr
t9_target:
	addi a0, a0, 1
	CHECK(a0, 9, 9)
	PASS
`+failures(9), "SYNC", sync)
}

func failures(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fail_%d:\n\tFAIL(%d)\n", i, i)
	}
	return b.String()
}

// TestRunMatchesStepSMC: code patched in the running block, with and
// without FENCE.I, and the corpus SMC program, pass under Step (the new
// instruction's effect) and leave the same state under every Run.
func TestRunMatchesStepSMC(t *testing.T) {
	cases := []struct {
		name string
		img  func(cfg spec.Config) *boot.Image
	}{
		{"same-run", func(cfg spec.Config) *boot.Image { return asmImage(t, cfg, smcSameRun("nop")) }},
		{"same-run-fence.i", func(cfg spec.Config) *boot.Image { return asmImage(t, cfg, smcSameRun("fence.i")) }},
		{"corpus/ref/smc_blocks.S", func(cfg spec.Config) *boot.Image {
			return corpusImage(t, cfg, corpusProgram(t, "ref/smc_blocks.S"))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := sweepConfig()
			img := c.img(cfg)
			exit, steps := checkRunMatchesStep(t, cfg, img, 1_000_000, seedOf(c.name))
			if exit.Reason != spec.HaltFinisher || exit.Code != 0 {
				t.Fatalf("Step: exit %s after %d steps, want a pass (code n: check n saw the old instruction)", exit, steps)
			}
			sweep(t, cfg, img, steps)
		})
	}
}
