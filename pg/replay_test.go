package pg_test

import (
	"testing"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/pg"
	"github.com/vcheck-dev/vcheck/spec"
)

// TestPOPFWitnessesReplay replays the popf variant's Theorem 1
// witnesses on refmodel and on the engine: run in lockstep, the two
// agree record for record to the end of the program, and each shows the
// sensitive behavior the witness claims (the U-mode access does not
// trap, and has the witness's effect).
func TestPOPFWitnessesReplay(t *testing.T) {
	rep, err := pg.Analyze(pg.Options{Variant: spec.VariantPOPF, Seed: 1,
		Only: []string{"csrrs sstatus", "csrrs mstatus", "csrrw sstatus", "csrrwi mstatus", "csrrc sstatus"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Theorem1.Holds {
		t.Fatal("popf: Theorem 1 holds")
	}
	replay(t, spec.VariantPOPF, rep, true)
}

// TestRV64PGWitnessesReplay does the same for rv64pg's sensitive
// privileged forms: mode changes, control CSRs, and satp's relocation
// witnesses.
func TestRV64PGWitnessesReplay(t *testing.T) {
	rep, err := pg.Analyze(pg.Options{Seed: 1,
		Only: []string{"mret", "sret", "csrrs satp", "csrrw satp", "csrrw mstatus", "csrrs pmpcfg0", "csrrw mie"}})
	if err != nil {
		t.Fatal(err)
	}
	replay(t, spec.VariantRV64PG, rep, false)
}

func replay(t *testing.T, v spec.Variant, rep *pg.Report, wantU bool) {
	t.Helper()
	cfg := pg.Config(v)
	replayed, inU := 0, 0
	for _, r := range rep.Results {
		for _, w := range r.Witnesses {
			states := []pg.State{w.A}
			effects := []pg.Effect{w.EffectA}
			if w.B != nil {
				states, effects = append(states, *w.B), append(effects, *w.EffectB)
			}
			for i, s := range states {
				img, err := s.Image(v, w.Word)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := targets.New("ref", cfg, img)
				if err != nil {
					t.Fatal(err)
				}
				eng, err := targets.New("engine", cfg, img)
				if err != nil {
					t.Fatal(err)
				}
				res, err := diff.Lockstep(ref, eng, diff.Options{Limit: 5000})
				if err != nil {
					t.Fatal(err)
				}
				if res.Divergence != nil {
					t.Errorf("%s %s witness, state %d: refmodel and engine diverge: %s\n%s", r.Subject.Name, w.Kind, i, res.Divergence.Reason, res.Divergence.Diff)
					continue
				}
				if res.ExitA.Reason != spec.HaltFinisher {
					t.Errorf("%s: the probe program ended by %v, want the handler's finisher write", r.Subject.Name, res.ExitA.Reason)
				}
				for name, tgt := range map[string]string{"refmodel": "ref", "engine": "engine"} {
					m, err := targets.New(tgt, cfg, img)
					if err != nil {
						t.Fatal(err)
					}
					o, err := pg.Observe(m, s.Mode)
					if err != nil {
						t.Fatalf("%s on %s: %v", r.Subject.Name, name, err)
					}
					if got := o.Effect(); got != effects[i] {
						t.Errorf("%s %s witness on %s, %v state: effect %v, witness says %v", r.Subject.Name, w.Kind, name, s.Mode, got, effects[i])
					}
					if s.Mode == spec.ModeU && wantU {
						if o.Trapped() {
							t.Errorf("%s on %s: U-mode access trapped: the variant is not implemented", r.Subject.Name, name)
						}
						inU++
					}
				}
				replayed++
			}
		}
	}
	if replayed == 0 || wantU && inU == 0 {
		t.Fatalf("replayed %d witness states, %d in U-mode: nothing shown", replayed, inU)
	}
	t.Logf("%d witness states replayed on refmodel and the engine, %d U-mode observations", replayed, inU)
}
