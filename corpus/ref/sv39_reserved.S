/* A leaf PTE with any of bits 63:54 set (reserved; N and PBMT without
   Svnapot and Svpbmt) raises a page fault (Priv. spec 1.12 §4.3.2
   step 3, §4.4.1). So does a non-leaf PTE with D, A or U set: those
   bits are reserved in a pointer (§4.3.1), and QEMU 7.2 faults too. */
#include "macros.h"
#define VBASE 0x40000000
	HEADER
main:
	PMP_OPEN_ALL
	la t0, pt_root
	li t1, (0x80000000 >> 2) | 0xcf
	sd t1, 16(t0)
	li t1, 0xc7
	sd t1, 0(t0)
	/* gigapages 1, 4, 5: 0x80000000 with bit 54, 61 (PBMT), 63 (N) */
	li t1, (0x80000000 >> 2) | 0xc7 | (1 << 54)
	sd t1, 8(t0)
	li t1, (0x80000000 >> 2) | 0xc7 | (1 << 61)
	sd t1, 32(t0)
	li t1, (0x80000000 >> 2) | 0xc7 | (1 << 63)
	sd t1, 40(t0)
	/* gigapage 6 (0x180000000): a pointer with D|A|U set, to pt_l1,
	   whose entry 0 maps 0x80000000 as a 2 MiB page */
	la t2, pt_l1
	srli t2, t2, 12
	slli t2, t2, 10
	ori t2, t2, 0xd1          /* D A U V */
	sd t2, 48(t0)
	la t2, pt_l1
	li t1, (0x80000000 >> 2) | 0xc7
	sd t1, 0(t2)
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	ENTER(1, s1)
s1:	li s11, 0
	li gp, 1
	li s1, 0x40000000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	li gp, 2
	li s1, 0x100000000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	li gp, 3
	li s1, 0x140000000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	li gp, 4
	li s1, 0x180000000
	EXPECT(13, 1f)
	ld t0, 0(s1)              /* through the D|A|U pointer */
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
pt_l1:	.space 4096
	FOOTER
