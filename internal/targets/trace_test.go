package targets

import (
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
