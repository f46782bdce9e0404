package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/internal/tlacheck"
)

func runVcheck(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// needWasm asks testtool for node and tla-checker (.ci/tla-deps.sh
// installs the checker) and returns the tla directory.
func needWasm(t *testing.T) string {
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
	return dir
}

func TestTLAUsage(t *testing.T) {
	for _, args := range [][]string{
		{"tla", "-bogus"},
		{"tla", "trace"},
		{"tla", "trace", "a", "b"},
		{"tla", "trace", "/nonexistent/trace.jsonl"},
		{"tla", "-checker", "nope"},
		{"tla", "-dir", "/nonexistent"},
	} {
		if code, _, _ := runVcheck(args...); code != exitUsage {
			t.Errorf("vcheck %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestTLAModels(t *testing.T) {
	needWasm(t)
	code, out, errs := runVcheck("tla", "-checker", "wasm", "MC_Small", "Broken_GrantIgnoresCapacity", "Broken_NoTimer")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"MC_Small", "PASS", "REJECTED as expected", "states", "3 passed, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runVcheck("tla", "-checker", "wasm", "-json", "Broken_DoubleDispatch")
	var got struct {
		Checker string            `json:"checker"`
		Failed  int               `json:"failed"`
		Results []tlacheck.Result `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("-json output: %v\n%s", err, out)
	}
	if code != exitOK || got.Checker != "wasm" || got.Failed != 0 || len(got.Results) != 1 ||
		!got.Results[0].OK || got.Results[0].Violated != "ExclusiveCPU" || got.Results[0].States == 0 {
		t.Errorf("exit %d, %+v", code, got)
	}
	if code, _, _ := runVcheck("tla", "-checker", "wasm", "NoSuchModel"); code != exitUsage {
		t.Errorf("unknown model: exit %d, want %d", code, exitUsage)
	}
}

// A model that should hold but does not makes vcheck tla fail (exit 1),
// and so does a broken model that the checker does not reject.
func TestTLAFailingModels(t *testing.T) {
	src := needWasm(t)
	dir := t.TempDir()
	for _, f := range []string{"VMM.tla", "Broken_DispatchKeepsPrivilege.tla", "Broken_DispatchKeepsPrivilege.cfg"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	if err := os.Symlink(filepath.Join(src, "runner"), filepath.Join(dir, "runner")); err != nil {
		t.Fatal(err)
	}
	// The broken VMM, presented as a good model.
	b, _ := os.ReadFile(filepath.Join(src, "Broken_DispatchKeepsPrivilege.tla"))
	os.WriteFile(filepath.Join(dir, "MC_Oops.tla"), bytes.ReplaceAll(b, []byte("MODULE Broken_DispatchKeepsPrivilege"), []byte("MODULE MC_Oops")), 0o644)
	c, _ := os.ReadFile(filepath.Join(src, "Broken_DispatchKeepsPrivilege.cfg"))
	os.WriteFile(filepath.Join(dir, "MC_Oops.cfg"), bytes.ReplaceAll(c, []byte("\\* EXPECT: GuestDeprivileged"), nil), 0o644)
	code, out, errs := runVcheck("tla", "-checker", "wasm", "-dir", dir, "MC_Oops")
	if code != exitFailure || !strings.Contains(out, "FAIL") || !strings.Contains(out, "State") {
		t.Errorf("MC_Oops: exit %d, want %d, with a counterexample:\n%s%s", code, exitFailure, out, errs)
	}
	// A broken model that expects the wrong violation.
	os.WriteFile(filepath.Join(dir, "Broken_DispatchKeepsPrivilege.cfg"),
		bytes.ReplaceAll(c, []byte("EXPECT: GuestDeprivileged"), []byte("EXPECT: Capacity")), 0o644)
	code, out, _ = runVcheck("tla", "-checker", "wasm", "-dir", dir, "Broken_DispatchKeepsPrivilege")
	if code != exitFailure || !strings.Contains(out, "expected Capacity") {
		t.Errorf("wrong expectation: exit %d, want %d:\n%s", code, exitFailure, out)
	}
}

func TestTLATrace(t *testing.T) {
	dir := needWasm(t)
	code, out, errs := runVcheck("tla", "trace", "-checker", "wasm", filepath.Join(dir, "traces", "cloud_ok.jsonl"))
	if code != exitOK || !strings.Contains(out, "ACCEPTED") {
		t.Errorf("valid trace: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runVcheck("tla", "trace", "-checker", "wasm", filepath.Join(dir, "traces", "bad_grant_beyond_capacity.jsonl"))
	if code != exitFailure || !strings.Contains(out, "REJECTED") || !strings.Contains(out, "at event 8 (line 8)") {
		t.Errorf("corrupted trace: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runVcheck("tla", "trace", "-checker", "wasm", "-json", filepath.Join(dir, "traces", "bad_dispatch_unadmitted.jsonl"))
	var r tlacheck.TraceResult
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitFailure || r.Accepted || r.Step != 8 {
		t.Errorf("-json: exit %d, %+v, %v\n%s", code, r, err, out)
	}
}
