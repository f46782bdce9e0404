package diff

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
)

// fakeTarget replays a fixed list of records, then exits.
type fakeTarget struct {
	recs  []spec.Retire
	i     int
	exit  spec.Exit
	state spec.ArchState
}

func (f *fakeTarget) Step() spec.Retire {
	r := f.recs[f.i]
	f.i++
	return r
}

func (f *fakeTarget) Exit() spec.Exit {
	if f.i < len(f.recs) {
		return spec.Exit{}
	}
	return f.exit
}

func (f *fakeTarget) State(hart int) spec.ArchState {
	if hart != 0 {
		return spec.ArchState{Hart: -1}
	}
	s := f.state
	s.PC = uint64(f.i)
	return s
}

func program(n int) []spec.Retire {
	var out []spec.Retire
	for i := 0; i < n; i++ {
		out = append(out, spec.Retire{PC: 0x80000000 + uint64(4*i), NextPC: 0x80000004 + uint64(4*i), Insn: 0x00150513,
			Mode: spec.ModeM, NextMode: spec.ModeM, Rd: spec.RegWrite{Valid: true, Reg: 10, Value: uint64(i + 1)}})
	}
	return out
}

func pass() spec.Exit { return spec.Exit{Reason: spec.HaltFinisher} }

func TestLockstepEqual(t *testing.T) {
	a := &fakeTarget{recs: program(50), exit: pass()}
	b := &fakeTarget{recs: program(50), exit: pass()}
	res, err := Lockstep(a, b, Options{Mode: Strict, StrictEvery: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Divergence != nil {
		t.Fatalf("unexpected divergence: %s", res.Divergence.Text("a", "b", nil))
	}
	if res.Compared != 50 || res.ExitA.Reason != spec.HaltFinisher {
		t.Fatalf("compared %d, exit %v", res.Compared, res.ExitA)
	}
}

func TestLockstepFindsFirstDivergence(t *testing.T) {
	ra, rb := program(50), program(50)
	rb[30].Rd.Value = 999
	rb[40].Rd.Value = 999
	res, err := Lockstep(&fakeTarget{recs: ra, exit: pass()}, &fakeTarget{recs: rb, exit: pass()}, Options{History: 4})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Divergence
	if d == nil || d.Index != 30 {
		t.Fatalf("want divergence at 30, got %+v", d)
	}
	if len(d.Fields) != 1 || d.Fields[0] != "Rd.Value" {
		t.Errorf("fields = %v, want [Rd.Value]", d.Fields)
	}
	if len(d.HistoryA) != 4 || d.HistoryA[3].PC != ra[29].PC {
		t.Errorf("history wrong: %d records", len(d.HistoryA))
	}
	text := d.Text("ref", "engine", func(uint32, uint64) string { return "addi a0,a0,1" })
	for _, want := range []string{"record 30", "Rd.Value", "addi a0,a0,1", "-ref +engine"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestLockstepIgnore(t *testing.T) {
	ra, rb := program(20), program(20)
	rb[5].Rd.Value = 7
	res, err := Lockstep(&fakeTarget{recs: ra, exit: pass()}, &fakeTarget{recs: rb, exit: pass()}, Options{Ignore: []string{"Rd.Value"}})
	if err != nil || res.Divergence != nil {
		t.Fatalf("ignored field still diverged: %v %+v", err, res.Divergence)
	}
	if _, err := Lockstep(&fakeTarget{recs: ra}, &fakeTarget{recs: rb}, Options{Ignore: []string{"Nope"}}); err == nil {
		t.Fatal("unknown ignore field accepted")
	}
}

func TestLockstepExitsDiffer(t *testing.T) {
	a := &fakeTarget{recs: program(10), exit: pass()}
	b := &fakeTarget{recs: program(10), exit: spec.Exit{Reason: spec.HaltFinisher, Code: 3}}
	res, _ := Lockstep(a, b, Options{})
	if res.Divergence == nil || !strings.Contains(res.Divergence.Reason, "exits differ") {
		t.Fatalf("want exit divergence, got %+v", res.Divergence)
	}
}

func TestLockstepExitDetailIsNotArchitectural(t *testing.T) {
	a := &fakeTarget{recs: program(10), exit: spec.Exit{Reason: spec.HaltFinisher, Detail: "sifive_test: pass (0x5555)"}}
	b := &fakeTarget{recs: program(10), exit: spec.Exit{Reason: spec.HaltFinisher, Detail: "finisher: pass"}}
	if res, _ := Lockstep(a, b, Options{}); res.Divergence != nil {
		t.Fatalf("exit wording counted as a divergence: %s", res.Divergence.Reason)
	}
}

func TestLockstepStrictState(t *testing.T) {
	a := &fakeTarget{recs: program(30), exit: pass()}
	b := &fakeTarget{recs: program(30), exit: pass()}
	b.state.X[5] = 1 // a hidden difference records never show
	res, _ := Lockstep(a, b, Options{Mode: Strict, StrictEvery: 10})
	if res.Divergence == nil || res.Divergence.StateDiff == "" || res.Divergence.Index != 10 {
		t.Fatalf("strict mode missed a state difference: %+v", res.Divergence)
	}
	res, _ = Lockstep(&fakeTarget{recs: program(30), exit: pass()}, &fakeTarget{recs: program(30), exit: pass(), state: b.state}, Options{})
	if res.Divergence != nil {
		t.Fatal("default mode must not compare states")
	}
}

func TestLockstepLimit(t *testing.T) {
	res, _ := Lockstep(&fakeTarget{recs: program(100)}, &fakeTarget{recs: program(100)}, Options{Limit: 25})
	if res.Compared != 25 || res.ExitA.Reason != spec.Running {
		t.Fatalf("limit not honored: %d", res.Compared)
	}
}

func TestFieldNames(t *testing.T) {
	names := strings.Join(FieldNames(), " ")
	for _, want := range []string{"PC", "Rd.Value", "Mem.WData", "Trap.Tval", "CSR.Addr"} {
		if !strings.Contains(names, want) {
			t.Errorf("FieldNames lacks %s", want)
		}
	}
}

func BenchmarkLockstepCompare(b *testing.B) {
	recs := program(1 << 16)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, _ := Lockstep(&fakeTarget{recs: recs, exit: pass()}, &fakeTarget{recs: recs, exit: pass()}, Options{})
		if res.Divergence != nil {
			b.Fatal("diverged")
		}
	}
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestConcurrentMatchesSequential: running the targets on their own
// goroutines changes nothing in the result, wherever the run ends.
func TestConcurrentMatchesSequential(t *testing.T) {
	for _, n := range []int{0, 1, 5, batchSize - 1, batchSize, batchSize + 1, 3*batchSize + 7} {
		for _, diverge := range []int{-1, 0, n / 2, n - 1} {
			for _, limit := range []uint64{0, uint64(n / 3)} {
				mk := func() (*fakeTarget, *fakeTarget) {
					ra, rb := program(n), program(n)
					if diverge >= 0 && diverge < n {
						rb[diverge].Rd.Value = 12345
					}
					return &fakeTarget{recs: ra, exit: pass()}, &fakeTarget{recs: rb, exit: pass()}
				}
				a1, b1 := mk()
				seq, err1 := Lockstep(a1, b1, Options{Sequential: true, Limit: limit})
				a2, b2 := mk()
				con, err2 := Lockstep(a2, b2, Options{Limit: limit})
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if seq.Compared != con.Compared || seq.ExitA != con.ExitA || seq.ExitB != con.ExitB ||
					(seq.Divergence == nil) != (con.Divergence == nil) ||
					seq.Divergence != nil && (seq.Divergence.Index != con.Divergence.Index || seq.Divergence.Reason != con.Divergence.Reason) {
					t.Errorf("n=%d diverge=%d limit=%d: sequential %+v, concurrent %+v", n, diverge, limit, seq, con)
				}
			}
		}
	}
}

// panicky panics on its step number at.
type panicky struct {
	fakeTarget
	at int
}

func (p *panicky) Step() spec.Retire {
	if p.i == p.at {
		var m map[string]int
		//lint:ignore SA5000 a real runtime panic is the point: assignment to a nil map
		m["boom"]++
	}
	return p.fakeTarget.Step()
}

// TestTargetPanicIsAnError: a target that panics ends the run with a
// *TargetPanic error naming the target and the record, in both the
// concurrent and the sequential loop, and the process goes on.
func TestTargetPanicIsAnError(t *testing.T) {
	recs := make([]spec.Retire, 3000)
	for i := range recs {
		recs[i] = spec.Retire{PC: uint64(i)}
	}
	for _, seq := range []bool{false, true} {
		for _, at := range []int{0, 5, 2500} {
			a := &fakeTarget{recs: recs, exit: pass()}
			b := &panicky{fakeTarget: fakeTarget{recs: recs, exit: pass()}, at: at}
			_, err := Lockstep(a, b, Options{Sequential: seq})
			var tp *TargetPanic
			if !errors.As(err, &tp) {
				t.Fatalf("sequential=%v at=%d: err = %v, want a *TargetPanic", seq, at, err)
			}
			if tp.Target != "B" || tp.Index != uint64(at) || !strings.Contains(tp.Error(), "nil map") {
				t.Errorf("sequential=%v at=%d: %+v", seq, at, tp)
			}
		}
	}
}

// loopTarget steps forever: a guest that never exits.
type loopTarget struct{ n uint64 }

func (l *loopTarget) Step() spec.Retire {
	l.n++
	return spec.Retire{PC: 0x80000000, NextPC: 0x80000000, Insn: 0x0000006f}
}
func (l *loopTarget) Exit() spec.Exit               { return spec.Exit{} }
func (l *loopTarget) State(hart int) spec.ArchState { return spec.ArchState{Hart: -1} }

// TestVerdicts: a run that reaches its limit with neither target stopped
// is Unfinished, not Equal; one that both finish the same way is Equal.
func TestVerdicts(t *testing.T) {
	res, err := Lockstep(&loopTarget{}, &loopTarget{}, Options{Limit: 5000})
	if err != nil || res.Compared != 5000 || res.Verdict() != Unfinished || res.Verdict().String() != "unfinished" {
		t.Errorf("neither finished: %v, %+v, verdict %v", err, res, res.Verdict())
	}
	res, err = Lockstep(&fakeTarget{recs: program(10), exit: pass()}, &fakeTarget{recs: program(10), exit: pass()}, Options{})
	if err != nil || res.Verdict() != Equal {
		t.Errorf("both finished: %v, verdict %v", err, res.Verdict())
	}
	rb := program(10)
	rb[3].Rd.Value = 99
	res, _ = Lockstep(&fakeTarget{recs: program(10), exit: pass()}, &fakeTarget{recs: rb, exit: pass()}, Options{})
	if res.Verdict() != Diverged {
		t.Errorf("a divergence: verdict %v", res.Verdict())
	}
}

// TestStop: closing Options.Stop ends a run that would never end, with the
// records compared so far, in both the concurrent and the sequential mode.
func TestStop(t *testing.T) {
	for _, seq := range []bool{false, true} {
		stop := make(chan struct{})
		time.AfterFunc(100*time.Millisecond, func() { close(stop) })
		res, err := Lockstep(&loopTarget{}, &loopTarget{}, Options{Limit: 1 << 62, Stop: stop, Sequential: seq})
		if err != nil || !res.Stopped || res.Verdict() != Interrupted || res.Compared == 0 || res.Compared%stopEvery != 0 {
			t.Errorf("sequential %v: %v, stopped %v, verdict %v, %d compared", seq, err, res.Stopped, res.Verdict(), res.Compared)
		}
	}
}
