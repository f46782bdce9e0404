/* Accesses at the very top of the physical address space, in M-mode with
   no translation: nothing is there, so each is an access fault whose
   mtval is the access's address (Priv. spec 1.12 §3.1.16), and the
   models must not wrap address + size around to 0 (the boot ROM at
   0x1000 and the devices below it are not reached). The engine once
   read its boot ROM out of bounds on `lb 0(-1)`. */
#include "macros.h"
	HEADER
main:
	li s1, -1
	EXPECT(5, 1f)
	lb t1, 0(s1)
1:	CHECK(1, a5, -1)
	li s1, -2
	EXPECT(5, 1f)
	lh t1, 0(s1)
1:	CHECK(2, a5, -2)
	li s1, -4
	EXPECT(5, 1f)
	lwu t1, 0(s1)
1:	CHECK(3, a5, -4)
	li s1, -8
	EXPECT(7, 1f)
	sd t1, 0(s1)
1:	CHECK(4, a5, -8)
	li s1, -1
	EXPECT(7, 1f)
	sb t1, 0(s1)
1:	CHECK(5, a5, -1)
	NO_TRAP
	j pass
	FOOTER
