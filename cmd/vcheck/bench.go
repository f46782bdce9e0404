package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
)

func init() {
	register(command{name: "bench", summary: "measure the engine's MIPS against QEMU and the reference model", run: benchCommand})
}

// benchQEMUCPU is rv64pg on QEMU 7.2: everything rv64pg lacks turned off.
const benchQEMUCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

// benchRow is one program's measurements. Instruction counts come from
// the engine (the program's own count); QEMU's MIPS divide that count by
// QEMU's wall time.
type benchRow struct {
	program    string
	insts      uint64
	engineWall time.Duration
	// the engine with block compilation off
	interpWall  time.Duration
	interpInsts uint64
	qemuWall    time.Duration
	qemuErr     string
	refWall     time.Duration
	refInsts    uint64
	refErr      string
}

func mips(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds() / 1e6
}

// benchCommand is `vcheck bench [--dir corpus/bench] [--qemu BIN] [--ref]
// [PROGRAM.elf...]`: it runs each bare-metal program to its exit on the
// engine, on qemu-system-riscv64 and (when the "ref" model is registered
// and --ref is set) on the reference model, and prints a table.
func benchCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", stderr)
	dir := fs.String("dir", "corpus/bench", "directory whose *.elf are benchmarked when no program is named")
	qemuBin := fs.String("qemu", "qemu-system-riscv64", "QEMU binary (empty: skip QEMU)")
	withRef := fs.Bool("ref", true, "also run the reference model, when it is registered")
	refLimit := fs.Uint64("ref-limit", 50_000_000, "step limit for the reference model (it is slow); its MIPS use what it ran")
	limit := fs.Uint64("limit", 5_000_000_000, "step limit for the engine")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vcheck bench [flags] [PROGRAM.elf...]")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	progs := fs.Args()
	if len(progs) == 0 {
		progs, _ = filepath.Glob(filepath.Join(*dir, "*.elf"))
	}
	if len(progs) == 0 {
		fmt.Fprintf(stderr, "vcheck bench: no programs (looked in %s)\n", *dir)
		return exitUsage
	}
	cfg := spec.DefaultConfig()
	var rows []benchRow
	failed := false
	for _, p := range progs {
		row := benchRow{program: filepath.Base(p)}
		img, err := loadImage(cfg, p, "")
		if err != nil {
			fmt.Fprintf(stderr, "vcheck bench: %v\n", err)
			return exitUsage
		}
		eng, err := newModel("engine", cfg, img)
		if err != nil {
			fmt.Fprintf(stderr, "vcheck bench: %v\n", err)
			return exitInternal
		}
		eng.SetConsole(strings.NewReader(""), io.Discard)
		start := time.Now()
		e := eng.Run(*limit)
		row.engineWall = time.Since(start)
		row.insts = eng.Retired()
		if e.Reason == spec.Running || e.Reason == spec.HaltLimit || e.Code != 0 {
			fmt.Fprintf(stderr, "vcheck bench: %s did not pass on the engine: %s %d %s\n", p, e.Reason, e.Code, e.Detail)
			failed = true
		}
		// The engine again with every block interpreted, when it
		// compiles blocks: what the block compiler adds.
		if jitSupported() {
			interp, err := newModel("engine", cfg, img)
			if j, ok := interp.(interface{ SetJIT(bool) }); err == nil && ok {
				j.SetJIT(false)
				interp.SetConsole(strings.NewReader(""), io.Discard)
				start := time.Now()
				interp.Run(*limit)
				row.interpWall, row.interpInsts = time.Since(start), interp.Retired()
			}
		}
		if *qemuBin != "" {
			row.qemuWall, row.qemuErr = runQEMUBench(*qemuBin, p)
		}
		if _, ok := models["ref"]; ok && *withRef {
			ref, err := newModel("ref", cfg, img)
			if err != nil {
				row.refErr = err.Error()
			} else {
				ref.SetConsole(strings.NewReader(""), io.Discard)
				start := time.Now()
				ref.Run(*refLimit)
				row.refWall = time.Since(start)
				row.refInsts = ref.Retired()
			}
		}
		rows = append(rows, row)
	}
	w := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "program\tinstructions\tengine s\tengine MIPS\tinterp MIPS\tqemu s\tqemu MIPS\tengine/qemu\tref MIPS\tengine/ref\t")
	for _, r := range rows {
		em := mips(r.insts, r.engineWall)
		im := "-"
		if r.interpWall > 0 {
			im = fmt.Sprintf("%.1f", mips(r.interpInsts, r.interpWall))
		}
		qs, qm, eq := "-", "-", "-"
		if r.qemuErr != "" {
			qs = "error"
		} else if r.qemuWall > 0 {
			qs = fmt.Sprintf("%.3f", r.qemuWall.Seconds())
			qm = fmt.Sprintf("%.1f", mips(r.insts, r.qemuWall))
			eq = fmt.Sprintf("%.2fx", em/mips(r.insts, r.qemuWall))
		}
		rm, er := "-", "-"
		if r.refErr != "" {
			rm = "error"
		} else if r.refWall > 0 {
			m := mips(r.refInsts, r.refWall)
			rm = fmt.Sprintf("%.1f", m)
			if m > 0 {
				er = fmt.Sprintf("%.1fx", em/m)
			}
		}
		fmt.Fprintf(w, "%s\t%d\t%.3f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.program, r.insts, r.engineWall.Seconds(), em, im, qs, qm, eq, rm, er)
	}
	w.Flush()
	for _, r := range rows {
		if r.qemuErr != "" {
			fmt.Fprintf(stderr, "qemu on %s: %s\n", r.program, r.qemuErr)
		}
		if r.refErr != "" {
			fmt.Fprintf(stderr, "ref on %s: %s\n", r.program, r.refErr)
		}
	}
	if failed {
		return exitFailure
	}
	return exitOK
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
