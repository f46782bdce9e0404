package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckVMM: by default check also runs the VMM against --a, audits it
// and measures it; --b vmm does it in the main pass; --vmm=false skips it.
func TestCheckVMM(t *testing.T) {
	code, out, errs := runCheck(t, "--dirs", "seed,vmm", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var v checkVerdict
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	c := v.VMM
	if c == nil || c.Equivalence != "holds" || c.Audit != "holds" || len(c.Programs) != len(v.Programs) || c.Compared == 0 {
		t.Fatalf("vmm verdict %+v", c)
	}
	if c.Direct == 0 || c.DirectShare <= 0 || c.DirectShare >= 1 || c.Exits["csr"] == 0 || c.Exits["mmio"] == 0 {
		t.Fatalf("vmm counters %+v", c)
	}
	if !strings.Contains(v.Efficiency, "executed directly") || !strings.Contains(v.Resource, "HOLDS") {
		t.Fatalf("lines: %q, %q", v.Resource, v.Efficiency)
	}

	code, out, _ = runCheck(t, "--b", "vmm", "--dirs", "seed")
	if code != exitOK || !strings.Contains(out, "vmm ≡ ref") || !strings.Contains(out, "Efficiency        ") || strings.Contains(out, "not measured") {
		t.Fatalf("--b vmm: exit %d\n%s", code, out)
	}
	code, out, _ = runCheck(t, "--vmm=false", "--dirs", "seed")
	if code != exitOK || !strings.Contains(out, "not measured") {
		t.Fatalf("--vmm=false: exit %d\n%s", code, out)
	}
}

// TestCheckVMMFails: against a reference that corrupts a record, the
// VMM's pass fails too, and check says so.
func TestCheckVMMFails(t *testing.T) {
	code, out, _ := runCheck(t, "--a", "test-skewed-ref", "--b", "ref", "--dirs", "seed", "--json")
	if code != exitFailure {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var v checkVerdict
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if v.VMM == nil || v.VMM.Equivalence != "fails" {
		t.Fatalf("vmm verdict %+v", v.VMM)
	}
}

// TestBenchVMM: bench runs the program as a VMM guest too: the same
// instructions as the engine, nearly all executed directly.
func TestBenchVMM(t *testing.T) {
	code, out, errs := runCLI("bench", "--qemu", "", "--ref=false", "--json", "../../corpus/bench/loop.elf")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var v benchJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	r := v.Programs[0]
	if r.VMM == nil || r.VMM.Error != "" || r.VMM.Instructions != r.Instructions || r.VMM.DirectShare < 0.999 || r.VMM.OverEngine <= 0 {
		t.Fatalf("vmm %+v, engine %+v", r.VMM, r.Engine)
	}
}
