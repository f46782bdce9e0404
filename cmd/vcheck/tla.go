package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vcheck-dev/vcheck/internal/tlacheck"
)

func init() {
	register(command{
		name:    "tla",
		summary: "check the TLA+ resource-control models (TLC, or the wasm checker), or validate a VMM trace",
		run:     runTLA,
	})
}

const tlaUsage = `usage: vcheck tla [flags] [MODEL...]
       vcheck tla trace [flags] FILE

The first form checks the models of tla/ (all of them by default): the MC_
models must hold, and the Broken_ models must be rejected with the
counterexample their cfg expects. It runs TLC when TLA2TOOLS_JAR is set or
tlc is on the PATH (with -workers auto and a -metadir outside the source
tree), and else the WebAssembly checker of tla/runner (.ci/tla-deps.sh).

The second form validates a VMM event trace (JSON lines) against VMM.tla.

Exit status: 0 all verdicts as expected / trace accepted; 1 a model failed /
trace rejected; 2 usage; 3 the checker could not run.
`

func runTLA(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "trace" {
		return runTLATrace(args[1:], stdout, stderr)
	}
	fs := newFlagSet("tla", stderr)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	dir := fs.String("dir", "", "the tla directory (default: tla/ of this directory or a parent)")
	checker := fs.String("checker", "auto", "auto (TLC if present, else wasm), tlc or wasm")
	fs.Usage = func() { fmt.Fprint(stderr, tlaUsage); fs.PrintDefaults() }
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	c, code := openTLAChecker(*dir, *checker, stderr)
	if c == nil {
		return code
	}
	defer c.Close()
	models, err := selectModels(c.Dir, fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "vcheck tla:", err)
		return exitUsage
	}
	var results []*tlacheck.Result
	failed := 0
	for _, m := range models {
		r, err := c.Check(m)
		if err != nil {
			fmt.Fprintf(stderr, "vcheck tla: %s: %v\n", m.Name, err)
			return exitInternal
		}
		results = append(results, r)
		if !r.OK {
			failed++
		}
		if !*asJSON {
			extra := ""
			if r.Generated > 0 {
				extra = fmt.Sprintf(" (%d generated, depth %d)", r.Generated, r.Depth)
			}
			fmt.Fprintf(stdout, "%-32s %-5s %9d states %7.1fs  %s%s\n", r.Model, r.Checker, r.States, r.Seconds, r.Verdict(), extra)
			if !r.OK {
				if r.Message != "" {
					fmt.Fprintf(stdout, "  %s\n", r.Message)
				}
				if r.Counterexample != "" {
					fmt.Fprintf(stdout, "%s\n", indent(r.Counterexample, "  "))
				}
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"checker": c.Name(), "results": results, "failed": failed})
	} else {
		fmt.Fprintf(stdout, "%d passed, %d failed\n", len(results)-failed, failed)
	}
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

func runTLATrace(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("tla trace", stderr)
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	dir := fs.String("dir", "", "the tla directory (default: tla/ of this directory or a parent)")
	model := fs.String("model", "MC_Cloud", "the model whose constants the trace uses")
	checker := fs.String("checker", "auto", "auto (TLC if present, else wasm), tlc or wasm")
	fs.Usage = func() { fmt.Fprint(stderr, tlaUsage); fs.PrintDefaults() }
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "vcheck tla trace: want exactly one trace FILE")
		fs.Usage()
		return exitUsage
	}
	events, err := tlacheck.ReadTraceFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "vcheck tla trace:", err)
		return exitUsage
	}
	c, code := openTLAChecker(*dir, *checker, stderr)
	if c == nil {
		return code
	}
	defer c.Close()
	m, err := tlacheck.LoadModel(c.Dir, *model)
	if err != nil {
		fmt.Fprintln(stderr, "vcheck tla trace:", err)
		return exitUsage
	}
	r, err := c.ValidateTrace(m, events)
	if err != nil {
		fmt.Fprintln(stderr, "vcheck tla trace:", err)
		return exitInternal
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(r)
	} else if r.Accepted {
		fmt.Fprintf(stdout, "%s: trace of %d events ACCEPTED by %s (%s, %.1fs)\n", fs.Arg(0), r.Events, m.Name, r.Checker, r.Seconds)
	} else {
		fmt.Fprintf(stdout, "%s: trace REJECTED by %s (%s, %.1fs) at event %d (line %d):\n  %s\n  %s\n",
			fs.Arg(0), m.Name, r.Checker, r.Seconds, r.Step, r.Line, r.Event, r.Reason)
		if len(r.Allowed) > 0 {
			fmt.Fprintf(stdout, "  the spec allows there: %s\n", strings.Join(r.Allowed, ", "))
		}
	}
	if !r.Accepted {
		return exitFailure
	}
	return exitOK
}

// openTLAChecker finds the tla directory and starts the checker asked for.
func openTLAChecker(dir, which string, stderr io.Writer) (*tlacheck.Checker, int) {
	if dir == "" {
		d, err := tlacheck.FindDir(".")
		if err != nil {
			fmt.Fprintln(stderr, "vcheck tla:", err)
			return nil, exitUsage
		}
		dir = d
	} else if _, err := os.Stat(filepath.Join(dir, "VMM.tla")); err != nil {
		fmt.Fprintf(stderr, "vcheck tla: -dir %s: no VMM.tla there\n", dir)
		return nil, exitUsage
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
			fmt.Fprintln(stderr, "vcheck tla: -checker tlc, but TLC is not installed (set TLA2TOOLS_JAR or put tlc on the PATH)")
			return nil, exitInternal
		}
		c = &tlacheck.Checker{Dir: dir, TLC: t}
	default:
		fmt.Fprintf(stderr, "vcheck tla: -checker %q: want auto, tlc or wasm\n", which)
		return nil, exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "vcheck tla:", err)
		return nil, exitInternal
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
