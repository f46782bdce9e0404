package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vcheck-dev/vcheck/internal/tlacheck"
)

func init() {
	register(&command{
		name:    "tla",
		summary: "check the TLA+ resource-control models (TLC, or the wasm checker)",
		args:    "[MODEL...]",
		minArgs: 0, maxArgs: -1,
		about: `Checks the models of tla/ (all of them by default): the MC_ models must hold,
and the Broken_ models must be rejected with the counterexample their cfg
expects. It runs TLC when TLA2TOOLS_JAR is set or tlc is on the PATH (with
-workers auto and a -metadir outside the source tree), and else the
WebAssembly checker of tla/runner (.ci/tla-deps.sh installs it).

'vcheck tla trace FILE' validates a VMM event trace against VMM.tla.`,
		examples: []example{
			{"vcheck tla", "every model, with TLC if installed"},
			{"vcheck tla --checker wasm MC_Small Broken_NoTimer", "two models, with the WebAssembly checker"},
			{"vcheck tla --json | jq '.results[] | {model, verdict}'", ""},
		},
		exits: map[int]string{
			exitOK:      "every verdict is as expected",
			exitFailure: "a model failed (a good model violated, or a broken one not rejected)",
		},
		progress: true,
		flags:    tlaFlags,
	})
	register(&command{
		name:    "tla trace",
		summary: "validate a VMM event trace (JSON lines) against VMM.tla",
		args:    "FILE",
		minArgs: 1, maxArgs: 1,
		about: `Validates a VMM event trace, one JSON event per line, against the resource-
control spec tla/VMM.tla with the constants of --model: the first event no
behavior of the spec can take is reported, with its line and the actions the
spec allows there.`,
		examples: []example{
			{"vcheck tla trace vmm-events.jsonl", ""},
			{"vcheck tla trace --model MC_Cloud --json vmm-events.jsonl", ""},
		},
		exits: map[int]string{
			exitOK:      "the trace is accepted",
			exitFailure: "the trace is rejected",
		},
		flags: tlaTraceFlags,
	})
}

// tlaJSON is the --json output of vcheck tla.
type tlaJSON struct {
	Checker string          `json:"checker"`
	Results []tlaResultJSON `json:"results"`
	Passed  int             `json:"passed"`
	Failed  int             `json:"failed"`
}

// tlaResultJSON is one model's result, with its one-word verdict.
type tlaResultJSON struct {
	*tlacheck.Result
	Verdict string `json:"verdict"`
}

func tlaFlags(fs *flag.FlagSet) func(e *env) int {
	dir := fs.String("dir", "", "the tla `directory` (default: tla/ of this directory or a parent)")
	checker := fs.String("checker", "auto", "auto (TLC if present, else wasm), tlc or wasm")
	return func(e *env) int {
		c, code := openTLAChecker(e, *dir, *checker)
		if c == nil {
			return code
		}
		defer c.Close()
		models, err := selectModels(c.Dir, e.args)
		if err != nil {
			return e.usagef("%v", err)
		}
		out := tlaJSON{Checker: c.Name(), Results: []tlaResultJSON{}}
		prog := e.newProgress()
		for i, m := range models {
			prog.Printf("tla [%d/%d] checking %s", i+1, len(models), m.Name)
			r, err := c.Check(m)
			if err != nil {
				prog.Done()
				return e.errorf(exitInternal, "%s: %v", m.Name, err)
			}
			out.Results = append(out.Results, tlaResultJSON{r, r.Verdict()})
			if r.OK {
				out.Passed++
			} else {
				out.Failed++
			}
			if !e.json {
				extra := ""
				if r.Generated > 0 {
					extra = fmt.Sprintf(" (%d generated, depth %d)", r.Generated, r.Depth)
				}
				fmt.Fprintf(e.stdout, "%-32s %-5s %9d states %7.1fs  %s%s\n", r.Model, r.Checker, r.States, r.Seconds, r.Verdict(), extra)
				if !r.OK {
					if r.Message != "" {
						fmt.Fprintf(e.stdout, "  %s\n", r.Message)
					}
					if r.Counterexample != "" {
						fmt.Fprintf(e.stdout, "%s\n", indent(r.Counterexample, "  "))
					}
				}
			}
		}
		prog.Done()
		code = exitOK
		if out.Failed > 0 {
			code = exitFailure
		}
		if e.json {
			if c := e.writeJSON(out); c != exitOK {
				return c
			}
			return code
		}
		fmt.Fprintf(e.stdout, "%d passed, %d failed\n", out.Passed, out.Failed)
		return code
	}
}

func tlaTraceFlags(fs *flag.FlagSet) func(e *env) int {
	dir := fs.String("dir", "", "the tla `directory` (default: tla/ of this directory or a parent)")
	model := fs.String("model", "MC_Cloud", "the `model` whose constants the trace uses")
	checker := fs.String("checker", "auto", "auto (TLC if present, else wasm), tlc or wasm")
	return func(e *env) int {
		events, err := tlacheck.ReadTraceFile(e.args[0])
		if err != nil {
			return e.errorf(exitUsage, "%v", err)
		}
		c, code := openTLAChecker(e, *dir, *checker)
		if c == nil {
			return code
		}
		defer c.Close()
		m, err := tlacheck.LoadModel(c.Dir, *model)
		if err != nil {
			return e.usagef("--model: %v", err)
		}
		r, err := c.ValidateTrace(m, events)
		if err != nil {
			return e.errorf(exitInternal, "%v", err)
		}
		code = exitOK
		if !r.Accepted {
			code = exitFailure
		}
		if e.json {
			if r.Allowed == nil {
				r.Allowed = []string{}
			}
			if c := e.writeJSON(r); c != exitOK {
				return c
			}
			return code
		}
		if r.Accepted {
			fmt.Fprintf(e.stdout, "%s: trace of %d events ACCEPTED by %s (%s, %.1fs)\n", e.args[0], r.Events, m.Name, r.Checker, r.Seconds)
			return code
		}
		fmt.Fprintf(e.stdout, "%s: trace REJECTED by %s (%s, %.1fs) at event %d (line %d):\n  %s\n  %s\n",
			e.args[0], m.Name, r.Checker, r.Seconds, r.Step, r.Line, r.Event, r.Reason)
		if len(r.Allowed) > 0 {
			fmt.Fprintf(e.stdout, "  the spec allows there: %s\n", strings.Join(r.Allowed, ", "))
		}
		return code
	}
}

// openTLAChecker finds the tla directory and starts the checker asked for.
func openTLAChecker(e *env, dir, which string) (*tlacheck.Checker, int) {
	if dir == "" {
		d, err := tlacheck.FindDir(".")
		if err != nil {
			return nil, e.errorf(exitUsage, "%v", err)
		}
		dir = d
	} else if _, err := os.Stat(filepath.Join(dir, "VMM.tla")); err != nil {
		return nil, e.usagef("--dir %s: no VMM.tla there", dir)
	}
	var c *tlacheck.Checker
	var err error
	switch which {
	case "auto":
		c, err = tlacheck.NewChecker(dir, true)
	case "wasm":
		c, err = tlacheck.NewChecker(dir, false)
	case "tlc":
		t := tlacheck.FindTLC()
		if t == nil {
			return nil, e.errorf(exitInternal, "--checker tlc, but TLC is not installed (set TLA2TOOLS_JAR or put tlc on the PATH)")
		}
		c = &tlacheck.Checker{Dir: dir, TLC: t}
	default:
		return nil, e.usagef("--checker %q: want auto, tlc or wasm", which)
	}
	if err != nil {
		return nil, e.errorf(exitInternal, "%v", err)
	}
	return c, exitOK
}

// selectModels returns the models named (all of dir's if none).
func selectModels(dir string, names []string) ([]tlacheck.Model, error) {
	if len(names) == 0 {
		return tlacheck.Models(dir)
	}
	var ms []tlacheck.Model
	for _, n := range names {
		m, err := tlacheck.LoadModel(dir, strings.TrimSuffix(strings.TrimSuffix(n, ".tla"), ".cfg"))
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}
