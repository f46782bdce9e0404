package devices

// The QEMU oracle: testdata/qemu/probes.txt is a list of register
// accesses. TestDevicesMatchQEMU runs it on this package's devices and
// compares with testdata/qemu/golden.txt, what QEMU 7.2's virt machine
// answered. TestQEMUGolden (needs qemu-system-riscv64 and
// riscv64-unknown-elf-gcc) regenerates that answer from a bare-metal
// program and checks the golden file is current; -update rewrites it.

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/qemu/golden.txt from QEMU (TestQEMUGolden)")

const (
	probesFile = "testdata/qemu/probes.txt"
	goldenFile = "testdata/qemu/golden.txt"
	mipMask    = spec.MipMSIP | spec.MipMTIP | spec.MipSEIP | spec.MipMEIP
)

type probe struct {
	line      int
	kind      byte // 'L', 'S' or 'M'
	addr      uint64
	size      int
	value     uint64
	anyValue  bool   // "any": compare only whether it faults
	differs   string // why this model differs from QEMU on purpose
	statement string
}

// outcome is what a probe observed: a value, or a fault with its mcause.
type outcome struct {
	fault bool
	cause uint64
	value uint64
}

func (o outcome) String() string {
	if o.fault {
		return fmt.Sprintf("fault %d", o.cause)
	}
	return fmt.Sprintf("%#x", o.value)
}

func parseProbes(t *testing.T) []probe {
	t.Helper()
	data, err := os.ReadFile(probesFile)
	if err != nil {
		t.Fatal(err)
	}
	var probes []probe
	for i, line := range strings.Split(string(data), "\n") {
		text := strings.TrimSpace(line)
		if text == "" || text[0] == '#' {
			continue
		}
		p := probe{line: i + 1, statement: text}
		if k := strings.Index(text, "differs:"); k >= 0 {
			p.differs = strings.TrimSpace(text[k+len("differs:"):])
			text = strings.TrimSpace(text[:k])
		}
		f := strings.Fields(text)
		p.kind = f[0][0]
		num := func(s string) uint64 {
			v, err := strconv.ParseUint(s, 0, 64)
			if err != nil {
				t.Fatalf("%s:%d: %v", probesFile, i+1, err)
			}
			return v
		}
		switch {
		case p.kind == 'M' && len(f) == 1:
		case p.kind == 'L' && (len(f) == 3 || len(f) == 4 && f[3] == "any"):
			p.addr, p.size, p.anyValue = num(f[1]), int(num(f[2])), len(f) == 4
		case p.kind == 'S' && len(f) == 4:
			p.addr, p.size, p.value = num(f[1]), int(num(f[2])), num(f[3])
		default:
			t.Fatalf("%s:%d: cannot parse %q", probesFile, i+1, line)
		}
		probes = append(probes, p)
	}
	return probes
}

// oracleMachine is the part of QEMU virt the probes reach, built from
// this package's devices: a 2-hart machine, like -smp 2.
type oracleMachine struct {
	devs  []Device
	clint *CLINT
	plic  *PLIC
	uart  *UART
}

func newOracleMachine() *oracleMachine {
	cfg := spec.Config{RAM: 128 << 20, Harts: 2, TimebaseDiv: 1}
	m := &oracleMachine{clint: NewCLINT(cfg), plic: NewPLIC(2), uart: NewUART(nil, nil)}
	m.uart.SetIRQ(m.plic.Line(spec.UARTIRQ))
	m.devs = []Device{NewROM(spec.BootROMBase, make([]byte, spec.BootROMSize)), NewFinisher(), m.clint, m.plic, m.uart}
	return m
}

func (m *oracleMachine) do(p probe) outcome {
	for _, d := range m.devs {
		m.tick(d)
	}
	if p.kind == 'M' {
		return outcome{value: (m.clint.Pending(0) | m.plic.Pending(0)) & mipMask}
	}
	for _, d := range m.devs {
		if p.addr < d.Base() || p.addr-d.Base() >= d.Size() {
			continue
		}
		// The whole access goes to the device its first byte is in,
		// even if it runs past the end: the device splits it as QEMU does.
		off := p.addr - d.Base()
		if p.kind == 'L' {
			v, ok := d.Load(off, p.size)
			if ok {
				return outcome{value: v}
			}
			return outcome{fault: true, cause: spec.CauseLoadAccess}
		}
		if d.Store(off, p.size, p.value) {
			return outcome{}
		}
		return outcome{fault: true, cause: spec.CauseStoreAccess}
	}
	// No device: unassigned memory, an access fault on QEMU.
	if p.kind == 'L' {
		return outcome{fault: true, cause: spec.CauseLoadAccess}
	}
	return outcome{fault: true, cause: spec.CauseStoreAccess}
}

func (m *oracleMachine) tick(d Device) {
	if t, ok := d.(Ticker); ok {
		t.Tick()
	}
	if t, ok := d.(TimerTicker); ok {
		t.TimerTick()
	}
}

// parseOutcomes reads the program's report: "index value" or
// "index F cause" lines between the ORACLE markers.
func parseOutcomes(t *testing.T, text string) []outcome {
	t.Helper()
	begin := strings.Index(text, "ORACLE-BEGIN\n")
	end := strings.Index(text, "ORACLE-END")
	if begin < 0 || end < begin {
		t.Fatalf("no ORACLE-BEGIN/END in the output:\n%s", text)
	}
	var out []outcome
	sc := bufio.NewScanner(strings.NewReader(text[begin+len("ORACLE-BEGIN\n") : end]))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		idx, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil || int(idx) != len(out) {
			t.Fatalf("bad report line %q", sc.Text())
		}
		switch {
		case len(f) == 3 && f[1] == "F":
			c, _ := strconv.ParseUint(f[2], 16, 64)
			out = append(out, outcome{fault: true, cause: c})
		case len(f) == 2:
			v, _ := strconv.ParseUint(f[1], 16, 64)
			out = append(out, outcome{value: v})
		default:
			t.Fatalf("bad report line %q", sc.Text())
		}
	}
	return out
}

func compare(t *testing.T, probes []probe, want []outcome, got func(probe) outcome) {
	t.Helper()
	if len(want) != len(probes) {
		t.Fatalf("%d outcomes for %d probes", len(want), len(probes))
	}
	differs := 0
	for i, p := range probes {
		g, w := got(p), want[i]
		if g.fault != w.fault || g.cause != w.cause {
			t.Errorf("%s:%d %q: got %v, QEMU %v", probesFile, p.line, p.statement, g, w)
			continue
		}
		if p.anyValue || g.fault || g.value == w.value {
			continue
		}
		if p.differs != "" {
			differs++
			continue
		}
		t.Errorf("%s:%d %q: got %v, QEMU %v", probesFile, p.line, p.statement, g, w)
	}
	t.Logf("%d probes agree with QEMU 7.2; %d differ on purpose", len(probes)-differs, differs)
}

func TestDevicesMatchQEMU(t *testing.T) {
	probes := parseProbes(t)
	golden, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	m := newOracleMachine()
	compare(t, probes, parseOutcomes(t, string(golden)), m.do)
}

// TestQEMUGolden runs the probes on QEMU and checks golden.txt.
func TestQEMUGolden(t *testing.T) {
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	probes := parseProbes(t)
	dir := t.TempDir()
	elf := buildProbeProgram(t, dir, probes)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-machine", "virt", "-smp", "2", "-m", "128M",
		"-nographic", "-monitor", "none", "-serial", "stdio", "-bios", elf)
	cmd.Stdin = bytes.NewReader(nil)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	text := strings.ReplaceAll(string(out), "\r\n", "\n")
	text = text[strings.Index(text, "ORACLE-BEGIN"):]
	parseOutcomes(t, text) // well-formed
	if *updateGolden {
		header := "# QEMU 7.2 virt's answers to probes.txt, from TestQEMUGolden -update. Do not edit.\n"
		if err := os.WriteFile(goldenFile, []byte(header+text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	// Compare outcomes, not text: an "any" probe (mtime) reads the host clock.
	now, then := parseOutcomes(t, text), parseOutcomes(t, string(golden))
	if len(now) != len(probes) || len(then) != len(probes) {
		t.Fatalf("%d probes, %d answers from QEMU, %d in golden.txt; rerun with -update", len(probes), len(now), len(then))
	}
	for i, p := range probes {
		if now[i].fault != then[i].fault || now[i].cause != then[i].cause || !p.anyValue && now[i].value != then[i].value {
			t.Errorf("%s:%d %q: QEMU now says %v, golden.txt %v; rerun with -update",
				probesFile, p.line, p.statement, now[i], then[i])
		}
	}
}

// buildProbeProgram writes and builds a bare-metal program that runs the
// probes on hart 0 with a trap handler that records the cause of a fault
// and skips the access, then prints every outcome over the UART and
// powers off through sifive_test.
func buildProbeProgram(t *testing.T, dir string, probes []probe) string {
	t.Helper()
	var s strings.Builder
	s.WriteString(`	.option norvc
	.section .text.init
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, park
	la sp, stack_top
	la t0, trap
	csrw mtvec, t0
	la s1, results
`)
	loads := map[int]string{1: "lbu", 2: "lhu", 4: "lwu", 8: "ld"}
	stores := map[int]string{1: "sb", 2: "sh", 4: "sw", 8: "sd"}
	for _, p := range probes {
		fmt.Fprintf(&s, "\t# %s\n\tli s2, 0\n\tli t2, 0\n", p.statement)
		switch p.kind {
		case 'M':
			s.WriteString("\tcsrr t2, mip\n")
			fmt.Fprintf(&s, "\tli t3, %#x\n\tand t2, t2, t3\n", mipMask)
		case 'L':
			fmt.Fprintf(&s, "\tli t0, %#x\n\t%s t2, 0(t0)\n", p.addr, loads[p.size])
		case 'S':
			fmt.Fprintf(&s, "\tli t0, %#x\n\tli t1, %#x\n\t%s t1, 0(t0)\n", p.addr, p.value, stores[p.size])
		}
		s.WriteString("\tsd t2, 0(s1)\n\tsd s2, 8(s1)\n\taddi s1, s1, 16\n")
	}
	fmt.Fprintf(&s, `	li a0, %d
	call report
	li t0, %#x
	li t1, %#x
	sw t1, 0(t0)
park:
	wfi
	j park
	.align 4
trap:
	csrr s2, mcause
	addi s2, s2, 1
	csrr t4, mepc
	addi t4, t4, 4
	csrw mepc, t4
	mret
	.bss
	.align 4
	.globl results
results:
	.space %d
	.space 4096
stack_top:
`, len(probes), spec.TestBase, spec.FinisherPass, 16*len(probes))
	report := `
#define UART ((volatile unsigned char *)0x10000000)
extern unsigned long results[];
static void put(char c) { while (!(UART[5] & 0x20)) {} UART[0] = c; }
static void puts_(const char *s) { while (*s) put(*s++); }
static void hex(unsigned long v) {
	int i, started = 0;
	for (i = 60; i >= 0; i -= 4) {
		int d = (v >> i) & 0xf;
		if (d || started || i == 0) { put("0123456789abcdef"[d]); started = 1; }
	}
}
void report(long n) {
	long i;
	puts_("\nORACLE-BEGIN\n");
	for (i = 0; i < n; i++) {
		hex(i); put(' ');
		if (results[2*i+1]) { puts_("F "); hex(results[2*i+1] - 1); }
		else hex(results[2*i]);
		put('\n');
	}
	puts_("ORACLE-END\n");
}
`
	for name, text := range map[string]string{"probe.S": s.String(), "report.c": report,
		"link.ld": "ENTRY(_start)\nSECTIONS { . = 0x80000000; .text : { *(.text.init) *(.text*) } .data : { *(.*data*) } .bss : { *(.*bss*) *(COMMON) } }\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	elf := filepath.Join(dir, "probe.elf")
	cmd := exec.Command(testtool.Tool(t, "riscv64-unknown-elf-gcc"), "-march=rv64ima_zicsr", "-mabi=lp64", "-mcmodel=medany",
		"-O1", "-nostdlib", "-nostartfiles", "-ffreestanding", "-T", filepath.Join(dir, "link.ld"),
		"-o", elf, filepath.Join(dir, "probe.S"), filepath.Join(dir, "report.c"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return elf
}
