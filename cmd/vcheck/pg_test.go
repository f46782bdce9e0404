package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPGUsage(t *testing.T) {
	for _, args := range [][]string{
		{"pg", "--variant", "x86"},
		{"pg", "--samples", "0"},
		{"pg", "--only", "nosuchinsn"},
		{"pg", "extra"},
		{"pg", "--bogus"},
		{"pg", "--declare", "addi"},
		{"pg", "--declare", "addi=weird"},
	} {
		if code, _, errOut := runVcheck(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errOut)
		}
	}
}

func TestPGVerdicts(t *testing.T) {
	only := "addi,csrrs sstatus,csrrw mstatus,mret"
	code, out, errOut := runVcheck("pg", "--only", only)
	if code != exitOK {
		t.Fatalf("rv64pg: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Theorem 1 (") || !strings.Contains(out, "): HOLDS") || strings.Contains(out, "FAILS") {
		t.Errorf("rv64pg: want both theorems to hold:\n%s", out)
	}
	// popf: the verdict fails, and that is data: the exit status is 0
	// because the observed classes are the declared (and explained) ones.
	code, out, errOut = runVcheck("pg", "--variant", "popf", "--only", only)
	if code != exitOK {
		t.Fatalf("popf: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "FAILS") || !strings.Contains(out, "offender csrrs sstatus") {
		t.Errorf("popf: want Theorem 1 to fail with csrrs sstatus as an offender:\n%s", out)
	}
	code, out, _ = runVcheck("pg", "--variant", "popf", "--only", only, "--json")
	var rep struct {
		Theorem1 struct {
			Holds     bool
			Offenders []string
		}
		Results []struct {
			Witnesses []json.RawMessage
		}
	}
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("--json: exit %d, output %.200s", code, out)
	}
	if rep.Theorem1.Holds || len(rep.Theorem1.Offenders) != 2 {
		t.Errorf("--json popf: theorem 1 %+v, want failing with csrrs sstatus and csrrw mstatus", rep.Theorem1)
	}
}

// TestPGMismatchExit: a declaration observation refutes is exit 1.
func TestPGMismatchExit(t *testing.T) {
	code, out, errOut := runVcheck("pg", "--only", "addi", "--declare", "addi=privileged")
	if code != exitFailure || !strings.Contains(out, "addi: declared privileged, observed innocuous") {
		t.Errorf("exit %d, want %d\n%s%s", code, exitFailure, out, errOut)
	}
}
