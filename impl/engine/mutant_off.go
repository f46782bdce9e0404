//go:build !vcheck_mutant

package engine

// mutateAfterStep is the fault-injection hook of Hart.Step. Without the
// vcheck_mutant build tag it does nothing and compiles away; the mutants
// live in mutant_on.go (docs/testing.md, "Mutants").
func mutateAfterStep(*Hart) {}
