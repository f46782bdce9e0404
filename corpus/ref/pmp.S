/* PMP: NA4, TOR and NAPOT regions, lowest-numbered match, partial
   matches, M-mode and the lock bit, fetch checks, and the check of the
   page-table walk's own accesses. */
#include "macros.h"
#define R 1
#define W 2
#define X 4
#define TOR (1 << 3)
#define NA4 (2 << 3)
#define NAPOT (3 << 3)
#define L 0x80
	HEADER
main:
	la s0, region             /* 4 KiB aligned */
	/* entry 0: NA4 at region+0, R */
	srli t0, s0, 2
	csrw pmpaddr0, t0
	/* entry 1: TOR [region+0x100, region+0x200), RW; entry 0 is not its base,
	   so use entries 2 and 3: pmpaddr2 = base, entry 3 TOR */
	addi t0, s0, 0x100
	srli t0, t0, 2
	csrw pmpaddr2, t0
	addi t0, s0, 0x200
	srli t0, t0, 2
	csrw pmpaddr3, t0
	/* entry 4: NAPOT region+0x400, 256 bytes, no permissions */
	addi t0, s0, 0x400
	srli t0, t0, 2
	ori t0, t0, (256 / 8 - 1)
	csrw pmpaddr4, t0
	/* entry 5: NAPOT over the page-table page, no permissions */
	la t0, ptpage
	srli t0, t0, 2
	ori t0, t0, (4096 / 8 - 1)
	csrw pmpaddr5, t0
	/* entry 15: everything, RWX */
	li t0, -1
	csrw pmpaddr15, t0
	/* cfg: entry0 NA4|R, entry1 off, entry2 off, entry3 TOR|RW, entry4 NAPOT, entry5 NAPOT */
	li t0, (NA4 | R) | ((TOR | R | W) << 24) | (NAPOT << 32) | (NAPOT << 40)
	csrw pmpcfg0, t0
	li t0, (NAPOT | R | W | X) << 56
	csrw pmpcfg2, t0
	/* M-mode ignores unlocked entries */
	sw zero, 0(s0)
	sw zero, 0x400(s0)
	ENTER(1, s1)

s1:	li s11, 0
	lw t0, 0(s0)              /* NA4, R */
	EXPECT(7, 1f)
	sw t0, 0(s0)              /* NA4 has no W */
	j fail
1:	CHECKR(1, a5, s0)
	lw t0, 4(s0)              /* outside the NA4: entry 15 */
	sw t0, 4(s0)
	/* an 8-byte load over the NA4 boundary matches entry 0 only partly */
	EXPECT(5, 1f)
	ld t0, 0(s0)
	j fail
1:	CHECKR(2, a5, s0)
	/* TOR */
	sd t0, 0x100(s0)
	ld t0, 0x1f8(s0)
	addi s1, s0, 0x1fc
	EXPECT(5, 1f)
	ld t0, 0(s1)              /* partial match at the top of the TOR */
	j fail
1:	CHECKR(3, a5, s1)
	/* NAPOT without permissions */
	addi s1, s0, 0x4f8
	EXPECT(5, 1f)
	ld t0, 0(s1)
	j fail
1:	CHECKR(4, a5, s1)
	/* fetch from a region without X */
	addi s1, s0, 0x100
	EXPECT(1, 1f)
	jr s1
	j fail
1:	CHECKR(5, a5, s1)
	/* the page-table walk is checked too: the root is in entry 5's region */
	li s11, 1
	EXPECT(9, 1f)
	ecall
1:	la t0, ptpage
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	li s11, 1
	EXPECT(1, 1f)
	ENTER(1, s2)
	/* the first fetch in S walks the table: instruction access fault */
s2:	j fail
1:	li t0, 1
	CHECKR(6, t5, t0)         /* t5 is mcause: fetch access fault */
	csrw satp, zero
	/* lock entry 0: now M-mode is checked too, and its cfg and address freeze */
	li t0, L | NA4 | R
	csrs pmpcfg0, t0
	li s11, 1
	EXPECT(7, 1f)
	sw zero, 0(s0)
	j fail
1:	CHECKR(7, a5, s0)
	csrw pmpaddr0, zero
	csrr t0, pmpaddr0
	srli t1, s0, 2
	CHECKR(8, t0, t1)
	li t0, 0xff
	csrc pmpcfg0, t0
	csrr t0, pmpcfg0
	andi t0, t0, 0xff
	CHECK(9, t0, L | NA4 | R)
	j pass
	.data
	.align 12
region:	.space 4096
ptpage:	.space 4096
	FOOTER
