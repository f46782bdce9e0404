package engine

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
)

const qemu = "qemu-system-riscv64"

// qemuCPU is rv64pg on QEMU 7.2: every extension it has that rv64pg lacks is off.
const qemuCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

// runQEMU runs a bare-metal ELF as QEMU's -bios and returns its console
// output; the program ends through the finisher.
func runQEMU(t testing.TB, elf string) string {
	t.Helper()
	testtool.Tool(t, qemu)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-machine", "virt", "-cpu", qemuCPU, "-bios", elf,
		"-nographic", "-monitor", "none", "-serial", "stdio", "-smp", "1", "-m", "128M")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil && ctx.Err() != nil {
		t.Fatalf("qemu timed out; output so far:\n%s", out.String())
	}
	return out.String()
}

// qemuExit runs a bare-metal ELF on QEMU and returns its exit status (the
// finisher's: 0 for a pass) and output.
func qemuExit(t testing.TB, elf string) (int, string) {
	t.Helper()
	testtool.Tool(t, qemu)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-machine", "virt", "-cpu", qemuCPU, "-bios", elf,
		"-nographic", "-monitor", "none", "-serial", "stdio", "-smp", "1", "-m", "128M")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("qemu timed out; output:\n%s", out)
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("qemu: %v", err)
	}
	return 0, string(out)
}

// TestProbeAgainstQEMU runs testdata/probe.S on the engine and on QEMU and
// compares what both print, line by line.
func TestProbeAgainstQEMU(t *testing.T) {
	comparePrograms(t, "probe.S", probeDepartures)
}

// TestMMIOProbeAgainstQEMU: loads and stores of every width to every
// device (testdata/probe_mmio.S) fault or complete as on QEMU.
func TestMMIOProbeAgainstQEMU(t *testing.T) {
	comparePrograms(t, "probe_mmio.S", nil)
}

func comparePrograms(t *testing.T, file string, departures map[string]string) {
	testtool.Tool(t, qemu)
	src, err := readFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	elf := assemble(t, src)
	m := bootELF(t, testConfig(), elf)
	var out bytes.Buffer
	m.SetConsole(strings.NewReader(""), &out)
	e := m.Run(1_000_000)
	if e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("engine exit %+v pc=%#x; output:\n%s", e, m.Harts[0].pc, out.String())
	}
	want := strings.Split(strings.TrimSpace(runQEMU(t, elf)), "\n")
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = strings.TrimSpace(want[i])
		}
		if i < len(got) {
			g = strings.TrimSpace(got[i])
		}
		if id, _, _ := strings.Cut(w, ":"); departures[id] != "" {
			continue
		}
		if w != g {
			t.Errorf("line %d:\nqemu   %q\nengine %q", i+1, w, g)
		}
	}
}

// probeDepartures are the probes of probe.S where QEMU 7.2 departs from
// the spec or from the rv64pg tables, which the engine follows instead.
var probeDepartures = map[string]string{
	"05": "misaligned AMO: QEMU reports load-misaligned (4); the spec and the shared convention say 6",
	"07": "misaligned SC without a reservation: QEMU fails it without trapping; the convention says 6",
	"20": "medeleg: QEMU also lets M-ecall and the H-extension causes be delegated",
	"21": "mideleg: QEMU also has the VS and LCOFI bits",
	"22": "mie: QEMU also has the VS, SGEI and LCOFI bits",
	"23": "sie: QEMU also has LCOFI",
	"24": "mcounteren: QEMU keeps 64 bits; the table has 32",
	"25": "scounteren: as 24",
	"27": "mepc: QEMU 7.2 keeps bit 0; the spec (IALIGN=16) and the table read it as zero",
	"28": "sepc: as 27",
	"46": "mcountinhibit: QEMU keeps every bit; the table has CY and IR",
	"30": "menvcfg: QEMU implements CBIE/CBCFE/CBZE, PBMTE, STCE; the table has FIOM only",
	"31": "senvcfg: QEMU implements CBIE/CBCFE/CBZE; the table has FIOM only",
	"35": "satp: QEMU 7.2 always accepts Sv48 (mode 9); rv64pg is Sv39 only",
	"39": "mstatus.MPP=2: QEMU 7.2 stores the reserved value; the table keeps the old MPP",
	"40": "follows from 39",
	"41": "pmpcfg R=0,W=1: QEMU 7.2 keeps it; the table clears W",
	"42": "pmpaddr: QEMU 7.2 keeps all 64 bits; the table keeps bits 53:0",
	"43": "sstatus: QEMU has VS writable (and SD with it) even with v=false",
	"44": "mstatus: as 43",
	"45": "mip: QEMU also has VS and LCOFI bits",
	"49": "marchid: QEMU reports its version",
	"50": "mimpid: QEMU reports its version",
	"51": "mhpmcounter3: with pmu-num=0 QEMU makes it illegal; the table has it read-only zero",
	"52": "mhpmevent3: as 51",
	"60": "mret to U with no PMP entry: QEMU 7.2 raises illegal instruction on the mret; the spec makes the U fetch fail (access fault)",
}

// TestFailedSCChecksPermission runs testdata/sc_noreservation.S: on the
// engine the failing SC faults as the spec requires (exit 26); QEMU 7.2
// departs from the spec and fails it quietly (exit 11), which the test
// pins so that a QEMU that changes is noticed (docs/refmodel.md lists the
// departure).
func TestFailedSCChecksPermission(t *testing.T) {
	src, err := readFile(filepath.Join("testdata", "sc_noreservation.S"))
	if err != nil {
		t.Fatal(err)
	}
	elf := assemble(t, src)
	m := bootELF(t, testConfig(), elf)
	e := m.Run(100000)
	if e.Reason != spec.HaltFinisher || e.Code != 26 {
		t.Fatalf("engine exit %+v, want code 26 (the SC faulted)", e)
	}
	if code, out := qemuExit(t, elf); code != 11 {
		t.Fatalf("qemu exit %d %s, want 11 (QEMU 7.2 fails the SC without a fault)", code, out)
	}
}
