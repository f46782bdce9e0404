package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
its block compiler off (where it has one), as the guest of one VM of the VMM,
on qemu-system-riscv64 (as -bios, with the rv64pg CPU) and on the reference
model, and prints a table: wall time, MIPS and the ratios, measured side by
side in one run; for the VMM also the share of guest instructions executed
directly and its exits by cause.

Each target is measured twice over: inside this process (the run alone) and
as a whole process, start-up included, as QEMU is: "vcheck run --model M"
of this same binary, --runs times, interleaved with the QEMU runs, and the
median taken. The ratios compare whole processes. Instruction counts are the
engine's (the program's own count); QEMU's MIPS divide that count by QEMU's
wall time, boot included. docs/PERFORMANCE.md records the figures with the
command that measured them.`,
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
// QEMU's wall time. The ratios compare whole processes (process_mips;
// QEMU is always one), where both sides have them.
type benchRow struct {
	Program             string        `json:"program"`
	Instructions        uint64        `json:"instructions"`
	Engine              benchMeasure  `json:"engine"`
	EngineNoJIT         *benchMeasure `json:"engine_nojit,omitempty"` // the engine with its block compiler off, where it has one
	QEMU                *benchMeasure `json:"qemu,omitempty"`
	Ref                 *benchMeasure `json:"ref,omitempty"`
	EngineOverQEMU      float64       `json:"engine_over_qemu,omitempty"`       // engine / QEMU, whole processes
	EngineNoJITOverQEMU float64       `json:"engine_nojit_over_qemu,omitempty"` // engine-nojit / QEMU, whole processes
	EngineOverNoJIT     float64       `json:"engine_over_nojit,omitempty"`      // engine / engine-nojit, whole processes
	EngineOverRef       float64       `json:"engine_over_ref,omitempty"`        // engine / ref, whole processes
	VMM                 *benchVMM     `json:"vmm,omitempty"`                    // the program as the guest of one VM
}

// benchMeasure is one target's run of one program: inside this process,
// and as a whole process of its own (the median of --runs).
type benchMeasure struct {
	Seconds      float64 `json:"seconds"`
	Instructions uint64  `json:"instructions"` // what this target retired (QEMU: the engine's count)
	MIPS         float64 `json:"mips"`
	ProcSeconds  float64 `json:"process_seconds,omitempty"` // whole-process wall time, start-up included (QEMU: = seconds)
	ProcMIPS     float64 `json:"process_mips,omitempty"`    // instructions / process_seconds, in millions
	Error        string  `json:"error,omitempty"`
}

// procMIPS is m's whole-process MIPS, 0 when there is none.
func (m *benchMeasure) procMIPS() float64 {
	if m == nil || m.Error != "" {
		return 0
	}
	return m.ProcMIPS
}

// ratio is a / b, or 0 when either is unknown.
func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return a / b
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
	limit := fs.Uint64("limit", 5_000_000_000, "step limit for the engine (and the VMM); 0: no limit")
	withVMM := fs.Bool("vmm", true, "also run the program as the guest of one VM of the VMM (target vmm)")
	runs := fs.Int("runs", 3, "whole-process runs per target, interleaved; the median counts (0: measure inside this process only, and QEMU once)")
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
			if *withVMM && targets.Has("vmm") {
				prog.Printf("bench [%d/%d] %s: vmm", i+1, len(progs), row.Program)
				row.VMM = benchRunVMM(cfg, img, *limit, row.Engine)
			}
			if *withRef && targets.Has("ref") {
				prog.Printf("bench [%d/%d] %s: ref", i+1, len(progs), row.Program)
				m, _ := benchRun("ref", cfg, img, *refLimit)
				row.Ref = &m
			}
			if *qemuBin != "" {
				row.QEMU = &benchMeasure{Instructions: row.Instructions}
			}
			// Whole processes, interleaved run by run so that the
			// machine's load falls on every target alike.
			procs := []struct {
				m     *benchMeasure
				model string
				limit uint64
			}{{&row.Engine, "engine", *limit}, {row.EngineNoJIT, "engine-nojit", *limit}, {row.QEMU, "", 0}, {row.Ref, "ref", *refLimit}}
			walls := make([][]time.Duration, len(procs))
			n := *runs
			if n <= 0 && row.QEMU != nil {
				n = 1
			}
			for r := 0; r < n; r++ {
				for k, pr := range procs {
					if pr.m == nil || pr.m.Error != "" || *runs <= 0 && pr.model != "" {
						continue
					}
					var wall time.Duration
					var perr string
					if pr.model == "" {
						prog.Printf("bench [%d/%d] %s: qemu (%d/%d)", i+1, len(progs), row.Program, r+1, n)
						wall, perr = runQEMUBench(*qemuBin, p)
					} else {
						prog.Printf("bench [%d/%d] %s: %s process (%d/%d)", i+1, len(progs), row.Program, pr.model, r+1, n)
						wall, perr = runProcessBench(pr.model, p, pr.limit, pr.m.Instructions)
					}
					if perr != "" {
						pr.m.Error = perr
						continue
					}
					walls[k] = append(walls[k], wall)
				}
			}
			for k, pr := range procs {
				if pr.m == nil || pr.m.Error != "" || len(walls[k]) == 0 {
					continue
				}
				med := median(walls[k])
				pr.m.ProcSeconds, pr.m.ProcMIPS = med.Seconds(), mips(pr.m.Instructions, med)
				if pr.model == "" { // QEMU is only ever a whole process
					pr.m.Seconds, pr.m.MIPS = pr.m.ProcSeconds, pr.m.ProcMIPS
				}
			}
			e := row.Engine.procMIPS()
			row.EngineOverQEMU = ratio(e, row.QEMU.procMIPS())
			row.EngineNoJITOverQEMU = ratio(row.EngineNoJIT.procMIPS(), row.QEMU.procMIPS())
			row.EngineOverNoJIT = ratio(e, row.EngineNoJIT.procMIPS())
			row.EngineOverRef = ratio(e, row.Ref.procMIPS())
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
		fmt.Fprintln(w, "program\tinstructions\tengine MIPS\tengine proc s\tengine proc MIPS\tinterp proc MIPS\tqemu s\tqemu MIPS\tref proc MIPS\tengine/qemu\tinterp/qemu\tengine/interp\tengine/ref\tvmm MIPS\tvmm/engine\tdirect\t")
		num := func(v float64, format string) string {
			if v <= 0 {
				return "-"
			}
			return fmt.Sprintf(format, v)
		}
		for _, r := range out.Programs {
			qs, qm := "-", "-"
			if r.QEMU != nil && r.QEMU.Error != "" {
				qs = "error"
			} else if r.QEMU != nil {
				qs, qm = num(r.QEMU.Seconds, "%.3f"), num(r.QEMU.MIPS, "%.1f")
			}
			rm := num(r.Ref.procMIPS(), "%.1f")
			if r.Ref != nil && r.Ref.Error != "" {
				rm = "error"
			}
			vm, ve, vd := "-", "-", "-"
			if r.VMM != nil && r.VMM.Error != "" {
				vm = "error"
			} else if r.VMM != nil {
				vm, ve, vd = fmt.Sprintf("%.1f", r.VMM.MIPS), fmt.Sprintf("%.2fx", r.VMM.OverEngine), fmt.Sprintf("%.3f%%", 100*r.VMM.DirectShare)
			}
			fmt.Fprintf(w, "%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Program, r.Instructions, r.Engine.MIPS,
				num(r.Engine.ProcSeconds, "%.3f"), num(r.Engine.procMIPS(), "%.1f"), num(r.EngineNoJIT.procMIPS(), "%.1f"), qs, qm, rm,
				num(r.EngineOverQEMU, "%.2fx"), num(r.EngineNoJITOverQEMU, "%.2fx"), num(r.EngineOverNoJIT, "%.2fx"), num(r.EngineOverRef, "%.1fx"), vm, ve, vd)
		}
		w.Flush()
		for _, r := range out.Programs {
			if r.QEMU != nil && r.QEMU.Error != "" {
				fmt.Fprintf(e.stderr, "qemu on %s: %s\n", r.Program, r.QEMU.Error)
			}
			if r.Ref != nil && r.Ref.Error != "" {
				fmt.Fprintf(e.stderr, "ref on %s: %s\n", r.Program, r.Ref.Error)
			}
			if r.Engine.Error != "" {
				fmt.Fprintf(e.stderr, "engine process on %s: %s\n", r.Program, r.Engine.Error)
			}
			if r.EngineNoJIT != nil && r.EngineNoJIT.Error != "" {
				fmt.Fprintf(e.stderr, "engine-nojit on %s: %s\n", r.Program, r.EngineNoJIT.Error)
			}
			if r.VMM != nil && r.VMM.Error != "" {
				fmt.Fprintf(e.stderr, "vmm on %s: %s\n", r.Program, r.VMM.Error)
			}
		}
		for _, r := range out.Programs {
			if r.VMM != nil && r.VMM.Error == "" {
				fmt.Fprintf(e.stdout, "vmm on %s: %s\n", r.Program, r.VMM.summary)
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

// benchChildEnv marks a child `vcheck run` of bench: a test binary that
// stands in for vcheck (main_test.go) runs the command instead of its tests.
const benchChildEnv = "VCHECK_BENCH_CHILD"

// runProcessBench runs "vcheck run --model model --limit limit elf" as a
// process of its own (this same executable), with no console input, and
// returns its wall time, start-up included. The run must retire want
// instructions (the in-process run's count), or it is an error.
func runProcessBench(model, elf string, limit, want uint64) (time.Duration, string) {
	self, err := os.Executable()
	if err != nil {
		return 0, err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "run", "--json", "--progress=false", "--model", model,
		"--limit", strconv.FormatUint(limit, 10), elf)
	cmd.Env = append(os.Environ(), benchChildEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	var res struct {
		Retired uint64 `json:"retired"`
	}
	if jerr := json.Unmarshal(stdout.Bytes(), &res); jerr != nil {
		return 0, fmt.Sprintf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if res.Retired != want {
		return 0, fmt.Sprintf("the process retired %d instructions, not %d", res.Retired, want)
	}
	return wall, ""
}

// median is the middle of ds (the mean of the two middle ones when even).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
