package fuzz

import (
	"fmt"
	"sync"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Resetter is a target that can be put back at reset with another image
// instead of being built again: refmodel.Machine and engine.Machine. Reset
// must leave it exactly as its factory would build it for img (their
// TestResetIsFresh tests prove it); an error means the image cannot be
// loaded, and the target is not used again.
type Resetter interface {
	Reset(img *boot.Image) error
}

// Rig runs programs on one pair of targets, one program at a time, and
// keeps the targets that are Resetters from one program to the next:
// building two machines cost more than comparing a generated program on
// them (docs/testing.md, "Reusing machines"). A target that is no
// Resetter (an external implementation, a wrapper) is built for each
// program and closed after it, as Compare does. A Rig is safe for use by
// one goroutine at a time; a campaign's workers have one each.
type Rig struct {
	cfg   spec.Config
	p     Pair
	mu    sync.Mutex
	a, b  diff.Target // kept from the last program, or nil
	spare *Rig        // the run mode's replay targets (replay), or nil
}

// NewRig returns a Rig for p's targets on machines of cfg.
func NewRig(cfg spec.Config, p Pair) *Rig { return &Rig{cfg: cfg, p: p} }

// RunTest is RunTest on the rig's targets.
func (r *Rig) RunTest(t *Test) (*Outcome, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return runTest(r.cfg, t, r.p, r)
}

// Close closes the targets the rig keeps.
func (r *Rig) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drop()
}

func (r *Rig) drop() {
	for _, t := range []diff.Target{r.a, r.b} {
		if t != nil {
			closeTarget(t)
		}
	}
	r.a, r.b = nil, nil
	if r.spare != nil {
		r.spare.drop()
	}
}

// replay returns the rig's second pair of machines, for the targets a run
// mode replay rebuilds while the rig's own pair still holds the program
// it is about.
func (r *Rig) replay() machines {
	if r.spare == nil {
		r.spare = &Rig{cfg: r.cfg, p: r.p}
	}
	return r.spare
}

// targets returns both targets at reset with img: the kept ones reset,
// or new ones from the factories.
func (r *Rig) targets(cfg spec.Config, img *boot.Image, p Pair) (diff.Target, diff.Target, error) {
	get := func(kept *diff.Target, f Factory, name string) (diff.Target, error) {
		if t := *kept; t != nil {
			*kept = nil
			if err := t.(Resetter).Reset(img); err == nil {
				return t, nil
			}
			closeTarget(t) // then the factory reports the error
		}
		t, err := f(cfg, img)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", name, err)
		}
		return t, nil
	}
	a, err := get(&r.a, p.A, p.NameA)
	if err != nil {
		return nil, nil, err
	}
	b, err := get(&r.b, p.B, p.NameB)
	if err != nil {
		closeTarget(a)
		return nil, nil, err
	}
	return a, b, nil
}

// release takes the targets back after a comparison: it keeps the
// Resetters and closes the others. After a panic (ok false) it keeps
// none: a target that panicked mid-step is built anew.
func (r *Rig) release(a, b diff.Target, ok bool) {
	keep := func(kept *diff.Target, t diff.Target) {
		if _, reset := t.(Resetter); ok && reset {
			*kept = t
			return
		}
		closeTarget(t)
	}
	keep(&r.a, a)
	keep(&r.b, b)
}

// machines supplies the targets of one comparison: a Rig, or fresh
// (new targets from the factories, closed after). replay supplies those
// of the run mode's replays, which run while the compared ones are held.
type machines interface {
	targets(cfg spec.Config, img *boot.Image, p Pair) (a, b diff.Target, err error)
	release(a, b diff.Target, ok bool)
	replay() machines
}

// fresh builds new targets for every comparison.
type fresh struct{}

func (fresh) targets(cfg spec.Config, img *boot.Image, p Pair) (diff.Target, diff.Target, error) {
	a, err := p.A(cfg, img)
	if err != nil {
		return nil, nil, fmt.Errorf("target %s: %w", p.NameA, err)
	}
	b, err := p.B(cfg, img)
	if err != nil {
		closeTarget(a)
		return nil, nil, fmt.Errorf("target %s: %w", p.NameB, err)
	}
	return a, b, nil
}

func (fresh) release(a, b diff.Target, _ bool) {
	closeTarget(a)
	closeTarget(b)
}

func (fresh) replay() machines { return fresh{} }
