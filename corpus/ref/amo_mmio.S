/* AMOs and LR/SC on device registers (M-mode, no translation). The
   RISC-V spec leaves atomics on I/O to the platform's PMAs; QEMU 7.2's
   virt performs them on its MMIO devices as a read then a write, and so
   do both models: the read half is an aligned device load, the write
   half a device store, and rd gets the old value. An SC with a
   reservation on a device register stores; one without stores nothing.
   The engine used to raise a store/AMO access fault on every AMO and SC
   outside RAM (found by review, `probeAMO`). */
#include "macros.h"
#define UART   0x10000000
#define MSIP   0x2000000
#define MTCMP  0x2004000
	HEADER
main:
	NO_TRAP
	li s0, UART
	li t1, 0x08
	sb t1, 4(s0)            /* MCR = OUT2 */
	addi s1, s0, 4
	li t1, 1
	amoor.w t2, t1, (s1)    /* MCR |= DTR; rd = old MCR */
	CHECK(1, t2, 0x08)
	lbu t2, 4(s0)
	CHECK(2, t2, 0x09)
	li t1, 0x5a
	sb t1, 7(s0)            /* SCR */
	addi s2, s0, 4
	li t1, 0x02
	amoswap.w t2, t1, (s2)  /* MCR = RTS */
	CHECK(3, t2, 0x09)
	lbu t2, 4(s0)
	CHECK(4, t2, 0x02)
	lbu t2, 7(s0)
	CHECK(5, t2, 0x5a)      /* the word AMO reached one byte register */
	/* LR/SC on MCR: with the reservation the SC stores. */
	lr.w t2, (s1)
	CHECK(6, t2, 0x02)
	li t1, 0x0a
	sc.w t3, t1, (s1)
	CHECK(7, t3, 0)
	lbu t2, 4(s0)
	CHECK(8, t2, 0x0a)
	/* Without a reservation it fails and stores nothing. */
	li t1, 0x03
	sc.w t3, t1, (s1)
	CHECK(9, t3, 1)
	lbu t2, 4(s0)
	CHECK(10, t2, 0x0a)
	li t1, 0x08
	sb t1, 4(s0)
	/* CLINT: amoadd.d on mtimecmp, amoswap.w on msip. */
	li s3, MTCMP
	li t1, -1
	sd t1, 0(s3)
	li t1, 5
	sd t1, 0(s3)
	li t1, 3
	amoadd.d t2, t1, (s3)
	CHECK(11, t2, 5)
	ld t2, 0(s3)
	CHECK(12, t2, 8)
	li t1, -1
	sd t1, 0(s3)            /* no timer interrupt later */
	li s4, MSIP
	li t1, 1
	amoswap.w t2, t1, (s4)
	CHECK(13, t2, 0)
	csrr t2, mip
	andi t2, t2, 8
	CHECK(14, t2, 8)        /* MSIP pending (mie is 0: not taken) */
	amoswap.w t2, zero, (s4)
	CHECK(15, t2, 1)
	csrr t2, mip
	andi t2, t2, 8
	CHECK(16, t2, 0)
	j pass
	FOOTER
