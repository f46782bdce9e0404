/* The 16550's receiver through loopback (MCR.LOOP), which needs no
   console input: RBR and its overrun with the FIFOs off, the 16-byte
   receive FIFO and its overrun (the FIFO keeps its bytes), receive-FIFO
   resets by FCR, the THRE and line-status interrupts in IIR, and the
   modem outputs looped back into MSR (QEMU 7.2 hw/char/serial.c).
   Nothing here depends on the character timeout: IER.ERBFI stays 0. */
#include "macros.h"
#define UART 0x10000000

	HEADER
main:
	li s0, UART
	/* reset values */
	lbu t0, 5(s0)
	CHECK(1, t0, 0x60)        /* LSR: THRE, TEMT */
	lbu t0, 2(s0)
	CHECK(2, t0, 0x01)        /* IIR: no interrupt, FIFOs off */
	lbu t0, 6(s0)
	CHECK(3, t0, 0xb0)        /* MSR: DCD, DSR, CTS */
	lbu t0, 4(s0)
	CHECK(4, t0, 0x08)        /* MCR: OUT2 */
	/* loopback wires OUT2->DCD, OUT1->RI, RTS->CTS, DTR->DSR */
	li t1, 0x1f
	sb t1, 4(s0)
	lbu t0, 6(s0)
	CHECK(5, t0, 0xf0)
	li t1, 0x18               /* LOOP, OUT2 */
	sb t1, 4(s0)
	lbu t0, 6(s0)
	CHECK(6, t0, 0x80)
	/* FIFOs off: RBR holds one byte; a second overruns and replaces it */
	li t1, 'a'
	sb t1, 0(s0)
	lbu t0, 5(s0)
	CHECK(7, t0, 0x61)
	li t1, 'b'
	sb t1, 0(s0)
	lbu t0, 5(s0)
	CHECK(8, t0, 0x63)        /* DR, OE */
	lbu t0, 5(s0)
	CHECK(9, t0, 0x61)        /* reading LSR cleared OE */
	lbu t0, 0(s0)
	CHECK(10, t0, 0x62)        /* 'b' */
	lbu t0, 5(s0)
	CHECK(11, t0, 0x60)
	/* FIFOs on: 16 bytes are kept, the other 4 overrun */
	li t1, 0x01
	sb t1, 2(s0)
	lbu t0, 2(s0)
	CHECK(12, t0, 0xc1)
	li t1, 'A'
	li t2, 'A' + 20
1:	sb t1, 0(s0)
	addi t1, t1, 1
	bne t1, t2, 1b
	lbu t0, 5(s0)
	CHECK(13, t0, 0x63)
	li t1, 'A'
	li t2, 'A' + 16
2:	lbu t0, 0(s0)
	CHECKR(14, t0, t1)
	addi t1, t1, 1
	bne t1, t2, 2b
	lbu t0, 5(s0)
	CHECK(15, t0, 0x60)
	lbu t0, 0(s0)
	CHECK(16, t0, 0)          /* an empty FIFO reads 0 */
	/* FCR's receiver reset drops what the FIFO holds */
	li t1, 'x'
	sb t1, 0(s0)
	sb t1, 0(s0)
	lbu t0, 5(s0)
	CHECK(17, t0, 0x61)
	li t1, 0x03
	sb t1, 2(s0)
	lbu t0, 5(s0)
	CHECK(18, t0, 0x60)
	/* turning the FIFOs off flushes them too */
	li t1, 'y'
	sb t1, 0(s0)
	sb zero, 2(s0)
	lbu t0, 5(s0)
	CHECK(19, t0, 0x60)
	lbu t0, 2(s0)
	CHECK(20, t0, 0x01)
	/* IER.ETBEI with THR empty raises THRE; reading IIR acknowledges it */
	li t1, 0x02
	sb t1, 1(s0)
	lbu t0, 2(s0)
	CHECK(21, t0, 0x02)
	lbu t0, 2(s0)
	CHECK(22, t0, 0x01)
	/* IER.ELSI: an overrun raises the line-status interrupt until LSR is read */
	li t1, 0x04
	sb t1, 1(s0)
	li t1, 'p'
	sb t1, 0(s0)
	sb t1, 0(s0)
	lbu t0, 2(s0)
	CHECK(23, t0, 0x06)
	lbu t0, 5(s0)
	CHECK(24, t0, 0x63)
	lbu t0, 2(s0)
	CHECK(25, t0, 0x01)
	lbu t0, 0(s0)
	CHECK(26, t0, 0x70)        /* 'p' */
	sb zero, 1(s0)
	li t1, 0x08
	sb t1, 4(s0)              /* loopback off */
	j pass

	FOOTER
