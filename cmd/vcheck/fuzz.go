package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

func init() {
	register(command{name: "fuzz", summary: "fuzz a target against the reference model with generated programs", run: fuzzCommand})
}

// fuzzJSON is the --json summary of vcheck fuzz.
type fuzzJSON struct {
	A           string        `json:"a"`
	B           string        `json:"b"`
	Seed        uint64        `json:"seed"`
	Programs    uint64        `json:"programs"`
	Records     uint64        `json:"records"`
	Divergences int           `json:"divergences"`
	Duplicates  int           `json:"known"` // programs that hit an already-found divergence
	Seconds     float64       `json:"seconds"`
	ExecsPerSec float64       `json:"execs_per_sec"`
	Findings    []findingJSON `json:"findings"`
}

type findingJSON struct {
	File       string `json:"file,omitempty"`
	Reason     string `json:"reason"`
	Signature  string `json:"signature"`
	BodyInsns  int    `json:"body_insns"`
	Mode       string `json:"mode"`
	Seed       uint64 `json:"seed"`
	AlreadyHad bool   `json:"already_saved,omitempty"`
}

// fuzzCommand is `vcheck fuzz [--time 60s] [--target engine] [--ref ref]
// [--seed N] [--json] [--regress DIR]`: a campaign of generated programs,
// each run on both targets in lockstep. Every divergence is shrunk and
// saved in DIR (corpus/regress) as a .S file; one whose signature is
// already there counts as known and is not shrunk again. It exits 1 when
// the targets diverged (new or known divergence), 0 when they never did,
// 2 on bad usage, 3 on an internal error.
func fuzzCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fuzz", stderr)
	dur := fs.Duration("time", 60*time.Second, "how long to fuzz")
	nameB := fs.String("target", "engine", "the target under test: "+strings.Join(targets.Names(), ", "))
	nameA := fs.String("ref", "ref", "the target it is compared with")
	seed := fs.Uint64("seed", 0, "first rapid seed (0: from the clock); the same seed and target give the same programs")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	regress := fs.String("regress", "corpus/regress", "directory the shrunk findings are saved in")
	items := fs.Int("items", 40, "body items per program, at most")
	maxFind := fs.Int("max-findings", 0, "stop after this many distinct findings (0: run the whole --time)")
	programs := fs.Uint64("programs", 0, "also stop after this many programs (0: no limit)")
	quiet := fs.Bool("quiet", false, "no progress line")
	exts := fs.String("ext", "", "comma-separated extensions the body may use, e.g. I,M,C (default: all of rv64pg)")
	harts := fs.Int("harts", 1, "harts of the machine; every hart runs the same program from reset, interleaved one step each")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vcheck fuzz [flags]")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	if *dur <= 0 || *items <= 0 {
		fmt.Fprintln(stderr, "vcheck fuzz: --time and --items must be positive")
		return exitUsage
	}
	extList, err := parseExts(*exts)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck fuzz: --ext: %v\n", err)
		return exitUsage
	}
	fa, fb, ok := lookupTargets("fuzz", "ref", *nameA, "target", *nameB, stderr)
	if !ok {
		return exitUsage
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	cfg := fuzz.Config()
	cfg.Harts = *harts
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "vcheck fuzz: %v\n", err)
		return exitUsage
	}
	c := &fuzz.Campaign{
		Config:      cfg,
		Pair:        fuzz.Pair{NameA: *nameA, NameB: *nameB, A: fuzz.Factory(fa), B: fuzz.Factory(fb)},
		Gen:         fuzz.Options{MaxItems: *items, Exts: extList},
		Seed:        *seed,
		Duration:    *dur,
		RegressDir:  *regress,
		MaxFindings: *maxFind,
		MaxPrograms: *programs,
	}
	prog := newProgress(stderr)
	if !*quiet {
		c.Progress = func(st fuzz.Stats) {
			prog.Printf("fuzz %s vs %s: %d programs, %d instructions compared, %d divergences, %s elapsed",
				*nameA, *nameB, st.Programs, st.Records, st.Findings, st.Elapsed.Round(time.Second))
		}
	}
	st, found, err := c.Run()
	prog.Done()
	if err != nil {
		fmt.Fprintf(stderr, "vcheck fuzz: %v\n", err)
		return exitInternal
	}
	sum := fuzzJSON{A: *nameA, B: *nameB, Seed: *seed, Programs: st.Programs, Records: st.Records,
		Divergences: st.Findings, Duplicates: st.Duplicates, Seconds: st.Elapsed.Seconds(), Findings: []findingJSON{}}
	if st.Elapsed > 0 {
		sum.ExecsPerSec = float64(st.Programs) / st.Elapsed.Seconds()
	}
	for _, f := range found {
		sum.Findings = append(sum.Findings, findingJSON{File: f.Path, Reason: f.Reason, Signature: f.Signature(),
			BodyInsns: f.Test.BodyInsns(), Mode: f.Test.Mode.String(), Seed: f.Seed, AlreadyHad: f.Path == ""})
	}
	if *asJSON {
		j, _ := json.MarshalIndent(sum, "", "  ")
		fmt.Fprintln(stdout, string(j))
	} else {
		fmt.Fprintf(stdout, "fuzzed %s against %s for %s (seed %d): %d programs (%.0f/s), %d instructions compared, %d divergences\n",
			*nameB, *nameA, st.Elapsed.Round(time.Millisecond), *seed, st.Programs, sum.ExecsPerSec, st.Records, st.Findings)
		if st.Duplicates > 0 {
			fmt.Fprintf(stdout, "%d programs hit divergences already found (in %s, or earlier in this run)\n", st.Duplicates, *regress)
		}
		for _, f := range found {
			where := f.Path
			if where == "" {
				where = "(already in " + *regress + ")"
			}
			fmt.Fprintf(stdout, "\n%s\n  %s\n  shrunk to %d body instructions in %s-mode\n", where, f.Reason, f.Test.BodyInsns(), f.Test.Mode)
		}
	}
	// Known divergences count: the targets still disagree.
	if len(found) > 0 || st.Duplicates > 0 {
		return exitFailure
	}
	return exitOK
}

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
