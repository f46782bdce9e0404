package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/jsonout"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

func init() {
	register(&command{
		name:    "fuzz",
		summary: "fuzz a target against the reference model with generated programs",
		about: `Runs a differential fuzzing campaign: generated programs (random bodies in
M, S or U mode, with traps, paging, PMP and devices) run on both targets in
lockstep. Every divergence is shrunk to a minimal program and saved in
--regress (corpus/regress) as a .S file that vcheck diff replays; one whose
signature is already there counts as known and is not shrunk again.

The seed is printed first (on stderr; in the JSON as a string): the same
seed, targets and flags give the same programs (program n is drawn from
seed+n), and the same findings whatever --workers says: workers run the
programs ahead, each on its own pair of targets, and the outcomes are
judged in program order. Ctrl-C stops the campaign after the programs
being run (a finding being shrunk is still saved) and prints the counts;
a second Ctrl-C quits at once.`,
		examples: []example{
			{"vcheck fuzz --time 60s", "the engine against the reference model for a minute"},
			{"vcheck fuzz --target engine-nojit --ext I,M,C --seed 42", "the interpreter, on integer code only, reproducibly"},
			{"vcheck fuzz --json --time 5m > summary.json; vcheck fuzz --seed $(jq -r .seed summary.json)", "rerun a campaign"},
		},
		exits: map[int]string{
			exitOK:      "the targets never diverged",
			exitFailure: "the targets diverged (a new finding, or one already in --regress)",
		},
		progress:  true,
		interrupt: true,
		flags:     fuzzFlags,
	})
}

// fuzzJSON is the --json summary of vcheck fuzz.
type fuzzJSON struct {
	A             string        `json:"a"`
	B             string        `json:"b"`
	Mode          string        `json:"mode"` // step, run or both
	Seed          jsonout.Dec   `json:"seed"`
	Programs      uint64        `json:"programs"`
	Records       uint64        `json:"records"`
	Divergences   int           `json:"divergences"`
	Known         int           `json:"known"` // programs that hit an already-found divergence
	Seconds       float64       `json:"seconds"`
	ExecsPerSec   float64       `json:"execs_per_sec"`
	RecordsPerSec float64       `json:"records_per_sec"` // instructions compared per second
	Interrupted   bool          `json:"interrupted"`
	Findings      []findingJSON `json:"findings"`
	Coverage      *coverageJSON `json:"coverage,omitempty"` // with --coverage
}

type findingJSON struct {
	File         string      `json:"file,omitempty"`
	Reason       string      `json:"reason"`
	Signature    string      `json:"signature"`
	BodyInsns    int         `json:"body_insns"`
	Mode         string      `json:"mode"`
	Seed         jsonout.Dec `json:"seed"`
	AlreadySaved bool        `json:"already_saved"`
}

func fuzzFlags(fs *flag.FlagSet) func(e *env) int {
	dur := fs.Duration("time", 60*time.Second, "how long to fuzz")
	nameB := fs.String("target", "engine", "the `target` under test: "+strings.Join(targets.Names(), ", "))
	nameA := fs.String("ref", "ref", "the `target` it is compared with")
	seed := fs.Uint64("seed", 0, "first rapid seed (0: from the clock); the same seed and targets give the same programs")
	regress := fs.String("regress", "corpus/regress", "`directory` the shrunk findings are saved in")
	items := fs.Int("items", 40, "body items per program, at most")
	maxFind := fs.Int("max-findings", 0, "stop after this many distinct findings (0: run the whole --time)")
	programs := fs.Uint64("programs", 0, "also stop after this many programs (0: no limit)")
	quiet := fs.Bool("quiet", false, "no progress line (as --progress=false)")
	exts := fs.String("ext", "", "comma-separated `extensions` the body may use, e.g. I,M,C (default: all of rv64pg)")
	harts := fs.Int("harts", 1, "harts of the machine; every hart runs the same program from reset, interleaved one step each")
	mode := fs.String("mode", "auto", "the `path` compared: step (record by record), run (the targets' fast paths, compared at checkpoints), both, or auto (run where a target has a fast path)")
	checkpoint := fs.Uint64("checkpoint", fuzz.DefaultCheckpoint, "run mode: `steps` between comparisons")
	parallel := fs.Bool("parallel", false, "run mode with --harts 2 or more: the target runs its harts concurrently (RunParallel) against --ref's interleaving, on data-race-free programs")
	workers := fs.Int("workers", 0, "programs run at once, each on its own targets (0: one per CPU where both targets are built-in models that reset between programs, else 1)")
	coverage := fs.String("coverage", "", "write the statement coverage of impl/ reached to `DIR` and print it with the uncovered regions (needs a binary built with -cover; docs/testing.md)")
	return func(e *env) int {
		if *dur <= 0 || *items <= 0 {
			return e.usagef("--time and --items must be positive")
		}
		extList, err := parseExts(*exts)
		if err != nil {
			return e.usagef("--ext: %v", err)
		}
		fa, fb, code := lookupTargets(e, "ref", *nameA, "target", *nameB)
		if code != exitOK {
			return code
		}
		if *seed == 0 {
			*seed = uint64(time.Now().UnixNano())
		}
		cfg := targets.AdjustConfig(fuzz.Config(), *nameA, *nameB)
		cfg.Harts = *harts
		if err := cfg.Validate(); err != nil {
			return e.usagef("--harts: %v", err)
		}
		if *parallel && *harts < 2 {
			return e.usagef("--parallel needs --harts 2 or more")
		}
		if *checkpoint == 0 {
			return e.usagef("--checkpoint must be positive")
		}
		cov, code := startCoverage(e, *coverage)
		if code != exitOK {
			return code
		}
		pair := fuzz.Pair{NameA: *nameA, NameB: *nameB, A: fuzz.Factory(fa), B: fuzz.Factory(fb), Lockstep: externalLockstep,
			Checkpoint: *checkpoint, Parallel: *parallel}
		if *parallel && (*mode == "auto" || *mode == "") {
			*mode = "run"
		}
		m, err := fuzz.ResolveMode(*mode, cfg, pair)
		if err != nil {
			return e.usagef("--mode: %v", err)
		}
		if *parallel && m != fuzz.ModeRun {
			return e.usagef("--parallel compares in run mode only (--mode run)")
		}
		pair.Mode = m
		c := &fuzz.Campaign{
			Config: cfg,
			Pair:   pair,
			Gen: fuzz.Options{MaxItems: *items, Exts: extList, DRF: *parallel, Harts: *harts,
				NoTimer: !exactClock[*nameA] || !exactClock[*nameB]},
			Seed:        *seed,
			Duration:    *dur,
			RegressDir:  *regress,
			MaxFindings: *maxFind,
			MaxPrograms: *programs,
			Workers:     *workers,
			Stop:        e.stopChan(),
		}
		// The seed first, so that a run cut short can still be repeated.
		fmt.Fprintf(e.stderr, "vcheck fuzz: %s against %s in %s mode, seed %d (repeat with --seed %d)\n", *nameB, *nameA, m, *seed, *seed)
		if *quiet {
			e.progress = progressNever
		}
		prog := e.newProgress()
		c.Progress = func(st fuzz.Stats) {
			prog.Printf("fuzz %s vs %s: %d programs, %d instructions compared, %d divergences",
				*nameA, *nameB, st.Programs, st.Records, st.Findings)
		}
		ran := make(chan struct{})
		go func() {
			select {
			case <-e.ctx.Done():
				fmt.Fprintf(e.stderr, "\nvcheck fuzz: interrupted (seed %d): finishing the programs being run; Ctrl-C again to quit now\n", *seed)
			case <-ran:
			}
		}()
		st, found, err := c.Run()
		close(ran)
		prog.Done()
		if err != nil {
			return e.errorf(exitInternal, "%v", err)
		}
		covReport, err := cov.finish()
		if err != nil {
			return e.errorf(exitInternal, "--coverage: %v", err)
		}
		sum := fuzzJSON{A: *nameA, B: *nameB, Mode: m.String(), Seed: jsonout.Dec(*seed), Programs: st.Programs, Records: st.Records, Coverage: covReport,
			Divergences: st.Findings, Known: st.Duplicates, Seconds: st.Elapsed.Seconds(), Interrupted: e.interrupted(),
			Findings: []findingJSON{}}
		if st.Elapsed > 0 {
			sum.ExecsPerSec = float64(st.Programs) / st.Elapsed.Seconds()
			sum.RecordsPerSec = float64(st.Records) / st.Elapsed.Seconds()
		}
		for _, f := range found {
			sum.Findings = append(sum.Findings, findingJSON{File: f.Path, Reason: f.Reason, Signature: f.Signature(),
				BodyInsns: f.Test.BodyInsns(), Mode: f.Test.Mode.String(), Seed: jsonout.Dec(f.Seed), AlreadySaved: f.Path == ""})
		}
		// Known divergences count: the targets still disagree.
		code = exitOK
		switch {
		case len(found) > 0 || st.Duplicates > 0:
			code = exitFailure
		case sum.Interrupted:
			code = exitInterrupted
		}
		if e.json {
			if c := e.writeJSON(sum); c != exitOK {
				return c
			}
			return code
		}
		what := "fuzzed"
		if sum.Interrupted {
			what = "INTERRUPTED: fuzzed"
		}
		fmt.Fprintf(e.stdout, "%s %s against %s in %s mode for %s (seed %d): %d programs (%.0f/s), %d instructions compared (%.0f/s), %d divergences\n",
			what, *nameB, *nameA, m, st.Elapsed.Round(time.Millisecond), *seed, st.Programs, sum.ExecsPerSec, st.Records, sum.RecordsPerSec, st.Findings)
		if covReport != nil {
			covReport.print(e.stdout)
		}
		if st.Duplicates > 0 {
			fmt.Fprintf(e.stdout, "%d programs hit divergences already found (in %s, or earlier in this run)\n", st.Duplicates, *regress)
		}
		for _, f := range found {
			where := f.Path
			if where == "" {
				where = "(already in " + *regress + ")"
			}
			fmt.Fprintf(e.stdout, "\n%s\n  %s\n  shrunk to %d body instructions in %s-mode\n", where, f.Reason, f.Test.BodyInsns(), f.Test.Mode)
		}
		return code
	}
}

// exactClock are the targets whose time is their retired-instruction
// count (docs/retire.md): with any other (QEMU's icount clock starts at a
// phase of its own) generated programs do not arm the timer ahead.
var exactClock = map[string]bool{"ref": true, "engine": true, "engine-nojit": true, "vmm": true}

// parseExts reads --ext: extension names as spec.Ext prints them.
func parseExts(list string) ([]spec.Ext, error) {
	if list == "" {
		return nil, nil
	}
	known := map[string]spec.Ext{}
	var names []string
	for e := spec.ExtI; e <= spec.ExtPriv; e++ {
		known[strings.ToLower(e.String())] = e
		names = append(names, e.String())
	}
	var out []spec.Ext
	for _, n := range strings.Split(list, ",") {
		e, ok := known[strings.ToLower(strings.TrimSpace(n))]
		if !ok {
			return nil, fmt.Errorf("unknown extension %q (have %s)", n, strings.Join(names, ", "))
		}
		out = append(out, e)
	}
	return out, nil
}

// externalLockstep compares as diff.Lockstep does, except with an
// external target (QEMU, a gdbstub, RVFI-DII, a log): then the
// documented departures are named and passed, and fields the target
// cannot observe are not findings (targets.Compare).
func externalLockstep(a, b diff.Target, opts diff.Options) (diff.Result, error) {
	x := externalOf(a, b)
	if !x.any {
		return diff.Lockstep(fuzz.ArchExit(a), fuzz.ArchExit(b), opts)
	}
	c, err := targets.Compare(a, b, targets.CompareOptions{Options: opts, Departures: x.departures})
	if err == nil && c.StoppedAt != nil && c.Divergence == nil {
		c.Divergence = &diff.Divergence{Index: c.StoppedAt.Index,
			Reason: fmt.Sprintf("record %d: documented departure %s, and the state could not be set past it: %v", c.StoppedAt.Index, c.StoppedAt.Name, c.SyncError)}
	}
	return c.Result, err
}
