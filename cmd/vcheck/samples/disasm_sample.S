/*
 * disasm_sample.S: the embedded sample for `vcheck disasm` with no file argument.
 *
 * A bare-metal rv64pg program for the QEMU virt layout: it sets up a trap
 * vector and a stack, prints a greeting on the 16550 UART, reads the cycle
 * counter, drops from M to S mode with mret, and powers off through the
 * sifive_test finisher. It uses compressed and aliased instructions and
 * lui/auipc address pairs, so its disassembly shows what objdump shows.
 *
 * Build (build.sh; TestCommittedBinariesAreFresh checks the committed ELF):
 *   riscv64-unknown-elf-gcc -march=rv64imac_zicsr_zifencei -mabi=lp64 \
 *     -nostdlib -static -Wl,-Ttext=0x80000000 -Wa,-mpriv-spec=1.12 \
 *     -o disasm_sample.elf disasm_sample.S
 */

	.file	"disasm_sample.S"

#define UART0    0x10000000
#define FINISHER 0x100000
#define PASS     0x5555

	.text
	.globl _start
_start:
	la	t0, trap
	csrw	mtvec, t0
	la	sp, stack_top
	csrr	a0, mhartid
	bnez	a0, park

	la	a0, greeting
	call	puts

	rdcycle	s0
	rdinstret s1
	fence	rw, rw
	fence.i

	/* Enter S mode at supervisor with MPP = S. */
	li	t0, 3 << 11
	csrc	mstatus, t0
	li	t0, 1 << 11
	csrs	mstatus, t0
	la	t0, supervisor
	csrw	mepc, t0
	mret

park:
	wfi
	j	park

	.globl puts
	.type puts, @function
/* puts(a0 = NUL-terminated string): busy-waits on the UART's LSR.THRE. */
puts:
	li	t1, UART0
1:	lbu	t2, 0(a0)
	beqz	t2, 3f
2:	lbu	t3, 5(t1)
	andi	t3, t3, 0x20
	beqz	t3, 2b
	sb	t2, 0(t1)
	addi	a0, a0, 1
	j	1b
3:	ret
	.size puts, . - puts

/* A word of data inside .text: objdump prints it as .word (mapping symbol $d). */

magic:
	.word	0x76636865
	.size magic, . - magic

	.globl supervisor
	.type supervisor, @function
supervisor:
	ecall
	.size supervisor, . - supervisor

	.globl trap
	.type trap, @function
	.align 2
trap:
	csrr	t0, mcause
	csrr	t1, mepc
	addi	t1, t1, 4
	sext.w	t2, t0
	lr.d.aq	t3, (sp)
	sc.d.rl	t4, t3, (sp)
	amoadd.w.aqrl zero, t0, (sp)
	mul	t5, t0, t1
	divu	t6, t5, t1
	li	t0, FINISHER
	li	t1, PASS
	sw	t1, 0(t0)
1:	j	1b
	.size trap, . - trap

	.section .rodata
greeting:
	.asciz	"hello from rv64pg\n"

	.bss
	.align 4
stack:
	.space 4096
stack_top:
