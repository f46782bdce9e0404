package corpus_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/internal/tlacheck"
	"github.com/vcheck-dev/vcheck/spec"
)

// traceChecker returns the WebAssembly TLA+ checker over tla/ (node and
// the npm tla-checker, which scripts/test.sh installs: .ci/tla-deps.sh).
func traceChecker(t *testing.T) *tlacheck.Checker {
	t.Helper()
	testtool.Tool(t, "node")
	testtool.File(t, "tla/runner/node_modules/tla-checker/tla_checker_bg.wasm")
	dir, err := tlacheck.FindDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if err := tlacheck.WasmAvailable(dir); err != nil {
		t.Fatal(err)
	}
	c, err := tlacheck.NewChecker(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// vmmTrace runs corpus program path as the guest of VM name (regs
// regions) to its exit, or for limit steps when limit is not 0, releases
// it, and returns its event log.
func vmmTrace(t *testing.T, path, name string, regs int, step bool, limit uint64) string {
	t.Helper()
	var p corpus.Program
	for _, q := range corpus.Programs() {
		if q.Path == path {
			p = q
		}
	}
	if p.Path == "" {
		t.Fatalf("no corpus program %s", path)
	}
	cfg := spec.DefaultConfig()
	cfg.Harts = p.Harts()
	img, err := image(t, cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	vm, err := vmm.NewWithEvents(cfg, img, vmm.Events{W: &log, VM: name, Regions: regs})
	if err != nil {
		t.Fatal(err)
	}
	n := uint64(replayLimit)
	if limit != 0 {
		n = limit
	}
	if step {
		for i := uint64(0); i < n && vm.Exit().Reason == spec.Running; i++ {
			vm.Step()
		}
	} else {
		vm.Run(n)
	}
	if e := vm.Exit(); limit == 0 && (e.Reason != spec.HaltFinisher || e.Code != 0) {
		t.Fatalf("%s: exit %s", path, e)
	}
	if err := vm.Release(); err != nil {
		t.Fatal(err)
	}
	return log.String()
}

func validateTrace(t *testing.T, c *tlacheck.Checker, model, log string) *tlacheck.TraceResult {
	t.Helper()
	m, err := tlacheck.LoadModel(c.Dir, model)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := tlacheck.ParseTrace(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.ValidateTraceWasm(m, evs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestVMMTraces validates the VMM's event traces of real guests against
// tla/VMM.tla (tla/README.md, "Trace format"): corpus/vmm/reservation.S
// as alice (1 vCPU, 1 region) in MC_Small, with Run and with Step, and
// the first 300 steps of the two-hart corpus/ref/smp.S as bob (2 vCPUs,
// 2 regions) in MC_Cloud (its vCPUs step round-robin, a Dispatch and a
// Trap or Preempt each; the whole run logs 32,000 events, which the
// checker takes minutes over); each is accepted. The alice trace with the host's guard (region r2)
// added to its first Dispatch's prot, which is what a VMM whose physical
// PMP opened the guard logs (impl/vmm's TestEventsShowOpenPMP), is
// rejected at that event.
func TestVMMTraces(t *testing.T) {
	c := traceChecker(t)
	var alice string
	for _, tc := range []struct {
		model, path, vm string
		regs            int
		step            bool
		limit           uint64
	}{
		{"MC_Small", "vmm/reservation.S", "alice", 1, false, 0},
		{"MC_Small", "vmm/reservation.S", "alice", 1, true, 0},
		{"MC_Cloud", "ref/smp.S", "bob", 2, false, 300},
	} {
		log := vmmTrace(t, tc.path, tc.vm, tc.regs, tc.step, tc.limit)
		if alice == "" {
			alice = log
		}
		r := validateTrace(t, c, tc.model, log)
		if !r.Accepted {
			t.Errorf("%s as %s (%s, step %v): rejected at event %d (%s): %s", tc.path, tc.vm, tc.model, tc.step, r.Step, r.Event, r.Reason)
			continue
		}
		t.Logf("%s as %s in %s (step %v): %d events accepted in %.1fs", tc.path, tc.vm, tc.model, tc.step, r.Events, r.Seconds)
	}
	bad := strings.Replace(alice, `"prot":{"c1":["r1"]}`, `"prot":{"c1":["r1","r2"]}`, 1)
	if bad == alice {
		t.Fatalf("no Dispatch with prot [r1] in the log:\n%.400s", alice)
	}
	r := validateTrace(t, c, "MC_Small", bad)
	if r.Accepted || r.Step != 3 || !strings.Contains(r.Reason, "Dispatch") {
		t.Fatalf("the guard in prot: accepted=%v step=%d (%s); want its Dispatch (event 3) rejected", r.Accepted, r.Step, r.Reason)
	}
}
