/* Counters: minstret and mcycle count retired instructions, a CSR write
   replaces the writing instruction's own increment, mcountinhibit stops
   them (the instruction that writes it counts by the old value), and
   instret/cycle mirror them.
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
	/* mcountinhibit.IR and .CY stop them. A write to mcountinhibit
	   takes effect after the writing instruction (docs/retire.md): the
	   csrwi that sets IR still counts ... */
	csrr t1, minstret
	csrwi mcountinhibit, 5
	csrr t2, minstret
	addi t1, t1, 2            /* the csrr and the csrwi */
	CHECKR(7, t1, t2)
	csrr t1, minstret
	nop
	csrr t2, minstret
	CHECKR(5, t1, t2)
	csrr t1, mcycle
	nop
	csrr t2, mcycle
	CHECKR(6, t1, t2)
	/* ... and the csrwi that clears them does not */
	csrr t1, minstret
	csrr t3, mcycle
	csrwi mcountinhibit, 0
	csrr t2, minstret
	csrr t4, mcycle           /* the csrr of minstret counted */
	CHECKR(8, t1, t2)
	addi t3, t3, 1
	CHECKR(9, t3, t4)
	j pass
	FOOTER
