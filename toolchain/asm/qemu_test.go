package asm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// bootProgram prints "OK\n" on the virt machine's 16550 UART and powers
// off through the sifive_test finisher (spec.UARTBase, spec.TestBase,
// spec.FinisherPass). It uses data, .bss, la, call/ret, a loop with a
// numeric local label and compressed code, so a wrong ELF or a wrong
// encoding shows up as wrong output.
const bootProgram = `
	.equ UART, 0x10000000
	.equ FINISHER, 0x100000
	.section .text.init, "ax", @progbits
	.globl _start
_start:
	la sp, stack_top
	la s0, message
	call puts
	la t0, counter
	ld t1, 0(t0)
	addi t1, t1, 1
	sd t1, 0(t0)
	li t0, FINISHER
	li t1, 0x5555
	sw t1, 0(t0)
1:	wfi
	j 1b

	.text
# puts writes the NUL-terminated string at s0 to the UART.
puts:
	li t0, UART
1:	lbu t1, 0(s0)
	beqz t1, 2f
	sb t1, 0(t0)
	addi s0, s0, 1
	j 1b
2:	ret

	.data
message:
	.string "OK\n"
	.align 3
counter:
	.dword 41

	.bss
	.align 4
stack:
	.zero 4096
stack_top:
`

// TestQEMUBoot assembles bootProgram, writes the ELF, and boots it as
// the firmware of qemu-system-riscv64 -machine virt.
func TestQEMUBoot(t *testing.T) {
	qemu := testtool.Tool(t, qemuRV)
	obj, err := Assemble("boot.S", []byte(bootProgram), Options{})
	if err != nil {
		t.Fatal(err)
	}
	image, err := obj.ELF()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "prog.elf")
	if err := os.WriteFile(path, image, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-machine", "virt", "-bios", path, "-nographic", "-monitor", "none", "-serial", "stdio")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("QEMU did not power off within 20s; output %q", stdout.String())
	}
	if err != nil {
		t.Fatalf("QEMU: %v\n%s", err, stderr.String())
	}
	if got := stdout.String(); got != "OK\n" {
		t.Errorf("UART output = %q, want %q", got, "OK\n")
	}
}
