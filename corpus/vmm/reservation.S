# LR/SC across VM exits the guest cannot see. Under the VMM an M- or
# S-mode CSR access, a device access, a first access to a page (a shadow
# fill) and wfi or sfence.vma below U are exits: the guest's step is
# emulated, and no trap of the guest happens, so an LR reservation must
# survive them, as on the bare machine (where nothing traps at all). A
# real trap of the guest (ecall) still drops it. Checks in M, then in S.
#
# gp: the check running; a failure writes (gp << 16) | 0x3333 to the
# finisher, the pass 0x5555.

	.equ FINISHER, 0x100000
	.equ UART_LSR, 0x10000005

	.text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f                # NAPOT over everything, RWX: S may run
	csrw pmpcfg0, t0
	li t0, 7
	csrw mcounteren, t0        # S may read time without a trap on bare
	li s9, 0                   # 0: the M pass, 1: the S pass
checks:
	li t1, 7
	la s0, data

	li gp, 1                   # a CSR access (mscratch in M, sscratch in S)
	lr.d t0, (s0)
	bnez s9, 1f
	csrr t3, mscratch
	j 2f
1:	csrr t3, sscratch
2:	sc.d t2, t1, (s0)
	bnez t2, fail

	li gp, 2                   # a device access
	lr.w t0, (s0)
	li t3, UART_LSR
	lbu t4, 0(t3)
	sc.w t2, t1, (s0)
	bnez t2, fail

	li gp, 3                   # a store to a page never touched
	lr.d t0, (s0)
	la t3, fresh
	add t3, t3, s9
	sd t1, 0(t3)
	sc.d t2, t1, (s0)
	bnez t2, fail

	li gp, 4                   # the LR itself on a page never touched
	la t3, fresh2
	slli t4, s9, 4
	add t3, t3, t4
	lr.d t0, (t3)
	sc.d t2, t1, (t3)
	bnez t2, fail

	li gp, 5                   # time (a counter: an exit below M too)
	lr.d t0, (s0)
	rdtime t3
	sc.d t2, t1, (s0)
	bnez t2, fail

	li gp, 6                   # wfi
	lr.d t0, (s0)
	wfi
	sc.d t2, t1, (s0)
	bnez t2, fail

	li gp, 7                   # sfence.vma
	lr.d t0, (s0)
	sfence.vma
	sc.d t2, t1, (s0)
	bnez t2, fail

	li gp, 8                   # several exits in a row
	lr.w t0, (s0)
	rdtime t3
	li t3, UART_LSR
	lbu t4, 0(t3)
	la t3, fresh3
	add t3, t3, s9
	sw t1, 0(t3)
	sc.w t2, t1, (s0)
	bnez t2, fail

	li gp, 9                   # a trap of the guest drops it
	lr.d t0, (s0)
	li a7, 1                   # the handler skips the ecall
	ecall
	sc.d t2, t1, (s0)
	beqz t2, fail

	bnez s9, pass
	li s9, 1                   # again, in S
	la t0, checks
	csrw mepc, t0
	li t0, 3 << 11
	csrc mstatus, t0
	li t0, 1 << 11
	csrs mstatus, t0
	mret

pass:
	li t0, FINISHER
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

fail:
	li t0, FINISHER
	slli t1, gp, 16
	li t2, 0x3333
	or t1, t1, t2
	sw t1, 0(t0)
1:	j 1b

	.balign 4
# trap: an ecall with a7 = 1 is skipped; anything else fails.
trap:
	csrr t5, mcause
	li t6, 8
	bltu t5, t6, fail
	li t6, 11
	bltu t6, t5, fail
	li t6, 1
	bne a7, t6, fail
	li a7, 0
	csrr t5, mepc
	addi t5, t5, 4
	csrw mepc, t5
	mret

	.data
	.balign 8
data:	.dword 0
	.balign 4096
fresh:	.zero 4096
fresh2:	.zero 4096
fresh3:	.zero 4096
