//go:build tlc

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/internal/tlacheck"
)

// vcheck tla with TLC, which TLA2TOOLS_JAR names (tla2tools.jar: CI
// cannot install it, tla/README.md says how to build it), so an opt-in:
// go test -tags tlc (docs/testing.md). The verdicts of every model under
// TLC are in internal/tlacheck (TestTLCModels); this checks the
// command's output and exit status.
func TestTLAWithTLC(t *testing.T) {
	testtool.Need(t, "tlc")
	dir, err := tlacheck.FindDir(".")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runVcheck("tla", "-checker", "tlc", "MC_Small", "Broken_DoubleDispatch", "Broken_ScrubStarvesRequest")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"MC_Small", " tlc ", "2140 states", "14095 generated, depth 16", "PASS", "REJECTED as expected", "3 passed, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runVcheck("tla", "trace", "-checker", "tlc", filepath.Join(dir, "traces", "bad_missing_trap.jsonl"))
	if code != exitFailure || !strings.Contains(out, "(tlc,") || !strings.Contains(out, "at event 13 (line 13)") {
		t.Errorf("corrupted trace under TLC: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runVcheck("tla", "trace", "-checker", "tlc", "-model", "MC_Small", filepath.Join(dir, "traces", "small_ok.jsonl"))
	if code != exitOK || !strings.Contains(out, "ACCEPTED") {
		t.Errorf("valid trace under TLC: exit %d\n%s%s", code, out, errs)
	}
}
