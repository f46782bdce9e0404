package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// buildAsm assembles a tiny bare-metal program with the corpus linker script.
func buildAsm(t *testing.T, src string) string {
	t.Helper()
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	dir := t.TempDir()
	s := filepath.Join(dir, "p.S")
	if err := os.WriteFile(s, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "p.elf")
	cmd := exec.Command(gcc, "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-nostdlib",
		"-T", "../../corpus/ref/link.ld", "-o", out, s)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return out
}

const finish = `
	.section .text.init
	.globl _start
_start:
	li t0, 0x10000000
	li t1, 'h'
	sb t1, 0(t0)
	li t1, 'i'
	sb t1, 0(t0)
	li t0, 0x100000
	li t1, %s
	sw t1, 0(t0)
1:	j 1b
`

func TestRunPassFailLimit(t *testing.T) {
	pass := buildAsm(t, strings.Replace(finish, "%s", "0x5555", 1))
	fail := buildAsm(t, strings.Replace(finish, "%s", "(7<<16)|0x3333", 1))
	loop := buildAsm(t, "\t.section .text.init\n\t.globl _start\n_start:\n1:\tj 1b\n")

	var out, errb bytes.Buffer
	if rc := run([]string{"run", pass}, &out, &errb); rc != exitOK {
		t.Fatalf("pass: rc %d, stderr %s", rc, errb.String())
	}
	if out.String() != "hi" {
		t.Errorf("pass: UART output %q, want %q", out.String(), "hi")
	}
	if !regexp.MustCompile(`PASS: finisher, exit code 0`).MatchString(errb.String()) ||
		!strings.Contains(errb.String(), "MIPS") {
		t.Errorf("pass: summary %q", errb.String())
	}

	out.Reset()
	errb.Reset()
	if rc := run([]string{"run", fail}, &out, &errb); rc != exitFailure {
		t.Fatalf("fail: rc %d, want %d; stderr %s", rc, exitFailure, errb.String())
	}
	if !strings.Contains(errb.String(), "exit code 7") {
		t.Errorf("fail: summary %q lacks the exit code", errb.String())
	}

	errb.Reset()
	out.Reset()
	if rc := run([]string{"run", "--limit", "1000", "--json", loop}, &out, &errb); rc != exitInconclusive {
		t.Fatalf("limit: rc %d, want %d", rc, exitInconclusive)
	}
	var s runJSON
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("limit: --json summary on stdout %q: %v", out.String(), err)
	}
	if s.Verdict != "limit" || s.Reason != "instruction limit" || s.Code != -1 {
		t.Errorf("limit: summary %+v", s)
	}
	if errb.Len() != 0 {
		t.Errorf("limit: --json wrote to stderr: %q", errb.String())
	}

	errb.Reset()
	if rc := run([]string{"run", "--model", "nosuch", pass}, &out, &errb); rc != exitUsage {
		t.Errorf("unknown model: rc %d, want %d", rc, exitUsage)
	}
	if rc := run([]string{"run", filepath.Join(t.TempDir(), "missing.elf")}, &out, &errb); rc != exitUsage {
		t.Errorf("missing file: rc %d, want %d", rc, exitUsage)
	}
}

func TestRunTrace(t *testing.T) {
	pass := buildAsm(t, strings.Replace(finish, "%s", "0x5555", 1))
	var out, errb bytes.Buffer
	if rc := run([]string{"run", "--trace", pass}, &out, &errb); rc != exitOK {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	lines := strings.Split(out.String(), "\n")
	// The first step is the boot ROM's auipc t0, 0 at 0x1000 (QEMU virt's reset vector).
	want := regexp.MustCompile(`^core   0: 3 0x0000000000001000 \(0x00000297\) x5  0x0000000000001000$`)
	if !want.MatchString(lines[0]) {
		t.Errorf("first trace line %q", lines[0])
	}
	store := regexp.MustCompile(`core   0: 3 0x00000000800000[0-9a-f]{2} \(0x[0-9a-f]{4,8}\) mem 0x0000000010000000 0x68$`)
	found := false
	for _, l := range lines {
		if store.MatchString(l) {
			found = true
		}
	}
	if !found {
		t.Errorf("no UART store line in trace:\n%s", out.String())
	}
}

func TestPollReader(t *testing.T) {
	pr, pw := io.Pipe()
	r := newPollReader(pr)
	var b [4]byte
	if n, err := r.Read(b[:]); n != 0 || err != nil {
		t.Fatalf("nothing written: Read = %d, %v; want 0, nil without blocking", n, err)
	}
	go pw.Write([]byte("ab"))
	got := ""
	for deadline := time.Now().Add(5 * time.Second); len(got) < 2 && time.Now().Before(deadline); {
		n, _ := r.Read(b[:])
		got += string(b[:n])
	}
	if got != "ab" {
		t.Fatalf("read %q", got)
	}
	pw.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if _, err := r.Read(b[:]); err == io.EOF {
			return
		}
	}
	t.Fatal("no EOF after close")
}

// TestRunKernel: --kernel loads a raw image where QEMU's -kernel puts
// it after a -bios firmware (0x80200000), and the firmware jumps there.
func TestRunKernel(t *testing.T) {
	fw := buildAsm(t, "\t.section .text.init\n\t.globl _start\n_start:\n\tli t0, 0x80200000\n\tjr t0\n")
	kelf := buildAsm(t, strings.Replace(finish, "%s", "0x5555", 1))
	objcopy := testtool.Tool(t, "riscv64-unknown-elf-objcopy")
	kbin := filepath.Join(t.TempDir(), "k.bin")
	if b, err := exec.Command(objcopy, "-O", "binary", kelf, kbin).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	var out, errb bytes.Buffer
	if rc := run([]string{"run", "--kernel", kbin, fw}, &out, &errb); rc != exitOK {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	if out.String() != "hi" {
		t.Errorf("console %q", out.String())
	}
}

func TestFormatCommitTrap(t *testing.T) {
	m := stateOnly{}
	r := spec.Retire{PC: 0x80000010, Insn: 0x57, Trap: spec.Trap{Valid: true, Cause: spec.CauseIllegalInstruction, Tval: 0x57}}
	want := "core   0: exception trap_illegal_instruction, epc 0x0000000080000010\ncore   0:           tval 0x0000000000000057"
	if got := formatCommit(&r, m); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Spike prints no tval line for an interrupt or an ecall.
	r = spec.Retire{Hart: 1, PC: 0x80000000, Trap: spec.Trap{Valid: true, Interrupt: true, Cause: spec.IntMTimer}}
	if got, want := formatCommit(&r, m), "core   1: exception interrupt #7, epc 0x0000000080000000"; got != want {
		t.Errorf("interrupt: %q", got)
	}
	r = spec.Retire{PC: 0x80000000, Insn: 0x4505, Mode: spec.ModeS, Rd: spec.RegWrite{Valid: true, Reg: 10, Value: 1},
		CSR: spec.CSRWrite{Valid: true, Addr: spec.CSRSscratch, Value: 2}}
	if got, want := formatCommit(&r, m), "core   0: 1 0x0000000080000000 (0x4505) x10 0x0000000000000001 c320_sscratch 0x0000000000000002"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// mret: the mstatus it wrote, read from the model.
	r = spec.Retire{PC: 0x80000004, Insn: 0x30200073, Mode: spec.ModeM}
	if got, want := formatCommit(&r, m), "core   0: 3 0x0000000080000004 (0x30200073) c768_mstatus 0x0000000a00000080"; got != want {
		t.Errorf("mret: got %q, want %q", got, want)
	}
}

// stateOnly is a target whose state has one mstatus.
type stateOnly struct{ diff.Target }

func (stateOnly) State(int) spec.ArchState {
	return spec.ArchState{CSRs: map[uint16]uint64{spec.CSRMstatus: 0xa00000080}}
}
