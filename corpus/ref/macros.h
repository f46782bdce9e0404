/* Common harness of the corpus/ref tests (see docs/refmodel.md).
 *
 * Registers with a fixed role:
 *   gp  the number of the check running; a failure reports it
 *   a7  the trap cause the next instruction is expected to raise
 *       (-1: none expected, any trap fails the test)
 *   a6  where the M-mode trap handler resumes after the expected trap
 *   s11 1: resume in M-mode (jump to a6); 0: mret to a6 in the trapped mode
 *   a5, a4, a3  mtval, mepc and mstatus as the handler found them
 * Every test ends by writing the sifive_test finisher: 0x5555 for a pass,
 * (gp << 16) | 0x3333 for a failure.
 */
#define FINISHER 0x100000

#define CHECK(n, reg, val) li gp, n; li t6, val; bne reg, t6, fail
#define EXPECT(cause, resume) li a7, cause; la a6, resume
#define CHECKR(n, a, b) li gp, n; bne a, b, fail
#define NO_TRAP li a7, -1

.macro HEADER
	.section .text.init
	.globl _start
_start:
	la t0, m_trap
	csrw mtvec, t0
	la sp, stack_top
	li a7, -1
	li s11, 1
	li gp, 0
	j main

	.align 2
m_trap:
	csrr t5, mcause
	bne t5, a7, fail
	csrr a5, mtval
	csrr a4, mepc
	csrr a3, mstatus
	li a7, -1
	bnez s11, 1f
	csrw mepc, a6
	mret
1:	jr a6

	.globl pass
pass:
	li t0, FINISHER
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

	.globl fail
fail:
	bnez gp, 2f
	li gp, 0xfff              /* a failure never reports code 0 */
2:	li t0, FINISHER
	slli t1, gp, 16
	li t2, 0x3333
	or t1, t1, t2
	sw t1, 0(t0)
1:	j 1b
.endm

/* Printing, for the tests that print what they find (csr_warl.S,
   trigger_probe.S) and are compared line by line with QEMU:
   PUTS "text" prints a string; PRINTING emits puts (the string at a1)
   and puthex (a0 as 16 hex digits and a newline), which use t0-t3. */
#define CONSOLE 0x10000000

.macro PUTS str
	la a1, 9f
	call puts
	.pushsection .rodata
9:	.asciz "\str"
	.popsection
.endm

.macro PRINTING
puts:
	li t1, CONSOLE
1:	lbu t0, 0(a1)
	beqz t0, 2f
	sb t0, 0(t1)
	addi a1, a1, 1
	j 1b
2:	ret

puthex:
	li t1, CONSOLE
	li t2, 60
1:	srl t0, a0, t2
	andi t0, t0, 15
	addi t0, t0, '0'
	li t3, '9'
	ble t0, t3, 2f
	addi t0, t0, 'a' - '9' - 1
2:	sb t0, 0(t1)
	addi t2, t2, -4
	bgez t2, 1b
	li t0, '\n'
	sb t0, 0(t1)
	ret
.endm

.macro FOOTER
	.section .bss
	.align 4
	.space 4096
stack_top:
.endm

/* Open every address to S and U mode: PMP entry 15 as NAPOT over all of
   memory with RWX (without an entry, S/U accesses fail, §3.7.1). */
#define PMP_OPEN_ALL \
	li t0, -1; csrw pmpaddr15, t0; li t0, (0x1f << 56); csrw pmpcfg2, t0

/* Enter mode MPP (0 U, 1 S) at label, from M-mode. */
#define ENTER(mpp, label) \
	li t0, 3 << 11; csrc mstatus, t0; li t0, (mpp) << 11; csrs mstatus, t0; \
	la t0, label; csrw mepc, t0; mret

/* From S or U, go back to M at label: an ecall the handler resumes in M. */
#define BACK_TO_M(cause, label) li s11, 1; EXPECT(cause, label); ecall
