# sc_noreservation.S: an SC without a reservation, from U-mode on a page
# PMP makes read-only. "No SC instruction shall retire unless it passes
# memory permission checks" (Unpriv. "Zalrsc"), so it raises a store
# access fault and rd is not written: exit code 26. QEMU 7.2's gen_sc
# compares the reservation first and fails it quietly (rd = 1): 11.
# Exit code: 10 + rd + 16 if the SC trapped.
.section .text.init
.globl _start
_start:
	la t0, handler
	csrw mtvec, t0
	# PMP: entry 0 NAPOT all, R+X only (no W) for U
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1d
	csrw pmpcfg0, t0
	li s9, 0
	la t0, user
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0
	mret
user:
	la a1, data
	li a2, 0              # the boot ROM left fw_dynamic_info's address here
	sc.w a2, zero, (a1)   # no reservation, no write permission
	ecall
.align 2
handler:
	csrr t0, mcause
	li t1, 8
	beq t0, t1, done
	li s9, 1              # some other trap (the SC faulted)
	csrr t0, mepc
	addi t0, t0, 4
	csrw mepc, t0
	mret
done:
	addi t1, a2, 10
	slli t2, s9, 4
	add t1, t1, t2
	slli t1, t1, 16
	li t2, 0x3333
	or t1, t1, t2
	li t0, 0x100000
	sw t1, 0(t0)
1:	j 1b
.data
.align 3
data: .dword 0
