# SCs into x0, which a gdbstub client sees only through memory: a failed
# SC of the value already there looks like a store (its write is then
# not observed, docs/external.md); the others are told apart by the
# memory before and after. Found by TestQEMURandomPrograms (an
# sc.w x0, x0 on zeroed memory without a reservation).
	.section .text
	.globl _start
_start:
	la s0, data
	sc.w x0, x0, (s0)          /* no reservation, stores 0 over 0: ambiguous */
	li t1, 5
	sc.w x0, t1, (s0)          /* no reservation: fails, memory stays 0 */
	lr.w t2, (s0)
	sc.w x0, t1, (s0)          /* succeeds: 0 -> 5 */
	lr.d t2, (s0)
	sc.d x0, t2, (s0)          /* succeeds with the same value: ambiguous */
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

	.data
	.align 3
data:
	.dword 0
