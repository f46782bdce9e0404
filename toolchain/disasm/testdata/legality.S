/*
 * legality.S: the words on which the spec table and GNU objdump disagree,
 * run on QEMU 7.2 (TestDisagreementsOnQEMU). Each test prints E if the word
 * executed and T if it trapped (the M-mode handler skips it), then the
 * program powers off through the sifive_test finisher.
 */
	.text
	.globl _start
_start:
	la	t0, trap
	csrw	mtvec, t0
	li	s9, 0x10000000		/* UART THR */
#define T(n, w) li s10, 'E'; .insn n, w; sb s10, 0(s9)
	T(4, 0x8ff0000f)	/* fence with fm=1000 and pred/succ iorw: GNU .4byte */
	T(4, 0x4ff5008f)	/* fence with fm=0100, rs1, rd set: GNU .4byte */
	T(4, 0x8335008f)	/* fence.tso with rs1, rd set: GNU .4byte */
	T(4, 0x0015108f)	/* fence.i with imm, rs1, rd set: GNU .4byte */
	T(2, 0x6101)		/* c.addi16sp sp,0: GNU add sp,sp,0 */
	T(4, 0x00200073)	/* uret: GNU uret */
	T(4, 0x7b200073)	/* dret: GNU dret */
	T(4, 0x10400073)	/* sfence.vm: GNU sfence.vm */
	T(2, 0x0000)		/* the all-zero halfword: GNU unimp */
	T(4, 0x0ff0000f)	/* fence: the control */
	li	t0, '\n'
	sb	t0, 0(s9)
	li	t0, 0x100000
	li	t1, 0x5555		/* FINISHER_PASS */
	sw	t1, 0(t0)
1:	j	1b

	.align 2
trap:
	li	s10, 'T'
	csrr	t0, mepc
	lhu	t1, 0(t0)		/* skip 2 or 4 bytes by the low bits */
	andi	t1, t1, 3
	li	t2, 3
	addi	t0, t0, 2
	bne	t1, t2, 2f
	addi	t0, t0, 2
2:	csrw	mepc, t0
	mret
