/* A live leaf PTE edited without SFENCE.VMA: the next access uses the
   new PTE, as the reference model, which walks on every access, sees
   it; the engine tracks page-table pages to match (docs/engine.md,
   "TLB"). Loads and stores remapped to another page (checks 1-3); A and
   D cleared in a live PTE are set again by the next access (4-7); a
   code page remapped from another page and by a store on the page
   itself, whose very next instruction comes from the new page (8-10).
   The spec leaves this unspecified until SFENCE.VMA (Priv. spec 1.12
   §4.2.1), and QEMU 7.2 keeps the translation in its TLB, so QEMU is no
   oracle here:
   qemu-expect: 2
   QEMU reads the old page in check 2. */
#include "macros.h"
#define V 0x01
#define R 0x02
#define W 0x04
#define X 0x08
#define A 0x40
#define D 0x80
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
	/* root: gigapage 0 -> 0 (devices), 2 -> 0x80000000 (code, data and
	   the tables, identity), 1 -> pt_l1 -> pt_l0 (VBASE). */
	la t0, pt_root
	li t1, (0 << 10) | V | R | W | A | D
	sd t1, 0(t0)
	li t1, (0x80000000 >> 2) | V | R | W | X | A | D
	sd t1, 16(t0)
	SETPTE pt_root, 1, pt_l1, V
	SETPTE pt_l1, 0, pt_l0, V
	la t0, pt_root
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	ENTER(1, s1)

s1:	li s11, 0
	/* 1-3: VBASE -> page1, then -> page2, loads and stores */
	SETPTE pt_l0, 0, page1, V | R | W | A | D
	li s0, VBASE
	ld t0, 0(s0)
	CHECK(1, t0, 0x1111)
	li gp, 2                  /* QEMU parts here */
	SETPTE pt_l0, 0, page2, V | R | W | A | D
	ld t0, 0(s0)
	CHECK(2, t0, 0x2222)
	li gp, 3
	li t2, 0x3333
	sd t2, 8(s0)              /* page2 + 8 */
	SETPTE pt_l0, 0, page1, V | R | W | A | D
	li t2, 0x4444
	sd t2, 8(s0)              /* page1 + 8 */
	la t0, page1
	ld t1, 8(t0)
	CHECK(3, t1, 0x4444)
	la t0, page2
	ld t1, 8(t0)
	CHECK(3, t1, 0x3333)

	/* 4-7: A and D in a live PTE (VBASE + 0x1000 -> page1) */
	li gp, 4
	SETPTE pt_l0, 1, page1, V | R | W
	li s1, VBASE + 0x1000
	la s2, pt_l0
	ld t2, 0(s1)              /* sets A */
	ld t1, 8(s2)
	andi t1, t1, A | D
	CHECK(4, t1, A)
	li gp, 5
	ld t1, 8(s2)
	andi t1, t1, ~A
	sd t1, 8(s2)              /* clear A */
	ld t2, 0(s1)              /* sets it again */
	ld t1, 8(s2)
	andi t1, t1, A | D
	CHECK(5, t1, A)
	li gp, 6
	sd t2, 0(s1)              /* sets D */
	ld t1, 8(s2)
	andi t1, t1, A | D
	CHECK(6, t1, A | D)
	li gp, 7
	ld t1, 8(s2)
	andi t1, t1, ~D
	sd t1, 8(s2)              /* clear D */
	sd t2, 0(s1)              /* sets it again */
	ld t1, 8(s2)
	andi t1, t1, A | D
	CHECK(7, t1, A | D)

	/* 8-10: code at VBASE + 0x2000. code1 and code2 store a0 at 0(a1),
	   then return their number in a0. */
	li gp, 8
	SETPTE pt_l0, 2, code1, V | R | X | A
	li s3, VBASE + 0x2000
	la a1, scratch
	jalr ra, 0(s3)
	CHECK(8, a0, 1)
	li gp, 9
	SETPTE pt_l0, 2, code2, V | R | X | A
	la a1, scratch
	jalr ra, 0(s3)
	CHECK(9, a0, 2)
	li gp, 10
	la t0, code1              /* code2 remaps its own page to code1 */
	MKPTE a0, t0, V | R | X | A
	la a1, pt_l0
	addi a1, a1, 16
	jalr ra, 0(s3)
	CHECK(10, a0, 1)
	j pass

	.data
	.align 12
pt_root: .space 4096
pt_l1:	.space 4096
pt_l0:	.space 4096
page1:	.dword 0x1111
	.align 12
page2:	.dword 0x2222
	.align 12
code1:	sd a0, 0(a1)
	li a0, 1
	ret
	.align 12
code2:	sd a0, 0(a1)
	li a0, 2
	ret
	.align 12
scratch: .dword 0
	FOOTER
