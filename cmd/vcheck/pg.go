package main

import (
	"flag"
	"strings"

	"github.com/vcheck-dev/vcheck/pg"
	"github.com/vcheck-dev/vcheck/spec"
)

func init() {
	register(&command{
		name:    "pg",
		summary: "classify every instruction form by behavior on refmodel and decide P&G Theorems 1 and 3",
		about: `Explores every instruction form of the spec table (and every Zicsr form on
every CSR, and on unimplemented CSR numbers) on the reference model from
generated machine states, classifies it by observation (privileged,
control-sensitive, behavior-sensitive, innocuous), compares that with the
declared class, and decides Theorem 1 (sensitive ⊆ privileged, for rv64pg
as the VMM uses it) and Theorem 3 (user-sensitive ⊆ privileged). See
docs/pg.md.

The verdicts are data: they are printed (and in the JSON), whatever they
are; the exit status says whether the observations agree with the
declarations.`,
		examples: []example{
			{"vcheck pg", "the summary table and both theorems"},
			{"vcheck pg --variant popf", "the POPF-like variant: Theorem 1 fails, with witnesses"},
			{"vcheck pg --only 'csrrs sstatus,mret' --all", "two forms, one row each"},
			{"vcheck pg --declare addi=privileged", "what if the table said so: a mismatch, exit 1"},
			{"vcheck pg --json | jq '.theorem1'", ""},
		},
		exits: map[int]string{
			exitOK:      "every observed class agrees with the declared one, or is explained",
			exitFailure: "an observed class differs from the declared one, unexplained",
		},
		progress: true,
		flags:    pgFlags,
	})
}

func pgFlags(fs *flag.FlagSet) func(e *env) int {
	variant := fs.String("variant", "rv64pg", "architecture `variant`: rv64pg or popf")
	samples := fs.Int("samples", pg.DefaultSamples, "base states per instruction form (each gives 3 to 7 probes)")
	seed := fs.Uint64("seed", 1, "random seed")
	all := fs.Bool("all", false, "also print one row per instruction form")
	only := fs.String("only", "", "comma-separated `forms` to analyze, e.g. \"csrrs sstatus,mret\"")
	declare := fs.String("declare", "", "what-if: comma-separated `FORM=CLASS` overriding the declared classes, e.g. \"addi=privileged\"")
	return func(e *env) int {
		opts := pg.Options{Samples: *samples, Seed: *seed}
		switch *variant {
		case "rv64pg":
			opts.Variant = spec.VariantRV64PG
		case "popf":
			opts.Variant = spec.VariantPOPF
		default:
			return e.usagef("--variant %q: want rv64pg or popf", *variant)
		}
		if *samples < 1 {
			return e.usagef("--samples %d: want at least 1", *samples)
		}
		if *only != "" {
			opts.Only = strings.Split(*only, ",")
			known := map[string]bool{}
			for _, s := range pg.Subjects() {
				known[s.Name] = true
			}
			for _, n := range opts.Only {
				if !known[n] {
					return e.usagef("--only: unknown instruction form %q", n)
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
					return e.usagef("--declare %q: want FORM=CLASS, CLASS one of innocuous, privileged, control-sensitive, behavior-sensitive", kv)
				}
				opts.Declare[name] = c
			}
		}
		prog := e.newProgress()
		opts.Progress = func(done, total int) { prog.Printf("pg: %d of %d instruction forms analyzed", done, total) }
		rep, err := pg.Analyze(opts)
		prog.Done()
		if err != nil {
			return e.errorf(exitInternal, "%v", err)
		}
		code := exitOK
		if rep.Mismatches > 0 {
			code = exitFailure
		}
		if e.json {
			if c := e.writeJSON(rep.JSON()); c != exitOK {
				return c
			}
			return code
		}
		rep.WriteText(e.stdout, *all)
		return code
	}
}
