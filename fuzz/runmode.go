package fuzz

import (
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Mode is the path a comparison drives: Step, Run or both.
type Mode uint8

const (
	// ModeStep compares record by record (diff.Lockstep over Step).
	ModeStep Mode = iota
	// ModeRun compares at checkpoints over the targets' fast paths
	// (diff.RunLockstep), replaying with Step to name the record.
	ModeRun
	// ModeBoth compares on Step, then, when Step agreed, on Run.
	ModeBoth
)

func (m Mode) String() string {
	switch m {
	case ModeStep:
		return "step"
	case ModeRun:
		return "run"
	case ModeBoth:
		return "both"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode reads "step", "run" or "both".
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{ModeStep, ModeRun, ModeBoth} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q (have step, run, both)", s)
}

// DefaultCheckpoint is the run mode's steps between comparisons for
// generated programs: most end within a few of them, and a checkpoint
// costs a scan of RAM (4 MiB on fuzz.Config) per target.
const DefaultCheckpoint = 2000

// compareRun is Compare on the fast paths: diff.RunLockstep, with
// targets rebuilt from the factories for its replay.
func compareRun(cfg spec.Config, img *boot.Image, p Pair, opts diff.Options, ms machines) (res diff.Result, err error) {
	build := func(ms machines) (diff.Runner, diff.Runner, error) {
		a, b, err := ms.targets(cfg, img, p)
		if err != nil {
			return nil, nil, err
		}
		ra, okA := a.(diff.Runner)
		rb, okB := b.(diff.Runner)
		if !okA || !okB {
			ms.release(a, b, false)
			name := p.NameA
			if okA {
				name = p.NameB
			}
			return nil, nil, fmt.Errorf("target %s cannot run without records (it is no diff.Runner): compare it in step mode", name)
		}
		return ra, rb, nil
	}
	a, b, err := build(ms)
	if err != nil {
		return diff.Result{}, err
	}
	defer func() { ms.release(a, b, err == nil) }()
	ro := diff.RunOptions{Options: opts, Checkpoint: p.Checkpoint, Parallel: p.Parallel}
	if ro.Checkpoint == 0 {
		ro.Checkpoint = DefaultCheckpoint
	}
	// The replay after a mismatch runs other targets at reset: the ones
	// compared still hold the state it is about. A replay needs a dozen
	// (one per bisection step), each done with when the next is asked
	// for, so they come from ms's replay machines: a Rig resets one pair
	// again and again, and keeps it for the next program's replays.
	rms := ms.replay()
	var ra, rb diff.Runner
	defer func() {
		if ra != nil {
			rms.release(ra, rb, err == nil)
		}
	}()
	ro.Rebuild = func() (diff.Runner, diff.Runner, error) {
		if ra != nil {
			rms.release(ra, rb, true) // a panic would have ended the replay
			ra, rb = nil, nil
		}
		x, y, err := build(rms)
		if err != nil {
			return nil, nil, err
		}
		ra, rb = x, y
		return x, y, nil
	}
	return diff.RunLockstep(a, b, ro)
}

// FastPathOf says whether p's targets can be compared in run mode: both
// can run without records (diff.Runner), and fast is what the fast path
// of one of them adds over Step (diff.FastPath's words, B's first; "" when
// neither has one, and run mode would compare Step with Step). It builds
// both targets once, on an empty program.
func FastPathOf(cfg spec.Config, p Pair) (runners bool, fast string, err error) {
	if p.A == nil || p.B == nil {
		return false, "", ErrNoTargets
	}
	l, err := (&Test{Mode: spec.ModeM}).Layout()
	if err != nil {
		return false, "", err
	}
	img, err := BuildImage(cfg, l.Program("probe"))
	if err != nil {
		return false, "", err
	}
	a, err := p.A(cfg, img)
	if err != nil {
		return false, "", fmt.Errorf("target %s: %w", p.NameA, err)
	}
	defer closeTarget(a)
	b, err := p.B(cfg, img)
	if err != nil {
		return false, "", fmt.Errorf("target %s: %w", p.NameB, err)
	}
	defer closeTarget(b)
	_, okA := a.(diff.Runner)
	_, okB := b.(diff.Runner)
	if !okA || !okB {
		return false, "", nil
	}
	for _, t := range []diff.Target{b, a} {
		if f, ok := t.(diff.FastPath); ok {
			return true, f.FastPath(), nil
		}
	}
	return true, "", nil
}

// ResolveMode reads a --mode flag: "step", "run", "both", or "auto" (and
// ""): run where a target has a fast path (FastPathOf), else step.
func ResolveMode(flag string, cfg spec.Config, p Pair) (Mode, error) {
	auto := flag == "" || strings.EqualFold(flag, "auto")
	m := ModeRun
	if !auto {
		var err error
		if m, err = ParseMode(flag); err != nil {
			return 0, fmt.Errorf("%v (or auto)", err)
		}
		if m == ModeStep {
			return m, nil
		}
	}
	runners, fast, err := FastPathOf(cfg, p)
	switch {
	case err != nil:
		return 0, err
	case auto && fast == "":
		return ModeStep, nil
	case !runners:
		return 0, fmt.Errorf("mode %s: %s and %s must both run without records (diff.Runner); use --mode step", m, p.NameA, p.NameB)
	}
	return m, nil
}
