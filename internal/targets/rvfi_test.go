package targets

import (
	"fmt"
	"net"
	"testing"

	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/fuzz"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/rvfi"
	"github.com/vcheck-dev/vcheck/spec"
)

// serveRVFI serves a registered model over RVFI-DII on a loopback port.
func serveRVFI(t testing.TB, model string) string {
	t.Helper()
	srv, err := RVFIServer(model, spec.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go srv.Serve(l)
	return l.Addr().String()
}

// TestRVFIRoundTripCorpus drives the reference model and the engine,
// served over RVFI-DII, with vcheck's client, against a local reference
// model: every record, every field (the extension blocks carry modes,
// traps and CSR writes), over the corpus programs that run on one hart.
func TestRVFIRoundTripCorpus(t *testing.T) {
	for _, served := range []string{"ref", "engine"} {
		addr := serveRVFI(t, served)
		name := "rvfi:" + addr
		for _, p := range corpus.Programs("ref") {
			if p.Harts() != 1 {
				continue
			}
			t.Run(served+"/"+p.Path, func(t *testing.T) {
				cfg := AdjustConfig(spec.DefaultConfig(), "ref", name)
				if cfg.ResetPC != spec.RAMBase {
					t.Fatalf("rvfi: does not move the reset pc to RAM: %#x", cfg.ResetPC)
				}
				img, err := p.Image(cfg)
				if err != nil {
					t.Fatal(err)
				}
				a, err := New("ref", cfg, img)
				if err != nil {
					t.Fatal(err)
				}
				b, err := New(name, cfg, img)
				if err != nil {
					t.Fatal(err)
				}
				res, err := Compare(a, b, CompareOptions{Options: diff.Options{Limit: 200000}})
				if err != nil {
					t.Fatal(err)
				}
				if res.Divergence != nil {
					t.Fatalf("%s", res.Divergence.Text("ref", name, nil))
				}
				if len(res.Ignored) > 0 || len(res.Unobserved) > 0 {
					t.Errorf("fields not compared: %s", res.Summary())
				}
				t.Logf("%d records, exit %v", res.Compared, res.ExitA)
			})
		}
	}
}

// TestRVFIFuzzProperty runs vcheck's generated programs (fuzz.Property,
// with rapid's shrinking) on the reference model against the reference
// model served over RVFI-DII: a target built on the client works with the
// fuzz package, and the property holds.
func TestRVFIFuzzProperty(t *testing.T) {
	addr := serveRVFI(t, "ref")
	name := "rvfi:" + addr
	fa, err := Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	fb, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg := AdjustConfig(fuzz.Config(), "ref", name)
	pair := fuzz.Pair{NameA: "ref", NameB: name, A: fuzz.Factory(fa), B: fuzz.Factory(fb)}
	programs := 0
	rapid.Check(t, func(rt *rapid.T) {
		fuzz.Property(cfg, pair, fuzz.Options{}, func(*fuzz.Outcome) { programs++ })(rt)
	})
	if programs == 0 {
		t.Fatal("no program ran")
	}
}

// TestRVFIFallback drives the served reference model as engines that
// know less would: base v2 (no extension blocks) and v1 (no mode, and
// the 88-byte packet). The fields those cannot carry are ignored, and
// named as ignored; everything else is compared and equal. Without the
// memory-load commands (a v1 or base-v2 peer never asks for them), the
// client loads the program with injected stores.
func TestRVFIFallback(t *testing.T) {
	addr := serveRVFI(t, "ref")
	for _, tc := range []struct {
		name   string
		opts   rvfi.Options
		ignore []string
	}{
		{"v2-base", rvfi.Options{NoExtensions: true}, []string{"CSR", "Trap.Cause", "Trap.Interrupt", "Trap.Tval"}},
		{"v1", rvfi.Options{MaxVersion: 1}, []string{"CSR", "Mode", "NextMode", "Trap.Cause", "Trap.Interrupt", "Trap.Target", "Trap.Tval"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := rvfi.DialWith(addr, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, p := range corpus.Programs("ref") {
				if p.Harts() != 1 || !fallbackProgram[p.Path] {
					continue
				}
				cfg := AdjustConfig(spec.DefaultConfig(), "rvfi:x")
				img, err := p.Image(cfg)
				if err != nil {
					t.Fatal(err)
				}
				a, _ := New("ref", cfg, img)
				b, err := rvfi.NewTarget(conn, cfg, img)
				if err != nil {
					t.Fatalf("%s: %v", p.Path, err)
				}
				res, err := Compare(a, b, CompareOptions{Options: diff.Options{Limit: 200000}})
				if err != nil {
					t.Fatalf("%s: %v", p.Path, err)
				}
				if res.Divergence != nil {
					t.Fatalf("%s: %s", p.Path, res.Divergence.Text("ref", tc.name, nil))
				}
				if fmt.Sprint(res.Ignored) != fmt.Sprint(tc.ignore) {
					t.Errorf("%s: ignored %v, want %v", p.Path, res.Ignored, tc.ignore)
				}
			}
		})
	}
}

// fallbackProgram are the corpus programs the fallback runs: traps in
// every mode, Sv39, CSR writes. Counters and time are not among them: a
// program loaded by injected stores starts with mtime past zero.
var fallbackProgram = map[string]bool{"ref/rv64i.S": true, "ref/trap_m.S": true, "ref/priv_su.S": true, "ref/sv39.S": true, "ref/a.S": true, "ref/c.S": true}
