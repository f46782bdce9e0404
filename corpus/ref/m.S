/* M extension: products, quotients and the §7.2 special cases. */
#include "macros.h"
	HEADER
main:
	li t1, -3
	li t2, 7
	mul t0, t1, t2
	CHECK(1, t0, -21)
	li t1, 0x8000000000000000
	li t2, 2
	mulh t0, t1, t2
	CHECK(2, t0, -1)
	mulhu t0, t1, t2
	CHECK(3, t0, 1)
	li t1, -1
	li t2, -1
	mulhsu t0, t1, t2
	CHECK(4, t0, -1)
	mulh t0, t1, t2
	CHECK(5, t0, 0)
	mulhu t0, t1, t2
	CHECK(6, t0, 0xfffffffffffffffe)
	li t1, 0x7fffffff
	li t2, 2
	mulw t0, t1, t2
	CHECK(7, t0, -2)
	/* division */
	li t1, -7
	li t2, 2
	div t0, t1, t2
	CHECK(8, t0, -3)
	rem t0, t1, t2
	CHECK(9, t0, -1)
	divu t0, t1, t2
	CHECK(10, t0, 0x7ffffffffffffffc)
	remu t0, t1, t2
	CHECK(11, t0, 1)
	/* by zero */
	div t0, t1, zero
	CHECK(12, t0, -1)
	divu t0, t1, zero
	CHECK(13, t0, -1)
	rem t0, t1, zero
	CHECK(14, t0, -7)
	remu t0, t1, zero
	CHECK(15, t0, -7)
	/* overflow */
	li t1, 0x8000000000000000
	li t2, -1
	div t0, t1, t2
	CHECK(16, t0, 0x8000000000000000)
	rem t0, t1, t2
	CHECK(17, t0, 0)
	/* word forms */
	li t1, 0x80000000
	li t2, -1
	divw t0, t1, t2
	CHECK(18, t0, 0xffffffff80000000)
	remw t0, t1, t2
	CHECK(19, t0, 0)
	divuw t0, t1, t2
	CHECK(20, t0, 0)
	remuw t0, t1, t2
	CHECK(21, t0, 0xffffffff80000000)
	divw t0, t1, zero
	CHECK(22, t0, -1)
	divuw t0, t1, zero
	CHECK(23, t0, -1)
	remw t0, t1, zero
	CHECK(24, t0, 0xffffffff80000000)
	remuw t0, t1, zero
	CHECK(25, t0, 0xffffffff80000000)
	li t1, 0x100000007
	li t2, 0x100000002
	divw t0, t1, t2
	CHECK(26, t0, 3)
	j pass
	FOOTER
