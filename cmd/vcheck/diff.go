package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
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
		cfg, img, code := bootProgram(e, *harts, e.args[0], *kernel)
		if img == nil {
			return code
		}
		a, err := fa(cfg, img)
		if err != nil {
			return e.errorf(exitInternal, "target %s: %v", *nameA, err)
		}
		b, err := fb(cfg, img)
		if err != nil {
			return e.errorf(exitInternal, "target %s: %v", *nameB, err)
		}
		prog := e.newProgress()
		opts.ProgressEvery = 1 << 16
		opts.Progress = func(n uint64) { prog.Printf("diff %s vs %s: %d records compared", *nameA, *nameB, n) }
		res, err := diff.Lockstep(fuzz.ArchExit(a), fuzz.ArchExit(b), opts)
		prog.Done()
		if err != nil {
			var tp *diff.TargetPanic
			if errors.As(err, &tp) {
				return e.errorf(exitFailure, "%v", err) // a target that crashes has failed the check
			}
			// Options are the only input Lockstep rejects (an unknown --ignore field).
			return e.usagef("%v", err)
		}
		res.ExitA, res.ExitB = a.Exit(), b.Exit() // with each model's detail, for the report
		v := res.Verdict()
		code = map[diff.Verdict]int{diff.Equal: exitOK, diff.Diverged: exitFailure, diff.Unfinished: exitInconclusive, diff.Interrupted: exitInterrupted}[v]
		if e.json {
			out := diffJSON{A: *nameA, B: *nameB, Program: e.args[0], Kernel: *kernel, Verdict: v.String(),
				Compared: res.Compared, Limit: *limit, ExitA: jsonout.ExitOf(res.ExitA), ExitB: jsonout.ExitOf(res.ExitB),
				Divergence: divergenceOf(res.Divergence)}
			if c := e.writeJSON(out); c != exitOK {
				return c
			}
			return code
		}
		switch v {
		case diff.Diverged:
			fmt.Fprint(e.stdout, res.Divergence.Text(*nameA, *nameB, disassembler))
		case diff.Equal:
			fmt.Fprintf(e.stdout, "EQUAL: %d records compared; %s: %s; %s: %s\n", res.Compared,
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
