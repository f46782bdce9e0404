package fuzz_test

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// regressDir is where a real divergence between built-in targets is saved.
const regressDir = "../corpus/regress"

// refVsEngine is the pair the fuzz targets compare. Both are built in:
// a missing registration is a failure.
func refVsEngine(t testing.TB) fuzz.Pair {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := targets.Lookup("engine")
	if err != nil {
		t.Fatal(err)
	}
	return fuzz.Pair{NameA: "ref", NameB: "engine", A: fuzz.Factory(ref), B: fuzz.Factory(eng)}
}

// FuzzEngineVsRef is the property "ref and engine produce identical
// retire records and exits" as a go test -fuzz target. A failure is
// minimized and saved in corpus/regress before the test fails; one whose
// signature is saved there as open is known and does not fail (as in
// vcheck fuzz). Its input is eight words, the generator's first draws
// (Choices says why not bytes).
func FuzzEngineVsRef(f *testing.F) {
	p := refVsEngine(f)
	fuzzPrograms(f, "vcheck-rv64pg-fuzz-seed", func(uint64) (spec.Config, fuzz.Pair) { return fuzz.Config(), p })
}

// fuzzPrograms is the body of every program-generating go test -fuzz
// target: pick chooses the configuration and pair from the input's first
// word; each (configuration, pair) gets one fuzz.Rig per worker process,
// whose machines are reset between inputs (building them was most of an
// input's cost; inputs run one at a time). The program is drawn from
// Choices. A finding not already saved as open in corpus/regress is
// minimized, saved there, and fails the input.
func fuzzPrograms(f *testing.F, seedText string, pick func(c0 uint64) (spec.Config, fuzz.Pair)) {
	for _, seed := range choiceSeeds(seedText) {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7])
	}
	type key struct {
		cfg  spec.Config
		a, b string
		mode fuzz.Mode
	}
	type rigged struct {
		rig   *fuzz.Rig
		known map[string]bool
	}
	rigs := map[key]rigged{}
	g := fuzz.Gen(fuzz.Options{})
	f.Fuzz(func(t *testing.T, c0, c1, c2, c3, c4, c5, c6, c7 uint64) {
		cfg, p := pick(c0)
		k := key{cfg, p.NameA, p.NameB, p.Mode}
		r, ok := rigs[k]
		if !ok {
			r = rigged{fuzz.NewRig(cfg, p), fuzz.KnownSignatures(regressDir, p)}
			rigs[k] = r
		}
		rapid.MakeFuzz(func(rt *rapid.T) {
			o, err := r.rig.RunTest(g.Draw(rt, "test"))
			if err != nil {
				rt.Fatalf("internal error (not a divergence): %v", err)
			}
			if !o.Failed() || r.known[o.Signature()] {
				return
			}
			m := fuzz.Minimize(cfg, p, o, 500)
			fd := &fuzz.Finding{Outcome: m, NameA: p.NameA, NameB: p.NameB, Found: timeNow(), Harts: cfg.Harts}
			path, err := fuzz.WriteRegress(regressDir, fd)
			rt.Fatalf("%s vs %s (%v mode, %d harts): %s; saved as %s (%v), shrunk to %d body instructions",
				p.NameA, p.NameB, p.Mode, cfg.Harts, o.Reason, path, err, m.Test.BodyInsns())
		})(t, Choices(c0, c1, c2, c3, c4, c5, c6, c7))
	})
}

// Choices is the choice stream a program-generating fuzz target hands
// the generator (rapid.MakeFuzz reads one draw per 8 bytes): the fuzz
// input's words are the first draws, so Go's mutations steer them, and
// the rest, up to the size a generated program draws, comes from a PRNG
// seeded by the input (rapid rejects an input that runs out, which would
// reject most of what go test -fuzz tries).
//
// The targets take words, not []byte, because Go's fuzzer minimizes
// every []byte or string input that reaches new coverage, for up to
// -fuzzminimizetime (60 s) per input, in every worker, and counts none
// of it. A program drawn from a PRNG tail reaches new coverage with most
// inputs, and minimizing bytes is quadratic in their length at about a
// millisecond a try: with a []byte input, go test -fuzz spent nearly
// all its time minimizing (29-38 executions/s over a minute, the fuzzer
// sitting at "0/sec" for tens of seconds at a time). Integers are not
// minimized; a finding is shrunk by fuzz.Minimize, which shrinks the
// program, not its bytes, and is saved to corpus/regress before the
// test fails (docs/testing.md, "go test -fuzz").
func Choices(words ...uint64) []byte {
	const want = 16 << 10
	out := make([]byte, 0, want)
	for _, w := range words {
		out = binary.LittleEndian.AppendUint64(out, w)
	}
	sum := sha256.Sum256(out)
	rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
	for len(out) < want {
		out = binary.LittleEndian.AppendUint64(out, rng.Uint64())
	}
	return out
}

// choiceSeeds is the seed corpus of a program-generating fuzz target:
// all zeros (every first choice the smallest), two hand-picked starts,
// and the words of a text unique to the target.
func choiceSeeds(text string) [][8]uint64 {
	seeds := [][8]uint64{{}, {1, 9}, {2, ^uint64(0), 7}}
	var w [8]uint64
	b := []byte(strings.Repeat(text, 4))
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return append(seeds, w)
}

// FuzzDecode: spec.Decode never panics, and for every word it accepts,
// re-encoding the operand values with Arg.Encode into Match gives the
// word back, except in the bits no field of the row covers.
func FuzzDecode(f *testing.F) {
	for _, w := range []uint32{0, 0x00000013, 0x30200073, 0x0000, 0x4501, 0x8082, 0x0ff0000f, 0xffffffff} {
		f.Add(uint64(w))
	}
	f.Fuzz(func(t *testing.T, word uint64) {
		checkDecode(t, uint32(word))
		checkDecode(t, uint32(word>>32))
	})
}

// checkDecode is FuzzDecode's and TestDecodeProperty's check of one
// word; t is a *testing.T or a *rapid.T.
func checkDecode(t interface{ Fatalf(string, ...any) }, w uint32) {
	row := spec.Decode(w)
	if row == nil {
		return
	}
	if row.Ext == spec.ExtC {
		w &= 0xffff
	}
	re := row.Match
	for _, a := range row.Args {
		bits, err := a.Encode(a.Value(w))
		if err != nil {
			t.Fatalf("%#x (%s): operand %s = %d does not re-encode: %v", w, row.Name, spec.ArgSpecs[a].Name, a.Value(w), err)
		}
		re |= bits
	}
	care := row.Mask | row.ArgMask()
	if re != w&care {
		t.Fatalf("%#x (%s): re-encoded %#x, want %#x (mask %#x)", w, row.Name, re, w&care, care)
	}
	if !row.Matches(re) {
		t.Fatalf("%#x (%s): re-encoded %#x is not this row", w, row.Name, re)
	}
}

func TestDecodeProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		checkDecode(rt, rapid.Uint32().Draw(rt, "word"))
	})
}

// mutated wraps a factory so that its records are corrupted by bug: an
// injected fault that needs no engine, to test detection and shrinking.
func mutated(f fuzz.Factory, bug func(*spec.Retire)) fuzz.Factory {
	return func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		t, err := f(cfg, img)
		if err != nil {
			return nil, err
		}
		return &mutant{Target: t, bug: bug}, nil
	}
}

type mutant struct {
	diff.Target
	bug func(*spec.Retire)
}

func (m *mutant) Step() spec.Retire {
	r := m.Target.Step()
	m.bug(&r)
	return r
}

func named(name string) func(*spec.Retire) bool {
	return func(r *spec.Retire) bool {
		row := spec.Decode(r.Insn)
		return row != nil && row.Name == name && !r.Trap.Valid
	}
}

// injectedBugs are record-level faults of the kinds an engine gets wrong.
var injectedBugs = []struct {
	name string
	bug  func(*spec.Retire)
}{
	{"mulhsu result", func(r *spec.Retire) {
		if named("mulhsu")(r) && r.Rd.Valid {
			r.Rd.Value ^= 1
		}
	}},
	{"sraiw sign", func(r *spec.Retire) {
		if named("sraiw")(r) && r.Rd.Valid && r.Rd.Value>>63 != 0 {
			r.Rd.Value &^= 1 << 63
		}
	}},
	{"mscratch write", func(r *spec.Retire) {
		if r.CSR.Valid && r.CSR.Addr == spec.CSRMscratch {
			r.CSR.Value ^= 0x10
		}
	}},
	{"misaligned load tval", func(r *spec.Retire) {
		if r.Trap.Valid && !r.Trap.Interrupt && r.Trap.Cause == spec.CauseMisalignedLoad {
			r.Trap.Tval &^= 7
		}
	}},
	{"c.srai shift", func(r *spec.Retire) {
		if named("c.srai")(r) && r.Rd.Valid {
			r.Rd.Value = ^r.Rd.Value
		}
	}},
}

// TestShrinkInjectedBugs proves the property finds each injected bug and
// shrinks it to a small program: the median body must be at most 5
// instructions. It also checks the finding is saved once, atomically.
func TestShrinkInjectedBugs(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var sizes []int
	for i, b := range injectedBugs {
		p := fuzz.Pair{NameA: "ref", NameB: "ref+" + b.name, A: fuzz.Factory(ref), B: mutated(fuzz.Factory(ref), b.bug)}
		c := &fuzz.Campaign{Config: fuzz.Config(), Pair: p, Seed: uint64(100 + i), MaxPrograms: 20000, Batch: 100,
			ShrinkTime: 5e9, RegressDir: dir, MaxFindings: 1}
		st, found, err := c.Run()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Errorf("%s: not found in %d programs", b.name, st.Programs)
			continue
		}
		n := found[0].Test.BodyInsns()
		sizes = append(sizes, n)
		t.Logf("%s: found after %d programs, shrunk to %d body instructions: %s", b.name, st.Programs, n, found[0].Reason)
		if _, err := os.Stat(found[0].Path); err != nil {
			t.Errorf("%s: finding not saved: %v", b.name, err)
		}
		if _, err := fuzz.WriteRegress(dir, found[0]); err != fuzz.ErrExists {
			t.Errorf("%s: saving the same finding again: %v, want ErrExists", b.name, err)
		}
	}
	if len(sizes) == 0 {
		return
	}
	sort.Ints(sizes)
	if med := sizes[len(sizes)/2]; med > 5 {
		t.Errorf("median shrunk body = %d instructions (sizes %v), want <= 5", med, sizes)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.S"))
	if len(files) != len(sizes) {
		t.Errorf("%d files saved for %d findings", len(files), len(sizes))
	}
}

// TestKnownAndFixedFindings: a campaign does not stop on a divergence
// already saved as open (it counts it as known), and reports again a
// divergence saved as fixed that comes back (saving its program unless
// the very same program is already there: files are never overwritten).
func TestKnownAndFixedFindings(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	p := fuzz.Pair{NameA: "ref", NameB: "ref+mulhsu", A: fuzz.Factory(ref), B: mutated(fuzz.Factory(ref), injectedBugs[0].bug)}
	dir := t.TempDir()
	run := func(programs uint64) (fuzz.Stats, []*fuzz.Finding) {
		c := &fuzz.Campaign{Config: fuzz.Config(), Pair: p, Seed: 77, MaxPrograms: programs, Batch: 100, ShrinkTime: 3 * time.Second,
			RegressDir: dir, MaxFindings: 1}
		st, found, err := c.Run()
		if err != nil {
			t.Fatal(err)
		}
		return st, found
	}
	_, found := run(20000)
	if len(found) != 1 || found[0].Path == "" {
		t.Fatalf("first campaign: %d findings", len(found))
	}
	st, again := run(3000)
	if len(again) != 0 || st.Duplicates == 0 {
		t.Errorf("open finding not treated as known: %d findings, %d known hits", len(again), st.Duplicates)
	}
	src, err := os.ReadFile(found[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(src), "# status: open", "# status: fixed", 1)
	if err := os.WriteFile(found[0].Path, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	_, back := run(20000)
	if len(back) != 1 {
		t.Errorf("a fixed bug that came back was not reported: %d findings", len(back))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.S"))
	if same := len(back) == 1 && back[0].FileName() == filepath.Base(found[0].Path); !same && len(files) != 2 || same && len(files) != 1 {
		t.Errorf("after the regression: %d files (same program: %v)", len(files), same)
	}
}

// TestTargetPanicIsAFinding: a target that panics on a generated program
// (here: on its first instruction in RAM, which every program has) is a
// finding with its own signature and the panic in the saved file's
// header, not a crash of the campaign.
func TestTargetPanicIsAFinding(t *testing.T) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	boom := mutated(fuzz.Factory(ref), func(r *spec.Retire) {
		if r.PC >= spec.RAMBase {
			panic("injected: first instruction in RAM")
		}
	})
	p := fuzz.Pair{NameA: "ref", NameB: "ref+panic", A: fuzz.Factory(ref), B: boom}
	g := fuzz.Gen(fuzz.Options{})
	rapid.Check(t, func(rt *rapid.T) {
		o, err := fuzz.RunTest(fuzz.Config(), g.Draw(rt, "test"), p)
		if err != nil {
			rt.Fatal(err)
		}
		if !o.Failed() || o.Signature() != "panic-B" || !strings.Contains(o.Reason, "ref+panic panicked") || !strings.Contains(o.Reason, "injected: first instruction in RAM") {
			rt.Fatalf("failed %v, signature %q, reason %q", o.Failed(), o.Signature(), o.Reason)
		}
		f := &fuzz.Finding{Outcome: o, NameA: p.NameA, NameB: p.NameB}
		if src := f.Source(); !strings.Contains(src, "panic:") || !strings.Contains(src, "injected: first instruction in RAM") {
			rt.Fatalf("finding file lacks the panic:\n%s", src)
		}
	})
}
