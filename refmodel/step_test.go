package refmodel

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// enc encodes one instruction from the table: operands in the row's
// Args order (GNU order), aq/rl omitted.
func enc(t *testing.T, name string, ops ...int64) uint32 {
	t.Helper()
	in := spec.Lookup(name)
	if in == nil {
		t.Fatalf("no instruction %q", name)
	}
	w := in.Match
	i := 0
	for _, a := range in.Args {
		if a == spec.ArgAq || a == spec.ArgRl {
			continue
		}
		if i >= len(ops) {
			t.Fatalf("%s: too few operands", name)
		}
		bits, err := a.Encode(ops[i])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w |= bits
		i++
	}
	return w
}

// rawMachine builds a machine whose RAM starts with code (4- or 2-byte
// words) and whose harts start at RAMBase in M-mode.
func rawMachine(t *testing.T, cfg spec.Config, code ...uint32) *Machine {
	t.Helper()
	var b []byte
	for _, w := range code {
		if w&3 != 3 {
			b = binary.LittleEndian.AppendUint16(b, uint16(w))
		} else {
			b = binary.LittleEndian.AppendUint32(b, w)
		}
	}
	img := &boot.Image{Segments: []load.Segment{{Addr: spec.RAMBase, Data: b, MemSize: uint64(len(b))}},
		ResetPC: spec.RAMBase, Entry: spec.RAMBase}
	m, err := New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStepRecords(t *testing.T) {
	const ram = spec.RAMBase
	code := []uint32{
		enc(t, "auipc", 6, 0x1000),              // 0x00 x6 = ram+0x1000
		enc(t, "addi", 5, 0, 5),                 // 0x04 x5 = 5
		enc(t, "sd", 5, 8, 6),                   // 0x08 store 5 at x6+8
		enc(t, "ld", 7, 8, 6),                   // 0x0c load it back
		enc(t, "amoadd.d", 8, 5, 6),             // 0x10 amoadd at x6: old 0
		enc(t, "csrrw", 9, spec.CSRMscratch, 5), // 0x14
		enc(t, "sc.d", 10, 5, 6),                // 0x18 fails: no reservation
		enc(t, "c.li", 11, -1),                  // 0x1c compressed
		enc(t, "addi", 0, 0, 1),                 // 0x1e write to x0
		0x0000,                                  // 0x22 illegal (compressed zero)
	}
	m := rawMachine(t, spec.DefaultConfig(), code...)
	step := func() spec.Retire { t.Helper(); return m.Step() }

	step()
	r := step()
	if r.PC != ram+4 || r.NextPC != ram+8 || r.Insn != code[1] || r.Mode != spec.ModeM || r.NextMode != spec.ModeM ||
		r.Rd != (spec.RegWrite{Valid: true, Reg: 5, Value: 5}) || r.Mem.Valid || r.CSR.Valid || r.Trap.Valid {
		t.Errorf("addi: %+v", r)
	}
	base := uint64(ram + 0x1000)
	if r = step(); r.Mem != (spec.MemAccess{Valid: true, Addr: base + 8, Size: 8, Write: true, WData: 5}) || r.Rd.Valid {
		t.Errorf("sd: %+v", r)
	}
	if r = step(); r.Mem != (spec.MemAccess{Valid: true, Addr: base + 8, Size: 8, Read: true, RData: 5}) || r.Rd.Value != 5 {
		t.Errorf("ld: %+v", r)
	}
	if r = step(); r.Mem != (spec.MemAccess{Valid: true, Addr: base, Size: 8, Read: true, Write: true, RData: 0, WData: 5}) ||
		r.Rd != (spec.RegWrite{Valid: true, Reg: 8, Value: 0}) {
		t.Errorf("amoadd.d: %+v", r)
	}
	if r = step(); r.CSR != (spec.CSRWrite{Valid: true, Addr: spec.CSRMscratch, Value: 5}) || r.Rd.Reg != 9 {
		t.Errorf("csrrw: %+v", r)
	}
	if r = step(); r.Mem != (spec.MemAccess{Valid: true, Addr: base, Size: 8}) || r.Rd.Value != 1 {
		t.Errorf("failed sc.d: %+v", r)
	}
	if r = step(); r.Insn != code[7] || r.NextPC != r.PC+2 || r.Rd.Value != ^uint64(0) {
		t.Errorf("c.li: %+v", r)
	}
	if r = step(); r.Rd.Valid {
		t.Errorf("a write to x0 is recorded: %+v", r)
	}
	retired := m.Retired()
	if r = step(); !r.Trap.Valid || r.Trap.Cause != spec.CauseIllegalInstruction || r.Trap.Tval != 0 ||
		r.Trap.Target != spec.ModeM || r.NextPC != 0 || r.Insn != 0 || r.Trap.Interrupt {
		t.Errorf("illegal: %+v", r)
	}
	if m.Retired() != retired {
		t.Errorf("a trap step counted as retired")
	}
	s := m.State(0)
	if s.CSRs[spec.CSRMepc] != ram+0x22 || s.CSRs[spec.CSRMcause] != 2 || s.CSRs[spec.CSRMscratch] != 5 {
		t.Errorf("state after the trap: mepc %#x mcause %#x", s.CSRs[spec.CSRMepc], s.CSRs[spec.CSRMcause])
	}
	if len(s.CSRs) != len(spec.CSRs) {
		t.Errorf("State has %d CSRs, the table %d", len(s.CSRs), len(spec.CSRs))
	}
	if s.CSRs[spec.CSRMinstret] != retired || s.CSRs[spec.CSRInstret] != retired {
		t.Errorf("minstret %d, retired %d", s.CSRs[spec.CSRMinstret], retired)
	}
}

// TestInterruptStep: an interrupt is its own step, before the
// instruction, with Insn 0 and NextPC the vector.
func TestInterruptStep(t *testing.T) {
	code := []uint32{
		enc(t, "addi", 5, 0, 8), // MIE
		enc(t, "csrrs", 0, spec.CSRMstatus, 5),
		enc(t, "addi", 5, 0, 1<<3), // MSIE
		enc(t, "csrrs", 0, spec.CSRMie, 5),
		enc(t, "lui", 6, spec.CLINTBase),
		enc(t, "addi", 7, 0, 1),
		enc(t, "sw", 7, 0, 6), // msip = 1
		enc(t, "addi", 0, 0, 0),
	}
	m := rawMachine(t, spec.DefaultConfig(), code...)
	for i := 0; i < 7; i++ {
		if r := m.Step(); r.Trap.Valid {
			t.Fatalf("step %d trapped: %+v", i, r)
		}
	}
	r := m.Step()
	want := spec.Trap{Valid: true, Interrupt: true, Cause: spec.IntMSoftware, Target: spec.ModeM}
	if r.Trap != want || r.Insn != 0 || r.PC != spec.RAMBase+28 || r.NextPC != 0 {
		t.Errorf("interrupt step %+v", r)
	}
	if m.State(0).CSRs[spec.CSRMcause] != 1<<63|spec.IntMSoftware {
		t.Errorf("mcause %#x", m.State(0).CSRs[spec.CSRMcause])
	}
}

// TestRunawayEndsAtLimit: garbage and jumps into nothing end in a clear
// limit report, not a panic or a hang.
func TestRunawayEndsAtLimit(t *testing.T) {
	for name, code := range map[string][]uint32{
		"garbage":         {0xffffffff, 0x12345678},
		"unmapped jump":   {enc(t, "lui", 5, 0x40000000), enc(t, "jalr", 0, 0, 5)},
		"infinite loop":   {enc(t, "jal", 0, 0)},
		"misaligned load": {enc(t, "ld", 5, 3, 0)},
	} {
		m := rawMachine(t, spec.DefaultConfig(), code...)
		e := m.Run(10_000)
		if e.Reason != spec.HaltLimit || !strings.Contains(e.Detail, "limit") {
			t.Errorf("%s: %+v", name, e)
		}
	}
}

// TestHartsRoundRobin: steps alternate between harts, and each sees its
// own mhartid.
func TestHartsRoundRobin(t *testing.T) {
	cfg := spec.DefaultConfig()
	cfg.Harts = 3
	m := rawMachine(t, cfg, enc(t, "csrrs", 5, spec.CSRMhartid, 0), enc(t, "jal", 0, 0))
	for i := 0; i < 6; i++ {
		r := m.Step()
		if r.Hart != i%3 {
			t.Fatalf("step %d ran hart %d", i, r.Hart)
		}
		if i < 3 && r.Rd.Value != uint64(i) {
			t.Errorf("hart %d read mhartid %d", i, r.Rd.Value)
		}
	}
	if s := m.State(2); s.X[5] != 2 || s.CSRs[spec.CSRMhartid] != 2 {
		t.Errorf("hart 2 state: t0 %d mhartid %d", s.X[5], s.CSRs[spec.CSRMhartid])
	}
}

// TestTimeAdvancesWithRetirement: mtime (and the time CSR) tick once per
// TimebaseDiv retired instructions, over all harts.
func TestTimeAdvancesWithRetirement(t *testing.T) {
	cfg := spec.DefaultConfig()
	cfg.TimebaseDiv = 10
	cfg.Harts = 2
	m := rawMachine(t, cfg, enc(t, "jal", 0, 0))
	m.Run(95)
	r := rawTime(t, m)
	if r != 9 {
		t.Errorf("after 95 retired on 2 harts, time = %d, want 9", r)
	}
}

func rawTime(t *testing.T, m *Machine) uint64 {
	v, ok := m.ReadPhys(spec.CLINTBase+spec.CLINTMtime, 8)
	if !ok {
		t.Fatal("no mtime")
	}
	if c := m.State(0).CSRs[spec.CSRTime]; c != v {
		t.Errorf("time CSR %d, mtime %d", c, v)
	}
	return v
}

// TestVariantPOPF: in the popf variant, U-mode reads of sstatus and
// mstatus do not trap and see the sstatus view, and writes keep SIE.
func TestVariantPOPF(t *testing.T) {
	code := []uint32{
		enc(t, "addi", 5, 0, -1),                // PMP: all of memory, RWX
		enc(t, "csrrw", 0, spec.CSRPmpaddr0, 5), //
		enc(t, "addi", 5, 0, 0x1f),              //
		enc(t, "csrrw", 0, spec.CSRPmpcfg0, 5),  //
		enc(t, "addi", 5, 0, 2|1<<8),            // SIE | SPP
		enc(t, "csrrs", 0, spec.CSRMstatus, 5),  // in M: set them
		enc(t, "auipc", 6, 0),                   // x6 = pc
		enc(t, "addi", 6, 6, 16),                // x6 = U code
		enc(t, "csrrw", 0, spec.CSRMepc, 6),     // mret to U (MPP = 0)
		enc(t, "mret"),                          //
		enc(t, "csrrs", 7, spec.CSRMstatus, 0),  // U: read mstatus
		enc(t, "csrrw", 8, spec.CSRSstatus, 0),  // U: write 0 to sstatus
		enc(t, "csrrs", 9, spec.CSRSstatus, 0),  // U: read it back
	}
	for _, v := range []spec.Variant{spec.VariantRV64PG, spec.VariantPOPF} {
		cfg := spec.DefaultConfig()
		cfg.Variant = v
		m := rawMachine(t, cfg, code...)
		var r spec.Retire
		for i := 0; i < 11; i++ {
			r = m.Step()
		}
		if v == spec.VariantRV64PG {
			if !r.Trap.Valid || r.Trap.Cause != spec.CauseIllegalInstruction {
				t.Errorf("rv64pg: U-mode csrr mstatus did not trap: %+v", r)
			}
			continue
		}
		if r.Trap.Valid || r.Rd.Value != m.State(0).CSRs[spec.CSRSstatus] {
			t.Errorf("popf: U read of mstatus %+v, want the sstatus view %#x", r, m.State(0).CSRs[spec.CSRSstatus])
		}
		m.Step()
		r = m.Step()
		if r.Trap.Valid || r.Rd.Value&(spec.MstatusSIE|spec.MstatusSPP) != spec.MstatusSIE {
			t.Errorf("popf: after writing 0, sstatus = %#x: SIE must stay, SPP must clear", r.Rd.Value)
		}
	}
}
