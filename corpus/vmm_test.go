package corpus_test

import (
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

// TestReplayVMM runs every corpus program on bare ref and under the VMM
// in lockstep: guest-visible records must be identical.
func TestReplayVMM(t *testing.T) {
	fa, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	fb, err := targets.Lookup("vmm")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range corpus.Programs() {
		t.Run(p.Path, func(t *testing.T) {
			cfg := spec.DefaultConfig()
			cfg.Harts = p.Harts()
			limit := uint64(replayLimit)
			if p.Dir() == "bench" {
				if p.IsSource() {
					t.Skip("bench sources are support files")
				}
				limit = benchLimit
			}
			img, err := image(t, cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			a, err := fa(cfg, img)
			if err != nil {
				t.Fatal(err)
			}
			b, err := fb(cfg, img)
			if err != nil {
				t.Fatal(err)
			}
			res, err := diff.Lockstep(fuzz.ArchExit(a), fuzz.ArchExit(b), diff.Options{Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case res.Divergence != nil && p.OpenFinding():
				t.Logf("known open divergence (ref vs engine) here: %s", res.Divergence.Reason)
			case res.Divergence != nil:
				t.Errorf("%s", res.Divergence.Text("ref", "vmm", fuzz.Disasm))
			case res.ExitA.Reason == spec.Running && p.Dir() != "bench":
				t.Errorf("no exit after %d records", res.Compared)
			default:
				t.Logf("%d records equal; exit %s", res.Compared, res.ExitA)
			}
		})
	}
}

// TestFirmwareVMM boots Debian's OpenSBI fw_jump in a VM (virtual M-mode)
// in lockstep with bare ref, to the end of its banner and past its jump
// to S-mode.
func TestFirmwareVMM(t *testing.T) {
	t.Run("opensbi", func(t *testing.T) {
		cfg := spec.DefaultConfig()
		const limit = 8_000_000
		r := lockstepFirmwareOn(t, "vmm", firmwareImage(t, cfg, false), cfg, nil, limit)
		r.check(t)
		if !strings.Contains(r.ref, "OpenSBI v") || !strings.Contains(r.ref, "Boot HART MEDELEG") {
			t.Fatalf("no OpenSBI banner through \"Boot HART MEDELEG\" in %d records; console:\n%s", r.res.Compared, r.ref)
		}
	})
	t.Run("uboot-poweroff", func(t *testing.T) {
		cfg := spec.DefaultConfig()
		cfg.TimebaseDiv = 10
		keys := append(typeAt("x", 16_000_000, 0), typeAt("poweroff\n", 20_000_000, 200_000)...)
		r := lockstepFirmwareOn(t, "vmm", firmwareImage(t, cfg, true), cfg, keys, 60_000_000)
		r.check(t)
		for _, want := range []string{"OpenSBI v", "U-Boot 20", "Hit any key to stop autoboot", "=> poweroff", "poweroff ..."} {
			if !strings.Contains(r.ref, want) {
				t.Errorf("console has no %q", want)
			}
		}
		if e := r.res.ExitA; e.Reason != spec.HaltFinisher || e.Code != 0 {
			t.Errorf("exit %s after %d records, want the finisher's pass", e, r.res.Compared)
		}
	})
}
