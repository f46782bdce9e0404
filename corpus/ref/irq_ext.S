/* External interrupts through the PLIC: the UART's THR-empty interrupt
   (source 10) raises MEI for hart 0's M context and SEI for its S
   context; claim and complete. */
#include "macros.h"
#define PLIC 0xc000000
#define PRIO10 (PLIC + 4 * 10)
#define ENABLE_M (PLIC + 0x2000)
#define ENABLE_S (PLIC + 0x2080)
#define CLAIM_M (PLIC + 0x200004)
#define CLAIM_S (PLIC + 0x201004)
#define UART 0x10000000
#define IER (UART + 1)
#define IIR (UART + 2)
#define INT (1 << 63)

.macro WAIT n
	li gp, \n
	li t4, 1000000
9:	addi t4, t4, -1
	beqz t4, fail
	li t6, -1
	bne a7, t6, 9b
.endm

	HEADER
main:
	PMP_OPEN_ALL
	li t0, PRIO10
	li t1, 1
	sw t1, 0(t0)
	li t0, ENABLE_M
	li t1, 1 << 10
	sw t1, 0(t0)
	li t0, 1 << 11            /* MEIE */
	csrw mie, t0
	csrsi mstatus, 8
	li s11, 1
	EXPECT(INT | 11, 1f)
	li t0, IER
	li t1, 2                  /* ETBEI: THR is empty, so it fires at once */
	sb t1, 0(t0)
	WAIT 1
1:	csrr t0, mip
	li t1, 1 << 11
	and t0, t0, t1
	CHECK(2, t0, 1 << 11)
	li t0, CLAIM_M
	lw t1, 0(t0)
	CHECK(3, t1, 10)
	li t2, IER
	sb zero, 0(t2)            /* the UART drops its line */
	sw t1, 0(t0)              /* complete */
	csrr t0, mip
	li t1, 1 << 11
	and t0, t0, t1
	CHECK(4, t0, 0)
	/* the S context: SEI, delegated */
	li t0, ENABLE_M
	sw zero, 0(t0)
	li t0, ENABLE_S
	li t1, 1 << 10
	sw t1, 0(t0)
	li t0, 1 << 9
	csrw mideleg, t0
	csrw mie, t0
	la t0, s_trap
	csrw stvec, t0
	ENTER(1, s1)
s1:	li s11, 0
	csrsi sstatus, 2
	EXPECT(INT | 9, 1f)
	li t0, IER
	li t1, 2
	sb t1, 0(t0)
	WAIT 5
1:	li t0, CLAIM_S
	lw t1, 0(t0)
	CHECK(6, t1, 10)
	li t2, IER
	sb zero, 0(t2)
	sw t1, 0(t0)
	csrr t0, sip
	CHECK(7, t0, 0)
	li s11, 1
	EXPECT(9, 1f)
	ecall
1:	csrw mie, zero
	csrw mideleg, zero
	j pass

	.align 2
s_trap:
	csrr t5, scause
	bne t5, a7, fail
	li a7, -1
	li t0, 0x20               /* SPIE = 0: return with SIE = 0 */
	csrc sstatus, t0
	li t0, 0x100              /* SPP = S */
	csrs sstatus, t0
	csrw sepc, a6
	sret
	FOOTER
