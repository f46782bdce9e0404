# crt0vm.S: start for the benchmarks that run with the MMU on. In M-mode
# it sets up the stack, clears .bss, opens PMP, has vm_setup (C) build
# Sv39 page tables and return satp, turns translation on and drops to
# S-mode, where it calls main and reports main's return value through the
# sifive_test finisher (0: pass, else fail with code), as crt0.S does.
.section .text.init
.globl _start
_start:
	la sp, __stack_top
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f			# NAPOT, R W X: all of memory
	csrw pmpcfg0, t0
	call vm_setup
	csrw satp, a0
	sfence.vma
	la t0, 3f
	csrw mepc, t0
	li t0, 3 << 11
	csrc mstatus, t0
	li t0, 1 << 11			# MPP = S
	csrs mstatus, t0
	mret
3:	call main
	li t0, 0x100000
	beqz a0, 4f
	slli a0, a0, 16
	li t1, 0x3333
	or a0, a0, t1
	sw a0, 0(t0)
	j 5f
4:	li t1, 0x5555
	sw t1, 0(t0)
5:	j 5b
