package vmm

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// eventProgram exits in several ways: CSR accesses, a device, shadow
// fills, a delegated ecall, and a timer interrupt.
const eventProgram = `
	.text
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	csrr a0, mhartid
	li s0, 20
1:	csrr t1, mscratch
	li t2, 0x10000005
	lbu t3, 0(t2)
	la t4, data
	slli t5, s0, 12
	add t4, t4, t5
	sd s0, 0(t4)
	addi s0, s0, -1
	bnez s0, 1b
	bnez a0, 2f
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
2:	j 2b
	.balign 4
trap:	j trap
	.data
	.balign 4096
data:	.zero 4096 * 21
`

// runWithEvents runs eventProgram as vm (harts vCPUs, regs regions) with
// Run or Step, releases it and returns the event log.
func runWithEvents(t *testing.T, name string, harts, regs int, step bool, widen bool) string {
	t.Helper()
	cfg := spec.DefaultConfig()
	cfg.RAM = 4 << 20
	cfg.Harts = harts
	var log bytes.Buffer
	vm, err := NewWithEvents(cfg, asmImage(t, cfg, eventProgram, nil), Events{W: &log, VM: name, Regions: regs})
	if err != nil {
		t.Fatal(err)
	}
	if widen {
		// A VMM bug: the window's PMP entry reaches to the end of the guard.
		vm.host.Harts[0].WriteCSR(spec.CSRPmpaddr0+3, (vm.lay.guard+guardPages*pageSize)>>2)
	}
	if step {
		for i := 0; i < 5000 && vm.Exit().Reason == spec.Running; i++ {
			vm.Step()
		}
	} else {
		vm.Run(100000)
	}
	if e := vm.Exit(); e.Reason != spec.HaltFinisher {
		t.Fatalf("%s: exit %s", name, e)
	}
	if err := vm.Release(); err != nil {
		t.Fatal(err)
	}
	return log.String()
}

// TestEventsLog: the log starts with Create and Grant, alternates
// Dispatch with Trap or Preempt on each CPU, names the exit causes, and
// ends with Release and one Scrub per region; Dispatch's prot is the VM's
// regions, read back from the physical PMP.
func TestEventsLog(t *testing.T) {
	for _, tc := range []struct {
		vm          string
		harts, regs int
		step        bool
	}{{"alice", 1, 1, false}, {"alice", 1, 1, true}, {"bob", 2, 2, false}} {
		log := runWithEvents(t, tc.vm, tc.harts, tc.regs, tc.step, false)
		lines := strings.Split(strings.TrimSpace(log), "\n")
		var actions []string
		for _, l := range lines {
			var ev struct {
				Action string `json:"action"`
			}
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("%s: line %q: %v", tc.vm, l, err)
			}
			actions = append(actions, ev.Action)
		}
		n := len(actions)
		if n < 10 || actions[0] != "Create" || actions[1] != "Grant" || actions[n-tc.regs-1] != "Release" {
			t.Fatalf("%s: actions %v", tc.vm, actions)
		}
		for _, a := range actions[n-tc.regs:] {
			if a != "Scrub" {
				t.Fatalf("%s: ends with %v", tc.vm, actions[n-tc.regs-1:])
			}
		}
		on := map[string]bool{} // CPU -> a vCPU is dispatched on it
		for i, l := range lines[2 : n-tc.regs-1] {
			cpu := "c1"
			if strings.Contains(l, `"c2"`) {
				cpu = "c2"
			}
			switch a := actions[i+2]; a {
			case "Dispatch":
				if on[cpu] {
					t.Fatalf("%s: line %d: Dispatch on a busy %s", tc.vm, i+3, cpu)
				}
				want := `"prot":{"` + cpu + `":["r1"]}`
				if tc.regs == 2 {
					want = `"prot":{"` + cpu + `":["r1","r2"]}`
				}
				if !strings.Contains(l, want) || !strings.Contains(l, `"mode":{"`+cpu+`":"U"}`) {
					t.Fatalf("%s: line %d: %s", tc.vm, i+3, l)
				}
				on[cpu] = true
			case "Trap", "Preempt":
				if !on[cpu] {
					t.Fatalf("%s: line %d: %s of an idle %s", tc.vm, i+3, a, cpu)
				}
				if a == "Trap" && !strings.Contains(l, `"_cause":`) {
					t.Fatalf("%s: line %d: a Trap without its cause: %s", tc.vm, i+3, l)
				}
				on[cpu] = false
			default:
				t.Fatalf("%s: line %d: %s in the middle", tc.vm, i+3, a)
			}
		}
		for _, cause := range []string{`"_cause":"csr"`, `"_cause":"mmio"`, `"_cause":"shadow fill"`} {
			if !strings.Contains(log, cause) {
				t.Errorf("%s: no %s in the log", tc.vm, cause)
			}
		}
	}
}

// TestEventsShowOpenPMP: a VMM whose physical PMP lets the guest reach
// the host's guard (region r2 of a one-region VM) logs it in Dispatch's
// prot: the log reads the hardware, not the VMM's books. (corpus's
// TestVMMTraces has the spec reject such a trace.)
func TestEventsShowOpenPMP(t *testing.T) {
	log := runWithEvents(t, "alice", 1, 1, false, true)
	if !strings.Contains(log, `"prot":{"c1":["r1","r2"]}`) {
		t.Fatalf("the log does not show the guard in prot:\n%.400s", log)
	}
}
