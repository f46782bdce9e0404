/* Compressed encodings at the edges of the table (Unpriv. §16): the
   reserved ones are illegal instructions with tval = their 16 bits; the
   HINTs execute and change nothing. */
#include "macros.h"

.macro RESERVED n, bits
	EXPECT(2, 9f)
	.2byte \bits
	j fail
9:	CHECK(\n, a5, \bits)
.endm

	HEADER
main:
	li s11, 1
	RESERVED 1, 0x6101        /* c.addi16sp, imm 0 */
	RESERVED 2, 0x6281        /* c.lui x5, 0 */
	RESERVED 3, 0x2005        /* c.addiw x0 */
	RESERVED 4, 0x8002        /* c.jr x0 */
	RESERVED 5, 0x4002        /* c.lwsp x0 */
	RESERVED 6, 0x6002        /* c.ldsp x0 */
	RESERVED 7, 0x0008        /* c.addi4spn, imm 0 */
	RESERVED 8, 0x0000        /* the all-zero halfword */
	/* HINTs: no trap, no change */
	li t0, 0x1234
	li s0, 0x5678
	.2byte 0x0005             /* c.nop 1 */
	.2byte 0x0281             /* c.addi t0, 0 */
	.2byte 0x4005             /* c.li x0, 1 */
	.2byte 0x6005             /* c.lui x0, 1 */
	.2byte 0x8016             /* c.mv x0, t0 */
	.2byte 0x9016             /* c.add x0, t0 */
	.2byte 0x0006             /* c.slli x0, 1 */
	.2byte 0x0282             /* c.slli t0, 0 */
	.2byte 0x8001             /* c.srli s0, 0 */
	.2byte 0x8401             /* c.srai s0, 0 */
	CHECK(9, t0, 0x1234)
	CHECK(10, s0, 0x5678)
	j pass
	FOOTER
