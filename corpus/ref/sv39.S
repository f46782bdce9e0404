/* Sv39: translation, gigapages and 4 KiB pages, permission faults,
   SUM, MXR, MPRV, U pages, misaligned superpages, W-without-R, and the
   A/D bits QEMU 7.2 sets in the PTE itself. */
#include "macros.h"
#define V 0x01
#define R 0x02
#define W 0x04
#define X 0x08
#define U 0x10
#define A 0x40
#define D 0x80
#define SUM (1 << 18)
#define MXR (1 << 19)
#define MPRV (1 << 17)
#define VBASE 0x40000000

/* rd = the PTE of physical address in rs with flags; clobbers t6 */
.macro MKPTE rd, rs, flags
	srli \rd, \rs, 12
	slli \rd, \rd, 10
	li t6, \flags
	or \rd, \rd, t6
.endm

/* store PTE for physical label 'target' with flags at table[idx] */
.macro SETPTE table, idx, target, flags
	la t0, \target
	MKPTE t1, t0, \flags
	la t0, \table
	sd t1, (\idx * 8)(t0)
.endm

	HEADER
main:
	PMP_OPEN_ALL
	/* root: gigapage 0 -> 0 (devices, S only), 2 -> 0x80000000 (S code
	   and data), 3 -> 0x80000000 for U; entry 1 points to pt_l1. */
	la t0, pt_root
	li t1, (0 << 10) | V | R | W | A | D
	sd t1, 0(t0)
	li t1, (0x80000000 >> 2) | V | R | W | X | A | D
	sd t1, 16(t0)
	li t1, (0x80000000 >> 2) | V | R | W | X | U | A | D
	sd t1, 24(t0)
	SETPTE pt_root, 1, pt_l1, V
	SETPTE pt_l1, 0, pt_l0, V
	/* pt_l1[1]: a megapage leaf whose PPN is not 2 MiB aligned */
	SETPTE pt_l1, 1, page0, V | R | W | A | D
	/* pt_l0: the 4 KiB pages at VBASE + i*4096 */
	SETPTE pt_l0, 0, page0, V | R | W          /* A and D clear */
	SETPTE pt_l0, 1, page0, V | R | A          /* read-only */
	                                           /* 2: invalid */
	SETPTE pt_l0, 3, page0, V | X | A          /* execute-only */
	SETPTE pt_l0, 4, page0, V | R | W | U | A | D
	SETPTE pt_l0, 5, page0, V | W | A | D      /* W without R: reserved */
	SETPTE pt_l0, 6, page1, V | R | W | A | D  /* not executable */
	/* pt_l0[7]: a pointer at the last level */
	SETPTE pt_l0, 7, page0, V
	/* pt_l0[8]: read-only with A clear */
	SETPTE pt_l0, 8, page0, V | R
	la t0, page0
	li t1, 0x1234
	sd t1, 0(t0)
	/* satp = Sv39 | root PPN */
	la t0, pt_root
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	ENTER(1, s1)

s1:	li s11, 0
	li s0, VBASE
	/* a load through a PTE with A clear sets A, not D */
	ld t0, 0(s0)
	CHECK(1, t0, 0x1234)
	la t0, pt_l0
	ld t1, 0(t0)
	andi t1, t1, A | D
	CHECK(2, t1, A)
	/* a store sets D */
	li t2, 0x5678
	sd t2, 8(s0)
	ld t1, 0(t0)
	andi t1, t1, A | D
	CHECK(3, t1, A | D)
	/* store to a read-only page: store page fault, tval = address */
	li s1, VBASE + 0x1010
	EXPECT(15, 1f)
	sd t2, 0(s1)
	j fail
1:	CHECKR(4, a5, s1)
	/* the same page reads fine */
	ld t0, 8(s1)
	CHECK(5, t0, 0)
	/* invalid PTE: load page fault; an AMO raises the store/AMO fault */
	li s1, VBASE + 0x2000
	EXPECT(13, 1f)
	lw t0, 0(s1)
	j fail
1:	CHECKR(6, a5, s1)
	/* execute-only page: a load faults unless MXR */
	li s1, VBASE + 0x3000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	li t0, MXR
	csrs sstatus, t0
	ld t0, 0(s1)
	CHECK(8, t0, 0x1234)
	li t0, MXR
	csrc sstatus, t0
	/* a U page from S: faults without SUM, fine with it */
	li s1, VBASE + 0x4000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	li t0, SUM
	csrs sstatus, t0
	ld t0, 0(s1)
	CHECK(9, t0, 0x1234)
	li t0, SUM
	csrc sstatus, t0
	/* W without R is reserved: page fault even for a store */
	li s1, VBASE + 0x5000
	EXPECT(15, 1f)
	sd t0, 0(s1)
	j fail
1:	CHECKR(10, a5, s1)
	/* fetch from a page without X: instruction page fault at the target */
	li s1, VBASE + 0x6000
	EXPECT(12, 1f)
	jr s1
	j fail
1:	CHECKR(11, a5, s1)
	CHECKR(12, a4, s1)
	/* a pointer PTE at the last level: page fault */
	li s1, VBASE + 0x7000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	/* a store to a read-only page with A clear faults and leaves A clear;
	   a load then sets it */
	li s1, VBASE + 0x8000
	EXPECT(15, 1f)
	sd t0, 0(s1)
	j fail
1:	la t0, pt_l0
	ld t1, 64(t0)
	andi t1, t1, A | D
	CHECK(22, t1, 0)
	ld t2, 0(s1)
	ld t1, 64(t0)
	andi t1, t1, A | D
	CHECK(23, t1, A)
	/* a misaligned megapage: page fault */
	li s1, VBASE + 0x200000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	CHECKR(13, a5, s1)
	/* an address that is not sign-extended from bit 38: page fault */
	li s1, 0x0000008000000000
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	CHECKR(14, a5, s1)
	/* a load that straddles into an unmapped page faults at that page */
	li s1, VBASE + 0x1ffc
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	li t0, VBASE + 0x2000
	CHECKR(15, a5, t0)
	/* a store that straddles into a read-only page faults at that page
	   and writes nothing, not even its first part */
	li s1, VBASE + 0xffc
	sw zero, 0(s1)
	li t0, -1
	EXPECT(15, 1f)
	sd t0, 0(s1)
	j fail
1:	li t0, VBASE + 0x1000
	CHECKR(24, a5, t0)
	lwu t0, 0(s1)
	CHECK(25, t0, 0)
	/* S may not execute from a U page */
	la s1, u1
	li t0, 0x40000000
	add s1, s1, t0            /* u1 through the U alias gigapage */
	EXPECT(12, 1f)
	jr s1
	j fail
1:	CHECKR(16, a5, s1)
	/* go to U through the alias */
	csrw sepc, s1
	li t0, 0x100
	csrc sstatus, t0          /* SPP = U */
	sret
u1:	li s11, 0
	li s0, VBASE + 0x4000
	ld t0, 0(s0)              /* a U page */
	CHECK(17, t0, 0x1234)
	li s1, VBASE
	EXPECT(13, 1f)            /* an S page from U */
	ld t0, 0(s1)
	j fail
1:	li s11, 1                 /* back to M at m1's physical address */
	EXPECT(8, m1)
	li t0, 0x40000000
	sub a6, a6, t0
	ecall
	/* M-mode ignores satp, unless MPRV with MPP = S */
m1:	la t0, page0
	ld t0, 0(t0)
	CHECK(18, t0, 0x1234)
	li t0, (3 << 11)
	csrc mstatus, t0
	li t0, (1 << 11) | MPRV
	csrs mstatus, t0
	li s0, VBASE
	ld t0, 0(s0)
	CHECK(19, t0, 0x1234)
	li s1, VBASE + 0x2000
	li s11, 1
	EXPECT(13, 1f)
	ld t0, 0(s1)
	j fail
1:	CHECKR(20, a5, s1)
	/* the trap set MPP = M; MPRV still on: translation is off again */
	la t0, page0
	ld t0, 0(t0)
	CHECK(21, t0, 0x1234)
	li t0, MPRV
	csrc mstatus, t0
	csrw satp, zero
	j pass

	.data
	.align 12
pt_root: .space 4096
pt_l1:	.space 4096
pt_l0:	.space 4096
page0:	.space 4096
page1:	.space 4096
	FOOTER
