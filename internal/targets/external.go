package targets

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-cmp/cmp"

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
		if len(d.Fields) == 0 || total+1 >= limit {
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
		if !ok || nDep > maxDep {
			stop := out.Departures[i]
			out.StoppedAt = &stop
			return out, nil
		}
		if err := setter.SetState(a.State(d.A.Hart)); err != nil {
			stop := out.Departures[i]
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
	if c.SyncError != nil {
		fmt.Fprintf(&b, "setting the state after the departure failed: %v\n", c.SyncError)
	}
	return b.String()
}

// CompareStates compares two states on what both show: the pc, the mode,
// the integer registers and the CSRs both have, except those in skip.
// It returns a go-cmp diff, or "".
func CompareStates(a, b spec.ArchState, skip map[uint16]bool) string {
	ca, cb := map[uint16]uint64{}, map[uint16]uint64{}
	for k, v := range a.CSRs {
		if w, ok := b.CSRs[k]; ok && !skip[k] {
			ca[k], cb[k] = v, w
		}
	}
	a.CSRs, b.CSRs = ca, cb
	return cmp.Diff(a, b)
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
