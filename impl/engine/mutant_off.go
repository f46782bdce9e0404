//go:build !vcheck_mutant

package engine

// mutateAfterStep is the fault-injection hook of Hart.Step. Without the
// vcheck_mutant build tag it does nothing and compiles away; the mutants
// live in mutant_on.go (docs/testing.md, "Mutants").
func mutateAfterStep(*Hart) {}

// mutantOn reports whether fast-path mutant id is active on machine m:
// never, without the tag, and the compiler drops the code it guards.
func mutantOn(*Machine, int) bool { return false }

// mutantEmit reports whether compiled-code mutant id is active on the
// machine whose block is being compiled (mutantCompiling): never.
func mutantEmit(int) bool { return false }

// mutantCompiling names the machine whose block is about to be compiled.
func mutantCompiling(*Machine) {}
