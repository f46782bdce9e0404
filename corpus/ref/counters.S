/* Counters: minstret and mcycle count retired instructions, a CSR write
   replaces the writing instruction's own increment, mcountinhibit stops
   them, and instret/cycle mirror them.
   qemu-expect: 1
   After "csrwi minstret, 0" QEMU 7.2 does not read back 0 (it counts
   host ticks without -icount), so it fails check 1 (docs/refmodel.md). */
#include "macros.h"
	HEADER
main:
	csrwi minstret, 0
	csrr t0, minstret
	CHECK(1, t0, 0)
	csrr t0, minstret         /* csrr, li gp, li t6, bne retired since */
	CHECK(2, t0, 4)
	/* the same for mcycle (one cycle per instruction) */
	csrwi mcycle, 0
	nop
	csrr t0, cycle
	CHECK(3, t0, 1)
	csrr t1, instret
	csrr t2, minstret
	addi t1, t1, 1
	CHECKR(4, t1, t2)
	/* mcountinhibit.IR and .CY stop them */
	csrwi mcountinhibit, 5
	csrr t1, minstret
	nop
	csrr t2, minstret
	CHECKR(5, t1, t2)
	csrr t1, mcycle
	nop
	csrr t2, mcycle
	CHECKR(6, t1, t2)
	csrwi mcountinhibit, 0
	j pass
	FOOTER
