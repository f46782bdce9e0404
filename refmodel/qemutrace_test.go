package refmodel

import (
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
	"github.com/vcheck-dev/vcheck/spec/load"
)

// qemuTraceSkip are the corpus tests whose instruction stream differs
// on purpose: in irq and counters it depends on time (QEMU's mtime
// follows the host clock, the model's follows retired instructions), and
// csr_warl and trigger_probe print values where QEMU departs from the
// spec, which TestCSRWarlQEMU and TestTriggerProbeQEMU compare.
var qemuTraceSkip = map[string]bool{"irq": true, "counters": true, "csr_warl": true, "trigger_probe": true}

var qemuTraceRE = regexp.MustCompile(`^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/`)

// qemuPCs runs elf on QEMU one instruction per translation block with
// -d exec and returns the pc of every instruction QEMU started.
func qemuPCs(t *testing.T, elf string) []uint64 {
	t.Helper()
	log := filepath.Join(t.TempDir(), "exec.log")
	qemuRunFor(t, elf, 10*time.Second, false, "-singlestep", "-d", "exec,nochain", "-D", log)
	return readExecLog(t, log)
}

// qemuPCsFor is qemuPCs for a program that does not exit: QEMU runs for d.
func qemuPCsFor(t *testing.T, elf string, d time.Duration) []uint64 {
	t.Helper()
	log := filepath.Join(t.TempDir(), "exec.log")
	qemuRunFor(t, elf, d, true, "-singlestep", "-d", "exec,nochain", "-D", log)
	pcs := readExecLog(t, log)
	if len(pcs) > 0 {
		pcs = pcs[:len(pcs)-1] // the last line may be cut short by the kill
	}
	return pcs
}

func readExecLog(t *testing.T, log string) []uint64 {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var pcs []uint64
	for _, l := range strings.Split(string(b), "\n") {
		if m := qemuTraceRE.FindStringSubmatch(l); m != nil {
			pc, _ := strconv.ParseUint(m[1], 16, 64)
			pcs = append(pcs, pc)
		}
	}
	return pcs
}

// modelPCs steps elf on the model and returns the pc of every
// instruction it started: retired ones and those that raised an
// exception after they were fetched (not interrupts, not fetch faults).
func modelPCs(t *testing.T, elf string) []uint64 {
	t.Helper()
	m := newMachineFor(t, spec.DefaultConfig(), elf)
	var pcs []uint64
	for n := 0; n < 2_000_000 && m.Exit().Reason == spec.Running; n++ {
		r := m.Step()
		if r.Trap.Valid && (r.Trap.Interrupt || r.InsnLen() == 0) {
			continue
		}
		pcs = append(pcs, r.PC)
	}
	return pcs
}

// TestCorpusPCTraceQEMU is a stronger oracle than the exit code: the
// model and QEMU 7.2 must start the same instructions in the same order,
// traps included, for every corpus test that does not depend on time.
// Where QEMU departs from the specification (qemu-expect), the streams
// are compared up to the first divergence only when it is expected.
func TestCorpusPCTraceQEMU(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	for _, src := range corpusSources(t) {
		name := strings.TrimSuffix(filepath.Base(src), ".S")
		if qemuTraceSkip[name] || qemuExpect(t, src) != 0 || corpusConfig(t, src).Harts != 1 {
			continue
		}
		t.Run(name, func(t *testing.T) {
			elf := assemble(t, src)
			q, m := qemuPCs(t, elf), modelPCs(t, elf)
			for i := 0; i < len(q) && i < len(m); i++ {
				if q[i] != m[i] {
					t.Fatalf("instruction %d: model pc %#x, QEMU pc %#x\n%s", i, m[i], q[i], around(m, q, i))
				}
			}
			if len(q) != len(m) {
				t.Fatalf("model started %d instructions, QEMU %d", len(m), len(q))
			}
		})
	}
}

func around(m, q []uint64, i int) string {
	var b strings.Builder
	for j := max(0, i-5); j < i+3; j++ {
		var a, c uint64
		if j < len(m) {
			a = m[j]
		}
		if j < len(q) {
			c = q[j]
		}
		fmt.Fprintf(&b, "%6d model %#x qemu %#x\n", j, a, c)
	}
	return b.String()
}

// TestOpenSBIPCTraceQEMU runs OpenSBI on the model with QEMU's own device
// tree (dumped with -machine virt,dumpdtb=) and requires the model to
// start the same instructions as QEMU 7.2, in the same order, for as far
// as QEMU gets in a few seconds of single-stepping with -d exec (several
// hundred thousand instructions: the boot ROM, OpenSBI's relocation, FDT
// parsing, trap-based CSR probing, PMP and console setup).
func TestOpenSBIPCTraceQEMU(t *testing.T) {
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	testtool.File(t, openSBI)
	dir := t.TempDir()
	dtb := filepath.Join(dir, "virt.dtb")
	out, err := exec.Command(qemu, "-machine", "virt,dumpdtb="+dtb, "-cpu", qemuCPU, "-nographic", "-monitor", "none").CombinedOutput()
	if err != nil {
		t.Fatalf("dumpdtb: %v\n%s", err, out)
	}
	q := qemuPCsFor(t, openSBI, 4*time.Second)
	if len(q) < 100_000 {
		t.Fatalf("QEMU ran only %d instructions", len(q))
	}

	prog, err := load.ELF(openSBI)
	if err != nil {
		t.Fatal(err)
	}
	img := imageOf(t, spec.DefaultConfig(), prog)
	blob, err := os.ReadFile(dtb)
	if err != nil {
		t.Fatal(err)
	}
	replaced := false
	for i := range img.Segments {
		if img.Segments[i].Addr == img.FDTAddr {
			img.Segments[i].Data, img.Segments[i].MemSize = blob, uint64(len(blob))
			replaced = true
		}
	}
	if !replaced {
		t.Fatalf("no device tree segment at %#x", img.FDTAddr)
	}
	m, err := New(spec.DefaultConfig(), img)
	if err != nil {
		t.Fatal(err)
	}
	var recent []spec.Retire
	for i := 0; i < len(q); {
		r := m.Step()
		if r.Trap.Valid && (r.Trap.Interrupt || r.InsnLen() == 0) {
			continue
		}
		recent = append(recent, r)
		if len(recent) > 6 {
			recent = recent[1:]
		}
		if r.PC == q[i] && isHPMAccess(r.Insn) {
			// OpenSBI probes mhpmcounter3.. by trapping: they exist (and read
			// zero) on the model, as the spec requires; QEMU with pmu-num=0
			// makes them illegal. The streams part here by design.
			t.Logf("stopped at OpenSBI's mhpmcounter probe (a documented QEMU departure)")
			q = q[:i+1]
			break
		}
		if r.PC != q[i] {
			var b strings.Builder
			for _, l := range recent {
				fmt.Fprintf(&b, "  pc %#x insn %#x rd %+v mem %+v csr %+v trap %+v\n", l.PC, l.Insn, l.Rd, l.Mem, l.CSR, l.Trap)
			}
			t.Fatalf("instruction %d: model pc %#x, QEMU pc %#x; the model's last steps:\n%s", i, r.PC, q[i], b.String())
		}
		i++
	}
	if len(q) < 100_000 {
		t.Fatalf("only %d instructions compared", len(q))
	}
	t.Logf("%d instructions agree with QEMU", len(q))
}

// isHPMAccess reports whether word is a Zicsr instruction on one of
// mhpmcounter3-31 or mhpmevent3-31.
func isHPMAccess(word uint32) bool {
	in := spec.Decode(word)
	if in == nil || in.Ext != spec.ExtZicsr {
		return false
	}
	c, _ := in.Operand(word, "csr")
	a := uint16(c)
	return (a >= spec.CSRMhpmcounter3 && a < spec.CSRMhpmcounter3+29) || (a >= spec.CSRMhpmevent3 && a < spec.CSRMhpmevent3+29)
}

// qemuCPUState is one block of QEMU's -d cpu log: the state before an
// instruction starts.
type qemuCPUState struct {
	pc   uint64
	csrs map[string]uint64
	x    [32]uint64
}

var qemuCPULineRE = regexp.MustCompile(`\s*(x\d+)/\S+\s+([0-9a-f]{16})|^\s*([a-z]+)\s+([0-9a-f]{16})$`)

// qemuCPUStates runs elf on QEMU single-stepping with -d cpu and parses
// the state dumped before every instruction.
func qemuCPUStates(t *testing.T, elf string) []qemuCPUState {
	t.Helper()
	log := filepath.Join(t.TempDir(), "cpu.log")
	qemuRunFor(t, elf, 20*time.Second, false, "-singlestep", "-d", "cpu,nochain", "-D", log)
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var states []qemuCPUState
	for _, l := range strings.Split(string(b), "\n") {
		for _, m := range qemuCPULineRE.FindAllStringSubmatch(l, -1) {
			if m[1] != "" {
				n, _ := strconv.Atoi(m[1][1:])
				v, _ := strconv.ParseUint(m[2], 16, 64)
				states[len(states)-1].x[n] = v
				continue
			}
			v, _ := strconv.ParseUint(m[4], 16, 64)
			if m[3] == "pc" {
				states = append(states, qemuCPUState{pc: v, csrs: map[string]uint64{}})
			} else if len(states) > 0 {
				states[len(states)-1].csrs[m[3]] = v
			}
		}
	}
	return states
}

// qemuComparedCSRs are the CSRs of QEMU's dump the model must match; mip
// is left out (its timer bit follows the host clock).
var qemuComparedCSRs = map[string]uint16{
	"mstatus": spec.CSRMstatus, "mie": spec.CSRMie, "mideleg": spec.CSRMideleg, "medeleg": spec.CSRMedeleg,
	"mtvec": spec.CSRMtvec, "stvec": spec.CSRStvec, "mepc": spec.CSRMepc, "sepc": spec.CSRSepc,
	"mcause": spec.CSRMcause, "scause": spec.CSRScause, "mtval": spec.CSRMtval, "stval": spec.CSRStval,
	"mscratch": spec.CSRMscratch, "sscratch": spec.CSRSscratch, "satp": spec.CSRSatp,
}

// TestCorpusStateTraceQEMU compares, before every instruction of every
// time-independent corpus test, all 31 registers and the CSRs QEMU's
// -d cpu dump shows, between the model and QEMU 7.2: a check of every
// register write and every trap-entry CSR update.
func TestCorpusStateTraceQEMU(t *testing.T) {
	testtool.Tool(t, "qemu-system-riscv64")
	for _, src := range corpusSources(t) {
		name := strings.TrimSuffix(filepath.Base(src), ".S")
		if qemuTraceSkip[name] || corpusConfig(t, src).Harts != 1 {
			continue
		}
		expect := qemuExpect(t, src)
		t.Run(name, func(t *testing.T) {
			// diverge reports the first difference. Where QEMU departs from
			// the spec (qemu-expect: N), the streams must part inside check
			// N (gp = N on QEMU's side) and nowhere before.
			// It returns only for the expected departure: the rest of
			// QEMU's trace is its failure path.
			diverge := func(i int, s *qemuCPUState, format string, args ...any) {
				t.Helper()
				msg := fmt.Sprintf(format, args...)
				if expect != 0 && s.x[3] == uint64(expect) {
					t.Logf("parted from QEMU in check %d, as expected: %s", expect, msg)
					return
				}
				t.Fatalf("%s", msg)
			}
			elf := assemble(t, src)
			q := qemuCPUStates(t, elf)
			m := newMachineFor(t, spec.DefaultConfig(), elf)
			h := m.harts[0]
			i := 0
			counterRd := uint8(0) // a register that just read a counter
			for n := 0; n < 2_000_000 && i < len(q) && m.Exit().Reason == spec.Running; n++ {
				if counterRd != 0 {
					// Counters follow host time on QEMU: take its value.
					h.x[counterRd] = q[i].x[counterRd]
					counterRd = 0
				}
				pc, x := h.pc, h.x
				csrs := map[string]uint64{}
				for k, a := range qemuComparedCSRs {
					csrs[k] = h.csrRead(a)
				}
				r := m.Step()
				if r.Trap.Valid && (r.Trap.Interrupt || r.InsnLen() == 0) {
					continue
				}
				if in := spec.Decode(r.Insn); in != nil && in.Ext == spec.ExtZicsr && r.Rd.Valid {
					switch c, _ := in.Operand(r.Insn, "csr"); uint16(c) {
					case spec.CSRCycle, spec.CSRTime, spec.CSRInstret, spec.CSRMcycle, spec.CSRMinstret:
						counterRd = r.Rd.Reg
					}
				}
				s := &q[i]
				if pc != s.pc {
					diverge(i, s, "instruction %d: model pc %#x, QEMU %#x", i, pc, s.pc)
					return
				}
				for reg := 1; reg < 32; reg++ {
					if x[reg] != s.x[reg] {
						diverge(i, s, "before instruction %d (pc %#x): x%d model %#x, QEMU %#x", i, pc, reg, x[reg], s.x[reg])
						return
					}
				}
				for k, v := range csrs {
					if qv, ok := s.csrs[k]; ok && qv != v {
						diverge(i, s, "before instruction %d (pc %#x): %s model %#x, QEMU %#x", i, pc, k, v, qv)
						return
					}
				}
				i++
			}
			if i != len(q) {
				t.Fatalf("compared %d of QEMU's %d instructions", i, len(q))
			}
			if expect != 0 {
				t.Fatalf("QEMU should part from the model in check %d, but the traces agree", expect)
			}
		})
	}
}
