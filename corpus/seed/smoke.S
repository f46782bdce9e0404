# seed: smoke
# what: the smallest complete program: integer and M ops, a load/store
#       round trip, an ecall handled in M-mode, then the finisher.
# expect: every target exits through the finisher with code 0.
	.section .text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	la sp, stack_top
	li a0, 6
	li a1, -7
	mul a2, a0, a1
	mulh a3, a0, a1
	div a4, a1, a0
	remu a5, a1, a0
	sd a2, -8(sp)
	ld a6, -8(sp)
	bne a6, a2, fail
	addiw a7, a1, 1
	ecall
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

fail:
	li t0, 0x100000
	li t1, 0x13333
	sw t1, 0(t0)
2:	j 2b

	.align 2
trap:
	csrr t2, mepc
	addi t2, t2, 4
	csrw mepc, t2
	mret

	.section .data
	.align 4
	.space 256
stack_top:
