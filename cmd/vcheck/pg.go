package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vcheck-dev/vcheck/pg"
	"github.com/vcheck-dev/vcheck/spec"
)

func init() {
	register(command{
		name:    "pg",
		summary: "classify every instruction form by behavior on refmodel and decide P&G Theorems 1 and 3",
		run:     runPG,
	})
}

const pgUsage = `usage: vcheck pg [--variant rv64pg|popf] [--samples N] [--seed S] [--json] [--all]
                [--only FORM,...] [--declare FORM=CLASS,...]

Explores every instruction form of the spec table (and every Zicsr form on
every CSR, and on unimplemented CSR numbers) on the reference model from
generated machine states, classifies it by observation (privileged,
control-sensitive, behavior-sensitive, innocuous), compares that with the
declared class, and decides Theorem 1 (sensitive ⊆ privileged, for rv64pg
as the VMM uses it) and Theorem 3 (user-sensitive ⊆ privileged). See
docs/pg.md.

The verdicts are data: they are printed (and in the JSON), whatever they
are. Exit status: 0 the analysis ran and every observed class agrees with
the declared one or is explained; 1 an unexplained mismatch; 2 usage;
3 the analysis could not run.
`

func runPG(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pg", stderr)
	variant := fs.String("variant", "rv64pg", "architecture variant: rv64pg or popf")
	samples := fs.Int("samples", pg.DefaultSamples, "base states per instruction form (each gives 3 to 7 probes)")
	seed := fs.Uint64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print the whole report, witnesses included, as JSON")
	all := fs.Bool("all", false, "also print one row per instruction form")
	only := fs.String("only", "", "comma-separated forms to analyze, e.g. \"csrrs sstatus,mret\"")
	declare := fs.String("declare", "", "what-if: comma-separated FORM=CLASS overriding the declared classes, e.g. \"addi=privileged\"")
	fs.Usage = func() { fmt.Fprint(stderr, pgUsage); fs.PrintDefaults() }
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vcheck pg: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	opts := pg.Options{Samples: *samples, Seed: *seed}
	switch *variant {
	case "rv64pg":
		opts.Variant = spec.VariantRV64PG
	case "popf":
		opts.Variant = spec.VariantPOPF
	default:
		fmt.Fprintf(stderr, "vcheck pg: --variant %q: want rv64pg or popf\n", *variant)
		return exitUsage
	}
	if *samples < 1 {
		fmt.Fprintf(stderr, "vcheck pg: --samples %d: want at least 1\n", *samples)
		return exitUsage
	}
	if *only != "" {
		opts.Only = strings.Split(*only, ",")
		known := map[string]bool{}
		for _, s := range pg.Subjects() {
			known[s.Name] = true
		}
		for _, n := range opts.Only {
			if !known[n] {
				fmt.Fprintf(stderr, "vcheck pg: --only: unknown instruction form %q\n", n)
				return exitUsage
			}
		}
	}
	if *declare != "" {
		opts.Declare = map[string]spec.Class{}
		classes := map[string]spec.Class{}
		for c := spec.Innocuous; c <= spec.BehaviorSensitive; c++ {
			classes[c.String()] = c
		}
		for _, kv := range strings.Split(*declare, ",") {
			name, class, ok := strings.Cut(kv, "=")
			c, known := classes[class]
			if !ok || !known {
				fmt.Fprintf(stderr, "vcheck pg: --declare %q: want FORM=CLASS, CLASS one of innocuous, privileged, control-sensitive, behavior-sensitive\n", kv)
				return exitUsage
			}
			opts.Declare[name] = c
		}
	}
	rep, err := pg.Analyze(opts)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck pg: %v\n", err)
		return exitInternal
	}
	if *asJSON {
		if err := rep.WriteJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "vcheck pg: %v\n", err)
			return exitInternal
		}
	} else {
		rep.WriteText(stdout, *all)
	}
	if rep.Mismatches > 0 {
		return exitFailure
	}
	return exitOK
}
