package engine

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// TestRetireRecords checks the record of each kind of step against the
// contract of docs/retire.md.
func TestRetireRecords(t *testing.T) {
	m := bootELF(t, testConfig(), assemble(t, prelude+`
_start:
	la t0, handler
	csrw mtvec, t0
	la a1, data
	li a0, 5                 # 0: rd write
	addi zero, a0, 1         # 1: rd = x0: no Rd
	sd a0, 0(a1)             # 2: store
	lw a2, 0(a1)             # 3: load
	amoadd.w a3, a0, (a1)    # 4: AMO: read and write
	csrrw a4, mscratch, a0   # 5: CSR write
	csrr a5, mscratch        # 6: no CSR write
	sc.w a6, a0, (a1)        # 7: failed SC (no reservation)
	c.addi a0, 3             # 8: compressed
	ecall                    # 9: exception
.align 2
handler:
	PASS
.data
.align 3
data: .dword 0
`))
	h := m.Harts[0]
	// Skip the boot ROM, then the setup: la t0; csrw; la a1 (auipc+addi pairs).
	for h.pc < spec.RAMBase {
		m.Step()
	}
	rom := h.count
	for i := 0; i < 5; i++ {
		m.Step()
	}
	data := h.x[11]
	recs := make([]spec.Retire, 10)
	for i := range recs {
		recs[i] = m.Step()
	}
	check := func(i int, ok bool, what string) {
		t.Helper()
		if !ok {
			t.Errorf("record %d (%s): %+v", i, what, recs[i])
		}
	}
	r := recs
	check(0, r[0].Rd == spec.RegWrite{Valid: true, Reg: 10, Value: 5} && !r[0].Mem.Valid && r[0].NextPC == r[0].PC+uint64(r[0].InsnLen()), "li")
	check(1, !r[1].Rd.Valid, "addi x0")
	check(2, r[2].Mem == spec.MemAccess{Valid: true, Addr: data, Size: 8, Write: true, WData: 5} && !r[2].Rd.Valid, "sd")
	check(3, r[3].Mem == spec.MemAccess{Valid: true, Addr: data, Size: 4, Read: true, RData: 5} && r[3].Rd.Value == 5, "lw")
	check(4, r[4].Mem == spec.MemAccess{Valid: true, Addr: data, Size: 4, Read: true, Write: true, RData: 5, WData: 10} && r[4].Rd.Value == 5, "amoadd.w")
	check(5, r[5].CSR == spec.CSRWrite{Valid: true, Addr: spec.CSRMscratch, Value: 5} && r[5].Rd == spec.RegWrite{Valid: true, Reg: 14, Value: 0}, "csrrw")
	check(6, !r[6].CSR.Valid && r[6].Rd.Value == 5, "csrr")
	check(7, r[7].Mem == spec.MemAccess{Valid: true, Addr: data, Size: 4} && r[7].Rd == spec.RegWrite{Valid: true, Reg: 16, Value: 1}, "failed sc.w")
	check(8, r[8].Insn < 0x10000 && r[8].Insn&3 != 3 && r[8].NextPC == r[8].PC+2 && r[8].Rd.Value == 8, "c.addi")
	check(9, r[9].Trap == spec.Trap{Valid: true, Cause: spec.CauseMachineEcall, Target: spec.ModeM} &&
		r[9].Insn == 0x73 && r[9].NextPC == h.mtvec && !r[9].Rd.Valid, "ecall")
	if h.count-rom != 5+9 {
		t.Errorf("retired %d, want 14 (the ecall does not retire)", h.count-rom)
	}
}

// TestRecordPageCrossingInstruction: a 32-bit instruction at a page's last
// halfword is recorded like any other (found by ref-vs-engine lockstep on
// riscv-tests' rvc).
func TestRecordPageCrossingInstruction(t *testing.T) {
	m := bootELF(t, testConfig(), assemble(t, prelude+`
_start:
	li a1, 1
	j cross
.org 0xffe
cross:
	.option push
	.option norvc
	addi a1, a1, 41
	.option pop
	PASS
`))
	h := m.Harts[0]
	for i := 0; i < 100 && h.pc != spec.RAMBase+0xffe; i++ {
		m.Step()
	}
	r := m.Step()
	if r.PC != spec.RAMBase+0xffe || r.Insn != 0x02958593 || r.Rd != (spec.RegWrite{Valid: true, Reg: 11, Value: 42}) || r.NextPC != r.PC+4 {
		t.Fatalf("record %+v", r)
	}
}

func TestStateOfMissingHart(t *testing.T) {
	m := bootELF(t, testConfig(), assemble(t, prelude+"_start: PASS\n"))
	if s := m.State(1); s.Hart == 1 {
		t.Fatalf("State(1) of a one-hart machine: %+v", s)
	}
	if s := m.State(0); s.Hart != 0 || s.CSRs[spec.CSRMisa] != spec.MisaValue {
		t.Fatalf("State(0): %+v", s)
	}
}

// TestVariantPOPF: under VariantPOPF a U-mode read of sstatus returns the
// sstatus view instead of trapping, and a U-mode write that clears SIE is
// silently dropped; under rv64pg the read traps (illegal instruction).
func TestVariantPOPF(t *testing.T) {
	src := prelude + `
_start:
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	la t0, handler
	csrw mtvec, t0
	csrsi mstatus, 2        # SIE
	la t0, user
	csrw mepc, t0
	li t0, 0x1800
	csrc mstatus, t0
	mret
user:
	csrr a0, sstatus
	csrci sstatus, 2
	ecall
.align 2
handler:
	csrr t0, mcause
	li t1, 8
	bne t0, t1, illegal
	andi a0, a0, 2
	beqz a0, bad
	csrr t0, mstatus
	andi t0, t0, 2
	beqz t0, bad
	PASS
illegal:
	FAIL(2)
bad:
	FAIL(1)
`
	elf := assemble(t, src)
	cfg := testConfig()
	cfg.Variant = spec.VariantPOPF
	m := bootELF(t, cfg, elf)
	if e := m.Run(10000); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("popf: exit %+v", e)
	}
	m = bootELF(t, testConfig(), elf)
	if e := m.Run(10000); e.Reason != spec.HaltFinisher || e.Code != 2 {
		t.Fatalf("rv64pg: exit %+v, want the illegal-instruction path", e)
	}
}
