/* paging.S: a paging-heavy guest, for the VMM's benchmark (docs/vmm.md,
   docs/PERFORMANCE.md). An S-mode kernel keeps two user address spaces
   of 64 pages each over a pool of 256 frames. Every iteration it
   switches to the other address space (satp, sfence.vma), remaps one of
   its pages to another frame with A and D clear, unmaps another one (V
   clear), and runs the user code, which touches all 64 pages: the
   unmapped one faults, and the kernel's handler maps it again (demand
   paging) and returns. Each touch increments a counter at the start of
   the frame, so at the end the counters add up to ITER * 64, which the
   kernel checks before it writes the finisher (pass 0x5555, fail 0x13333).

   Built by build.sh (no crt0: it starts in M-mode at 0x80000000). */

	.equ ITER,     20000
	.equ PAGES,    64
	.equ FRAMES,   256
	.equ UVA,      0x40000000       /* gigapage 1: the user pages */
	.equ FINISHER, 0x100000

	.section .text.init
	.globl _start
_start:
	/* M: PMP open, U ecalls and page faults delegated, into S */
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	li t0, (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
	csrw medeleg, t0
	la t0, s_trap
	csrw stvec, t0
	/* the page tables of address space 0 and 1:
	   root[0] devices, root[2] RAM (identity, S only), root[1] -> l1 -> l0 */
	li s1, 0
1:	slli t0, s1, 12
	la a0, roots
	add a0, a0, t0
	la a1, l1s
	add a1, a1, t0
	la a2, l0s
	add a2, a2, t0
	li t0, 0xc7                          /* V R W A D, PA 0 */
	sd t0, 0(a0)
	li t0, (0x80000000 >> 2) | 0xcf      /* V R W X A D */
	sd t0, 16(a0)
	srli t0, a1, 2
	ori t0, t0, 1
	sd t0, 8(a0)
	srli t0, a2, 2
	ori t0, t0, 1
	sd t0, 0(a1)
	/* l0[p] = frame(p + 64 * space), V R W U A D */
	li t1, 0
2:	slli t2, s1, 6
	add t2, t2, t1
	slli t2, t2, 12
	la t3, frames
	add t2, t2, t3
	srli t2, t2, 2
	ori t2, t2, 0xd7
	slli t3, t1, 3
	add t3, t3, a2
	sd t2, 0(t3)
	addi t1, t1, 1
	li t3, PAGES
	bltu t1, t3, 2b
	/* l0[64]: the user code's page, V R X U A */
	la t2, user
	srli t2, t2, 2
	ori t2, t2, 0x5b
	sd t2, 8 * PAGES(a2)
	addi s1, s1, 1
	li t3, 2
	bltu s1, t3, 1b
	la t0, s_main
	csrw mepc, t0
	li t0, 3 << 11
	csrc mstatus, t0
	li t0, 1 << 11
	csrs mstatus, t0
	mret

/* The S-mode kernel. s0: iteration, s1: address space, s5: its l0. */
s_main:
	li s0, 0
loop:
	andi s1, s0, 1
	slli t0, s1, 12
	la s5, l0s
	add s5, s5, t0
	la s6, roots
	add s6, s6, t0
	/* remap page s0 % 64 to frame (s0 * 7 + 64 * s1) % 256, A and D clear */
	andi t1, s0, PAGES - 1
	li t2, 7
	mul t2, t2, s0
	slli t3, s1, 6
	add t2, t2, t3
	andi t2, t2, FRAMES - 1
	slli t2, t2, 12
	la t3, frames
	add t2, t2, t3
	srli t2, t2, 2
	ori t2, t2, 0x17                     /* V R W U */
	slli t1, t1, 3
	add t1, t1, s5
	sd t2, 0(t1)
	/* unmap page (s0 * 13) % 64 */
	li t2, 13
	mul t2, t2, s0
	andi t2, t2, PAGES - 1
	slli t2, t2, 3
	add t2, t2, s5
	ld t3, 0(t2)
	andi t3, t3, -2
	sd t3, 0(t2)
	/* switch */
	srli t0, s6, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	/* run the user code */
	li t0, UVA + PAGES * 4096           /* the user code, mapped after its pages */
	csrw sepc, t0
	li t0, 1 << 8
	csrc sstatus, t0                     /* SPP = U */
	li a0, UVA
	li a1, PAGES
	sret
after_user:
	addi s0, s0, 1
	li t0, ITER
	bltu s0, t0, loop
	/* the counters must add up to ITER * PAGES */
	la t0, frames
	li t1, FRAMES
	li t2, 0
1:	ld t3, 0(t0)
	add t2, t2, t3
	li t4, 4096
	add t0, t0, t4
	addi t1, t1, -1
	bnez t1, 1b
	li t0, FINISHER
	li t1, ITER * PAGES
	li t3, 0x5555
	beq t1, t2, 2f
	li t3, 0x13333
2:	sw t3, 0(t0)
3:	j 3b

/* The kernel's trap handler: an ecall ends the user's turn; a page fault
   on a user page maps it again. */
	.balign 4
s_trap:
	csrr t2, scause
	li t3, 8
	beq t2, t3, after_user
	csrr t2, stval
	li t3, UVA
	sub t2, t2, t3
	srli t2, t2, 12
	li t3, PAGES
	bgeu t2, t3, fail
	slli t2, t2, 3
	add t2, t2, s5
	ld t3, 0(t2)
	ori t3, t3, 1
	sd t3, 0(t2)
	csrr t2, stval
	sfence.vma t2
	sret
fail:
	li t0, FINISHER
	li t1, 0x23333
	sw t1, 0(t0)
1:	j 1b

/* The user code, on a page of its own: a0 = the first page, a1 = the
   number of pages. */
	.balign 4096
user:
	li t1, 4096
1:	ld t0, 0(a0)
	addi t0, t0, 1
	sd t0, 0(a0)
	add a0, a0, t1
	addi a1, a1, -1
	bnez a1, 1b
	ecall

	.bss
	.balign 4096
roots:	.zero 2 * 4096
l1s:	.zero 2 * 4096
l0s:	.zero 2 * 4096
frames:	.zero FRAMES * 4096
