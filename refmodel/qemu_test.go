package refmodel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
)

// qemuCPU is the -cpu option that makes QEMU 7.2 an rv64pg hart:
// RV64IMAC, Zicsr, Zifencei, Zicntr, S and U, Sv39, 16 PMP entries, the
// trigger module (Sdtrig: QEMU's debug=true, its default), and nothing
// else. QEMU 7.2 has no zicbom/zicboz properties, and always has Sv48/Sv57
// (docs/refmodel.md).
const qemuCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

// qemuRun runs an ELF as QEMU virt's -bios and returns its exit status
// (the finisher's code: 0 for a pass) and the console text.
func qemuRun(t *testing.T, elf string, extra ...string) (int, string) {
	t.Helper()
	return qemuRunFor(t, elf, 10*time.Second, false, extra...)
}

// qemuRunFor is qemuRun with a time limit; when stop is set, reaching
// it is how the run ends (for firmware that never exits).
func qemuRunFor(t *testing.T, elf string, limit time.Duration, stop bool, extra ...string) (int, string) {
	t.Helper()
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	args := append([]string{"-machine", "virt", "-cpu", qemuCPU, "-bios", elf, "-nographic", "-monitor", "none"}, extra...)
	cmd := exec.CommandContext(ctx, qemu, args...)
	cmd.Stdin = nil
	out, err := cmd.Output()
	if ctx.Err() != nil {
		if stop {
			return -1, string(out)
		}
		t.Fatalf("QEMU timed out on %s; output %q", elf, out)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("QEMU: %v", err)
	}
	return 0, string(out)
}

// qemuExpect reads a "qemu-expect: N" line of a corpus source: the exit
// code QEMU 7.2 gives where it departs from the specification (the
// check number that fails on QEMU), documented in docs/refmodel.md.
var qemuExpectRE = regexp.MustCompile(`qemu-expect: (\d+)`)

func qemuExpect(t *testing.T, src string) int {
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if m := qemuExpectRE.FindSubmatch(b); m != nil {
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	return 0
}

// TestCorpusQEMU is the external oracle: every corpus test must end on
// QEMU 7.2 as it ends on the model, a pass, except where the source
// names the check at which QEMU departs from the specification.
func TestCorpusQEMU(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	for _, src := range corpusSources(t) {
		name := strings.TrimSuffix(filepath.Base(src), ".S")
		t.Run(name, func(t *testing.T) {
			elf := assemble(t, src)
			code, out := qemuRun(t, elf, "-smp", strconv.Itoa(corpusConfig(t, src).Harts))
			if want := qemuExpect(t, src); code != want {
				t.Fatalf("QEMU exit code %d, want %d (0 = pass; n = check n failed); console %q", code, want, out)
			}
		})
	}
}

// runModel runs an ELF on the model to its exit and returns the exit and
// the console text.
func runModel(t *testing.T, elf string, limit uint64) (spec.Exit, string) {
	t.Helper()
	m := newMachineFor(t, spec.DefaultConfig(), elf)
	var out bytes.Buffer
	m.SetConsole(nil, &out)
	return m.Run(limit), out.String()
}

// qemuWarlDepartures are the lines of csr_warl's output where QEMU 7.2
// departs from the specification and the model follows the
// specification (docs/refmodel.md, "Where QEMU 7.2 departs from the spec").
var qemuWarlDepartures = map[string]string{
	// Implementation-defined values: QEMU reports its own version.
	"marchid reset": "marchid reset 0000000000000000 | marchid reset 0000000000070216",
	"mimpid reset":  "mimpid reset 0000000000000000 | mimpid reset 0000000000070216",
	// UXL takes the unsupported value 3, and without H the MPV and GVA
	// bits (38, 39) are writable; MPP takes the reserved value 2.
	"sstatus ones": "sstatus ones 80000002000c0722 | sstatus ones 80000003000c0722",
	"sstatus zero": "sstatus zero 0000000200000000 | sstatus zero 0000000300000000",
	"mstatus ones": "mstatus ones 8000000a007e1faa | mstatus ones 800000cb007e1faa",
	"mstatus zero": "mstatus zero 0000000a00000000 | mstatus zero 0000000b00000000",
	"mstatus mpp2": "mstatus mpp2 0000000a00001800 | mstatus mpp2 0000000b00001000",
	// QEMU 7.2's rv64 CPU always has Sv48 and Sv57 (the satp-mode
	// properties came in 8.0): not a spec departure, a profile one.
	"satp sv48": "satp sv48 0000000000000000 | satp sv48 9000000000000000",
	"satp sv57": "satp sv57 0000000000000000 | satp sv57 a000000000000000",
	// The 32-bit counter-enable and -inhibit registers keep 64 bits
	// (mcountinhibit also its TM bit, which is read-only zero).
	"mcountinhibit ones": "mcountinhibit ones 0000000000000005 | mcountinhibit ones ffffffffffffffff",
	"scounteren ones":    "scounteren ones 00000000ffffffff | scounteren ones ffffffffffffffff",
	"mcounteren ones":    "mcounteren ones 00000000ffffffff | mcounteren ones ffffffffffffffff",
	// envcfg: CBIE/CBCFE/CBZE (Zicbom/Zicboz), PBMTE and STCE are
	// writable although those extensions are off.
	"senvcfg ones": "senvcfg ones 0000000000000001 | senvcfg ones 00000000000000f1",
	"menvcfg ones": "menvcfg ones 0000000000000001 | menvcfg ones c0000000000000f1",
	// xepc[0] must read zero.
	"sepc ones": "sepc ones fffffffffffffffe | sepc ones ffffffffffffffff",
	"mepc ones": "mepc ones fffffffffffffffe | mepc ones ffffffffffffffff",
	// Delegation and interrupt bits of the absent H extension (VS*,
	// SGEI, guest page faults, ecall from VS/M) and of LCOFI are writable.
	"medeleg ones": "medeleg ones 000000000000b3ff | medeleg ones 0000000000f0bfff",
	"mideleg ones": "mideleg ones 0000000000000222 | mideleg ones 0000000000002666",
	"sie ones":     "sie ones 0000000000000222 | sie ones 0000000000002222",
	"sip ones":     "sip ones 0000000000000002 | sip ones 0000000000002002",
	"mie ones":     "mie ones 0000000000000aaa | mie ones 0000000000002eee",
	"mip ones":     "mip ones 00000000000002a2 | mip ones 00000000000026e6",
	// pmpaddr keeps bits 63:54 (RV64 holds address bits 55:2 only);
	// pmpcfg keeps the reserved R=0,W=1 and the reserved bits 6:5.
	"pmpaddr0 ones":  "pmpaddr0 ones 003fffffffffffff | pmpaddr0 ones ffffffffffffffff",
	"pmpaddr2 ones":  "pmpaddr2 ones 003fffffffffffff | pmpaddr2 ones ffffffffffffffff",
	"pmpaddr7 ones":  "pmpaddr7 ones 003fffffffffffff | pmpaddr7 ones ffffffffffffffff",
	"pmpaddr15 ones": "pmpaddr15 ones 003fffffffffffff | pmpaddr15 ones ffffffffffffffff",
	"pmpcfg0 rw01":   "pmpcfg0 rw01 0000000000000000 | pmpcfg0 rw01 0202020202020202",
	"pmpcfg0 x":      "pmpcfg0 x 0404040404040404 | pmpcfg0 x 6464646464646464",
	"pmpcfg2 ones":   "pmpcfg2 ones 9f9f9f9f9f9f9f9f | pmpcfg2 ones ffffffffffffffff",
	"pmpcfg2 zero":   "pmpcfg2 zero 9f9f9f9f9f9f9f9f | pmpcfg2 zero ffffffffffffffff",
}

// TestCSRWarlQEMU compares, line by line, what corpus/ref/csr_warl.S
// prints on the model and on QEMU 7.2: the reset value of every CSR and
// what it reads back after writes of all ones and zero.
func TestCSRWarlQEMU(t *testing.T) {
	compareProbeQEMU(t, "csr_warl.S", qemuWarlDepartures, 2)
}

// qemuTriggerDepartures are the lines of trigger_probe's output where
// QEMU 7.2 departs from the Sdtrig specification (RISC-V Debug spec 1.0
// ch. 5) and the model follows the specification (docs/refmodel.md).
// Each is "model | QEMU"; a cause of ffffffffffffffff means no trap.
var qemuTriggerDepartures = map[string]string{
	// "Writing 0 to this register must result in a trigger that is
	// disabled" (tdata1): QEMU ignores a write of type 0.
	"write0":       "write0 2000000000000000 | write0 2000000000000041",
	"write0-fires": "write0-fires ffffffffffffffff | write0-fires 0000000000000003",
	// mcontrol6.vs/vu are "hard-wired to 0 if the hart does not support
	// virtualization mode": QEMU keeps them.
	"t6-vs-vu": "t6-vs-vu 6000000000000041 | t6-vs-vu 6000000001800041",
	// Not a departure: a size on an execute trigger is dropped by the
	// model (tdata1 is WARL) and kept, but ignored, by QEMU.
	"t2-exec-size": "t2-exec-size 2000000000000044 | t2-exec-size 2000000000030044",
	// select=0 compares the accessed addresses with tdata2: QEMU matches
	// any access within [tdata2, tdata2+8) (a watchpoint of 8 bytes) and
	// a misaligned store anywhere in the page below tdata2.
	"lb-D+3":     "lb-D+3 ffffffffffffffff | lb-D+3 0000000000000003",
	"lb-D+7":     "lb-D+7 ffffffffffffffff | lb-D+7 0000000000000003",
	"sb-D+5":     "sb-D+5 ffffffffffffffff | sb-D+5 0000000000000003",
	"sw-D+0x101": "sw-D+0x101 ffffffffffffffff | sw-D+0x101 0000000000000003",
	// A sized trigger "will only match against" accesses of its size:
	// QEMU makes the size encoding (1, 2, 3 or 5) a watchpoint length,
	// and checks a misaligned load as the two aligned loads around it.
	"size1-lw-D":   "size1-lw-D ffffffffffffffff | size1-lw-D 0000000000000003",
	"size1-lw-D+1": "size1-lw-D+1 ffffffffffffffff | size1-lw-D+1 0000000000000003",
	"size1-lw-D-3": "size1-lw-D-3 ffffffffffffffff | size1-lw-D-3 0000000000000003",
	"size4-lb-D":   "size4-lb-D ffffffffffffffff | size4-lb-D 0000000000000003",
	"size4-lb-D+2": "size4-lb-D+2 ffffffffffffffff | size4-lb-D+2 0000000000000003",
	// "Successful sc instructions are stores" (§5.5.1): QEMU's SC is a
	// compare-and-swap, which its watchpoints see as a load too.
	"load-trigger-sc": "load-trigger-sc ffffffffffffffff | load-trigger-sc 0000000000000003",
	// A load/store/AMO address breakpoint comes before an address-
	// misaligned exception (the priority table, §5.3): QEMU raises
	// load-address-misaligned (itself a departure for the AMO, cause 6).
	"load-trigger-lr-D-2":  "load-trigger-lr-D-2 0000000000000003 | load-trigger-lr-D-2 0000000000000004",
	"load-trigger-amo-D-1": "load-trigger-amo-D-1 0000000000000003 | load-trigger-amo-D-1 0000000000000004",
}

// TestTriggerProbeQEMU compares, line by line, what
// corpus/ref/trigger_probe.S prints on the model and on QEMU 7.2: the
// trigger cases where QEMU departs from the spec, and the cases around
// them where both agree.
func TestTriggerProbeQEMU(t *testing.T) {
	compareProbeQEMU(t, "trigger_probe.S", qemuTriggerDepartures, 1)
}

// compareProbeQEMU runs a corpus program that prints one case per line
// on the model and on QEMU 7.2, and requires the lines to be equal except
// the departures: a line that differs must have its first keyFields
// fields as a key of departures, and read "model line | QEMU line" as the
// map says. A departure that no longer shows is an error too, so the list
// stays true.
func compareProbeQEMU(t *testing.T, file string, departures map[string]string, keyFields int) {
	elf := assemble(t, filepath.Join(corpusDir, file))
	e, model := runModel(t, elf, 1_000_000)
	if e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("model: %+v", e)
	}
	code, qemu := qemuRun(t, elf)
	if code != 0 {
		t.Fatalf("QEMU exit code %d; console %q", code, qemu)
	}
	ml, ql := strings.Split(model, "\n"), strings.Split(strings.ReplaceAll(qemu, "\r", ""), "\n")
	if len(ml) != len(ql) {
		t.Fatalf("model printed %d lines, QEMU %d:\nmodel:\n%s\nqemu:\n%s", len(ml), len(ql), model, qemu)
	}
	seen := map[string]bool{}
	for i := range ml {
		if ml[i] == ql[i] {
			continue
		}
		f := strings.Fields(ml[i])
		key := strings.Join(f[:min(keyFields, len(f))], " ")
		if want, ok := departures[key]; ok && want == ml[i]+" | "+ql[i] {
			seen[key] = true
			continue
		}
		t.Errorf("line %d: model %q, QEMU %q", i+1, ml[i], ql[i])
	}
	for key := range departures {
		if !seen[key] {
			t.Errorf("departure %q no longer shows: drop it from the list", key)
		}
	}
}
