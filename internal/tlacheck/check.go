package tlacheck

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Result is the outcome of checking one model.
type Result struct {
	Model   string `json:"model"`
	Checker string `json:"checker"` // "tlc" or "wasm"
	Broken  bool   `json:"broken"`  // a deliberately broken variant
	Expect  string `json:"expect,omitempty"`
	States  int    `json:"states"` // distinct states found
	// TLC only: the states generated, and the depth of the search.
	Generated int     `json:"generated,omitempty"`
	Depth     int     `json:"depth,omitempty"`
	Seconds   float64 `json:"seconds"` // wall time of the check
	Holds     bool    `json:"holds"`   // the checker found no violation
	Violated  string  `json:"violated,omitempty"`
	// Kind of the violation: "invariant", "property", "deadlock", or
	// "error" (the checker could not check the model).
	Kind           string   `json:"kind,omitempty"`
	Message        string   `json:"message,omitempty"`
	Counterexample string   `json:"counterexample,omitempty"`
	Notes          []string `json:"notes,omitempty"`
	// KnownMiss: the WebAssembly checker did not reject a broken model
	// whose violation it is known to miss (its cfg's WASM-MISSES line).
	KnownMiss bool `json:"known_miss,omitempty"`
	// OK is the verdict: a good model holds; a broken one is rejected
	// with a counterexample that violates what it expects (or is a known
	// miss of the WebAssembly checker).
	OK bool `json:"ok"`
}

// Verdict is the one-word summary of r.
func (r *Result) Verdict() string {
	switch {
	case r.KnownMiss:
		return "not rejected: known miss of tla-checker (TLC rejects it)"
	case r.OK && r.Broken:
		return "REJECTED as expected"
	case r.OK:
		return "PASS"
	case r.Broken && r.Holds:
		return "FAIL (broken model was not rejected)"
	case r.Broken:
		return fmt.Sprintf("FAIL (rejected for %s, expected %s)", r.Violated, r.Expect)
	default:
		return "FAIL"
	}
}

// judge sets r.OK.
func (r *Result) judge() {
	if r.Kind == "error" {
		r.OK = false
		return
	}
	if !r.Broken {
		r.OK = r.Holds
		return
	}
	r.OK = !r.Holds && r.Counterexample != "" && r.Violated == r.Expect
}

// Checker checks models: TLC when present, else the WebAssembly checker.
type Checker struct {
	Dir string // the tla directory
	TLC *TLC   // nil: use Wasm
	// MaxStates bounds the WebAssembly checker; a model that exceeds it
	// fails (an incomplete check is not a pass).
	MaxStates int
	wasm      *Wasm
}

// NewChecker returns a Checker for dir: with TLC if FindTLC finds it and
// preferTLC is set, else with the WebAssembly checker.
func NewChecker(dir string, preferTLC bool) (*Checker, error) {
	c := &Checker{Dir: dir, MaxStates: 2000000}
	if preferTLC {
		if t := FindTLC(); t != nil {
			c.TLC = t
			return c, nil
		}
	}
	w, err := StartWasm(dir)
	if err != nil {
		return nil, err
	}
	c.wasm = w
	return c, nil
}

// Name is "tlc" or "wasm".
func (c *Checker) Name() string {
	if c.TLC != nil {
		return "tlc"
	}
	return "wasm"
}

// Close releases the checker.
func (c *Checker) Close() error {
	if c.wasm != nil {
		return c.wasm.Close()
	}
	return nil
}

// Wasm returns the WebAssembly checker, starting it if needed.
func (c *Checker) Wasm() (*Wasm, error) {
	if c.wasm == nil {
		w, err := StartWasm(c.Dir)
		if err != nil {
			return nil, err
		}
		c.wasm = w
	}
	return c.wasm, nil
}

// Check checks one model and judges the outcome.
func (c *Checker) Check(m Model) (*Result, error) {
	var r *Result
	var err error
	if c.TLC != nil {
		r, err = c.TLC.Check(m)
	} else {
		r, err = c.checkWasm(m)
	}
	if err != nil {
		return nil, err
	}
	r.Model, r.Broken, r.Expect = m.Name, m.Broken(), m.Expect
	r.judge()
	if r.Checker == "wasm" && r.Broken && r.Holds && m.WasmMisses != "" {
		r.KnownMiss, r.OK = true, true
		r.Notes = append(r.Notes, "WASM-MISSES: "+m.WasmMisses)
	}
	return r, nil
}

var (
	wasmInvariantRE = regexp.MustCompile(`Invariant (\w+) violated`)
)

func (c *Checker) checkWasm(m Model) (*Result, error) {
	a, err := Assemble(m.Dir, m.Name)
	if err != nil {
		return nil, err
	}
	props := cfgList(a.Cfg, "PROPERTY", "PROPERTIES")
	start := time.Now()
	wr, err := c.wasm.Check(a.Module, a.Cfg, c.MaxStates)
	if err != nil {
		return nil, err
	}
	r := &Result{Checker: "wasm", States: wr.StatesExplored, Seconds: time.Since(start).Seconds(),
		Notes: a.Notes, Message: wr.ErrorMessage}
	r.Holds = wr.Success
	switch wr.ErrorType {
	case "":
	case "InvariantViolation":
		r.Kind = "invariant"
		// tla-checker names the invariant by its index in the cfg.
		if mm := wasmInvariantRE.FindStringSubmatch(wr.ErrorMessage); mm != nil {
			r.Violated = mm[1]
			invs := cfgList(a.Cfg, "INVARIANT", "INVARIANTS")
			if i, err := strconv.Atoi(mm[1]); err == nil && i >= 0 && i < len(invs) {
				r.Violated = invs[i]
			}
		}
	case "LivenessViolation":
		r.Kind = "property"
		// tla-checker names the property by its expanded formula, so
		// find which PROPERTY it is by checking them one at a time.
		r.Violated = c.whichProperty(a, props)
	case "Deadlock":
		r.Kind, r.Violated = "deadlock", "Deadlock"
	default:
		r.Kind, r.Violated = "error", wr.ErrorType
	}
	if len(wr.Trace) > 0 {
		var b strings.Builder
		for i, t := range wr.Trace {
			if i == 1 {
				b.WriteString("-- then, repeated forever (lasso) --\n")
			}
			b.WriteString(t)
		}
		r.Counterexample = b.String()
		if r.Kind == "property" {
			r.Counterexample = "-- prefix --\n" + r.Counterexample
		}
	}
	return r, nil
}

// whichProperty finds the first of props that tla-checker reports as
// violated when it is the only PROPERTY.
func (c *Checker) whichProperty(a *Assembly, props []string) string {
	if len(props) == 1 {
		return props[0]
	}
	base := removeCfgDirective(a.Cfg, "PROPERTY", "PROPERTIES")
	base = removeCfgDirective(base, "INVARIANT", "INVARIANTS")
	for _, p := range props {
		wr, err := c.wasm.Check(a.Module, base+"\nPROPERTY "+p+"\n", c.MaxStates)
		if err == nil && wr.ErrorType == "LivenessViolation" {
			return p
		}
	}
	return "?"
}

var cfgKeywords = map[string]bool{
	"INIT": true, "NEXT": true, "SPECIFICATION": true, "CONSTANT": true, "CONSTANTS": true,
	"INVARIANT": true, "INVARIANTS": true, "PROPERTY": true, "PROPERTIES": true,
	"SYMMETRY": true, "CHECK_DEADLOCK": true, "CONSTRAINT": true, "CONSTRAINTS": true,
	"ACTION_CONSTRAINT": true, "ACTION_CONSTRAINTS": true, "VIEW": true, "ALIAS": true,
	"POSTCONDITION": true,
}

// cfgList returns the names listed after any of the given directives.
func cfgList(cfg string, directives ...string) []string {
	want := map[string]bool{}
	for _, d := range directives {
		want[d] = true
	}
	var out []string
	in := false
	for _, line := range strings.Split(cfg, "\n") {
		for _, f := range strings.Fields(stripCfgComment(line)) {
			if cfgKeywords[f] {
				in = want[f]
				continue
			}
			if in {
				out = append(out, f)
			}
		}
	}
	return out
}

// removeCfgDirective drops the given directives and the names they list.
func removeCfgDirective(cfg string, directives ...string) string {
	want := map[string]bool{}
	for _, d := range directives {
		want[d] = true
	}
	var b strings.Builder
	in := false
	for _, line := range strings.Split(cfg, "\n") {
		var kept []string
		for _, f := range strings.Fields(stripCfgComment(line)) {
			if cfgKeywords[f] {
				in = want[f]
			}
			if !in {
				kept = append(kept, f)
			}
		}
		if len(kept) > 0 {
			b.WriteString(strings.Join(kept, " "))
			b.WriteString("\n")
		}
	}
	return b.String()
}
