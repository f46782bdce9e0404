package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

func init() {
	register(command{name: "run", summary: "run a program on one model to its exit", run: runCommand})
}

// defaultRunLimit is the step limit of `vcheck run` unless --limit says otherwise.
const defaultRunLimit = 100_000_000

// runSummary is the --json form of the summary on stderr.
type runSummary struct {
	Model    string  `json:"model"`
	Program  string  `json:"program"`
	Reason   string  `json:"reason"`
	Code     int     `json:"code"`
	Detail   string  `json:"detail,omitempty"`
	Retired  uint64  `json:"retired"`
	Seconds  float64 `json:"seconds"`
	MIPS     float64 `json:"mips"`
	Passed   bool    `json:"passed"`
	HitLimit bool    `json:"hit_limit"`
}

// runCommand is `vcheck run [--model ref] [--limit N] [--trace] [--json]
// [--kernel K.elf] PROGRAM.elf`: it loads the program as QEMU's -bios
// (and K as -kernel), runs it to the finisher, an HTIF exit or the step
// limit, streams the UART to stdout and prints a summary to stderr. It
// exits 0 on a pass, 1 on a failing exit or the limit, 2 on bad usage.
func runCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", stderr)
	model := fs.String("model", "ref", "model to run: "+strings.Join(modelNames(), ", "))
	limit := fs.Uint64("limit", defaultRunLimit, "stop after this many steps (instructions and traps)")
	trace := fs.Bool("trace", false, "print every retire record to stdout, in Spike's --log-commits format")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	kernel := fs.String("kernel", "", "an ELF or raw image loaded as QEMU's -kernel")
	harts := fs.Int("harts", 1, "number of harts")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vcheck run [flags] PROGRAM.elf")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	cfg := spec.DefaultConfig()
	cfg.Harts = *harts
	img, err := loadImage(cfg, fs.Arg(0), *kernel)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck run: %v\n", err)
		return exitUsage
	}
	m, err := newModel(*model, cfg, img)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck run: %v\n", err)
		return exitCodeFor(err)
	}
	// The console streams straight to stdout; with --trace it shares the
	// trace's buffer, so that its bytes stay in order with the records.
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	var console io.Writer = stdout
	if *trace {
		console = out
	}
	m.SetConsole(newPollReader(os.Stdin), console)

	start := time.Now()
	var exit spec.Exit
	if *trace {
		exit = runTraced(m, *limit, out)
	} else {
		exit = m.Run(*limit)
	}
	out.Flush()
	wall := time.Since(start)

	s := runSummary{Model: *model, Program: fs.Arg(0), Reason: exit.Reason.String(), Code: exit.Code,
		Detail: exit.Detail, Retired: m.Retired(), Seconds: wall.Seconds()}
	if wall > 0 {
		s.MIPS = float64(s.Retired) / wall.Seconds() / 1e6
	}
	s.HitLimit = exit.Reason == spec.HaltLimit || exit.Reason == spec.Running
	s.Passed = !s.HitLimit && exit.Reason != spec.HaltReset && exit.Code == 0
	if *asJSON {
		b, _ := json.Marshal(s)
		fmt.Fprintln(stderr, string(b))
	} else {
		verdict := "PASS"
		if !s.Passed {
			verdict = "FAIL"
		}
		if s.HitLimit {
			fmt.Fprintf(stderr, "vcheck run: instruction limit of %d steps reached without an exit\n", *limit)
		}
		fmt.Fprintf(stderr, "%s: %s, exit code %d (%s)\n", verdict, s.Reason, s.Code, s.Detail)
		fmt.Fprintf(stderr, "retired %d instructions in %.3fs: %.2f MIPS\n", s.Retired, s.Seconds, s.MIPS)
	}
	if !s.Passed {
		return exitFailure
	}
	return exitOK
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

// loadImage builds the reset image: firmware as -bios, kernel as -kernel.
func loadImage(cfg spec.Config, firmware, kernel string) (*boot.Image, error) {
	fw, err := loadProgramFile(firmware, spec.RAMBase)
	if err != nil {
		return nil, err
	}
	var k *load.Program
	if kernel != "" {
		if k, err = loadProgramFile(kernel, spec.RAMBase+0x200000); err != nil {
			return nil, err
		}
	}
	return boot.Build(cfg, fw, k)
}

// runTraced steps the machine and prints each record.
func runTraced(m machine, limit uint64, w io.Writer) spec.Exit {
	for n := uint64(0); n < limit; n++ {
		if e := m.Exit(); e.Reason != spec.Running {
			return e
		}
		r := m.Step()
		fmt.Fprintln(w, formatCommit(&r))
	}
	if e := m.Exit(); e.Reason != spec.Running {
		return e
	}
	return spec.Exit{Reason: spec.HaltLimit, Code: -1, Detail: fmt.Sprintf("instruction limit reached after %d steps", limit)}
}

// formatCommit renders a record like Spike's --log-commits:
//
//	core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000
//
// followed by " mem ADDR" for a load, " mem ADDR VALUE" for a store (both
// for an AMO), and " cADDR_name VALUE" for a CSR write. A trap is printed
// as Spike prints one: "core   0: exception NAME, epc PC" and the tval.
func formatCommit(r *spec.Retire) string {
	var b strings.Builder
	if r.Trap.Valid {
		fmt.Fprintf(&b, "core %3d: exception %s, epc 0x%016x\ncore %3d:           tval 0x%016x",
			r.Hart, spikeTrapName(&r.Trap), r.PC, r.Hart, r.Trap.Tval)
		return b.String()
	}
	fmt.Fprintf(&b, "core %3d: %d 0x%016x ", r.Hart, r.Mode, r.PC)
	if spec.InsnLen(r.Insn) == 2 {
		fmt.Fprintf(&b, "(0x%04x)", r.Insn&0xffff)
	} else {
		fmt.Fprintf(&b, "(0x%08x)", r.Insn)
	}
	if r.Rd.Valid {
		fmt.Fprintf(&b, " x%-2d 0x%016x", r.Rd.Reg, r.Rd.Value)
	}
	if r.CSR.Valid {
		name := fmt.Sprintf("%#x", r.CSR.Addr)
		if c := spec.LookupCSR(r.CSR.Addr); c != nil {
			name = c.Name
		}
		fmt.Fprintf(&b, " c%d_%s 0x%016x", r.CSR.Addr, name, r.CSR.Value)
	}
	if r.Mem.Valid && r.Mem.Read {
		fmt.Fprintf(&b, " mem 0x%016x", r.Mem.Addr)
	}
	if r.Mem.Valid && r.Mem.Write {
		fmt.Fprintf(&b, " mem 0x%016x 0x%0*x", r.Mem.Addr, 2*int(r.Mem.Size), r.Mem.WData)
	}
	return b.String()
}

// spikeTrapNames are the names Spike's trap_t classes print
// (riscv-isa-sim riscv/trap.h), by exception cause.
var spikeTrapNames = map[uint64]string{
	spec.CauseMisalignedFetch:    "trap_instruction_address_misaligned",
	spec.CauseFetchAccess:        "trap_instruction_access_fault",
	spec.CauseIllegalInstruction: "trap_illegal_instruction",
	spec.CauseBreakpoint:         "trap_breakpoint",
	spec.CauseMisalignedLoad:     "trap_load_address_misaligned",
	spec.CauseLoadAccess:         "trap_load_access_fault",
	spec.CauseMisalignedStore:    "trap_store_address_misaligned",
	spec.CauseStoreAccess:        "trap_store_access_fault",
	spec.CauseUserEcall:          "trap_user_ecall",
	spec.CauseSupervisorEcall:    "trap_supervisor_ecall",
	spec.CauseMachineEcall:       "trap_machine_ecall",
	spec.CauseFetchPageFault:     "trap_instruction_page_fault",
	spec.CauseLoadPageFault:      "trap_load_page_fault",
	spec.CauseStorePageFault:     "trap_store_page_fault",
}

// spikeTrapName names a trap as Spike's log does; an interrupt is
// "interrupt #cause".
func spikeTrapName(t *spec.Trap) string {
	if t.Interrupt {
		return fmt.Sprintf("interrupt #%d", t.Cause)
	}
	if n, ok := spikeTrapNames[t.Cause]; ok {
		return n
	}
	return fmt.Sprintf("trap #%d", t.Cause)
}
