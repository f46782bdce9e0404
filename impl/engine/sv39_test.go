package engine

import "testing"

// TestSv39Bits: hardware A/D updates as QEMU 7.2 does them, MXR, SUM,
// MPRV, and the fault causes/tvals. The page tables: root -> an identity
// gigapage over RAM (RWX, A, D) and a level-1 table -> a level-0 table
// mapping VA 0x1000 (RW, no A/D), 0x2000 (X only, A), 0x3000 (U, RW, A, D).
func TestSv39Bits(t *testing.T) {
	m, _ := runAsm(t, prelude+`
#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 16
#define PTE_A 64
#define PTE_D 128
#define EXPECT(reg, val) li t6, val; bne reg, t6, bad
_start:
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	la t0, mhandler
	csrw mtvec, t0
	# root[2]: gigapage 0x80000000 identity
	la s0, root
	li t0, (0x80000000 >> 12 << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
	sd t0, 16(s0)
	# root[0] -> l1
	la t1, l1
	srli t1, t1, 12
	slli t1, t1, 10
	ori t1, t1, PTE_V
	sd t1, 0(s0)
	la t2, l1
	la t1, l0
	srli t1, t1, 12
	slli t1, t1, 10
	ori t1, t1, PTE_V
	sd t1, 0(t2)
	la s1, l0
	la t1, dpage
	srli t1, t1, 12
	slli t1, t1, 10
	ori t0, t1, PTE_V | PTE_R | PTE_W
	sd t0, 8(s1)                     # VA 0x1000
	ori t0, t1, PTE_V | PTE_X | PTE_A
	sd t0, 16(s1)                    # VA 0x2000
	ori t0, t1, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
	sd t0, 24(s1)                    # VA 0x3000
	srli t0, s0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	# enter S at smode
	la t0, smode
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0
	li t0, 0x0800
	csrs mstatus, t0
	mret
smode:
	li s2, 1
	li t0, 0x1000; ld a0, 0(t0)              # load: sets A only
	ecall                            # M checks the PTE
	li s2, 2
	li t0, 0x1000; sd a0, 0(t0)              # store: sets D
	ecall
	li s2, 3
	li t0, 0x2000; ld a0, 0(t0)              # X-only page, MXR=0: load page fault
	j bad
s3:	li s2, 4
	li t0, 0x3000; ld a0, 0(t0)              # U page from S without SUM: load page fault
	j bad
s4:	li t0, 0xc0000                   # SUM | MXR
	csrs sstatus, t0
	li t0, 0x2000; ld a0, 0(t0)              # now fine
	li t0, 0x3000; ld a0, 0(t0)              # now fine
	li s2, 5
	ecall                            # done in S; M checks MPRV
	j bad
.align 2
mhandler:
	csrr t3, mcause
	csrr t4, mtval
	li t5, 1
	beq s2, t5, m1
	li t5, 2
	beq s2, t5, m2
	li t5, 3
	beq s2, t5, m3
	li t5, 4
	beq s2, t5, m4
	li t5, 5
	beq s2, t5, m5
	j bad
m1:	EXPECT(t3, 9)
	ld t0, 8(s1)
	andi t0, t0, PTE_A | PTE_D
	EXPECT(t0, PTE_A)
	j skip
m2:	EXPECT(t3, 9)
	ld t0, 8(s1)
	andi t0, t0, PTE_A | PTE_D
	EXPECT(t0, PTE_A | PTE_D)
	j skip
m3:	EXPECT(t3, 13)
	EXPECT(t4, 0x2000)
	la t0, s3
	j back
m4:	EXPECT(t3, 13)
	EXPECT(t4, 0x3000)
	la t0, s4
	j back
m5:	EXPECT(t3, 9)
	# M-mode with MPRV and MPP=S reads through the S translation.
	li t0, 0x20000
	csrs mstatus, t0
	li t0, 0x1800
	csrc mstatus, t0
	li t0, 0x0800
	csrs mstatus, t0
	li t0, 0x3000
	ld a1, 0(t0)
	li t0, 0x20000
	csrc mstatus, t0
	la t0, dpage
	ld a2, 0(t0)
	bne a1, a2, bad
	PASS
skip:
	csrr t0, mepc
	addi t0, t0, 4
back:
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0
	li t0, 0x0800
	csrs mstatus, t0
	mret
bad:
	FAIL(1)
.data
.align 12
root: .space 4096
l1: .space 4096
l0: .space 4096
dpage: .dword 0x1234
`, 100000)
	mustPass(t, m)
}
