package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/toolchain/disasm"
)

func init() {
	register(command{name: "check", summary: "check impl against refmodel on the built-in corpus; print the P&G verdict", run: checkCommand})
}

// checkLimit bounds one corpus program; the benchmark programs are
// workloads and are compared up to benchCheckLimit records.
const (
	checkLimit      = 20_000_000
	benchCheckLimit = 1_000_000
)

// checkProgram is one program's outcome, also the --json form.
type checkProgram struct {
	Path     string `json:"path"`
	Status   string `json:"status"` // equal, diverged, known-open, now-agrees, no-exit, error
	Records  uint64 `json:"records"`
	Exit     string `json:"exit,omitempty"`
	Code     int    `json:"code"`
	Reason   string `json:"reason,omitempty"`
	Report   string `json:"report,omitempty"`
	Duration string `json:"duration"`
}

// checkVerdict is the --json output of `vcheck check`.
type checkVerdict struct {
	A, B        string         `json:"-"`
	Targets     [2]string      `json:"targets"`
	Programs    []checkProgram `json:"programs"`
	Compared    uint64         `json:"records_compared"`
	Equivalence string         `json:"equivalence"` // holds, fails
	Theorem1    theorem1Result `json:"theorem1"`
	Resource    string         `json:"resource_control"`
	Efficiency  string         `json:"efficiency"`
	Seconds     float64        `json:"seconds"`
}

// theorem1Result is P&G's Theorem 1 as the spec tables declare it.
type theorem1Result struct {
	Holds      bool     `json:"holds"`
	Basis      string   `json:"basis"`
	Sensitive  int      `json:"sensitive"`
	Privileged int      `json:"privileged"`
	Offending  []string `json:"offending,omitempty"`
}

// checkCommand is `vcheck check [--a ref] [--b engine] [--json]`: every
// program of the embedded corpus runs on both targets in lockstep, and
// the verdict is printed. Exit 0 when every program agrees, 1 when any
// diverges (known open findings included: the verdict is about the
// implementation as it is), 2 on bad usage.
func checkCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr)
	nameA := fs.String("a", "ref", "reference target")
	nameB := fs.String("b", "engine", "target under check")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	verbose := fs.Bool("v", false, "print every program's line, not only the failures")
	dirs := fs.String("dirs", "", "comma-separated corpus directories to run (default: all)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vcheck check [flags]")
		fmt.Fprintln(stderr, "Checks one target against another on the built-in corpus, instruction by instruction.")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	fa, fb, ok := lookupTargets("check", "a", *nameA, "b", *nameB, stderr)
	if !ok {
		return exitUsage
	}
	var only []string
	if *dirs != "" {
		only = strings.Split(*dirs, ",")
	}
	var progs []corpus.Program
	for _, p := range corpus.Programs(only...) {
		if p.Runnable() {
			progs = append(progs, p)
		}
	}
	if len(progs) == 0 {
		fmt.Fprintf(stderr, "vcheck check: no corpus programs in %q\n", *dirs)
		return exitUsage
	}

	dis := disasm.NewDecoder(disasm.Options{})
	disFn := func(w uint32, pc uint64) string {
		s, _ := dis.Decode(w, pc)
		return s
	}
	v := checkVerdict{Targets: [2]string{*nameA, *nameB}}
	start := time.Now()
	cfg := spec.DefaultConfig()
	failed := 0
	prog := newProgress(stderr)
	for i, p := range progs {
		prog.Printf("[%d/%d] %s  (%d records compared so far)", i+1, len(progs), p.Path, v.Compared)
		r := checkOne(cfg, p, fa, fb, *nameA, *nameB, disFn)
		v.Compared += r.Records
		v.Programs = append(v.Programs, r)
		switch r.Status {
		case "equal", "now-agrees":
		default:
			failed++
		}
	}
	prog.Done()
	v.Seconds = time.Since(start).Seconds()
	v.Equivalence = "holds"
	if failed > 0 {
		v.Equivalence = "fails"
	}
	v.Theorem1 = declaredTheorem1()
	v.Resource = "not part of this check: `vcheck tla` model-checks the resource-control spec (tla/VMM.tla)"
	v.Efficiency = "not measured yet: no VMM"

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			fmt.Fprintln(stderr, "vcheck check:", err)
			return exitInternal
		}
	} else {
		printCheck(stdout, v, *verbose)
	}
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

func checkOne(cfg spec.Config, p corpus.Program, fa, fb targets.Factory, nameA, nameB string, dis diff.Disassembler) (r checkProgram) {
	t0 := time.Now()
	r.Path = p.Path
	defer func() { r.Duration = time.Since(t0).Round(time.Millisecond).String() }()
	fail := func(err error) checkProgram {
		r.Status, r.Reason = "error", err.Error()
		return r
	}
	cfg.Harts = p.Harts()
	img, err := p.Image(cfg)
	if err != nil {
		return fail(err)
	}
	a, err := fa(cfg, img)
	if err != nil {
		return fail(fmt.Errorf("target %s: %w", nameA, err))
	}
	b, err := fb(cfg, img)
	if err != nil {
		return fail(fmt.Errorf("target %s: %w", nameB, err))
	}
	limit := uint64(checkLimit)
	if p.Dir() == "bench" {
		limit = benchCheckLimit
	}
	res, err := diff.Lockstep(a, b, diff.Options{Limit: limit})
	if err != nil {
		return fail(err)
	}
	r.Records = res.Compared
	r.Exit, r.Code = res.ExitA.Reason.String(), res.ExitA.Code
	open := p.OpenFinding()
	switch {
	case res.Divergence != nil && open:
		r.Status, r.Reason = "known-open", res.Divergence.Reason
		r.Report = res.Divergence.Text(nameA, nameB, dis)
	case res.Divergence != nil:
		r.Status, r.Reason = "diverged", res.Divergence.Reason
		r.Report = res.Divergence.Text(nameA, nameB, dis)
	case res.ExitA.Reason == spec.Running && p.Dir() != "bench":
		r.Status, r.Reason = "no-exit", fmt.Sprintf("no exit after %d records", res.Compared)
	case open:
		r.Status, r.Reason = "now-agrees", `the targets now agree: mark the file "status: fixed"`
	default:
		r.Status = "equal"
	}
	return r
}

func printCheck(w io.Writer, v checkVerdict, verbose bool) {
	fmt.Fprintf(w, "vcheck check: %s against %s on %d built-in programs\n\n", v.Targets[1], v.Targets[0], len(v.Programs))
	shown := 0
	for _, p := range v.Programs {
		if !verbose && (p.Status == "equal") {
			continue
		}
		shown++
		line := fmt.Sprintf("  %-10s %-48s %9d records", strings.ToUpper(p.Status), p.Path, p.Records)
		if p.Exit != "" && p.Status == "equal" {
			line += fmt.Sprintf("  %s %d", p.Exit, p.Code)
		}
		if p.Reason != "" {
			line += "  " + p.Reason
		}
		fmt.Fprintln(w, line)
		if p.Status == "diverged" && p.Report != "" {
			for _, l := range strings.Split(strings.TrimRight(p.Report, "\n"), "\n") {
				fmt.Fprintln(w, "      "+l)
			}
		}
	}
	if shown > 0 {
		fmt.Fprintln(w)
	}
	eq := "HOLDS"
	if v.Equivalence != "holds" {
		eq = "FAILS"
	}
	fmt.Fprintf(w, "Equivalence       %s: %s on %d programs, %d records compared (%.1fs)\n", eq, v.Targets[1]+" ≡ "+v.Targets[0], len(v.Programs), v.Compared, v.Seconds)
	t1 := "HOLDS"
	if !v.Theorem1.Holds {
		t1 = "FAILS (" + strings.Join(v.Theorem1.Offending, ", ") + ")"
	}
	fmt.Fprintf(w, "Theorem 1         %s: sensitive ⊆ privileged (%s: %d sensitive, %d privileged)\n", t1, v.Theorem1.Basis, v.Theorem1.Sensitive, v.Theorem1.Privileged)
	fmt.Fprintf(w, "Resource control  %s\n", v.Resource)
	fmt.Fprintf(w, "Efficiency        %s\n", v.Efficiency)
}

// declaredTheorem1 checks P&G's Theorem 1 on the classes the spec tables
// declare: every sensitive instruction (and CSR access) must be
// privileged. `vcheck pg` checks the declarations by observation.
func declaredTheorem1() theorem1Result {
	r := theorem1Result{Basis: "declared classes of the spec tables"}
	sensitive := func(c spec.Class) bool { return c == spec.ControlSensitive || c == spec.BehaviorSensitive }
	for _, in := range spec.Insts {
		switch {
		case in.Class == spec.Privileged:
			r.Privileged++
		case sensitive(in.Class):
			r.Sensitive++
			r.Offending = append(r.Offending, in.Name)
		}
	}
	for _, c := range spec.CSRs {
		switch {
		case c.Class == spec.Privileged:
			r.Privileged++
		case sensitive(c.Class):
			r.Sensitive++
			r.Offending = append(r.Offending, "csr "+c.Name)
		}
	}
	r.Holds = len(r.Offending) == 0
	return r
}
