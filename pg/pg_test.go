package pg

import (
	"flag"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

var samples = flag.Int("pg.samples", DefaultSamples, "base states per instruction form in TestDeclaredClasses (larger: slower, stronger)")

// TestDeclaredClasses is issue 7's check: on rv64pg every observed class
// is the declared one or is explained, every explanation is still
// needed, and both theorems hold.
func TestDeclaredClasses(t *testing.T) {
	rep, err := Analyze(Options{Samples: *samples, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d forms, %d states, %s", rep.Subjects, rep.States, rep.Elapsed)
	for _, r := range rep.Results {
		if r.Mismatch {
			t.Errorf("%s: declared %v, observed %v (control %d, behavior %d, U illegal %d/%d), no explanation",
				r.Subject.Name, r.Declared, r.Observed, r.Control, r.Behavior, r.InScopeUIllegal, r.InScopeU)
		}
		if r.InScopeU == 0 {
			t.Errorf("%s: no in-scope U-mode run fetched the instruction: the sample says nothing about privilege", r.Subject.Name)
		}
	}
	for _, e := range Explanations {
		if !slices.Contains(e.Variants, spec.VariantRV64PG) {
			continue
		}
		used := false
		for _, r := range rep.Results {
			used = used || r.Explanation == e.Subjects
		}
		if !used {
			t.Errorf("explanation %q explains nothing on rv64pg: remove it or fix its Match", e.Subjects)
		}
	}
	if !rep.Theorem1.Holds || !rep.Theorem3.Holds {
		t.Errorf("rv64pg: Theorem 1 %v (offenders %v), Theorem 3 %v (offenders %v); both must hold",
			rep.Theorem1.Holds, rep.Theorem1.Offenders, rep.Theorem3.Holds, rep.Theorem3.Offenders)
	}
	// The sensitive privileged instructions must show their witnesses:
	// otherwise the probes are too weak to see anything.
	for _, name := range []string{"mret", "sret", "csrrw satp", "csrrs mstatus", "csrrw pmpcfg0", "csrrs satp"} {
		if r := rep.result(name); r == nil || !r.Sensitive() || !r.Privileged {
			t.Errorf("%s: want sensitive and privileged, got %+v", name, r)
		}
	}
}

// TestWrongDeclarationCaught shows the check can fail: declaring addi
// privileged, or csrrs mstatus innocuous, is a mismatch.
func TestWrongDeclarationCaught(t *testing.T) {
	rep, err := Analyze(Options{Only: []string{"addi", "csrrs mstatus"}, Seed: 1,
		Declare: map[string]spec.Class{"addi": spec.Privileged, "csrrs mstatus": spec.Innocuous}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches != 2 {
		t.Fatalf("%d mismatches, want 2", rep.Mismatches)
	}
}

// TestPOPF: the popf variant breaks Theorem 1, with the sstatus/mstatus
// forms as offenders, each with witnesses, and everything else as on rv64pg.
func TestPOPF(t *testing.T) {
	only := []string{"addi", "csrrs sstatus", "csrrs mstatus", "csrrw sstatus", "csrrc mstatus", "csrrsi sstatus", "csrrs sie", "mret"}
	rep, err := Analyze(Options{Variant: spec.VariantPOPF, Only: only, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Theorem1.Holds {
		t.Fatal("popf: Theorem 1 holds; the variant must break it")
	}
	want := []string{"csrrs sstatus", "csrrs mstatus", "csrrw sstatus", "csrrc mstatus", "csrrsi sstatus"}
	got := slices.Sorted(slices.Values(rep.Theorem1.Offenders))
	if slices.Sort(want); !slices.Equal(got, want) {
		t.Errorf("popf: Theorem 1 offenders %v, want %v", rep.Theorem1.Offenders, want)
	}
	for _, name := range want {
		r := rep.result(name)
		if len(r.Witnesses) == 0 || r.InScopeUIllegal != 0 || r.InScopeU == 0 {
			t.Errorf("%s: %d witnesses, U illegal %d/%d", name, len(r.Witnesses), r.InScopeUIllegal, r.InScopeU)
		}
	}
	if rep.Mismatches != 0 {
		t.Errorf("popf: %d unexplained mismatches", rep.Mismatches)
	}
	var b strings.Builder
	rep.WriteText(&b, false)
	if !strings.Contains(b.String(), "Theorem 1 (") || !strings.Contains(b.String(), "FAILS") {
		t.Errorf("the text report does not say Theorem 1 fails:\n%s", b.String())
	}
}

// TestRelocation: the same instruction at two physical placements mapped
// at one virtual address gives the same result (auipc), except where it
// reads the translation itself (csrrs satp, which is how P&G's
// location-sensitivity shows on RISC-V).
func TestRelocation(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	base := randBase(r)
	base.Sv39, base.PMP, base.CodePTE = true, PMPAll, spec.PTEX|spec.PTER|spec.PTEA|spec.PTED
	auipc, _ := spec.ArgRd.Encode(5)
	auipc |= spec.Lookup("auipc").Match | 0x12345000
	csr, _ := spec.ArgCSR.Encode(spec.CSRSatp)
	rd, _ := spec.ArgRd.Encode(6)
	readSatp := spec.Lookup("csrrs").Match | csr | rd
	for _, c := range []struct {
		word uint32
		same bool
	}{{auipc, true}, {readSatp, false}} {
		var outs []*Outcome
		for reloc := 0; reloc < Relocations; reloc++ {
			s := base
			s.Mode, s.Reloc = spec.ModeS, reloc
			o, err := Probe(spec.VariantRV64PG, &s, c.word)
			if err != nil {
				t.Fatal(err)
			}
			if o.Trapped() {
				t.Fatalf("%#x at relocation %d trapped: %+v", c.word, reloc, o.Rec.Trap)
			}
			outs = append(outs, o)
		}
		for i := 1; i < len(outs); i++ {
			if same := sameEffect(outs[0], outs[i]); same != c.same {
				t.Errorf("%#x: relocation 0 vs %d same=%v, want %v: %v | %v", c.word, i, same, c.same, outs[0].Effect(), outs[i].Effect())
			}
		}
	}
}

// TestSubjects: every row of the table is covered, and every Zicsr row
// once per CSR and per unimplemented number.
func TestSubjects(t *testing.T) {
	subs := Subjects()
	zicsr, other := 0, 0
	for _, in := range spec.Insts {
		if in.Class == spec.ByCSR {
			zicsr++
		} else {
			other++
		}
	}
	want := other + zicsr*(len(spec.CSRs)+len(unimplementedCSRs))
	if len(subs) != want {
		t.Errorf("%d subjects, want %d", len(subs), want)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for i := range subs {
		w, err := randWord(r, &subs[i], true)
		if err != nil {
			t.Error(err)
			continue
		}
		if spec.Decode(w) != subs[i].Inst {
			t.Errorf("%s: %#x decodes to another row", subs[i].Name, w)
		}
	}
}

// TestPairsDifferOnlyInModeOrPlacement checks the premise of the pair
// comparisons: just before the instruction under test, the M, S and U
// members of a mode pair hold the same registers and CSRs, and the
// members of a relocation pair differ only in satp's root page number.
func TestPairsDifferOnlyInModeOrPlacement(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	nop := spec.Lookup("addi").Match // addi x0, x0, 0
	for i := 0; i < 20; i++ {
		base := randBase(r)
		base.PMP, base.CodePTE = PMPAll, spec.PTEX|spec.PTEA|spec.PTED // always fetchable
		var ref *Outcome
		for _, m := range []spec.Mode{spec.ModeM, spec.ModeS, spec.ModeU} {
			s := base
			s.Mode = m
			o, err := Probe(spec.VariantRV64PG, &s, nop)
			if err != nil {
				t.Fatal(err)
			}
			if ref == nil {
				ref = o
				continue
			}
			for addr, v := range ref.Before {
				if !noisy[addr] && o.Before[addr] != v {
					t.Errorf("base %d: %v and M differ in %s before the instruction: %#x vs %#x", i, m, csrName(addr), o.Before[addr], v)
				}
			}
		}
		if !base.Sv39 {
			continue
		}
		var outs []*Outcome
		for reloc := 0; reloc < Relocations; reloc++ {
			s := base
			s.Mode, s.Reloc = spec.ModeU, reloc
			o, err := Probe(spec.VariantRV64PG, &s, nop)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, o)
		}
		for _, o := range outs[1:] {
			for addr, v := range outs[0].Before {
				want := v
				if addr == spec.CSRSatp {
					continue
				}
				if !noisy[addr] && o.Before[addr] != want {
					t.Errorf("base %d: relocations differ in %s: %#x vs %#x", i, csrName(addr), o.Before[addr], want)
				}
			}
			if o.Before[spec.CSRSatp]&^spec.SatpPPNMask != outs[0].Before[spec.CSRSatp]&^spec.SatpPPNMask {
				t.Errorf("base %d: relocations differ in satp beyond the root: %#x vs %#x", i, o.Before[spec.CSRSatp], outs[0].Before[spec.CSRSatp])
			}
		}
	}
}

// TestGroupNamesUnique: the summary never prints two rows of the same
// name: the read-only CSRs' write forms (which trap everywhere) and read
// forms are groups of their own, and a --declare override that splits a
// group names its rows apart by their classes.
func TestGroupNamesUnique(t *testing.T) {
	only := []string{"csrrw cycle", "csrrs cycle", "csrrwi mhartid", "csrrc mhartid", "addi", "add"}
	for _, declare := range []map[string]spec.Class{nil, {"addi": spec.Privileged}} {
		rep, err := Analyze(Options{Samples: 2, Seed: 1, Only: only, Declare: declare})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		groups := rep.Groups()
		for _, g := range groups {
			if seen[g.Name] {
				t.Errorf("declare %v: two groups named %q", declare, g.Name)
			}
			seen[g.Name] = true
		}
		if declare == nil && strings.Contains(strings.Join(names(groups), " "), "[declared") {
			t.Errorf("groups %v: the table's own groups need the fallback names", names(groups))
		}
		if declare == nil && len(groups) != 5 {
			t.Errorf("groups %v: want the write and read forms of cycle and of mhartid apart, and I", names(groups))
		}
		if declare != nil && !seen["I (unprivileged) [declared privileged, observed innocuous]"] {
			t.Errorf("declare addi=privileged: groups %v", names(groups))
		}
	}
}

func names(gs []Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}
