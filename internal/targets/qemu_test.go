package targets

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// consoled is a model with a UART console.
type consoled interface {
	SetConsole(in io.Reader, out io.Writer)
}

// qemuSkip are the corpus programs the QEMU lockstep leaves out, and why:
// each differs from QEMU by a choice the specification leaves open, not
// in a way the departure list can name at one record.
var qemuSkip = map[string]string{
	"ref/irq.S":           "timer interrupts at times QEMU's virtual clock sets: its mtime starts at the host time QEMU spent before the first step (docs/external.md)",
	"ref/pte_no_sfence.S": "a PTE changed without SFENCE.VMA: QEMU's TLB keeps the old translation, the reference model walks every access; the specification allows both (Priv. 1.12 §4.2.1)",
}

// compareQEMU runs img on the reference model and on QEMU in lockstep,
// with the documented departures, and requires no other divergence and
// the same exit; listing, when set, is printed with a failure.
func compareQEMU(t *testing.T, cfg spec.Config, img *boot.Image, limit uint64, listing ...string) Comparison {
	t.Helper()
	if len(listing) > 0 {
		defer func() {
			if t.Failed() {
				t.Logf("the program:\n%s", listing[0])
			}
		}()
	}
	a, err := New("ref", cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	q, err := gdb.StartQEMU(gdb.QEMUOptions{Config: cfg, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	res, err := Compare(a, q, CompareOptions{Options: diff.Options{Limit: limit}, Departures: QEMUDepartures})
	if err != nil {
		t.Fatalf("%v\nQEMU: %s", err, q.Stderr())
	}
	if res.Divergence != nil {
		t.Fatalf("%s%s", res.Divergence.Text("ref", "qemu", nil), res.Summary())
	}
	if res.StoppedAt != nil {
		t.Fatalf("stopped at %s: %v", res.StoppedAt.Name, res.SyncError)
	}
	if res.ExitA.Reason == spec.Running || res.ExitA.Reason != res.ExitB.Reason || res.ExitA.Code != res.ExitB.Code {
		t.Fatalf("exits: ref %v, qemu %v", res.ExitA, res.ExitB)
	}
	return res
}

// TestQEMUCorpus: every corpus program runs on QEMU 7.2 (through its
// gdbstub, single-stepped) and the reference model with no divergence
// but the documented departures of QEMU (gdb.QEMUDepartures), each
// listed with its specification citation in docs/external.md.
func TestQEMUCorpus(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	for _, p := range corpus.Programs("ref", "seed") {
		if !p.Runnable() {
			continue
		}
		if why, skip := qemuSkip[p.Path]; skip {
			t.Logf("%s is not compared: %s", p.Path, why)
			continue
		}
		if p.Path == "ref/smp.S" && !testtool.Long {
			t.Logf("%s: 16 000 single steps on two harts (about 12 s), with -tags long", p.Path)
			continue
		}
		t.Run(p.Path, func(t *testing.T) {
			cfg := spec.DefaultConfig()
			cfg.Harts = p.Harts()
			img, err := p.Image(cfg)
			if err != nil {
				t.Fatal(err)
			}
			res := compareQEMU(t, cfg, img, 100000)
			t.Logf("%d records; %s", res.Compared, res.Summary())
		})
	}
}

// TestQEMURandomPrograms runs programs from vcheck's generator (the same
// as vcheck fuzz) on QEMU and the reference model. The programs are the
// generator's examples 0 to n-1, so every run checks the same ones: a
// failure here is reproducible, never the luck of a seed.
func TestQEMURandomPrograms(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	n := 40
	if testtool.Long {
		n = 400
	}
	cfg := fuzz.Config()
	departures := map[string]int{}
	records := uint64(0)
	// NoTimer: QEMU's clock is icount's, whose phase differs from run to
	// run (docs/external.md): no Item arms the timer ahead.
	gen := fuzz.Gen(fuzz.Options{NoTimer: true})
	for i := 0; i < n && !t.Failed(); i++ {
		ts := gen.Example(i)
		l, err := ts.Layout()
		if err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		img, err := fuzz.BuildImage(cfg, l.Program("generated"))
		if err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		res := compareQEMU(t, cfg, img, fuzz.RecordLimit, l.Source(nil))
		records += res.Compared
		for _, d := range res.Departures {
			departures[d.Name] += d.Count
		}
	}
	t.Logf("%d programs, %d records; departures %v", n, records, departures)
}

// TestQEMUFirmwareBanner boots Debian's OpenSBI (fw_jump) on QEMU and the
// reference model to the banner: FastCompare stops QEMU at every CSR
// access, AMO, trap and device access (about a thousand) and compares
// those records and the registers, the whole state every 64, with the
// documented departures; the consoles must print the same banner.
func TestQEMUFirmwareBanner(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	path := testtool.File(t, "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf")
	cfg := spec.DefaultConfig()
	fw, err := load.File(path, spec.RAMBase)
	if err != nil {
		t.Fatal(err)
	}
	img, err := boot.Build(cfg, fw, nil)
	if err != nil {
		t.Fatal(err)
	}
	// How far the banner is: the reference model alone, to its first line.
	probe, err := New("ref", cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	var refOut bytes.Buffer
	probe.(consoled).SetConsole(nil, &refOut)
	steps := uint64(0)
	for ; steps < 20_000_000 && !strings.Contains(refOut.String(), "Boot HART MEDELEG"); steps++ {
		probe.Step()
	}
	if !strings.Contains(refOut.String(), "OpenSBI v") {
		t.Fatalf("no banner from the reference model in %d steps", steps)
	}
	a, _ := New("ref", cfg, img)
	var aOut, qOut bytes.Buffer
	a.(consoled).SetConsole(nil, &aOut)
	q, err := gdb.StartQEMU(gdb.QEMUOptions{Config: cfg, Image: img, Console: &qOut})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	start := time.Now()
	res, err := FastCompare(a, q, FastOptions{CompareOptions: CompareOptions{Options: diff.Options{Limit: steps}, Departures: QEMUDepartures}, Skip: gdb.QEMUStateSkip})
	if err != nil {
		t.Fatalf("%v\nQEMU: %s", err, q.Stderr())
	}
	if res.Divergence != nil {
		t.Fatalf("%s", res.Divergence.Text("ref", "qemu", nil))
	}
	if res.StateDiff != "" {
		t.Fatalf("state differs after record %d:\n%s", res.CheckpointIndex, res.StateDiff)
	}
	if res.StoppedAt != nil {
		t.Fatalf("stopped at %s: %v", res.StoppedAt.Name, res.SyncError)
	}
	// QEMU's UART output arrives through a pipe: give it a moment.
	for i := 0; i < 100 && !strings.Contains(qOut.String(), "Boot HART MEDELEG"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	banner := aOut.String()
	if !strings.Contains(qOut.String(), banner) {
		t.Errorf("consoles differ:\nref:  %q\nqemu: %q", banner, qOut.String())
	}
	t.Logf("%d records to the banner in %s: %d checkpoints, %d whole-state comparisons\n%s", res.Compared, time.Since(start), res.Checkpoints, res.States, res.Summary())
}

// TestQEMUFirmwareLockstep single-steps the first records of the same
// boot, every record compared (-tags long: 200 000, about two minutes).
func TestQEMUFirmwareLockstep(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	path := testtool.File(t, "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf")
	cfg := spec.DefaultConfig()
	fw, err := load.File(path, spec.RAMBase)
	if err != nil {
		t.Fatal(err)
	}
	img, err := boot.Build(cfg, fw, nil)
	if err != nil {
		t.Fatal(err)
	}
	limit := uint64(10_000)
	if testtool.Long {
		limit = 200_000
	}
	a, _ := New("ref", cfg, img)
	q, err := gdb.StartQEMU(gdb.QEMUOptions{Config: cfg, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	start := time.Now()
	res, err := Compare(a, q, CompareOptions{Options: diff.Options{Limit: limit}, Departures: QEMUDepartures})
	if err != nil {
		t.Fatal(err)
	}
	if res.Divergence != nil {
		t.Fatalf("%s", res.Divergence.Text("ref", "qemu", nil))
	}
	if res.Compared != limit {
		t.Fatalf("compared %d records of %d", res.Compared, limit)
	}
	t.Logf("%d records in %s", res.Compared, time.Since(start))
}

// TestQEMUDepartureFindings replays the programs `vcheck fuzz --target
// qemu` and TestQEMURandomPrograms found where QEMU departs
// (testdata/qemu/NAME.S, each named after its departure): each must end equal, past the departure it is named
// after.
func TestQEMUDepartureFindings(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	files, err := filepath.Glob(filepath.Join("testdata", "qemu", "*.S"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no programs in testdata/qemu: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".S")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := asm.Assemble(f, src, asm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := spec.DefaultConfig()
			img, err := boot.Build(cfg, obj.Program(name), nil)
			if err != nil {
				t.Fatal(err)
			}
			res := compareQEMU(t, cfg, img, 100000)
			for _, d := range res.Departures {
				if d.Name == name {
					return
				}
			}
			t.Errorf("the departure %s did not show: %s", name, res.Summary())
		})
	}
}

// TestQEMUSetStateReadBack: a state the stub accepts and does not keep is
// an error, never a silent difference. QEMU 7.2 ignores any write to a
// locked PMP entry (the debugger's too), so setting pmpcfg0 of a locked
// entry must fail and name it (docs/external.md).
func TestQEMUSetStateReadBack(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	src := []byte(`	.option norvc
	.globl _start
_start:
	li t0, 0x8c00     /* entry 1: L, TOR, X */
	csrw pmpcfg0, t0
	nop
locked:
	j locked
`)
	obj, err := asm.Assemble("readback.S", src, asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := spec.DefaultConfig()
	img, err := boot.Build(cfg, obj.Program("readback"), nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := gdb.StartQEMU(gdb.QEMUOptions{Config: cfg, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for i := 0; ; i++ {
		if i == 100 {
			t.Fatal("the program did not reach the loop in 100 steps")
		}
		if r := q.Step(); r.Insn == 0x0000006f {
			break // the loop: pmpcfg0 is locked (the nop settled it)
		}
	}
	st := q.State(0)
	if st.CSRs[spec.CSRPmpcfg0] != 0x8c00 {
		t.Fatalf("pmpcfg0 = %#x, want 0x8c00", st.CSRs[spec.CSRPmpcfg0])
	}
	st.CSRs[spec.CSRPmpcfg0] = 0x8800
	err = q.SetState(st)
	if err == nil || !strings.Contains(err.Error(), "pmpcfg0 (wrote 0x8800, reads 0x8c00)") {
		t.Fatalf("SetState of a locked pmpcfg0: %v, want an error naming it", err)
	}
}
