//go:build !vcheck_mutant

package vmm

import "github.com/vcheck-dev/vcheck/spec"

// The fault-injection hooks of the VMM. Without the vcheck_mutant build
// tag they do nothing and compile away; the mutants live in mutant_on.go
// (docs/vmm.md, "Mutants").

func mutateBeforeEmulate(*vcpu) func() { return nil }
func mutateAfterExit(*vcpu, spec.Trap) {}
func mutantKeepsShadows(*VM) bool      { return false }
func mutantLateEvents(*VM) bool        { return false }
