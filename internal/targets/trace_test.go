package targets

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/trace"
	"github.com/vcheck-dev/vcheck/spec"
)

// writeLog runs a program on a model and writes every step as Spike
// prints it (trace.Format), as `vcheck run --trace` does.
func writeLog(t *testing.T, model string, p corpus.Program, cfg spec.Config, path string) {
	t.Helper()
	img, err := p.Image(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(model, cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 0; i < 200000 && m.Exit().Reason == spec.Running; i++ {
		r := m.Step()
		b.WriteString(trace.Format(&r, func(a uint16) uint64 { return m.State(r.Hart).CSRs[a] }) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTraceRoundTrip writes the reference model's run of each one-hart
// corpus program as a Spike-format log and reads it back as a trace:
// target against a fresh reference model: the writer and the reader
// agree on every record field the log shows, traps included.
func TestTraceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, p := range corpus.Programs("ref") {
		if p.Harts() != 1 {
			continue
		}
		t.Run(p.Path, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(p.Path, "/", "_")+".log")
			name := "trace:" + path
			cfg := AdjustConfig(spec.DefaultConfig(), "ref", name)
			writeLog(t, "ref", p, cfg, path)
			img, err := p.Image(cfg)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := New("ref", cfg, img)
			b, err := New(name, cfg, img)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Compare(a, b, CompareOptions{Options: diff.Options{Limit: 200000}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Divergence != nil {
				t.Fatalf("%s", res.Divergence.Text("ref", "trace", nil))
			}
			if res.ExitB.Reason == spec.Running || res.ExitA.Reason != res.ExitB.Reason {
				t.Fatalf("exits %v / %v", res.ExitA, res.ExitB)
			}
		})
	}
}

// spikeLogs are the real Spike logs of testdata/spike (README.md there):
// each ends equal, or at its first divergence, which must be the
// difference the specification allows that its program shows.
var spikeLogs = []struct {
	name  string
	check func(d *diff.Divergence) bool // nil: the log must compare equal to the end
	why   string
}{
	{"a", nil, ""},
	{"m", nil, ""},
	{"sv39_reserved", nil, ""},
	{"rv64i", func(d *diff.Divergence) bool {
		return !d.A.Trap.Valid && d.A.Mem.Write && d.B.Trap.Cause == spec.CauseMisalignedStore
	}, "a misaligned store: done by rv64pg, trapped by Spike (both allowed: Unpriv. 20191213 §2.6)"},
	{"c", func(d *diff.Divergence) bool {
		return d.A.Trap.Cause == spec.CauseBreakpoint && fmt.Sprint(d.Fields) == "[Trap.Tval]" && d.A.Trap.Tval == 0 && d.B.Trap.Tval == d.B.PC
	}, "a breakpoint's tval: 0 on rv64pg, the pc on Spike (both allowed: Priv. 1.12 §3.1.16)"},
	{"sv39", func(d *diff.Divergence) bool {
		return !d.A.Trap.Valid && d.A.Mem.Read && d.B.Trap.Cause == spec.CauseLoadPageFault
	}, "a load through a PTE with A clear: rv64pg sets A, Spike faults (both allowed: Priv. 1.12 §4.3.1)"},
	{"priv_mprv", func(d *diff.Divergence) bool {
		return d.A.CSR.Addr == spec.CSRStvec && fmt.Sprint(d.Fields) == "[CSR.Value]" && d.A.CSR.Value == 0 && d.B.CSR.Value&3 == 0
	}, "stvec written with MODE 2: rv64pg ignores the write, Spike keeps the base (WARL, Priv. 1.12 §4.1.2)"},
}

// TestSpikeLogs reads real Spike logs (spike -l --log-commits) as
// trace: targets against the reference model.
func TestSpikeLogs(t *testing.T) {
	for _, tc := range spikeLogs {
		t.Run(tc.name, func(t *testing.T) {
			prog := corpusProgram(t, "ref/"+tc.name+".S")
			name := "trace:" + filepath.Join("testdata", "spike", tc.name+".log.gz")
			cfg := AdjustConfig(spec.DefaultConfig(), "ref", name)
			img, err := prog.Image(cfg)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := New("ref", cfg, img)
			b, err := New(name, cfg, img)
			if err != nil {
				t.Fatal(err)
			}
			defer b.(io.Closer).Close()
			res, err := Compare(a, b, CompareOptions{Options: diff.Options{Limit: 100000}})
			if err != nil {
				t.Fatal(err)
			}
			switch d := res.Divergence; {
			case tc.check == nil && d != nil:
				t.Fatalf("%s", d.Text("ref", "spike", nil))
			case tc.check == nil && (res.ExitB.Reason != spec.HaltFinisher || res.ExitA.Code != res.ExitB.Code):
				t.Fatalf("exits: ref %v, spike %v", res.ExitA, res.ExitB)
			case tc.check != nil && d == nil:
				t.Fatalf("no divergence; expected %s", tc.why)
			case tc.check != nil && !tc.check(d):
				t.Fatalf("expected %s, got:\n%s", tc.why, d.Text("ref", "spike", nil))
			}
			t.Logf("%d records equal; %s", res.Compared, tc.why)
		})
	}
}

// TestFormatMatchesSpike: what `vcheck run --trace` prints (trace.Format)
// for the reference model's steps is, line for line, what Spike printed
// for the same steps: the --log-commits lines (implicit CSR writes, the
// register order) and the exception and tval lines of -l, from the first
// instruction at 0x80000000 up to the finisher (which Spike lacks).
func TestFormatMatchesSpike(t *testing.T) {
	for _, tc := range spikeLogs {
		if tc.check != nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "spike", tc.name+".log.gz"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			z, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(z)
			if err != nil {
				t.Fatal(err)
			}
			var spike []string
			started := false
			for _, l := range strings.Split(string(raw), "\n") {
				e, ok, err := trace.ParseLine(l)
				if !strings.HasPrefix(l, "core") || err != nil || !ok || e.Kind == 'd' {
					continue // -l's disassembly lines, symbol lines, program output
				}
				started = started || (e.Kind == 'c' && e.PC >= spec.RAMBase)
				if started {
					spike = append(spike, l)
				}
			}
			cfg := AdjustConfig(spec.DefaultConfig(), "trace:x")
			img, err := corpusProgram(t, "ref/"+tc.name+".S").Image(cfg)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := New("ref", cfg, img)
			var ours []string
			for m.Exit().Reason == spec.Running && len(ours) < len(spike) {
				r := m.Step()
				if m.Exit().Reason != spec.Running {
					break // the finisher store: Spike has no finisher
				}
				ours = append(ours, strings.Split(trace.Format(&r, func(a uint16) uint64 { return m.State(0).CSRs[a] }), "\n")...)
			}
			if len(ours) < 50 {
				t.Fatalf("only %d lines compared", len(ours))
			}
			for i := range ours {
				if i >= len(spike) || ours[i] != spike[i] {
					t.Fatalf("line %d:\nvcheck: %q\nspike:  %q", i, ours[i], spike[min(i, len(spike)-1)])
				}
			}
			t.Logf("%d lines identical", len(ours))
		})
	}
}
