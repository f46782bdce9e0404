/* Self-modifying code against the engine's predecoded blocks: a store
   patches an instruction later in the same straight-line run, which then
   runs (right after the store, two further on, in a loop whose body is
   rewritten on every trip); word, halfword (compressed) and byte patches;
   a straight-line instruction turned into a jump and a jump into a nop
   (the block changes shape); a patch of a block that ran before (a called
   function) and of an instruction before the store, for the next trip.
   The unprivileged spec guarantees that a hart fetches the new instruction
   only after a FENCE.I (Zifencei), so within a straight-line run a FENCE.I
   separates every patch from its execution: QEMU ends its translation
   block there, while the engine's block goes on past it (FENCE.I does not
   end an engine block), so the engine must drop the running block on the
   store itself. Where the patched code is reached by a jump or a branch
   (checks 7, 9, 10) there is no FENCE.I: every implementation here,
   QEMU included, sees the write there.
   rv64pg promises more, that the new instruction is fetched at once even
   without FENCE.I (docs/engine.md, "Invalidation"); QEMU 7.2 does not keep
   that promise within a translation block (no precise SMC for RISC-V: a
   store into the running block takes effect when the block ends), so the
   same-run checks without FENCE.I are impl/engine's TestRunMatchesStepSMC
   only, not corpus programs that must pass on QEMU.
   Patched instructions are 4 bytes (.option norvc) except c.addi. */
#include "macros.h"
	HEADER
main:
	.option push
	.option norvc

	/* 1: patch a word two instructions after the store, FENCE.I between */
	li gp, 1
	li a0, 0
	la t0, smc1_target
	li t1, 0x00550513          /* addi a0, a0, 5 */
	sw t1, 0(t0)
	fence.i
	addi a0, a0, 1
smc1_target:
	addi a0, a0, 1
	CHECK(1, a0, 6)

	/* 2: a loop whose body is rewritten on every trip, just before it
	   runs: addi a0, a0, k for k = 1..10, FENCE.I between */
	li gp, 2
	li a0, 0
	li s0, 1
	li s1, 11
	la t0, smc2_target
smc2_loop:
	slli t1, s0, 20
	li t2, 0x00050513          /* addi a0, a0, 0 */
	or t1, t1, t2
	sw t1, 0(t0)
	fence.i
smc2_target:
	addi a0, a0, 0
	addi s0, s0, 1
	bne s0, s1, smc2_loop
	CHECK(2, a0, 55)

	/* 3: a nop becomes a jump over the next instruction, FENCE.I */
	li gp, 3
	li a0, 0
	la t0, smc3_target
	li t1, 0x0080006f          /* j .+8 */
	sw t1, 0(t0)
	fence.i
smc3_target:
	nop
	addi a0, a0, 1
	addi a0, a0, 2
	CHECK(3, a0, 2)

	/* 4: a jump becomes a nop (the instruction it skipped runs), FENCE.I */
	li gp, 4
	li a0, 0
	la t0, smc4_target
	li t1, 0x00000013          /* nop */
	sw t1, 0(t0)
	fence.i
smc4_target:
	j smc4_skip
	addi a0, a0, 1
smc4_skip:
	addi a0, a0, 2
	CHECK(4, a0, 3)

	/* 5: a halfword store patches a compressed instruction, FENCE.I */
	li gp, 5
	li a0, 0
	la t0, smc5_target
	li t1, 0x0525              /* c.addi a0, 9 */
	sh t1, 0(t0)
	fence.i
	.option rvc
smc5_target:
	c.addi a0, 1
	.option norvc
	CHECK(5, a0, 9)

	/* 6: a byte store patches imm[11:4] of an addi (1 becomes 17), FENCE.I */
	li gp, 6
	li a0, 0
	la t0, smc6_target
	li t1, 1
	sb t1, 3(t0)
	fence.i
smc6_target:
	addi a0, a0, 1
	CHECK(6, a0, 17)

	/* 7: a function that ran (three times) is patched, no FENCE.I: the
	   call is a jump to it */
	li gp, 7
	li a0, 0
	jal ra, smc_func
	jal ra, smc_func
	jal ra, smc_func
	la t0, smc_func
	li t1, 0x00250513          /* addi a0, a0, 2 */
	sw t1, 0(t0)
	jal ra, smc_func
	CHECK(7, a0, 5)

	/* 8: patched again, with FENCE.I */
	li gp, 8
	li t1, 0x00450513          /* addi a0, a0, 4 */
	sw t1, 0(t0)
	fence.i
	jal ra, smc_func
	CHECK(8, a0, 9)

	/* 9: a loop that patches a function to add k, then calls it */
	li gp, 9
	li a0, 0
	li s0, 1
	li s1, 11
	la t0, smc_func2
smc9_loop:
	slli t1, s0, 20
	li t2, 0x00050513          /* addi a0, a0, 0 */
	or t1, t1, t2
	sw t1, 0(t0)
	jal ra, smc_func2
	addi s0, s0, 1
	bne s0, s1, smc9_loop
	CHECK(9, a0, 55)

	/* 10: the store patches an instruction before it in the same
	   straight-line run, for the next trip: +1, then +2, +2 */
	li gp, 10
	li a0, 0
	li s0, 0
	li s1, 3
	la t0, smc10_target
	li t1, 0x00250513          /* addi a0, a0, 2 */
smc10_loop:
smc10_target:
	addi a0, a0, 1
	sw t1, 0(t0)
	addi s0, s0, 1
	bne s0, s1, smc10_loop
	CHECK(10, a0, 5)

	/* 11: 10 with FENCE.I after the store */
	li gp, 11
	li a0, 0
	li s0, 0
	la t0, smc11_target
	li t1, 0x00250513          /* addi a0, a0, 2 */
smc11_loop:
smc11_target:
	addi a0, a0, 1
	sw t1, 0(t0)
	fence.i
	addi s0, s0, 1
	bne s0, s1, smc11_loop
	CHECK(11, a0, 5)

	/* 12: patch the instruction right after the store, FENCE.I between */
	li gp, 12
	li a0, 0
	la t0, smc12_target
	li t1, 0x00750513          /* addi a0, a0, 7 */
	sw t1, 0(t0)
	fence.i
smc12_target:
	addi a0, a0, 1
	CHECK(12, a0, 7)


	j pass

	.align 2
smc_func:
	addi a0, a0, 1
	ret
smc_func2:
	addi a0, a0, 0
	ret
	.option pop
	FOOTER
