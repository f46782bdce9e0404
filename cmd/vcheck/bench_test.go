package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--qemu", "", "--ref=false", "../../corpus/bench/coremark.elf"}, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "coremark.elf") || !strings.Contains(out.String(), "engine MIPS") {
		t.Fatalf("table:\n%s", out.String())
	}
}

func TestBenchCommandNoPrograms(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"bench", "--dir", t.TempDir()}, &out, &errb); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
}

// TestBenchWholeProcess: bench also times each target as a process of its
// own (this test binary standing in for vcheck, main_test.go), which must
// retire the in-process run's instructions (runProcessBench reports an
// error otherwise), and compares those. No timing is compared: the two
// runs are minutes apart on a loaded machine, and the process, start-up
// included, was once faster than the run inside the test binary.
func TestBenchWholeProcess(t *testing.T) {
	code, out, errs := runCLI("bench", "--qemu", "", "--ref=false", "--vmm=false", "--runs", "1", "--json", "../../corpus/bench/coremark.elf")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var v benchJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	r := v.Programs[0]
	if r.Engine.Error != "" || r.Engine.ProcSeconds <= 0 || r.Engine.ProcMIPS <= 0 {
		t.Errorf("engine %+v: no whole-process figure", r.Engine)
	}
	if r.EngineNoJIT != nil && (r.EngineNoJIT.Error != "" || r.EngineNoJIT.ProcMIPS <= 0 || r.EngineOverNoJIT <= 0) {
		t.Errorf("engine-nojit %+v, engine/nojit %v", r.EngineNoJIT, r.EngineOverNoJIT)
	}
}
