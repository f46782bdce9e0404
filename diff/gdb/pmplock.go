package gdb

import "github.com/vcheck-dev/vcheck/spec"

// Locking a PMP entry through its debugger.
//
// A comparison moves past a documented departure by writing the
// reference model's state into the stub (SetState). That fails for one
// kind of state: a PMP entry locked with a value the specification does
// not allow. QEMU 7.2 stores a pmpcfg byte as written, the reserved
// R=0,W=1 and bits 6:5 included (the departure warl), and it ignores any
// later write to a locked entry's pmpcfg byte, the debugger's too
// (target/riscv/pmp.c, pmp_write_cfg: "ignoring pmpcfg write - locked";
// the gdbstub writes CSRs through the same csr.c functions). So once a
// csrw sets L together with a reserved combination, no sync can put the
// legal value the reference model holds into QEMU, and QEMU goes on with
// a permission the reference does not grant (a store into a locked
// R=0,W=1 region: the reference faults, QEMU stores).
//
// The target therefore defers the lock: a pmpcfg write that would lock
// an entry is stepped with the new L bits held back (the source register
// is changed for that one step, then restored), the record shows the
// value the instruction wrote, L bits included, and the L bits are set
// through the stub before anything else runs: at the next step, run or
// state read. When the record is a departure, SetState writes the
// reference's value instead, which the still unlocked entry takes. Both
// machines then hold the same, locked, configuration (docs/external.md).
type pmpLock struct {
	h    *hart
	csr  uint16 // pmpcfg0 or pmpcfg2
	bits uint64 // the L bits the instruction wrote and the step held back
}

// isPmpcfg reports whether addr is one of RV64's pmpcfg registers.
func isPmpcfg(addr uint16) bool {
	return addr == spec.CSRPmpcfg0 || addr == spec.CSRPmpcfg0+2
}

// holdLock prepares the step of a Zicsr instruction: when it is a csrrw or
// csrrs of a pmpcfg register that would set the L bit of an entry not
// locked yet, it writes the source register without those bits into the
// stub and returns what it held back (0 otherwise). The immediate forms
// reach bits 4:0 only and never set L; csrrc only clears bits.
func (t *Target) holdLock(h *hart, in insnInfo) (uint64, error) {
	name := in.ops.Base.Name
	if in.kind != kCSR || !isPmpcfg(in.ops.CSR) || in.ops.Rs1 == 0 || name != "csrrw" && name != "csrrs" || h.mode != spec.ModeM {
		return 0, nil
	}
	old, ok, err := t.readCSR(in.ops.CSR)
	if err != nil || !ok {
		return 0, err
	}
	src := h.x[in.ops.Rs1]
	v := src
	if name == "csrrs" {
		v |= old
	}
	var bits uint64
	for b := uint(0); b < 64; b += 8 {
		l := uint64(spec.PMPL) << b
		if old&l == 0 && v&l != 0 {
			bits |= l
		}
	}
	if bits == 0 {
		return 0, nil
	}
	if err := t.c.WriteRegister(int(in.ops.Rs1), 64, src&^bits); err != nil {
		if t.c.closed != nil {
			return 0, err
		}
		// A stub that takes no register writes (vcheck serve's) cannot
		// be synced either: step the instruction as it is.
		return 0, nil
	}
	return bits, nil
}

// releaseRs1 puts back the source register holdLock changed. The step
// calls it unless the instruction retired and wrote that register as its
// destination (rd = rs1).
func (t *Target) releaseRs1(h, pre *hart, in insnInfo) error {
	rs1 := in.ops.Rs1
	if err := t.c.WriteRegister(int(rs1), 64, pre.x[rs1]); err != nil {
		return err
	}
	h.x[rs1] = pre.x[rs1]
	return nil
}

// settle sets the L bits a step held back (pmpLock), on the hart it
// stepped. Everything that lets the stub run or shows its state calls it
// first.
func (t *Target) settle() error {
	p := t.lock
	if p == nil {
		return nil
	}
	t.lock = nil
	if err := t.c.selectThread(p.h.tid); err != nil {
		return err
	}
	cur, _, err := t.readCSR(p.csr)
	if err != nil {
		return err
	}
	reg := t.regNum[p.csr]
	return t.c.WriteRegister(reg.Num, reg.Bits, cur|p.bits)
}

// heldLock completes the record of a retired pmpcfg write whose L bits
// holdLock held back: the record shows the value the instruction wrote,
// and the bits wait in t.lock for settle (or for SetState, which writes
// the reference's value instead).
func (t *Target) heldLock(h *hart, r *spec.Retire, held uint64) {
	if held == 0 || !r.CSR.Valid {
		return
	}
	r.CSR.Value |= held
	t.lock = &pmpLock{h: h, csr: r.CSR.Addr, bits: held}
}
