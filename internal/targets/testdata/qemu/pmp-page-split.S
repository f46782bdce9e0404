# A U-mode load that crosses from a page PMP entry 15 allows into a page
# PMP entry 0 (read-only) covers: rv64pg checks it page by page and it
# succeeds; QEMU 7.2 checks the whole access, which entry 0 matches only
# in part, and raises a load access fault: the profile choice
# pmp-page-split (docs/external.md). Found by TestQEMURandomPrograms.
	.section .text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	/* PMP entry 0: the page after data, NAPOT, read-only; entry 15: all. */
	la t0, data
	li t1, 4096
	add t0, t0, t1
	srli t0, t0, 2
	ori t0, t0, 0x1ff          /* NAPOT of 4 KiB */
	csrw pmpaddr0, t0
	li t0, -1
	csrw pmpaddr15, t0
	li t0, 0x19                /* entry 0: NAPOT, R */
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
	li t0, 4093
	add s0, s0, t0
	lw a3, 0(s0)               /* bytes 4093-4096 of data: two pages */
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
	.space 8192
