package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/jsonout"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/toolchain/disasm"
)

func init() {
	register(&command{
		name:    "check",
		summary: "check impl against refmodel on the built-in corpus; print the P&G verdict",
		about: `Runs every program of the built-in corpus (corpus/: seed programs, riscv-tests
style programs, firmware and every divergence ever found) on two targets in
lockstep, record by record, and prints the Popek and Goldberg verdict:
equivalence (every program agrees), Theorem 1 as the spec tables declare it
(vcheck pg checks the declarations by observation), and where resource
control and efficiency are checked. Known open findings count against
equivalence: the verdict is about the implementation as it is.`,
		examples: []example{
			{"vcheck check", "the engine against the reference model, on the whole corpus"},
			{"vcheck check --b engine-nojit --dirs seed,ref -v", "the interpreter only, on two directories, every program listed"},
			{"vcheck check --json | jq '.programs[] | select(.status != \"equal\")'", "what failed, for CI"},
		},
		exits: map[int]string{
			exitOK:      "every program agrees: equivalence holds",
			exitFailure: "a program diverged, did not exit, or could not be built (known open findings included)",
		},
		progress:  true,
		interrupt: true,
		flags:     checkFlags,
	})
}

// checkLimit bounds one corpus program; the benchmark programs are
// workloads and are compared up to benchCheckLimit records.
const (
	checkLimit      = 20_000_000
	benchCheckLimit = 1_000_000
	// checkCheckpoint: the run-mode pass compares every million steps
	// (and at the exit): each comparison scans the RAM of both targets.
	checkCheckpoint = 1_000_000
)

// checkProgram is one program's outcome, also its --json form.
type checkProgram struct {
	Path    string        `json:"path"`
	Status  string        `json:"status"` // equal, diverged, known-open, now-agrees, no-exit, error, interrupted
	Records uint64        `json:"records"`
	Exit    *jsonout.Exit `json:"exit,omitempty"` // how the first target stopped
	Reason  string        `json:"reason,omitempty"`
	Report  string        `json:"report,omitempty"`
	Seconds float64       `json:"seconds"`
	// RunMode: the program was also compared in run mode (the targets'
	// fast paths, at checkpoints) after Step agreed; a divergence there
	// is status "diverged" with a reason that starts "run mode:".
	RunMode bool `json:"run_mode"`
}

// checkVerdict is the --json output of vcheck check.
type checkVerdict struct {
	A           string         `json:"a"`
	B           string         `json:"b"`
	Programs    []checkProgram `json:"programs"`
	Compared    uint64         `json:"records_compared"`
	Equivalence string         `json:"equivalence"` // holds, fails, interrupted
	Theorem1    theorem1Result `json:"theorem1"`
	Resource    string         `json:"resource_control"`
	Efficiency  string         `json:"efficiency"`
	VMM         *vmmCheck      `json:"vmm,omitempty"`
	Seconds     float64        `json:"seconds"`
}

// theorem1Result is P&G's Theorem 1 as the spec tables declare it.
type theorem1Result struct {
	Holds      bool     `json:"holds"`
	Basis      string   `json:"basis"`
	Sensitive  int      `json:"sensitive"`
	Privileged int      `json:"privileged"`
	Offending  []string `json:"offending"`
}

func checkFlags(fs *flag.FlagSet) func(e *env) int {
	nameA := fs.String("a", "ref", "the reference `target`: "+strings.Join(targets.Names(), ", "))
	nameB := fs.String("b", "engine", "the `target` under check")
	verbose := fs.Bool("v", false, "print every program's line, not only the failures")
	dirs := fs.String("dirs", "", "comma-separated corpus `directories` to run (default: all)")
	withVMM := fs.Bool("vmm", true, "also run the programs on the VMM (target vmm) against --a, audit its resource control and measure its efficiency (implied by --b vmm)")
	return func(e *env) int {
		fa, fb, code := lookupTargets(e, "a", *nameA, "b", *nameB)
		if code != exitOK {
			return code
		}
		var meter *vmmMeter
		if *nameB == "vmm" {
			meter = &vmmMeter{}
			fb = meter.factory(fb)
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
			return e.usagef("--dirs %q: no corpus programs there", *dirs)
		}

		dis := disasm.NewDecoder(disasm.Options{})
		disFn := func(w uint32, pc uint64) string {
			s, _ := dis.Decode(w, pc)
			return s
		}
		v := checkVerdict{A: *nameA, B: *nameB, Programs: []checkProgram{}}
		start := time.Now()
		cfg := spec.DefaultConfig()
		failed := 0
		prog := e.newProgress()
		for i, p := range progs {
			prog.Printf("check [%d/%d] %s (%d records compared so far)", i+1, len(progs), p.Path, v.Compared)
			r := checkOne(e, cfg, p, fa, fb, *nameA, *nameB, disFn)
			meter.after(p.Path)
			v.Compared += r.Records
			v.Programs = append(v.Programs, r)
			switch r.Status {
			case "equal", "now-agrees", "interrupted":
			default:
				failed++
			}
			if e.interrupted() {
				break
			}
		}
		prog.Done()
		v.Seconds = time.Since(start).Seconds()
		switch {
		case failed > 0:
			v.Equivalence, code = "fails", exitFailure
		case e.interrupted():
			v.Equivalence, code = "interrupted", exitInterrupted
		default:
			v.Equivalence, code = "holds", exitOK
		}
		if *withVMM && meter == nil && *nameA != "vmm" && !e.interrupted() {
			// The second pass: the VMM against A on the same programs.
			meter = &vmmMeter{}
			fv, err := targets.Lookup("vmm")
			if err != nil {
				return e.errorf(exitFailure, "%v", err)
			}
			fv = meter.factory(fv)
			meter.check = &vmmCheck{Programs: []checkProgram{}}
			for i, p := range progs {
				prog.Printf("[%d/%d] %s on vmm  (%d records compared so far)", i+1, len(progs), p.Path, v.Compared+meter.check.Compared)
				r := checkOne(e, cfg, p, fa, fv, *nameA, "vmm", disFn)
				meter.after(p.Path)
				meter.check.Compared += r.Records
				meter.check.Programs = append(meter.check.Programs, r)
				switch r.Status {
				case "equal", "now-agrees", "interrupted":
				default:
					meter.failed++
				}
				if e.interrupted() {
					break
				}
			}
			prog.Done()
			v.Seconds = time.Since(start).Seconds()
		}
		v.Theorem1 = declaredTheorem1()
		v.Resource = "not part of this check: `vcheck tla` model-checks the resource-control spec (tla/VMM.tla)"
		v.Efficiency = "not measured: the VMM was not run (--vmm=false)"
		if meter != nil {
			v.VMM = meter.verdict(*nameA, e.interrupted())
			v.Resource, v.Efficiency = meter.lines()
			if meter.failed > 0 || len(meter.auditFailures) > 0 {
				code = exitFailure
			}
		}

		if e.json {
			if c := e.writeJSON(v); c != exitOK {
				return c
			}
		} else {
			printCheck(e.stdout, v, len(progs), *verbose)
		}
		return code
	}
}

func checkOne(e *env, cfg spec.Config, p corpus.Program, fa, fb targets.Factory, nameA, nameB string, dis diff.Disassembler) (r checkProgram) {
	t0 := time.Now()
	r.Path = p.Path
	defer func() { r.Seconds = time.Since(t0).Seconds() }()
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
	res, err := diff.Lockstep(a, b, diff.Options{Limit: limit, Stop: e.stopChan()})
	if err != nil {
		return fail(err)
	}
	r.Records = res.Compared
	x := jsonout.ExitOf(res.ExitA)
	r.Exit = &x
	open := p.OpenFinding()
	if v := res.Verdict(); !open && (v == diff.Equal || v == diff.Unfinished && p.Dir() == "bench") {
		// Step agreed: now the path users run. Run mode where a target
		// has a fast path (the engine, the VMM), from fresh targets.
		pair := fuzz.Pair{NameA: nameA, NameB: nameB, A: fuzz.Factory(fa), B: fuzz.Factory(fb), Checkpoint: checkCheckpoint}
		if _, ok := b.(diff.FastPath); ok {
			pair.Mode = fuzz.ModeRun
		} else if _, ok := a.(diff.FastPath); ok {
			pair.Mode = fuzz.ModeRun
		}
		if _, ok := a.(diff.Runner); !ok {
			pair.Mode = fuzz.ModeStep
		}
		if _, ok := b.(diff.Runner); !ok {
			pair.Mode = fuzz.ModeStep
		}
		if pair.Mode == fuzz.ModeRun {
			closeTarget(a)
			closeTarget(b)
			run, err := fuzz.Compare(cfg, img, pair, diff.Options{Limit: limit, Stop: e.stopChan()})
			if err != nil {
				return fail(fmt.Errorf("run mode: %w", err))
			}
			r.RunMode = true
			switch {
			case run.Divergence != nil:
				res = run
				res.Divergence.Reason = "run mode: " + res.Divergence.Reason
			case run.Verdict() == diff.Interrupted:
				res = run // Ctrl-C during the run-mode pass: the program is not done
			}
		}
	}
	switch v := res.Verdict(); {
	case v == diff.Diverged && open:
		r.Status, r.Reason = "known-open", res.Divergence.Reason
		r.Report = res.Divergence.Text(nameA, nameB, dis)
	case v == diff.Diverged:
		r.Status, r.Reason = "diverged", res.Divergence.Reason
		r.Report = res.Divergence.Text(nameA, nameB, dis)
	case v == diff.Interrupted:
		r.Status, r.Reason = "interrupted", fmt.Sprintf("interrupted after %d records", res.Compared)
	case v == diff.Unfinished && p.Dir() != "bench":
		r.Status, r.Reason = "no-exit", fmt.Sprintf("no exit after %d records", res.Compared)
	case open:
		r.Status, r.Reason = "now-agrees", `the targets now agree: mark the file "status: fixed"`
	default:
		r.Status = "equal"
	}
	return r
}

func printCheck(w io.Writer, v checkVerdict, total int, verbose bool) {
	fmt.Fprintf(w, "vcheck check: %s against %s on %d built-in programs\n\n", v.B, v.A, total)
	shown := printPrograms(w, v.Programs, verbose, "")
	if v.VMM != nil {
		shown += printPrograms(w, v.VMM.Programs, verbose, "vmm: ")
	}
	if shown > 0 {
		fmt.Fprintln(w)
	}
	eq := strings.ToUpper(v.Equivalence)
	if v.Equivalence == "interrupted" {
		eq = fmt.Sprintf("INTERRUPTED after %d of %d programs (no failure so far)", len(v.Programs), total)
	}
	fmt.Fprintf(w, "Equivalence       %s: %s on %d programs, %d records compared (%.1fs)\n", eq, v.B+" ≡ "+v.A, len(v.Programs), v.Compared, v.Seconds)
	if c := v.VMM; c != nil && len(c.Programs) > 0 {
		fmt.Fprintf(w, "                  %s: vmm ≡ %s on %d programs, %d records compared\n", strings.ToUpper(c.Equivalence), v.A, len(c.Programs), c.Compared)
	}
	t1 := "HOLDS"
	if !v.Theorem1.Holds {
		t1 = "FAILS (" + strings.Join(v.Theorem1.Offending, ", ") + ")"
	}
	fmt.Fprintf(w, "Theorem 1         %s: sensitive ⊆ privileged (%s: %d sensitive, %d privileged)\n", t1, v.Theorem1.Basis, v.Theorem1.Sensitive, v.Theorem1.Privileged)
	fmt.Fprintf(w, "Resource control  %s\n", v.Resource)
	fmt.Fprintf(w, "Efficiency        %s\n", v.Efficiency)
}

// printPrograms prints the programs' lines (all with verbose, else the
// ones that are not equal), each after prefix, and returns how many.
func printPrograms(w io.Writer, progs []checkProgram, verbose bool, prefix string) int {
	shown := 0
	for _, p := range progs {
		if !verbose && (p.Status == "equal") {
			continue
		}
		shown++
		line := fmt.Sprintf("  %-10s %-48s %9d records", strings.ToUpper(p.Status), prefix+p.Path, p.Records)
		if p.Exit != nil && p.Status == "equal" {
			line += fmt.Sprintf("  %s %d", p.Exit.Reason, p.Exit.Code)
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
	return shown
}

// declaredTheorem1 checks P&G's Theorem 1 on the classes the spec tables
// declare: every sensitive instruction (and CSR access) must be
// privileged. `vcheck pg` checks the declarations by observation.
func declaredTheorem1() theorem1Result {
	r := theorem1Result{Basis: "declared classes of the spec tables", Offending: []string{}}
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
