package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/jsonout"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/toolchain/disasm"
)

func init() {
	register(&command{
		name:    "diff",
		summary: "run one program on two targets in lockstep and report the first divergence",
		args:    "PROGRAM",
		minArgs: 0, maxArgs: 1, // PROGRAM is required unless --fields
		about: `Runs PROGRAM on two targets (--a, --b) in lockstep, retire record by retire
record, and stops at the first record that differs, when both targets have
stopped, or at --limit records. PROGRAM is loaded as vcheck run loads it (an
ELF, a .S source such as a corpus/regress finding, or a raw image), as
QEMU's -bios; --kernel K as QEMU's -kernel.

The verdict is one of: EQUAL (both stopped the same way and every record
agreed), DIVERGENCE (a record, a state snapshot or the exits differ: the
report shows the records before it and the fields that differ), NO VERDICT
("no divergence in N records; neither finished": the limit came first), or
INTERRUPTED (Ctrl-C: the records compared so far are reported).`,
		examples: []example{
			{"vcheck diff prog.elf", "the reference model against the engine"},
			{"vcheck diff --a ref --b engine-nojit --strict 1000 prog.S", "also compare the whole state every 1000 records"},
			{"vcheck diff --ignore Trap.Tval corpus/regress/ref-vs-engine-lw-Mem-c16e916f.S", "a finding, with a field left out of the comparison"},
			{"vcheck diff --limit 0 --kernel u-boot.bin fw_jump.elf", "no record limit (Ctrl-C reports what was compared)"},
			{"vcheck diff --json prog.elf | jq .verdict", ""},
			{"vcheck diff --b qemu prog.elf", "the reference model against QEMU, single-stepped through its gdbstub (docs/external.md)"},
			{"vcheck diff --b qemu --fast fw_jump.elf --limit 6500000", "QEMU at full speed between checkpoints: OpenSBI to its banner in seconds"},
			{"vcheck diff --b gdb:localhost:1234 prog.elf", "any gdbstub, stopped at the program's reset"},
			{"vcheck diff --b rvfi:localhost:5000 prog.elf", "an RVFI-DII implementation (docs/rvfi.md)"},
			{"vcheck diff --b trace:core.log prog.elf", "a Spike commit log (spike -l --log-commits)"},
		},
		exits: map[int]string{
			exitOK:           "the targets agree and both finished",
			exitFailure:      "the targets diverged",
			exitInconclusive: "no divergence within the limit, but neither target finished",
		},
		progress:  true,
		interrupt: true,
		flags:     diffFlags,
	})
}

// diffJSON is the --json output of vcheck diff.
type diffJSON struct {
	A          string          `json:"a"`
	B          string          `json:"b"`
	Program    string          `json:"program"`
	Kernel     string          `json:"kernel,omitempty"`
	Verdict    string          `json:"verdict"` // diff.Verdict: equal, diverged, unfinished, interrupted
	Compared   uint64          `json:"compared"`
	Limit      uint64          `json:"limit"` // 0: none
	ExitA      jsonout.Exit    `json:"exit_a"`
	ExitB      jsonout.Exit    `json:"exit_b"`
	Divergence *divergenceJSON `json:"divergence,omitempty"`
	// External targets (docs/external.md): what was not compared, and why.
	Ignored     []string          `json:"ignored"`
	Unobserved  map[string]uint64 `json:"unobserved"`
	Departures  []departureJSON   `json:"departures"`
	Notes       []string          `json:"notes"`
	Checkpoints uint64            `json:"checkpoints,omitempty"`
	Mode        string            `json:"mode"` // step or run
}

// departureJSON is a documented departure a comparison went past.
type departureJSON struct {
	Name       string `json:"name"`
	Spec       string `json:"spec"`
	Count      int    `json:"count"`
	FirstIndex uint64 `json:"first_index"`
	Synced     bool   `json:"synced"`
}

// diffFieldsJSON is the --json output of vcheck diff --fields.
type diffFieldsJSON struct {
	Fields []string `json:"fields"`
}

// divergenceJSON is the JSON form of a diff.Divergence.
type divergenceJSON struct {
	Index     uint64           `json:"index"`
	Reason    string           `json:"reason"`
	Disasm    string           `json:"disasm,omitempty"`
	Fields    []string         `json:"fields"`
	A         *jsonout.Retire  `json:"a,omitempty"`
	B         *jsonout.Retire  `json:"b,omitempty"`
	HistoryA  []jsonout.Retire `json:"history_a"`
	HistoryB  []jsonout.Retire `json:"history_b"`
	Diff      string           `json:"diff,omitempty"`
	StateDiff string           `json:"state_diff,omitempty"`
}

func divergenceOf(d *diff.Divergence) *divergenceJSON {
	if d == nil {
		return nil
	}
	j := &divergenceJSON{Index: d.Index, Reason: d.Reason, Fields: d.Fields, HistoryA: jsonout.Retires(d.HistoryA),
		HistoryB: jsonout.Retires(d.HistoryB), Diff: d.Diff, StateDiff: d.StateDiff}
	if j.Fields == nil {
		j.Fields = []string{}
	}
	if d.Diff != "" {
		a, b := jsonout.RetireOf(d.A), jsonout.RetireOf(d.B)
		j.A, j.B = &a, &b
		j.Disasm = disassembler(d.A.Insn, d.A.PC)
	}
	return j
}

func diffFlags(fs *flag.FlagSet) func(e *env) int {
	nameA := fs.String("a", "ref", "first `target`: "+strings.Join(targets.Names(), ", "))
	nameB := fs.String("b", "engine", "second `target`")
	limit := fs.Uint64("limit", diff.DefaultLimit, "stop after this many records; 0: no limit")
	strict := fs.Uint64("strict", 0, "also compare the full architectural state every `K` records (0: off)")
	ignore := fs.String("ignore", "", "comma-separated record `fields` not compared, e.g. Trap.Tval,Mem.RData (see --fields)")
	fields := fs.Bool("fields", false, "list the record fields --ignore accepts, and exit")
	history := fs.Int("history", 8, "records before the divergence to show")
	harts := fs.Int("harts", 1, "number of harts")
	kernel := fs.String("kernel", "", "an ELF or raw `FILE` loaded as QEMU's -kernel (raw: at the first 2 MiB boundary after the program)")
	mode := fs.String("mode", "auto", "the `path` compared: step (record by record), run (the targets' fast paths, compared at checkpoints and replayed with Step to the first divergent record), both, or auto (run where a target has a fast path)")
	checkpoint := fs.Uint64("checkpoint", diff.DefaultCheckpoint, "run mode: `steps` between comparisons")
	fast := fs.Bool("fast", false, "with --b qemu (or a gdb: stub): run it at full speed between checkpoints and compare there (docs/external.md)")
	return func(e *env) int {
		if *fields {
			if e.json {
				return e.writeJSON(diffFieldsJSON{Fields: diff.FieldNames()})
			}
			fmt.Fprintln(e.stdout, strings.Join(diff.FieldNames(), "\n"))
			return exitOK
		}
		if len(e.args) != 1 {
			return e.usagef("want 1 argument (PROGRAM), have %d", len(e.args))
		}
		opts := diff.Options{Limit: *limit, History: *history, Stop: e.stopChan()}
		if *limit == 0 {
			opts.Limit = math.MaxUint64
		}
		if *strict > 0 {
			opts.Mode, opts.StrictEvery = diff.Strict, *strict
		}
		if *ignore != "" {
			opts.Ignore = strings.Split(*ignore, ",")
		}
		fa, fb, code := lookupTargets(e, "a", *nameA, "b", *nameB)
		if code != exitOK {
			return code
		}
		cfg, img, code := bootProgram(e, *harts, e.args[0], *kernel, *nameA, *nameB)
		if img == nil {
			return code
		}
		defer targets.CloseConnections()
		a, err := fa(cfg, img)
		if err != nil {
			return e.errorf(exitInternal, "target %s: %v", *nameA, err)
		}
		defer closeTarget(a)
		b, err := fb(cfg, img)
		if err != nil {
			return e.errorf(exitInternal, "target %s: %v", *nameB, err)
		}
		defer closeTarget(b)
		ext := externalOf(a, b)
		if ext.any && *strict > 0 {
			return e.usagef("--strict: an external target shows no whole state to compare every %d records", *strict)
		}
		if *fast && !ext.fast {
			return e.usagef("--fast: --b %s cannot run to a breakpoint (--b qemu or gdb:HOST:PORT can)", *nameB)
		}
		runMode := false
		if !ext.any && !*fast && *strict == 0 {
			m, err := fuzz.ResolveMode(*mode, cfg, fuzz.Pair{NameA: *nameA, NameB: *nameB, A: fuzz.Factory(fa), B: fuzz.Factory(fb)})
			if err != nil {
				return e.usagef("--mode: %v", err)
			}
			runMode = m != fuzz.ModeStep
			if m == fuzz.ModeBoth {
				return e.usagef("--mode both: vcheck diff runs one comparison; run it once with --mode step and once with --mode run")
			}
		} else if *mode != "auto" && *mode != "step" {
			return e.usagef("--mode %s: only step with an external target, --fast or --strict", *mode)
		}
		if *checkpoint == 0 {
			return e.usagef("--checkpoint must be positive")
		}
		prog := e.newProgress()
		opts.ProgressEvery = 1 << 16
		if ext.any {
			opts.ProgressEvery = 1 << 10
		}
		opts.Progress = func(n uint64) { prog.Printf("diff %s vs %s: %d records compared", *nameA, *nameB, n) }
		var res diff.Result
		var cmpRes *targets.Comparison
		var checkpoints uint64
		switch {
		case *fast:
			var f targets.FastComparison
			f, err = targets.FastCompare(a, b.(targets.FastForwarder), targets.FastOptions{
				CompareOptions: targets.CompareOptions{Options: opts, Departures: ext.departures}, Skip: ext.skip})
			if err == nil && f.StateDiff != "" {
				f.Divergence = &diff.Divergence{Index: f.CheckpointIndex, StateDiff: f.StateDiff,
					Reason: fmt.Sprintf("after record %d: the state differs; the first divergence lies after the checkpoint before it (a lockstep run without --fast up to here finds it)", f.CheckpointIndex)}
			}
			res, cmpRes, checkpoints = f.Result, &f.Comparison, uint64(f.Checkpoints)
		case ext.any:
			var c targets.Comparison
			c, err = targets.Compare(a, b, targets.CompareOptions{Options: opts, Departures: ext.departures})
			res, cmpRes = c.Result, &c
		case runMode:
			// The targets' fast paths, compared every --checkpoint steps;
			// a mismatch is replayed on fresh targets to its record.
			ra, okA := a.(diff.Runner)
			rb, okB := b.(diff.Runner)
			if !okA || !okB {
				return e.usagef("--mode run: %s and %s must both run without records", *nameA, *nameB)
			}
			ro := diff.RunOptions{Options: opts, Checkpoint: *checkpoint}
			ro.Rebuild = func() (diff.Runner, diff.Runner, error) {
				x, err := fa(cfg, img)
				if err != nil {
					return nil, nil, err
				}
				y, err := fb(cfg, img)
				if err != nil {
					return nil, nil, err
				}
				rx, _ := x.(diff.Runner)
				ry, _ := y.(diff.Runner)
				return rx, ry, nil
			}
			res, err = diff.RunLockstep(ra, rb, ro)
		default:
			res, err = diff.Lockstep(fuzz.ArchExit(a), fuzz.ArchExit(b), opts)
		}
		prog.Done()
		if err != nil {
			var tp *diff.TargetPanic
			switch {
			case errors.As(err, &tp):
				return e.errorf(exitFailure, "%v", err) // a target that crashes has failed the check
			case errors.Is(err, diff.ErrTargetFailed) || ext.any:
				return e.errorf(exitInternal, "%v", err) // an external target hung up, timed out or sent garbage
			}
			// Options are the only input Lockstep rejects (an unknown --ignore field).
			return e.usagef("%v", err)
		}
		if cmpRes != nil && cmpRes.StoppedAt != nil && res.Divergence == nil {
			res.Divergence = &diff.Divergence{Index: cmpRes.StoppedAt.Index,
				Reason: fmt.Sprintf("record %d: documented departure %s, and the state could not be set past it: %v", cmpRes.StoppedAt.Index, cmpRes.StoppedAt.Name, cmpRes.SyncError)}
		}
		res.ExitA, res.ExitB = a.Exit(), b.Exit() // with each model's detail, for the report
		v := res.Verdict()
		code = map[diff.Verdict]int{diff.Equal: exitOK, diff.Diverged: exitFailure, diff.Unfinished: exitInconclusive, diff.Interrupted: exitInterrupted}[v]
		notes := ext.notes(a, b)
		if e.json {
			out := diffJSON{A: *nameA, B: *nameB, Program: e.args[0], Kernel: *kernel, Verdict: v.String(),
				Compared: res.Compared, Limit: *limit, ExitA: jsonout.ExitOf(res.ExitA), ExitB: jsonout.ExitOf(res.ExitB),
				Divergence: divergenceOf(res.Divergence), Ignored: []string{}, Unobserved: map[string]uint64{},
				Departures: []departureJSON{}, Notes: notes, Checkpoints: checkpoints, Mode: map[bool]string{false: "step", true: "run"}[runMode]}
			if cmpRes != nil {
				out.Ignored = append(out.Ignored, cmpRes.Ignored...)
				out.Unobserved = cmpRes.Unobserved
				for _, d := range cmpRes.Departures {
					out.Departures = append(out.Departures, departureJSON{d.Name, d.Spec, d.Count, d.Index, d.Synced})
				}
			}
			if c := e.writeJSON(out); c != exitOK {
				return c
			}
			return code
		}
		defer func() {
			if cmpRes != nil {
				fmt.Fprint(e.stdout, cmpRes.Summary())
			}
			if checkpoints > 0 {
				fmt.Fprintf(e.stdout, "compared at %d checkpoints (--fast)\n", checkpoints)
			}
			for _, n := range notes {
				fmt.Fprintf(e.stdout, "note: %s\n", n)
			}
		}()
		switch v {
		case diff.Diverged:
			fmt.Fprint(e.stdout, res.Divergence.Text(*nameA, *nameB, disassembler))
		case diff.Equal:
			what := "records compared"
			if runMode {
				what = "instructions compared in run mode (at checkpoints)"
			}
			fmt.Fprintf(e.stdout, "EQUAL: %d %s; %s: %s; %s: %s\n", res.Compared, what,
				*nameA, res.ExitA, *nameB, res.ExitB)
		case diff.Unfinished:
			fmt.Fprintf(e.stdout, "NO VERDICT: no divergence in %d records; neither finished (the --limit came first; --limit 0 runs to the end)\n", res.Compared)
		case diff.Interrupted:
			fmt.Fprintf(e.stdout, "INTERRUPTED: no divergence in the %d records compared; %s: %s; %s: %s\n", res.Compared,
				*nameA, res.ExitA, *nameB, res.ExitB)
		}
		return code
	}
}

// lookupTargets resolves the two target names of a comparing command
// (check, diff, fuzz); an unknown name is a usage error naming the flag.
func lookupTargets(e *env, flagA, nameA, flagB, nameB string) (fa, fb targets.Factory, code int) {
	var err error
	if fa, err = targets.Lookup(nameA); err != nil {
		return nil, nil, e.usagef("--%s: %v", flagA, err)
	}
	if fb, err = targets.Lookup(nameB); err != nil {
		return nil, nil, e.usagef("--%s: %v", flagB, err)
	}
	return fa, fb, exitOK
}

// disassembler renders an instruction as objdump does, for reports.
func disassembler(insn uint32, pc uint64) string {
	text, _ := disasm.Inst(insn, pc, disasm.Options{})
	return strings.Replace(text, "\t", " ", 1)
}

// closeTarget stops a target that holds a process or a connection (QEMU,
// a gdbstub, a log file).
func closeTarget(t diff.Target) {
	if c, ok := t.(io.Closer); ok {
		c.Close()
	}
}

// external is what a comparison with an external target needs.
type external struct {
	any        bool // a target is external: compare with targets.Compare
	fast       bool // b can run to a breakpoint (--fast)
	departures targets.Classifier
	skip       map[uint16]bool
}

func externalOf(a, b diff.Target) external {
	var x external
	for _, t := range []diff.Target{a, b} {
		switch t.(type) {
		case targets.Partial, targets.StateSetter, targets.FastForwarder:
			x.any = true
		}
	}
	_, x.fast = b.(targets.FastForwarder)
	if q, ok := b.(interface{ QEMU() bool }); ok && q.QEMU() {
		x.departures, x.skip = targets.QEMUDepartures, gdb.QEMUStateSkip
	}
	return x
}

// notes collects what the external targets say about their observation
// (a gdbstub's limits, a log without -l's trap lines).
func (x external) notes(ts ...diff.Target) []string {
	notes := []string{}
	for _, t := range ts {
		switch t := t.(type) {
		case interface{ Coverage() gdb.Coverage }:
			c := t.Coverage()
			notes = append(notes, c.Notes...)
			for f, n := range c.Derived {
				notes = append(notes, fmt.Sprintf("%s derived from registers, not observed, in %d records", f, n))
			}
		case interface{ Notes() []string }:
			notes = append(notes, t.Notes()...)
		}
	}
	return notes
}
