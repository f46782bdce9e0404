# Code written by a store the VMM emulates. In S-mode under Sv39 the page
# of `patchme` is executed through the identity map and written through an
# alias whose PTE has D clear: the first store (and an AMO) through the
# alias sets D, which the bare machine does in its walk; under the VMM it
# is an exit, emulated, and the emulated write must reach the physical
# machine's decoded (and compiled) copy of that code at once. Then a PTE
# edit without sfence.vma moves the alias to another page, and the old
# page's code must not change. The profile needs no fence.i: stores keep
# instruction fetch coherent on both models (docs/engine.md).
#
# gp: the check running; a failure writes (gp << 16) | 0x3333 to the
# finisher, the pass 0x5555.

	.equ FINISHER, 0x100000
	.equ ALIAS,    0xc0000000          # VA of the alias page
	.equ ADDI_A0,  0x00000513          # addi a0, zero, 0 (imm in bits 31:20)

	.text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	# root[0]: the devices, RW; root[2]: the identity over RAM, RWX;
	# root[3] -> l1 -> l0: the alias; all with A and D set but the alias
	la a0, root
	li t0, 0xc7
	sd t0, 0(a0)
	li t0, (0x80000000 >> 2) | 0xcf
	sd t0, 16(a0)
	la t0, l1
	srli t0, t0, 2
	ori t0, t0, 1
	sd t0, 24(a0)
	la a1, l1
	la t0, l0
	srli t0, t0, 2
	ori t0, t0, 1
	sd t0, 0(a1)
	# l0[0]: ALIAS -> the page of patchme, R W A, D clear
	la a2, l0
	la t0, patchme
	srli t0, t0, 12
	slli t0, t0, 10
	ori t0, t0, 0x47
	sd t0, 0(a2)
	la t0, root
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	la t0, s_main
	csrw mepc, t0
	li t0, 3 << 11
	csrc mstatus, t0
	li t0, 1 << 11
	csrs mstatus, t0
	mret

s_main:
	li gp, 1                   # the original code, run often enough to be compiled
	li s1, 100
1:	call patchme
	li t0, 1
	bne a0, t0, fail
	addi s1, s1, -1
	bnez s1, 1b

	li gp, 2                   # the first store through the alias: D clear
	la t0, patchme
	li t1, 0xfff
	and t0, t0, t1
	li t1, ALIAS
	add s2, t0, t1             # s2: the alias of patchme
	li t0, ADDI_A0 | (2 << 20)
	sw t0, 0(s2)
	call patchme
	li t0, 2
	bne a0, t0, fail
	la a2, l0                  # D is set now
	ld t0, 0(a2)
	andi t0, t0, 0x80
	beqz t0, fail

	li gp, 3                   # a direct store through the alias now
	li t0, ADDI_A0 | (3 << 20)
	sw t0, 0(s2)
	call patchme
	li t0, 3
	bne a0, t0, fail

	li gp, 4                   # D cleared by a PTE store: the next store emulated again
	ld t0, 0(a2)
	andi t0, t0, ~0x80
	sd t0, 0(a2)
	li t0, ADDI_A0 | (4 << 20)
	li t1, ~0xfff
	amoswap.w t1, t0, (s2)     # an AMO sets D too
	call patchme
	li t0, 4
	bne a0, t0, fail

	li gp, 5                   # the alias moved to `other` (no sfence.vma): patchme stays
	la t0, other
	srli t0, t0, 12
	slli t0, t0, 10
	ori t0, t0, 0xc7
	sd t0, 0(a2)
	li t0, ADDI_A0 | (5 << 20)
	sw t0, 0(s2)
	call patchme
	li t0, 4
	bne a0, t0, fail
	la t0, other
	la t1, patchme
	li t3, 0xfff
	and t1, t1, t3
	add t0, t0, t1
	lw t0, 0(t0)
	li t1, ADDI_A0 | (5 << 20)
	bne t0, t1, fail

	li t0, FINISHER
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

fail:
	li t0, FINISHER
	slli t1, gp, 16
	li t2, 0x3333
	or t1, t1, t2
	sw t1, 0(t0)
1:	j 1b

	.balign 4
trap:
	j fail

	.balign 4096
patchme:
	.word ADDI_A0 | (1 << 20)  # addi a0, zero, 1: rewritten by the checks
	ret
	.balign 4096
other:
	.zero 4096

	.data
	.balign 4096
root:	.zero 4096
l1:	.zero 4096
l0:	.zero 4096
