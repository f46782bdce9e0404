#include "macros.h"
	HEADER
main:
	/* lui, auipc, addi and friends */
	lui t0, 0x12345
	CHECK(1, t0, 0x12345000)
	lui t0, 0x80000
	CHECK(2, t0, 0xffffffff80000000)
	addi t0, zero, -1
	CHECK(3, t0, -1)
	li t1, 5
	slti t0, t1, 6
	CHECK(4, t0, 1)
	sltiu t0, t1, -1
	CHECK(5, t0, 1)
	xori t0, t1, -1
	CHECK(6, t0, -6)
	ori t0, t1, 0x10
	CHECK(7, t0, 0x15)
	andi t0, t1, 4
	CHECK(8, t0, 4)
	li t1, -8
	slli t0, t1, 60
	CHECK(9, t0, 0x8000000000000000)
	srli t0, t1, 60
	CHECK(10, t0, 0xf)
	srai t0, t1, 1
	CHECK(11, t0, -4)
	li t1, 7
	li t2, -3
	add t0, t1, t2
	CHECK(12, t0, 4)
	sub t0, t1, t2
	CHECK(13, t0, 10)
	sll t0, t1, t2            /* shift by 61 */
	CHECK(14, t0, 0xe000000000000000)
	slt t0, t2, t1
	CHECK(15, t0, 1)
	sltu t0, t2, t1
	CHECK(16, t0, 0)
	xor t0, t1, t2
	CHECK(17, t0, -6)
	srl t0, t2, t1
	CHECK(18, t0, 0x01ffffffffffffff)
	sra t0, t2, t1
	CHECK(19, t0, -1)
	or t0, t1, t2
	CHECK(20, t0, -1)
	and t0, t1, t2
	CHECK(21, t0, 5)
	/* W forms sign-extend from bit 31 */
	li t1, 0x7fffffff
	addiw t0, t1, 1
	CHECK(22, t0, 0xffffffff80000000)
	slliw t0, t1, 1
	CHECK(23, t0, -2)
	li t1, 0x80000000
	srliw t0, t1, 4
	CHECK(24, t0, 0x08000000)
	sraiw t0, t1, 4
	CHECK(25, t0, 0xfffffffff8000000)
	li t1, 0xffffffff
	li t2, 1
	addw t0, t1, t2
	CHECK(26, t0, 0)
	subw t0, zero, t2
	CHECK(27, t0, -1)
	li t2, 33                 /* only bits 4:0 count */
	sllw t0, t1, t2
	CHECK(28, t0, -2)
	srlw t0, t1, t2
	CHECK(29, t0, 0x7fffffff)
	sraw t0, t1, t2
	CHECK(30, t0, -1)
	/* loads and stores, aligned and misaligned */
	la t1, data
	li t2, 0x8899aabbccddeeff
	sd t2, 0(t1)
	ld t0, 0(t1)
	CHECK(31, t0, 0x8899aabbccddeeff)
	lb t0, 0(t1)
	CHECK(32, t0, -1)
	lbu t0, 0(t1)
	CHECK(33, t0, 0xff)
	lh t0, 2(t1)
	CHECK(34, t0, 0xffffffffffffccdd)
	lhu t0, 2(t1)
	CHECK(35, t0, 0xccdd)
	lw t0, 4(t1)
	CHECK(36, t0, 0xffffffff8899aabb)
	lwu t0, 4(t1)
	CHECK(37, t0, 0x8899aabb)
	sb zero, 0(t1)
	sh zero, 2(t1)
	ld t0, 0(t1)
	CHECK(38, t0, 0x8899aabb0000ee00)
	sw zero, 4(t1)
	ld t0, 0(t1)
	CHECK(39, t0, 0x0000ee00)
	li t2, 0x1122334455667788
	sd t2, 3(t1)              /* misaligned: completes, as on QEMU */
	ld t0, 3(t1)
	CHECK(40, t0, 0x1122334455667788)
	lw t0, 5(t1)
	CHECK(41, t0, 0x33445566)
	lhu t0, 1(t1)
	CHECK(42, t0, 0x00ee)
	/* x0 stays zero */
	addi zero, zero, 5
	CHECK(43, zero, 0)
	/* branches */
	li t1, -1
	li t2, 1
	li gp, 44
	beq t1, t2, fail
	bne t1, t1, fail
	blt t2, t1, fail
	bge t1, t2, fail
	bltu t1, t2, fail
	bgeu t2, t1, fail
	beq t1, t1, 1f
	j fail
1:	bne t1, t2, 1f
	j fail
1:	blt t1, t2, 1f
	j fail
1:	bge t2, t1, 1f
	j fail
1:	bltu t2, t1, 1f
	j fail
1:	bgeu t1, t2, 1f
	j fail
1:	/* jal and jalr link */
	jal t0, 2f
1:	j fail
2:	la t1, 1b
	CHECKR(45, t0, t1)
	la t1, 3f
	jalr t2, 1(t1)            /* bit 0 of the target is cleared */
1:	j fail
3:	la t1, 1b
	CHECKR(46, t2, t1)
4:	auipc t0, 0
	la t1, 4b
	CHECKR(47, t0, t1)
	fence
	fence.i
	fence.tso
	j pass

	.data
	.align 4
data:	.dword 0, 0, 0
	FOOTER
