package pg

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
)

// Options control an analysis.
type Options struct {
	Variant spec.Variant
	// Samples is how many base states each subject is explored from
	// (0: DefaultSamples). Each base state gives three mode runs (M, S,
	// U), two relocated runs when it uses Sv39, and an M-mode MPRV run
	// for every other one.
	Samples int
	Seed    uint64
	// Only, when set, restricts the analysis to these subjects (by Name).
	Only []string
	// Workers bounds the parallelism (0: GOMAXPROCS).
	Workers int
	// Declare overrides declared classes by subject name: "what if the
	// table said so", for tests that show a wrong declaration is caught.
	Declare map[string]spec.Class
	// Progress, when set, is called after each subject with the number
	// analyzed so far and the total, one call at a time.
	Progress func(done, total int)
}

// DefaultSamples keeps `vcheck pg` well under a minute on two cores.
const DefaultSamples = 6

// Witness kinds.
const (
	KindControl    = "control"    // one state: changed the control configuration without trapping
	KindMode       = "mode"       // two states differing only in mode: different effects, no trap
	KindRelocation = "relocation" // two states differing only in physical placement: different effects, no trap
)

// Witness is evidence that a subject is sensitive.
type Witness struct {
	Kind    string
	Word    uint32
	A       State
	B       *State
	EffectA Effect
	EffectB *Effect
	Detail  string
}

// UserLevel reports whether the witness lies entirely in U-mode: what
// makes a subject user-sensitive (Theorem 3).
func (w *Witness) UserLevel() bool {
	return w.A.Mode == spec.ModeU && (w.B == nil || w.B.Mode == spec.ModeU)
}

// Result is what the analysis found for one subject.
type Result struct {
	Subject  Subject
	Declared spec.Class
	Observed spec.Class
	// Runs is the number of probes, by mode; Traps how many trapped.
	Runs  map[string]int
	Traps map[string]int
	// InScopeU counts the U-mode runs in the VMM's configuration, and
	// InScopeUIllegal those that trapped as illegal instructions.
	InScopeU        int
	InScopeUIllegal int
	// OutOfScopeUNoTrap counts U-mode runs outside the VMM's
	// configuration (counters enabled) that did not trap.
	OutOfScopeUNoTrap int
	OutOfScopeExample *Witness
	NoFetch           int // runs whose instruction fetch faulted: not counted
	Privileged        bool
	AlwaysTraps       bool
	Control           int
	Behavior          int
	UserSensitive     bool
	Witnesses         []Witness // the first few of each kind
	Explanation       string
	Mismatch          bool // declared != observed and no explanation
}

// Sensitive reports whether a witness was found.
func (r *Result) Sensitive() bool { return r.Control+r.Behavior > 0 }

// Theorem is a verdict with its offenders.
type Theorem struct {
	Name      string
	Statement string
	Holds     bool
	Offenders []string // subjects sensitive (user-sensitive) and not privileged
}

// Report is a whole analysis.
type Report struct {
	Variant    string
	Samples    int
	Seed       uint64
	Subjects   int
	States     int
	Elapsed    time.Duration
	Results    []*Result
	Theorem1   Theorem
	Theorem3   Theorem
	Mismatches int
}

// maxWitnesses bounds the witnesses a result keeps per kind.
const maxWitnesses = 2

// Analyze explores every subject on the reference model and classifies it.
func Analyze(opts Options) (*Report, error) {
	if opts.Samples <= 0 {
		opts.Samples = DefaultSamples
	}
	if opts.Variant > spec.VariantPOPF {
		return nil, fmt.Errorf("pg: unknown variant %d", opts.Variant)
	}
	start := time.Now()
	subjects := Subjects()
	if len(opts.Only) > 0 {
		keep := map[string]bool{}
		for _, n := range opts.Only {
			keep[n] = true
		}
		var sel []Subject
		for _, s := range subjects {
			if keep[s.Name] {
				sel = append(sel, s)
				delete(keep, s.Name)
			}
		}
		if len(keep) > 0 {
			return nil, fmt.Errorf("pg: unknown subjects %v", keep)
		}
		subjects = sel
	}
	for i := range subjects {
		if c, ok := opts.Declare[subjects[i].Name]; ok {
			subjects[i].Declared = c
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]*Result, len(subjects))
	errs := make([]error, len(subjects))
	var wg sync.WaitGroup
	var progMu sync.Mutex
	done := 0
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = analyzeSubject(opts, &subjects[i])
				if opts.Progress != nil {
					progMu.Lock()
					done++
					opts.Progress(done, len(subjects))
					progMu.Unlock()
				}
			}
		}()
	}
	for i := range subjects {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rep := &Report{Variant: opts.Variant.String(), Samples: opts.Samples, Seed: opts.Seed,
		Subjects: len(subjects), Results: results}
	for _, r := range results {
		for _, n := range r.Runs {
			rep.States += n
		}
		explain(opts.Variant, r)
		if r.Mismatch {
			rep.Mismatches++
		}
	}
	rep.Theorem1 = Theorem{Name: "Theorem 1",
		Statement: "every sensitive instruction is privileged (rv64pg as the VMM uses it: guest M/S in physical U, mcounteren = scounteren = 0)",
		Holds:     true}
	rep.Theorem3 = Theorem{Name: "Theorem 3",
		Statement: "every user-sensitive instruction is privileged (hybrid VMM: guest supervisor code interpreted)",
		Holds:     true}
	for _, r := range results {
		if r.Sensitive() && !r.Privileged {
			rep.Theorem1.Holds = false
			rep.Theorem1.Offenders = append(rep.Theorem1.Offenders, r.Subject.Name)
		}
		if r.UserSensitive && !r.Privileged {
			rep.Theorem3.Holds = false
			rep.Theorem3.Offenders = append(rep.Theorem3.Offenders, r.Subject.Name)
		}
	}
	rep.Elapsed = time.Since(start).Round(time.Millisecond)
	return rep, nil
}

// subjectSeed derives a subject's random stream from the run's seed and
// its name, so that a subject's result does not depend on the others.
func subjectSeed(seed uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() ^ seed
}

// run is one probe of a subject.
type run struct {
	state State
	out   *Outcome
}

func analyzeSubject(opts Options, subj *Subject) (*Result, error) {
	r := rand.New(rand.NewPCG(subjectSeed(opts.Seed, subj.Name), 0x5047))
	res := &Result{Subject: *subj, Declared: subj.Declared, Runs: map[string]int{}, Traps: map[string]int{}}
	mNoTrap := false
	total, trapped := 0, 0
	kept := map[string]int{}
	keep := func(w Witness) {
		// Up to maxWitnesses per kind, and as many again that involve
		// U-mode, so that the witnesses that matter most are kept.
		slot := w.Kind
		if w.A.Mode == spec.ModeU || w.B != nil && w.B.Mode == spec.ModeU {
			slot += "/U"
		}
		for _, have := range res.Witnesses {
			if have.Kind == w.Kind && have.Word == w.Word && have.Detail == w.Detail && have.A.Mode == w.A.Mode {
				return // the same observation from the in-scope rerun of a base state
			}
		}
		if kept[slot] < maxWitnesses {
			res.Witnesses = append(res.Witnesses, w)
			kept[slot]++
		}
	}
	probe := func(s State, word uint32) (run, error) {
		out, err := Probe(opts.Variant, &s, word)
		if err != nil {
			return run{}, fmt.Errorf("%s in %+v: %w", subj.Name, s, err)
		}
		if out.FetchFault() {
			// The instruction was never fetched: the state tells nothing
			// about it (code page not executable in this state).
			res.NoFetch++
			return run{s, out}, nil
		}
		mode := s.Mode.String()
		res.Runs[mode]++
		total++
		if out.Trapped() {
			res.Traps[mode]++
			trapped++
		} else if s.Mode == spec.ModeM {
			mNoTrap = true
		}
		if s.Mode == spec.ModeU {
			if s.InScope() {
				res.InScopeU++
				if out.Illegal() {
					res.InScopeUIllegal++
				}
			} else if !out.Trapped() && subj.HasCSR {
				res.OutOfScopeUNoTrap++
				if res.OutOfScopeExample == nil {
					res.OutOfScopeExample = &Witness{Kind: "out-of-scope", Word: word, A: s, EffectA: out.Effect(),
						Detail: fmt.Sprintf("U-mode with mcounteren=%#x scounteren=%#x: no trap", s.Mcounter, s.Scounter)}
				}
			}
		}
		if ch := out.ControlChanges(); len(ch) > 0 {
			res.Control++
			if s.Mode == spec.ModeU {
				res.UserSensitive = true
			}
			keep(Witness{Kind: KindControl, Word: word, A: s, EffectA: out.Effect(),
				Detail: fmt.Sprintf("in %v without a trap: %v", s.Mode, ch)})
		}
		return run{s, out}, nil
	}
	pair := func(kind string, a, b run, word uint32) {
		if a.out.Trapped() || b.out.Trapped() {
			return
		}
		ea, eb := a.out.Effect(), b.out.Effect()
		if sameEffect(a.out, b.out) {
			return
		}
		res.Behavior++
		w := Witness{Kind: kind, Word: word, A: a.state, B: &b.state, EffectA: ea, EffectB: &eb}
		if w.UserLevel() {
			res.UserSensitive = true
		}
		if kind == KindMode {
			w.Detail = fmt.Sprintf("%v and %v differ", a.state.Mode, b.state.Mode)
		} else {
			w.Detail = fmt.Sprintf("%v at relocations %d and %d differ", a.state.Mode, a.state.Reloc, b.state.Reloc)
		}
		keep(w)
	}
	for k := 0; k < opts.Samples; k++ {
		// Zicsr subjects alternate pure reads (rs1 = x0, uimm = 0 for the
		// set/clear forms) with random operands, so both are always tried.
		word, err := randWord(r, subj, k%2 == 0)
		if err != nil {
			return nil, err
		}
		base := randBase(r)
		var byMode [4]run
		for _, m := range []spec.Mode{spec.ModeM, spec.ModeS, spec.ModeU} {
			s := base
			s.Mode = m
			if byMode[m], err = probe(s, word); err != nil {
				return nil, err
			}
		}
		pair(KindMode, byMode[spec.ModeM], byMode[spec.ModeS], word)
		pair(KindMode, byMode[spec.ModeM], byMode[spec.ModeU], word)
		pair(KindMode, byMode[spec.ModeS], byMode[spec.ModeU], word)
		if !byMode[spec.ModeU].state.InScope() {
			// Every base state also gives one U-mode run as the VMM
			// configures the machine: counters hidden.
			s := base
			s.Mode, s.Mcounter, s.Scounter = spec.ModeU, 0, 0
			if _, err := probe(s, word); err != nil {
				return nil, err
			}
		}
		if base.Sv39 {
			reloc := 1 + r.IntN(Relocations-1)
			for _, m := range []spec.Mode{spec.ModeS, spec.ModeU} {
				s := base
				s.Mode, s.Reloc = m, reloc
				moved, err := probe(s, word)
				if err != nil {
					return nil, err
				}
				pair(KindRelocation, byMode[m], moved, word)
			}
		}
		if k%2 == 1 {
			// M-mode with MPRV: data accesses as MPP, which mret cannot reach.
			s := base
			s.Mode = spec.ModeM
			s.Mstatus |= spec.MstatusMPRV
			s.Mstatus &^= spec.MstatusMPP | spec.MstatusMPIE
			s.Mstatus |= uint64(r.IntN(2)) << 11 // MPP = U or S
			if r.IntN(2) == 0 {
				s.Mstatus |= spec.MstatusMPIE
			}
			if _, err := probe(s, word); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(res.Witnesses, func(i, j int) bool {
		return res.Witnesses[i].UserLevel() && !res.Witnesses[j].UserLevel()
	})
	res.AlwaysTraps = trapped == total
	res.Privileged = res.InScopeU > 0 && res.InScopeUIllegal == res.InScopeU && mNoTrap
	switch {
	case res.Privileged:
		res.Observed = spec.Privileged
	case res.Control > 0:
		res.Observed = spec.ControlSensitive
	case res.Behavior > 0:
		res.Observed = spec.BehaviorSensitive
	default:
		res.Observed = spec.Innocuous
	}
	return res, nil
}

// sameEffect compares two executions of a pair. The mode after counts
// only where it is not simply the mode before: in a mode pair each run
// stays in its own mode, which is the difference the pair is made of.
func sameEffect(a, b *Outcome) bool {
	ea, eb := a.Effect(), b.Effect()
	ea.ModeStep, eb.ModeStep = "", ""
	if ea != eb {
		return false
	}
	stayA, stayB := a.Rec.NextMode == a.Rec.Mode, b.Rec.NextMode == b.Rec.Mode
	return stayA && stayB || a.Rec.NextMode == b.Rec.NextMode
}
