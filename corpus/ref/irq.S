/* Interrupts: CLINT timer and software interrupts, priority, enables in
   each mode, delegation to S, vectored mtvec, and WFI. */
#include "macros.h"
#define CLINT 0x2000000
#define MSIP (CLINT + 0x0)
#define MTIMECMP (CLINT + 0x4000)
#define MTIME (CLINT + 0xbff8)
#define INT (1 << 63)
#define MIE 8
#define SIE 2

/* spin until the expected trap has happened (a7 = -1), or fail */
.macro WAIT n
	li gp, \n
	li t4, 10000000
9:	addi t4, t4, -1
	beqz t4, fail
	li t6, -1
	bne a7, t6, 9b
.endm

	HEADER
main:
	PMP_OPEN_ALL
	li s11, 1
	/* the timer: mtimecmp = mtime + 50, MTIE, MIE */
	li t0, MTIMECMP
	li t1, -1
	sd t1, 0(t0)
	li t0, MTIME
	ld t1, 0(t0)
	addi t1, t1, 50
	li t0, MTIMECMP
	sd t1, 0(t0)
	li t0, 1 << 7
	csrw mie, t0
	EXPECT(INT | 7, 1f)
	csrsi mstatus, MIE
	WAIT 1
1:	li a7, -1
	/* MIE was cleared by the trap, MPIE holds the old MIE */
	csrr t0, mstatus
	andi t0, t0, 0x88
	CHECK(2, t0, 0x80)
	/* the timer is still pending until mtimecmp moves */
	csrr t0, mip
	andi t0, t0, 1 << 7
	CHECK(3, t0, 1 << 7)
	/* MTIP is read-only in mip */
	li t0, 1 << 7
	csrc mip, t0
	csrr t0, mip
	andi t0, t0, 1 << 7
	CHECK(4, t0, 1 << 7)
	/* wfi with the interrupt pending and enabled in mie but MIE = 0: retires */
	wfi
	/* software and timer both pending: MSI first */
	li t0, MSIP
	li t1, 1
	sw t1, 0(t0)
	li t0, (1 << 7) | (1 << 3)
	csrw mie, t0
	EXPECT(INT | 3, 1f)
	csrsi mstatus, MIE
	WAIT 5
1:	li t0, MSIP
	sw zero, 0(t0)
	EXPECT(INT | 7, 1f)
	csrsi mstatus, MIE
	WAIT 6
1:	li t0, MTIMECMP
	li t1, -1
	sd t1, 0(t0)
	csrr t0, mip
	andi t0, t0, 1 << 7
	CHECK(7, t0, 0)
	/* vectored mtvec: an interrupt goes to BASE + 4 * cause */
	la t0, vectors
	ori t0, t0, 1
	csrw mtvec, t0
	li t0, MSIP
	li t1, 1
	sw t1, 0(t0)
	li a0, 0
	csrsi mstatus, MIE
	li gp, 8
	li t4, 10000000
2:	addi t4, t4, -1
	beqz t4, fail
	beqz a0, 2b
	CHECK(9, a0, 3)
	li t0, MSIP
	sw zero, 0(t0)
	la t0, m_trap
	csrw mtvec, t0
	/* M interrupts are taken in S-mode even with MIE = 0 */
	csrci mstatus, MIE
	la t0, s_trap
	csrw stvec, t0
	li t0, MSIP
	li t1, 1
	sw t1, 0(t0)
	li t0, 1 << 3
	csrw mie, t0
	li s11, 1
	EXPECT(INT | 3, 1f)
	ENTER(1, s1)
s1:	WAIT 10
1:	li t0, MSIP
	sw zero, 0(t0)
	/* delegated STI, raised by M through mip.STIP: taken in S when SIE */
	li t0, 1 << 5
	csrw mideleg, t0
	csrw mie, t0
	csrs mip, t0
	/* pending in M: a delegated interrupt is never taken in M */
	csrsi mstatus, MIE
	nop
	csrci mstatus, MIE
	ENTER(1, s2)
s2:	li s11, 0
	nop                       /* SIE = 0: not taken */
	EXPECT(INT | 5, 1f)       /* s_trap takes it */
	csrsi sstatus, SIE
	WAIT 11
1:	li t0, 0x122
	and t0, a3, t0
	CHECK(12, t0, 0x120)      /* SPP = S, SPIE = 1 */
	/* S cannot clear STIP (only M writes it): go back to M to clear it */
	li s11, 1
	EXPECT(9, 1f)
	ecall
1:	li t0, 1 << 5
	csrc mip, t0
	/* SSIP delegated: taken in U-mode whatever SIE says */
	li t0, 1 << 1
	csrw mideleg, t0
	csrw mie, t0
	csrs mip, t0
	li s11, 2                 /* s_trap clears SSIP and resumes in U */
	EXPECT(INT | 1, u1)
	ENTER(0, u0)
u0:	WAIT 13
u1:	li s11, 1
	EXPECT(8, 1f)
	ecall
1:	CHECK(14, a5, 0)
	csrw mie, zero
	csrw mideleg, zero
	j pass

	.align 2
s_trap:
	csrr t5, scause
	bne t5, a7, fail
	csrr a5, stval
	csrr a4, sepc
	csrr a3, sstatus
	li a7, -1
	li t0, 2
	bne s11, t0, 1f
	csrci sip, 2              /* clear SSIP */
	csrw sepc, a6
	sret
1:	csrci sstatus, SIE        /* STI stays pending: return with SIE = 0 */
	li t0, 1 << 5
	csrw sie, zero
	csrw sepc, a6
	li t0, 0x100
	csrs sstatus, t0          /* resume in S */
	sret

	.align 6
	.option push
	.option norvc             /* every vector is one 4-byte jump */
vectors:
	j fail                    /* 0: exceptions */
	j fail
	j fail
	j vec_msi                 /* 3: machine software */
	j fail
	j fail
	j fail
	j fail
	.option pop
vec_msi:
	li a0, 3
	li t0, MSIP
	sw zero, 0(t0)
	mret
	FOOTER
