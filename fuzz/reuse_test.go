package fuzz_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// TestResetMatchesFresh: for each built-in model (ref, engine,
// engine-nojit, vmm), one instance Reset from generated program to generated
// program (single- and two-hart, alternately driven by Step and by Run,
// so that each leaves different state behind) behaves like a new
// instance on every program: records in lockstep, then the fast paths
// compared at checkpoints (states, RAM, devices, console), and the VMM's
// exit statistics after each.
func TestResetMatchesFresh(t *testing.T) {
	programs := 60
	if testing.Short() {
		programs = 40
	}
	for _, name := range []string{"ref", "engine", "engine-nojit", "vmm"} {
		build, err := targets.Lookup(name)
		if err != nil {
			if name == "engine-nojit" {
				continue // registered only where the engine compiles
			}
			t.Fatal(err)
		}
		for _, harts := range []int{1, 2} {
			cfg := fuzz.Config()
			cfg.Harts = harts
			probe, err := fuzz.BuildImage(cfg, mustLayout(t, &fuzz.Test{Mode: spec.ModeM}))
			if err != nil {
				t.Fatal(err)
			}
			kept, err := build(cfg, probe)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := kept.(fuzz.Resetter); !ok {
				t.Fatalf("%s is no fuzz.Resetter: campaigns build it anew for every program", name)
			}
			t.Run(fmt.Sprintf("%s/harts=%d", name, harts), func(t *testing.T) {
				g := fuzz.Gen(fuzz.Options{Harts: harts})
				for i := range programs {
					img, err := fuzz.BuildImage(cfg, mustLayout(t, g.Example(i)))
					if err != nil {
						t.Fatal(err)
					}
					reset := func() diff.Target {
						if err := kept.(fuzz.Resetter).Reset(img); err != nil {
							t.Fatalf("program %d: Reset: %v", i, err)
						}
						return kept
					}
					fresh := func() diff.Target {
						f, err := build(cfg, img)
						if err != nil {
							t.Fatal(err)
						}
						return f
					}
					f := fresh()
					res, err := diff.Lockstep(f, reset(), diff.Options{Limit: fuzz.RecordLimit, Sequential: true, Mode: diff.Strict, StrictEvery: 256})
					if err != nil || res.Divergence != nil {
						t.Fatalf("program %d, Step: %v %s", i, err, text(res))
					}
					for h := range harts {
						if d := cmp.Diff(f.State(h), kept.State(h)); d != "" {
							t.Fatalf("program %d, Step: hart %d's state at the end differs: %s", i, h, d)
						}
					}
					if d := statsDiff(f, kept); d != "" {
						t.Fatalf("program %d, Step: %s", i, d)
					}
					f = fresh()
					runner, ok := f.(diff.Runner)
					if !ok {
						continue
					}
					res, err = diff.RunLockstep(runner, reset().(diff.Runner), diff.RunOptions{Options: diff.Options{Limit: fuzz.RecordLimit}, Checkpoint: 97})
					if err != nil || res.Divergence != nil {
						t.Fatalf("program %d, Run: %v %s", i, err, text(res))
					}
					if d := statsDiff(f, kept); d != "" {
						t.Fatalf("program %d, Run: %s", i, d)
					}
				}
			})
		}
	}
}

// statsDiff compares the VMM's exit statistics of a new and a reset VM
// (what the guest cannot see, but a VM's efficiency report shows); ""
// for other targets.
func statsDiff(f, r diff.Target) string {
	fv, ok := f.(*vmm.VM)
	if !ok {
		return ""
	}
	if d := cmp.Diff(fv.Stats(), r.(*vmm.VM).Stats()); d != "" {
		return "VMM statistics differ (-new +reset):\n" + d
	}
	return ""
}

func text(res diff.Result) string {
	if res.Divergence == nil {
		return ""
	}
	return res.Divergence.Text("new", "reset", fuzz.Disasm)
}

func mustLayout(t testing.TB, ts *fuzz.Test) *load.Program {
	t.Helper()
	l, err := ts.Layout()
	if err != nil {
		t.Fatal(err)
	}
	return l.Program("generated")
}

// TestExampleIsCheckDraw: the program a campaign's worker draws with
// Gen.Example(ProgramSeed) is the one rapid.Check draws first from that
// seed, which is where the campaign starts rapid's shrinking of a failure.
func TestExampleIsCheckDraw(t *testing.T) {
	g := fuzz.Gen(fuzz.Options{})
	for _, seed := range []uint64{1, 2, 3, 1000, 1 << 40, fuzz.ProgramSeed(^uint64(0), 1)} {
		want := g.Example(int(seed))
		var got *fuzz.Test
		fuzz.CheckOnce(seed, func(rt *rapid.T) {
			if got == nil {
				got = g.Draw(rt, "test")
			}
		})
		if got == nil || !reflect.DeepEqual(got, want) {
			t.Errorf("seed %d: rapid.Check draws %+v, Example %+v", seed, got, want)
		}
	}
}

// TestCampaignWorkers: what a campaign finds, shrinks and saves depends on
// its seed and its program budget, not on how many workers run the
// programs: an injected bug, found by campaigns of 1 and 3 workers, gives
// the same counters (programs, records, the failures counted as known
// once it is found) and the same finding, saved under the same name with
// the same program.
func TestCampaignWorkers(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	p := fuzz.Pair{NameA: "ref", NameB: "ref+sraiw", A: fuzz.Factory(ref), B: mutated(fuzz.Factory(ref), injectedBugs[1].bug)}
	type run struct {
		st    fuzz.Stats
		found []string
	}
	campaign := func(workers int) run {
		dir := t.TempDir()
		c := &fuzz.Campaign{Config: fuzz.Config(), Pair: p, Seed: 4242, MaxPrograms: 6000, Workers: workers,
			ShrinkTime: time.Minute, RegressDir: dir}
		st, found, err := c.Run()
		if err != nil {
			t.Fatal(err)
		}
		r := run{st: st}
		r.st.Elapsed = 0
		for _, f := range found {
			src, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			r.found = append(r.found, fmt.Sprintf("%s seed %d:\n%s", filepath.Base(f.Path), f.Seed, dateRE.ReplaceAllString(string(src), "")))
		}
		return r
	}
	one := campaign(1)
	if len(one.found) != 1 || one.st.Duplicates == 0 {
		t.Fatalf("one worker: %+v, want the bug found once and then counted as known", one.st)
	}
	for _, w := range []int{3} {
		if d := cmp.Diff(one, campaign(w), cmp.AllowUnexported(run{})); d != "" {
			t.Errorf("%d workers differ from one (-1 +%d):\n%s", w, w, d)
		}
	}
}

var dateRE = regexp.MustCompile(`(?m)^# date: .*$`)

// TestProgramMatchesBytes: Listing.Program's segments, each in a buffer
// of its own, hold what the whole image (Listing.Bytes) holds at their
// addresses, and every nonzero byte of the image is in one of them.
func TestProgramMatchesBytes(t *testing.T) {
	for _, opts := range []fuzz.Options{{}, {Harts: 2}, {Harts: 2, DRF: true}} {
		g := fuzz.Gen(opts)
		for i := range 300 {
			l, err := g.Example(i).Layout()
			if err != nil {
				t.Fatal(err)
			}
			img := l.Bytes()
			covered := make([]bool, len(img))
			for _, s := range l.Program("p").Segments {
				off := s.Addr - fuzz.CodeBase
				if !bytes.Equal(s.Data, img[off:off+uint64(len(s.Data))]) || s.MemSize != uint64(len(s.Data)) {
					t.Fatalf("%+v, program %d: segment at %#x differs from the image", opts, i, s.Addr)
				}
				for j := range s.Data {
					covered[off+uint64(j)] = true
				}
			}
			for j, b := range img {
				if b != 0 && !covered[j] {
					t.Fatalf("%+v, program %d: byte %#x of the image (%#x) is in no segment", opts, i, fuzz.CodeBase+uint64(j), b)
				}
			}
		}
	}
}

// runBug is the engine with a bug of Run only: the first Run call that
// ends past record 40 flips a bit of x31. It resets with the engine.
type runBug struct {
	*engine.Machine
	done bool
}

func (b *runBug) Run(n uint64) spec.Exit {
	e := b.Machine.Run(n)
	if !b.done && b.Machine.Retired() >= 40 {
		b.done = true
		h := b.Machine.Harts[0]
		h.SetReg(31, h.Reg(31)^1)
	}
	return e
}

func (b *runBug) Reset(img *boot.Image) error {
	b.done = false
	return b.Machine.Reset(img)
}

// TestRigReplaysMatchFresh: a run-mode divergence found on a Rig, whose
// replays (the Step replay, the bisection's) reset a second pair of
// targets kept from program to program, is reported as on new targets
// for every replay (fuzz.RunTest), down to the record, and localized as
// a bug of Run.
func TestRigReplaysMatchFresh(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	bug := func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		m, err := engine.New(cfg, img)
		if err != nil {
			return nil, err
		}
		return &runBug{Machine: m}, nil
	}
	cfg := fuzz.Config()
	p := fuzz.Pair{NameA: "ref", NameB: "engine+runbug", A: fuzz.Factory(ref), B: bug, Mode: fuzz.ModeRun, Checkpoint: 64}
	rig := fuzz.NewRig(cfg, p)
	defer rig.Close()
	g := fuzz.Gen(fuzz.Options{})
	failed, example := 0, ""
	for i := range 40 {
		ts := g.Example(i)
		got, err := rig.RunTest(ts)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fuzz.RunTest(cfg, ts, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Reason != want.Reason || got.Result.Compared != want.Result.Compared {
			t.Fatalf("program %d: on the rig %q (%d compared), on new targets %q (%d)", i, got.Reason, got.Result.Compared, want.Reason, want.Result.Compared)
		}
		if got.Failed() {
			if !strings.Contains(got.Reason, "Step agrees, but after Run ran it") {
				t.Fatalf("program %d: the replays did not localize the bug of Run: %s", i, got.Reason)
			}
			failed++
			example = got.Reason
		}
	}
	t.Logf("%d of 40 programs show the bug, e.g. %q", failed, example)
	if failed < 10 {
		t.Errorf("only %d of 40 programs show the bug", failed)
	}
}
