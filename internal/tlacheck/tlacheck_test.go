package tlacheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// tlaDir is the repository's tla directory.
func tlaDir(t *testing.T) string {
	t.Helper()
	d, err := FindDir(".")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	sharedOnce    sync.Once
	sharedChecker *Checker
	sharedErr     error
)

// wasmChecker returns a Checker on the WebAssembly checker, shared by the
// tests. node and tla-checker are on testtool's list (.ci/tla-deps.sh
// installs the checker).
func wasmChecker(t *testing.T) *Checker {
	t.Helper()
	testtool.Tool(t, "node")
	testtool.File(t, "tla/runner/node_modules/tla-checker/tla_checker_bg.wasm")
	dir := tlaDir(t)
	if err := WasmAvailable(dir); err != nil {
		t.Fatal(err)
	}
	sharedOnce.Do(func() { sharedChecker, sharedErr = NewChecker(dir, false) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedChecker
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedChecker != nil {
		sharedChecker.Close()
	}
	os.Exit(code)
}

func TestModelsAreDeclared(t *testing.T) {
	ms, err := Models(tlaDir(t))
	if err != nil {
		t.Fatal(err)
	}
	good, broken := map[string]bool{}, 0
	for _, m := range ms {
		if m.Broken() {
			broken++
		} else {
			good[m.Name] = true
		}
	}
	for _, want := range []string{"MC_Cloud", "MC_Small"} {
		if !good[want] {
			t.Errorf("model %s is missing", want)
		}
	}
	if broken < 5 {
		t.Errorf("%d broken models, want at least 5", broken)
	}
}

func TestAssembleCloud(t *testing.T) {
	a, err := Assemble(tlaDir(t), "MC_Cloud")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(a.Cfg, "<-") {
		t.Errorf("cfg still substitutes:\n%s", a.Cfg)
	}
	if !strings.Contains(a.Module, "\nDemand == CloudDemand\n") {
		t.Errorf("module lacks Demand == CloudDemand")
	}
	if regexp.MustCompile(`CONSTANTS[^\n]*\bDemand\b`).MatchString(a.Module) {
		t.Errorf("Demand is still declared a CONSTANT")
	}
	if !regexp.MustCompile(`(?m)^EXTENDS Naturals, FiniteSets, Sequences, TLC$`).MatchString(a.Module) {
		t.Errorf("EXTENDS not merged into standard modules only:\n%.300s", a.Module)
	}
	if n := strings.Count(a.Module, "---- MODULE"); n != 1 {
		t.Errorf("%d module headers, want 1", n)
	}
	// TLC reduces by the VIEW RegionOrbit; tla-checker, which has no
	// VIEW, by the symmetry that the cfg names for it.
	if strings.Contains(a.Cfg, "VIEW") || !regexp.MustCompile(`(?m)^SYMMETRY Symmetry$`).MatchString(a.Cfg) {
		t.Errorf("VIEW not replaced by SYMMETRY Symmetry: %v\n%s", a.Notes, a.Cfg)
	}
	// The TLC form is untouched.
	b, _ := os.ReadFile(filepath.Join(tlaDir(t), "MC_Cloud.cfg"))
	if !strings.Contains(string(b), "Demand <- CloudDemand") || !strings.Contains(string(b), "\nVIEW RegionOrbit\n") {
		t.Errorf("MC_Cloud.cfg lost its substitution or its VIEW")
	}
}

// A union of Permutations sets is narrowed to its first set for
// tla-checker.
func TestAssembleNarrowsSymmetry(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"VMM.tla", "MC_Small.tla"} {
		b, err := os.ReadFile(filepath.Join(tlaDir(t), f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	cfg, _ := os.ReadFile(filepath.Join(tlaDir(t), "MC_Small.cfg"))
	a, err := AssembleWithCfg(dir, "MC_Small", string(cfg)+"SYMMETRY Symmetry\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Cfg, "SYMMETRY WasmSymmetry") || !strings.Contains(a.Module, "WasmSymmetry == Permutations(Regions)") {
		t.Errorf("symmetry not narrowed: %v", a.Notes)
	}
}

func TestDropConstants(t *testing.T) {
	src := "CONSTANTS\n    A,  \\* first\n    B,  (* second *)\n    C\n\nX == 1\nCONSTANT D\n"
	got := dropConstants(src, map[string]string{"B": "Def", "D": "Def"})
	want := "CONSTANTS A, C\n\nX == 1\n\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPruneFairness(t *testing.T) {
	mod := "Init == TRUE\nNext == TRUE \\* see Fairness\nFairness == WF_v(Next)\nSpec == Init /\\ Fairness\nBadFair == TRUE\nBadSpec == Init /\\ BadFair\n"
	got, dropped := pruneFairness(mod, "BadSpec")
	if strings.Join(dropped, ",") != "Fairness,Spec" {
		t.Errorf("dropped %v, want Fairness, Spec", dropped)
	}
	if strings.Contains(got, "WF_") || !strings.Contains(got, "Next == TRUE") {
		t.Errorf("pruned module:\n%s", got)
	}
	if _, dropped := pruneFairness(mod, "Spec"); len(dropped) != 0 {
		t.Errorf("pruned %v from a spec that uses them", dropped)
	}
}

// The actions of the trace module follow the disjuncts of Next.
func TestActionFormulasFollowNext(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(tlaDir(t), "VMM.tla"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	i := strings.Index(src, "\nNext ==")
	j := strings.Index(src[i:], "\n\n")
	next := src[i : i+j]
	inNext := map[string]bool{}
	for _, m := range regexp.MustCompile(`\b([A-Z]\w*)\(`).FindAllStringSubmatch(next, -1) {
		inNext[m[1]] = true
	}
	for name, f := range actionFormulas {
		if !inNext[name] {
			t.Errorf("action %s is not in Next", name)
		}
		if !strings.Contains(next, strings.TrimPrefix(f[strings.LastIndex(f, ": ")+2:], " ")) {
			t.Errorf("Next does not take %s as %s", name, f)
		}
	}
	for name := range inNext {
		if _, ok := actionFormulas[name]; !ok {
			t.Errorf("Next has action %s, which the trace module does not know", name)
		}
	}
}

func TestGoodModelsHold(t *testing.T) {
	c := wasmChecker(t)
	ms, err := Models(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Broken() {
			continue
		}
		r, err := c.Check(m)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		t.Logf("%s: %s, %d states, %.1fs", m.Name, r.Verdict(), r.States, r.Seconds)
		if !r.OK || !r.Holds || r.States == 0 {
			t.Errorf("%s: %s: %s %s\n%s", m.Name, r.Verdict(), r.Violated, r.Message, r.Counterexample)
		}
	}
}

func TestBrokenModelsAreRejected(t *testing.T) {
	c := wasmChecker(t)
	ms, err := Models(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if !m.Broken() {
			continue
		}
		r, err := c.Check(m)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		t.Logf("%s: %s (%s), %d states", m.Name, r.Verdict(), r.Violated, r.States)
		if !r.OK {
			t.Errorf("%s: %s: violated %q (%s), expected %q", m.Name, r.Verdict(), r.Violated, r.Message, m.Expect)
		}
		if r.KnownMiss {
			continue // TestTLC checks that TLC rejects it
		}
		if r.Holds || !strings.Contains(r.Counterexample, "State") {
			t.Errorf("%s: no counterexample", m.Name)
		}
	}
}

// The trace tests: a valid trace of the cloud scenario, and corrupted
// ones with the step that must be rejected.
var traceCases = []struct {
	model    string
	file     string
	accepted bool
	step     int
	reason   string
}{
	{"MC_Cloud", "cloud_ok.jsonl", true, 0, ""},
	{"MC_Cloud", "bad_grant_beyond_capacity.jsonl", false, 8, "does not allow Grant"},
	{"MC_Cloud", "bad_dispatch_unadmitted.jsonl", false, 8, "no Dispatch step"},
	{"MC_Cloud", "bad_missing_trap.jsonl", false, 13, "does not allow Dispatch"},
	{"MC_Small", "small_ok.jsonl", true, 0, ""},
	{"MC_Small", "small_grant_beyond_cpus.jsonl", false, 6, "does not allow Grant"},
}

func TestTracesWasm(t *testing.T) {
	c := wasmChecker(t)
	for _, tc := range traceCases {
		m, err := LoadModel(c.Dir, tc.model)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := ReadTraceFile(filepath.Join(c.Dir, "traces", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.ValidateTraceWasm(m, evs)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if r.Accepted != tc.accepted || r.Step != tc.step || !strings.Contains(r.Reason, tc.reason) {
			t.Errorf("%s: accepted=%v step=%d (%s); want accepted=%v step=%d (%s)",
				tc.file, r.Accepted, r.Step, r.Reason, tc.accepted, tc.step, tc.reason)
		}
	}
}

// The generated trace module (the TLC form) says the same as the stepping
// check; without TLC here, the WebAssembly checker runs it.
func TestTraceModuleAgrees(t *testing.T) {
	c := wasmChecker(t)
	for _, tc := range traceCases {
		m, err := LoadModel(c.Dir, tc.model)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := ReadTraceFile(filepath.Join(c.Dir, "traces", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		name, mod, cfg, err := GenerateTraceModule(m, evs)
		if err != nil {
			t.Fatal(err)
		}
		dir, err := stageModels(c.Dir)
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		os.WriteFile(filepath.Join(dir, name+".tla"), []byte(mod), 0o644)
		a, err := AssembleWithCfg(dir, name, cfg)
		if err != nil {
			t.Fatal(err)
		}
		wr, err := c.wasm.Check(a.Module, a.Cfg, 100000)
		if err != nil {
			t.Fatal(err)
		}
		accepted := wr.ErrorType == "InvariantViolation"
		if accepted != tc.accepted || (!accepted && !wr.Success) {
			t.Errorf("%s: trace module: %s %s (%d states); want accepted=%v", tc.file, wr.ErrorType, wr.ErrorMessage, wr.StatesExplored, tc.accepted)
		}
		if !tc.accepted && wr.StatesExplored != tc.step {
			// One state per event taken: l = 1 .. step.
			t.Errorf("%s: trace module explored %d states, want %d (the events before the bad one, plus the initial state)", tc.file, wr.StatesExplored, tc.step)
		}
	}
}

func TestParseTraceErrors(t *testing.T) {
	for _, in := range []string{`{"status":{}}`, `not json`, `{"action":""}`} {
		if _, err := ParseTrace(strings.NewReader(in)); err == nil {
			t.Errorf("ParseTrace(%q) accepted", in)
		}
	}
	evs, err := ParseTrace(strings.NewReader("\n{\"action\":\"Scrub\",\"_t\":1,\"dirty\":[]}\n"))
	if err != nil || len(evs) != 1 || evs[0].Line != 2 || len(evs[0].Vars) != 1 {
		t.Errorf("got %+v, %v", evs, err)
	}
}

func TestEqValue(t *testing.T) {
	st := decodeAny([]byte(`{"__fn":[[{"__model":"c1"},{"__tuple":["alice",1]}],[{"__model":"c2"},{"__model":"Host"}]]}`))
	for _, tc := range []struct {
		ev   string
		want bool
	}{
		{`{"c1":["alice",1]}`, true},
		{`{"c2":"Host"}`, true},
		{`{"c1":["alice",2]}`, false},
		{`{"c3":"Host"}`, false},
		{`{"c1":"Host"}`, false},
	} {
		if got := matchTop(decodeAny([]byte(tc.ev)), st); got != tc.want {
			t.Errorf("matchTop(%s) = %v, want %v", tc.ev, got, tc.want)
		}
	}
	set := decodeAny([]byte(`[{"__model":"r1"},{"__model":"r2"}]`))
	if !eqValue(decodeAny([]byte(`["r2","r1"]`)), set) || eqValue(decodeAny([]byte(`["r1"]`)), set) || eqValue(decodeAny([]byte(`["r1","r1"]`)), set) {
		t.Errorf("set comparison is wrong")
	}
}

func TestTLCOutputParsing(t *testing.T) {
	out := "Progress(16) at 2026-11-25 10:09:25: 13,015 states generated, 1,944 distinct states found, 0 states left on queue.\n" +
		"Error: Temporal property RequestsGranted was violated.\n" +
		"13015 states generated, 1944 distinct states found, 0 states left on queue.\n"
	m := tlcStatesRE.FindAllStringSubmatch(out, -1)
	if g, s := atoi(m[len(m)-1][1]), atoi(m[len(m)-1][2]); g != 13015 || s != 1944 {
		t.Errorf("states: %d generated, %d distinct", g, s)
	}
	if atoi("1,944") != 1944 {
		t.Errorf("atoi with separators")
	}
	if p := tlcPropertyRE.FindStringSubmatch(out); p == nil || p[1] != "RequestsGranted" {
		t.Errorf("property: %v", p)
	}
	old := "Error: Temporal properties were violated.\n\nState 1: ...AdmittedVMsRun"
	if p := tlcPropertyRE.FindStringSubmatch(old); p == nil || p[1] != "" {
		t.Errorf("old property message: %v", p)
	}
	if got := tlcViolatedProperty(old, []string{"VMMRegainsCPUs"}); got != "VMMRegainsCPUs" {
		t.Errorf("single property: %s", got)
	}
}
