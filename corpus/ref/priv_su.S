/* S and U mode: privilege checks on CSRs and privileged instructions,
   ecall causes, mret/sret, delegation, TW/TSR/TVM, counter enables. */
#include "macros.h"
#define MSTATUS_TW  (1 << 21)
#define MSTATUS_TSR (1 << 22)
#define MSTATUS_TVM (1 << 20)
#define MSTATUS_MPRV (1 << 17)
	HEADER
main:
	PMP_OPEN_ALL
	/* QEMU's wfi really waits until mip & mie != 0: keep SSIP pending and
	   enabled in mie, delegated to S with SIE = 0, so it is never taken
	   but wakes every wfi at once. */
	li t0, 2
	csrw mideleg, t0
	csrw mie, t0
	csrs mip, t0
	la t0, s_trap
	csrw stvec, t0
	/* --- S-mode --- */
	ENTER(1, s1)
s1:	li s11, 0                 /* resume in S after the M handler */
	EXPECT(2, 1f)
	csrr t0, mstatus          /* M CSR from S: illegal */
	j fail
1:	CHECK(1, a5, 0x300022f3)
	csrr t0, sstatus          /* S CSR from S: fine */
	EXPECT(2, 1f)
	mret                      /* mret from S: illegal */
	j fail
1:	CHECK(2, a5, 0x30200073)
	wfi                       /* wfi in S with TW=0 retires */
	sfence.vma
	csrr t0, satp
	/* cycle/time/instret in S need mcounteren */
	EXPECT(2, 1f)
	csrr t0, time
	j fail
1:	CHECK(3, a5, 0xc01022f3)
	/* ecall from S: cause 9, back in M */
	BACK_TO_M(9, m1)
m1:	li t0, 0x1800
	and t0, a3, t0
	CHECK(4, t0, 0x0800)      /* MPP = S */
	/* TW, TSR, TVM make wfi, sret, sfence.vma and satp illegal in S */
	li t0, MSTATUS_TW | MSTATUS_TSR | MSTATUS_TVM
	csrs mstatus, t0
	wfi                       /* ... but not in M */
	ENTER(1, s2)
s2:	li s11, 0
	EXPECT(2, 1f)
	wfi
	j fail
1:	EXPECT(2, 1f)
	sret
	j fail
1:	EXPECT(2, 1f)
	sfence.vma
	j fail
1:	EXPECT(2, 1f)
	csrw satp, zero
	j fail
1:	CHECK(5, a5, 0x18001073)
	BACK_TO_M(9, m2)
m2:	li t0, MSTATUS_TW | MSTATUS_TSR | MSTATUS_TVM
	csrc mstatus, t0
	csrw mie, zero            /* in U the pending SSIP would be taken */
	/* counters enabled for S by mcounteren, not yet for U */
	li t0, 7
	csrw mcounteren, t0
	/* --- U-mode --- */
	ENTER(0, u1)
u1:	li s11, 0
	EXPECT(2, 1f)
	csrr t0, sstatus          /* S CSR from U: illegal */
	j fail
1:	EXPECT(2, 1f)
	wfi                       /* wfi in U: illegal (S-mode exists) */
	j fail
1:	CHECK(6, a5, 0x10500073)
	EXPECT(2, 1f)
	sret
	j fail
1:	EXPECT(2, 1f)
	sfence.vma
	j fail
1:	EXPECT(2, 1f)
	rdcycle t0                /* scounteren.CY = 0 */
	j fail
1:	BACK_TO_M(8, m3)
m3:	li t0, 0x1800
	and t0, a3, t0
	CHECK(7, t0, 0)           /* MPP = U */
	/* S enables U's counters */
	li t0, 5
	csrw scounteren, t0
	ENTER(0, u2)
u2:	li s11, 0
	rdcycle t0
	rdinstret t0
	EXPECT(2, 1f)
	rdtime t0                 /* scounteren.TM = 0 */
	j fail
1:	BACK_TO_M(8, m4)
	/* --- delegation: U ecall and illegal instructions to S --- */
m4:	li t0, (1 << 8) | (1 << 2)
	csrw medeleg, t0
	ENTER(0, u3)
u3:	li s11, 0
	EXPECT(8, 1f)
	ecall                     /* handled by s_trap, which srets to U */
	j fail
1:	CHECK(8, a5, 0)
	EXPECT(2, 1f)
	.word 0x00000057
	j fail
1:	CHECK(9, a5, 0x57)
	/* S-mode ecall is not delegated: it goes to M */
	li s11, 2                 /* s_trap resumes in S */
	EXPECT(2, 1f)
	csrw medeleg, zero        /* illegal from U, handled in S */
	j fail
1:	BACK_TO_M(9, m5)
m5:	csrr t0, medeleg
	li t1, (1 << 8) | (1 << 2)
	CHECKR(10, t0, t1)
	/* an exception in M is never delegated */
	li s11, 1
	EXPECT(2, 1f)
	.word 0x00000057
	j fail
1:	csrw medeleg, zero
	/* SPP/SPIE on an S trap taken from S */
	li t0, 1 << 9             /* delegate S-mode ecalls */
	csrw medeleg, t0
	ENTER(1, s4)
s4:	li t0, 2                  /* SIE = 1 */
	csrs sstatus, t0
	li s11, 0
	EXPECT(9, 1f)
	ecall                     /* S -> S: SPP = 1, SPIE = 1, SIE = 0 */
	j fail
1:	csrr t0, sstatus
	andi t0, t0, 0x122
	CHECK(12, t0, 0x022)      /* after sret: SIE = SPIE = 1, SPP = U */
	li s11, 1                 /* S ecalls go to S now: use an illegal */
	EXPECT(2, m7)             /* instruction, still handled in M */
	.word 0x00000057
m7:	csrw medeleg, zero
	/* misa, mhartid read fine in M; sepc/scause as views */
	j pass

	.align 2
s_trap:
	csrr t5, scause
	bne t5, a7, fail
	csrr a5, stval
	csrr a4, sepc
	csrr a3, sstatus
	li t0, 0x122
	and t0, a3, t0
	li t1, 0x120             /* SPP = S, SPIE = 1 when coming from s4 */
	li t2, 9
	bne t5, t2, 2f
	bne t0, t1, fail
2:	li a7, -1
	csrw sepc, a6
	li t0, 2
	bne s11, t0, 3f
	li t0, 0x100              /* SPP = S: resume in S-mode */
	csrs sstatus, t0
3:	sret
	FOOTER
