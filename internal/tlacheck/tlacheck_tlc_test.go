//go:build tlc

package tlacheck

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// tlcChecker returns a Checker on TLC, which TLA2TOOLS_JAR names
// (tla2tools.jar, built from the tlaplus/tlaplus sources, see
// tla/README.md). CI cannot install it: these tests are the opt-in
// go test -tags tlc (docs/testing.md), and under the tag a missing TLC
// fails.
func tlcChecker(t *testing.T) *Checker {
	t.Helper()
	jar := testtool.Need(t, "tlc")
	tlc := FindTLC()
	if tlc == nil || len(tlc.Argv) < 2 {
		t.Fatalf("TLA2TOOLS_JAR=%s, but no java or no such file", jar)
	}
	return &Checker{Dir: tlaDir(t), TLC: tlc}
}

// Every model under TLC: good ones hold, broken ones (including those
// that tla-checker misses) are rejected with the violation they expect.
func TestTLCModels(t *testing.T) {
	c := tlcChecker(t)
	ms, err := Models(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		r, err := c.Check(m)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		t.Logf("%s: %s, %d distinct states, %d generated, depth %d, %.1fs", m.Name, r.Verdict(), r.States, r.Generated, r.Depth, r.Seconds)
		if !r.OK || r.KnownMiss || r.States == 0 || r.Generated < r.States {
			t.Errorf("%s: %s: violated %q (%s)\n%.2000s", m.Name, r.Verdict(), r.Violated, r.Message, r.Counterexample)
		}
		if m.Broken() && !strings.Contains(r.Counterexample, "State 1") {
			t.Errorf("%s: no counterexample", m.Name)
		}
		if m.Name == "MC_Cloud" && r.Seconds > 60 {
			t.Logf("MC_Cloud took %.0fs, more than the minute it should take (machine loaded?)", r.Seconds)
		}
	}
}

// The trace module under TLC gives the verdicts of the stepping check.
func TestTLCTraces(t *testing.T) {
	c := tlcChecker(t)
	for _, tc := range traceCases {
		m, err := LoadModel(c.Dir, tc.model)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := ReadTraceFile(filepath.Join(c.Dir, "traces", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.ValidateTraceTLC(m, evs)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if r.Checker != "tlc" || r.Accepted != tc.accepted || r.Step != tc.step {
			t.Errorf("%s: accepted=%v step=%d (%s); want accepted=%v step=%d", tc.file, r.Accepted, r.Step, r.Reason, tc.accepted, tc.step)
		}
	}
}
