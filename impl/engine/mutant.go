package engine

// The fast-path mutants' identities (docs/testing.md, "Mutants"). The
// hooks that test them (mutantOn, mutantEmit) are functions of
// mutant_off.go that return false, so without the vcheck_mutant tag
// every `if mutantOn(...)` is dead code the compiler removes; the
// mutants themselves, their names and their selection are in
// mutant_on.go. Constants leave no symbol in a binary.
const (
	_ = iota // 0: no fast-path mutant
	// Block building: a block does not end at a conditional branch, so
	// the interpreter runs the instructions after a taken branch.
	mutBlockPastBranch
	// Compiled-code emission, one op class each.
	mutJITBltU     // blt emitted as an unsigned compare
	mutJITAddwSext // addw emitted without sign extension
	mutJITAuipcOff // auipc emitted as if at the page start
	// After compiled code that chained stops inside a later block, the
	// interpreter resumes in the block the call started in.
	mutJITChainResume
	// TLB fill: a page PMP does not decide uniformly is cached.
	mutTLBNonUniform
	// A change of SUM or MXR does not flush the TLBs.
	mutTLBSumNoFlush
	// Code-cache invalidation: a store does not drop the slot that starts
	// 2 bytes before it (a 32-bit instruction it overwrites half of).
	mutCodeSlotBefore
	// Code-cache invalidation: a store into code drops the slots but not
	// the blocks built from them.
	mutCodeKeepBlocks
	// The single-hart Run driver does not end its chunks at the next
	// timer event, so a timer interrupt is taken late.
	mutRunNoEvents
	// The multi-hart Run driver lets a hart that trapped take the next
	// step too.
	mutRunHartTwice
	// The parallel driver runs quanta without taking interrupts.
	mutParallelNoIRQ
	// LR reserves its address rounded down to 8 bytes.
	mutLRAligned
)
