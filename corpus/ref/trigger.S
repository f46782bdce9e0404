/* The trigger module (Sdtrig, RISC-V Debug spec 1.0 ch. 5), as rv64pg and
   QEMU 7.2 have it: tselect, tdata1-3 and tinfo and their WARL rules,
   execute, load and store address triggers (mcontrol, type 2, and
   mcontrol6, type 6) in M, S and U, sized triggers, AMOs and LR/SC, two
   triggers at once, delegation of the breakpoint to S, and the priority
   of a trigger over page, PMP and access faults. A trigger that fires
   raises a breakpoint (cause 3) with tval 0, at the instruction, which
   has no effect. Every check here passes on QEMU 7.2 too; where QEMU
   departs from the spec, corpus/ref/trigger_probe.S shows it
   (docs/refmodel.md). */
#include "macros.h"
#define T2 (2 << 60)
#define T6 (6 << 60)
#define TM (1 << 6)
#define TS (1 << 4)
#define TU (1 << 3)
#define TX 4
#define TW 2
#define TR 1
#define SIZE1 (1 << 16)           /* mcontrol sizelo = 1: 8-bit accesses */
#define SIZE2 (2 << 16)
#define SIZE4 (3 << 16)
#define SIZE8 ((1 << 21) | (1 << 16))   /* sizehi:sizelo = 5: 64-bit */
#define MEDELEG_BP (1 << 3)
#define UNMAPPED 0x90000000
#define VBAD 0x40000000           /* no mapping under pt_root */
#define INIT 0x1122334455667788

/* ARM(addr, ctl): the selected trigger compares addr and has tdata1 ctl.
   DISARM: the selected trigger is a disabled mcontrol. */
#define ARM(addr, ctl) csrw tdata2, addr; li t0, ctl; csrw tdata1, t0
#define DISARM li t0, T2; csrw tdata1, t0
/* RDBACK(n, csr, val): csr reads val */
#define RDBACK(n, csr, val) csrr t1, csr; CHECK(n, t1, val)
/* W1(n, v, want): a write of v to tdata1 reads back want */
#define W1(n, v, want) li t0, v; csrw tdata1, t0; RDBACK(n, tdata1, want)

	HEADER
main:
	PMP_OPEN_ALL
	la s0, D
	li t0, INIT
	sd t0, 0(s0)
	la s1, D2

	/* --- the registers ------------------------------------------- */
	RDBACK(1, tinfo, 0x44)           /* types 2 and 6, version 0 */
	RDBACK(2, tselect, 0)
	RDBACK(3, tdata1, T2)            /* reset: a disabled mcontrol */
	RDBACK(4, tdata2, 0)
	RDBACK(5, tdata3, 0)
	/* tselect is WARL: only 0 and 1 (two triggers) are kept */
	li t0, 1
	csrw tselect, t0
	RDBACK(6, tselect, 1)
	RDBACK(7, tdata1, T2)            /* trigger 1 resets alike */
	RDBACK(8, tinfo, 0x44)
	li t0, 2
	csrw tselect, t0
	RDBACK(9, tselect, 1)
	li t0, -1
	csrw tselect, t0
	RDBACK(10, tselect, 1)
	csrw tselect, zero
	RDBACK(11, tselect, 0)
	/* tdata1 is WARL: types 2 and 6 are kept with m, s, u, execute,
	   store, load and a supported size; dmode, maskmax, hit, select,
	   timing, action, chain and match read zero */
	W1(12, T2 | 0x0fffffffffffffff, T2 | 0x5f)   /* size 15: unsupported */
	W1(13, T2 | (1 << 59) | TM | TX, T2 | TM | TX) /* dmode: Debug Mode only */
	W1(14, T2 | (1 << 21) | TM | TR, T2 | TM | TR) /* size 4 (48-bit): not for data */
	W1(15, T2 | SIZE8 | TM | TR, T2 | SIZE8 | TM | TR)
	W1(16, T2 | SIZE4 | TM | TR, T2 | SIZE4 | TM | TR)
	W1(17, T6 | SIZE2 | TM | TS | TU | TW, T6 | SIZE2 | TM | TS | TU | TW)
	W1(18, T6 | (4 << 16) | TM | TR, T6 | TM | TR) /* mcontrol6 size 4: dropped */
	/* types no trigger here supports (tinfo says 2 and 6) leave it as it was */
	W1(19, (3 << 60) | 0xffffff, T6 | TM | TR)   /* icount */
	W1(20, (4 << 60) | 0xfff, T6 | TM | TR)      /* itrigger */
	W1(21, (5 << 60) | 0xfff, T6 | TM | TR)      /* etrigger */
	W1(22, (7 << 60) | 0xfff, T6 | TM | TR)      /* tmexttrigger */
	W1(23, -1, T6 | TM | TR)                     /* 15 */
	W1(24, T2, T2)
	/* tdata2 holds any address; tdata3 (textra) and tinfo read back
	   what they hold whatever is written */
	li t0, -1
	csrw tdata2, t0
	RDBACK(25, tdata2, -1)
	csrw tdata3, t0
	RDBACK(26, tdata3, 0)
	csrw tinfo, t0
	RDBACK(27, tinfo, 0x44)
	csrw tdata2, zero

	/* --- execute triggers in M ------------------------------------ */
	li s11, 1
	la t1, 2f
	ARM(t1, T2 | TM | TX)
	li t1, 0x77
	la s2, 2f
	EXPECT(3, 1f)
2:	li t1, 1                  /* the breakpoint: it does not run */
	j fail
1:	CHECK(28, t1, 0x77)
	CHECKR(29, a4, s2)        /* mepc: the instruction */
	CHECK(30, a5, 0)          /* tval: 0, as QEMU 7.2 */
	li t0, 0x1800
	and t0, a3, t0
	CHECK(31, t0, 0x1800)     /* taken from M */
	/* only the modes it names: u alone, or no mode, never fires in M */
	la t1, 2f
	ARM(t1, T2 | TU | TX)
	NO_TRAP
2:	li t1, 2
	CHECK(32, t1, 2)
	la t1, 2f
	ARM(t1, T2 | TX)
	NO_TRAP
2:	li t1, 3
	CHECK(33, t1, 3)
	/* a compressed instruction; an address inside an instruction never
	   matches (the compare value is the instruction's address) */
	la t1, 2f
	ARM(t1, T2 | TM | TX)
	la s2, 2f
	EXPECT(3, 1f)
	.option push
	.option rvc
2:	c.li t1, 4
	.option pop
	j fail
1:	CHECKR(34, a4, s2)
	la t1, 2f + 2
	csrw tdata2, t1
	NO_TRAP
	.option push
	.option norvc
2:	addi t1, zero, 5
	.option pop
	CHECK(35, t1, 5)
	/* mcontrol6 execute */
	la t1, 2f
	ARM(t1, T6 | TM | TX)
	la s2, 2f
	EXPECT(3, 1f)
2:	li t1, 6
	j fail
1:	CHECKR(36, a4, s2)
	DISARM

	/* --- load and store triggers in M ----------------------------- */
	/* a load trigger matches a load that accesses the byte at tdata2 */
	ARM(s0, T2 | TM | TR)
	li t1, 0x77
	la s2, 2f
	EXPECT(3, 1f)
2:	lw t1, 0(s0)
	j fail
1:	CHECK(37, t1, 0x77)       /* rd untouched */
	CHECKR(38, a4, s2)
	CHECK(39, a5, 0)
	EXPECT(3, 1f)
	ld t1, -4(s0)             /* misaligned, covers D */
	j fail
1:	EXPECT(3, 1f)
	lh t1, -1(s0)             /* covers D-1 and D */
	j fail
1:	EXPECT(3, 1f)
	lbu t1, 0(s0)
	j fail
1:	NO_TRAP
	lb t1, -1(s0)             /* the byte before */
	lb t1, 8(s0)
	ld t1, -8(s0)
	sd t1, 0(s0)              /* a store: not for a load trigger */
	li t0, INIT
	sd t0, 0(s0)
	/* a store trigger: the store does not happen */
	ARM(s0, T2 | TM | TW)
	li t1, 0x55
	la s2, 2f
	EXPECT(3, 1f)
2:	sw t1, 0(s0)
	j fail
1:	CHECKR(40, a4, s2)
	CHECK(41, a5, 0)
	ld t1, 0(s0)              /* a load: not for a store trigger */
	CHECK(42, t1, INIT)
	EXPECT(3, 1f)
	sb t1, 0(s0)
	j fail
1:	EXPECT(3, 1f)
	sd t1, -4(s0)             /* misaligned, covers D */
	j fail
1:	ld t1, 0(s0)
	CHECK(43, t1, INIT)
	ld t1, -8(s0)
	CHECK(44, t1, 0)          /* nothing of the misaligned sd was stored */
	/* sized triggers: an access of that size at tdata2 */
	ARM(s0, T2 | TM | TR | SIZE1)
	EXPECT(3, 1f)
	lb t1, 0(s0)
	j fail
1:	NO_TRAP
	lw t1, -4(s0)
	ARM(s0, T2 | TM | TR | SIZE4)
	EXPECT(3, 1f)
	lw t1, 0(s0)
	j fail
1:	ARM(s0, T2 | TM | TR | SIZE8)
	EXPECT(3, 1f)
	ld t1, 0(s0)
	j fail
1:	ARM(s0, T6 | TM | TR | SIZE2)
	EXPECT(3, 1f)
	lhu t1, 0(s0)
	j fail
1:	/* mcontrol6 store */
	ARM(s0, T6 | TM | TW)
	EXPECT(3, 1f)
	sh t1, 0(s0)
	j fail
1:	ld t1, 0(s0)
	CHECK(45, t1, INIT)

	/* --- AMOs, LR and SC ------------------------------------------ */
	/* an AMO is a load and a store */
	ARM(s0, T2 | TM | TR)
	li t1, 1
	EXPECT(3, 1f)
	amoadd.w t2, t1, (s0)
	j fail
1:	ARM(s0, T2 | TM | TW)
	EXPECT(3, 1f)
	amoswap.d t2, t1, (s0)
	j fail
1:	ld t1, 0(s0)
	CHECK(46, t1, INIT)
	/* LR is a load */
	ARM(s0, T2 | TM | TR)
	EXPECT(3, 1f)
	lr.d t1, (s0)
	j fail
	/* a store trigger lets LR run; the SC that will store fires it */
1:	ARM(s0, T2 | TM | TW)
	NO_TRAP
	lr.d t1, (s0)
	CHECK(47, t1, INIT)
	li t2, 0x99
	EXPECT(3, 1f)
	sc.d t2, t1, (s0)
	j fail
1:	CHECK(48, t2, 0x99)
	/* the trap cleared the reservation: this SC fails, writes nothing,
	   and is no store */
	NO_TRAP
	sc.d t2, t1, (s0)
	CHECK(49, t2, 1)
	DISARM

	/* --- two triggers ---------------------------------------------- */
	ARM(s0, T2 | TM | TW)             /* trigger 0: stores to D */
	li t0, 1
	csrw tselect, t0
	ARM(s1, T2 | TM | TR)             /* trigger 1: loads from D2 */
	csrr t1, tdata2
	CHECKR(50, t1, s1)
	csrw tselect, zero
	csrr t1, tdata2
	CHECKR(51, t1, s0)
	RDBACK(52, tdata1, T2 | TM | TW)
	EXPECT(3, 1f)
	lw t1, 0(s1)
	j fail
1:	EXPECT(3, 1f)
	sw t1, 0(s0)
	j fail
1:	NO_TRAP
	lw t1, 0(s0)
	sw t1, 0(s1)
	DISARM
	li t0, 1
	csrw tselect, t0
	DISARM
	csrw tselect, zero

	/* --- U-mode ----------------------------------------------------- */
	la t1, u1
	ARM(t1, T2 | TU | TX)             /* trigger 0: execute u1 in U */
	li t0, 1
	csrw tselect, t0
	ARM(s0, T2 | TU | TR)             /* trigger 1: loads from D in U */
	csrw tselect, zero
	li s11, 0                         /* resume in U */
	la s2, u1
	EXPECT(3, u1b)
	ENTER(0, u1)
u1:	li t1, 8
	j fail
u1b:	CHECKR(53, a4, s2)
	li t0, 0x1800
	and t0, a3, t0
	CHECK(54, t0, 0)                  /* taken from U */
	la s2, 2f
	EXPECT(3, 1f)
2:	ld t1, 0(s0)
	j fail
1:	CHECKR(55, a4, s2)
	NO_TRAP
	ld t1, 0(s1)
	BACK_TO_M(8, 1f)
	/* an M-only trigger does not fire in U */
1:	la t1, u2
	ARM(t1, T2 | TM | TX | TR | TW)
	li t0, 1
	csrw tselect, t0
	ARM(s0, T2 | TM | TS | TR | TW)
	csrw tselect, zero
	li s11, 0
	NO_TRAP
	ENTER(0, u2)
u2:	ld t1, 0(s0)
	sd t1, 0(s0)
	BACK_TO_M(8, 1f)

	/* --- S-mode ------------------------------------------------------ */
1:	la t1, s_exec
	ARM(t1, T2 | TS | TX)
	li t0, 1
	csrw tselect, t0
	ARM(s0, T2 | TU | TR)             /* U only: not in S */
	csrw tselect, zero
	li s11, 0
	la s2, s_exec
	EXPECT(3, s_execb)
	ENTER(1, s_exec)
s_exec:	li t1, 9
	j fail
s_execb:	li t0, 0x1800
	and t0, a3, t0
	CHECK(56, t0, 0x800)              /* taken from S */
	NO_TRAP
	ld t1, 0(s0)
	BACK_TO_M(9, 1f)

	/* --- delegated: a breakpoint from U taken in S --------------------- */
1:	la t0, s_trap
	csrw stvec, t0
	li t0, MEDELEG_BP
	csrw medeleg, t0
	la t1, u3
	ARM(t1, T2 | TU | TX)
	li t0, 1
	csrw tselect, t0
	DISARM
	csrw tselect, zero
	la s2, u3
	EXPECT(3, u3b)
	ENTER(0, u3)
u3:	li t1, 10
	j fail
u3b:	CHECKR(57, a4, s2)                /* sepc */
	CHECK(58, a5, 0)                  /* stval */
	li s11, 1
	BACK_TO_M(8, 1f)
1:	csrw medeleg, zero
	DISARM

	/* --- a trigger comes before page, PMP and access faults ----------- */
	/* M: a load from a physical address with nothing there */
	li s3, UNMAPPED
	ARM(s3, T2 | TM | TR)
	li s11, 1
	EXPECT(3, 1f)
	lw t1, 0(s3)
	j fail
1:	DISARM
	EXPECT(5, 1f)                     /* without it: the access fault */
	lw t1, 0(s3)
	j fail
	/* U: a load PMP refuses (entry 0: NA4 over D3, no permission) */
1:	la s3, D3
	srli t0, s3, 2
	csrw pmpaddr0, t0
	li t0, 0x10
	csrw pmpcfg0, t0
	ARM(s3, T2 | TU | TR)
	li s11, 0
	EXPECT(3, 1f)
	ENTER(0, u4)
u4:	lw t1, 0(s3)
	j fail
1:	BACK_TO_M(8, 1f)
1:	DISARM
	li s11, 0
	EXPECT(5, 1f)
	ENTER(0, u5)
u5:	lw t1, 0(s3)
	j fail
1:	BACK_TO_M(8, 1f)
1:	csrw pmpcfg0, zero
	/* S with Sv39: a load, a store and a jump to a page with no mapping */
	la t0, pt_root
	li t1, (0 << 10) | 0xc7           /* devices: V R W A D */
	sd t1, 0(t0)
	li t1, (0x80000000 >> 2) | 0xcf   /* RAM: V R W X A D */
	sd t1, 16(t0)
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	li s3, VBAD
	ARM(s3, T2 | TS | TR | TW | TX)
	li s11, 0
	EXPECT(3, 1f)
	ENTER(1, s_fault)
s_fault:	lw t1, 0(s3)
	j fail
1:	EXPECT(3, 1f)
	sw t1, 0(s3)
	j fail
1:	EXPECT(3, 1f)
	jr s3
1:	CHECKR(59, a4, s3)                /* mepc: the jump's target */
	BACK_TO_M(9, 1f)
1:	DISARM
	li s11, 0
	EXPECT(13, 1f)                    /* without it: the page fault */
	ENTER(1, s_nomap)
s_nomap:	lw t1, 0(s3)
	j fail
1:	BACK_TO_M(9, 1f)
1:	csrw satp, zero
	sfence.vma
	j pass

	.align 2
/* The S-mode handler for delegated traps: like m_trap, it checks the
   cause, keeps stval and sepc, and returns to a6. */
s_trap:
	csrr t5, scause
	bne t5, a7, fail
	csrr a5, stval
	csrr a4, sepc
	li a7, -1
	csrw sepc, a6
	sret

	.section .data
	.align 12
pt_root:
	.space 4096
	.space 64
D:	.dword 0
	.space 56
D2:	.dword 0
	.align 4
D3:	.dword 0
	FOOTER
