package engine

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

const gcc = "riscv64-unknown-elf-gcc"

// testLinker places .text at RAM and the HTIF mailbox on its own page.
const testLinker = `
OUTPUT_ARCH(riscv)
ENTRY(_start)
SECTIONS {
  . = 0x80000000;
  .text : { *(.text.init) *(.text*) }
  . = ALIGN(4096);
  .tohost : { *(.tohost) }
  . = ALIGN(4096);
  .data : { *(.data*) *(.rodata*) *(.sdata*) *(.bss*) *(.sbss*) }
  _end = .;
}
`

// assemble builds an ELF from assembly source with the GNU toolchain.
func assemble(t testing.TB, src string) string {
	t.Helper()
	testtool.Tool(t, gcc)
	dir := t.TempDir()
	s := filepath.Join(dir, "prog.S")
	ld := filepath.Join(dir, "link.ld")
	out := filepath.Join(dir, "prog.elf")
	if err := os.WriteFile(s, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ld, []byte(testLinker), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gcc, "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-nostdlib", "-nostartfiles",
		"-T", ld, "-o", out, s)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("assemble: %v\n%s", err, b)
	}
	return out
}

// bootELF builds a machine for an ELF the way `vcheck run` does.
func bootELF(t testing.TB, cfg spec.Config, path string) *Machine {
	t.Helper()
	p, err := load.ELF(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := boot.Build(cfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testConfig() spec.Config {
	c := spec.DefaultConfig()
	c.RAM = 16 << 20
	return c
}

// runAsm assembles src, runs it to its exit, and returns the machine and
// the console output.
//
// When the program passes on the engine (finisher, code 0) it must pass on
// qemu-system-riscv64 too: every such test is also a differential test.
func runAsm(t testing.TB, src string, limit uint64) (*Machine, string) {
	t.Helper()
	elf := assemble(t, src)
	m := bootELF(t, testConfig(), elf)
	var out bytes.Buffer
	m.SetConsole(strings.NewReader(""), &out)
	m.Run(limit)
	if e := m.Exit(); e.Reason == spec.HaltFinisher && e.Code == 0 {
		if code, out := qemuExit(t, elf); code != 0 {
			t.Errorf("passes on the engine but QEMU exits with %d:\n%s", code, out)
		}
	}
	return m, out.String()
}

// prelude is shared by the assembly tests: the HTIF mailbox, and macros
// to pass (exit 0 through the finisher) and fail with a code.
const prelude = `
.section .tohost, "aw"
.globl tohost
.globl fromhost
.align 3
tohost: .dword 0
fromhost: .dword 0
.text
.section .text.init
.globl _start
#define FINISHER 0x100000
#define PASS li t6, FINISHER; li t5, 0x5555; sw t5, 0(t6); 1: j 1b
#define FAIL(code) li t6, FINISHER; li t5, (code<<16)|0x3333; sw t5, 0(t6); 1: j 1b
#define CHECK(reg, val, code) li t4, val; bne reg, t4, fail_##code
`

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

type stringWriter = bytes.Buffer

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }
