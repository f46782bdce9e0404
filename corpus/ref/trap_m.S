/* Exceptions in M-mode: cause, mepc and mtval (as QEMU 7.2 sets them).
   qemu-expect: 18
   The last check is where QEMU 7.2 departs from the specification: a
   write of an odd value to mepc reads back odd (mepc[0] must be zero,
   Priv. spec 1.12 §3.1.14). docs/refmodel.md lists it. */
#include "macros.h"
#define UNMAPPED 0x90000000
	HEADER
main:
	li s11, 1
	/* illegal instruction: tval is the instruction's bits */
	la s2, 2f
	EXPECT(2, 1f)
2:	.word 0x00000057
	j fail
1:	CHECK(1, a5, 0x57)
	CHECKR(2, a4, s2)
	/* an unknown CSR is an illegal instruction too */
	EXPECT(2, 1f)
	csrr t0, 0x7ff
	j fail
1:	CHECK(3, a5, 0x7ff022f3)
	/* writing a read-only CSR */
	EXPECT(2, 1f)
	csrw mhartid, t0
	j fail
1:	CHECK(4, a5, 0xf1429073)
	/* ... but reading it, or csrrs with x0, is fine */
	csrr t0, mhartid
	csrrs t0, mvendorid, x0
	csrrsi t0, mconfigptr, 0
	/* ebreak */
	la s2, 2f
	EXPECT(3, 1f)
	.option push
	.option norvc             /* the 32-bit ebreak, not c.ebreak */
2:	ebreak
	.option pop
	j fail
1:	CHECKR(5, a4, s2)
	CHECK(6, a5, 0)          /* QEMU 7.2 leaves tval 0 for ebreak */
	/* ecall from M: cause 11, tval 0 */
	la s2, 2f
	EXPECT(11, 1f)
2:	ecall
	j fail
1:	CHECKR(7, a4, s2)
	CHECK(8, a5, 0)
	/* the trap stacks MIE into MPIE and M into MPP */
	li t0, 8
	csrs mstatus, t0          /* MIE = 1 (no interrupt is enabled in mie) */
	EXPECT(11, 1f)
	ecall
1:	li t0, 0x1880
	and a3, a3, t0
	CHECK(9, a3, 0x1880)
	csrr t0, mstatus
	andi t0, t0, 8
	CHECK(10, t0, 0)
	/* load, store and fetch access faults on unmapped memory */
	li s2, UNMAPPED
	EXPECT(5, 1f)
	lw t0, 4(s2)
	j fail
1:	addi t0, s2, 4
	CHECKR(11, a5, t0)
	EXPECT(7, 1f)
	sd t0, 8(s2)
	j fail
1:	addi t0, s2, 8
	CHECKR(12, a5, t0)
	EXPECT(1, 1f)
	jr s2
	j fail
1:	CHECKR(13, a5, s2)
	CHECKR(14, a4, s2)
	/* a store to the boot ROM is dropped without a trap (QEMU: ROM region) */
	li t0, 0x1000
	lw t1, 0(t0)
	sw zero, 0(t0)
	lw t2, 0(t0)
	CHECKR(15, t1, t2)
	/* vectored mtvec: exceptions still go to BASE */
	la t0, m_trap
	ori t0, t0, 1
	csrw mtvec, t0
	EXPECT(11, 1f)
	ecall
	j fail
1:	csrr t0, mtvec
	la t1, m_trap
	ori t1, t1, 1
	CHECKR(16, t0, t1)
	/* mtvec MODE 2 or 3 is reserved: QEMU 7.2 ignores the write */
	li t0, 0x80000002
	csrw mtvec, t0
	csrr t0, mtvec
	CHECKR(17, t0, t1)
	la t0, m_trap
	csrw mtvec, t0
	/* mepc bit 0 is always zero */
	li gp, 18
	li t0, 0x80000003
	csrw mepc, t0
	csrr t0, mepc
	CHECK(18, t0, 0x80000002)
	j pass
	FOOTER
