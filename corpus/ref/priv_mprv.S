/* mret and sret to a mode below M clear mstatus.MPRV (Priv. spec 1.12
   §3.1.6.3, §3.3.2).
   qemu-expect: 1
   QEMU 7.2 leaves MPRV set, so it fails check 1 (docs/refmodel.md). */
#include "macros.h"
#define MSTATUS_MPRV (1 << 17)
	HEADER
main:
	PMP_OPEN_ALL
	li gp, 1                  /* check 1 starts here: the mret below */
	li t0, MSTATUS_MPRV
	csrs mstatus, t0
	ENTER(1, s1)
s1:	BACK_TO_M(9, m1)
m1:	li t0, MSTATUS_MPRV
	and t0, a3, t0
	CHECK(1, t0, 0)
	/* sret from S to U clears it too */
	li gp, 2
	li t0, MSTATUS_MPRV
	csrs mstatus, t0
	la t0, s_trap
	csrw stvec, t0
	ENTER(1, s2)
s2:	la t0, u1
	csrw sepc, t0
	li t0, 0x100
	csrc sstatus, t0          /* SPP = U */
	sret
u1:	BACK_TO_M(8, m2)
m2:	li t0, MSTATUS_MPRV
	and t0, a3, t0
	CHECK(2, t0, 0)
	j pass
s_trap:
	j fail
	FOOTER
