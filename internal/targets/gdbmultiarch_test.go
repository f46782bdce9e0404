package targets

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
)

// TestGDBMultiarchSession attaches the real gdb-multiarch, in batch mode,
// to the reference model (and the engine) served by `vcheck serve --gdb`'s
// stub, with a program that drops from M to S to U: it reads registers and
// the privilege mode, sets a breakpoint at the first U-mode instruction,
// continues to it, single-steps, reads memory through Sv39-free
// translation and a CSR, and lists the threads. Every value gdb prints is
// checked against a second model stepped to the same point.
func TestGDBMultiarchSession(t *testing.T) {
	gdbBin := testtool.Tool(t, "gdb-multiarch")
	for _, served := range []string{"ref", "engine"} {
		t.Run(served, func(t *testing.T) { gdbSession(t, gdbBin, served) })
	}
}

func gdbSession(t *testing.T, gdbBin, served string) {
	var prog corpus.Program
	for _, p := range corpus.Programs("ref") {
		if p.Path == "ref/priv_su.S" {
			prog = p
		}
	}
	cfg := spec.DefaultConfig()
	img, err := prog.Image(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The oracle: the first U-mode instruction, never executed before, the
	// state there and the record of the step after it.
	oracle, err := New("ref", cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	var uPC uint64
	for i := 0; i < 100000; i++ {
		st := oracle.State(0)
		if st.Mode == spec.ModeU && !seen[st.PC] {
			uPC = st.PC
			break
		}
		seen[st.PC] = true
		oracle.Step()
	}
	if uPC == 0 {
		t.Fatal("priv_su.S never reaches U-mode on the reference model")
	}
	atBP := oracle.State(0)
	oracle.Step()
	after := oracle.State(0)

	m, err := New(served, cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := Memory(m, img)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go gdb.NewServer(m, mem, cfg).Serve(l)

	dataAddr := uPC &^ 7 // the code at the breakpoint: RAM the program holds
	cmds := []string{
		"set pagination off", "set confirm off", "set architecture riscv:rv64",
		"target remote " + l.Addr().String(),
		"echo @reset-pc\\n", "p/x $pc",
		"echo @reset-priv\\n", "p/x $priv",
		fmt.Sprintf("break *0x%x", uPC),
		"continue",
		"echo @bp-pc\\n", "p/x $pc",
		"echo @bp-priv\\n", "p/x $priv",
		"echo @bp-sp\\n", "p/x $sp",
		"echo @bp-mstatus\\n", "p/x $mstatus",
		"echo @bp-mem\\n", fmt.Sprintf("x/1gx 0x%x", dataAddr),
		"stepi",
		"echo @step-pc\\n", "p/x $pc",
		"echo @threads\\n", "info threads",
		"detach",
	}
	args := []string{"-nx", "-batch"}
	for _, c := range cmds {
		args = append(args, "-ex", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, gdbBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("gdb-multiarch: %v\n%s", err, out)
	}
	text := string(out)
	value := func(mark string) string {
		i := strings.Index(text, "@"+mark+"\n")
		if i < 0 {
			t.Fatalf("no %s in gdb's output:\n%s", mark, text)
		}
		rest := text[i+len(mark)+2:]
		if j := strings.Index(rest, "\n@"); j >= 0 {
			rest = rest[:j]
		}
		return strings.TrimSpace(rest)
	}
	hexValue := regexp.MustCompile(`^\$\d+ = (0x[0-9a-f]+)`)
	num := func(mark string) uint64 {
		v := value(mark)
		m := hexValue.FindStringSubmatch(v)
		if m == nil {
			t.Fatalf("%s: gdb printed %q", mark, v)
		}
		n, _ := strconv.ParseUint(m[1][2:], 16, 64)
		return n
	}
	check := func(mark string, want uint64) {
		if got := num(mark); got != want {
			t.Errorf("%s: gdb shows %#x, the model %#x", mark, got, want)
		}
	}
	check("reset-pc", spec.BootROMBase)
	check("reset-priv", uint64(spec.ModeM))
	check("bp-pc", uPC)
	check("bp-priv", uint64(spec.ModeU))
	check("bp-sp", atBP.X[2])
	check("bp-mstatus", atBP.CSRs[spec.CSRMstatus])
	check("step-pc", after.PC)
	var word uint64
	buf := make([]byte, 8)
	if err := mem.ReadMem(dataAddr, buf); err != nil {
		t.Fatal(err)
	}
	for i := 7; i >= 0; i-- {
		word = word<<8 | uint64(buf[i])
	}
	if !strings.Contains(value("bp-mem"), fmt.Sprintf("0x%016x", word)) {
		t.Errorf("x/1gx 0x%x: gdb shows %q, memory holds %#x", dataAddr, value("bp-mem"), word)
	}
	if !strings.Contains(value("threads"), "Thread 1") {
		t.Errorf("info threads: %q", value("threads"))
	}
	if !strings.Contains(text, "Breakpoint 1, ") {
		t.Errorf("gdb did not report the breakpoint:\n%s", text)
	}
}
