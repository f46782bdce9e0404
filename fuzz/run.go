package fuzz

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// Factory builds a target from a config and a reset image; the
// internal/targets registry maps names to these.
type Factory func(cfg spec.Config, img *boot.Image) (diff.Target, error)

// Pair is the two targets a property compares.
type Pair struct {
	NameA, NameB string
	A, B         Factory
	// Lockstep, when set, compares instead of diff.Lockstep: a comparison
	// with an external implementation that knows its documented
	// departures (internal/targets.Compare). It gets the targets as the
	// factories built them, compares exits by reason and code only (as
	// ArchExit), and returns the divergence it does not explain.
	Lockstep func(a, b diff.Target, opts diff.Options) (diff.Result, error)
	// Mode is the path compared: Step (the zero value: diff.Lockstep),
	// Run (diff.RunLockstep over the targets' fast paths) or Both (Step,
	// then Run when Step agreed). Run needs both targets to be
	// diff.Runners (runmode.go).
	Mode Mode
	// Parallel: in run mode, B runs its harts concurrently
	// (diff.ParallelRunner) against A's interleaving; only for programs
	// whose result does not depend on it (Options.DRF).
	Parallel bool
	// Checkpoint is the run mode's steps between comparisons (0:
	// DefaultCheckpoint).
	Checkpoint uint64
}

// Config is the machine generated programs run on: the default, with
// 4 MiB of RAM instead of 128. A program uses the first 100 KiB (and the
// device tree sits near the top), and an engine with flat RAM zeroes all
// of it for each program, which would otherwise dominate a fuzz run.
func Config() spec.Config {
	c := spec.DefaultConfig()
	c.RAM = 4 << 20
	return c
}

// RecordLimit bounds one generated program's run. A generated program
// retires a few thousand records at most (setup, a body of at most a few
// hundred instructions with loops of four trips, one handler run per
// trap), so reaching the limit means the generator's termination
// guarantee broke, or a target hangs.
const RecordLimit = 200_000

// BuildImage lays out a program in the machine's reset image with
// boot.Build. Until boot.Build exists it falls back to a minimal image
// of its own: a boot ROM that sets a0 = mhartid, a1 = 0 and jumps to the
// program's entry. Both models start from the same image either way.
func BuildImage(cfg spec.Config, prog *load.Program) (*boot.Image, error) {
	img, err := boot.Build(cfg, prog, nil)
	if err == nil {
		// RAM is zero at reset, so the zero fill past each segment's data
		// (1 MiB reserved after the device tree) changes nothing on a
		// fresh machine; dropping it saves a model a megabyte of stores
		// per program, which is most of the cost of a short fuzz run.
		for i := range img.Segments {
			s := &img.Segments[i]
			if s.Addr >= spec.RAMBase {
				s.MemSize = uint64(len(s.Data))
			}
		}
		return img, nil
	}
	if !strings.Contains(err.Error(), "not written yet") {
		return nil, err
	}
	rom := []Insn{csrr(10, spec.CSRMhartid), mk("addi", 11, regZero, 0)}
	rom = append(rom, li(regT0, int64(prog.Entry))...)
	rom = append(rom, mk("jalr", regZero, 0, regT0))
	var buf []byte
	for _, in := range rom {
		w, err := in.Encode()
		if err != nil {
			return nil, err
		}
		buf = binary.LittleEndian.AppendUint32(buf, w)
	}
	segs := append([]load.Segment{{Addr: spec.BootROMBase, Data: buf, MemSize: uint64(len(buf))}}, prog.Segments...)
	img = &boot.Image{Segments: segs, ResetPC: spec.BootROMBase, Entry: prog.Entry}
	img.ToHost, _ = prog.Symbol("tohost")
	img.FromHost, _ = prog.Symbol("fromhost")
	return img, nil
}

// Compare runs one image on both targets of p in lockstep, on the path
// p.Mode names.
func Compare(cfg spec.Config, img *boot.Image, p Pair, opts diff.Options) (diff.Result, error) {
	return compare(cfg, img, p, opts, fresh{})
}

// compare is Compare on the targets ms supplies.
func compare(cfg spec.Config, img *boot.Image, p Pair, opts diff.Options, ms machines) (diff.Result, error) {
	switch p.Mode {
	case ModeRun:
		return compareRun(cfg, img, p, opts, ms)
	case ModeBoth:
		res, err := compareStep(cfg, img, p, opts, ms)
		if err != nil || res.Divergence != nil || res.ExitA.Reason == spec.Running {
			return res, err
		}
		run, err := compareRun(cfg, img, p, opts, ms)
		run.Compared += res.Compared
		return run, err
	}
	return compareStep(cfg, img, p, opts, ms)
}

// compareStep is Compare on Step: diff.Lockstep, then the states.
func compareStep(cfg spec.Config, img *boot.Image, p Pair, opts diff.Options, ms machines) (res diff.Result, err error) {
	a, b, err := ms.targets(cfg, img, p)
	if err != nil {
		return diff.Result{}, err
	}
	defer func() { ms.release(a, b, err == nil) }()
	// A target that cannot observe some fields (an external one: RVFI-DII
	// without vcheck's extension blocks) lists them; they are not compared.
	for _, t := range []diff.Target{a, b} {
		if p, ok := t.(interface{ Ignored() []string }); ok {
			opts.Ignore = append(append([]string(nil), opts.Ignore...), p.Ignored()...)
		}
	}
	if p.Lockstep != nil {
		res, err = p.Lockstep(a, b, opts) // it compares exits as ArchExit does
	} else {
		res, err = diff.Lockstep(ArchExit(a), ArchExit(b), opts)
	}
	if err != nil || res.Divergence != nil || res.ExitA.Reason == spec.Running {
		return res, err
	}
	// Both ended alike: compare what the records do not show (CSR side
	// effects, trap-entry writes, registers written by traps).
	for hart := 0; hart < cfg.Harts; hart++ {
		sa, sb := a.State(hart), b.State(hart)
		if sa.Hart != hart || sb.Hart != hart {
			continue // a target that shows no state (RVFI-DII: diff.Target's "no such hart")
		}
		if diff.SameState(sa, sb) {
			continue
		}
		if d := cmp.Diff(sa, sb); d != "" {
			res.Divergence = &diff.Divergence{Index: res.Compared, StateA: &sa, StateB: &sb, StateDiff: d,
				Reason: fmt.Sprintf("after the exit (%d records): hart %d's architectural state differs", res.Compared, hart)}
			return res, nil
		}
	}
	return res, nil
}

// closeTarget stops a target that holds a process or a connection (an
// external implementation: QEMU, a socket).
func closeTarget(t diff.Target) {
	if c, ok := t.(io.Closer); ok {
		c.Close()
	}
}

// ArchExit wraps a target so that its Exit carries only what is
// architectural: the reason and the code. Exit.Detail is each model's own
// wording ("sifive_test: pass (0x5555)" against "finisher: pass"), and
// diff.Lockstep compares whole Exit values, so without this every run
// would end in a divergence of prose.
func ArchExit(t diff.Target) diff.Target { return archExit{t} }

type archExit struct{ diff.Target }

func (a archExit) Exit() spec.Exit {
	e := a.Target.Exit()
	e.Detail = ""
	return e
}

// Outcome is what one generated program did on the pair.
type Outcome struct {
	Test    *Test
	Listing *Listing
	Result  diff.Result
	// Reason is empty when the targets agreed and the program ended;
	// otherwise it says what failed (a divergence, a panic, or no exit).
	Reason string
	// Panic is set when a target panicked.
	Panic *diff.TargetPanic
}

// Failed reports whether the outcome is a finding.
func (o *Outcome) Failed() bool { return o.Reason != "" }

// RunTest lays out t, boots it on both targets and compares them.
func RunTest(cfg spec.Config, t *Test, p Pair) (*Outcome, error) {
	return runTest(cfg, t, p, fresh{})
}

// runTest is RunTest on the targets ms supplies.
func runTest(cfg spec.Config, t *Test, p Pair, ms machines) (*Outcome, error) {
	l, err := t.Layout()
	if err != nil {
		return nil, fmt.Errorf("layout: %w", err)
	}
	img, err := BuildImage(cfg, l.Program("generated"))
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	res, err := compare(cfg, img, p, diff.Options{Limit: RecordLimit}, ms)
	var tp *diff.TargetPanic
	if errors.As(err, &tp) {
		// A target that panics on a program is a finding like any
		// divergence: it is shrunk and saved.
		name := p.NameA
		if tp.Target == "B" {
			name = p.NameB
		}
		return &Outcome{Test: t, Listing: l, Result: res, Panic: tp,
			Reason: fmt.Sprintf("%s panicked at record %d: %v", name, tp.Index, tp.Value)}, nil
	}
	if err != nil {
		return nil, err
	}
	o := &Outcome{Test: t, Listing: l, Result: res}
	switch {
	case res.Divergence != nil:
		o.Reason = res.Divergence.Reason
	case res.ExitA.Reason == spec.Running:
		o.Reason = fmt.Sprintf("no exit after %d records on both targets: the generator's termination guarantee broke", res.Compared)
	}
	return o, nil
}

// ErrNoTargets is returned by a Pair that is not complete.
var ErrNoTargets = errors.New("fuzz: the target pair is incomplete")
