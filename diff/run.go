package diff

// Run mode: checkpoint lockstep over the targets' fast paths.
//
// Lockstep compares what Step produces. What users run is Run: the
// engine's blocks, chaining, compiled code and TLB fills, the VMM's direct
// execution on the engine. Run produces no records, so run mode compares
// at checkpoints instead: both targets run Checkpoint steps at a time on
// their fast paths, and at each checkpoint, at the exit and at the end it
// compares the exits (reason and code), every hart's ArchState, RAM, the
// device registers a program can read without side effects, and the
// console output.
//
// On a mismatch the run is replayed, so that the report is what Lockstep
// would have said, down to the record:
//
//  1. Fresh targets (RunOptions.Rebuild) run to the last checkpoint that
//     agreed, in the same Run calls, then Step in lockstep to the
//     checkpoint that did not. A divergent record (or a state, memory,
//     device or console difference Step leaves behind) is reported as
//     Lockstep reports it, with the global record index and history.
//     This finds every bug of what Step shares with Run: decoding, block
//     building, the TLB, code-cache invalidation, page-table tracking.
//  2. When Step agrees all the way, the bug is the fast path's own
//     (compiled code, chaining, a Run driver). The first failing step is
//     then found by bisection: for a step count j, fresh targets run to
//     the last good checkpoint and then Run(j - checkpoint) steps more,
//     and are compared; the smallest j that differs (after one that does
//     not) names record j-1. The report is that record (as Step shows it
//     on both sides, with its history) and the state the fast path left
//     (Divergence.FastPath).
//
// Each replay rebuilds the targets and reruns them from reset, so no
// target needs snapshots; the cost is a few reruns of the prefix, once
// per divergence. Targets must be deterministic: Run and Step follow one
// trace (docs/retire.md), and the same calls give the same states.
//
// With RunOptions.Parallel, B's harts run concurrently
// (ParallelRunner.RunParallel) against A's deterministic interleaving.
// Only programs whose result does not depend on the interleaving
// (data-race free, no time) can be compared that way; the final states
// are compared without the counters (mcycle, minstret, cycle, instret,
// time) and mtime, which count the spinning of harts that wait.

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/vcheck-dev/vcheck/spec"
)

// Runner is a Target that can also run without records: what run mode
// drives. Its methods use only spec and plain types.
type Runner interface {
	Target
	// Run runs up to limit steps (a trap is a step) without records and
	// returns how the target stopped (docs/retire.md, "Stop reasons"):
	// HaltLimit when the limit came first, and then Exit still reports
	// Running. Run(n) followed by Run(m) is the same trace as n+m Steps.
	Run(limit uint64) spec.Exit
	// Retired is the number of instructions retired, over all harts.
	Retired() uint64
	// SetConsole connects the UART (and the HTIF console) to in and out;
	// run mode calls it at reset, with a nil in.
	SetConsole(in io.Reader, out io.Writer)
	// RAMPages calls visit for every 4 KiB page of RAM that may hold a
	// nonzero byte, with its physical address; pages it does not visit
	// are zero. visit must not keep page.
	RAMPages(visit func(pa uint64, page []byte))
	// ReadPhys loads size bytes at physical address pa as a hart's load
	// would reach the bus (no translation, no PMP). Run mode reads only
	// device registers whose loads have no side effect (DeviceRegisters).
	ReadPhys(pa uint64, size int) (uint64, bool)
}

// FastPath is a Runner whose Run is a path of its own, not a loop of
// Step (the engine, the VMM). Run mode is the default where the target
// under test has one.
type FastPath interface {
	Runner
	// FastPath says what Run adds over Step, for reports.
	FastPath() string
}

// ParallelRunner is a Runner whose harts can also run concurrently; the
// interleaving is then not deterministic.
type ParallelRunner interface {
	Runner
	// RunParallel runs every hart for up to limit steps, or until the
	// machine halts, each hart quantum steps at a time.
	RunParallel(limit, quantum uint64) spec.Exit
}

// DefaultCheckpoint is the steps between checkpoints when
// RunOptions.Checkpoint is zero.
const DefaultCheckpoint = 100_000

// RunOptions control a run-mode comparison. Of Options, Limit (in steps),
// History, Ignore (in the Step replay), Progress, ProgressEvery (ignored:
// Progress is called at every checkpoint) and Stop apply.
type RunOptions struct {
	Options
	// Checkpoint is the number of steps each Run call runs (0:
	// DefaultCheckpoint); the targets are compared after each.
	Checkpoint uint64
	// Rebuild returns fresh targets at reset (the same config and image):
	// the replay after a mismatch runs them again. nil: the mismatch is
	// reported at the checkpoint, without a record.
	Rebuild func() (a, b Runner, err error)
	// Parallel runs B's harts concurrently (B must be a ParallelRunner)
	// against A's Run, to the end, and compares once (see the package
	// comment). Quantum is RunParallel's (0: 1000).
	Parallel bool
	Quantum  uint64
}

// Counters are the CSRs a parallel comparison leaves out: they count the
// steps of harts that wait, which the interleaving decides.
var Counters = []uint16{spec.CSRMcycle, spec.CSRMinstret, spec.CSRCycle, spec.CSRInstret, spec.CSRTime}

// RunLockstep compares a and b in run mode and returns a Result like
// Lockstep's: Compared is the number of instructions A retired up to the
// last checkpoint that agreed (or the end), and a divergence carries the
// record Lockstep would report, when the replay finds one.
func RunLockstep(a, b Runner, opts RunOptions) (res Result, err error) {
	if a == nil || b == nil {
		return Result{}, ErrNilTarget
	}
	if _, err := newFieldMask(opts.Ignore); err != nil {
		return Result{}, err
	}
	r := &runMode{opts: opts, seed: maphash.MakeSeed(), every: opts.Checkpoint, limit: opts.Limit}
	if r.every == 0 {
		r.every = DefaultCheckpoint
	}
	if r.limit == 0 {
		r.limit = DefaultLimit
	}
	defer func() {
		if p := recover(); p != nil {
			tp, ok := p.(*TargetPanic)
			if !ok {
				tp = &TargetPanic{Index: res.Compared, Value: p, Stack: debug.Stack()}
			}
			tp.Target = r.side
			res.ExitA, res.ExitB = spec.Exit{}, spec.Exit{}
			err = tp
			if e, ok := tp.Value.(error); ok && errors.Is(e, ErrTargetFailed) {
				err = fmt.Errorf("target %s failed at record %d: %w", r.side, tp.Index, e)
			}
		}
	}()
	if opts.Parallel {
		return r.parallel(a, b)
	}
	p := r.attach(a, b)
	var done uint64 // steps granted to both, and found equal after them
	for done < r.limit {
		if opts.Stop != nil {
			select {
			case <-opts.Stop:
				res.Stopped = true
				res.ExitA, res.ExitB = a.Exit(), b.Exit()
				return res, nil
			default:
			}
		}
		n := min(r.every, r.limit-done)
		r.run(a, b, n)
		if d := r.compare(p, false); d != nil {
			d.Index = done + n
			res.Divergence = r.localize(d, done, done+n)
			res.ExitA, res.ExitB = a.Exit(), b.Exit()
			return res, nil
		}
		done += n
		res.Compared = a.Retired()
		if opts.Progress != nil {
			opts.Progress(res.Compared)
		}
		if a.Exit().Reason != spec.Running {
			break // and b stopped the same way: compare checked it
		}
	}
	res.ExitA, res.ExitB = a.Exit(), b.Exit()
	return res, nil
}

// runMode is one run-mode comparison.
type runMode struct {
	opts         RunOptions
	seed         maphash.Seed
	every, limit uint64
	side         string // the target being run, for a panic's report
}

// pair is two targets with their consoles.
type pair struct {
	a, b   Runner
	ca, cb *bytes.Buffer
}

// attach connects a console buffer to each target (at reset).
func (r *runMode) attach(a, b Runner) *pair {
	p := &pair{a: a, b: b, ca: &bytes.Buffer{}, cb: &bytes.Buffer{}}
	r.side = "A"
	a.SetConsole(nil, p.ca)
	r.side = "B"
	b.SetConsole(nil, p.cb)
	return p
}

// run runs n steps on both targets.
func (r *runMode) run(a, b Runner, n uint64) {
	r.side = "A"
	a.Run(n)
	r.side = "B"
	b.Run(n)
}

// rebuild returns fresh targets with consoles, or nil.
func (r *runMode) rebuild() *pair {
	if r.opts.Rebuild == nil {
		return nil
	}
	a, b, err := r.opts.Rebuild()
	if err != nil || a == nil || b == nil {
		return nil
	}
	return r.attach(a, b)
}

// runTo runs fresh targets to step `to` in the Run calls of the original
// run (Checkpoint steps each), comparing at each checkpoint as it did
// (reads of State and the devices are part of the trace being replayed).
// It returns false when a checkpoint that agreed before differs now: the
// targets are not deterministic.
func (r *runMode) runTo(p *pair, to uint64) bool {
	for done := uint64(0); done < to; {
		n := min(r.every, to-done)
		r.run(p.a, p.b, n)
		done += n
		if n == r.every && r.compare(p, false) != nil {
			return false
		}
	}
	return true
}

// localize finds the first divergent record between the checkpoints good
// (which agreed) and bad (where d was found), as the package comment
// says. It returns d itself when no replay is possible.
func (r *runMode) localize(d *Divergence, good, bad uint64) *Divergence {
	d.Reason = fmt.Sprintf("after step %d (run mode): %s", bad, d.Reason)
	hist := uint64(r.opts.History)
	if hist == 0 {
		hist = 8
	}
	// 1. The Step replay from the last good checkpoint (with the records
	// before it as history).
	p := r.rebuild()
	if p == nil {
		return d
	}
	start := good - min(hist, good)
	if !r.runTo(p, start) {
		d.Reason += " (the replay did not reproduce the checkpoints before it: a target is not deterministic)"
		return d
	}
	ring := newHistory(int(hist))
	res, err := r.step(p, start, bad-start, ring)
	if err != nil {
		d.Reason += fmt.Sprintf(" (the Step replay failed: %v)", err)
		return d
	}
	if res.Divergence != nil {
		return res.Divergence
	}
	if sd := r.compare(p, false); sd != nil {
		// Every record agreed, but Step left a difference the records do
		// not show.
		sd.Index = start + res.Compared
		sd.HistoryA, sd.HistoryB = ring.slices()
		sd.Reason = fmt.Sprintf("after record %d (Step): %s", start+res.Compared-1, sd.Reason)
		return sd
	}
	// 2. Step agrees: the fast path's own bug. Bisect on the step count.
	probe := func(j uint64) *Divergence {
		p := r.rebuild()
		if p == nil || !r.runTo(p, good) {
			return nil
		}
		r.run(p.a, p.b, j-good)
		return r.compare(p, false)
	}
	hiD := probe(bad)
	if hiD == nil {
		d.Reason += " (the replay with Run did not reproduce it)"
		return d
	}
	lo, hi := good, bad
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if pd := probe(mid); pd != nil {
			hi, hiD = mid, pd
		} else {
			lo = mid
		}
	}
	// The record hi-1, as Step shows it, with its history: Step from the
	// good checkpoint, as in the first replay.
	i := hi - 1
	p = r.rebuild()
	if p == nil || !r.runTo(p, good) {
		return d
	}
	ring = newHistory(int(hist))
	res, err = r.step(p, good, i-good, ring)
	if err != nil || res.Divergence != nil {
		if res.Divergence != nil {
			return res.Divergence
		}
		return d
	}
	r.side = "A"
	ra := p.a.Step()
	r.side = "B"
	rb := p.b.Step()
	if ra != rb {
		return recordDivergence(i, ra, rb, ra, rb, ring)
	}
	hiD.Index, hiD.A, hiD.B, hiD.FastPath = i, ra, rb, true
	hiD.HistoryA, hiD.HistoryB = ring.slices()
	hiD.Reason = fmt.Sprintf("record %d at pc %#x: Step agrees, but after Run ran it the %s", i, ra.PC, hiD.Reason)
	return hiD
}

// step steps both targets of p in lockstep for up to n records, numbered
// from start, with exits compared by reason and code.
func (r *runMode) step(p *pair, start, n uint64, ring *history) (Result, error) {
	o := r.opts.Options
	o.Limit, o.Sequential, o.Mode, o.Progress, o.Stop = n, true, Default, nil, nil
	if n == 0 {
		return Result{}, nil
	}
	return lockstep(archExit{p.a}, archExit{p.b}, o, start, ring)
}

// archExit drops Exit.Detail, each implementation's own wording.
type archExit struct{ Target }

func (a archExit) Exit() spec.Exit {
	e := a.Target.Exit()
	e.Detail = ""
	return e
}

// parallel runs B's harts concurrently against A's Run, to the end.
func (r *runMode) parallel(a, b Runner) (res Result, err error) {
	pb, ok := b.(ParallelRunner)
	if !ok {
		return res, errors.New("diff: run mode with Parallel: target B cannot run its harts in parallel")
	}
	p := r.attach(a, b)
	harts := uint64(0)
	for a.State(int(harts)).Hart == int(harts) && harts < spec.MaxHarts {
		harts++
	}
	q := r.opts.Quantum
	if q == 0 {
		q = 1000
	}
	r.side = "A"
	a.Run(r.limit * harts)
	// Each hart of B may spin waiting for the others (the Go scheduler
	// need not be fair), so each gets the whole budget of A; when A
	// stopped and B still runs, B goes on a few times before that counts.
	r.side = "B"
	pb.RunParallel(r.limit*harts, q)
	for try := 0; try < 3 && a.Exit().Reason != spec.Running && b.Exit().Reason == spec.Running; try++ {
		pb.RunParallel(r.limit*harts, q)
	}
	res.Compared = a.Retired()
	res.ExitA, res.ExitB = a.Exit(), b.Exit()
	if res.ExitA.Reason == spec.Running && res.ExitB.Reason == spec.Running {
		return res, nil // no verdict: nothing says where the harts are
	}
	d := r.compare(p, true)
	if d == nil {
		return res, nil
	}
	d.Index = res.Compared
	d.Reason = "after the parallel run (B's harts on goroutines, A's interleaved): " + d.Reason
	// Step both in the deterministic interleaving: a record that differs
	// there is the finding; else the parallel run's own result is.
	if q := r.rebuild(); q != nil {
		if sres, err := r.step(q, 0, r.limit*harts, nil); err == nil && sres.Divergence != nil {
			res.Divergence = sres.Divergence
			return res, nil
		}
	}
	d.FastPath = true
	res.Divergence = d
	return res, nil
}

// compare compares the two targets of p: exits by reason and code, every
// hart's state, RAM, device registers and console. parallel leaves the
// counters and mtime out. It returns nil when all agree; otherwise a
// Divergence with the differences and a Reason naming them (Index unset).
func (r *runMode) compare(p *pair, parallel bool) *Divergence {
	a, b := p.a, p.b
	d := &Divergence{}
	var what []string
	r.side = "A"
	ea := a.Exit()
	r.side = "B"
	eb := b.Exit()
	if ea.Reason != eb.Reason || ea.Code != eb.Code {
		what = append(what, fmt.Sprintf("exits differ: A %s, B %s", ea, eb))
	}
	harts := 0
	for hart := 0; hart < spec.MaxHarts; hart++ {
		r.side = "A"
		sa := a.State(hart)
		r.side = "B"
		sb := b.State(hart)
		if sa.Hart != hart || sb.Hart != hart {
			if sa.Hart != sb.Hart {
				what = append(what, fmt.Sprintf("hart %d exists on one side only", hart))
			}
			break
		}
		harts++
		if parallel {
			sa, sb = withoutCounters(sa), withoutCounters(sb)
		}
		if SameState(sa, sb) {
			continue
		}
		if diff := cmp.Diff(sa, sb); diff != "" {
			d.StateA, d.StateB, d.StateDiff = &sa, &sb, diff
			what = append(what, fmt.Sprintf("hart %d's state differs", hart))
			for harts < spec.MaxHarts && a.State(harts).Hart == harts {
				harts++
			}
			break
		}
	}
	if m := r.memory(a, b); m != "" {
		d.Memory = m
		what = append(what, "memory differs")
	}
	if dv := r.devices(a, b, harts, parallel); dv != "" {
		d.Devices = dv
		what = append(what, "device registers differ")
	}
	if !bytes.Equal(p.ca.Bytes(), p.cb.Bytes()) {
		d.Console = consoleDiff(p.ca.Bytes(), p.cb.Bytes())
		what = append(what, "console output differs")
	}
	if len(what) == 0 {
		return nil
	}
	d.Reason = strings.Join(what, "; ")
	return d
}

func withoutCounters(s spec.ArchState) spec.ArchState {
	c := make(map[uint16]uint64, len(s.CSRs))
	for k, v := range s.CSRs {
		c[k] = v
	}
	for _, k := range Counters {
		delete(c, k)
	}
	s.CSRs = c
	return s
}

var zeroPage [4096]byte

// pages hashes the nonzero RAM pages of t.
func (r *runMode) pages(t Runner) map[uint64]uint64 {
	out := map[uint64]uint64{}
	t.RAMPages(func(pa uint64, page []byte) {
		if !bytes.Equal(page, zeroPage[:len(page)]) {
			out[pa] = maphash.Bytes(r.seed, page)
		}
	})
	return out
}

// page copies the page at pa of t (zero when t does not visit it).
func page(t Runner, pa uint64) []byte {
	out := make([]byte, 4096)
	t.RAMPages(func(p uint64, data []byte) {
		if p == pa {
			copy(out, data)
		}
	})
	return out
}

// memory compares RAM; it returns "" when equal, else where it first
// differs.
func (r *runMode) memory(a, b Runner) string {
	r.side = "A"
	pa := r.pages(a)
	r.side = "B"
	pb := r.pages(b)
	var differ []uint64
	for k, h := range pa {
		if pb[k] != h {
			differ = append(differ, k)
		}
	}
	for k := range pb {
		if _, ok := pa[k]; !ok {
			differ = append(differ, k)
		}
	}
	if len(differ) == 0 {
		return ""
	}
	sort.Slice(differ, func(i, j int) bool { return differ[i] < differ[j] })
	at := differ[0]
	ba, bb := page(a, at), page(b, at)
	for i := range ba {
		if ba[i] != bb[i] {
			w := i &^ 7
			return fmt.Sprintf("RAM at %#x: A %#016x, B %#016x (8 bytes at %#x; %d pages differ)", at+uint64(i),
				le64(ba[w:]), le64(bb[w:]), at+uint64(w), len(differ))
		}
	}
	return fmt.Sprintf("RAM page %#x (%d pages differ)", at, len(differ))
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// DeviceRegister is a device register whose load has no side effect.
type DeviceRegister struct {
	Name string
	Addr uint64
	Size int
}

// DeviceRegisters lists the registers run mode compares for a machine of
// harts harts: the CLINT's msip, mtimecmp and mtime; the PLIC's
// priorities, pending bits, enables and thresholds (not the claim
// register, whose load claims); the UART's IER, LCR, MCR and SCR (its
// receive buffer, IIR and LSR loads change state; DLL and DLM, which
// share IER's and RBR's addresses, are read when LCR.DLAB is set).
func DeviceRegisters(harts int) []DeviceRegister {
	var out []DeviceRegister
	add := func(name string, addr uint64, size int) {
		out = append(out, DeviceRegister{name, addr, size})
	}
	for h := 0; h < harts; h++ {
		add(fmt.Sprintf("clint.msip[%d]", h), spec.CLINTBase+spec.CLINTMsip+4*uint64(h), 4)
		add(fmt.Sprintf("clint.mtimecmp[%d]", h), spec.CLINTBase+spec.CLINTMtimecmp+8*uint64(h), 8)
	}
	add("clint.mtime", spec.CLINTBase+spec.CLINTMtime, 8)
	for s := uint64(1); s < spec.PLICSources; s++ {
		add(fmt.Sprintf("plic.priority[%d]", s), spec.PLICBase+4*s, 4)
	}
	words := uint64(spec.PLICSources+31) / 32
	for w := uint64(0); w < words; w++ {
		add(fmt.Sprintf("plic.pending[%d]", w), spec.PLICBase+0x1000+4*w, 4)
	}
	for c := uint64(0); c < 2*uint64(harts); c++ {
		for w := uint64(0); w < words; w++ {
			add(fmt.Sprintf("plic.enable[ctx %d][%d]", c, w), spec.PLICBase+0x2000+0x80*c+4*w, 4)
		}
		add(fmt.Sprintf("plic.threshold[ctx %d]", c), spec.PLICBase+0x200000+0x1000*c, 4)
	}
	add("uart.lcr", spec.UARTBase+3, 1)
	add("uart.mcr", spec.UARTBase+4, 1)
	add("uart.scr", spec.UARTBase+7, 1)
	return out
}

// devices compares the device registers; "" when equal.
func (r *runMode) devices(a, b Runner, harts int, parallel bool) string {
	read := func(reg DeviceRegister) string {
		r.side = "A"
		va, oka := a.ReadPhys(reg.Addr, reg.Size)
		r.side = "B"
		vb, okb := b.ReadPhys(reg.Addr, reg.Size)
		if va != vb || oka != okb {
			return fmt.Sprintf("%s (%#x): A %#x, B %#x", reg.Name, reg.Addr, va, vb)
		}
		return ""
	}
	var lcr uint64
	for _, reg := range DeviceRegisters(harts) {
		if parallel && reg.Name == "clint.mtime" {
			continue
		}
		if s := read(reg); s != "" {
			return s
		}
		if reg.Name == "uart.lcr" {
			lcr, _ = a.ReadPhys(reg.Addr, 1)
		}
	}
	regs := []DeviceRegister{{"uart.ier", spec.UARTBase + 1, 1}}
	if lcr&0x80 != 0 { // DLAB: offsets 0 and 1 are the divisor latches
		regs = []DeviceRegister{{"uart.dll", spec.UARTBase, 1}, {"uart.dlm", spec.UARTBase + 1, 1}}
	}
	for _, reg := range regs {
		if s := read(reg); s != "" {
			return s
		}
	}
	return ""
}

// consoleDiff describes where two console outputs part.
func consoleDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	tail := func(s []byte) string {
		return fmt.Sprintf("%q", s[i:min(len(s), i+32)])
	}
	return fmt.Sprintf("after %d equal bytes: A %s (%d bytes), B %s (%d bytes)", i, tail(a), len(a), tail(b), len(b))
}
