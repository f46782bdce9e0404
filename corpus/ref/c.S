/* C extension: every RV64C instruction, written explicitly. */
#include "macros.h"
	HEADER
main:
	c.li s0, -5
	CHECK(1, s0, -5)
	c.addi s0, 7
	CHECK(2, s0, 2)
	c.addiw s0, -3
	CHECK(3, s0, -1)
	c.lui s1, 0x1f
	CHECK(4, s1, 0x1f000)
	c.lui s1, 0xfffe0
	CHECK(5, s1, 0xfffffffffffe0000)
	mv t0, sp
	c.addi16sp sp, -64
	addi t0, t0, -64
	CHECKR(6, sp, t0)
	c.addi4spn s0, sp, 16
	addi t0, sp, 16
	CHECKR(7, s0, t0)
	c.addi16sp sp, 64
	li s0, 0x0123456789abcdef
	c.srli s0, 60
	CHECK(8, s0, 0)
	li s0, -16
	c.srai s0, 2
	CHECK(9, s0, -4)
	c.andi s0, 7
	CHECK(10, s0, 4)
	c.slli s0, 62
	CHECK(11, s0, 0)
	li s0, 10
	li s1, 3
	c.sub s0, s1
	CHECK(12, s0, 7)
	c.xor s0, s1
	CHECK(13, s0, 4)
	c.or s0, s1
	CHECK(14, s0, 7)
	c.and s0, s1
	CHECK(15, s0, 3)
	li s0, 0x7fffffff
	c.addw s0, s1
	CHECK(16, s0, 0xffffffff80000002)
	c.subw s0, s1
	CHECK(17, s0, 0x7fffffff)
	c.mv a0, s0
	CHECK(18, a0, 0x7fffffff)
	c.add a0, s1
	CHECK(19, a0, 0x80000002)
	/* loads and stores */
	la s0, data
	li s1, 0x1122334455667788
	c.sd s1, 8(s0)
	c.ld a0, 8(s0)
	CHECKR(20, a0, s1)
	c.sw s1, 16(s0)
	c.lw a0, 16(s0)
	CHECK(21, a0, 0x55667788)
	li s1, 0x80000000
	c.sw s1, 16(s0)
	c.lw a0, 16(s0)
	CHECK(22, a0, 0xffffffff80000000)
	c.sdsp s1, 8(sp)
	c.ldsp a0, 8(sp)
	CHECKR(23, a0, s1)
	c.swsp s1, 4(sp)
	c.lwsp a0, 4(sp)
	CHECK(24, a0, 0xffffffff80000000)
	/* control transfers */
	li gp, 25
	c.j 1f
	j fail
1:	li s0, 0
	c.beqz s0, 1f
	j fail
1:	c.bnez s0, fail
	li s0, 1
	c.bnez s0, 1f
	j fail
1:	la t0, 2f
	c.jr t0
	j fail
2:	la t0, 3f
	c.jalr t0
4:	j fail
3:	la t0, 4b
	CHECKR(26, ra, t0)
	c.nop
	/* a compressed illegal instruction: tval holds its 16 bits */
	li s11, 1
	EXPECT(2, 1f)
	.2byte 0x0000
	j fail
1:	CHECK(27, a5, 0)
	EXPECT(2, 1f)
	.2byte 0x4002          /* c.lwsp x0: reserved */
	j fail
1:	CHECK(28, a5, 0x4002)
	/* c.ebreak */
	la s2, 2f
	EXPECT(3, 1f)
2:	c.ebreak
	j fail
1:	CHECKR(29, a4, s2)
	j pass
	.data
	.align 4
data:	.dword 0, 0, 0, 0
	FOOTER
