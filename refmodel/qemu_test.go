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
// RV64IMAC, Zicsr, Zifencei, Zicntr, S and U, Sv39, 16 PMP entries, and
// nothing else: debug=false removes the trigger CSRs (Sdtrig). QEMU 7.2
// has no zicbom/zicboz properties, and always has Sv48/Sv57
// (docs/refmodel.md).
const qemuCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false,debug=false"

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
	elf := assemble(t, filepath.Join(corpusDir, "csr_warl.S"))
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
	for i := range ml {
		if ml[i] == ql[i] {
			continue
		}
		key := strings.Join(strings.Fields(ml[i])[:2], " ")
		if want, ok := qemuWarlDepartures[key]; ok && want == ml[i]+" | "+ql[i] {
			continue
		}
		t.Errorf("line %d: model %q, QEMU %q", i+1, ml[i], ql[i])
	}
}
