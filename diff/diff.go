// Package diff compares two implementations of rv64pg retire record by
// retire record, and stops at the first divergence.
//
//	program ──► Target A ──► Retire, Retire, ... ─┐
//	        └─► Target B ──► Retire, Retire, ... ─┴─► Lockstep ──► Result / Divergence
//
// diff knows the Target interface and nothing about any implementation:
// refmodel.Machine, the engine's Machine, one VM of a VMM and the external
// adapters all satisfy it without importing this package.
package diff

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/vcheck-dev/vcheck/spec"
)

// Target is anything that yields retire records. Its methods use only
// spec types.
type Target interface {
	// Step runs one step (one retired instruction or one trap) of the next
	// hart and returns its record.
	Step() spec.Retire
	// Exit reports how the target stopped; Reason is spec.Running while it
	// has not.
	Exit() spec.Exit
	// State returns a full snapshot of one hart, for strict mode; for a
	// hart the target does not have, it returns a state with Hart -1.
	State(hart int) spec.ArchState
}

// Memory is a model's physical RAM (and, where the model has one, its
// boot ROM) as the servers of diff/gdb and diff/rvfi read and write it.
// Device registers are never reached through it.
type Memory interface {
	ReadMem(pa uint64, buf []byte) error
	WriteMem(pa uint64, data []byte) error
}

// Mode selects how much is compared.
type Mode uint8

const (
	// Default compares every field of every retire record.
	// (By default the two targets run on two goroutines; see Options.Sequential.)
	Default Mode = iota
	// Strict also compares full architectural-state snapshots every
	// StrictEvery records and at the end.
	Strict
)

// Options control a lockstep run.
type Options struct {
	Limit       uint64   // stop after this many records (0: DefaultLimit)
	Mode        Mode     // Default or Strict
	StrictEvery uint64   // snapshot period in Strict mode (0: 1000)
	Ignore      []string // record fields not compared, by path: "Mem.RData", "Trap.Tval", "CSR"
	History     int      // how many records before the divergence the report shows (0: 8)
	// Sequential runs both targets on the caller's goroutine. By default
	// (and always in Strict mode, which reads states mid-run) lockstep in
	// Default mode runs each target on its own goroutine, ahead of the
	// comparison by a few batches of records: the targets must not share
	// unsynchronized state (e.g. one console writer).
	Sequential bool
	// Progress, when set, is called every ProgressEvery records.
	Progress      func(compared uint64)
	ProgressEvery uint64
	// Stop, when set, ends the run early once it is closed (the CLI closes
	// it on Ctrl-C): Lockstep then returns the records compared so far,
	// with Result.Stopped set. It is looked at every stopEvery records.
	Stop <-chan struct{}
}

// stopEvery is how often (in records) Lockstep looks at Options.Stop.
const stopEvery = 1024

// DefaultLimit bounds a run when Options.Limit is zero, so a guest that
// loops forever ends with a limit, not a hang.
const DefaultLimit = 10_000_000

// Result is the outcome of a lockstep run.
type Result struct {
	Compared   uint64      // records compared and found equal
	ExitA      spec.Exit   // how A stopped (Running if the limit came first)
	ExitB      spec.Exit   // how B stopped
	Divergence *Divergence // the first divergence, or nil
	Stopped    bool        // Options.Stop ended the run before a verdict
}

// Verdict is what a Result says about the two targets.
type Verdict uint8

const (
	// Equal: every record agreed and both targets stopped the same way.
	Equal Verdict = iota
	// Diverged: a record, a state snapshot or the exits differ.
	Diverged
	// Unfinished: every record agreed, but the limit came before either
	// target stopped, so there is no verdict ("no divergence in N
	// records; neither finished").
	Unfinished
	// Interrupted: Options.Stop ended the run first.
	Interrupted
)

func (v Verdict) String() string {
	switch v {
	case Equal:
		return "equal"
	case Diverged:
		return "diverged"
	case Unfinished:
		return "unfinished"
	case Interrupted:
		return "interrupted"
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// Verdict classifies r. A divergence found before an interruption still
// counts as Diverged.
func (r Result) Verdict() Verdict {
	switch {
	case r.Divergence != nil:
		return Diverged
	case r.Stopped:
		return Interrupted
	case r.ExitA.Reason == spec.Running && r.ExitB.Reason == spec.Running:
		return Unfinished
	}
	return Equal
}

// Divergence is the first pair of records (or states) that differ.
type Divergence struct {
	Index    uint64 // 0-based index of the record
	A, B     spec.Retire
	HistoryA []spec.Retire // the records before it, oldest first (equal on both sides up to Index)
	HistoryB []spec.Retire
	Fields   []string // paths of the fields that differ
	Diff     string   // go-cmp diff of the records (-A +B)
	// StateA and StateB are set when states were compared (strict mode,
	// or the exits differed) and StateDiff is their diff.
	StateA, StateB *spec.ArchState
	StateDiff      string
	// What else run mode (RunLockstep) found different, each a one-line
	// description ("" when equal): RAM, the device registers, the console.
	Memory, Devices, Console string
	// FastPath is set when the records of Step agree but the state after
	// the fast path (Runner.Run) ran this record differs (run.go).
	FastPath bool
	// Reason is a one-line summary: "record 12: Rd.Value differs".
	Reason string
}

// ErrNilTarget is returned when a target is missing.
var ErrNilTarget = errors.New("diff: nil target")

// Lockstep runs a and b record by record and stops at the first
// divergence, when both have exited, or at the limit.
func Lockstep(a, b Target, opts Options) (res Result, err error) {
	return lockstep(a, b, opts, 0, nil)
}

// lockstep is Lockstep for targets that have already run base steps
// (run mode's replay, run.go): reports number records from base, and
// ring, when set, already holds the records before them.
func lockstep(a, b Target, opts Options, base uint64, ring *history) (res Result, err error) {
	if a == nil || b == nil {
		return Result{}, ErrNilTarget
	}
	side := "A" // the target being stepped, for a panic's report
	defer func() {
		if r := recover(); r != nil {
			tp, ok := r.(*TargetPanic)
			if !ok {
				tp = &TargetPanic{Index: base + res.Compared, Value: r, Stack: debug.Stack()}
			}
			tp.Target = side
			res.ExitA, res.ExitB = spec.Exit{}, spec.Exit{}
			err = tp
			if e, ok := tp.Value.(error); ok && errors.Is(e, ErrTargetFailed) {
				err = fmt.Errorf("target %s failed at record %d: %w", side, tp.Index, e)
			}
		}
	}()
	mask, err := newFieldMask(opts.Ignore)
	if err != nil {
		return Result{}, err
	}
	limit := opts.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	every := opts.StrictEvery
	if every == 0 {
		every = 1000
	}
	hist := opts.History
	if hist <= 0 {
		hist = 8
	}
	if ring == nil {
		ring = newHistory(hist)
	}
	// In default mode no state is read mid-run, so each target runs on its
	// own goroutine, one batch ahead of the comparison (prefetch.go).
	concurrent := opts.Mode == Default && !opts.Sequential
	if concurrent {
		pa, pb := newPrefetch(a, limit), newPrefetch(b, limit)
		defer pa.stop()
		defer pb.stop()
		a, b = pa, pb
	}
	for res.Compared < limit {
		if opts.Stop != nil && res.Compared%stopEvery == 0 {
			select {
			case <-opts.Stop:
				res.Stopped = true
				res.ExitA, res.ExitB = a.Exit(), b.Exit()
				return res, nil
			default:
			}
		}
		side = "A"
		ea := a.Exit()
		side = "B"
		eb := b.Exit()
		if ea.Reason != spec.Running || eb.Reason != spec.Running {
			res.ExitA, res.ExitB = ea, eb
			// Exit.Detail is each implementation's own wording; only the
			// reason and the code are architectural.
			if ea.Reason != eb.Reason || ea.Code != eb.Code {
				d := &Divergence{Index: base + res.Compared, Reason: fmt.Sprintf("record %d: exits differ: A %s, B %s", base+res.Compared, ea, eb)}
				d.HistoryA, d.HistoryB = ring.slices()
				if !concurrent {
					// A running target's goroutine may have gone past
					// this point, so states are compared only when the
					// run is sequential (Options.Sequential).
					compareStates(a, b, d)
				}
				res.Divergence = d
			}
			return res, nil
		}
		side = "A"
		ra := a.Step()
		side = "B"
		rb := b.Step()
		if ra != rb && mask.apply(ra) != mask.apply(rb) {
			res.Divergence = recordDivergence(base+res.Compared, ra, rb, mask.apply(ra), mask.apply(rb), ring)
			res.ExitA, res.ExitB = a.Exit(), b.Exit()
			return res, nil
		}
		ring.push(ra, rb)
		res.Compared++
		if opts.Mode == Strict && res.Compared%every == 0 {
			d := &Divergence{Index: base + res.Compared}
			if !compareStates(a, b, d) {
				d.HistoryA, d.HistoryB = ring.slices()
				d.Reason = fmt.Sprintf("after record %d: architectural state differs", base+res.Compared-1)
				res.Divergence = d
				res.ExitA, res.ExitB = a.Exit(), b.Exit()
				return res, nil
			}
		}
		if opts.Progress != nil && opts.ProgressEvery > 0 && res.Compared%opts.ProgressEvery == 0 {
			opts.Progress(res.Compared)
		}
	}
	res.ExitA, res.ExitB = a.Exit(), b.Exit()
	if opts.Mode == Strict {
		d := &Divergence{Index: base + res.Compared}
		if !compareStates(a, b, d) {
			d.HistoryA, d.HistoryB = ring.slices()
			d.Reason = fmt.Sprintf("at the limit (%d records): architectural state differs", base+res.Compared)
			res.Divergence = d
		}
	}
	return res, nil
}

// ErrTargetFailed marks a target that cannot go on for a reason outside
// the program: an external implementation that hung up, did not answer
// in time or sent garbage. Such a target panics in Step with an error
// wrapping ErrTargetFailed, and Lockstep returns that error (naming the
// side and the record) instead of a *TargetPanic: it is an error of the
// run, never a finding to save.
var ErrTargetFailed = errors.New("target failed")

// TargetPanic is Lockstep's error when a target panicked: the run stops
// there, and the report names the target, the record and the panic.
type TargetPanic struct {
	Target string // "A" or "B"
	Index  uint64 // records compared before it
	Value  any
	Stack  []byte
}

func (p *TargetPanic) Error() string {
	return fmt.Sprintf("diff: target %s panicked at record %d: %v\n%s", p.Target, p.Index, p.Value, p.Stack)
}

func recordDivergence(index uint64, ra, rb, ma, mb spec.Retire, ring *history) *Divergence {
	d := &Divergence{Index: index, A: ra, B: rb}
	d.HistoryA, d.HistoryB = ring.slices()
	d.Fields = differingFields(reflect.ValueOf(ma), reflect.ValueOf(mb), "")
	d.Diff = cmp.Diff(ma, mb)
	d.Reason = fmt.Sprintf("record %d at pc %#x: %s differ", index, ra.PC, strings.Join(d.Fields, ", "))
	return d
}

// compareStates compares every hart's state; it fills d and reports
// whether they are equal.
func compareStates(a, b Target, d *Divergence) bool {
	for hart := 0; ; hart++ {
		sa, sb := a.State(hart), b.State(hart)
		if sa.Hart != hart || sb.Hart != hart {
			return true // no such hart on either side
		}
		if diff := cmp.Diff(sa, sb); diff != "" {
			d.StateA, d.StateB, d.StateDiff = &sa, &sb, diff
			return false
		}
		if hart >= spec.MaxHarts-1 {
			return true
		}
	}
}

// differingFields lists the leaf field paths where two values differ.
func differingFields(a, b reflect.Value, prefix string) []string {
	if a.Kind() != reflect.Struct {
		if a.Interface() != b.Interface() {
			return []string{strings.TrimPrefix(prefix, ".")}
		}
		return nil
	}
	var out []string
	for i := 0; i < a.NumField(); i++ {
		out = append(out, differingFields(a.Field(i), b.Field(i), prefix+"."+a.Type().Field(i).Name)...)
	}
	return out
}

// history keeps the last n records of both sides.
type history struct {
	a, b []spec.Retire
	next int
	full bool
}

func newHistory(n int) *history {
	return &history{a: make([]spec.Retire, n), b: make([]spec.Retire, n)}
}

func (h *history) push(a, b spec.Retire) {
	h.a[h.next], h.b[h.next] = a, b
	h.next++
	if h.next == len(h.a) {
		h.next, h.full = 0, true
	}
}

func (h *history) slices() (a, b []spec.Retire) {
	if !h.full {
		return append([]spec.Retire(nil), h.a[:h.next]...), append([]spec.Retire(nil), h.b[:h.next]...)
	}
	a = append(append([]spec.Retire(nil), h.a[h.next:]...), h.a[:h.next]...)
	b = append(append([]spec.Retire(nil), h.b[h.next:]...), h.b[:h.next]...)
	return a, b
}
