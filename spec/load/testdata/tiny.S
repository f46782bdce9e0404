# A tiny riscv-tests style program for the loader's tests: code, data,
# bss, and the HTIF and signature symbols. Rebuild with ./build.sh.
	.section .text.init, "ax"
	.globl _start
_start:
	la t0, tohost
	li t1, 1
	sd t1, 0(t0)
1:	j 1b

	.section .tohost, "aw"
	.align 6
	.globl tohost
tohost:	.dword 0
	.align 6
	.globl fromhost
fromhost: .dword 0

	.data
	.globl begin_signature
begin_signature:
	.word 0xdeadbeef, 0xcafef00d
	.globl end_signature
end_signature:

	.bss
	.globl scratch
scratch: .space 0x2000
