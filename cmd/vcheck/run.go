package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/trace"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

func init() {
	register(&command{
		name:    "run",
		summary: "run a program on one model to its exit",
		args:    "PROGRAM",
		minArgs: 1, maxArgs: 1,
		about: `Runs PROGRAM on one model, as QEMU's virt runs it as -bios (and --kernel K as
-kernel): to the sifive_test finisher, an HTIF tohost exit, a trap loop, or the
step limit. The UART goes to stdout (with --json, into the JSON's "console");
the summary goes to stderr (with --json, the JSON on stdout).

PROGRAM is an ELF executable, an assembler source (.S, .s: assembled in
process at 0x80000000), or any other file, loaded as a raw image at
0x80000000 (with a note). The parts of an ELF that lie outside the boot ROM
and RAM are left out with a warning, as QEMU leaves them out silently, and a
warning says when the ELF's entry point is not where execution starts (the
boot ROM always jumps to 0x80000000; docs/boot.md).

Stop reasons are the same words on every model (docs/retire.md): "finisher",
"htif", "reset", "trap loop", "instruction limit".`,
		examples: []example{
			{"vcheck run hello.elf", "the UART on stdout, PASS/FAIL and the MIPS on stderr"},
			{"vcheck run --model engine --limit 0 coremark.elf", "the fast engine, no step limit (Ctrl-C stops it and prints the summary)"},
			{"vcheck run --trace prog.S | head", "every step as Spike -l --log-commits prints it (without its disassembly lines)"},
			{"vcheck run --kernel u-boot.bin /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf", "firmware and kernel, as qemu -bios ... -kernel ..."},
			{"vcheck run --json prog.elf | jq -r .reason", ""},
		},
		exits: map[int]string{
			exitOK:           "the program passed (finisher pass, or HTIF exit code 0)",
			exitFailure:      "the program failed (a failing exit code, a reset request, or a trap loop)",
			exitInconclusive: "the step limit came first: no verdict",
		},
		progress:  true,
		interrupt: true,
		flags:     runFlags,
	})
}

// defaultRunLimit is the step limit of `vcheck run` unless --limit says otherwise.
const defaultRunLimit = 100_000_000

// runJSON is the --json output of vcheck run.
type runJSON struct {
	Model   string  `json:"model"`
	Program string  `json:"program"`
	Kernel  string  `json:"kernel,omitempty"`
	Verdict string  `json:"verdict"` // pass, fail, limit, interrupted
	Reason  string  `json:"reason"`  // the stop reason, as spec.HaltReason words it; "running" when interrupted
	Code    int     `json:"code"`
	Detail  string  `json:"detail,omitempty"`
	Retired uint64  `json:"retired"`
	Seconds float64 `json:"seconds"`
	MIPS    float64 `json:"mips"`
	Console string  `json:"console"` // what the program wrote to the UART (and the HTIF console)
}

// runFlags declares run's flags and returns its body.
func runFlags(fs *flag.FlagSet) func(e *env) int {
	model := fs.String("model", "ref", "the model to run: "+strings.Join(targets.Names(), ", ")+" (any target that runs on its own)")
	limit := fs.Uint64("limit", defaultRunLimit, "stop after this many steps (instructions and traps); 0: no limit")
	trace := fs.Bool("trace", false, "print every step to stdout as Spike prints it (--log-commits lines, and -l's exception lines for traps)")
	kernel := fs.String("kernel", "", "an ELF or raw `FILE` loaded as QEMU's -kernel")
	harts := fs.Int("harts", 1, "number of harts")
	return func(e *env) int {
		if *trace && e.json {
			return e.usagef("--trace and --json both write to stdout: use one")
		}
		cfg, img, code := bootProgram(e, *harts, e.args[0], *kernel)
		if img == nil {
			return code
		}
		m, err := targets.NewRunner(*model, cfg, img)
		if err != nil {
			if !targets.Has(*model) {
				return e.usagef("--model: %v", err)
			}
			return e.errorf(exitInternal, "%v", err)
		}
		// The console streams straight to stdout; with --trace it shares the
		// trace's buffer, so that its bytes stay in order with the records;
		// with --json it is kept for the JSON.
		out := bufio.NewWriter(e.stdout)
		defer out.Flush()
		var console io.Writer = e.stdout
		var captured strings.Builder
		switch {
		case *trace:
			console = out
		case e.json:
			console = &captured
		}
		tail := &lastByte{w: console}
		m.SetConsole(newPollReader(os.Stdin), tail)

		prog := e.newProgress()
		start := time.Now()
		status := func(steps uint64) {
			s := time.Since(start).Seconds()
			prog.Printf("run %s: %d steps, %d retired, %.1f MIPS", *model, steps, m.Retired(), float64(m.Retired())/max(s, 1e-9)/1e6)
		}
		var exit spec.Exit
		if *trace {
			exit = runTraced(e, m, *limit, out)
		} else {
			exit = runChunked(e, m, *limit, status)
		}
		out.Flush()
		prog.Done()
		wall := time.Since(start)

		j := runJSON{Model: *model, Program: e.args[0], Kernel: *kernel, Reason: exit.Reason.String(), Code: exit.Code,
			Detail: exit.Detail, Retired: m.Retired(), Seconds: wall.Seconds(), Console: captured.String()}
		if wall > 0 {
			j.MIPS = float64(j.Retired) / wall.Seconds() / 1e6
		}
		code = exitOK
		switch {
		case e.interrupted() && exit.Reason == spec.Running:
			j.Verdict, code = "interrupted", exitInterrupted
		case exit.Reason == spec.HaltLimit:
			j.Verdict, code = "limit", exitInconclusive
		case exit.Reason == spec.HaltReset || exit.Reason == spec.HaltTrapLoop || exit.Code != 0:
			j.Verdict, code = "fail", exitFailure
		default:
			j.Verdict = "pass"
		}
		if e.json {
			if c := e.writeJSON(j); c != exitOK {
				return c
			}
			return code
		}
		if tail.last != 0 && tail.last != '\n' && !*trace {
			fmt.Fprintln(e.stderr) // the summary starts on a line of its own on a terminal
		}
		if code == exitInterrupted {
			fmt.Fprintf(e.stderr, "INTERRUPTED: still running after %d retired instructions\n", j.Retired)
		} else {
			fmt.Fprintf(e.stderr, "%s: %s, exit code %d (%s)\n", strings.ToUpper(j.Verdict), j.Reason, j.Code, j.Detail)
		}
		fmt.Fprintf(e.stderr, "retired %d instructions in %.3fs: %.2f MIPS\n", j.Retired, j.Seconds, j.MIPS)
		return code
	}
}

// lastByte remembers the last byte written through it.
type lastByte struct {
	w    io.Writer
	last byte
}

func (l *lastByte) Write(b []byte) (int, error) {
	if len(b) > 0 {
		l.last = b[len(b)-1]
	}
	return l.w.Write(b)
}

// limitExit is the exit of a run whose step limit ran out first, in the
// words of docs/retire.md, for the whole run (the models word it for one
// Run call, and the CLI runs in chunks).
func limitExit(limit, retired uint64) spec.Exit {
	return spec.Exit{Reason: spec.HaltLimit, Code: -1,
		Detail: fmt.Sprintf("instruction limit reached after %d steps (%d retired)", limit, retired)}
}

// runChunked runs m to its exit, the limit (0: none) or an interruption,
// in chunks of about 50 ms so that Ctrl-C and the progress line are seen.
// Chunks do not change the run: Run(a) then Run(b) is Run(a+b).
func runChunked(e *env, m diff.Runner, limit uint64, status func(steps uint64)) spec.Exit {
	chunk := uint64(1 << 14)
	var steps uint64
	for !e.interrupted() {
		n := chunk
		if limit != 0 && limit-steps < n {
			n = limit - steps
		}
		t0 := time.Now()
		ex := m.Run(n)
		if ex.Reason != spec.HaltLimit {
			return ex
		}
		steps += n
		if limit != 0 && steps >= limit {
			return limitExit(limit, m.Retired())
		}
		switch d := time.Since(t0); {
		case d < 25*time.Millisecond && chunk < 1<<30:
			chunk *= 2
		case d > 200*time.Millisecond && chunk > 1<<10:
			chunk /= 2
		}
		status(steps)
	}
	return m.Exit()
}

// pollReader makes a blocking input (a terminal, a pipe) pollable: a
// goroutine reads it, and Read returns what has arrived so far, or 0
// bytes and no error when nothing has. The UART polls its input once per
// retired instruction, so a blocking Read would stop the machine.
type pollReader struct {
	data chan []byte
	buf  []byte
	err  error
}

func newPollReader(r io.Reader) *pollReader {
	p := &pollReader{data: make(chan []byte, 64)}
	go func() {
		for {
			b := make([]byte, 256)
			n, err := r.Read(b)
			if n > 0 {
				p.data <- b[:n]
			}
			if err != nil {
				close(p.data)
				return
			}
		}
	}()
	return p
}

// Read implements io.Reader without blocking.
func (p *pollReader) Read(b []byte) (int, error) {
	if len(p.buf) == 0 && p.err == nil {
		select {
		case d, ok := <-p.data:
			if !ok {
				p.err = io.EOF
			}
			p.buf = d
		default:
			return 0, nil
		}
	}
	if len(p.buf) == 0 {
		return 0, p.err
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// runTraced steps the machine and prints each record. Step never stops
// for a trap loop (docs/retire.md), so the trace applies the rule itself:
// the run ends as Run would end it.
func runTraced(e *env, m diff.Runner, limit uint64, w io.Writer) spec.Exit {
	loops := make([]struct {
		trap spec.Trap
		n    int
	}, spec.MaxHarts)
	for n := uint64(0); limit == 0 || n < limit; n++ {
		if ex := m.Exit(); ex.Reason != spec.Running {
			return ex
		}
		if n%4096 == 0 && e.interrupted() {
			return m.Exit()
		}
		r := m.Step()
		fmt.Fprintln(w, formatCommit(&r, m))
		l := &loops[r.Hart]
		switch {
		case !r.Trap.Valid || r.Trap.Interrupt:
			l.n = 0
		case l.n > 0 && l.trap == r.Trap:
			l.n++
		default:
			l.trap, l.n = r.Trap, 1
		}
		if l.n >= spec.TrapLoopLimit {
			return spec.Exit{Reason: spec.HaltTrapLoop, Code: -1,
				Detail: fmt.Sprintf("trap loop: hart %d took %d traps in a row at pc %#x without retiring (%s, tval %#x)",
					r.Hart, l.n, r.PC, spec.CauseName(false, r.Trap.Cause), r.Trap.Tval)}
		}
	}
	if ex := m.Exit(); ex.Reason != spec.Running {
		return ex
	}
	return limitExit(limit, m.Retired())
}

// formatCommit renders a step as Spike prints it (trace.Format): the
// --log-commits line of a retired instruction, with the CSR writes Spike
// logs beyond the record's (sstatus, sie and sip as the register they
// view; the mstatus an xRET writes) read from the model after the step;
// the exception lines of -l for a trap.
func formatCommit(r *spec.Retire, m diff.Target) string {
	return trace.Format(r, func(addr uint16) uint64 { return m.State(r.Hart).CSRs[addr] })
}
