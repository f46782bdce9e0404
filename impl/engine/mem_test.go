package engine

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

func mustPass(t *testing.T, m *Machine) {
	t.Helper()
	if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("exit %+v pc=%#x mcause=%#x mtval=%#x", e, m.Harts[0].pc, m.Harts[0].mcause, m.Harts[0].mtval)
	}
}

// TestSelfModifyingCode: stores into code that already ran (same page as
// the running code, and a code page in .data) must be seen by the next
// execution, with and without FENCE.I.
func TestSelfModifyingCode(t *testing.T) {
	m, _ := runAsm(t, prelude+`
_start:
	li s0, 0
	call patchme          # runs "li a0, 1"
	add s0, s0, a0
	la t0, patchme
	lw t1, newinsn
	sw t1, 0(t0)          # now "li a0, 2"; no fence.i
	call patchme
	add s0, s0, a0
	la t0, dcode
	jalr t0               # code on a data page: "li a0, 7"
	add s0, s0, a0
	la t0, dcode
	lw t1, newinsn2
	sw t1, 0(t0)          # "li a0, 9"
	fence.i
	la t0, dcode
	jalr t0
	add s0, s0, a0
	li t0, 1+2+7+9
	bne s0, t0, bad
	PASS
bad:
	FAIL(1)
patchme:
	.option push
	.option norvc
	li a0, 1
	.option pop
	ret
newinsn:
	.option push
	.option norvc
	li a0, 2
newinsn2:
	li a0, 9
	.option pop
.data
.align 4
dcode:
	.option push
	.option norvc
	li a0, 7
	ret
	.option pop
`, 100000)
	mustPass(t, m)
}

// TestPMP: TOR, NA4, NAPOT, priority order, locking, and M-mode rules.
func TestPMP(t *testing.T) {
	m, _ := runAsm(t, prelude+`
#define CAUSE(v) csrr t3, mcause; li t4, v; bne t3, t4, bad
_start:
	la t0, handler
	csrw mtvec, t0
	la s1, region          # a 4 KiB-aligned data page
	# entry 0: NA4 at region, no permission; entry 1: TOR [0, region+8) RW;
	# entry 2: NAPOT everything RWX.
	srli t0, s1, 2
	csrw pmpaddr0, t0
	addi t1, s1, 8
	srli t1, t1, 2
	csrw pmpaddr1, t1
	li t2, -1
	csrw pmpaddr2, t2
	li t0, (0x1f << 16) | (0x0b << 8) | 0x10   # e2 NAPOT RWX, e1 TOR RW, e0 NA4 ---
	csrw pmpcfg0, t0
	# M-mode: unlocked entries do not apply (but a partial match, e.g. an
	# ld over the NA4 entry, would fail even in M-mode).
	lw t0, 0(s1)
	# U-mode: region+0 denied (entry 0), region+4 RW (entry 1), region+8 ok (entry 2).
	la t0, user
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0
	li s2, 0
	mret
user:
	ld t0, 8(s1)        # entry 2: fine
	lw t0, 4(s1)        # entry 1: fine
	li s2, 1
	lw t0, 0(s1)        # entry 0: load access fault
	j bad
after_user:
	CAUSE(5)
	# lock entry 0: now it applies to M-mode too
	li t0, 0x80
	csrs pmpcfg0, t0
	li s2, 2
	lw t0, 0(s1)
	j bad
after_lock:
	CAUSE(5)
	# a locked entry ignores writes
	csrw pmpaddr0, zero
	srli t0, s1, 2
	csrr t1, pmpaddr0
	bne t0, t1, bad
	PASS
bad:
	FAIL(1)
.align 2
handler:
	li t0, 1
	beq s2, t0, 1f
	li t0, 2
	beq s2, t0, 2f
	j bad
1:	li t0, 0x1800
	csrs mstatus, t0
	la t0, after_user
	csrw mepc, t0
	mret
2:	la t0, after_lock
	csrw mepc, t0
	mret
.data
.align 12
region: .dword 1, 2, 3, 4
`, 100000)
	mustPass(t, m)
}

// TestMisalignedAcrossPages: a misaligned ld that straddles two pages
// completes, and the value is little-endian across the boundary.
func TestMisalignedAcrossPages(t *testing.T) {
	m, _ := runAsm(t, prelude+`
_start:
	la t0, pg2
	addi t0, t0, -3
	li t1, 0x1122334455667788
	sd t1, 0(t0)
	ld t2, 0(t0)
	bne t1, t2, bad
	lbu t3, 3(t0)          # first byte of the second page
	li t4, 0x55
	bne t3, t4, bad
	PASS
bad:
	FAIL(1)
.data
.align 12
pg1: .space 4096
pg2: .space 16
`, 100000)
	mustPass(t, m)
}
