//go:build vcheck_mutant

package engine

// Fault injection for testing the tester (docs/testing.md, "Mutants").
// This file exists only with -tags vcheck_mutant: production builds get
// mutant_off.go, whose hook is an empty function the compiler removes.
//
// A mutant is a deliberate bug of the kind an engine gets wrong: a wrong
// result of one instruction, or a missing CSR side effect. The hook runs
// after each Step'd instruction and corrupts the architectural state the
// way the buggy implementation would have left it, so the record, later
// instructions and the final state all see the bug.

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/vcheck-dev/vcheck/spec"
)

// mutants maps a name to the corruption it applies after one step; d is
// the instruction that ran (zero when an interrupt was taken), a and b
// its source operands before it ran.
var mutants = map[string]func(h *Hart, d *inst, a, b uint64){
	// mulhsu returns a result off by one in its low bit.
	"mulhsu-result": func(h *Hart, d *inst, a, b uint64) {
		if d.op == opMULHSU && !h.trapped && d.rd != xSink {
			h.x[d.rd] ^= 1
		}
	},
	// sraiw forgets to sign-extend its 32-bit result.
	"sraiw-no-sext": func(h *Hart, d *inst, a, b uint64) {
		if d.op == opSRAIW && !h.trapped && d.rd != xSink {
			h.x[d.rd] = uint64(uint32(h.x[d.rd]))
		}
	},
	// sltu compares signed.
	"sltu-signed": func(h *Hart, d *inst, a, b uint64) {
		if d.op == opSLTU && !h.trapped && d.rd != xSink {
			h.x[d.rd] = b2u(int64(a) < int64(b))
		}
	},
	// mret leaves mstatus.MPIE as it was instead of setting it
	// (Priv. spec 3.3.2: MPIE is set to 1 on mret).
	"mret-mpie": func(h *Hart, d *inst, a, b uint64) {
		if d.op == opMRET && !h.trapped {
			h.mstatus &^= spec.MstatusMPIE
		}
	},
	// A trap into M-mode records mtval as 0 for every cause.
	"trap-mtval-zero": func(h *Hart, d *inst, a, b uint64) {
		if h.trapped && h.lastTrap.Target == spec.ModeM && !h.lastTrap.Interrupt {
			h.mtval = 0
		}
	},
	// A trap delegated to S-mode does not save the previous SIE in SPIE.
	"strap-spie": func(h *Hart, d *inst, a, b uint64) {
		if h.trapped && h.lastTrap.Target == spec.ModeS {
			h.mstatus &^= spec.MstatusSPIE
		}
	},
}

// fastMutants are the bugs of the paths Run takes and Step does not (or
// shares with it: blocks, the TLB, code-cache invalidation): each names a
// hook, a mutantOn or mutantEmit test in the engine's own code
// (mutant.go lists them).
var fastMutants = map[string]int{
	"block-past-branch":   mutBlockPastBranch,
	"jit-blt-unsigned":    mutJITBltU,
	"jit-addw-no-sext":    mutJITAddwSext,
	"jit-auipc-page":      mutJITAuipcOff,
	"jit-chain-resume":    mutJITChainResume,
	"tlb-fill-nonuniform": mutTLBNonUniform,
	"tlb-sum-no-flush":    mutTLBSumNoFlush,
	"code-slot-before":    mutCodeSlotBefore,
	"code-keep-blocks":    mutCodeKeepBlocks,
	"run-late-timer":      mutRunNoEvents,
	"run-hart-twice":      mutRunHartTwice,
	"parallel-no-irq":     mutParallelNoIRQ,
	"lr-reserve-aligned":  mutLRAligned,
}

// FastMutant reports whether name is a mutant of the fast paths (hooks in
// blocks, compiled code, the TLB, invalidation or the Run drivers), as
// opposed to one applied after each Step.
func FastMutant(name string) bool {
	_, ok := fastMutants[name]
	return ok
}

var (
	activeFast int // the fast-path mutant selected (0: none)
	compiling  *Machine

	activeMutant func(h *Hart, d *inst, a, b uint64)
	// mutated holds the machines that carry the active mutant (Mutate),
	// so that a clean engine and a mutated one can run side by side in
	// lockstep; when mutating is false, every machine carries it. A set,
	// not the last machine mutated: a fuzz campaign keeps its mutated
	// machine from program to program (Reset) while it builds others (a
	// replay, the shrinker's), and each must keep carrying the bug.
	mutated  sync.Map // weak.Pointer[Machine] → struct{}: a dropped machine is freed
	mutating atomic.Bool
)

// carries reports whether machine m carries the active mutant.
func carries(m *Machine) bool {
	if !mutating.Load() {
		return true
	}
	_, ok := mutated.Load(weak.Make(m))
	return ok
}

// Mutants lists the mutants SetMutant accepts.
func Mutants() []string {
	var out []string
	for n := range mutants {
		out = append(out, n)
	}
	for n := range fastMutants {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SetMutant selects the bug that Mutate gives a machine; "" removes it.
// Until Mutate is called, every engine in the process carries it.
func SetMutant(name string) error {
	activeMutant, activeFast = nil, 0
	mutated.Clear()
	mutating.Store(false)
	if name == "" {
		return nil
	}
	if id, ok := fastMutants[name]; ok {
		activeFast = id
		return nil
	}
	m, ok := mutants[name]
	if !ok {
		return fmt.Errorf("engine: no mutant %q (have %v)", name, Mutants())
	}
	activeMutant = m
	return nil
}

// Mutate makes m carry the bug SetMutant selected: m and the other
// machines Mutate was given since, and no other machine.
func Mutate(m *Machine) {
	mutated.Store(weak.Make(m), struct{}{})
	mutating.Store(true)
}

// mutateAfterStep is the hook Hart.Step calls after each step.
func mutateAfterStep(h *Hart) {
	if activeMutant != nil && carries(h.m) {
		activeMutant(h, &h.recInst, h.recA, h.recB)
	}
}

// mutantOn reports whether fast-path mutant id is active on machine m.
func mutantOn(m *Machine, id int) bool {
	return activeFast == id && carries(m)
}

// mutantCompiling names the machine whose block is about to be compiled,
// for mutantEmit.
func mutantCompiling(m *Machine) { compiling = m }

// mutantEmit reports whether compiled-code mutant id is active on the
// machine compiling.
func mutantEmit(id int) bool { return mutantOn(compiling, id) }
