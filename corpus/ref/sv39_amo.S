/* An AMO, LR or SC on an unmapped page raises the page fault of its
   kind: store/AMO (15) for AMOs and SC, load (13) for LR (Priv. spec
   1.12 §4.3.2, Unpriv. §8). The SC has no reservation, but "no SC
   instruction shall retire unless it passes memory permission checks"
   (Unpriv. "Zalrsc"), so it faults too; QEMU 7.2 lets it fail quietly.
   qemu-expect: 1
   QEMU 7.2 raises a load page fault for the AMO, so it fails check 1
   (docs/refmodel.md). */
#include "macros.h"
#define VBASE 0x40000000
	HEADER
main:
	PMP_OPEN_ALL
	/* root: gigapage 2 -> 0x80000000 (code), gigapage 0 -> devices;
	   VBASE is not mapped. */
	la t0, pt_root
	li t1, (0x80000000 >> 2) | 0xcf
	sd t1, 16(t0)
	li t1, 0xc7
	sd t1, 0(t0)
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	ENTER(1, s1)
s1:	li s11, 0
	li s1, VBASE
	li gp, 1
	EXPECT(15, 1f)
	amoadd.w t0, t0, (s1)
	j fail
1:	CHECKR(2, a5, s1)
	li gp, 3
	EXPECT(13, 1f)
	lr.d t0, (s1)
	j fail
1:	li gp, 4
	EXPECT(15, 1f)
	sc.d t0, t0, (s1)
	j fail
1:	CHECKR(5, a5, s1)
	li s11, 1
	EXPECT(9, 1f)
	ecall
1:	csrw satp, zero
	j pass
	.data
	.align 12
pt_root: .space 4096
	FOOTER
