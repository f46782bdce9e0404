/* Accesses that cross from the last page of RAM into unmapped memory, as
   QEMU 7.2's TCG makes them: a store goes byte by byte from the lowest
   address, so the bytes in RAM are written and mtval is the first byte
   past RAM (Priv. spec 1.12 §3.1.16: the portion that faulted); a load
   becomes the two aligned loads of its size around it and faults at the
   second, the first byte past RAM. (128 MiB of RAM: it ends at
   0x88000000.) The same store from the CLINT's last page faults at its
   first byte: the CLINT takes no byte writes, so nothing is written. */
#include "macros.h"
#define LAST 0x87fffffc
#define END  0x88000000
	HEADER
main:
	li s11, 1
	li s1, LAST
	sw zero, 0(s1)
	li s2, END
	li t1, -1
	EXPECT(7, 1f)
	sd t1, 0(s1)
	j fail
1:	CHECKR(1, a5, s2)
	lw t0, 0(s1)
	CHECK(2, t0, -1)          /* the four bytes in RAM were written */
	EXPECT(5, 1f)
	ld t0, 0(s1)
	j fail
1:	CHECKR(3, a5, s2)
	EXPECT(5, 1f)
	lw t0, 2(s1)
	j fail
1:	CHECKR(4, a5, s2)
	li s3, 0x200bffc          /* mtime's upper half, the CLINT's last word */
	EXPECT(7, 1f)
	sd t1, 0(s3)
	j fail
1:	CHECKR(5, a5, s3)
	j pass
	FOOTER
