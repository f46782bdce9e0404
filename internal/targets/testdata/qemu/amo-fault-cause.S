# An AMO that PMP denies in U-mode: the specification's store/AMO access
# fault (cause 7); QEMU 7.2 reports a load access fault (5), the departure
# amo-fault-cause (docs/external.md). Found by vcheck fuzz --target qemu
# (shrunk: an amomin.d in U-mode on a PMP-protected data page).
	.section .text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	/* PMP entry 0: the data page, NAPOT, no permission; entry 15: all. */
	la t0, data
	srli t0, t0, 2
	ori t0, t0, 0x1ff          /* NAPOT of 4 KiB: ...0111111111 */
	csrw pmpaddr0, t0
	li t0, -1
	csrw pmpaddr15, t0
	li t0, 0x18                /* entry 0: NAPOT, R=W=X=0 */
	csrw pmpcfg0, t0
	li t0, (0x1f << 56)        /* entry 15: NAPOT, RWX */
	csrw pmpcfg2, t0
	la t0, user
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0           /* MPP = U */
	mret
user:
	la s0, data
	amomin.d a3, ra, (s0)      /* store/AMO access fault (7) */
	ecall                      /* back to M: done */
1:	j 1b

	.align 2
trap:
	csrr t1, mcause
	li t2, 8
	beq t1, t2, done           /* the U-mode ecall */
	csrr t1, mepc
	addi t1, t1, 4
	csrw mepc, t1
	mret
done:
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

	.data
	.align 12
data:
	.dword 7
	.space 4088
