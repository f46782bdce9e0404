package targets

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// Partial is implemented by targets that cannot observe every field of a
// record (an external implementation behind a gdbstub, RVFI-DII or a
// commit log). Ignored lists fields never observable, which a comparison
// passes to diff.Options.Ignore; Unobserved lists the fields of the record
// Step last returned that could not be observed.
type Partial interface {
	Ignored() []string
	Unobserved() []string
}

// StateSetter is implemented by targets whose state a comparison can set,
// to move past a documented departure.
type StateSetter interface {
	SetState(spec.ArchState) error
}

// Departure names one documented difference of an external
// implementation (e.g. gdb.QEMUDepartures).
type Departure struct {
	Name string
	Spec string // the specification's rule, with its citation
}

// Classifier tells whether a record divergence (A the reference side) is
// a documented departure.
type Classifier func(d *diff.Divergence) (Departure, bool)

// CompareOptions extend diff.Options for a comparison with an external
// target.
type CompareOptions struct {
	diff.Options
	// Departures classifies divergences that are documented departures;
	// the comparison sets B to A's state after one (when B is a
	// StateSetter) and goes on, or stops there, naming it.
	Departures Classifier
	// MaxDepartures stops the comparison after this many (0: 10000), so
	// that a departure that does not go away cannot loop forever.
	MaxDepartures int
}

// Applied is one departure a comparison went past.
type Applied struct {
	Departure
	Index  uint64 // the first record it was seen at
	Count  int
	Synced bool // B was set to A's state after it
}

// Comparison is the outcome of Compare.
type Comparison struct {
	diff.Result
	Departures []Applied
	// Unobserved counts, per field, the records where a target could not
	// observe it and the field was compared as equal.
	Unobserved map[string]uint64
	// Ignored are the fields ignored throughout (diff.Options.Ignore plus
	// those the targets cannot observe).
	Ignored []string
	// StoppedAt is set when the comparison stopped at a departure it could
	// not move past (B has no settable state, or setting it failed).
	StoppedAt *Applied
	SyncError error
}

// Compare runs a (the reference) and b in lockstep like diff.Lockstep,
// sequentially, but a divergence only in fields a target could not
// observe is counted and passed, and a documented departure is named,
// b is set to a's state after it, and the comparison goes on. Exit
// details are not compared (fuzz.ArchExit's rule).
func Compare(a, b diff.Target, opts CompareOptions) (Comparison, error) {
	var out Comparison
	out.Unobserved = map[string]uint64{}
	ignore := append([]string(nil), opts.Ignore...)
	for _, t := range []diff.Target{a, b} {
		if p, ok := t.(Partial); ok {
			ignore = append(ignore, p.Ignored()...)
		}
	}
	out.Ignored = dedup(ignore)
	limit := opts.Limit
	if limit == 0 {
		limit = diff.DefaultLimit
	}
	maxDep := opts.MaxDepartures
	if maxDep == 0 {
		maxDep = 10000
	}
	byName := map[string]int{}
	var total uint64
	nDep := 0
	for {
		if total >= limit {
			return out, nil
		}
		o := opts.Options
		o.Sequential = true
		o.Ignore = out.Ignored
		o.Limit = limit - total
		if opts.Progress != nil {
			base := total
			o.Progress = func(n uint64) { opts.Progress(base + n) }
		}
		res, err := diff.Lockstep(archExit{a}, archExit{b}, o)
		offset := total
		total += res.Compared
		out.Result = res
		out.Compared = total
		if err != nil {
			return out, err
		}
		d := res.Divergence
		if d == nil {
			return out, nil
		}
		d.Index += offset
		if offset > 0 {
			d.Reason = strings.Replace(d.Reason, fmt.Sprintf("record %d", d.Index-offset), fmt.Sprintf("record %d", d.Index), 1)
		}
		if len(d.Fields) == 0 {
			return out, nil
		}
		if unobserved(d, a, b) {
			for _, f := range d.Fields {
				out.Unobserved[f]++
			}
			out.Divergence = nil
			total++
			continue
		}
		if opts.Departures == nil {
			return out, nil
		}
		dep, ok := opts.Departures(d)
		if !ok {
			return out, nil
		}
		i, seen := byName[dep.Name]
		if !seen {
			i = len(out.Departures)
			byName[dep.Name] = i
			out.Departures = append(out.Departures, Applied{Departure: dep, Index: d.Index})
		}
		out.Departures[i].Count++
		nDep++
		setter, ok := b.(StateSetter)
		// StoppedAt names the record the comparison stopped at, which
		// may be a later instance of the departure than Index.
		if !ok || nDep > maxDep {
			stop := out.Departures[i]
			stop.Index = d.Index
			out.StoppedAt = &stop
			return out, nil
		}
		if err := setter.SetState(a.State(d.A.Hart)); err != nil {
			stop := out.Departures[i]
			stop.Index = d.Index
			out.StoppedAt, out.SyncError = &stop, err
			return out, nil
		}
		out.Departures[i].Synced = true
		out.Divergence = nil
		total++
	}
}

// unobserved reports whether every differing field of d is one a target
// said it could not observe in this record.
func unobserved(d *diff.Divergence, ts ...diff.Target) bool {
	un := map[string]bool{}
	for _, t := range ts {
		if p, ok := t.(Partial); ok {
			for _, f := range p.Unobserved() {
				un[f] = true
			}
		}
	}
	if len(un) == 0 {
		return false
	}
	for _, f := range d.Fields {
		if !un[f] && !un[parent(f)] {
			return false
		}
	}
	return true
}

func parent(f string) string {
	if i := strings.IndexByte(f, '.'); i >= 0 {
		return f[:i]
	}
	return f
}

func dedup(s []string) []string {
	m := map[string]bool{}
	var out []string
	for _, x := range s {
		if !m[x] {
			m[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// archExit hides Exit.Detail, each implementation's own wording.
type archExit struct{ diff.Target }

func (a archExit) Exit() spec.Exit {
	e := a.Target.Exit()
	e.Detail = ""
	return e
}

// Summary renders a comparison's departures and unobserved fields for a
// report, or "" when there were none.
func (c *Comparison) Summary() string {
	var b strings.Builder
	if len(c.Ignored) > 0 {
		fmt.Fprintf(&b, "ignored (not observable): %s\n", strings.Join(c.Ignored, ", "))
	}
	var keys []string
	for k := range c.Unobserved {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "not observed, compared as equal: %s in %d records\n", k, c.Unobserved[k])
	}
	for _, d := range c.Departures {
		how := "state set to the reference's, run continued"
		if !d.Synced {
			how = "run stopped there"
		}
		fmt.Fprintf(&b, "documented departure %s: %d times, first at record %d (%s)\n    spec: %s\n", d.Name, d.Count, d.Index, how, d.Spec)
	}
	if c.StoppedAt != nil && c.SyncError != nil {
		fmt.Fprintf(&b, "run stopped at record %d: the state after departure %s could not be set: %v\n", c.StoppedAt.Index, c.StoppedAt.Name, c.SyncError)
	} else if c.SyncError != nil {
		fmt.Fprintf(&b, "setting the state after the departure failed: %v\n", c.SyncError)
	}
	return b.String()
}

// CompareStates compares two states on what both show: the pc, the mode,
// the integer registers and the CSRs both have, except those in skip.
// It returns one line per difference ("name: a != b"), or "".
func CompareStates(a, b spec.ArchState, skip map[uint16]bool) string {
	var lines []string
	diffRegs(&lines, a, b)
	var addrs []int
	for k := range a.CSRs {
		if _, ok := b.CSRs[k]; ok && !skip[k] {
			addrs = append(addrs, int(k))
		}
	}
	sort.Ints(addrs)
	for _, k := range addrs {
		va, vb := a.CSRs[uint16(k)], b.CSRs[uint16(k)]
		if va != vb {
			name := fmt.Sprintf("csr 0x%03x", k)
			if c := spec.LookupCSR(uint16(k)); c != nil {
				name = c.Name
			}
			lines = append(lines, fmt.Sprintf("%s: %#x != %#x", name, va, vb))
		}
	}
	return strings.Join(lines, "\n")
}

// diffRegs appends the pc's, the mode's and the integer registers'
// differences.
func diffRegs(lines *[]string, a, b spec.ArchState) {
	if a.PC != b.PC {
		*lines = append(*lines, fmt.Sprintf("pc: %#x != %#x", a.PC, b.PC))
	}
	if a.Mode != b.Mode {
		*lines = append(*lines, fmt.Sprintf("mode: %v != %v", a.Mode, b.Mode))
	}
	for i := 1; i < 32; i++ {
		if a.X[i] != b.X[i] {
			*lines = append(*lines, fmt.Sprintf("%s: %#x != %#x", spec.RegNames[i], a.X[i], b.X[i]))
		}
	}
}

var (
	configMu    sync.Mutex
	configHooks = map[string]func(*spec.Config){}
)

// RegisterConfig records how a family of targets needs the machine
// configured: rvfi: implementations start at 0x80000000, so the reference
// must skip the boot ROM too.
func RegisterConfig(prefix string, f func(*spec.Config)) {
	configMu.Lock()
	defer configMu.Unlock()
	configHooks[prefix] = f
}

// AdjustConfig returns cfg as the named targets need it (RegisterConfig).
// Commands call it with the names of the targets they compare.
func AdjustConfig(cfg spec.Config, names ...string) spec.Config {
	configMu.Lock()
	defer configMu.Unlock()
	for _, n := range names {
		prefix, _, _ := strings.Cut(n, ":")
		if f := configHooks[prefix]; f != nil {
			f(&cfg)
		}
	}
	return cfg
}

// FastForwarder is implemented by targets that can run at full speed to
// a pc (a gdbstub: a breakpoint and continue), and show their registers
// cheaply afterwards.
type FastForwarder interface {
	diff.Target
	RunTo(pc uint64, hits int, timeout time.Duration) error
	Registers(hart int) (spec.ArchState, bool)
}

// FastOptions control FastCompare.
type FastOptions struct {
	CompareOptions
	// Checkpoint says which of A's records B is stopped at and compared
	// on: by default Checkpoint (departure-prone instructions, traps and
	// device accesses).
	Checkpoint func(r *spec.Retire) bool
	// StateEvery compares the whole state (CSRs too) every so many
	// checkpoints (0: 64), and always at the end.
	StateEvery int
	// Timeout bounds each run of B to a checkpoint (0: 60 s).
	Timeout time.Duration
	// Skip lists CSRs left out of the state comparisons (counters that
	// run differently, as documented departures say).
	Skip map[uint16]bool
}

// FastComparison is the outcome of FastCompare.
type FastComparison struct {
	Comparison
	Checkpoints int // records compared one by one
	States      int // whole-state comparisons
	// StateDiff is set when B's state differed from A's at a checkpoint:
	// the first divergence lies between the previous checkpoint and
	// CheckpointIndex (a full lockstep up to there finds it).
	StateDiff       string
	CheckpointIndex uint64
}

// Checkpoint is FastCompare's default: the records where an
// implementation can part from the reference without it showing in the
// registers: Zicsr instructions, AMOs, LR/SC, xRET, WFI, fences, traps
// and interrupts, and every access outside RAM (devices).
func Checkpoint(r *spec.Retire) bool {
	if r.Trap.Valid || r.Mem.Valid && (r.Mem.Addr < spec.RAMBase) {
		return true
	}
	ops, ok := spec.DecodeOperands(r.Insn)
	if !ok {
		return true
	}
	n := ops.Base.Name
	return ops.HasCSR || strings.HasPrefix(n, "amo") || strings.HasPrefix(n, "lr.") || strings.HasPrefix(n, "sc.") ||
		n == "mret" || n == "sret" || n == "wfi" || n == "sfence.vma" || n == "fence.i" || n == "ecall" || n == "ebreak"
}

// FastCompare compares a (the reference) with b at checkpoints: a runs
// ahead to its next checkpoint record, b runs at full speed to the same
// instruction (the same dynamic instance: a breakpoint hit as many times
// as a executed it since the last checkpoint), steps it, and the two
// records are compared as Compare compares them (documented departures
// included); then b's registers, pc and mode must equal a's, and every
// StateEvery checkpoints the CSRs too. What b did between checkpoints is
// not seen record by record: this is a sampled lockstep, as fast as b
// runs, for long boots; a state difference names the stretch where a
// full lockstep finds the first divergence.
func FastCompare(a diff.Target, b FastForwarder, opts FastOptions) (FastComparison, error) {
	var out FastComparison
	out.Unobserved = map[string]uint64{}
	cp := opts.Checkpoint
	if cp == nil {
		cp = Checkpoint
	}
	every := opts.StateEvery
	if every <= 0 {
		every = 64
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	limit := opts.Limit
	if limit == 0 {
		limit = diff.DefaultLimit
	}
	byName := map[string]int{}
	var total uint64
	for total < limit {
		if a.Exit().Reason != spec.Running || b.Exit().Reason != spec.Running {
			break
		}
		if opts.Stop != nil {
			select {
			case <-opts.Stop:
				out.Stopped, out.Compared = true, total
				out.ExitA, out.ExitB = a.Exit(), b.Exit()
				return out, nil
			default:
			}
		}
		if opts.Progress != nil {
			opts.Progress(total)
		}
		counts := map[uint64]int{}
		var r spec.Retire
		found := false
		for total < limit && a.Exit().Reason == spec.Running {
			r = a.Step()
			total++
			counts[r.PC]++
			// The last record before the limit or a's exit is a
			// checkpoint too: b must be where a is at the end.
			if cp(&r) || total >= limit || a.Exit().Reason != spec.Running {
				found = true
				break
			}
		}
		if !found {
			break
		}
		if err := b.RunTo(r.PC, counts[r.PC], timeout); err != nil {
			return out, fmt.Errorf("target B: %w", err)
		}
		res, err := Compare(replay{a, r}, b, CompareOptions{Options: diff.Options{Limit: 1, Ignore: opts.Ignore}, Departures: opts.Departures})
		out.Checkpoints++
		for k, v := range res.Unobserved {
			out.Unobserved[k] += v
		}
		for _, d := range res.Departures {
			d.Index = total - 1
			i, seen := byName[d.Name]
			if !seen {
				byName[d.Name] = len(out.Departures)
				out.Departures = append(out.Departures, d)
			} else {
				out.Departures[i].Count += d.Count
			}
		}
		out.Ignored = res.Ignored
		if err != nil {
			return out, err
		}
		if res.Divergence != nil || res.StoppedAt != nil {
			if res.Divergence != nil {
				res.Divergence.Index = total - 1
			}
			if res.StoppedAt != nil {
				res.StoppedAt.Index = total - 1
			}
			out.Result, out.StoppedAt, out.SyncError = res.Result, res.StoppedAt, res.SyncError
			out.Compared = total
			return out, nil
		}
		full := out.Checkpoints%every == 0
		if d := fastState(a, b, full, opts.Skip); d != "" {
			out.StateDiff, out.CheckpointIndex, out.Compared = d, total-1, total
			return out, nil
		}
		if full {
			out.States++
		}
	}
	out.Compared = total
	out.ExitA, out.ExitB = a.Exit(), b.Exit()
	if out.ExitA.Reason == spec.Running && out.ExitB.Reason == spec.Running {
		if d := fastState(a, b, true, opts.Skip); d != "" {
			out.StateDiff, out.CheckpointIndex = d, total
		}
	}
	out.States++
	return out, nil
}

// fastState compares b's registers (and with full its CSRs) with a's.
func fastState(a diff.Target, b FastForwarder, full bool, skip map[uint16]bool) string {
	sa := a.State(0)
	if full {
		return CompareStates(sa, b.State(0), skip)
	}
	sb, ok := b.Registers(0)
	if !ok {
		return ""
	}
	var lines []string
	diffRegs(&lines, sa, sb)
	return strings.Join(lines, "\n")
}

// replay is a target that returns one record already stepped (then
// behaves as its target): Compare's one-record comparison at a checkpoint.
type replay struct {
	diff.Target
	r spec.Retire
}

func (p replay) Step() spec.Retire { return p.r }

func (p replay) Exit() spec.Exit { return spec.Exit{} }
