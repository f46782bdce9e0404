# A hostile guest (issue 13): it probes every device and RAM boundary,
# every CSR number and every privileged instruction, in virtual M, S and U,
# points page tables and satp outside its RAM, and locks a PMP entry
# against itself. Every probe that faults is logged and skipped by the
# M-mode handler, so the program runs to the finisher's pass.
#
# Under the VMM, lockstep against bare ref checks that the guest took
# exactly the bare machine's traps, and corpus/vmm_test.go's
# TestHostileGuest that the host's memory outside the guest's RAM and the
# VMM's own state hash the same before and after.
#
# Registers: sp stack, s9 the M-mode continuation of a mode block, s10 the
# log cursor, a7 the ecall request (99: back to M), t3-t6 the handler's.
# t1 holds all ones for the write probes.

	.equ RAM_END,   0x88000000        # the default 128 MiB
	.equ FINISHER,  0x100000
	.equ CLINT,     0x2000000
	.equ PLIC,      0xc000000
	.equ UART,      0x10000000
	.equ MODE_U,    0
	.equ MODE_S,    1

	.text
	.globl _start
_start:
	la t0, handler
	csrw mtvec, t0
	la sp, stack_top
	la s10, log
	li t1, -1
	csrw pmpaddr15, t1         # entry 15: NAPOT over everything, RWX, so
	li t0, 0x1f << 56          # that S and U may run at all
	csrw pmpcfg2, t0

# ---- memory boundaries, from M (bare) ----
	call probe_memory

# ---- every CSR number: read in M, and write back what was read ----
	call csr_read_all
	call csr_writeback_all

# ---- privileged instructions in M ----
	li t0, 3 << 11
	csrs mstatus, t0           # MPP = M: the mret below stays in M
	call priv_probes
	la t0, 1f                  # mret in M to M
	csrw mepc, t0
	li t0, 3 << 11
	csrs mstatus, t0
	mret
1:	la t0, 2f                  # sret in M: to S, which comes back by ecall
	csrw sepc, t0
	li t0, 1 << 8
	csrs mstatus, t0           # SPP = S
	la s9, 3f
	sret
2:	li a7, 99
	ecall
3:

# ---- S-mode, bare: memory, CSRs (read and write all ones), privileged ----
	li a0, MODE_S
	la a1, s_block
	call enter
	li t0, (1 << 18) | (1 << 19) # the S block's sstatus write set them
	csrc mstatus, t0
# ---- U-mode, bare ----
	li a0, MODE_U
	la a1, u_block
	call enter
# ---- the same with TVM, TW, TSR set ----
	li t0, (1 << 20) | (1 << 21) | (1 << 22)
	csrs mstatus, t0
	li a0, MODE_S
	la a1, priv_block
	call enter
	li a0, MODE_U
	la a1, priv_block
	call enter
	li t0, (1 << 20) | (1 << 21) | (1 << 22)
	csrc mstatus, t0

# ---- Sv39 that points outside the guest: S and U, SUM and MXR ----
	call build_tables
	la t0, root
	srli t0, t0, 12
	li t2, 8 << 60
	or t0, t0, t2
	csrw satp, t0
	li a0, MODE_S
	la a1, vm_block
	call enter
	li t0, (1 << 18) | (1 << 19) # SUM, MXR
	csrs mstatus, t0
	li a0, MODE_S
	la a1, vm_block
	call enter
	li a0, 1
	call code_user
	li a0, MODE_U
	la a1, vm_block
	call enter
	li a0, 0
	call code_user
	li t0, (1 << 18) | (1 << 19)
	csrc mstatus, t0
	# MPRV from M: data through the tables as S
	li t0, 3 << 11
	csrc mstatus, t0
	li t0, (1 << 17) | (1 << 11)
	csrs mstatus, t0
	call probe_vm
	li t0, 1 << 17
	csrc mstatus, t0
	# a root outside RAM: every walk faults
	li t0, (8 << 60) | (RAM_END >> 12)
	csrw satp, t0
	li a0, MODE_S
	la a1, vm_block
	call enter
	li t0, (8 << 60) | 0xfffffffffff
	csrw satp, t0
	li a0, MODE_S
	la a1, vm_block
	call enter
	csrw satp, zero

# ---- PMP: a locked entry that denies M a word, then probe it ----
	la t0, locked_word
	srli t0, t0, 2
	csrw pmpaddr0, t0
	li t0, 0x90                # L, NA4, no permissions
	csrw pmpcfg0, t0
	la t0, locked_word
	ld t2, 0(t0)
	sd t1, 0(t0)
	lw t2, 4(t0)               # the next word: no entry, M is allowed
	csrw pmpcfg0, zero         # locked: ignored
	csrw pmpaddr0, zero        # locked: ignored
	ld t2, 0(t0)

# ---- the end ----
	li t0, FINISHER
	li t2, 0x5555
	sw t2, 0(t0)
1:	j 1b

# block_end ends a mode block: mret (illegal below M), sret (in S with
# TSR clear: to SPP, at sepc), then ecall with a7 = 99 back to M.
block_end:
	la t0, 1f
	csrw sepc, t0              # (illegal in U)
	li t0, 1 << 8
	csrs sstatus, t0           # SPP = S: sret stays where code can run
	mret
	sret
1:	li a7, 99
	ecall

# enter runs the block at a1 in mode a0; the block ends with a7 = 99, ecall.
enter:
	mv s9, ra
	csrw mepc, a1
	li t0, 3 << 11
	csrc mstatus, t0
	slli t0, a0, 11
	csrs mstatus, t0
	mret

s_block:
	li t1, -1
	call probe_memory
	call csr_read_all
	call csr_write_all
	call priv_probes
	j block_end

u_block:
	li t1, -1
	call probe_memory
	call csr_read_all
	call csr_write_all
	call priv_probes
	j block_end

priv_block:
	call priv_probes
	j block_end

vm_block:
	li t1, -1
	call probe_vm
	call priv_probes
	j block_end

# priv_probes runs every privileged instruction but mret and sret (the
# blocks end with those) in the current mode.
priv_probes:
	csrr t0, mstatus           # (traps below M: the handler skips it)
	wfi
	sfence.vma
	sfence.vma t0
	sfence.vma zero, t0
	sfence.vma t0, t0
	ecall
	ebreak
	c.ebreak
	.word 0x30200073 | (1 << 7)  # mret with rd != 0: not mret, illegal
	.word 0x10500073 | (1 << 15) # wfi with rs1 != 0
	.word 0x00000000           # illegal
	.word 0xffffffff           # illegal
	ret

# probe_memory loads every width at every boundary, and stores all ones
# where a store does nothing lasting (devices take it, or it faults).
probe_memory:
	mv s8, ra
	la a0, loads
	la a1, loads_end
1:	ld a2, 0(a0)
	lb t0, 0(a2)
	lbu t0, 0(a2)
	lh t0, 0(a2)
	lhu t0, 0(a2)
	lw t0, 0(a2)
	lwu t0, 0(a2)
	ld t0, 0(a2)
	lr.w t0, (a2)
	lr.d t0, (a2)
	addi a0, a0, 8
	bltu a0, a1, 1b
	la a0, stores
	la a1, stores_end
2:	ld a2, 0(a0)
	sb t1, 0(a2)
	sh t1, 0(a2)
	sw t1, 0(a2)
	sd t1, 0(a2)
	amoor.w t0, zero, (a2)
	amoadd.d t0, zero, (a2)
	sc.w t0, t1, (a2)
	addi a0, a0, 8
	bltu a0, a1, 2b
	# jumps to where no code can be fetched: the handler returns to ra
	la a0, jumps
	la a1, jumps_end
3:	ld a2, 0(a0)
	jalr ra, 0(a2)
	addi a0, a0, 8
	bltu a0, a1, 3b
	mv ra, s8
	ret

# probe_vm loads, stores and jumps through the hostile page tables.
probe_vm:
	mv s8, ra
	la a0, vm_addrs
	la a1, vm_addrs_end
1:	ld a2, 0(a0)
	lb t0, 0(a2)
	ld t0, 0(a2)
	sd t1, 0(a2)
	amoswap.d t0, zero, (a2)
	addi a0, a0, 8
	bltu a0, a1, 1b
	la a0, vm_jumps
	la a1, vm_jumps_end
2:	ld a2, 0(a0)
	jalr ra, 0(a2)
	addi a0, a0, 8
	bltu a0, a1, 2b
	mv ra, s8
	ret

# The CSR probes cover every CSR number, 64 x 64: the number is
# (hi * 64 + lo), spelled out by .irp (no .set counter, which assemblers
# resolve differently inside .rept).
	.macro csr_read_row hi          # csrrs t0, n, x0
	.irp lo, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	.word 0x00002073 | (5 << 7) | ((((\hi) * 64) + \lo) << 20)
	.endr
	.endm
	.macro csr_writeback_row hi     # csrrs t0, n, x0; csrrw x0, n, t0
	.irp lo, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	.word 0x00002073 | (5 << 7) | ((((\hi) * 64) + \lo) << 20)
	.word 0x00001073 | (5 << 15) | ((((\hi) * 64) + \lo) << 20)
	.endr
	.endm
	.macro csr_write_row hi         # csrrw t2, n, t1
	.irp lo, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	.word 0x00001073 | (7 << 7) | (6 << 15) | ((((\hi) * 64) + \lo) << 20)
	.endr
	.endm

# csr_read_all reads every CSR number.
csr_read_all:
	.irp hi, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	csr_read_row \hi
	.endr
	ret

# csr_writeback_all reads every CSR number and writes the value back: the
# WARL path, with the state unchanged (the counters excepted).
csr_writeback_all:
	.irp hi, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	csr_writeback_row \hi
	.endr
	ret

# csr_write_all writes all ones (t1) to every CSR number.
csr_write_all:
	.irp hi, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	csr_write_row \hi
	.endr
	ret

# build_tables fills root: gigapage 0 (devices) RW for S, gigapage 1 onto
# PA 0xc0000000 (outside RAM, U), gigapage 2 the identity over RAM (RWX, U
# clear), gigapage 3 a pointer to l1, whose megapages map the top 2 MiB of
# RAM (RW, U), RAM_END (outside), the last megapage of the 56-bit space,
# the boot ROM (misaligned) and, at level 0, the root again.
build_tables:
	la a0, root
	li t0, 0xc7                          # V R W A D, PPN 0
	sd t0, 0(a0)
	li t0, (0xc0000000 >> 2) | 0xd7      # V R W U A D
	sd t0, 8(a0)
	li t0, (0x80000000 >> 2) | 0xcf      # V R W X A D
	sd t0, 16(a0)
	la t2, l1
	srli t2, t2, 2
	ori t2, t2, 1
	sd t2, 24(a0)
	la a1, l1
	li t0, ((RAM_END - 0x200000) >> 2) | 0xd7
	sd t0, 0(a1)
	li t0, (RAM_END >> 2) | 0xd7
	sd t0, 8(a1)
	li t0, (0xffffffffe00 << 10) | 0xd7
	sd t0, 16(a1)
	li t0, (0x1000 >> 2) | 0xdb
	sd t0, 24(a1)
	la t2, root
	srli t2, t2, 2
	ori t2, t2, 1
	sd t2, 32(a1)
	ret

# code_user sets U in the identity gigapage (a0 = 1) or clears it (a0 = 0),
# without sfence.vma: the next access sees it.
code_user:
	la t0, root
	li t2, (0x80000000 >> 2) | 0xcf
	beqz a0, 1f
	ori t2, t2, 0x10
1:	sd t2, 16(t0)
	ret

	.balign 4
handler:
	csrr t3, mcause
	csrr t4, mtval
	sd t3, 0(s10)
	sd t4, 8(s10)
	addi s10, s10, 16
	la t5, log_end
	bltu s10, t5, 1f
	la s10, log
1:	li t5, 8
	blt t3, zero, 4f           # (no interrupt is enabled)
	beq t3, t5, 5f             # ecall from U
	li t5, 9
	beq t3, t5, 5f             # ecall from S
	li t5, 11
	beq t3, t5, 5f             # ecall from M
	li t5, 1
	beq t3, t5, 6f             # fetch access fault: back to the caller (jalr ra)
	li t5, 12
	beq t3, t5, 6f             # fetch page fault
	# skip the instruction at mepc (M reads it: code is identity-mapped)
2:	csrr t3, mepc
	lhu t4, 0(t3)
	andi t4, t4, 3
	li t5, 3
	addi t3, t3, 2
	bne t4, t5, 3f
	addi t3, t3, 2
3:	csrw mepc, t3
4:	mret
5:	li t5, 99
	bne a7, t5, 2b
	li a7, 0
	csrw mepc, s9              # back to M after the block
	li t3, 3 << 11
	csrs mstatus, t3
	mret
6:	csrr t3, mepc
	beq t3, ra, 7f
	csrw mepc, ra              # back to the caller of the jump
	mret
7:	csrw mepc, s9              # the caller cannot run either: abort the block
	li t3, 3 << 11
	csrs mstatus, t3
	mret

	.data
	.balign 8
loads:
	.dword 0x0, 0x7, 0xfff, 0x1000, 0x1ff8, 0xfff8, 0xfffc, 0xffff, 0x10000
	.dword FINISHER - 8, FINISHER, FINISHER + 2, FINISHER + 0xffc, FINISHER + 0x1000
	.dword CLINT - 4, CLINT, CLINT + 4, CLINT + 0x3ffc, CLINT + 0x4000, CLINT + 0x4004
	.dword CLINT + 0xbff8, CLINT + 0xbffc, CLINT + 0xc000, CLINT + 0xfffc, CLINT + 0x10000
	.dword PLIC - 4, PLIC, PLIC + 4, PLIC + 0x1000, PLIC + 0x2000, PLIC + 0x200000
	.dword PLIC + 0x200004, PLIC + 0x5ffffc, PLIC + 0x600000
	.dword UART - 1, UART, UART + 5, UART + 7, UART + 8, UART + 0xff, UART + 0x100
	.dword 0x20000000, 0x30000000, 0x40000000, 0x7ffffff8, 0x7fffffff
	.dword 0x80000000, RAM_END - 8, RAM_END - 4, RAM_END - 1, RAM_END, RAM_END + 0x600000
	.dword RAM_END + 0x8000000, 0xfffffffff8, 0x4000000000, 0xffffffffffff0000, 0xfffffffffffffff8
loads_end:
stores:
	.dword 0x0, 0x1000, 0xfff8, 0xffff, FINISHER + 8, FINISHER + 0x1000
	.dword CLINT + 0x3ffc, CLINT + 0x4000, CLINT + 0xc000, CLINT + 0x10000
	.dword PLIC, PLIC + 4, PLIC + 0x1000, PLIC + 0x2000, PLIC + 0x200000, PLIC + 0x200004
	.dword PLIC + 0x5ffffc, PLIC + 0x600000
	.dword UART + 1, UART + 2, UART + 3, UART + 4, UART + 7, UART + 8, UART + 0x100
	.dword 0x20000000, 0x7ffffff8, RAM_END - 8, RAM_END - 4, RAM_END, RAM_END + 0x600000
	.dword 0xfffffffff8, 0xffffffffffff0000
stores_end:
jumps:
	.dword 0x0, 0xfffe, CLINT, UART, 0x40000000, RAM_END, RAM_END - 2, 0xfffffffffffffff0
jumps_end:
vm_addrs:
	.dword 0x0, CLINT + 0xbff8, UART + 5, 0x40000000, 0x40001000
	.dword 0xc0000000, 0xc0200000, 0xc0400000, 0xc0600000, 0xc0800000, 0xc0800000 + 0x1000
	.dword 0x100000000, 0x7fffffffff, 0xffffffc000000000, 0x4000000000
vm_addrs_end:
vm_jumps:
	.dword 0x0, 0x40000000, 0xc0200000, 0xc0400000, 0xc0600000, 0xc0800000
	.dword 0x100000000, 0x7ffffffff0, 0xffffffc000000000
vm_jumps_end:

	.balign 4096
root:	.zero 4096
l1:	.zero 4096
locked_word:
	.dword 0x1234, 0x5678
	.balign 8
log:	.zero 4096
log_end:
	.zero 4096
stack_top:
