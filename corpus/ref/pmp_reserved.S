/* PMP: the reserved R=0,W=1 combination (Priv. 1.12 §3.7.1: R, W and X
   are WARL, "the combination R=0 and W=1 is reserved") and bits 6:5 are
   never held, and an entry locked with them written keeps the legal
   value: rv64pg clears R and W and keeps X. A store into such a locked
   region faults in M and in S (the divergence left open by
   internal/targets/testdata/qemu/warl.S until the gdb client's sync could
   set it in QEMU, which stores both as written: docs/external.md). Both
   lock-setting forms are here: csrrw (rd = rs1) and csrrs.
   qemu-expect: 1
   Run alone, QEMU 7.2 keeps W and bits 6:5 and fails check 1 (the
   departure warl, docs/refmodel.md); `vcheck diff --b qemu` syncs the
   legal value in and runs it to the pass. */
#include "macros.h"
#define R 1
#define W 2
#define X 4
#define TOR (1 << 3)
#define NA4 (2 << 3)
#define L 0x80
#define BITS65 0x60
	HEADER
main:
	PMP_OPEN_ALL
	la s0, region             /* 8 KiB, 4 KiB aligned */
	/* entry 1: TOR [region, region+4K); entry 2: NA4 at region+4K */
	srli t0, s0, 2
	csrw pmpaddr0, t0
	li t1, 4096 / 4
	add t0, t0, t1
	csrw pmpaddr1, t0
	csrw pmpaddr2, t0
	/* unlocked: W without R, and bits 6:5, read back as X alone */
	li gp, 1                  /* QEMU parts here (qemu-expect) */
	li t0, (BITS65 | TOR | W | X) << 8
	csrw pmpcfg0, t0
	csrr t0, pmpcfg0
	CHECK(1, t0, (TOR | X) << 8)
	/* M-mode ignores an unlocked entry */
	sw zero, 0(s0)
	/* lock entry 1 with W without R: csrrw, rd = rs1 reads the old value */
	li t0, (L | BITS65 | TOR | W | X) << 8
	csrrw t0, pmpcfg0, t0
	CHECK(2, t0, (TOR | X) << 8)
	csrr t0, pmpcfg0
	CHECK(3, t0, (L | TOR | X) << 8)
	/* lock entry 2 (NA4, W without R) by csrrs into another register */
	li t1, (L | NA4 | W) << 16
	csrrs t2, pmpcfg0, t1
	CHECK(4, t2, (L | TOR | X) << 8)
	CHECK(5, t1, (L | NA4 | W) << 16)   /* the source is unchanged */
	csrr t0, pmpcfg0
	CHECK(6, t0, ((L | TOR | X) << 8) | ((L | NA4) << 16))
	/* locked: M-mode is checked, and the entry has neither W nor R */
	EXPECT(7, 1f)
	sw zero, 8(s0)
	j fail
1:	addi t0, s0, 8
	CHECKR(7, a5, t0)
	EXPECT(5, 1f)
	lw t0, 16(s0)
	j fail
1:	addi t0, s0, 16
	CHECKR(8, a5, t0)
	li t1, 4096
	add s1, s0, t1
	EXPECT(7, 1f)
	sw zero, 0(s1)            /* entry 2 */
	j fail
1:	CHECKR(9, a5, s1)
	sw zero, 4(s1)            /* past the NA4: no entry, M-mode passes */
	/* a write to locked entries is ignored */
	csrw pmpcfg0, zero
	csrr t0, pmpcfg0
	CHECK(10, t0, ((L | TOR | X) << 8) | ((L | NA4) << 16))
	li s11, 0
	EXPECT(7, s_after_store)
	ENTER(1, s_mode)

	/* S-mode: the store faults, the load faults; resumed in S */
s_mode:
	sw zero, 0x20(s0)
	j fail
s_after_store:
	addi t0, s0, 0x20
	CHECKR(11, a5, t0)
	EXPECT(5, s_after_load)
	lw t0, 0x24(s0)
	j fail
s_after_load:
	addi t0, s0, 0x24
	CHECKR(12, a5, t0)
	EXPECT(5, s_done)
	lw t0, 0(s1)              /* entry 2 has no R either */
	j fail
s_done:
	CHECKR(13, a5, s1)
	j pass
	.data
	.align 12
region:	.space 8192
	FOOTER
