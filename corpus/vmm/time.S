# time under the VMM. The VMM lets the guest read time directly when its
# own counter enables allow it in its virtual mode, because it keeps the
# physical mtime equal to the guest's (the host's retired count is the
# guest's, and the VMM mirrors the guest's writes to its CLINT's mtime).
# Here rdtime runs in S and U with every combination of mcounteren.TM and
# scounteren.TM (a trap exactly where the bare machine traps), the enables
# change while the guest runs, and mtime is written (whole and by halves)
# with reads right after. Lockstep against ref compares every value read;
# the program itself checks that reads trap where they must and that time
# does not go backwards.
#
# gp: the check running; a failure writes (gp << 16) | 0x3333 to the
# finisher, the pass 0x5555. The M handler counts traps in s3 and skips
# the trapping instruction; ecall with a7 = 99 returns to M at s9.

	.equ FINISHER, 0x100000
	.equ MTIME,    0x200bff8

	.text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	li s3, 0

	li gp, 1                   # M: time always readable, follows mtime writes
	rdtime s0
	li t0, MTIME
	li t1, 1 << 40
	sd t1, 0(t0)
	rdtime s1
	bltu s1, t1, fail
	li t2, 0x12345678
	sw t2, 0(t0)               # the low half only
	rdtime s1
	srli t3, s1, 32
	li t4, 1 << 8
	bne t3, t4, fail

	# S and U with each (mcounteren.TM, scounteren.TM)
	li s4, 0
combos:
	andi t0, s4, 1
	slli t0, t0, 1
	csrw mcounteren, t0
	andi t0, s4, 2
	csrw scounteren, t0
	li gp, 2
	la a0, reader
	li a1, 1                   # S
	call enter
	li gp, 3
	la a0, reader
	li a1, 0                   # U
	call enter
	addi s4, s4, 1
	li t0, 4
	bltu s4, t0, combos
	# traps: S reads trap with mcounteren.TM clear (2 combos x 3 reads),
	# U reads with either clear (3 combos x 3 reads)
	li gp, 4
	li t0, 15
	bne s3, t0, fail

	li gp, 5                   # S writes scounteren itself, mtime written from S
	li t0, 2
	csrw mcounteren, t0
	csrw scounteren, zero
	la a0, s_changes
	li a1, 1
	call enter

	li t0, FINISHER
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

# reader: three reads of time, which must not go backwards (a trapped read
# leaves its register at 0), then back to M.
reader:
	li t0, 0
	li t1, 0
	li t2, 0
	rdtime t0
	rdtime t1
	csrr t2, time
	bltu t1, t0, fail
	bltu t2, t1, fail
	j back

# s_changes: scounteren written in S, U reads between; mtime written
# through the CLINT mapped bare (S without paging).
s_changes:
	rdtime t0
	li t1, 2
	csrw scounteren, t1
	rdtime t1
	li t2, MTIME
	li t3, 77
	sd t3, 0(t2)
	rdtime t4
	li t5, 77
	bltu t4, t5, fail
	addi t5, t5, 10
	bgeu t4, t5, fail
	csrw scounteren, zero
	rdtime t4
	j back

back:
	li a7, 99
	ecall

# enter runs a0 in mode a1 (0 U, 1 S); it returns when that code ecalls
# with a7 = 99.
enter:
	mv s9, ra
	csrw mepc, a0
	li t0, 3 << 11
	csrc mstatus, t0
	slli t0, a1, 11
	csrs mstatus, t0
	mret

fail:
	li t0, FINISHER
	slli t1, gp, 16
	li t2, 0x3333
	or t1, t1, t2
	sw t1, 0(t0)
1:	j 1b

	.balign 4
trap:
	csrr t5, mcause
	li t6, 8
	beq t5, t6, 1f
	li t6, 9
	beq t5, t6, 1f
	li t6, 2                   # illegal instruction: a time read that may not
	bne t5, t6, fail
	addi s3, s3, 1
	csrr t5, mepc
	addi t5, t5, 4
	csrw mepc, t5
	mret
1:	li t6, 99
	bne a7, t6, fail
	li a7, 0
	csrw mepc, s9
	li t5, 3 << 11
	csrs mstatus, t5
	mret
