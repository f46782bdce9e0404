package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/toolchain/disasm"
)

func init() {
	register(command{name: "diff", summary: "run one program on two targets in lockstep and report the first divergence", run: diffCommand})
}

// diffJSON is the --json output of vcheck diff.
type diffJSON struct {
	A          string          `json:"a"`
	B          string          `json:"b"`
	Program    string          `json:"program"`
	Kernel     string          `json:"kernel,omitempty"`
	Equal      bool            `json:"equal"`
	Compared   uint64          `json:"compared"`
	ExitA      spec.Exit       `json:"exit_a"`
	ExitB      spec.Exit       `json:"exit_b"`
	Divergence json.RawMessage `json:"divergence,omitempty"`
}

// diffCommand is `vcheck diff [--a ref] [--b engine] [--limit N]
// [--strict K] [--ignore Field,...] [--json] [--kernel K] PROGRAM`:
// PROGRAM is an ELF, a raw image, or a .S file (assembled with toolchain/asm,
// e.g. a corpus/regress finding), loaded as QEMU's -bios; K is loaded as
// QEMU's -kernel, as vcheck run loads it (a firmware and kernel pair such
// as OpenSBI's fw_jump and U-Boot). It exits 0 when the targets agree, 1 on a
// divergence, 2 on bad usage, 3 when a target cannot be built.
func diffCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", stderr)
	nameA := fs.String("a", "ref", "first target: "+strings.Join(targets.Names(), ", "))
	nameB := fs.String("b", "engine", "second target")
	limit := fs.Uint64("limit", diff.DefaultLimit, "stop after this many records")
	strict := fs.Uint64("strict", 0, "also compare full architectural state every K records (0: off)")
	ignore := fs.String("ignore", "", "comma-separated record fields not compared, e.g. Trap.Tval,Mem.RData (see -fields)")
	fields := fs.Bool("fields", false, "list the record fields --ignore accepts, and exit")
	history := fs.Int("history", 8, "records before the divergence to show")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	harts := fs.Int("harts", 1, "number of harts")
	kernel := fs.String("kernel", "", "an ELF or raw image loaded as QEMU's -kernel (at 0x80200000 when raw)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vcheck diff [flags] [--kernel K] PROGRAM.elf|PROGRAM.S")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	if *fields {
		fmt.Fprintln(stdout, strings.Join(diff.FieldNames(), "\n"))
		return exitOK
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	opts := diff.Options{Limit: *limit, History: *history}
	if *strict > 0 {
		opts.Mode, opts.StrictEvery = diff.Strict, *strict
	}
	if *ignore != "" {
		opts.Ignore = strings.Split(*ignore, ",")
	}
	fa, fb, ok := lookupTargets("diff", "a", *nameA, "b", *nameB, stderr)
	if !ok {
		return exitUsage
	}
	cfg := spec.DefaultConfig()
	cfg.Harts = *harts
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "vcheck diff: %v\n", err)
		return exitUsage
	}
	img, err := loadImage(cfg, fs.Arg(0), *kernel)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck diff: %v\n", err)
		return exitUsage
	}
	a, err := fa(cfg, img)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck diff: target %s: %v\n", *nameA, err)
		return exitInternal
	}
	b, err := fb(cfg, img)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck diff: target %s: %v\n", *nameB, err)
		return exitInternal
	}
	res, err := diff.Lockstep(fuzz.ArchExit(a), fuzz.ArchExit(b), opts)
	res.ExitA, res.ExitB = a.Exit(), b.Exit() // with each model's detail, for the report
	if err != nil {
		// Options are the only input Lockstep rejects (an unknown --ignore field).
		fmt.Fprintf(stderr, "vcheck diff: %v\n", err)
		return exitUsage
	}
	code := exitOK
	if res.Divergence != nil {
		code = exitFailure
	}
	if *asJSON {
		out := diffJSON{A: *nameA, B: *nameB, Program: fs.Arg(0), Kernel: *kernel, Equal: res.Divergence == nil,
			Compared: res.Compared, ExitA: res.ExitA, ExitB: res.ExitB}
		if res.Divergence != nil {
			if out.Divergence, err = res.Divergence.JSON(disassembler); err != nil {
				fmt.Fprintf(stderr, "vcheck diff: %v\n", err)
				return exitInternal
			}
		}
		j, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(j))
		return code
	}
	if res.Divergence != nil {
		fmt.Fprint(stdout, res.Divergence.Text(*nameA, *nameB, disassembler))
		return code
	}
	fmt.Fprintf(stdout, "EQUAL: %d records compared; %s: %s; %s: %s\n", res.Compared,
		*nameA, exitText(res.ExitA), *nameB, exitText(res.ExitB))
	return code
}

func exitText(e spec.Exit) string {
	if e.Reason == spec.Running {
		return "still running at the limit"
	}
	return e.String()
}

// disassembler renders an instruction as objdump does, for reports.
func disassembler(insn uint32, pc uint64) string {
	text, _ := disasm.Inst(insn, pc, disasm.Options{})
	return strings.Replace(text, "\t", " ", 1)
}
