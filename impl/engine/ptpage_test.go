package engine

import (
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Page-table-page tracking (docs/engine.md, "TLB"): a guest that edits a
// live PTE without SFENCE.VMA must see what a model with no TLB sees (the
// reference model walks on every access). The spec leaves that case
// unspecified and QEMU keeps its own TLB, so QEMU is no oracle here:
// these tests run on the engine only.

// runPT assembles src and runs it to its exit twice, with Run (the fast
// loop) and with Step (one instruction per loop), and requires a pass
// from both. It does not compare with QEMU (see above).
func runPT(t *testing.T, src string) {
	t.Helper()
	elf := assemble(t, src)
	m := bootELF(t, testConfig(), elf)
	m.Run(1_000_000)
	if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Errorf("Run: exit %s (check %d)", e.Detail, e.Code)
	}
	m = bootELF(t, testConfig(), elf)
	for i := 0; i < 1_000_000 && m.Exit().Reason == spec.Running; i++ {
		m.Step()
	}
	if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Errorf("Step: exit %s (check %d)", e.Detail, e.Code)
	}
}

// ptPrelude sets up Sv39 and enters S-mode at smode: root[0] maps the
// devices (gigapage 0 -> 0), root[2] RAM (gigapage 0x80000000, identity,
// so S-mode runs the program and edits the tables through it), root[1]
// -> l1, l1[0] -> l0; l1[1..] and l0 are the tests' own (VBASE =
// 0x40000000). SETPTE table, idx, label, flags writes a leaf from S-mode.
// CHECKV n, reg, val fails with code n unless reg == val. A trap to M
// resumes in M-mode at s11 when it is set, and fails otherwise. With
// TWO_HARTS defined, hart 1 starts at hart1 in M-mode.
const ptPrelude = prelude + `
#define V 0x01
#define R 0x02
#define W 0x04
#define X 0x08
#define A 0x40
#define D 0x80
#define VBASE 0x40000000
#define MPRV (1 << 17)
.macro SETPTE table, idx, target, flags
	la t0, \target
	srli t1, t0, 12
	slli t1, t1, 10
	ori t1, t1, \flags
	la t0, \table
	sd t1, (\idx * 8)(t0)
.endm
.macro CHECKV n, reg, val
	li gp, \n
	li t4, \val
	bne \reg, t4, fail
.endm
_start:
#ifdef TWO_HARTS
	csrr t0, mhartid
	bnez t0, hart1
#endif
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	la t0, mtrap
	csrw mtvec, t0
	la s0, root
	li t0, V | R | W | A | D
	sd t0, 0(s0)
	li t0, (0x80000000 >> 2) | V | R | W | X | A | D
	sd t0, 16(s0)
	la t1, l1
	srli t1, t1, 12
	slli t1, t1, 10
	ori t1, t1, V
	sd t1, 8(s0)
	la t2, l1
	la t1, l0
	srli t1, t1, 12
	slli t1, t1, 10
	ori t1, t1, V
	sd t1, 0(t2)
	srli t0, s0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	la t0, smode
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0
	li t0, 0x0800
	csrs mstatus, t0
	li gp, 0
	li s11, 0
	mret
.align 2
mtrap:                    # resume in M at s11, or fail with 1000 + mcause
	bnez s11, 2f
	csrr t0, mcause
	addi gp, t0, 1000
fail:
	li t6, FINISHER
	slli t5, gp, 16
	li t4, 0x3333
	or t5, t5, t4
	sw t5, 0(t6)
1:	j 1b
2:	jr s11
pass:
	PASS
`

// ptData is the tables and pages: p1 and p2 hold 0x1111 and 0x2222; c1
// and c2 are code pages (see ptCode).
const ptData = `
.data
.align 12
root: .space 4096
l1: .space 4096
l0: .space 4096
p1: .dword 0x1111
.align 12
p2: .dword 0x2222
.align 12
`

// TestPTRemapLoadStore is case (1): a leaf PTE rewritten without
// SFENCE.VMA takes effect at the next access, for loads, stores, a
// megapage and an MPRV access.
func TestPTRemapLoadStore(t *testing.T) {
	runPT(t, ptPrelude+`
smode:
	SETPTE l0, 0, p1, V | R | W | A | D
	li s1, VBASE
	ld a0, 0(s1)
	CHECKV 1, a0, 0x1111
	ld a0, 0(s1)              # from the TLB
	CHECKV 2, a0, 0x1111
	SETPTE l0, 0, p2, V | R | W | A | D   # no sfence.vma
	ld a0, 0(s1)
	CHECKV 3, a0, 0x2222
	# stores: the store TLB entry for VBASE+8 must go too
	li t2, 0x3333
	sd t2, 8(s1)              # p2+8
	SETPTE l0, 0, p1, V | R | W | A | D
	li t2, 0x4444
	sd t2, 8(s1)              # p1+8
	la t0, p1
	ld a0, 8(t0)
	CHECKV 4, a0, 0x4444
	la t0, p2
	ld a0, 8(t0)
	CHECKV 5, a0, 0x3333
	# a megapage leaf in l1: VBASE + 2 MiB -> the 2 MiB region at 0x80000000
	la t0, l1
	li t1, (0x80000000 >> 2) | V | R | W | A | D
	sd t1, 8(t0)
	li s2, VBASE + 0x200000
	la t3, p1
	li t0, 0x80000000
	sub t3, t3, t0            # p1's offset in the region
	add s3, s2, t3
	ld a0, 0(s3)
	CHECKV 6, a0, 0x1111
	la t0, p1
	li t1, 0x200000
	add t0, t0, t1
	li t1, 0x5555
	sd t1, 0(t0)              # p1 + 2 MiB, what the new mapping shows
	la t0, l1                 # the megapage now maps the region at 0x80200000
	li t1, (0x80200000 >> 2) | V | R | W | A | D
	sd t1, 8(t0)
	ld a0, 0(s3)
	CHECKV 7, a0, 0x5555
	# a store through a VA that maps the table page itself: its store
	# entry must be slow too, the first time and from the TLB
	SETPTE l0, 3, l0, V | R | W | A | D
	li s4, VBASE + 0x3000
	la t0, p1
	srli t0, t0, 12
	slli t0, t0, 10
	ori t0, t0, V | R | W | A | D
	sd t0, 0(s4)              # l0[0] -> p1 through the alias
	li s1, VBASE
	ld a0, 0(s1)
	CHECKV 10, a0, 0x1111
	la t0, p2
	srli t0, t0, 12
	slli t0, t0, 10
	ori t0, t0, V | R | W | A | D
	sd t0, 0(s4)              # l0[0] -> p2 through the alias, from the TLB
	ld a0, 0(s1)
	CHECKV 11, a0, 0x2222
	# MPRV: M-mode loads through the S translation, TLB of S data
	SETPTE l0, 1, p1, V | R | W | A | D
	la s11, mcheck
	ecall                     # to M: mtrap resumes at mcheck
	j fail
mcheck:
	li s11, 0
	li t0, 0x1800
	csrc mstatus, t0
	li t0, 0x0800 | MPRV
	csrs mstatus, t0          # MPRV, MPP = S
	li s1, VBASE + 0x1000
	ld a0, 0(s1)
	li t1, MPRV
	csrc mstatus, t1
	CHECKV 8, a0, 0x1111
	li t0, 0x0800 | MPRV
	csrs mstatus, t0
	la t0, l0                 # an M-mode store to the PTE (MPRV does not apply: bare)
	li t1, MPRV
	csrc mstatus, t1
	la t2, p2
	srli t2, t2, 12
	slli t2, t2, 10
	ori t2, t2, V | R | W | A | D
	sd t2, 8(t0)
	li t1, 0x0800 | MPRV
	csrs mstatus, t1
	ld a0, 0(s1)
	li t1, MPRV
	csrc mstatus, t1
	CHECKV 9, a0, 0x2222
	j pass
`+ptData)
}

// TestPTAccessedDirty is case (2): clearing A (or D) in a live PTE makes
// the next access (store) set it again, as a walk on every access does.
func TestPTAccessedDirty(t *testing.T) {
	runPT(t, ptPrelude+`
smode:
	SETPTE l0, 0, p1, V | R | W
	la s0, l0
	li s1, VBASE
	ld a0, 0(s1)              # sets A
	ld t1, 0(s0)
	andi t1, t1, A | D
	CHECKV 1, t1, A
	ld t1, 0(s0)
	andi t1, t1, ~A
	sd t1, 0(s0)              # clear A, no sfence.vma
	ld a0, 0(s1)              # sets A again
	ld t1, 0(s0)
	andi t1, t1, A | D
	CHECKV 2, t1, A
	sd a0, 0(s1)              # sets D
	ld t1, 0(s0)
	andi t1, t1, A | D
	CHECKV 3, t1, A | D
	ld t1, 0(s0)
	andi t1, t1, ~D
	sd t1, 0(s0)              # clear D
	sd a0, 0(s1)              # sets D again
	ld t1, 0(s0)
	andi t1, t1, A | D
	CHECKV 4, t1, A | D
	ld t1, 0(s0)
	andi t1, t1, ~(A | D)
	sd t1, 0(s0)              # clear both; a store sets both
	sd a0, 8(s1)
	ld t1, 0(s0)
	andi t1, t1, A | D
	CHECKV 5, t1, A | D
	ld t1, 0(s0)
	andi t1, t1, ~A
	sd t1, 0(s0)              # clear A only: a load sets it, D stays
	lw a0, 4(s1)
	ld t1, 0(s0)
	andi t1, t1, A | D
	CHECKV 6, t1, A | D
	j pass
`+ptData)
}

// ptCode is two code pages, c1 and c2, with the same layout: "remap"
// stores a0 (a PTE) at 0(a1) and then sets a0 to the page's number; at
// offset 0x100, "which" returns the page's number.
const ptCode = `
.align 12
c1:
	sd a0, 0(a1)
	li a0, 1
	ret
.space 0x100 - (. - c1)
	li a0, 1
	ret
.align 12
c2:
	sd a0, 0(a1)
	li a0, 2
	ret
.space 0x100 - (. - c2)
	li a0, 2
	ret
.align 12
`

// TestPTRemapFetch is case (3): rewriting the PTE of a code page changes
// what the next fetch from it runs, from another page and from the page
// itself (the instruction right after the store).
func TestPTRemapFetch(t *testing.T) {
	runPT(t, ptPrelude+`
smode:
	SETPTE l0, 2, c1, V | R | X | A
	li s1, VBASE + 0x2000
	jalr 0x100(s1)
	CHECKV 1, a0, 1
	jalr 0x100(s1)            # from the fetch TLB and the code page
	CHECKV 2, a0, 1
	SETPTE l0, 2, c2, V | R | X | A
	jalr 0x100(s1)
	CHECKV 3, a0, 2
	# the code page remaps itself: the instruction after the store comes from c1
	la a0, c1
	srli a0, a0, 12
	slli a0, a0, 10
	ori a0, a0, V | R | X | A
	la a1, l0
	addi a1, a1, 16
	jalr 0(s1)
	CHECKV 4, a0, 1
	jalr 0x100(s1)
	CHECKV 5, a0, 1
	j pass
`+ptData+ptCode)
}

// TestTLBSlowFlagEveryGeneration: a store-TLB entry for a flagged page
// must miss on the fast path in every generation, and no entry may match
// in a later generation. (The slow-flag bit once was the generation's
// unit: in odd generations flagged pages were written directly, and an
// entry filled in generation g matched as a plain one in g+1.)
func TestTLBSlowFlagEveryGeneration(t *testing.T) {
	m, err := New(testConfig(), &boot.Image{})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Harts[0]
	const va = 0x80003000
	m.pageFlags[3] |= pageCode
	for g := 0; g < 6; g++ {
		h.fillTLB(h.storeTLB, va, va, accStore, spec.ModeM)
		e := h.storeTLB[va>>12&(tlbSize-1)]
		if e.tag == va>>12|h.tlbGen {
			t.Fatalf("generation %#x: a flagged page's store entry hits the fast path", h.tlbGen)
		}
		if e.tag != va>>12|h.tlbGen|tlbSlowFlag {
			t.Fatalf("generation %#x: the slow path does not find the entry (tag %#x)", h.tlbGen, e.tag)
		}
		h.flushTLB()
		if e.tag == va>>12|h.tlbGen || e.tag == va>>12|h.tlbGen|tlbSlowFlag {
			t.Fatalf("generation %#x: an entry of the previous generation still matches", h.tlbGen)
		}
	}
}

// TestPTOtherHartStore: a page becoming a page-table page must drop the
// store-TLB entries that map it directly, in every hart. Hart 1 (M-mode)
// stores to l0 while it is plain data, which caches a direct store
// entry; hart 0 then walks through l0; hart 1's next store to l0 (a new
// PTE) must reach hart 0's translation.
func TestPTOtherHartStore(t *testing.T) {
	elf := assemble(t, "#define TWO_HARTS\n"+ptPrelude+`
smode:
	la s0, flags
1:	ld t0, 0(s0)              # wait for hart 1's first store to l0
	beqz t0, 1b
	SETPTE l0, 0, p1, V | R | W | A | D
	li s1, VBASE
	ld a0, 0(s1)              # the walk makes l0 a page-table page
	CHECKV 1, a0, 0x1111
	li t0, 1
	sd t0, 8(s0)              # go
1:	ld t0, 16(s0)             # wait for hart 1's new PTE
	beqz t0, 1b
	ld a0, 0(s1)
	CHECKV 2, a0, 0x2222
	j pass
hart1:
	la s0, flags
	la s1, l0
	sd zero, 2040(s1)          # a direct store entry for l0
	li t0, 1
	sd t0, 0(s0)              # ready
1:	ld t0, 8(s0)
	beqz t0, 1b
	la t0, p2
	srli t0, t0, 12
	slli t0, t0, 10
	ori t0, t0, V | R | W | A | D
	sd t0, 0(s1)              # l0[0] -> p2, through the same entry
	li t0, 1
	sd t0, 16(s0)             # done
1:	j 1b
`+ptData+`
flags: .dword 0, 0, 0
`)
	cfg := testConfig()
	cfg.Harts = 2
	for _, step := range []bool{false, true} {
		m := bootELF(t, cfg, elf)
		if step {
			for i := 0; i < 1_000_000 && m.Exit().Reason == spec.Running; i++ {
				m.Step()
			}
		} else {
			m.Run(1_000_000)
		}
		if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
			t.Errorf("step=%v: exit %s (check %d)", step, e.Detail, e.Code)
		}
	}
}

// BenchmarkPTPages measures page-table-page tracking on two paging
// guests (docs/engine.md, "TLB"): "churn" stores a PTE and then loads
// through 16 other pages of the same table, over and over (each store
// flushes every TLB); "reuse" stops using a table page and then stores
// to it as data while loading through the new table (a page that is no
// longer a page table should cost nothing).
func BenchmarkPTPages(b *testing.B) {
	const churn = `
smode:
	la s0, l0
	la t1, p1
	srli t1, t1, 12
	slli t1, t1, 10
	ori t1, t1, V | R | W | A | D
	addi t3, s0, 8
	li t2, 16
1:	sd t1, 0(t3)              # l0[1..16] -> p1
	addi t3, t3, 8
	addi t2, t2, -1
	bnez t2, 1b
	li s5, 100000
	li t4, 0x1000
loop:
	sd t1, 0(s0)              # a PTE store
	li s1, VBASE + 0x1000
	li t2, 16
2:	ld a0, 0(s1)
	add s1, s1, t4
	addi t2, t2, -1
	bnez t2, 2b
	addi s5, s5, -1
	bnez s5, loop
	j pass
`
	const reuse = `
smode:
	SETPTE l0, 1, p1, V | R | W | A | D
	li s1, VBASE + 0x1000
	ld a0, 0(s1)              # l0 is a page-table page
	SETPTE l0b, 1, p1, V | R | W | A | D
	SETPTE l1, 0, l0b, V      # now l0b is; l0 is plain data
	sfence.vma
	la s2, l0
	li s5, 100000
loop:
	sd s5, 0(s2)
	sd s5, 8(s2)
	sd s5, 16(s2)
	sd s5, 24(s2)
	ld a0, 0(s1)
	ld a0, 8(s1)
	addi s5, s5, -1
	bnez s5, loop
	j pass
`
	for _, c := range []struct{ name, src string }{{"churn", churn}, {"reuse", reuse}} {
		b.Run(c.name, func(b *testing.B) {
			elf := assemble(b, ptPrelude+c.src+ptData+"l0b: .space 4096\n")
			var insts uint64
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				m := bootELF(b, testConfig(), elf)
				cpu0 := cpuTime()
				m.Run(100_000_000)
				cpu += cpuTime() - cpu0
				if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
					b.Fatalf("exit %s", e.Detail)
				}
				insts += m.Retired()
			}
			b.ReportMetric(float64(insts)/cpu.Seconds()/1e6, "cpuMIPS")
		})
	}
}
