//go:build vcheck_mutant

package vmm

// Fault injection for testing the tester (docs/vmm.md, "Mutants"). This
// file exists only with -tags vcheck_mutant: production builds get
// mutant_off.go, whose hooks are empty functions the compiler removes.
//
// A mutant is a deliberate bug of the kind a VMM gets wrong. Each acts on
// the VMM's own work (exits, trap delivery, shadow coherence), never on
// the engine, so a campaign of the clean VMM against a mutated one finds
// only the mutant.

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/vcheck-dev/vcheck/spec"
)

type mutant struct {
	// before runs before an emulated step and returns what to undo after.
	before func(v *vcpu) func()
	// after runs after an exit was handled (tr: the physical trap).
	after func(v *vcpu, tr spec.Trap)
	// keepShadows: the VMM does not drop the shadow leaves derived from a
	// guest PTE when the PTE is written.
	keepShadows bool
	// lateEvents: Run's direct budgets do not end at the next virtual
	// timer or UART event (a fast-path bug: Step is exact).
	lateEvents bool
}

var mutants = map[string]mutant{
	// A missed CSR: the VMM emulates a read of sscratch from the physical
	// hart's register instead of the guest's virtual one (a CSR it forgot
	// to virtualize).
	"missed-csr": {after: func(v *vcpu, tr spec.Trap) {
		w := uint32(tr.Tval)
		if tr.Cause != spec.CauseIllegalInstruction || w&0x7f != 0x73 || w>>12&3 == 0 || uint16(w>>20) != spec.CSRSscratch {
			return
		}
		if rd := int(w >> 7 & 0x1f); rd != 0 {
			host, _ := v.ph.ReadCSR(spec.CSRSscratch)
			v.ph.SetReg(rd, host)
		}
	}},
	// A wrong delegated trap: the VMM delivers every exception of a guest
	// in S or U to virtual M, as if medeleg were 0.
	"wrong-delegated-trap": {before: func(v *vcpu) func() {
		if v.eh.Mode() == spec.ModeM {
			return nil
		}
		deleg, _ := v.eh.ReadCSR(spec.CSRMedeleg)
		v.eh.WriteCSR(spec.CSRMedeleg, 0)
		return func() { v.eh.WriteCSR(spec.CSRMedeleg, deleg) }
	}},
	// A stale shadow entry: a write to a guest PTE leaves the shadow
	// leaves derived from it as they were.
	"stale-shadow": {keepShadows: true},
	// A late virtual interrupt: Run runs the guest directly past the
	// instruction where its timer expires, and takes the interrupt at
	// the end of the budget.
	"run-late-timer": {lateEvents: true},
}

var (
	active *mutant
	// mutated holds the VMs that carry the active mutant (Mutate), so that
	// a clean VMM and a mutated one can run side by side in lockstep; when
	// mutating is false, every VM carries it. A set, not the last VM
	// mutated: a fuzz campaign keeps its mutated VM from program to
	// program (Reset) while it builds others (the shrinker's, a replay),
	// and each must keep carrying the bug. Weak pointers, so that VMs a
	// campaign dropped are freed (as the engine's, mutant_on.go there).
	mutated  sync.Map // weak.Pointer[VM] → struct{}
	mutating atomic.Bool
)

// Mutants lists the mutants SetMutant accepts.
func Mutants() []string {
	var out []string
	for n := range mutants {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SetMutant selects the bug Mutate gives a VM; "" removes it. Until Mutate
// is called, every VM in the process carries it.
func SetMutant(name string) error {
	active = nil
	mutated.Clear()
	mutating.Store(false)
	if name == "" {
		return nil
	}
	m, ok := mutants[name]
	if !ok {
		return fmt.Errorf("vmm: no mutant %q (have %v)", name, Mutants())
	}
	active = &m
	return nil
}

// Mutate makes vm carry the bug SetMutant selected: vm and the other VMs
// Mutate was given since, and no other VM. A VM keeps it across Reset.
func Mutate(vm *VM) {
	mutated.Store(weak.Make(vm), struct{}{})
	mutating.Store(true)
}

func carries(vm *VM) bool {
	if active == nil {
		return false
	}
	if !mutating.Load() {
		return true
	}
	_, ok := mutated.Load(weak.Make(vm))
	return ok
}

func mutateBeforeEmulate(v *vcpu) func() {
	if carries(v.vm) && active.before != nil {
		return active.before(v)
	}
	return nil
}

func mutateAfterExit(v *vcpu, tr spec.Trap) {
	if carries(v.vm) && active.after != nil {
		active.after(v, tr)
	}
}

func mutantKeepsShadows(vm *VM) bool { return carries(vm) && active.keepShadows }

func mutantLateEvents(vm *VM) bool { return carries(vm) && active.lateEvents }

// FastMutant reports whether name is a bug of Run's direct execution
// only, which Step never shows: a run-mode campaign finds it.
func FastMutant(name string) bool { return mutants[name].lateEvents }
