package trace

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// Golden lines, written from Spike's printf formats (riscv-isa-sim
// riscv/execute.cc commit_log_print_insn: "core%4d: ", "%1d ", the pc as
// 0x%016x, the bits as (0x%08x) or (0x%04x), " x%-2d 0x%016x",
// " c%d_%s 0x%016x", " mem 0x%016x", a store's value in as many hex
// digits as its bytes; riscv/processor.cc take_trap for the exception and
// tval lines).
func TestFormatGolden(t *testing.T) {
	csrs := map[uint16]uint64{spec.CSRMstatus: 0xa00000080, spec.CSRMie: 0x222, spec.CSRMip: 0x80}
	read := func(a uint16) uint64 { return csrs[a] }
	for _, tc := range []struct {
		r    spec.Retire
		want string
	}{
		{spec.Retire{PC: 0x80000000, Insn: 0x00000297, Mode: spec.ModeM, Rd: spec.RegWrite{Valid: true, Reg: 5, Value: 0x80000000}},
			"core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000"},
		{spec.Retire{PC: 0x80000004, Insn: 0x4505, Mode: spec.ModeS, Rd: spec.RegWrite{Valid: true, Reg: 10, Value: 1}},
			"core   0: 1 0x0000000080000004 (0x4505) x10 0x0000000000000001"},
		{spec.Retire{PC: 0x80000008, Insn: 0x00a12023, Mode: spec.ModeU, Mem: spec.MemAccess{Valid: true, Addr: 0x80001000, Size: 4, Write: true, WData: 0xdeadbeef}},
			"core   0: 0 0x0000000080000008 (0x00a12023) mem 0x0000000080001000 0xdeadbeef"},
		{spec.Retire{PC: 0x8000000c, Insn: 0x00013503, Mode: spec.ModeM, Rd: spec.RegWrite{Valid: true, Reg: 10, Value: 7}, Mem: spec.MemAccess{Valid: true, Addr: 0x80001000, Size: 8, Read: true, RData: 7}},
			"core   0: 3 0x000000008000000c (0x00013503) x10 0x0000000000000007 mem 0x0000000080001000"},
		// amoadd.w a0, a1, (sp): the load, then the store.
		{spec.Retire{PC: 0x80000010, Insn: 0x00b1252f, Mode: spec.ModeM, Rd: spec.RegWrite{Valid: true, Reg: 10, Value: 1}, Mem: spec.MemAccess{Valid: true, Addr: 0x80001000, Size: 4, Read: true, Write: true, RData: 1, WData: 3}},
			"core   0: 3 0x0000000080000010 (0x00b1252f) x10 0x0000000000000001 mem 0x0000000080001000 mem 0x0000000080001000 0x00000003"},
		// csrw sstatus: Spike logs the whole mstatus.
		{spec.Retire{PC: 0x80000014, Insn: 0x10029073, Mode: spec.ModeS, CSR: spec.CSRWrite{Valid: true, Addr: spec.CSRSstatus, Value: 0x200000002}},
			"core   0: 1 0x0000000080000014 (0x10029073) c768_mstatus 0x0000000a00000080"},
		// csrrw a0, sie, t0: rd first (its key sorts first), then mie whole.
		{spec.Retire{PC: 0x80000018, Insn: 0x10429573, Mode: spec.ModeS, Rd: spec.RegWrite{Valid: true, Reg: 10}, CSR: spec.CSRWrite{Valid: true, Addr: spec.CSRSie, Value: 0x22}},
			"core   0: 1 0x0000000080000018 (0x10429573) x10 0x0000000000000000 c772_mie 0x0000000000000222"},
		{spec.Retire{PC: 0x8000001c, Insn: 0x34129073, Mode: spec.ModeM, CSR: spec.CSRWrite{Valid: true, Addr: spec.CSRMepc, Value: 0x80000100}},
			"core   0: 3 0x000000008000001c (0x34129073) c833_mepc 0x0000000080000100"},
		// mret logs the mstatus it wrote.
		{spec.Retire{PC: 0x80000020, Insn: 0x30200073, Mode: spec.ModeM, NextMode: spec.ModeU},
			"core   0: 3 0x0000000080000020 (0x30200073) c768_mstatus 0x0000000a00000080"},
		{spec.Retire{PC: 0x80000024, Insn: 0, Mode: spec.ModeU, Trap: spec.Trap{Valid: true, Cause: spec.CauseIllegalInstruction}},
			"core   0: exception trap_illegal_instruction, epc 0x0000000080000024\ncore   0:           tval 0x0000000000000000"},
		{spec.Retire{PC: 0x80000028, Insn: 0x00000073, Mode: spec.ModeU, Trap: spec.Trap{Valid: true, Cause: spec.CauseUserEcall}},
			"core   0: exception trap_user_ecall, epc 0x0000000080000028"},
		{spec.Retire{Hart: 1, PC: 0x8000002c, Mode: spec.ModeM, Trap: spec.Trap{Valid: true, Interrupt: true, Cause: spec.IntMTimer}},
			"core   1: exception interrupt #7, epc 0x000000008000002c"},
		{spec.Retire{PC: 0x1000, Mode: spec.ModeM, Trap: spec.Trap{Valid: true, Cause: spec.CauseLoadPageFault, Tval: 0x40000000}},
			"core   0: exception trap_load_page_fault, epc 0x0000000000001000\ncore   0:           tval 0x0000000040000000"},
	} {
		if got := Format(&tc.r, read); got != tc.want {
			t.Errorf("Format:\n got %q\nwant %q", got, tc.want)
		}
	}
}

func TestParseLine(t *testing.T) {
	e, ok, err := ParseLine("core   0: 3 0x0000000080000010 (0x00b1252f) x10 0x0000000000000001 mem 0x0000000080001000 mem 0x0000000080001000 0x00000003")
	if err != nil || !ok || e.Kind != 'c' || e.Priv != 3 || e.PC != 0x80000010 || e.Insn != 0x00b1252f || e.InsnHx != 8 ||
		len(e.Regs) != 1 || e.Regs[0] != (RegWrite{10, 1}) || len(e.Loads) != 1 || len(e.Stores) != 1 || e.Stores[0] != (Store{0x80001000, 3, 4}) {
		t.Errorf("AMO commit line: %+v ok=%v err=%v", e, ok, err)
	}
	e, ok, err = ParseLine("core   0: 1 0x0000000080000014 (0x10029073) c768_mstatus 0x0000000a00000080")
	if err != nil || !ok || len(e.CSRs) != 1 || e.CSRs[0] != (CSRWrite{768, "mstatus", 0xa00000080}) {
		t.Errorf("CSR line: %+v %v", e, err)
	}
	e, ok, err = ParseLine("core   0: 0x0000000080000000 (0x00000297) auipc   t0, 0x0")
	if err != nil || !ok || e.Kind != 'd' || e.PC != 0x80000000 {
		t.Errorf("-l line: %+v %v", e, err)
	}
	e, ok, err = ParseLine("core   0: exception interrupt #7, epc 0x000000008000002c")
	if err != nil || !ok || e.Kind != 'x' || e.Trap != "interrupt #7" || e.EPC != 0x8000002c {
		t.Errorf("exception line: %+v %v", e, err)
	}
	e, ok, err = ParseLine("core   0:           tval 0x0000000040000000")
	if err != nil || !ok || e.Kind != 't' || e.Tval != 0x40000000 {
		t.Errorf("tval line: %+v %v", e, err)
	}
	if _, ok, err := ParseLine("core   0: >>>>  main"); ok || err != nil {
		t.Errorf("symbol line: ok=%v err=%v", ok, err)
	}
	for _, bad := range []string{
		"core x: 3 0x0 (0x00000013)",
		"core   0: 3 0x0000000080000000 (0x0013)x",
		"core   0: 3 0x0000000080000000 (0x000013)",
		"core   0: 3 0x0000000080000000 (0x00000013) f1  0x0",
		"core   0: 3 0x0000000080000000 (0x00000013) x32 0x0",
		"core   0: 3 0x0000000080000000 (0x00000013) x5",
		"core   0: 3 0x0000000080000000 (0x00000013) mem",
		"core   0: 3 0x0000000080000000 (0x00000013) mem 0x1 0x123",
		"core   0: exception trap_x epc 0x0",
		"core   0: 9 0x0 (0x00000013)",
		"core   0: something else",
	} {
		if _, _, err := ParseLine(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestTargetReadsALog reads a small hand-written log in Spike's shape:
// Spike's boot ROM (skipped), a commit, a trap with -l's lines, the
// handler, and the HTIF exit; then asks for the records.
func TestTargetReadsALog(t *testing.T) {
	log := `bbl loader
core   0: 0x0000000000001000 (0x00000297) auipc   t0, 0x0
core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000
core   0: 3 0x0000000000001010 (0x00028067)
core   0: 0x0000000080000000 (0x00a00513) li      a0, 10
core   0: 3 0x0000000080000000 (0x00a00513) x10 0x000000000000000a
core   0: 0x0000000080000004 (0x00000000) c.unimp
core   0: exception trap_illegal_instruction, epc 0x0000000080000004
core   0:           tval 0x0000000000000000
core   0: 3 0x0000000080000100 (0x0000100f) 
core   0: 3 0x0000000080000104 (0x00a2b023) mem 0x0000000080001000 0x0000000000000001
core   0: 3 0x0000000080000108 (0x0000006f)
`
	tg, err := New(strings.NewReader(log), "test.log", Options{Config: spec.DefaultConfig(), ToHost: 0x80001000})
	if err != nil {
		t.Fatal(err)
	}
	want := []spec.Retire{
		{PC: 0x80000000, NextPC: 0x80000004, Insn: 0x00a00513, Mode: 3, NextMode: 3, Rd: spec.RegWrite{Valid: true, Reg: 10, Value: 10}},
		{PC: 0x80000004, NextPC: 0x80000100, Insn: 0x0000, Mode: 3, NextMode: 3, Trap: spec.Trap{Valid: true, Cause: 2, Target: 3}},
		{PC: 0x80000100, NextPC: 0x80000104, Insn: 0x100f, Mode: 3, NextMode: 3},
		{PC: 0x80000104, NextPC: 0x80000108, Insn: 0x00a2b023, Mode: 3, NextMode: 3, Mem: spec.MemAccess{Valid: true, Addr: 0x80001000, Size: 8, Write: true, WData: 1}},
	}
	for i, w := range want {
		if e := tg.Exit(); e.Reason != spec.Running {
			t.Fatalf("record %d: exited early: %v", i, e)
		}
		if got := tg.Step(); got != w {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if e := tg.Exit(); e.Reason != spec.HaltHTIF || e.Code != 0 {
		t.Errorf("exit %v, want the HTIF exit", e)
	}
}

func TestReaderErrors(t *testing.T) {
	_, err := New(strings.NewReader("core   0: 3 0x0000000080000000 (0x00a00513) x10\n"), "bad.log", Options{})
	if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "bad.log:1") {
		t.Errorf("error %v does not name the file and line", err)
	}
	_, err = New(strings.NewReader("core   0: 3 0x0000000000001000 (0x00000297)\n"), "rom.log", Options{})
	if err == nil || !strings.Contains(err.Error(), "no step at or above") {
		t.Errorf("a log that never reaches RAM: %v", err)
	}
	long := "core   0: 3 0x0000000080000000 (0x00a00513)" + strings.Repeat(" ", MaxLine)
	if _, err := New(strings.NewReader(long), "long.log", Options{}); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("an endless line: %v", err)
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"core   0: 3 0x0000000080000010 (0x00b1252f) x10 0x0000000000000001 mem 0x0000000080001000 mem 0x0000000080001000 0x00000003",
		"core   0: 1 0x0000000080000014 (0x10029073) c768_mstatus 0x0000000a00000080",
		"core   0: exception interrupt #7, epc 0x000000008000002c",
		"core   0:           tval 0x0000000040000000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok, err := ParseLine(s)
		if err != nil || !ok || e.Kind != 'c' {
			return
		}
		if e.Hart > 4095 || e.Priv > 3 || (e.InsnHx != 4 && e.InsnHx != 8) {
			t.Fatalf("accepted %+v", e)
		}
	})
}

// FuzzTarget reads arbitrary logs to the end: errors, never a panic.
func FuzzTarget(f *testing.F) {
	f.Add("core   0: 3 0x0000000080000000 (0x00a00513) x10 0x000000000000000a\ncore   0: exception trap_illegal_instruction, epc 0x0000000080000004\n")
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := New(strings.NewReader(s), "fuzz.log", Options{Config: spec.DefaultConfig()})
		if err != nil {
			return
		}
		defer func() {
			if r := recover(); r != nil {
				if e, ok := r.(error); !ok || !strings.Contains(e.Error(), "target failed") {
					t.Fatalf("panic that is not a target failure: %v", r)
				}
			}
		}()
		for i := 0; i < 1000 && tg.Exit().Reason == spec.Running; i++ {
			tg.Step()
		}
	})
}

var _ = io.EOF
