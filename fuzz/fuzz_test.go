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
// vcheck fuzz and FuzzEngineVsRefRun). Run it alone with
// -fuzz='^FuzzEngineVsRef$' (the pattern also matches
// FuzzEngineVsRefRun).
func FuzzEngineVsRef(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0},
		[]byte("\x02\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x07"),
		[]byte(strings.Repeat("vcheck-rv64pg-fuzz-seed", 16)),
	} {
		f.Add(seed)
	}
	cfg := fuzz.Config()
	p := refVsEngine(f)
	known := fuzz.KnownSignatures(regressDir, p)
	// One pair of machines for every input of this worker process, reset
	// between programs (fuzz.Rig): building them was most of an input's
	// cost. Inputs run one at a time.
	rig := fuzz.NewRig(cfg, p)
	g := fuzz.Gen(fuzz.Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rapid.MakeFuzz(func(rt *rapid.T) {
			o, err := rig.RunTest(g.Draw(rt, "test"))
			if err != nil {
				rt.Fatalf("internal error (not a divergence): %v", err)
			}
			if !o.Failed() || known[o.Signature()] {
				return
			}
			m := fuzz.Minimize(cfg, p, o, 500)
			fd := &fuzz.Finding{Outcome: m, NameA: p.NameA, NameB: p.NameB, Found: timeNow()}
			path, err := fuzz.WriteRegress(regressDir, fd)
			rt.Fatalf("%s vs %s: %s; saved as %s (%v), shrunk to %d body instructions", p.NameA, p.NameB, o.Reason, path, err, m.Test.BodyInsns())
		})(t, Expand(data))
	})
}

// Expand stretches a fuzz input to the size a generated program draws:
// rapid reads its choices from the input and rejects one that runs out,
// which would reject most of what go test -fuzz tries. The input is kept
// as the prefix, so the engine's mutations still steer the first choices,
// and the rest comes from a PRNG seeded by the input's hash.
func Expand(data []byte) []byte {
	const want = 16 << 10
	if len(data) >= want {
		return data
	}
	sum := sha256.Sum256(data)
	rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
	out := append(make([]byte, 0, want), data...)
	for len(out) < want {
		out = binary.LittleEndian.AppendUint64(out, rng.Uint64())
	}
	return out
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
