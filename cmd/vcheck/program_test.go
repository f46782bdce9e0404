package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
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

// hiSource prints "hi" on the UART and passes through the finisher, with
// nothing but the default linker script around it.
const hiSource = `
	.globl _start
_start:
	li t0, 0x10000000
	li t1, 'h'
	sb t1, 0(t0)
	li t1, 'i'
	sb t1, 0(t0)
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b
	.globl second
second:
	j _start
`

// gccELF builds src with riscv64-unknown-elf-gcc and the given link
// flags, as a user would: `gcc -nostdlib -Ttext=0x80000000 hi.S`.
func gccELF(t *testing.T, src string, flags ...string) string {
	t.Helper()
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	dir := t.TempDir()
	s := filepath.Join(dir, "prog.S")
	if err := os.WriteFile(s, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "prog.elf")
	args := append([]string{"-nostdlib"}, flags...)
	if b, err := exec.Command(gcc, append(args, "-o", out, s)...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", flags, err, b)
	}
	return out
}

// qemuUART runs QEMU 7.2's virt with bios (and kernel) and returns what
// the guest wrote to the UART before the finisher stopped it.
func qemuUART(t *testing.T, bios, kernel string) string {
	t.Helper()
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := []string{"-machine", "virt", "-cpu", benchQEMUCPU, "-m", "128M", "-bios", bios,
		"-display", "none", "-nodefaults", "-monitor", "none", "-serial", "stdio"}
	if kernel != "" {
		args = append(args, "-kernel", kernel)
	}
	out, err := exec.CommandContext(ctx, qemu, args...).Output()
	if err != nil {
		t.Fatalf("qemu %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var xpWords = regexp.MustCompile(`(?m)^([0-9a-f]{16}):((?: 0x[0-9a-f]{8})+)\s*$`)

// qemuWords reads n words of QEMU's physical memory at addr after the
// machine is set up and before it runs (-S, the monitor's xp).
func qemuWords(t *testing.T, bios, kernel string, addr uint64, n int) []uint32 {
	t.Helper()
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := []string{"-machine", "virt", "-cpu", benchQEMUCPU, "-m", "128M", "-bios", bios, "-S",
		"-display", "none", "-nodefaults", "-serial", "none", "-monitor", "stdio"}
	if kernel != "" {
		args = append(args, "-kernel", kernel)
	}
	cmd := exec.CommandContext(ctx, qemu, args...)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("xp /%dwx %#x\nquit\n", n, addr))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("qemu %v: %v\n%s", args, err, out)
	}
	var words []uint32
	for _, m := range xpWords.FindAllStringSubmatch(string(out), -1) {
		for _, f := range strings.Fields(m[2]) {
			w, _ := strconv.ParseUint(f, 0, 32)
			words = append(words, uint32(w))
		}
	}
	if len(words) != n {
		t.Fatalf("read %d words of QEMU's memory, want %d; monitor said:\n%s", len(words), n, out)
	}
	return words
}

// ourWords reads n words at addr of the reset image vcheck builds for
// bios and kernel, zeros where nothing is loaded.
func ourWords(t *testing.T, bios, kernel string, addr uint64, n int) (words []uint32, warnings string) {
	t.Helper()
	var errb bytes.Buffer
	e := &env{cmd: commands["run"], ctx: context.Background(), stdout: &bytes.Buffer{}, stderr: &errb}
	img, err := loadImage(e, spec.DefaultConfig(), bios, kernel)
	if err != nil {
		t.Fatal(err)
	}
	mem := make([]byte, 4*n)
	for _, s := range img.Segments {
		for i, b := range s.Data {
			if a := s.Addr + uint64(i); a >= addr && a < addr+uint64(len(mem)) {
				mem[a-addr] = b
			}
		}
	}
	for i := 0; i < n; i++ {
		words = append(words, binary.LittleEndian.Uint32(mem[4*i:]))
	}
	return words, errb.String()
}

// TestGCCDefaultLinkLoadsAsOnQEMU: the standard link line puts the ELF
// headers in the first PT_LOAD, a page below RAM. QEMU 7.2 runs the file
// (and leaves that page out); so does vcheck, on every model, saying what
// it left out, and RAM holds what QEMU's does.
func TestGCCDefaultLinkLoadsAsOnQEMU(t *testing.T) {
	elf := gccELF(t, hiSource, "-Ttext=0x80000000")
	if got := qemuUART(t, elf, ""); got != "hi" {
		t.Fatalf("QEMU printed %q: the test program is wrong", got)
	}
	for _, model := range []string{"ref", "engine"} {
		code, out, errs := runCLI("run", "--model", model, elf)
		if code != exitOK || out != "hi" {
			t.Errorf("%s: exit %d, UART %q\n%s", model, code, out, errs)
		}
		for _, want := range []string{"warning", "[0x7ffff000, 0x80000000)", "segment 0", "below RAM", "ELF headers"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", model, want, errs)
			}
		}
	}
	theirs := qemuWords(t, elf, "", spec.RAMBase, 16)
	ours, _ := ourWords(t, elf, "", spec.RAMBase, 16)
	if fmt.Sprint(theirs) != fmt.Sprint(ours) {
		t.Errorf("RAM at 0x80000000:\nQEMU   %#x\nvcheck %#x", theirs, ours)
	}
}

// TestEntryIsNotWhereExecutionStarts: QEMU's -bios starts at 0x80000000
// whatever the entry point; vcheck does the same, and says so.
func TestEntryIsNotWhereExecutionStarts(t *testing.T) {
	elf := gccELF(t, hiSource, "-Ttext=0x80000000", "-Wl,--entry=second")
	rom := qemuWords(t, elf, "", spec.BootROMBase+0x18, 2) // the reset vector's start address
	if start := uint64(rom[0]) | uint64(rom[1])<<32; start != spec.RAMBase {
		t.Fatalf("QEMU starts the -bios at %#x", start)
	}
	code, out, errs := runCLI("run", elf)
	if code != exitOK || out != "hi" || qemuUART(t, elf, "") != "hi" {
		t.Errorf("exit %d, UART %q\n%s", code, out, errs)
	}
	if !regexp.MustCompile(`warning: .*entry point 0x800000[0-9a-f]{2} is not where execution starts: the boot ROM jumps to 0x80000000`).MatchString(errs) {
		t.Errorf("no warning about the entry point:\n%s", errs)
	}
	// An entry at 0x80000000 draws no warning.
	_, _, errs = runCLI("run", gccELF(t, hiSource, "-Ttext=0x80000000"))
	if strings.Contains(errs, "entry point") {
		t.Errorf("a warning for an entry at 0x80000000:\n%s", errs)
	}
}

// TestKernelELFStartsAtItsLowestAddress: QEMU 7.2 tells the firmware to
// jump to a -kernel ELF's lowest load address (fw_dynamic_info.next_addr),
// not its entry point; vcheck's boot ROM says the same, with a warning.
func TestKernelELFStartsAtItsLowestAddress(t *testing.T) {
	fw := gccELF(t, "\t.globl _start\n_start:\n\tjr a2\n", "-Ttext=0x80000000")
	kernel := gccELF(t, "\t.globl _start\n\t.dword 0\n_start:\n1:\tj 1b\n", "-Ttext=0x80200000")
	const nextAddr = 0x1038 // fw_dynamic_info.next_addr
	theirs := qemuWords(t, fw, kernel, nextAddr, 2)
	ours, warnings := ourWords(t, fw, kernel, nextAddr, 2)
	if fmt.Sprint(theirs) != fmt.Sprint(ours) {
		t.Errorf("next_addr: QEMU %#x, vcheck %#x", theirs, ours)
	}
	if !strings.Contains(warnings, "entry point 0x80200008 is not where execution starts") ||
		!strings.Contains(warnings, fmt.Sprintf("lowest load address %#x", uint64(theirs[1])<<32|uint64(theirs[0]))) {
		t.Errorf("warnings:\n%s", warnings)
	}
}

// TestSegmentPastRAM: a section linked past the end of RAM is left out, as
// QEMU leaves it out, and the program runs.
func TestSegmentPastRAM(t *testing.T) {
	src := hiSource + "\n\t.section .far, \"aw\"\n\t.dword 1, 2, 3\n"
	elf := gccELF(t, src, "-Ttext=0x80000000", "-Wl,--section-start=.far=0x88000000")
	if got := qemuUART(t, elf, ""); got != "hi" {
		t.Fatalf("QEMU printed %q", got)
	}
	code, out, errs := runCLI("run", elf)
	if code != exitOK || out != "hi" || !strings.Contains(errs, "[0x88000000, 0x88000018)") || !strings.Contains(errs, "above the end of RAM") {
		t.Errorf("exit %d, UART %q\n%s", code, out, errs)
	}
}

// TestNothingInRAM: a program of which nothing lands in memory is an
// error, not 100 M steps of zeros.
func TestNothingInRAM(t *testing.T) {
	elf := gccELF(t, hiSource, "-Ttext=0x40000000")
	code, _, errs := runCLI("run", elf)
	if code != exitUsage || !strings.Contains(errs, "nothing of it lies in the boot ROM or in RAM") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}

// TestRawImageIsNoted: a file that is not ELF runs as a raw image, and a
// note on stderr says so; an ELF gets no such note.
func TestRawImageIsNoted(t *testing.T) {
	fw := rawImage(t, "fw.bin",
		0x001002b7, // lui t0, 0x100: the finisher
		0x00005337, // lui t1, 0x5
		0x55530313, // addi t1, t1, 0x555
		0x0062a023, // sw t1, 0(t0): pass
	)
	code, _, errs := runCLI("run", fw)
	if code != exitOK || !strings.Contains(errs, "note: "+fw+" is not an ELF file") || !strings.Contains(errs, "raw image at 0x80000000") {
		t.Errorf("exit %d\n%s", code, errs)
	}
	_, _, errs = runCLI("run", gccELF(t, hiSource, "-Ttext=0x80000000"))
	if strings.Contains(errs, "not an ELF file") {
		t.Errorf("an ELF noted as raw:\n%s", errs)
	}
}

// TestEmptyProgram: an empty .S is an error for asm and for run (it would
// otherwise spin 100 M steps on zeros).
func TestEmptyProgram(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.S")
	if err := os.WriteFile(empty, []byte("# nothing\n.equ X, 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("asm", empty)
	if code != exitFailure || !strings.Contains(errs, "nothing to load") {
		t.Errorf("asm: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "empty.elf")); err == nil {
		t.Error("asm wrote an empty ELF")
	}
	code, _, errs = runCLI("run", empty)
	if code != exitUsage || !strings.Contains(errs, "nothing to load") {
		t.Errorf("run: exit %d\n%s", code, errs)
	}
}

// TestAsmRefusesBinaries: asm on an ELF or a binary file is an error that
// says so, not screens of errors quoting the bytes.
func TestAsmRefusesBinaries(t *testing.T) {
	elf := gccELF(t, hiSource, "-Ttext=0x80000000")
	code, out, errs := runCLI("asm", elf, "-o", filepath.Join(t.TempDir(), "x.elf"))
	if code != exitUsage || !strings.Contains(errs, "is an ELF file, not assembler source") || out != "" {
		t.Errorf("ELF: exit %d\n%s", code, errs)
	}
	bin := filepath.Join(t.TempDir(), "x.bin")
	if err := os.WriteFile(bin, []byte("nop\n\x00\x01\x02"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("asm", bin); code != exitUsage || !strings.Contains(errs, "binary file") || len(errs) > 300 {
		t.Errorf("binary: exit %d\n%s", code, errs)
	}
}

// TestDisasmRefusesRV32: an RV32 ELF is an error naming the class, not a
// disassembly with RV64 semantics and a misleading warning.
func TestDisasmRefusesRV32(t *testing.T) {
	elf := gccELF(t, hiSource, "-march=rv32imac_zicsr", "-mabi=ilp32", "-Ttext=0x80000000")
	code, out, errs := runCLI("disasm", elf)
	if code != exitUsage || out != "" || !strings.Contains(errs, "ELFCLASS32") || strings.Contains(errs, "warning") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
