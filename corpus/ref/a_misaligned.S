/* Misaligned SC and AMO raise store/AMO-address-misaligned (cause 6),
   as the specification requires (Unpriv. §8.2, §8.4).
   qemu-expect: 1
   QEMU 7.2 reports load-address-misaligned (4) for a misaligned AMO, so
   it fails check 1 (docs/refmodel.md). */
#include "macros.h"
	HEADER
main:
	la s0, data
	addi s2, s0, 4          /* aligned for .w, misaligned for .d */
	li s11, 1
	li gp, 1
	EXPECT(6, 1f)
	amoadd.d t0, t0, (s2)
	j fail
1:	CHECKR(2, a5, s2)
	addi s2, s0, 1
	li gp, 3
	EXPECT(6, 1f)
	amoswap.w t0, t0, (s2)
	j fail
1:	CHECKR(4, a5, s2)
	lr.d t0, (s0)
	li gp, 5
	EXPECT(6, 1f)
	sc.d t0, t0, (s2)
	j fail
1:	CHECKR(6, a5, s2)
	j pass
	.data
	.align 4
data:	.dword 0, 0
	FOOTER
