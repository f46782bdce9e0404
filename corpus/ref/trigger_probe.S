/* Prints, on the UART, what the trigger module does where rv64pg follows
   the Sdtrig specification (RISC-V Debug spec 1.0 ch. 5) and QEMU 7.2
   departs from it, with a few cases where both agree around each. Each
   line is a case and the trap cause it raised (ffffffffffffffff: none) or
   the value tdata1 read back. TestTriggerProbeQEMU compares the lines with
   QEMU's; the departures are listed there and in docs/refmodel.md. The
   program always passes: corpus/ref/trigger.S is the self-checking test. */
#include "macros.h"
#define T2 (2 << 60)
#define T6 (6 << 60)
#define TM (1 << 6)
#define TX 4
#define TW 2
#define TR 1
#define SIZE1 (1 << 16)
#define SIZE4 (3 << 16)
#define NONE -1

/* ARM ctl: trigger 0 compares D (s0) with tdata1 ctl */
.macro ARM ctl
	csrw tdata2, s0
	li t0, \ctl
	csrw tdata1, t0
.endm

/* TRY name, insn...: run one instruction, print the cause it raised */
.macro TRY name, insn:vararg
	li s10, NONE
	\insn
	PUTS "\name "
	mv a0, s10
	call puthex
.endm

/* TDATA1 name, v: print what tdata1 reads after a write of v */
.macro TDATA1 name, v
	li t0, \v
	csrw tdata1, t0
	PUTS "\name "
	csrr a0, tdata1
	call puthex
.endm

	HEADER
	.option norvc
main:
	la t0, probe_trap
	csrw mtvec, t0
	la s0, D
	li s1, 0x200

	/* tdata1 WARL */
	ARM T2 | TM | TR
	TDATA1 "write0", 0                   /* must disable: the spec */
	TRY "write0-fires", lw t1, 0(s0)
	TDATA1 "t6-vs-vu", T6 | (1 << 24) | (1 << 23) | TM | TR
	TDATA1 "t2-exec-size", T2 | SIZE4 | TM | TX
	TDATA1 "t2-load-size", T2 | SIZE4 | TM | TR

	/* any size: a load or store that accesses the byte at D */
	ARM T2 | TM | TR | TW
	TRY "lb-D", lb t1, 0(s0)
	TRY "lb-D+3", lb t1, 3(s0)
	TRY "lb-D+7", lb t1, 7(s0)
	TRY "lb-D+8", lb t1, 8(s0)
	TRY "lb-D-1", lb t1, -1(s0)
	TRY "sb-D+5", sb t1, 5(s0)
	TRY "sw-D+0x101", sw t1, 0x101(s0)   /* misaligned, far from D */
	TRY "sw-D-0x3e", sw t1, -0x3e(s0)

	/* sized: only accesses of that size */
	ARM T2 | TM | TR | SIZE1
	TRY "size1-lb-D", lb t1, 0(s0)
	TRY "size1-lw-D", lw t1, 0(s0)
	TRY "size1-lw-D+1", lw t1, 1(s0)      /* misaligned, D not in it */
	TRY "size1-lw-D-3", lw t1, -3(s0)
	ARM T2 | TM | TR | SIZE4
	TRY "size4-lw-D", lw t1, 0(s0)
	TRY "size4-lb-D", lb t1, 0(s0)
	TRY "size4-lb-D+2", lb t1, 2(s0)
	TRY "size4-lb-D+3", lb t1, 3(s0)

	/* SC is a store, not a load; misaligned atomics */
	li t0, T2
	csrw tdata1, t0
	lr.w t1, (s0)
	ARM T2 | TM | TR
	TRY "load-trigger-sc", sc.w t2, t1, (s0)
	addi s2, s0, -2
	TRY "load-trigger-lr-D-2", lr.w t1, (s2)
	addi s2, s0, -1
	TRY "load-trigger-amo-D-1", amoadd.w t1, t1, (s2)

	li t0, T2
	csrw tdata1, t0
	PUTS "done\n"
	j pass

	.align 2
/* probe_trap keeps the cause in s10 and resumes after the instruction
   (all of them are 4 bytes long here). */
probe_trap:
	csrr s10, mcause
	csrr t5, mepc
	addi t5, t5, 4
	csrw mepc, t5
	mret

	PRINTING

	.section .data
	.align 12
	.space 128
D:	.dword 0
	.space 1024
	FOOTER
