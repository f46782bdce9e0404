/* Two harts (harts: 2): each reads its mhartid; hart 1 sleeps until
   hart 0's IPI through the CLINT's msip; both add to a shared counter
   with amoadd and with an LR/SC loop; hart 0 waits for hart 1 and
   checks the total. */
#include "macros.h"
#define MSIP0 0x2000000
#define MSIP1 0x2000004
#define N 1000
	HEADER
main:
	csrr s0, mhartid
	la s1, counter
	bnez s0, hart1
	/* hart 0: wake hart 1 */
	li t0, MSIP1
	li t1, 1
	sw t1, 0(t0)
	call work
	la t0, done1
1:	lw t1, 0(t0)              /* wait for hart 1 */
	beqz t1, 1b
	ld t0, 0(s1)
	CHECK(1, t0, 4 * N)
	j pass

hart1:
	la sp, stack1_top
	li t0, 1 << 3             /* MSIE, with MIE = 0: wfi wakes, no trap */
	csrw mie, t0
2:	wfi
	csrr t0, mip
	andi t0, t0, 1 << 3
	beqz t0, 2b
	li t0, MSIP1
	sw zero, 0(t0)
	call work
	la t0, done1
	li t1, 1
	sw t1, 0(t0)
3:	wfi                       /* park */
	j 3b

/* work adds 2*N to the counter: N amoadds of 1 and N LR/SC adds of 1. */
work:
	li t2, N
1:	li t1, 1
	amoadd.d zero, t1, (s1)
2:	lr.d t0, (s1)
	addi t0, t0, 1
	sc.d t3, t0, (s1)
	bnez t3, 2b
	addi t2, t2, -1
	bnez t2, 1b
	ret

	.data
	.align 3
counter: .dword 0
done1:	.dword 0
	.bss
	.align 4
	.space 1024
stack1_top:
	FOOTER
