package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// serveInBackground runs `vcheck serve ARGS --once --json` and returns
// its announcement and a channel with its exit code.
func serveInBackground(t *testing.T, args ...string) (serveJSON, <-chan int) {
	t.Helper()
	r, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb strings.Builder
		code := run(append(append([]string{"serve"}, args...), "--once", "--json"), w, &errb)
		w.CloseWithError(io.EOF)
		if code != exitOK {
			t.Logf("serve: %s", errb.String())
		}
		done <- code
	}()
	var out serveJSON
	if err := json.NewDecoder(bufio.NewReader(r)).Decode(&out); err != nil {
		t.Fatalf("serve --json: %v", err)
	}
	go io.Copy(io.Discard, r)
	return out, done
}

// TestServeRVFIAndDiff: `vcheck serve --rvfi-dii 0` announces its port,
// and `vcheck diff --b rvfi:ADDR` compares the reference model with the
// served one, every field, through the command line.
func TestServeRVFIAndDiff(t *testing.T) {
	ann, done := serveInBackground(t, "--rvfi-dii", "0")
	if ann.RVFIDII == "" || ann.Target != "ref" {
		t.Fatalf("announcement %+v", ann)
	}
	pass := writeSource(t, "pass.S", passSource)
	code, out, errs := runCLI("diff", "--b", "rvfi:"+ann.RVFIDII, "--json", pass)
	if code != exitOK {
		t.Fatalf("diff: exit %d\n%s\n%s", code, out, errs)
	}
	v := checkJSONOutput(t, "diff", out)
	if v["verdict"] != "equal" || len(v["ignored"].([]any)) != 0 {
		t.Errorf("diff --json: %v", v)
	}
	if c := <-done; c != exitOK {
		t.Errorf("serve --once: exit %d", c)
	}
}

// TestServeGDBAndDiff: `vcheck serve --gdb 0 PROG` and `vcheck diff --b
// gdb:ADDR PROG`: our gdb client against our gdbstub, through the CLI.
func TestServeGDBAndDiff(t *testing.T) {
	pass := writeSource(t, "pass.S", passSource)
	ann, done := serveInBackground(t, "--gdb", "0", "--target", "engine", pass)
	if ann.GDB == "" || ann.Program != pass {
		t.Fatalf("announcement %+v", ann)
	}
	code, out, errs := runCLI("diff", "--b", "gdb:"+ann.GDB, pass)
	if code != exitOK || !strings.HasPrefix(out, "EQUAL") {
		t.Fatalf("diff: exit %d\n%s\n%s", code, out, errs)
	}
	if c := <-done; c != exitOK {
		t.Errorf("serve --once: exit %d", c)
	}
}

// TestRunTraceReadsBack: what `vcheck run --trace` prints is a Spike-
// format log that `vcheck diff --b trace:LOG` reads and finds equal.
func TestRunTraceReadsBack(t *testing.T) {
	prog := filepath.Join("..", "..", "corpus", "ref", "trap_m.S")
	code, log, errs := runCLI("run", "--trace", prog)
	if code != exitOK {
		t.Fatalf("run --trace: exit %d: %s", code, errs)
	}
	if !strings.Contains(log, "exception trap_illegal_instruction, epc") || !strings.Contains(log, "c768_mstatus") {
		t.Errorf("the trace has no trap or no mstatus write:\n%.2000s", log)
	}
	path := filepath.Join(t.TempDir(), "trap_m.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("diff", "--b", "trace:"+path, prog)
	if code != exitOK || !strings.HasPrefix(out, "EQUAL") {
		t.Fatalf("diff --b trace: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestDiffQEMU: `vcheck diff --b qemu` starts QEMU, compares, names the
// documented departures it went past, and leaves no QEMU behind.
func TestDiffQEMU(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	prog := filepath.Join("..", "..", "corpus", "ref", "a_misaligned.S")
	code, out, errs := runCLI("diff", "--b", "qemu", "--json", prog)
	if code != exitOK {
		t.Fatalf("diff --b qemu: exit %d\n%s\n%s", code, out, errs)
	}
	v := checkJSONOutput(t, "diff", out)
	deps, _ := v["departures"].([]any)
	if len(deps) == 0 || deps[0].(map[string]any)["name"] != "amo-misaligned-cause" {
		t.Errorf("departures %v", v["departures"])
	}
	code, out, _ = runCLI("diff", "--b", "engine", "--fast", prog)
	if code != exitUsage {
		t.Errorf("--fast with the engine: exit %d\n%s", code, out)
	}
}
