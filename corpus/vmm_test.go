package corpus_test

import (
	"bytes"
	"github.com/google/go-cmp/cmp"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
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
func TestReplayVMM(t *testing.T) { replayCorpus(t, "vmm") }

// TestFirmwareVMM boots Debian's OpenSBI fw_jump in a VM (virtual M-mode)
// and U-Boot after it (virtual S-mode). The default suite runs OpenSBI in
// lockstep with bare ref to the end of its banner and past its jump to
// S-mode, and U-Boot with Run to its prompt, "poweroff" typed, with the
// console byte-identical to the bare engine's (which TestFirmwareLockstep
// holds to ref's). With the opt-in tag long (go test -tags long), U-Boot
// in lockstep with ref too, at TimebaseDiv 10 (~32 M records) and at the
// default 100 (~132 M).
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
	ubootKeys := func(poweroffAt uint64) []keystroke {
		return append(typeAt("x", 16_000_000, 0), typeAt("poweroff\n", poweroffAt, 200_000)...)
	}
	wantConsole := []string{"OpenSBI v", "U-Boot 20", "Hit any key to stop autoboot", "=> poweroff", "poweroff ..."}
	t.Run("uboot-run", func(t *testing.T) {
		cfg := spec.DefaultConfig()
		cfg.TimebaseDiv = 10
		img := firmwareImage(t, cfg, true)
		var outs [2]bytes.Buffer
		var exits [2]spec.Exit
		var st vmm.Stats
		for i, name := range []string{"engine", "vmm"} {
			tg, err := targets.New(name, cfg, img)
			if err != nil {
				t.Fatal(err)
			}
			m := tg.(interface {
				consoleMachine
				Run(uint64) spec.Exit
			})
			m.SetConsole(&timedInput{clock: m.Retired, keys: ubootKeys(20_000_000)}, &outs[i])
			exits[i] = m.Run(100_000_000)
			if vm, ok := tg.(*vmm.VM); ok {
				st = vm.Stats()
			}
		}
		if exits[1].Reason != spec.HaltFinisher || exits[1].Code != 0 || exits[0] != exits[1] {
			t.Errorf("exits: engine %s, vmm %s; want the finisher's pass", exits[0], exits[1])
		}
		if outs[0].String() != outs[1].String() {
			t.Fatalf("consoles differ\nengine:\n%s\nvmm:\n%s", outs[0].String(), outs[1].String())
		}
		for _, want := range wantConsole {
			if !strings.Contains(outs[1].String(), want) {
				t.Errorf("console has no %q:\n%s", want, outs[1].String())
			}
		}
		t.Logf("%s", st)
	})
	uboot := func(t *testing.T, timebaseDiv, poweroffAt, limit uint64) {
		cfg := spec.DefaultConfig()
		cfg.TimebaseDiv = timebaseDiv
		r := lockstepFirmwareOn(t, "vmm", firmwareImage(t, cfg, true), cfg, ubootKeys(poweroffAt), limit)
		r.check(t)
		for _, want := range wantConsole {
			if !strings.Contains(r.ref, want) {
				t.Errorf("console has no %q", want)
			}
		}
		if e := r.res.ExitA; e.Reason != spec.HaltFinisher || e.Code != 0 {
			t.Errorf("exit %s after %d records, want the finisher's pass", e, r.res.Compared)
		}
	}
	if testtool.Long {
		t.Run("uboot-lockstep", func(t *testing.T) { uboot(t, 10, 20_000_000, 60_000_000) })
		t.Run("uboot-lockstep-timebase100", func(t *testing.T) { uboot(t, 100, 30_000_000, 200_000_000) })
	}
}

// TestVMMRunMatchesStep runs every corpus program under the VMM once with
// Step and again with Run in calls of several sizes, and compares the
// guest's state at the same step counts: Run executes directly in budgets
// that end at virtual timer and UART events, so an interrupt taken at
// another instruction than Step's (irq.S, irq_ext.S) or a miscounted
// retire shows here.
func TestVMMRunMatchesStep(t *testing.T) {
	const every = 50 // compare the states at multiples of this many steps, and at the end
	for _, p := range corpus.Programs("ref", "seed", "regress", "hostile") {
		if !p.IsSource() {
			continue
		}
		t.Run(p.Path, func(t *testing.T) {
			// 16 MiB of guest RAM: five VMs per program clear far less
			// than with the default 128. A program that needs the default
			// (it knows where RAM ends) does not pass with less, and runs
			// on the default configuration.
			cfg := spec.DefaultConfig()
			cfg.Harts = p.Harts()
			cfg.RAM = 16 << 20
			if !passes(t, cfg, p) {
				cfg.RAM = spec.DefaultConfig().RAM
			}
			img, err := image(t, cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			newVM := func() *vmm.VM {
				vm, err := vmm.New(cfg, img)
				if err != nil {
					t.Fatal(err)
				}
				return vm
			}
			states := func(vm *vmm.VM) []spec.ArchState {
				var out []spec.ArchState
				for h := range cfg.Harts {
					out = append(out, vm.State(h))
				}
				return out
			}
			// The trajectory of Step, at every compared step count.
			want := map[uint64][]spec.ArchState{}
			retired := map[uint64]uint64{}
			a := newVM()
			var total uint64
			for ; total < replayLimit && a.Exit().Reason == spec.Running; total++ {
				if total%every == 0 {
					want[total] = states(a)
				}
				retired[total] = a.Retired()
				a.Step()
			}
			want[total], retired[total] = states(a), a.Retired()
			for _, chunk := range []uint64{1, 7, 100, total} {
				b := newVM()
				for done := uint64(0); done < total; {
					k := min(chunk, total-done)
					b.Run(k)
					done += k
					if b.Retired() != retired[done] {
						t.Fatalf("Run(%d) calls, after %d steps: retired %d, Step: %d", chunk, done, b.Retired(), retired[done])
					}
					if w, ok := want[done]; ok {
						if d := cmp.Diff(w, states(b)); d != "" {
							t.Fatalf("Run(%d) calls, after %d steps: states differ (-Step +Run):\n%s", chunk, done, d)
						}
					}
				}
				if b.Exit() != a.Exit() {
					t.Fatalf("Run(%d) calls: exit %s, Step: %s", chunk, b.Exit(), a.Exit())
				}
			}
		})
	}
}

// auditing is a VM that audits itself every `every` steps (vmm.VM.Audit:
// the shadow tables map nothing outside the guest, and the host memory
// outside the guest and the physical harts' protection hash as at the
// start). The audit releases every shadow context, which the guest must
// not be able to tell: lockstep against ref checks that too.
type auditing struct {
	*vmm.VM
	t     *testing.T
	every uint64
	n     uint64
	want  vmm.Audit
}

func (a *auditing) Step() spec.Retire {
	r := a.VM.Step()
	if a.n++; a.n%a.every == 0 || a.VM.Exit().Reason != spec.Running {
		a.check()
	}
	return r
}

func (a *auditing) check() {
	got, err := a.VM.Audit()
	if err != nil {
		a.t.Errorf("after %d steps: %v", a.n, err)
		return
	}
	if got.Outside != a.want.Outside {
		a.t.Errorf("after %d steps: host memory outside the guest changed", a.n)
	}
	if got.Harts != a.want.Harts {
		a.t.Errorf("after %d steps: the physical harts' protection changed", a.n)
	}
}

// TestHostileGuest runs corpus/hostile/hostile.S, which probes every
// device and RAM boundary, every CSR number and every privileged
// instruction in virtual M, S and U and points its page tables outside its
// RAM, in lockstep with bare ref (so it took exactly the bare machine's
// traps), auditing the VM every 20,000 steps and at the end: the host's
// memory outside the VM and the VMM's protection hash as before.
func TestHostileGuest(t *testing.T) {
	var p corpus.Program
	for _, q := range corpus.Programs("hostile") {
		if q.Path == "hostile/hostile.S" {
			p = q
		}
	}
	if p.Path == "" {
		t.Fatal("no corpus/hostile/hostile.S")
	}
	cfg := spec.DefaultConfig()
	img, err := image(t, cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := targets.New("ref", cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := vmm.New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	start, err := vm.Audit()
	if err != nil {
		t.Fatal(err)
	}
	a := &auditing{VM: vm, t: t, every: 20000, want: start}
	res, err := diff.Lockstep(fuzz.ArchExit(ref), fuzz.ArchExit(a), diff.Options{Limit: replayLimit, Sequential: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Divergence != nil {
		t.Fatalf("%s", res.Divergence.Text("ref", "vmm", fuzz.Disasm))
	}
	if e := res.ExitB; e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("exit %s after %d records", e, res.Compared)
	}
	a.check()
	st := vm.Stats()
	t.Logf("%d records equal, %d audits; %s", res.Compared, a.n/a.every+1, st)
}

// TestPOPFDefeatsTheVMM is Popek and Goldberg's Theorem 1 at work. On
// the popf variant (spec.VariantPOPF: U-mode accesses to mstatus and
// sstatus do not trap) the VMM's hardware runs the guest's first
// mstatus access (here virtual M's csrs) directly in physical U, on the
// physical hart's state instead of the guest's: the VM diverges from the
// bare popf machine right there. On rv64pg the same program traps at
// every such access, is emulated and agrees.
func TestPOPFDefeatsTheVMM(t *testing.T) {
	src := `
	.globl _start
_start:
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	li t0, (1 << 8) | (1 << 5) | (1 << 1)   # SPP, SPIE, SIE: visible in sstatus
	csrs mstatus, t0
	la t0, 1f
	csrw mepc, t0
	li t0, 1 << 11                          # MPP = S
	csrs mstatus, t0
	mret
1:	csrr a0, sstatus                        # virtual S: a plain read on bare
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
2:	j 2b
`
	obj, err := asm.Assemble("popf.S", []byte(src), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []spec.Variant{spec.VariantRV64PG, spec.VariantPOPF} {
		cfg := spec.DefaultConfig()
		cfg.Variant = v
		img, err := boot.Build(cfg, obj.Program("popf"), nil)
		if err != nil {
			t.Fatal(err)
		}
		res := lockstepRef(t, "vmm", cfg, img, diff.Options{Limit: 10000})
		d := res.Divergence
		switch {
		case v == spec.VariantRV64PG && d != nil:
			t.Errorf("rv64pg: %s", d.Text("ref", "vmm", fuzz.Disasm))
		case v == spec.VariantPOPF && (d == nil || !strings.Contains(fuzz.Disasm(d.A.Insn, d.A.PC), "status")):
			t.Errorf("popf: want a divergence at the first access to mstatus or sstatus, got %+v", d)
		case v == spec.VariantPOPF:
			t.Logf("popf: %s: %s", d.Reason, fuzz.Disasm(d.A.Insn, d.A.PC))
		}
	}
}

// passes reports whether program p passes (the finisher's 0, or HTIF's)
// under the VMM with cfg.
func passes(t *testing.T, cfg spec.Config, p corpus.Program) bool {
	t.Helper()
	img, err := image(t, cfg, p)
	if err != nil {
		return false
	}
	vm, err := vmm.New(cfg, img)
	if err != nil {
		return false
	}
	e := vm.Run(replayLimit)
	return (e.Reason == spec.HaltFinisher || e.Reason == spec.HaltHTIF) && e.Code == 0
}
