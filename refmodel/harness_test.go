package refmodel

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// corpusDir is corpus/ref, relative to this package.
const corpusDir = "../corpus/ref"

// assemble builds one corpus test into an ELF in a temporary directory.
func assemble(t testing.TB, src string) string {
	t.Helper()
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(src), ".S")+".elf")
	cmd := exec.Command(gcc, "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-nostdlib",
		"-T", filepath.Join(corpusDir, "link.ld"), "-I", corpusDir, "-o", out, src)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("assembling %s: %v\n%s", src, err, b)
	}
	return out
}

// imageOf builds the reset image for prog with spec/boot, or, while
// boot.Build is not available, by hand: the program's segments and a
// start at its entry point.
func imageOf(t testing.TB, cfg spec.Config, prog *load.Program) *boot.Image {
	t.Helper()
	img, err := boot.Build(cfg, prog, nil)
	if err == nil {
		return img
	}
	if !strings.Contains(err.Error(), "not written yet") {
		t.Fatalf("boot.Build: %v", err)
	}
	img = &boot.Image{Segments: prog.Segments, ResetPC: prog.Entry, Entry: prog.Entry}
	img.ToHost, _ = prog.Symbol("tohost")
	img.FromHost, _ = prog.Symbol("fromhost")
	return img
}

// newMachineFor loads an ELF file into a fresh machine.
func newMachineFor(t testing.TB, cfg spec.Config, elfPath string) *Machine {
	t.Helper()
	prog, err := load.ELF(elfPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, imageOf(t, cfg, prog))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var errNoSources = errors.New("no corpus sources")

func corpusSources(t testing.TB) []string {
	srcs, _ := filepath.Glob(filepath.Join(corpusDir, "*.S"))
	if len(srcs) == 0 {
		t.Fatal(errNoSources)
	}
	return srcs
}
