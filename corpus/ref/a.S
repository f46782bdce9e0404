/* A extension: LR/SC with reservations, every AMO, .w sign extension. */
#include "macros.h"
	HEADER
main:
	la s0, data
	li t1, 0xffffffff80000001
	sd t1, 0(s0)
	/* LR/SC pair succeeds */
	lr.w t0, (s0)
	CHECK(1, t0, 0xffffffff80000001)
	li t2, 5
	sc.w t3, t2, (s0)
	CHECK(2, t3, 0)
	lw t0, 0(s0)
	CHECK(3, t0, 5)
	/* SC without a reservation fails and does not store */
	li t2, 9
	sc.w t3, t2, (s0)
	CHECK(4, t3, 1)
	lw t0, 0(s0)
	CHECK(5, t0, 5)
	/* SC to another address than the LR's fails */
	lr.d t0, (s0)
	addi s1, s0, 8
	sc.d t3, t2, (s1)
	li gp, 6
	beqz t3, fail
	/* ... and that SC consumed the reservation */
	sc.d t3, t2, (s0)
	CHECK(7, t3, 1)
	lr.d t0, (s0)
	sc.d t3, t2, (s0)
	CHECK(8, t3, 0)
	ld t0, 0(s0)
	CHECK(9, t0, 9)
	/* AMOs, word: results sign-extended */
	li t1, 0x7fffffff
	sw t1, 0(s0)
	li t2, 1
	amoadd.w t0, t2, (s0)
	CHECK(10, t0, 0x7fffffff)
	lw t0, 0(s0)
	CHECK(11, t0, 0xffffffff80000000)
	li t2, -1
	amoswap.w t0, t2, (s0)
	CHECK(12, t0, 0xffffffff80000000)
	li t2, 0x0f0f0f0f
	amoxor.w t0, t2, (s0)
	CHECK(13, t0, -1)
	lwu t0, 0(s0)
	CHECK(14, t0, 0xf0f0f0f0)
	li t2, 0xff
	amoand.w t0, t2, (s0)
	lw t0, 0(s0)
	CHECK(15, t0, 0xf0)
	li t2, 0x80000000
	amoor.w t0, t2, (s0)
	lw t0, 0(s0)
	CHECK(16, t0, 0xffffffff800000f0)
	li t2, 1
	amomin.w t0, t2, (s0)
	lw t0, 0(s0)
	CHECK(17, t0, 0xffffffff800000f0)
	amomax.w t0, t2, (s0)
	lw t0, 0(s0)
	CHECK(18, t0, 1)
	li t2, -1
	amominu.w t0, t2, (s0)
	lw t0, 0(s0)
	CHECK(19, t0, 1)
	amomaxu.w t0, t2, (s0)
	lw t0, 0(s0)
	CHECK(20, t0, -1)
	/* the upper word is untouched by .w AMOs */
	lw t0, 4(s0)
	CHECK(21, t0, 0)
	/* AMOs, doubleword */
	li t1, 10
	sd t1, 8(s0)
	addi s1, s0, 8
	li t2, -20
	amoadd.d t0, t2, (s1)
	CHECK(22, t0, 10)
	amomin.d t0, t2, (s1)
	ld t0, 0(s1)
	CHECK(23, t0, -20)
	li t2, 3
	amomax.d t0, t2, (s1)
	ld t0, 0(s1)
	CHECK(24, t0, 3)
	li t2, -1
	amomaxu.d t0, t2, (s1)
	ld t0, 0(s1)
	CHECK(25, t0, -1)
	li t2, 2
	amominu.d t0, t2, (s1)
	ld t0, 0(s1)
	CHECK(26, t0, 2)
	li t2, 7
	amoxor.d t0, t2, (s1)
	amoor.d t0, t2, (s1)
	amoand.d t0, t2, (s1)
	CHECK(27, t0, 7)
	amoswap.d t0, zero, (s1)
	CHECK(28, t0, 7)
	ld t0, 0(s1)
	CHECK(29, t0, 0)
	/* rd = x0 still performs the AMO */
	li t2, 4
	amoadd.d zero, t2, (s1)
	ld t0, 0(s1)
	CHECK(30, t0, 4)
	/* a misaligned LR raises load-address-misaligned with tval = address */
	li s11, 1
	addi s2, s0, 2
	EXPECT(4, 1f)
	lr.w t0, (s2)
	j fail
1:	CHECKR(31, a5, s2)
	j pass

	.data
	.align 4
data:	.dword 0, 0, 0, 0
	FOOTER
