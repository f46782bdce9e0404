package engine

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// setJITHot compiles blocks after n runs for the rest of the test.
func setJITHot(t testing.TB, n uint32) {
	old := jitHot
	jitHot = n
	t.Cleanup(func() { jitHot = old })
}

// jitData is where generated programs load and store (x5 points at it).
const jitData = spec.RAMBase + 0x10000

// genJITProgram returns a random program that exercises every instruction
// the translator handles (and some it does not, so compiled code stops
// midway): ALU, M, LUI/AUIPC, loads and stores around jitData (aligned,
// misaligned, page-crossing, and now and then through a random register,
// which faults), forward branches and jumps. The body runs three times.
func genJITProgram(r *rand.Rand) string {
	var b strings.Builder
	reg := func() string {
		for {
			n := r.IntN(32)
			if n != 5 && n != 31 {
				return fmt.Sprintf("x%d", n)
			}
		}
	}
	src := func() string {
		if r.IntN(8) == 0 {
			return "x5"
		}
		return reg()
	}
	fmt.Fprintf(&b, ".globl _start\n_start:\n\tli x5, %#x\n\tli x31, 3\n", uint64(jitData))
	for i := 1; i < 31; i++ {
		if i == 5 {
			continue
		}
		fmt.Fprintf(&b, "\tli x%d, %#x\n", i, r.Uint64()>>(r.IntN(4)*16))
	}
	// Some data to load.
	for i := 0; i < 64; i += 8 {
		fmt.Fprintf(&b, "\tli x6, %#x\n\tsd x6, %d(x5)\n", r.Uint64(), i-32)
	}
	b.WriteString("loop:\n")
	rr := []string{"add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
		"addw", "subw", "sllw", "srlw", "sraw", "mul", "mulh", "mulhu", "mulw",
		"mulhsu", "div", "divu", "rem", "remu", "divw", "remw", "divuw", "remuw"}
	ri := []string{"addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"}
	sh := []string{"slli", "srli", "srai"}
	shw := []string{"slliw", "srliw", "sraiw"}
	loads := []string{"ld", "lw", "lwu", "lh", "lhu", "lb", "lbu"}
	stores := []string{"sd", "sw", "sh", "sb"}
	branches := []string{"beq", "bne", "blt", "bge", "bltu", "bgeu"}
	n := 10 + r.IntN(60)
	label := 0
	for i := 0; i < n; i++ {
		switch k := r.IntN(20); {
		case k < 5:
			fmt.Fprintf(&b, "\t%s %s, %s, %s\n", rr[r.IntN(len(rr))], reg(), src(), src())
		case k < 8:
			fmt.Fprintf(&b, "\t%s %s, %s, %d\n", ri[r.IntN(len(ri))], reg(), src(), r.IntN(4096)-2048)
		case k < 9:
			fmt.Fprintf(&b, "\t%s %s, %s, %d\n", sh[r.IntN(3)], reg(), src(), r.IntN(64))
		case k < 10:
			fmt.Fprintf(&b, "\t%s %s, %s, %d\n", shw[r.IntN(3)], reg(), src(), r.IntN(32))
		case k < 11:
			op := []string{"lui", "auipc"}[r.IntN(2)]
			fmt.Fprintf(&b, "\t%s %s, %d\n", op, reg(), r.IntN(1<<20))
		case k < 14:
			base := "x5"
			if r.IntN(10) == 0 {
				base = src()
			}
			off := r.IntN(80) - 40
			if r.IntN(10) == 0 { // across the page end below jitData
				off = -r.IntN(8) - 1
			}
			fmt.Fprintf(&b, "\t%s %s, %d(%s)\n", loads[r.IntN(len(loads))], reg(), off, base)
		case k < 17:
			base := "x5"
			if r.IntN(10) == 0 {
				base = src()
			}
			fmt.Fprintf(&b, "\t%s %s, %d(%s)\n", stores[r.IntN(len(stores))], src(), r.IntN(80)-40, base)
		case k < 19:
			fmt.Fprintf(&b, "\t%s %s, %s, f%d\n", branches[r.IntN(len(branches))], src(), src(), label)
			fmt.Fprintf(&b, "\t%s %s, %s, %s\n", rr[r.IntN(10)], reg(), src(), src())
			fmt.Fprintf(&b, "f%d:\n", label)
			label++
		default:
			fmt.Fprintf(&b, "\tjal %s, f%d\n\taddi %s, %s, 1\nf%d:\n", reg(), label, reg(), src(), label)
			label++
		}
	}
	b.WriteString("\taddi x31, x31, -1\n\tbnez x31, loop\n")
	fmt.Fprintf(&b, "\tli x6, %#x\n\tli x7, %#x\n\tsw x7, 0(x6)\n", spec.TestBase, spec.FinisherPass)
	// A trap (a faulting load through a random register) goes to mtvec,
	// which is 0 at reset: the machine then loops on fetch faults until
	// Run's trap-loop limit; both runs must do the same.
	return b.String()
}

// FuzzJITMatchesInterpreter is TestJITMatchesInterpreter's property under
// `go test -fuzz`: the fuzzer's two words seed the program generator.
func FuzzJITMatchesInterpreter(f *testing.F) {
	testtool.Supported(f, jitSupported, "block compiler (linux/amd64 without -race)")
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(0xdead), uint64(0xbeef))
	f.Fuzz(func(t *testing.T, s1, s2 uint64) {
		setJITHot(t, 1)
		r := rand.New(rand.NewPCG(s1, s2))
		checkJITProgram(t, genJITProgram(r), s1&1 == 0)
	})
}

// TestJITMatchesInterpreter runs random programs with compiled blocks
// (compiled on their first run) and with the interpreter alone, and
// requires the same exit, retired count, registers, CSRs and data.
func TestJITMatchesInterpreter(t *testing.T) {
	testtool.Supported(t, jitSupported, "block compiler (linux/amd64 without -race)")
	setJITHot(t, 1)
	r := rand.New(rand.NewPCG(1, 2))
	programs := 400
	if testing.Short() {
		programs = 50
	}
	compiled := 0
	for p := 0; p < programs; p++ {
		if checkJITProgram(t, genJITProgram(r), p%2 == 0) {
			compiled++
		}
	}
	if compiled < programs/2 {
		t.Fatalf("only %d of %d programs compiled any block", compiled, programs)
	}
	t.Logf("%d programs, %d of them with compiled code", programs, compiled)
}

// checkJITProgram runs src with compiled blocks and interpreted alone
// and fails the test where they differ; it reports whether anything was
// compiled.
func checkJITProgram(t *testing.T, src string, noRVC bool) bool {
	t.Helper()
	obj, err := asm.Assemble("jit.S", []byte(src), asm.Options{NoRVC: noRVC})
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	cfg := testConfig()
	img, err := boot.Build(cfg, obj.Program("jit"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ms [2]*Machine
	for i := range ms {
		if ms[i], err = New(cfg, img); err != nil {
			t.Fatal(err)
		}
	}
	ms[0].SetJIT(false)
	var ex [2]spec.Exit
	for i, m := range ms {
		ex[i] = m.Run(200_000)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("rvc %v: %s\n%s", !noRVC, fmt.Sprintf(format, args...), src)
	}
	if ex[0] != ex[1] || ms[0].Retired() != ms[1].Retired() {
		fail("interpreter: %+v after %d; compiled: %+v after %d", ex[0], ms[0].Retired(), ex[1], ms[1].Retired())
	}
	sa, sb := ms[0].State(0), ms[1].State(0)
	if sa.PC != sb.PC || sa.X != sb.X || sa.Mode != sb.Mode {
		fail("state differs:\ninterpreter %+v\ncompiled    %+v", sa, sb)
	}
	for k, v := range sa.CSRs {
		if sb.CSRs[k] != v {
			fail("csr %#x: interpreter %#x, compiled %#x", k, v, sb.CSRs[k])
		}
	}
	var da, db [256]byte
	ms[0].ReadRAM(jitData-128, da[:])
	ms[1].ReadRAM(jitData-128, db[:])
	if !bytes.Equal(da[:], db[:]) {
		fail("data differs:\ninterpreter %x\ncompiled    %x", da, db)
	}
	return ms[1].jitMem != nil
}

// TestJITBenchPrograms runs the benchmark programs, which check their own
// result, with every block compiled on its first run.
func TestJITBenchPrograms(t *testing.T) {
	testtool.Supported(t, jitSupported, "block compiler (linux/amd64 without -race)")
	setJITHot(t, 1)
	for _, name := range benchPrograms {
		m := bootELF(t, testConfig(), benchELF(name))
		if e := m.Run(2_000_000_000); e.Reason != spec.HaltFinisher || e.Code != 0 {
			t.Errorf("%s: exit %+v after %d instructions", name, e, m.Retired())
		}
		if m.jitMem == nil {
			t.Errorf("%s: nothing was compiled", name)
		}
	}
}

// TestJITLetsGCStopTheWorld: compiled code cannot be preempted, so fast
// must return to loop every jitSlice compiled instructions, where the
// call's stack check lets a stop-the-world (a GC) in. Without it a GC
// started while Run spins in one page waits for the whole Run. The
// assertion is an order, not a time: the GC must end before Run does.
func TestJITLetsGCStopTheWorld(t *testing.T) {
	testtool.Supported(t, jitSupported, "block compiler (linux/amd64 without -race)")
	obj, err := asm.Assemble("spin.S", []byte(".globl _start\n_start:\n\tli a1, 0\n1:\tld a0, 0(sp)\n\taddi a1, a1, 1\n\tbeqz a0, 1b\n"), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	img, err := boot.Build(cfg, obj.Program("spin"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	m.Harts[0].SetReg(2, spec.RAMBase+0x10000) // sp: a zero doubleword
	m.Run(100_000)                             // compiled by now
	if m.jitMem == nil {
		t.Fatal("the spin loop was not compiled")
	}
	var ran atomic.Bool
	done := make(chan struct{})
	go func() {
		m.Run(1_500_000_000) // ~1 s compiled; no timer, no exit
		ran.Store(true)
		close(done)
	}()
	time.Sleep(20 * time.Millisecond) // let Run get into compiled code
	runtime.GC()
	if ran.Load() {
		t.Error("a GC waited for Run to end: compiled code held off the stop-the-world")
	}
	<-done
}

// TestJITLoopBlockBudget: a loop that is one block runs again straight
// from its own compiled code (jumpTo), with its registers kept in host
// registers; it must still stop exactly where the budget ends, with the
// registers written back. Every budget from 1 to a few iterations past
// the compile point is compared with the interpreter.
func TestJITLoopBlockBudget(t *testing.T) {
	testtool.Supported(t, jitSupported, "block compiler (linux/amd64 without -race)")
	setJITHot(t, 1)
	src := ".globl _start\n_start:\n\tli a2, 300\n1:\taddi a0, a0, 1\n\tslli a1, a0, 3\n\tadd a3, a3, a1\n\tbne a0, a2, 1b\n" +
		"\tli t0, 0x100000\n\tli t1, 0x5555\n\tsw t1, 0(t0)\n"
	obj, err := asm.Assemble("loop.S", []byte(src), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	img, err := boot.Build(cfg, obj.Program("loop"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for limit := uint64(1); limit < 200; limit++ {
		var ms [2]*Machine
		for i := range ms {
			if ms[i], err = New(cfg, img); err != nil {
				t.Fatal(err)
			}
		}
		ms[0].SetJIT(false)
		for _, m := range ms {
			m.Run(limit)
		}
		if ms[1].jitMem == nil && limit > 20 {
			t.Fatalf("limit %d: nothing was compiled", limit)
		}
		a, b := ms[0].State(0), ms[1].State(0)
		if ms[0].Retired() != ms[1].Retired() || a.PC != b.PC || a.X != b.X {
			t.Fatalf("limit %d: interpreter retired %d, pc %#x, x %v; compiled retired %d, pc %#x, x %v",
				limit, ms[0].Retired(), a.PC, a.X, ms[1].Retired(), b.PC, b.X)
		}
	}
}

// TestJITDivisionEdges compares every division and remainder (and
// MULHSU), compiled, with the interpreter over the operands where they
// have their own rules (Unprivileged spec §7.2, Table 7.1): zero
// divisors, -1 divisors with the most negative dividends (x86's idiv
// faults there), and 32-bit edges for the W forms.
func TestJITDivisionEdges(t *testing.T) {
	testtool.Supported(t, jitSupported, "block compiler (linux/amd64 without -race)")
	setJITHot(t, 1)
	const divData = spec.RAMBase + 0x200000 // past the code
	vals := []int64{0, 1, -1, 2, -2, 7, -7, math.MinInt64, math.MaxInt64, math.MinInt32, math.MaxInt32,
		0xffffffff, 0x80000000, 0x100000000, 0x1ffffffff, -0x100000001}
	ops := []string{"div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw", "mulhsu"}
	var b strings.Builder
	fmt.Fprintf(&b, ".globl _start\n_start:\n\tli s2, %#x\n", uint64(divData))
	for _, x := range vals {
		for _, y := range vals {
			fmt.Fprintf(&b, "\tli a0, %d\n\tli a1, %d\n", x, y)
			for _, o := range ops {
				fmt.Fprintf(&b, "\t%s t0, a0, a1\n\tsd t0, 0(s2)\n\taddi s2, s2, 8\n", o)
			}
			// the same with the divisor in x0, and rd = rs1
			fmt.Fprintf(&b, "\tdiv t1, a0, x0\n\trem t2, a0, x0\n\tdivw a0, a0, a1\n\tsd t1, 0(s2)\n\tsd t2, 8(s2)\n\tsd a0, 16(s2)\n\taddi s2, s2, 24\n")
		}
	}
	fmt.Fprintf(&b, "\tli x6, %#x\n\tli x7, %#x\n\tsw x7, 0(x6)\n", spec.TestBase, spec.FinisherPass)
	obj, err := asm.Assemble("div.S", []byte(b.String()), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	img, err := boot.Build(cfg, obj.Program("div"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ms [2]*Machine
	for i := range ms {
		if ms[i], err = New(cfg, img); err != nil {
			t.Fatal(err)
		}
	}
	ms[0].SetJIT(false)
	size := len(vals) * len(vals) * (len(ops) + 3) * 8
	var mem [2][]byte
	for i, m := range ms {
		if e := m.Run(1_000_000); e.Reason != spec.HaltFinisher {
			t.Fatalf("machine %d: %+v", i, e)
		}
		mem[i] = make([]byte, size)
		m.ReadRAM(divData, mem[i])
	}
	if ms[1].jitMem == nil {
		t.Fatal("nothing was compiled")
	}
	for k := 0; k < size; k += 8 {
		if !bytes.Equal(mem[0][k:k+8], mem[1][k:k+8]) {
			n := k / 8 % (len(ops) + 3)
			p := k / 8 / (len(ops) + 3)
			what := "x0 divisor / rd=rs1 case"
			if n < len(ops) {
				what = ops[n]
			}
			t.Errorf("%s %d, %d: interpreter %x, compiled %x", what, vals[p/len(vals)], vals[p%len(vals)], mem[0][k:k+8], mem[1][k:k+8])
		}
	}
}

// TestJITPageCrossingMisses: compiled loads and stores look up the TLB
// with the page of their last byte, so an access that crosses the end of
// a cached page misses and takes the slow path. Here the page is the last
// of RAM, already in the TLB, and the doublewords at its end cross into
// nothing: every ld and sd must fault (a handler counts and skips them),
// compiled as interpreted; a lookup by the first byte alone would hit
// and run off the end of RAM.
func TestJITPageCrossingMisses(t *testing.T) {
	testtool.Supported(t, jitSupported, "block compiler (linux/amd64 without -race)")
	setJITHot(t, 1)
	cfg := testConfig()
	end := spec.RAMBase + cfg.RAM
	src := fmt.Sprintf(".globl _start\n_start:\n\tla t0, handler\n\tcsrw mtvec, t0\n\tli s2, %#x\n\tli s3, 100\n"+
		"\tlw a0, 4(s2)\n\tsw a0, 0(s2)\n\tj 1f\n"+ // the last page in both TLBs
		"1:\tld a1, 4(s2)\n\tsd s3, 2(s2)\n\tld a2, 1(s2)\n\taddi s3, s3, -1\n\tbnez s3, 1b\n"+
		"\tli x6, %#x\n\tli x7, %#x\n\tsw x7, 0(x6)\n"+
		"handler:\n\tcsrr t0, mepc\n\taddi t0, t0, 4\n\tcsrw mepc, t0\n\taddi s4, s4, 1\n\tmret\n",
		end-8, spec.TestBase, spec.FinisherPass)
	obj, err := asm.Assemble("cross.S", []byte(src), asm.Options{NoRVC: true})
	if err != nil {
		t.Fatal(err)
	}
	img, err := boot.Build(cfg, obj.Program("cross"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ms [2]*Machine
	for i := range ms {
		if ms[i], err = New(cfg, img); err != nil {
			t.Fatal(err)
		}
	}
	ms[0].SetJIT(false)
	for i, m := range ms {
		if e := m.Run(100_000); e.Reason != spec.HaltFinisher {
			t.Fatalf("machine %d: %+v", i, e)
		}
	}
	if ms[1].jitMem == nil {
		t.Fatal("nothing was compiled")
	}
	a, b := ms[0].State(0), ms[1].State(0)
	if a.X != b.X {
		t.Fatalf("interpreter x %v\ncompiled    x %v", a.X, b.X)
	}
	if got := a.X[20]; got != 300 { // s4: three faults per iteration
		t.Fatalf("%d faults, want 300", got)
	}
}
