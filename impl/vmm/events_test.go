package vmm

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/tlacheck"
	"github.com/vcheck-dev/vcheck/spec"
)

// traceChecker returns the WebAssembly TLA+ checker over tla/, or skips
// (fails under CI=true, which installs it: .ci/tla-deps.sh).
func traceChecker(t *testing.T) *tlacheck.Checker {
	t.Helper()
	dir, err := tlacheck.FindDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if err := tlacheck.WasmAvailable(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	c, err := tlacheck.NewChecker(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func validate(t *testing.T, c *tlacheck.Checker, model string, log []byte) *tlacheck.TraceResult {
	t.Helper()
	m, err := tlacheck.LoadModel(c.Dir, model)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := tlacheck.ParseTrace(bytes.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.ValidateTraceWasm(m, evs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

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

// TestEventsValidate runs guests with events on and validates the traces
// against tla/VMM.tla: alice (1 vCPU, 1 region) in MC_Small with Run and
// with Step, bob (2 vCPUs, 2 regions) in MC_Cloud.
func TestEventsValidate(t *testing.T) {
	c := traceChecker(t)
	for _, tc := range []struct {
		model, vm    string
		harts, regs  int
		step         bool
		wantDispatch int
	}{
		{"MC_Small", "alice", 1, 1, false, 40},
		{"MC_Small", "alice", 1, 1, true, 200},
		{"MC_Cloud", "bob", 2, 2, false, 300},
	} {
		cfg := spec.DefaultConfig()
		cfg.RAM = 4 << 20
		cfg.Harts = tc.harts
		var log bytes.Buffer
		vm, err := NewWithEvents(cfg, asmImage(t, cfg, eventProgram, nil), Events{W: &log, VM: tc.vm, Regions: tc.regs})
		if err != nil {
			t.Fatal(err)
		}
		if tc.step {
			for i := 0; i < 5000 && vm.Exit().Reason == spec.Running; i++ {
				vm.Step()
			}
		} else {
			vm.Run(100000)
		}
		if e := vm.Exit(); e.Reason != spec.HaltFinisher {
			t.Fatalf("%s: exit %s", tc.vm, e)
		}
		if err := vm.Release(); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(log.String(), `"Dispatch"`); n < tc.wantDispatch {
			t.Errorf("%s: only %d dispatches", tc.vm, n)
		}
		r := validate(t, c, tc.model, log.Bytes())
		if !r.Accepted {
			t.Errorf("%s (%s, step %v): trace rejected at event %d (%s): %s\n%s", tc.vm, tc.model, tc.step, r.Step, r.Event, r.Reason, log.String())
		}
		t.Logf("%s on %s: %d events accepted in %.1fs", tc.vm, tc.model, r.Events, r.Seconds)
	}
}

// TestEventsRejectOpenPMP: a VMM whose physical PMP lets the guest reach
// the host's guard (another region) logs it in Dispatch's prot, and the
// spec rejects the trace there (Confinement: prot must be the VM's).
func TestEventsRejectOpenPMP(t *testing.T) {
	c := traceChecker(t)
	cfg := spec.DefaultConfig()
	cfg.RAM = 4 << 20
	var log bytes.Buffer
	vm, err := NewWithEvents(cfg, asmImage(t, cfg, eventProgram, nil), Events{W: &log, VM: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	// The bug: the window's PMP entry reaches to the end of the guard.
	vm.host.Harts[0].WriteCSR(spec.CSRPmpaddr0+3, (vm.lay.guard+guardPages*pageSize)>>2)
	vm.Run(100000)
	r := validate(t, c, "MC_Small", log.Bytes())
	if r.Accepted || r.Step != 3 || !strings.Contains(r.Reason, "Dispatch") {
		t.Fatalf("accepted=%v step=%d (%s); want the first Dispatch (event 3) rejected", r.Accepted, r.Step, r.Reason)
	}
	if !strings.Contains(log.String(), `"prot":{"c1":["r1","r2"]}`) {
		t.Fatalf("the log does not show the guard in prot:\n%.400s", log.String())
	}
}
