package fuzz_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

// refVsVMM is the pair the VMM's fuzz targets compare: bare ref against
// the same program run as a guest of impl/vmm.
func refVsVMM(t testing.TB) fuzz.Pair {
	ref, err := targets.Lookup("ref")
	if err != nil {
		t.Fatal(err)
	}
	vm, err := targets.Lookup("vmm")
	if err != nil {
		t.Fatal(err)
	}
	return fuzz.Pair{NameA: "ref", NameB: "vmm", A: fuzz.Factory(ref), B: fuzz.Factory(vm)}
}

// TestVMMProperty: generated programs (every mode, random Sv39 layouts
// with superpages and aliases, PMP entries over parts of pages, traps,
// interrupts, device probes) behave under the VMM as on bare ref.
func TestVMMProperty(t *testing.T) {
	p := refVsVMM(t)
	cfg := fuzz.Config()
	rapid.Check(t, fuzz.Property(cfg, p, fuzz.Options{}, nil))
}

// FuzzVMMVsRef is TestVMMProperty as a go test -fuzz target, on the
// same body as FuzzEngineVsRef (fuzzPrograms: eight words of input, one
// reset VM per worker, findings saved to corpus/regress).
func FuzzVMMVsRef(f *testing.F) {
	p := refVsVMM(f)
	fuzzPrograms(f, "vcheck-rv64pg-vmm-seed", func(uint64) (spec.Config, fuzz.Pair) { return fuzz.Config(), p })
}

// TestVMMRunMatchesStep: a VM's Run, cut into calls of any size, follows
// the trace of its Step (as TestEngineRunMatchesStep for the engine):
// Run executes the guest directly in budgets that end at virtual timer
// and UART events, Step one instruction at a time, so a virtual interrupt
// taken at another instruction, a miscounted retire or an exit handled
// differently shows here. Compared after every call: exit, retired
// count, every vCPU's State, console output, and at the end guest RAM.
func TestVMMRunMatchesStep(t *testing.T) {
	g := fuzz.Gen(fuzz.Options{})
	rapid.Check(t, func(rt *rapid.T) {
		ts := g.Draw(rt, "test")
		cfg := fuzz.Config()
		cfg.Harts = rapid.SampledFrom([]int{1, 1, 1, 2}).Draw(rt, "harts")
		l, err := ts.Layout()
		if err != nil {
			rt.Fatalf("layout: %v", err)
		}
		img, err := fuzz.BuildImage(cfg, l.Program("generated"))
		if err != nil {
			rt.Fatalf("image: %v", err)
		}
		newVM := func() (*vmm.VM, *bytes.Buffer) {
			vm, err := vmm.New(cfg, img)
			if err != nil {
				rt.Fatalf("vmm.New: %v", err)
			}
			var out bytes.Buffer
			vm.SetConsole(strings.NewReader(""), &out)
			return vm, &out
		}
		var total uint64
		for m, _ := newVM(); total < fuzz.RecordLimit && m.Exit().Reason == spec.Running; total++ {
			m.Step()
		}
		a, aout := newVM()
		b, bout := newVM()
		chunk := rapid.OneOf(rapid.Uint64Range(1, 8), rapid.Uint64Range(9, 80), rapid.Uint64Range(81, 2000))
		var done uint64
		for call := 0; done < total; call++ {
			k := min(chunk.Draw(rt, "chunk"), total-done)
			b.Run(k)
			for range k {
				a.Step()
			}
			done += k
			if d := vmDiff(a, b, aout, bout, cfg, done == total); d != "" {
				rt.Fatalf("Run call %d, Run(%d) from step %d to %d of %d: Step and Run differ: %s\nprogram:\n%s",
					call, k, done-k, done, total, d, l.Source(nil))
			}
		}
	})
}

// vmDiff says what differs between the stepped VM a and the run VM b, or "".
func vmDiff(a, b *vmm.VM, aout, bout *bytes.Buffer, cfg spec.Config, ram bool) string {
	if ea, eb := a.Exit(), b.Exit(); ea != eb {
		return fmt.Sprintf("exit: Step %s, Run %s", ea, eb)
	}
	if ra, rb := a.Retired(), b.Retired(); ra != rb {
		return fmt.Sprintf("retired: Step %d, Run %d", ra, rb)
	}
	for h := range cfg.Harts {
		if d := cmp.Diff(a.State(h), b.State(h)); d != "" {
			return fmt.Sprintf("hart %d State (-Step +Run):\n%s", h, d)
		}
	}
	if !bytes.Equal(aout.Bytes(), bout.Bytes()) {
		return fmt.Sprintf("console: Step %q, Run %q", aout.String(), bout.String())
	}
	if ram {
		ma, mb := make([]byte, cfg.RAM), make([]byte, cfg.RAM)
		if err := a.ReadRAM(spec.RAMBase, ma); err != nil {
			return err.Error()
		}
		if err := b.ReadRAM(spec.RAMBase, mb); err != nil {
			return err.Error()
		}
		for i := range ma {
			if ma[i] != mb[i] {
				return fmt.Sprintf("RAM at %#x: Step %#02x, Run %#02x", spec.RAMBase+uint64(i), ma[i], mb[i])
			}
		}
	}
	return ""
}
