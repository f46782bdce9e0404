package refmodel

import (
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
)

// qemuCPU is the -cpu option that makes QEMU 7.2 an rv64pg hart:
// RV64IMAC, Zicsr, Zifencei, Zicntr, S and U, Sv39, 16 PMP entries, and
// nothing else. (zicbom/zicboz are not properties of QEMU 7.2's rv64 CPU.)
const qemuCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

// qemuRun runs an ELF as QEMU virt's -bios and returns its exit status
// (the finisher's code: 0 for a pass) and the console text.
func qemuRun(t *testing.T, elf string, extra ...string) (int, string) {
	t.Helper()
	qemu := needTool(t, "qemu-system-riscv64")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := append([]string{"-machine", "virt", "-cpu", qemuCPU, "-bios", elf, "-nographic", "-monitor", "none"}, extra...)
	cmd := exec.CommandContext(ctx, qemu, args...)
	out, err := cmd.Output()
	if ctx.Err() != nil {
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
	needTool(t, "qemu-system-riscv64")
	for _, src := range corpusSources(t) {
		name := strings.TrimSuffix(filepath.Base(src), ".S")
		t.Run(name, func(t *testing.T) {
			elf := assemble(t, src)
			code, out := qemuRun(t, elf)
			if want := qemuExpect(t, src); code != want {
				t.Fatalf("QEMU exit code %d, want %d (0 = pass; n = check n failed); console %q", code, want, out)
			}
		})
	}
}
