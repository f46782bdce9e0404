package fuzz

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// Property returns the rapid property "A and B produce identical retire
// records and the same exit" over generated programs. observe, when set,
// sees every outcome, including those rapid runs while shrinking; the
// last failing outcome rapid reports is the minimal one.
//
// The property keeps its targets from one program to the next where they
// can be reset (a Rig): a go test -fuzz worker or a rapid.Check pays for
// building the machines once.
func Property(cfg spec.Config, p Pair, gen Options, observe func(*Outcome)) func(*rapid.T) {
	return property(NewRig(cfg, p), gen, observe, nil)
}

// property is Property on rig's targets, with known: a failure whose
// signature known accepts is observed but does not fail the property, so
// that a campaign keeps exploring instead of shrinking the same bug
// again.
func property(rig *Rig, gen Options, observe func(*Outcome), known func(sig string) bool) func(*rapid.T) {
	g := Gen(gen)
	p := rig.p
	return func(t *rapid.T) {
		ts := g.Draw(t, "test")
		o, err := rig.RunTest(ts)
		if err != nil {
			t.Fatalf("internal error (not a divergence): %v", err)
		}
		if observe != nil {
			observe(o)
		}
		if o.Failed() && (known == nil || !known(o.Signature())) {
			t.Fatalf("%s vs %s: %s (body of %d instructions)", p.NameA, p.NameB, o.Reason, ts.BodyInsns())
		}
	}
}

// Signature names the kind of a failure, so that one bug found many
// times is written once: the differing fields and the mnemonic of the
// instruction where the targets parted, or the kind of exit mismatch.
func (o *Outcome) Signature() string {
	d := o.Result.Divergence
	switch {
	case o.Panic != nil:
		return "panic-" + o.Panic.Target
	case d == nil:
		return "no-exit"
	case len(d.Fields) == 0:
		// A state after the exit, a strict or run-mode checkpoint; "run-"
		// when only the fast path leaves it (diff.Divergence.FastPath).
		prefix := ""
		if d.FastPath {
			prefix = "run-"
		}
		switch {
		case d.StateA != nil && d.StateB != nil:
			return prefix + "state:" + strings.Join(stateFields(d.StateA, d.StateB), ",")
		case strings.Contains(d.Reason, "exits differ"):
			return prefix + "exit"
		case d.Memory != "":
			return prefix + "memory"
		case d.Devices != "":
			return prefix + "devices"
		case d.Console != "":
			return prefix + "console"
		}
		return prefix + "state"
	}
	name := "insn"
	if d.A.Trap.Valid && d.A.Trap.Interrupt {
		name = "interrupt"
	} else if row := spec.Decode(d.A.Insn); row != nil {
		name = row.Name
	} else if row := spec.Decode(d.B.Insn); row != nil {
		name = row.Name
	}
	return name + ":" + divergenceKind(d)
}

// divergenceKind is the coarse kind of a record divergence: which side
// trapped when only one did, else the first differing field (its group
// for Rd, Mem and CSR). Coarse on purpose: one bug shows up with
// different field lists in different modes.
func divergenceKind(d *diff.Divergence) string {
	switch {
	case d.A.Trap.Valid && !d.B.Trap.Valid:
		return "A-traps"
	case !d.A.Trap.Valid && d.B.Trap.Valid:
		return "B-traps"
	}
	for _, f := range d.Fields {
		if strings.HasPrefix(f, "Trap.") {
			return f
		}
	}
	f := d.Fields[0]
	if i := strings.IndexByte(f, '.'); i >= 0 && (strings.HasPrefix(f, "Rd.") || strings.HasPrefix(f, "Mem.") || strings.HasPrefix(f, "CSR.")) {
		return f[:i]
	}
	return f
}

// stateFields names what differs between two states: pc, mode, x
// registers by ABI name, CSRs by name.
func stateFields(a, b *spec.ArchState) []string {
	var out []string
	if a.PC != b.PC {
		out = append(out, "pc")
	}
	if a.Mode != b.Mode {
		out = append(out, "mode")
	}
	for i := range a.X {
		if a.X[i] != b.X[i] {
			out = append(out, spec.RegNames[i])
		}
	}
	var csrs []string
	for addr, v := range a.CSRs {
		if w, ok := b.CSRs[addr]; !ok || w != v {
			csrs = append(csrs, csrName(addr))
		}
	}
	for addr := range b.CSRs {
		if _, ok := a.CSRs[addr]; !ok {
			csrs = append(csrs, csrName(addr))
		}
	}
	sort.Strings(csrs)
	return append(out, csrs...)
}

func csrName(addr uint16) string {
	if c := spec.LookupCSR(addr); c != nil {
		return c.Name
	}
	return fmt.Sprintf("csr%#x", addr)
}

// Minimize greedily deletes body Items (and single instructions of
// straight-line Items) and resets setup choices while the outcome keeps
// its signature. rapid shrinks the drawn values first;
// this pass also serves go test -fuzz, whose minimizer works on bytes.
func Minimize(cfg spec.Config, p Pair, o *Outcome, budget int) *Outcome {
	rig := NewRig(cfg, p)
	defer rig.Close()
	return minimize(rig, o, budget)
}

// minimize is Minimize on rig's targets.
func minimize(rig *Rig, o *Outcome, budget int) *Outcome {
	sig := o.Signature()
	best := o
	try := func(t *Test) bool {
		if budget <= 0 {
			return false
		}
		budget--
		n, err := rig.RunTest(t)
		if err != nil || !n.Failed() || n.Signature() != sig {
			return false
		}
		best = n
		return true
	}
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(best.Test.Body); i++ {
			t := *best.Test
			t.Body = append(append([]Item(nil), t.Body[:i]...), t.Body[i+1:]...)
			if try(&t) {
				changed = true
				i--
			}
		}
		// A counted loop (or hot loop) run once: its body without the
		// trip count, the decrement and the branch back.
		for i := 0; i < len(best.Test.Body); i++ {
			if u, ok := unrolled(best.Test.Body[i]); ok {
				t := *best.Test
				t.Body = append([]Item(nil), t.Body...)
				t.Body[i] = u
				if try(&t) {
					changed = true
				}
			}
		}
		// Inside an Item of several instructions with no pc-relative
		// operand (a device sequence, an LR/SC pair, a translation
		// change): delete one instruction. Nothing then jumps into the
		// gap, and the body still never writes a reserved register.
		for i := 0; i < len(best.Test.Body); i++ {
			it := best.Test.Body[i]
			if len(it.Insns) < 2 || it.Patch > 0 || it.Back > 0 || len(it.Rels) > 0 || it.Pad > 0 {
				continue
			}
			for j := 0; j < len(best.Test.Body[i].Insns) && len(best.Test.Body[i].Insns) > 1; j++ {
				t := *best.Test
				t.Body = append([]Item(nil), t.Body...)
				in := t.Body[i].Insns
				t.Body[i].Insns = append(append([]Insn(nil), in[:j]...), in[j+1:]...)
				t.Body[i].cost = 0
				if try(&t) {
					changed = true
					j--
				}
			}
		}
		simpler := []func(t *Test){
			func(t *Test) { t.Regs = [32]uint64{} },
			func(t *Test) { t.PMP = nil },
			func(t *Test) { t.Sv39 = false },
			func(t *Test) { t.Medeleg, t.Mideleg = 0, 0 },
			func(t *Test) { t.Mie = 0 },
			func(t *Test) { t.Mstatus = 0 },
			func(t *Test) { t.Mode = spec.ModeM },
			func(t *Test) { t.CodePMP, t.CodeWritable, t.TimerOff = nil, false, false },
		}
		for _, f := range simpler {
			t := *best.Test
			f(&t)
			if fmt.Sprint(t) != fmt.Sprint(*best.Test) && try(&t) {
				changed = true
			}
		}
		for r := range best.Test.Regs {
			if best.Test.Regs[r] != 0 {
				t := *best.Test
				t.Regs[r] = 0
				if try(&t) {
					changed = true
				}
			}
		}
	}
	return best
}

// unrolled is a loop Item (Back > 0: the trip count at Back-2, the body,
// then the decrement and the branch back) as straight-line code: what
// comes before the trip count, then the body once. Its pc-relative
// operands inside the body are kept.
func unrolled(it Item) (Item, bool) {
	n := len(it.Insns)
	init := it.Back - 2
	if it.Back < 2 || it.Patch != n || n < init+4 {
		return Item{}, false
	}
	u := Item{Note: it.Note + " (once)"}
	u.Insns = append(append([]Insn(nil), it.Insns[:init]...), it.Insns[init+1:n-2]...)
	m := len(u.Insns)
	at := func(k int) int {
		switch {
		case k > init && k < n-2:
			return k - 1
		case k >= n-2:
			return m
		}
		return k
	}
	for _, r := range it.Rels {
		if r.At == init || r.At >= n-2 || r.From == init {
			return Item{}, false
		}
		u.Rels = append(u.Rels, Rel{At: at(r.At), From: at(r.From), To: at(r.To), Role: r.Role, Plus: r.Plus})
	}
	return u, true
}

// Finding is a shrunk failure, ready to be saved.
type Finding struct {
	*Outcome
	NameA, NameB string
	Seed         uint64 // the rapid seed of the program that found it (ProgramSeed; 0: go test -fuzz)
	Harts        int    // harts of the machine it ran on (0 or 1: one)
	Found        time.Time
	Path         string // where it was saved, if it was
}

// Source renders the finding as a corpus/regress .S file: a header that
// says what it caught, then the program.
func (f *Finding) Source() string {
	h := []string{
		"vcheck fuzz finding: " + f.Reason,
		fmt.Sprintf("targets: %s vs %s", f.NameA, f.NameB),
		"signature: " + f.Signature(),
		fmt.Sprintf("seed: %d", f.Seed),
		"date: " + f.Found.UTC().Format(time.RFC3339),
		fmt.Sprintf("body: %d instructions in %s-mode (see \"body\" below)", f.Test.BodyInsns(), f.Test.Mode),
		"status: open",
	}
	if f.Harts > 1 {
		// corpus.Program.Harts and the replay read this line.
		h = append(h, fmt.Sprintf("harts: %d (replay with vcheck diff --harts %d)", f.Harts, f.Harts))
	}
	if f.Panic != nil {
		h = append(h, "", "panic:")
		for _, ln := range strings.Split(strings.TrimRight(f.Panic.Error(), "\n"), "\n") {
			h = append(h, "  "+ln)
		}
	}
	if d := f.Result.Divergence; d != nil {
		h = append(h, "", "report:")
		for _, ln := range strings.Split(strings.TrimRight(d.Text(f.NameA, f.NameB, Disasm), "\n"), "\n") {
			h = append(h, "  "+ln)
		}
	}
	return f.Listing.Source(h)
}

// FileName is the finding's name in corpus/regress: the targets and the
// signature, then a hash of the program, so that the same program is
// never saved twice.
func (f *Finding) FileName() string {
	sum := sha256.Sum256(f.Listing.Bytes())
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
				return r
			}
			return '-'
		}, s)
	}
	short := f.Signature()
	if i := strings.IndexByte(short, ','); i >= 0 {
		short = short[:i] // a state signature lists every field
	}
	return fmt.Sprintf("%s-vs-%s-%s-%x.S", clean(f.NameA), clean(f.NameB), clean(short), sum[:4])
}

// ErrExists is returned by WriteRegress when a file of that name exists.
var ErrExists = errors.New("fuzz: finding already saved")

// WriteRegress saves f in dir atomically: it writes a temporary file and
// links it to its final name, which fails rather than overwrite an
// existing file.
func WriteRegress(dir string, f *Finding) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	final := filepath.Join(dir, f.FileName())
	if dup := findSaved(dir, f); dup != "" {
		return dup, ErrExists
	}
	tmp, err := os.CreateTemp(dir, ".finding-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(f.Source()); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), final); err != nil {
		if errors.Is(err, os.ErrExist) {
			return final, ErrExists
		}
		return "", err
	}
	f.Path = final
	return final, nil
}

// KnownSignatures returns the signatures of the open findings of p's
// targets saved in dir (corpus/regress): what a campaign counts as known.
func KnownSignatures(dir string, p Pair) map[string]bool { return savedSignatures(dir, p) }

// savedSignatures returns the signatures of the findings for pair already
// in dir: a campaign does not stop on those again.
func savedSignatures(dir string, p Pair) map[string]bool {
	out := map[string]bool{}
	if dir == "" {
		return out
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.S"))
	targets := fmt.Sprintf("# targets: %s vs %s\n", p.NameA, p.NameB)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		head := string(data[:min(len(data), 4096)])
		if !strings.Contains(head, targets) || strings.Contains(head, "# status: fixed") {
			continue
		}
		if i := strings.Index(head, "# signature: "); i >= 0 {
			out[firstLine(head[i+len("# signature: "):])] = true
		}
	}
	return out
}

// findSaved returns a file of dir that already holds a finding with f's
// targets and signature (the same bug, maybe through another program),
// or "".
func findSaved(dir string, f *Finding) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.S"))
	want := []string{fmt.Sprintf("# targets: %s vs %s\n", f.NameA, f.NameB), "# signature: " + f.Signature() + "\n"}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		head := string(data[:min(len(data), 4096)])
		// A fixed finding's signature found again is a regression, and
		// the new program is worth keeping.
		if strings.Contains(head, want[0]) && strings.Contains(head, want[1]) && !strings.Contains(head, "# status: fixed") {
			return name
		}
	}
	return ""
}

// Stats are a campaign's counters.
type Stats struct {
	Programs   uint64 // programs run on both targets (shrinking included)
	Records    uint64 // retire records compared and found equal
	Findings   int    // distinct findings (by signature)
	Duplicates int    // failures whose signature was already found
	Elapsed    time.Duration
}

// Campaign is a time-bounded fuzzing run: generated programs, each new
// failure shrunk by rapid, then by Minimize, and saved.
type Campaign struct {
	Config   spec.Config
	Pair     Pair
	Gen      Options
	Seed     uint64        // first rapid seed; program n uses ProgramSeed(Seed, n) (0: from the clock)
	Duration time.Duration // how long to fuzz
	Batch    int           // unused: programs are no longer drawn in batches of rapid checks (kept for callers)
	// Workers is how many programs run at once, each worker on its own
	// targets (0: DefaultWorkers). The findings do not depend on it (Run).
	Workers     int
	ShrinkTime  time.Duration // rapid's shrink budget per failure (0: 20s)
	RegressDir  string        // where findings are saved ("" : not saved)
	MaxFindings int           // stop after this many distinct findings (0: no limit)
	// MaxPrograms stops the campaign once it has run this many programs
	// (0: no limit): a budget that does not depend on the machine's
	// speed, for tests. It is checked between programs (shrinking runs
	// count).
	MaxPrograms uint64
	// KnownDirs hold more findings whose signatures count as known (not
	// stopped on, not saved), besides those in RegressDir.
	KnownDirs []string
	// Progress is called about every ProgressEvery with the counters.
	Progress      func(Stats)
	ProgressEvery time.Duration
	// Stop, when set, ends the campaign early once it is closed (the CLI
	// closes it on Ctrl-C). It is looked at between programs, so a finding
	// being shrunk is still shrunk and saved.
	Stop <-chan struct{}
}

// rapidMu serializes campaigns: rapid's settings are process-wide flags.
var rapidMu sync.Mutex

// ProgramSeed is the rapid seed of program n of a campaign whose first
// seed is seed: seed+n (never 0, which rapid reads as "from the clock").
// rapid.Check with -rapid.seed=ProgramSeed(seed, n) draws that program
// first, and Gen(opts).Example(int(ProgramSeed(seed, n))) draws it too.
func ProgramSeed(seed, n uint64) uint64 {
	if s := seed + n; s != 0 {
		return s
	}
	return ^uint64(0)
}

// Run fuzzes until the duration is over and returns the counters and the
// findings, each shrunk and (with RegressDir) saved.
//
// Program n is drawn from ProgramSeed(Seed, n). Workers (Campaign.Workers)
// run programs concurrently, each on its own targets (a Rig, reset between
// programs), and take them in order; the outcomes are judged in program
// order on the calling goroutine, which shrinks each new failure (rapid
// from the program's seed, then Minimize) while the workers go on. So
// what a campaign finds, shrinks and saves depends on Seed and on how many
// programs it judges, never on the number of workers or their timing
// (docs/testing.md, "Campaign seeds and workers").
func (c *Campaign) Run() (Stats, []*Finding, error) {
	if c.Pair.A == nil || c.Pair.B == nil {
		return Stats{}, nil, ErrNoTargets
	}
	if c.Duration <= 0 && c.MaxPrograms == 0 {
		return Stats{}, nil, errors.New("fuzz: a campaign needs a Duration or a MaxPrograms budget")
	}
	rapidMu.Lock()
	defer rapidMu.Unlock()
	restore, err := setRapidFlags(c)
	if err != nil {
		return Stats{}, nil, err
	}
	defer restore()
	seed := c.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	var (
		st       Stats
		findings []*Finding
		seen     = savedSignatures(c.RegressDir, c.Pair)
		start    = time.Now()
		lastProg = start
	)
	for _, dir := range c.KnownDirs {
		for sig := range savedSignatures(dir, c.Pair) {
			seen[sig] = true
		}
	}
	every := c.ProgressEvery
	if every == 0 {
		every = time.Second
	}
	within := func() bool {
		select {
		case <-c.Stop: // a nil channel never is
			return false
		default:
		}
		return (c.Duration <= 0 || time.Since(start) < c.Duration) && (c.MaxPrograms == 0 || st.Programs < c.MaxPrograms)
	}
	count := func(o *Outcome) {
		st.Programs++
		st.Records += o.Result.Compared
		if c.Progress != nil && time.Since(lastProg) >= every {
			lastProg = time.Now()
			st.Elapsed = time.Since(start)
			c.Progress(st)
		}
	}

	w := c.startWorkers(seed)
	defer w.stop()
	shrinker := NewRig(c.Config, c.Pair)
	defer shrinker.Close()
	for n := uint64(0); within(); n++ {
		r := w.result(n)
		if r.err != nil {
			return st, findings, fmt.Errorf("fuzz: internal error (not a divergence): %v", r.err)
		}
		count(r.o)
		if !r.o.Failed() {
			continue
		}
		if seen[r.o.Signature()] {
			st.Duplicates++
			continue
		}
		// A new failure: rapid shrinks it from its seed (observing every
		// program it runs; the last failing one is the smallest), then
		// Minimize.
		s := ProgramSeed(seed, n)
		last := r.o
		prop := property(shrinker, c.Gen, func(o *Outcome) {
			count(o)
			if o.Failed() && !seen[o.Signature()] {
				last = o
			}
		}, func(sig string) bool { return seen[sig] })
		if err := setRapidSeed(s); err != nil {
			return st, findings, err
		}
		// The workers wait meanwhile: the shrink is sequential, and it
		// then runs alone, as a campaign with one worker would run it
		// (nothing a factory shares between targets is touched by two
		// programs at once).
		w.pause()
		tb := &campaignTB{}
		rapid.Check(tb, prop)
		if tb.internal != "" {
			return st, findings, fmt.Errorf("fuzz: %s", tb.internal)
		}
		m := minimize(shrinker, last, 2000)
		w.resume()
		f := &Finding{Outcome: m, NameA: c.Pair.NameA, NameB: c.Pair.NameB, Seed: s, Found: time.Now(), Harts: c.Config.Harts}
		dup := seen[m.Signature()]
		seen[r.o.Signature()], seen[last.Signature()], seen[m.Signature()] = true, true, true
		if dup {
			st.Duplicates++
			continue
		}
		st.Findings++
		if c.RegressDir != "" {
			if _, err := WriteRegress(c.RegressDir, f); err != nil && !errors.Is(err, ErrExists) {
				return st, findings, err
			}
		}
		findings = append(findings, f)
		if c.MaxFindings > 0 && len(findings) >= c.MaxFindings {
			break
		}
	}
	st.Elapsed = time.Since(start)
	if c.Progress != nil {
		c.Progress(st)
	}
	return st, findings, nil
}

// workers runs a campaign's programs ahead of the judging, in order.
type workers struct {
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	cond    *sync.Cond
	results map[uint64]result
	next    uint64 // the next program a worker takes
	judged  uint64 // programs handed to the judge: workers stay within ahead of it
	ahead   uint64
	stopped bool
	paused  bool // the judge is shrinking: take no program
	running int  // programs being run
}

// result is one program's outcome on a worker's targets.
type result struct {
	o   *Outcome
	err error
}

// startWorkers starts c.Workers goroutines (0: DefaultWorkers), each
// drawing programs with the next free number and running them on its own
// Rig.
func (c *Campaign) startWorkers(seed uint64) *workers {
	n := c.Workers
	if n <= 0 {
		n = DefaultWorkers(c.Config, c.Pair)
	}
	w := &workers{done: make(chan struct{}), results: map[uint64]result{}, ahead: uint64(4 * n)}
	w.cond = sync.NewCond(&w.mu)
	for range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			rig := NewRig(c.Config, c.Pair)
			defer rig.Close()
			g := Gen(c.Gen)
			for {
				w.mu.Lock()
				for !w.stopped && (w.paused || w.next >= w.judged+w.ahead) {
					w.cond.Wait()
				}
				if w.stopped {
					w.mu.Unlock()
					return
				}
				i := w.next
				w.next++
				w.running++
				w.mu.Unlock()
				r := run(rig, g, ProgramSeed(seed, i))
				w.mu.Lock()
				w.results[i] = r
				w.running--
				w.cond.Broadcast()
				w.mu.Unlock()
			}
		}()
	}
	return w
}

// DefaultWorkers is a campaign's worker count when it names none: one
// per CPU (GOMAXPROCS) when both targets of p are Resetters (built-in
// models, each worker with its own), else 1: an external target may be
// one process or one connection (a gdbstub, an RVFI-DII socket) that two
// workers cannot share. It builds both targets once to see.
func DefaultWorkers(cfg spec.Config, p Pair) int {
	l, err := (&Test{Mode: spec.ModeM}).Layout()
	if err != nil {
		return 1
	}
	img, err := BuildImage(cfg, l.Program("probe"))
	if err != nil {
		return 1
	}
	a, b, err := fresh{}.targets(cfg, img, p)
	if err != nil {
		return 1
	}
	defer fresh{}.release(a, b, true)
	_, okA := a.(Resetter)
	_, okB := b.(Resetter)
	if !okA || !okB {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// run draws the program of seed and runs it on rig. A panic of the
// generator or the harness (a target's own panic is an Outcome) is an
// internal error.
func run(rig *Rig, g *rapid.Generator[*Test], seed uint64) (r result) {
	defer func() {
		if v := recover(); v != nil {
			r = result{err: fmt.Errorf("program of seed %d: panic: %v", seed, v)}
		}
	}()
	o, err := rig.RunTest(g.Example(int(seed)))
	return result{o: o, err: err}
}

// result waits for program n's outcome, and lets the workers run one
// program further.
func (w *workers) result(n uint64) result {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if r, ok := w.results[n]; ok {
			delete(w.results, n)
			w.judged = n + 1
			w.cond.Broadcast()
			return r
		}
		w.cond.Wait()
	}
}

// pause keeps the workers from taking programs and waits for those being
// run; resume lets them go on.
func (w *workers) pause() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.paused = true
	for w.running > 0 {
		w.cond.Wait()
	}
}

func (w *workers) resume() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.paused = false
	w.cond.Broadcast()
}

// stop ends the workers once their current programs are done.
func (w *workers) stop() {
	w.mu.Lock()
	w.stopped = true
	w.cond.Broadcast()
	w.mu.Unlock()
	w.wg.Wait()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
