package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure the engine's MIPS against QEMU and the reference model",
		args:    "[PROGRAM.elf...]",
		minArgs: 0, maxArgs: -1,
		about: `Runs each bare-metal program to its exit on the engine, on the engine with
its block compiler off (where it has one), on qemu-system-riscv64 (as -bios,
with the rv64pg CPU) and on the reference model, and prints a table: wall
time, MIPS and the ratios, measured side by side in one run. Instruction
counts are the engine's (the program's own count); QEMU's MIPS divide that
count by QEMU's wall time, boot included. docs/PERFORMANCE.md records the
figures with the command that measured them.`,
		examples: []example{
			{"vcheck bench", "every corpus/bench/*.elf"},
			{"vcheck bench --qemu '' --ref=false corpus/bench/coremark.elf", "the engine alone"},
			{"vcheck bench --json | jq '.programs[] | {program, mips: .engine.mips}'", ""},
		},
		exits: map[int]string{
			exitOK:      "every program passed on the engine",
			exitFailure: "a program did not pass on the engine",
		},
		progress: true,
		flags:    benchFlags,
	})
}

// benchQEMUCPU is rv64pg on QEMU 7.2: everything rv64pg lacks turned off.
const benchQEMUCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

// benchJSON is the --json output of vcheck bench.
type benchJSON struct {
	Programs []benchRow `json:"programs"`
}

// benchRow is one program's measurements. Instructions come from the
// engine (the program's own count); QEMU's MIPS divide that count by
// QEMU's wall time.
type benchRow struct {
	Program        string        `json:"program"`
	Instructions   uint64        `json:"instructions"`
	Engine         benchMeasure  `json:"engine"`
	EngineNoJIT    *benchMeasure `json:"engine_nojit,omitempty"` // the engine with its block compiler off, where it has one
	QEMU           *benchMeasure `json:"qemu,omitempty"`
	Ref            *benchMeasure `json:"ref,omitempty"`
	EngineOverQEMU float64       `json:"engine_over_qemu,omitempty"` // engine MIPS / QEMU MIPS
	EngineOverRef  float64       `json:"engine_over_ref,omitempty"`  // engine MIPS / ref MIPS
}

// benchMeasure is one target's run of one program.
type benchMeasure struct {
	Seconds      float64 `json:"seconds"`
	Instructions uint64  `json:"instructions"` // what this target retired (QEMU: the engine's count)
	MIPS         float64 `json:"mips"`
	Error        string  `json:"error,omitempty"`
}

func mips(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds() / 1e6
}

func measure(n uint64, d time.Duration) benchMeasure {
	return benchMeasure{Seconds: d.Seconds(), Instructions: n, MIPS: mips(n, d)}
}

// benchRun runs target name on img to its exit, or limit steps (0: none),
// and measures it.
func benchRun(name string, cfg spec.Config, img *boot.Image, limit uint64) (benchMeasure, spec.Exit) {
	m, err := targets.NewRunner(name, cfg, img)
	if err != nil {
		return benchMeasure{Error: err.Error()}, spec.Exit{}
	}
	m.SetConsole(strings.NewReader(""), io.Discard)
	if limit == 0 {
		limit = math.MaxUint64
	}
	start := time.Now()
	e := m.Run(limit)
	return measure(m.Retired(), time.Since(start)), e
}

func benchFlags(fs *flag.FlagSet) func(e *env) int {
	dir := fs.String("dir", "corpus/bench", "`directory` whose *.elf are benchmarked when no program is named")
	qemuBin := fs.String("qemu", "qemu-system-riscv64", "QEMU `binary` (empty: skip QEMU)")
	withRef := fs.Bool("ref", true, "also run the reference model")
	refLimit := fs.Uint64("ref-limit", 50_000_000, "step limit for the reference model (it is slow; its MIPS use what it ran); 0: no limit")
	limit := fs.Uint64("limit", 5_000_000_000, "step limit for the engine; 0: no limit")
	return func(e *env) int {
		progs := e.args
		if len(progs) == 0 {
			progs, _ = filepath.Glob(filepath.Join(*dir, "*.elf"))
		}
		if len(progs) == 0 {
			return e.usagef("no programs (looked in %s)", *dir)
		}
		cfg := spec.DefaultConfig()
		out := benchJSON{Programs: []benchRow{}}
		failed := false
		prog := e.newProgress()
		for i, p := range progs {
			row := benchRow{Program: filepath.Base(p)}
			img, err := loadImage(e, cfg, p, "")
			if err != nil {
				prog.Done()
				return e.errorf(exitUsage, "%v", err)
			}
			prog.Printf("bench [%d/%d] %s: engine", i+1, len(progs), row.Program)
			var ex spec.Exit
			row.Engine, ex = benchRun("engine", cfg, img, *limit)
			if row.Engine.Error != "" {
				prog.Done()
				return e.errorf(exitInternal, "%s", row.Engine.Error)
			}
			row.Instructions = row.Engine.Instructions
			if ex.Reason == spec.Running || ex.Reason == spec.HaltLimit || ex.Reason == spec.HaltTrapLoop || ex.Code != 0 {
				e.warnf("%s did not pass on the engine: %s", p, ex)
				failed = true
			}
			// The engine again with every block interpreted, where it
			// compiles blocks: what the block compiler adds.
			if targets.Has("engine-nojit") {
				prog.Printf("bench [%d/%d] %s: engine-nojit", i+1, len(progs), row.Program)
				m, _ := benchRun("engine-nojit", cfg, img, *limit)
				row.EngineNoJIT = &m
			}
			if *qemuBin != "" {
				prog.Printf("bench [%d/%d] %s: qemu", i+1, len(progs), row.Program)
				wall, qerr := runQEMUBench(*qemuBin, p)
				m := measure(row.Instructions, wall)
				m.Error = qerr
				row.QEMU = &m
				if qerr == "" && m.MIPS > 0 {
					row.EngineOverQEMU = row.Engine.MIPS / m.MIPS
				}
			}
			if *withRef && targets.Has("ref") {
				prog.Printf("bench [%d/%d] %s: ref", i+1, len(progs), row.Program)
				m, _ := benchRun("ref", cfg, img, *refLimit)
				row.Ref = &m
				if m.Error == "" && m.MIPS > 0 {
					row.EngineOverRef = row.Engine.MIPS / m.MIPS
				}
			}
			out.Programs = append(out.Programs, row)
		}
		prog.Done()
		code := exitOK
		if failed {
			code = exitFailure
		}
		if e.json {
			if c := e.writeJSON(out); c != exitOK {
				return c
			}
			return code
		}
		w := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "program\tinstructions\tengine s\tengine MIPS\tinterp MIPS\tqemu s\tqemu MIPS\tengine/qemu\tref MIPS\tengine/ref\t")
		for _, r := range out.Programs {
			im := "-"
			if r.EngineNoJIT != nil {
				im = fmt.Sprintf("%.1f", r.EngineNoJIT.MIPS)
			}
			qs, qm, eq := "-", "-", "-"
			if r.QEMU != nil && r.QEMU.Error != "" {
				qs = "error"
			} else if r.QEMU != nil {
				qs, qm = fmt.Sprintf("%.3f", r.QEMU.Seconds), fmt.Sprintf("%.1f", r.QEMU.MIPS)
				eq = fmt.Sprintf("%.2fx", r.EngineOverQEMU)
			}
			rm, er := "-", "-"
			if r.Ref != nil && r.Ref.Error != "" {
				rm = "error"
			} else if r.Ref != nil {
				rm, er = fmt.Sprintf("%.1f", r.Ref.MIPS), fmt.Sprintf("%.1fx", r.EngineOverRef)
			}
			fmt.Fprintf(w, "%s\t%d\t%.3f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Program, r.Instructions, r.Engine.Seconds, r.Engine.MIPS, im, qs, qm, eq, rm, er)
		}
		w.Flush()
		for _, r := range out.Programs {
			if r.QEMU != nil && r.QEMU.Error != "" {
				fmt.Fprintf(e.stderr, "qemu on %s: %s\n", r.Program, r.QEMU.Error)
			}
			if r.Ref != nil && r.Ref.Error != "" {
				fmt.Fprintf(e.stderr, "ref on %s: %s\n", r.Program, r.Ref.Error)
			}
		}
		return code
	}
}

// runQEMUBench runs a bare-metal ELF on QEMU virt (as -bios, ending
// through the finisher) and returns its wall time, boot included.
func runQEMUBench(bin, elf string) (time.Duration, string) {
	if _, err := exec.LookPath(bin); err != nil {
		return 0, err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-machine", "virt", "-cpu", benchQEMUCPU, "-bios", elf,
		"-nographic", "-monitor", "none", "-serial", "null", "-m", "128M")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		return 0, fmt.Sprintf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return wall, ""
}
