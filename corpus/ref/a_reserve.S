/* A trap clears the LR reservation, as QEMU 7.2 does: the spec lets an
   SC fail for implementation-defined reasons (Unpriv. §8.3) and lets
   xRET clear the reservation (Priv. spec 1.12 §3.3.2). The SC after a
   trap fails, with or without an mret on the way back. */
#include "macros.h"
	HEADER
main:
	la s0, data
	lr.d t0, (s0)
	li s11, 0                 /* the handler mrets to a6 */
	EXPECT(11, 1f)
	ecall
1:	li t1, 7
	sc.d t2, t1, (s0)
	CHECK(1, t2, 1)
	ld t0, 0(s0)
	CHECK(2, t0, 0)
	/* the same when the handler returns without mret */
	lr.d t0, (s0)
	li s11, 1
	EXPECT(11, 1f)
	ecall
1:	sc.d t2, t1, (s0)
	CHECK(3, t2, 1)
	/* without a trap, the pair succeeds */
	lr.d t0, (s0)
	sc.d t2, t1, (s0)
	CHECK(4, t2, 0)
	j pass
	.data
	.align 3
data:	.dword 0
	FOOTER
