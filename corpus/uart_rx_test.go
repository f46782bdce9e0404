package corpus_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// UART receive tests: console input reaches the 16550 at timer ticks
// (right after the retired instruction that makes the count of retired
// instructions a multiple of TimebaseDiv, where mtime advances), in both
// models, whether or not the guest touches the UART (docs/devices.md,
// "Deterministic input"). Each program runs in lockstep on ref and engine
// with timed input (firmware_test.go), and prints a transcript the test
// checks; the part of a line after " |" depends on the time base and is
// left out where the same program is compared with QEMU 7.2.

// rxLib is the programs' console output: putc prints a0, puthex prints
// a0's low byte as two hex digits (both clobber t5, t6, a1), and modd
// puts into a0 minstret modulo TimebaseDiv (the DIV placeholder) as a
// hart's first instruction read it: where in the tick it is.
const rxLib = `
putc:
	li t6, 0x10000000
	sb a0, 0(t6)
	ret
puthex:
	mv a1, a0
	srli a0, a1, 4
	andi a0, a0, 15
	li t5, 10
	blt a0, t5, 1f
	addi a0, a0, 'a' - '0' - 10
1:	addi a0, a0, '0'
	li t6, 0x10000000
	sb a0, 0(t6)
	andi a0, a1, 15
	blt a0, t5, 1f
	addi a0, a0, 'a' - '0' - 10
1:	addi a0, a0, '0'
	sb a0, 0(t6)
	ret
`

// rxIRQProg: the receive interrupt reaches a guest that never touches
// the UART after setting it up (the colleague's reproducer). The handler
// reads minstret first: the interrupt is taken right after a tick, so it
// is a multiple of TimebaseDiv. It prints mcause's top and low bytes, the
// PLIC claim, IIR, the byte and, after " |", minstret mod DIV.
const rxIRQProg = `
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	li t0, 0xc000000 + 4*10
	li t1, 1
	sw t1, 0(t0)
	li t0, 0xc002000
	li t1, 1 << 10
	sw t1, 0(t0)
	li t0, 1 << 11
	csrw mie, t0
	li t0, 0x10000000
	li t1, FCR
	sb t1, 2(t0)
	li t1, 1          /* ERBFI: received data available */
	sb t1, 1(t0)
	csrsi mstatus, 8
	READY
	li s9, 0
1:	addi s9, s9, 1    /* no UART access from here on */
	j 1b
	.align 2
trap:
	csrr s1, minstret
	csrr s0, mcause
	li t0, 0xc200004
	lw s2, 0(t0)
	li t0, 0x10000000
	lbu s3, 2(t0)
	lbu s4, 0(t0)
	srli a0, s0, 56
	call puthex
	mv a0, s0
	call puthex
	li a0, ' '
	call putc
	mv a0, s2
	call puthex
	li a0, ' '
	call putc
	mv a0, s3
	call puthex
	li a0, ' '
	call putc
	mv a0, s4
	call putc
	li a0, ' '
	call putc
	li a0, '|'
	call putc
	li t0, DIV
	remu a0, s1, t0
	call puthex
	li a0, '\n'
	call putc
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
2:	j 2b
` + rxLib

// rxBurstProg polls: with the FIFOs set by FCR and IER = ERBFI (so IIR
// shows the receive conditions; no interrupt is enabled), it spins while
// a burst of input longer than the FIFO arrives, then prints LSR and IIR,
// drains what the receiver holds at once (within one tick: the drain
// waits until the tick has just begun), and then takes the rest of the
// input as it comes, 20 bytes in all, and prints the final LSR. A line
// is "lsr=.. iir=.. <bytes> lsr=..", then " |" and the first drain's
// count.
const rxBurstProg = `
	.globl _start
_start:
	li s0, 0x10000000
	li t1, FCR
	sb t1, 2(s0)
	li t1, 1
	sb t1, 1(s0)
	READY
	li t0, SPIN
1:	addi t0, t0, -1
	bnez t0, 1b
	li a0, 'l'
	call putc
	lbu a0, 5(s0)
	call puthex
	li a0, ' '
	call putc
	li a0, 'i'
	call putc
	lbu a0, 2(s0)
	call puthex
	li a0, ' '
	call putc
	/* wait for a tick to have just passed, so the drain sees no tick */
	li t1, DIV
	li t2, 16
1:	csrr t0, minstret
	remu t0, t0, t1
	bgeu t0, t2, 1b
	la s1, buf
	mv s2, s1
2:	lbu t0, 5(s0)
	andi t0, t0, 1
	beqz t0, 3f
	lbu t0, 0(s0)
	sb t0, 0(s2)
	addi s2, s2, 1
	j 2b
3:	sub s3, s2, s1    /* the first drain's count */
	/* the rest of the input, as it comes */
	li t3, 20
	li t4, 100000000
4:	sub t0, s2, s1
	bgeu t0, t3, 6f
	addi t4, t4, -1
	beqz t4, 6f
	lbu t0, 5(s0)
	andi t0, t0, 1
	beqz t0, 4b
	lbu t0, 0(s0)
	sb t0, 0(s2)
	addi s2, s2, 1
	j 4b
6:	mv s4, s1
7:	bgeu s4, s2, 8f
	lbu a0, 0(s4)
	call putc
	addi s4, s4, 1
	j 7b
8:	li a0, ' '
	call putc
	li a0, 'l'
	call putc
	lbu a0, 5(s0)
	call puthex
	li a0, ' '
	call putc
	li a0, '|'
	call putc
	mv a0, s3
	call puthex
	li a0, '\n'
	call putc
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
9:	j 9b
` + rxLib + `
	.data
buf:	.space 64
`

// rxFCRProg: (1) a byte that arrives while the FIFOs are off sits in RBR
// until FCR turns them on, which flushes it; (2) a burst fills the FIFO
// to the trigger level (14), the rest waiting on the line; resetting the
// receive FIFO drops those 14 and the line then delivers the rest. It
// prints LSR after each step and the bytes it reads at the end.
const rxFCRProg = `
	.globl _start
_start:
	li s0, 0x10000000
	li t0, 2000       /* ~4000 instructions: the byte comes at a tick */
1:	addi t0, t0, -1
	bnez t0, 1b
	li t1, 0xc1       /* FIFOs on (a change of FE flushes), trigger 14 */
	sb t1, 2(s0)
	lbu a0, 5(s0)
	call puthex
	li a0, ' '
	call putc
	li t0, 4000       /* ~8000 more: the burst comes at 6000 */
1:	addi t0, t0, -1
	bnez t0, 1b
	lbu a0, 5(s0)
	call puthex
	li a0, ' '
	call putc
	li t1, 0xc3       /* reset the receive FIFO */
	sb t1, 2(s0)
	lbu a0, 5(s0)
	call puthex
	li a0, ' '
	call putc
	li t0, 2000
1:	addi t0, t0, -1
	bnez t0, 1b
	lbu a0, 5(s0)
	call puthex
	li a0, ' '
	call putc
2:	lbu t0, 5(s0)
	andi t0, t0, 1
	beqz t0, 3f
	lbu a0, 0(s0)
	call putc
	j 2b
3:	li a0, ' '
	call putc
	lbu a0, 5(s0)
	call puthex
	li a0, '\n'
	call putc
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
9:	j 9b
` + rxLib

// rxTimeoutProg is interrupt-driven, as Linux's 8250 driver is: FIFOs on
// at trigger level 4, ERBFI, the PLIC and MEIE set up. Two bytes stay
// below the trigger level and come through the character timeout; then
// four reach it and come through the received-data interrupt. For each
// interrupt the handler prints IIR and the bytes, then " |" and where in
// the tick it was taken; after two it exits.
const rxTimeoutProg = `
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	li t0, 0xc000000 + 4*10
	li t1, 1
	sw t1, 0(t0)
	li t0, 0xc002000
	li t1, 1 << 10
	sw t1, 0(t0)
	li t0, 1 << 11
	csrw mie, t0
	li t0, 0x10000000
	li t1, 0x41       /* FIFOs on, trigger level 4 */
	sb t1, 2(t0)
	li t1, 1
	sb t1, 1(t0)
	li s7, 0
	csrsi mstatus, 8
	READY
1:	li s8, 2
	blt s7, s8, 1b
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
2:	j 2b
	.align 2
trap:
	csrr s1, minstret
	li t0, 0xc200004
	lw s2, 0(t0)      /* claim */
	li s0, 0x10000000
	lbu s3, 2(s0)     /* IIR */
	la s4, buf        /* drain, then complete, then print */
	mv s5, s4
3:	lbu t0, 5(s0)
	andi t0, t0, 1
	beqz t0, 4f
	lbu t0, 0(s0)
	sb t0, 0(s5)
	addi s5, s5, 1
	j 3b
4:	li t0, 0xc200004
	sw s2, 0(t0)      /* complete */
	csrr a0, mcause
	call puthex
	li a0, ' '
	call putc
	mv a0, s2
	call puthex
	li a0, ' '
	call putc
	mv a0, s3
	call puthex
	li a0, ' '
	call putc
5:	bgeu s4, s5, 6f
	lbu a0, 0(s4)
	call putc
	addi s4, s4, 1
	j 5b
6:	li a0, ' '
	call putc
	li a0, '|'
	call putc
	li t0, DIV
	remu a0, s1, t0
	call puthex
	li a0, '\n'
	call putc
	addi s7, s7, 1
	mret
` + rxLib + `
	.data
buf:	.space 64
`

// rxReady is what the READY placeholder becomes on QEMU: the guest prints
// qemuReady once it is set up and waiting, and the test types only after
// it has seen it, so a slow QEMU start (a loaded machine) cannot make the
// input arrive before the guest listens. For the models READY is empty:
// their input is timed in retired instructions.
const (
	qemuReady = '@'
	rxReady   = "li t6, 0x10000000\n\tli t5, '@'\n\tsb t5, 0(t6)"
)

// rxProgram assembles src with its placeholders replaced by kv pairs
// (READY, unless given, by nothing).
func rxProgram(t *testing.T, src string, kv ...string) *asm.Object {
	t.Helper()
	hasReady := false
	for i := 0; i < len(kv); i += 2 {
		hasReady = hasReady || kv[i] == "READY"
	}
	if !hasReady {
		kv = append(kv, "READY", "")
	}
	src = strings.NewReplacer(kv...).Replace(src)
	obj, err := asm.Assemble("rx.S", []byte(src), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func rxImage(t *testing.T, cfg spec.Config, obj *asm.Object) *boot.Image {
	t.Helper()
	img, err := boot.Build(cfg, obj.Program("rx"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// rxLockstep runs src in lockstep with keys as input and returns ref's
// console, which check has found equal to the engine's.
func rxLockstep(t *testing.T, cfg spec.Config, src string, keys []keystroke, kv ...string) string {
	t.Helper()
	kv = append(kv, "DIV", fmt.Sprint(cfg.TimebaseDiv))
	r := lockstepFirmware(t, rxImage(t, cfg, rxProgram(t, src, kv...)), cfg, keys, 2_000_000)
	r.check(t)
	if e := r.res.ExitA; e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("exit %s after %d records, want the finisher's pass; console %q", e, r.res.Compared, r.ref)
	}
	return r.ref
}

// TestUARTRXInterrupt is the reproducer of the engine's bug: a byte
// arrives while the guest, its receive interrupt enabled, runs a loop
// that never touches the UART. Both models take the machine external
// interrupt right after the first tick at which the byte is on the line;
// the engine used to sample input only on UART accesses and never took it.
func TestUARTRXInterrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		div  uint64
		at   uint64
		fcr  string
	}{
		{"at-a-tick", 100, 1000, "0"},
		{"between-ticks", 100, 1037, "0"},
		{"fifo", 100, 1037, "1"},
		{"fifo-trigger14-timeout", 100, 1037, "0xc1"}, // one byte below the trigger: the timeout tells
		{"timebase1", 1, 1037, "0"},
		{"timebase7", 7, 1037, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := spec.DefaultConfig()
			cfg.TimebaseDiv = tc.div
			got := rxLockstep(t, cfg, rxIRQProg, typeAt("k", tc.at, 0), "FCR", tc.fcr)
			iir := map[string]string{"0": "04", "1": "c4", "0xc1": "cc"}[tc.fcr]
			if want := "800b 0a " + iir + " k |00\n"; got != want {
				t.Fatalf("console %q, want %q (mcause MEI, claim 10, IIR, the byte; minstret a multiple of %d)", got, want, tc.div)
			}
		})
	}
}

// TestUARTRXBurst: 20 bytes arrive at once while the guest does not read.
// The receiver takes what QEMU's serial_can_receive accepts: one byte
// with the FIFOs off, the trigger level with them on; the rest waits on
// the line (QEMU's chardev does not push more), so no overrun, and every
// byte comes through in order. With the FIFOs on, the character timeout
// has fired by the time the guest looks (IIR 0xcc).
func TestUARTRXBurst(t *testing.T) {
	const burst = "ABCDEFGHIJKLMNOPQRST"
	for _, tc := range []struct {
		fcr     string
		lsr     string
		iir     string
		trigger int
	}{
		{"0x00", "61", "04", 1},
		{"0x01", "61", "cc", 1},
		{"0x41", "61", "cc", 4},
		{"0x81", "61", "cc", 8},
		{"0xc1", "61", "cc", 14},
	} {
		t.Run("fcr"+tc.fcr, func(t *testing.T) {
			cfg := spec.DefaultConfig()
			cfg.TimebaseDiv = 1000 // the first drain fits in a tick
			got := rxLockstep(t, cfg, rxBurstProg, typeAt(burst, 500, 0), "FCR", tc.fcr, "SPIN", "1000")
			want := fmt.Sprintf("l%s i%s %s l60 |%02x\n", tc.lsr, tc.iir, burst, tc.trigger)
			if got != want {
				t.Fatalf("console %q, want %q", got, want)
			}
		})
	}
}

// TestUARTRXFIFOReset: input that arrived before the guest turns the
// FIFOs on is flushed by that FCR write, and resetting the receive FIFO
// drops what it holds while the line keeps the rest.
func TestUARTRXFIFOReset(t *testing.T) {
	cfg := spec.DefaultConfig()
	keys := append(typeAt("z", 100, 0), typeAt("ABCDEFGHIJKLMNOPQRST", 6000, 0)...)
	got := rxLockstep(t, cfg, rxFCRProg, keys)
	// 60: z flushed; 61: A..N in the FIFO; 60: reset; 61: O..T arrived.
	if want := "60 61 60 61 OPQRST 60\n"; got != want {
		t.Fatalf("console %q, want %q", got, want)
	}
}

// TestUARTRXTimeout: the character-timeout interrupt, one tick after the
// last byte arrived with the FIFO below its trigger level, then the
// received-data interrupt when a burst reaches it.
func TestUARTRXTimeout(t *testing.T) {
	cfg := spec.DefaultConfig()
	keys := append(typeAt("ab", 1000, 0), typeAt("wxyz", 5000, 0)...)
	got := rxLockstep(t, cfg, rxTimeoutProg, keys)
	// The bytes come at the tick of 1000 and the timeout one tick later;
	// the 4 bytes at 5000 reach the trigger level at once.
	if want := "0b 0a cc ab |00\n0b 0a c4 wxyz |00\n"; got != want {
		t.Fatalf("console %q, want %q", got, want)
	}
}

// TestUARTRXQEMU runs the same programs on QEMU 7.2 with the input typed
// into its serial line (stdio) while the guest waits, and compares the
// transcripts with the model's, the time-base part (after " |") left out.
// QEMU delivers input when its host thread reads the pipe and times the
// character timeout out after 4 character times, so only what does not
// depend on timing is compared.
func TestUARTRXQEMU(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	run := qemuRunStdin
	timing := regexp.MustCompile(` \|[0-9a-f]*\n`)
	cut := func(s string) string { return timing.ReplaceAllString(s, "\n") }
	cfg := spec.DefaultConfig()
	div := fmt.Sprint(cfg.TimebaseDiv)

	t.Run("rx-interrupt", func(t *testing.T) {
		for _, fcr := range []string{"0", "1", "0xc1"} {
			model := rxLockstep(t, cfg, rxIRQProg, typeAt("k", 1037, 0), "FCR", fcr)
			q := run(t, rxProgram(t, rxIRQProg, "FCR", fcr, "DIV", div, "READY", rxReady), "k")
			if cut(q) != cut(model) {
				t.Errorf("FCR %s: QEMU %q, model %q", fcr, q, model)
			}
		}
	})
	t.Run("timeout", func(t *testing.T) {
		model := rxLockstep(t, cfg, rxTimeoutProg, append(typeAt("ab", 1000, 0), typeAt("wxyz", 5000, 0)...))
		q := run(t, rxProgram(t, rxTimeoutProg, "DIV", div, "READY", rxReady), "ab", "wxyz")
		if cut(q) != cut(model) {
			t.Errorf("QEMU %q, model %q", q, model)
		}
	})
	t.Run("burst", func(t *testing.T) {
		cfg := cfg
		cfg.TimebaseDiv = 1000
		div := fmt.Sprint(cfg.TimebaseDiv)
		for _, fcr := range []string{"0x00", "0x41", "0xc1"} {
			model := rxLockstep(t, cfg, rxBurstProg, typeAt("ABCDEFGHIJKLMNOPQRST", 500, 0), "FCR", fcr, "SPIN", "1000")
			// On QEMU the guest spins a few hundred ms after READY while the burst comes.
			q := run(t, rxProgram(t, rxBurstProg, "FCR", fcr, "DIV", div, "SPIN", "100000000", "READY", rxReady), "ABCDEFGHIJKLMNOPQRST")
			if cut(q) != cut(model) {
				t.Errorf("FCR %s: QEMU %q, model %q", fcr, q, model)
			}
		}
	})
}

// qemuRunStdin runs obj on QEMU 7.2 and types each chunk into its serial
// line: the first once the guest has printed qemuReady, each later one
// once the guest has printed one more line than before it; it returns the
// console without the marker.
func qemuRunStdin(t *testing.T, obj *asm.Object, chunks ...string) string {
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	t.Helper()
	elf, err := obj.ELF()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rx.elf")
	if err := os.WriteFile(path, elf, 0o644); err != nil {
		t.Fatal(err)
	}
	// Generous: the run takes well under a second on an idle machine; the
	// limit only ends a broken run.
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-machine", "virt", "-cpu", qemuCPU, "-bios", path,
		"-nographic", "-monitor", "none", "-serial", "stdio", "-smp", "1", "-m", "128M")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A reader goroutine collects the console; waitFor blocks until it
	// holds what a chunk waits for, or QEMU ended.
	var (
		mu   sync.Mutex
		out  strings.Builder
		more = make(chan struct{}, 1)
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		buf := make([]byte, 256)
		for {
			n, err := stdout.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			select {
			case more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	console := func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
	waitFor := func(ok func(string) bool) bool {
		for !ok(console()) {
			select {
			case <-more:
			case <-done:
				return ok(console())
			}
		}
		return true
	}
	for i, c := range chunks {
		ready := func(s string) bool {
			if i == 0 {
				return strings.IndexByte(s, qemuReady) >= 0
			}
			return strings.Count(s, "\n") >= i
		}
		if !waitFor(ready) {
			t.Errorf("QEMU ended before the guest was ready for input %q; console %q", c, console())
			break
		}
		if _, err := in.Write([]byte(c)); err != nil {
			t.Errorf("writing %q to QEMU's serial line: %v", c, err)
			break
		}
	}
	err = cmd.Wait()
	<-done
	in.Close()
	if ctx.Err() != nil {
		t.Fatalf("QEMU timed out; console %q", console())
	}
	if err != nil {
		t.Fatalf("QEMU: %v; console %q", err, console())
	}
	return strings.Replace(console(), string(qemuReady), "", 1)
}

// qemuCPU is the -cpu option that makes QEMU 7.2 an rv64pg hart (as in
// refmodel's and the engine's QEMU tests).
const qemuCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false,debug=false"

// TestUARTRXEngineRunMatchesStep: the engine's Run, which stops at timer
// ticks only while the UART has input or a pending timeout, must follow
// the trace of its Step (what the lockstep tests compare) whatever the
// Run budgets: the same console, exit, retired count and final state.
func TestUARTRXEngineRunMatchesStep(t *testing.T) {
	keysTimeout := append(typeAt("ab", 1000, 0), typeAt("wxyz", 5000, 0)...)
	for _, tc := range []struct {
		name string
		div  uint64
		src  string
		keys []keystroke
		kv   []string
	}{
		{"rx-interrupt", 100, rxIRQProg, typeAt("k", 1037, 0), []string{"FCR", "1"}},
		{"rx-interrupt-timebase7", 7, rxIRQProg, typeAt("k", 1037, 0), []string{"FCR", "0xc1"}},
		{"burst", 1000, rxBurstProg, typeAt("ABCDEFGHIJKLMNOPQRST", 500, 0), []string{"FCR", "0x41", "SPIN", "1000"}},
		{"fifo-reset", 100, rxFCRProg, append(typeAt("z", 100, 0), typeAt("ABCDEFGHIJKLMNOPQRST", 6000, 0)...), nil},
		{"timeout", 100, rxTimeoutProg, keysTimeout, nil},
		{"timeout-timebase3", 3, rxTimeoutProg, keysTimeout, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := spec.DefaultConfig()
			cfg.TimebaseDiv = tc.div
			img := rxImage(t, cfg, rxProgram(t, tc.src, append(tc.kv, "DIV", fmt.Sprint(tc.div))...))
			type result struct {
				console string
				exit    spec.Exit
				retired uint64
				state   spec.ArchState
			}
			const limit = 2_000_000
			run := func(budget uint64) result {
				m, err := engine.New(cfg, img)
				if err != nil {
					t.Fatal(err)
				}
				var out strings.Builder
				m.SetConsole(&timedInput{clock: m.Retired, keys: append([]keystroke(nil), tc.keys...)}, &out)
				for n := uint64(0); n < limit && m.Exit().Reason == spec.Running; {
					if budget == 0 { // Step
						m.Step()
						n++
						continue
					}
					m.Run(budget)
					n += budget
				}
				return result{out.String(), m.Exit(), m.Retired(), m.State(0)}
			}
			want := run(0)
			if want.exit.Reason != spec.HaltFinisher || want.exit.Code != 0 {
				t.Fatalf("Step: exit %s, console %q", want.exit, want.console)
			}
			for _, budget := range []uint64{1, 2, 7, 99, 100, 101, 1000, 1 << 20} {
				got := run(budget)
				if got.console != want.console || got.exit != want.exit || got.retired != want.retired {
					t.Errorf("Run(%d): console %q exit %s retired %d; Step: %q %s %d",
						budget, got.console, got.exit, got.retired, want.console, want.exit, want.retired)
					continue
				}
				if d := cmpState(got.state, want.state); d != "" {
					t.Errorf("Run(%d): final state differs from Step's: %s", budget, d)
				}
			}
		})
	}
}

// cmpState names the first difference between two hart states.
func cmpState(a, b spec.ArchState) string {
	if a.PC != b.PC || a.Mode != b.Mode {
		return fmt.Sprintf("pc/mode %#x %s vs %#x %s", a.PC, a.Mode, b.PC, b.Mode)
	}
	for i := range a.X {
		if a.X[i] != b.X[i] {
			return fmt.Sprintf("x%d %#x vs %#x", i, a.X[i], b.X[i])
		}
	}
	for k, v := range a.CSRs {
		if b.CSRs[k] != v {
			return fmt.Sprintf("csr %#x %#x vs %#x", k, v, b.CSRs[k])
		}
	}
	return ""
}
