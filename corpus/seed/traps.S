# seed: traps
# what: one of each synchronous trap the generator aims at (illegal
#       instruction, misaligned load, load access fault, breakpoint,
#       U-mode ecall), each logged and skipped by the M handler, which
#       reads the faulting instruction's length at mepc.
# expect: every target exits through the finisher with code 0.
	.section .text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	la sp, data
	.4byte 0           # illegal (all zeros)
	ld a0, 3(sp)       # misaligned: QEMU and rv64pg may do it in hardware
	li t1, 0x40000000
	lw a1, 0(t1)       # nothing mapped there: load access fault
	c.ebreak           # breakpoint, 2 bytes long
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f        # NAPOT RWX over everything, for U-mode
	csrw pmpcfg0, t0
	la t0, user
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0   # MPP = U
	mret
user:
	addi a2, zero, 1
	ecall              # from U: cause 8; the handler finishes the run
1:	j 1b

	.align 2
trap:
	csrr t2, mcause
	li t3, 8
	beq t2, t3, done
	csrr t2, mepc
	lhu t3, 0(t2)
	andi t3, t3, 3
	addi t2, t2, 2
	li t4, 3
	bne t3, t4, 1f
	addi t2, t2, 2
1:	csrw mepc, t2
	mret
done:
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
2:	j 2b

	.section .data
	.align 4
data:
	.8byte 0x0123456789abcdef, 0xfedcba9876543210
