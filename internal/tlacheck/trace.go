package tlacheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Trace validation, after Cirstea, Kuppe, Loillier and Merz, "Validating
// Traces of Distributed Programs Against TLA+ Specifications" (2024): the
// VMM logs one event per action it takes; the trace is valid if some
// behavior of the spec takes the same actions, in the same order, and
// gives the logged variables the logged values. Variables the event does
// not mention are left to the spec (the spec fills in what the program does
// not log), and so are the entries of a function variable that the event
// does not mention.
//
// The event format (one JSON object per line, see tla/README.md):
//
//	{"action": "Grant", "status": {"alice": "admitted"}, "mem": {"alice": ["r1", "r2"]}}
//
//   - "action": the name of a VMM.tla action (Create, Grant, ...);
//   - every other key is a spec variable the action changes, with its new
//     value; for a function variable (status, mem, run, mode, prot) an
//     object of the entries that change;
//   - values: strings are strings or model values (c1, r3, Host) by name;
//     arrays are sets, except a vCPU, which is the pair [vm, index];
//   - keys starting with "_" (e.g. "_time") are the program's own notes,
//     ignored by the check.

// Event is one line of a trace.
type Event struct {
	Line   int
	Action string
	Vars   map[string]json.RawMessage
	Raw    string
}

// ParseTrace reads a trace of JSON lines. Blank lines are skipped.
func ParseTrace(r io.Reader) ([]Event, error) {
	var evs []Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var obj map[string]json.RawMessage
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object: %v", line, err)
		}
		ev := Event{Line: line, Vars: map[string]json.RawMessage{}, Raw: text}
		a, ok := obj["action"]
		if !ok || json.Unmarshal(a, &ev.Action) != nil || ev.Action == "" {
			return nil, fmt.Errorf("line %d: no \"action\" string", line)
		}
		for k, v := range obj {
			if k == "action" || strings.HasPrefix(k, "_") {
				continue
			}
			ev.Vars[k] = v
		}
		evs = append(evs, ev)
	}
	return evs, sc.Err()
}

// ReadTraceFile reads a trace file.
func ReadTraceFile(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseTrace(f)
}

// TraceResult is the verdict on a trace.
type TraceResult struct {
	Model    string  `json:"model"`
	Checker  string  `json:"checker"`
	Events   int     `json:"events"`
	Accepted bool    `json:"accepted"`
	Seconds  float64 `json:"seconds"`
	// For a rejected trace: the first event (1-based) that no behavior of
	// the spec can take, its line in the file, and why.
	Step    int      `json:"step,omitempty"`
	Line    int      `json:"line,omitempty"`
	Event   string   `json:"event,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Allowed []string `json:"allowed,omitempty"` // actions the spec allows there
}

// maxCandidates bounds the states kept for one prefix of the trace.
const maxCandidates = 5000

// ValidateTraceWasm checks a trace against model m with the stepping API
// of the WebAssembly checker: it keeps every state of the spec that the
// prefix of the trace can lead to, and steps each of them by each event.
func (c *Checker) ValidateTraceWasm(m Model, events []Event) (*TraceResult, error) {
	w, err := c.Wasm()
	if err != nil {
		return nil, err
	}
	name, smod, scfg, err := stepModule(m)
	if err != nil {
		return nil, err
	}
	dir, err := stageModels(m.Dir)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, name+".tla"), []byte(smod), 0o644); err != nil {
		return nil, err
	}
	a, err := AssembleWithCfg(dir, name, scfg)
	if err != nil {
		return nil, err
	}
	cfg := a.Cfg
	start := time.Now()
	res := &TraceResult{Model: m.Name, Checker: "wasm", Events: len(events)}
	inits, vars, err := w.Init(a.Module, cfg)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	var specVars []string
	for _, v := range vars {
		if v != actVar {
			known[v] = true
			specVars = append(specVars, v)
		}
	}
	cands := map[string]map[string]json.RawMessage{}
	for _, s := range inits {
		cands[stateKey(s.JSON)] = s.JSON
	}
	for i, ev := range events {
		for k := range ev.Vars {
			if !known[k] {
				res.reject(i, ev, fmt.Sprintf("%q is not a variable of the spec (variables: %s)", k, strings.Join(specVars, ", ")), nil)
				res.Seconds = time.Since(start).Seconds()
				return res, nil
			}
		}
		next := map[string]map[string]json.RawMessage{}
		allowed := map[string]bool{}
		actionSeen := false
		for _, st := range sortedStates(cands) {
			ts, err := w.Next(a.Module, cfg, st)
			if err != nil {
				return nil, err
			}
			for _, t := range ts {
				var act string
				json.Unmarshal(t.State.JSON[actVar], &act)
				allowed[act] = true
				if act != ev.Action {
					continue
				}
				actionSeen = true
				if eventMatches(ev, t.State.JSON) {
					next[stateKey(t.State.JSON)] = t.State.JSON
				}
			}
		}
		if len(next) == 0 {
			var why string
			if actionSeen {
				why = fmt.Sprintf("the spec allows %s here, but no %s step gives the variables the logged values", ev.Action, ev.Action)
			} else {
				why = fmt.Sprintf("the spec does not allow %s here", ev.Action)
			}
			res.reject(i, ev, why, allowed)
			res.Seconds = time.Since(start).Seconds()
			return res, nil
		}
		if len(next) > maxCandidates {
			return nil, fmt.Errorf("event %d: %d candidate states; the trace logs too little to follow", i+1, len(next))
		}
		cands = next
	}
	res.Accepted = true
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func (r *TraceResult) reject(i int, ev Event, why string, allowed map[string]bool) {
	r.Step, r.Line, r.Event, r.Reason = i+1, ev.Line, ev.Raw, why
	for a := range allowed {
		r.Allowed = append(r.Allowed, a)
	}
	sort.Strings(r.Allowed)
}

func stateKey(s map[string]json.RawMessage) string {
	b, _ := json.Marshal(s) // map keys are sorted
	return string(b)
}

func sortedStates(m map[string]map[string]json.RawMessage) []map[string]json.RawMessage {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]json.RawMessage, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func decodeAny(raw json.RawMessage) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// eventMatches reports whether state s gives every variable of ev the
// logged value (function variables: the logged entries).
func eventMatches(ev Event, s map[string]json.RawMessage) bool {
	for k, raw := range ev.Vars {
		sv, ok := s[k]
		if !ok {
			return false
		}
		if !matchTop(decodeAny(raw), decodeAny(sv)) {
			return false
		}
	}
	return true
}

// matchTop matches a logged value against a state value; a logged object
// against a function is partial: only the logged entries count.
func matchTop(ev, sv any) bool {
	eo, ok := ev.(map[string]any)
	if !ok {
		return eqValue(ev, sv)
	}
	so, ok := sv.(map[string]any)
	if !ok {
		return false
	}
	if fn, ok := so["__fn"].([]any); ok {
		for k, v := range eo {
			found := false
			for _, pair := range fn {
				p, ok := pair.([]any)
				if ok && len(p) == 2 && eqValue(k, p[0]) {
					found = true
					if !eqValue(v, p[1]) {
						return false
					}
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	for k, v := range eo {
		x, ok := so[k]
		if !ok || !eqValue(v, x) {
			return false
		}
	}
	return true
}

// eqValue compares a logged value with a state value in tla-checker's
// JSON form.
func eqValue(ev, sv any) bool {
	switch s := sv.(type) {
	case map[string]any:
		if name, ok := s["__model"].(string); ok {
			e, ok := ev.(string)
			return ok && e == name
		}
		if tup, ok := s["__tuple"].([]any); ok {
			e, ok := ev.([]any)
			if !ok || len(e) != len(tup) {
				return false
			}
			for i := range e {
				if !eqValue(e[i], tup[i]) {
					return false
				}
			}
			return true
		}
		if fn, ok := s["__fn"].([]any); ok {
			e, ok := ev.(map[string]any)
			return ok && len(e) == len(fn) && matchTop(e, s)
		}
		e, ok := ev.(map[string]any)
		if !ok || len(e) != len(s) {
			return false
		}
		return matchTop(e, s)
	case []any: // a set
		e, ok := ev.([]any)
		if !ok || len(e) != len(s) {
			return false
		}
		used := make([]bool, len(s))
	next:
		for _, x := range e {
			for j, y := range s {
				if !used[j] && eqValue(x, y) {
					used[j] = true
					continue next
				}
			}
			return false
		}
		return true
	case json.Number:
		switch e := ev.(type) {
		case json.Number:
			return e.String() == s.String()
		case string: // a function key given as a JSON object key
			return e == s.String()
		}
		return false
	case string:
		e, ok := ev.(string)
		return ok && e == s
	case bool:
		e, ok := ev.(bool)
		return ok && e == s
	}
	return false
}

// ---- The TLC form: a generated trace module. ----

// actionFormulas says, for each action of VMM.tla, the formula that "some
// instance of the action is taken". They follow the disjuncts of Next, and
// a test keeps the two in step.
var actionFormulas = map[string]string{
	"Create":    `\E v \in VMs : Create(v)`,
	"Grant":     `\E v \in VMs : Grant(v)`,
	"Release":   `\E v \in VMs : Release(v)`,
	"Destroy":   `\E v \in VMs : Destroy(v)`,
	"Dispatch":  `\E c \in CPUs : \E vc \in GrantedVCPUs : Dispatch(c, vc)`,
	"GuestStep": `\E c \in CPUs : GuestStep(c)`,
	"Trap":      `\E c \in CPUs : Trap(c)`,
	"Preempt":   `\E c \in CPUs : Preempt(c)`,
	"Scrub":     `\E r \in Regions : Scrub(r)`,
}

// ActionNames lists the actions of VMM.tla, sorted.
func ActionNames() []string {
	var ns []string
	for n := range actionFormulas {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// tupleVars are the variables whose logged arrays are tuples (a vCPU is
// <<vm, index>>); every other logged array is a set.
var tupleVars = map[string]bool{"run": true}

var cfgIdentRE = regexp.MustCompile(`[A-Za-z_]\w*`)

// cfgModelValues returns the constants a cfg assigns (`X = ...`) and the
// model values it uses (bare identifiers on the right of `=`).
func cfgModelValues(cfg string) (consts, values []string) {
	seenC, seenV := map[string]bool{}, map[string]bool{}
	for _, line := range strings.Split(cfg, "\n") {
		line = stripCfgComment(line)
		eq := strings.Index(line, "=")
		if eq < 0 || strings.Contains(line, "<-") {
			continue
		}
		lhs := strings.Fields(line[:eq])
		if len(lhs) > 0 && !seenC[lhs[len(lhs)-1]] {
			seenC[lhs[len(lhs)-1]] = true
			consts = append(consts, lhs[len(lhs)-1])
		}
		rhs := regexp.MustCompile(`"[^"]*"`).ReplaceAllString(line[eq+1:], "")
		for _, id := range cfgIdentRE.FindAllString(rhs, -1) {
			if id == "TRUE" || id == "FALSE" || seenV[id] {
				continue
			}
			seenV[id] = true
			values = append(values, id)
		}
	}
	return consts, values
}

// tlaValue renders a logged value as a TLA+ expression.
func tlaValue(v any, tuple bool, modelValues map[string]bool) (string, error) {
	switch x := v.(type) {
	case string:
		if modelValues[x] {
			return x, nil
		}
		return strconv.Quote(x), nil
	case json.Number:
		if _, err := strconv.Atoi(x.String()); err != nil {
			return "", fmt.Errorf("%s: only integers", x)
		}
		return x.String(), nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case []any:
		var parts []string
		for _, e := range x {
			s, err := tlaValue(e, false, modelValues)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		if tuple {
			return "<<" + strings.Join(parts, ", ") + ">>", nil
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			s, err := tlaValue(x[k], tuple, modelValues)
			if err != nil {
				return "", err
			}
			parts = append(parts, k+" |-> "+s)
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	return "", fmt.Errorf("unsupported value %v", v)
}

// GenerateTraceModule writes the TLC form of a trace check for model m:
// a module Trace_<model> that EXTENDS the model and has one action per
// event, and its cfg. TLC finds the trace valid iff it can reach the state
// after the last event, which the invariant TraceNotDone reports as a
// "violation"; otherwise the depth of TLC's search tells the first event
// it could not take.
func GenerateTraceModule(m Model, events []Event) (name, module, cfg string, err error) {
	base, err := os.ReadFile(filepath.Join(m.Dir, m.Name+".cfg"))
	if err != nil {
		return "", "", "", err
	}
	consts, values := cfgModelValues(string(base))
	isConst := map[string]bool{}
	for _, c := range consts {
		isConst[c] = true
	}
	mv := map[string]bool{}
	var decl []string
	for _, v := range values {
		mv[v] = true
		if !isConst[v] {
			decl = append(decl, v)
		}
	}
	name = "Trace_" + m.Name
	var b strings.Builder
	fmt.Fprintf(&b, "---- MODULE %s ----\n", name)
	fmt.Fprintf(&b, "\\* Generated by vcheck tla trace: the trace as a TLA+ spec (do not edit).\n")
	fmt.Fprintf(&b, "EXTENDS %s, Naturals\n", m.Name)
	if len(decl) > 0 {
		fmt.Fprintf(&b, "CONSTANTS %s\n", strings.Join(decl, ", "))
	}
	b.WriteString("VARIABLE l\n\n")
	fmt.Fprintf(&b, "TraceLen == %d\n\n", len(events))
	b.WriteString("TraceInit == Init /\\ l = 1\n\n")
	for i, ev := range events {
		f, ok := actionFormulas[ev.Action]
		if !ok {
			return "", "", "", fmt.Errorf("line %d: %q is not an action of VMM.tla (actions: %s)", ev.Line, ev.Action, strings.Join(ActionNames(), ", "))
		}
		conj := []string{"(" + f + ")"}
		keys := make([]string, 0, len(ev.Vars))
		for k := range ev.Vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := decodeAny(ev.Vars[k])
			if obj, ok := v.(map[string]any); ok {
				ks := make([]string, 0, len(obj))
				for kk := range obj {
					ks = append(ks, kk)
				}
				sort.Strings(ks)
				for _, kk := range ks {
					key, _ := tlaValue(kk, false, mv)
					val, err := tlaValue(obj[kk], tupleVars[k], mv)
					if err != nil {
						return "", "", "", fmt.Errorf("line %d: %s: %v", ev.Line, k, err)
					}
					conj = append(conj, fmt.Sprintf("%s'[%s] = %s", k, key, val))
				}
				continue
			}
			val, err := tlaValue(v, tupleVars[k], mv)
			if err != nil {
				return "", "", "", fmt.Errorf("line %d: %s: %v", ev.Line, k, err)
			}
			conj = append(conj, fmt.Sprintf("%s' = %s", k, val))
		}
		fmt.Fprintf(&b, "\\* line %d: %s\nEvent%d == %s\n\n", ev.Line, ev.Raw, i+1, strings.Join(conj, "\n           /\\ "))
	}
	b.WriteString("TraceNext == \\/ FALSE\n")
	for i := range events {
		fmt.Fprintf(&b, "             \\/ l = %d /\\ Event%d /\\ l' = %d\n", i+1, i+1, i+2)
	}
	b.WriteString("\n\\* Violated exactly when the whole trace has been taken: TLC's\n\\* \"counterexample\" is then the behavior that explains the trace.\nTraceNotDone == l <= TraceLen\n====\n")
	module = b.String()

	cfg = "\\* Generated by vcheck tla trace (do not edit).\nINIT TraceInit\nNEXT TraceNext\n" +
		cfgConstants(string(base), decl) + "INVARIANT TraceNotDone\nCHECK_DEADLOCK FALSE\n"
	return name, module, cfg, nil
}

// cfgConstants returns the CONSTANTS section of a model's cfg, with the
// model values in decl declared as constants of their own name.
func cfgConstants(base string, decl []string) string {
	var cb strings.Builder
	cb.WriteString("CONSTANTS\n")
	for _, line := range strings.Split(base, "\n") {
		t := strings.TrimSpace(stripCfgComment(line))
		if strings.Contains(t, "=") || strings.Contains(t, "<-") {
			t = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(t, "CONSTANTS"), "CONSTANT"))
			cb.WriteString("    " + t + "\n")
		}
	}
	for _, v := range decl {
		fmt.Fprintf(&cb, "    %s = %s\n", v, v)
	}
	return cb.String()
}

// actVar is the history variable of the stepping module.
const actVar = "vcheck_act"

// stepModule builds the module that the stepping check walks: the model,
// plus a variable that records the name of the action last taken.
// tla-checker's stepping API merges the transitions that lead to the same
// state (Trap and Preempt do), and labels the survivor with one name, so
// the name must be part of the state. The actions are those of the trace
// module (actionFormulas).
func stepModule(m Model) (name, module, cfg string, err error) {
	base, err := os.ReadFile(filepath.Join(m.Dir, m.Name+".cfg"))
	if err != nil {
		return "", "", "", err
	}
	name = "Step_" + m.Name
	var b strings.Builder
	fmt.Fprintf(&b, "---- MODULE %s ----\nEXTENDS %s\nVARIABLE %s\n\n", name, m.Name, actVar)
	fmt.Fprintf(&b, "StepInit == Init /\\ %s = \"Init\"\n\n", actVar)
	b.WriteString("StepNext ==")
	for i, a := range ActionNames() {
		if i > 0 {
			b.WriteString("\n           ")
		}
		fmt.Fprintf(&b, " \\/ (%s) /\\ %s' = %q", actionFormulas[a], actVar, a)
	}
	b.WriteString("\n====\n")
	cfg = "INIT StepInit\nNEXT StepNext\n" + cfgConstants(string(base), nil)
	return name, b.String(), cfg, nil
}

// ValidateTraceTLC checks a trace with TLC through the generated module.
func (c *Checker) ValidateTraceTLC(m Model, events []Event) (*TraceResult, error) {
	if c.TLC == nil {
		return nil, fmt.Errorf("TLC is not installed")
	}
	name, module, cfg, err := GenerateTraceModule(m, events)
	if err != nil {
		return nil, err
	}
	dir, err := stageModels(m.Dir)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, name+".tla"), []byte(module), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".cfg"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	run, err := c.TLC.run(dir, name)
	if err != nil {
		return nil, err
	}
	res := &TraceResult{Model: m.Name, Checker: "tlc", Events: len(events), Seconds: run.seconds}
	switch {
	case tlcInvariantRE.MatchString(run.out) && tlcInvariantRE.FindStringSubmatch(run.out)[1] == "TraceNotDone":
		res.Accepted = true
	case tlcSuccessRE.MatchString(run.out):
		// The search got as deep as l = depth: events 1 .. depth-1 were
		// taken, and event `depth` was not.
		step := run.depth
		if step < 1 {
			step = 1
		}
		if step > len(events) {
			step = len(events)
		}
		res.reject(step-1, events[step-1], "no behavior of the spec takes this event after the ones before it", nil)
	default:
		return nil, fmt.Errorf("TLC on the trace module: %s", lastLines(run.out, 15))
	}
	return res, nil
}

// ValidateTrace checks a trace with TLC if the Checker has it, else with
// the WebAssembly checker.
func (c *Checker) ValidateTrace(m Model, events []Event) (*TraceResult, error) {
	if c.TLC != nil {
		return c.ValidateTraceTLC(m, events)
	}
	return c.ValidateTraceWasm(m, events)
}
