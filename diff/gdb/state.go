package gdb

import (
	"fmt"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// State implements diff.Target: the hart's pc, mode, registers, and every
// CSR of spec.CSRs the stub shows (CSRs it does not show are absent from
// the map; compare with CommonCSRs).
func (t *Target) State(hart int) spec.ArchState {
	if hart < 0 || hart >= len(t.harts) || t.c.closed != nil {
		return spec.ArchState{Hart: -1}
	}
	if err := t.settle(); err != nil {
		panic(fmt.Errorf("%w: %v", diff.ErrTargetFailed, err))
	}
	s, err := t.state(t.harts[hart])
	if err != nil {
		panic(fmt.Errorf("%w: %v", diff.ErrTargetFailed, err))
	}
	return s
}

func (t *Target) state(h *hart) (spec.ArchState, error) {
	if err := t.c.selectThread(h.tid); err != nil {
		return spec.ArchState{}, err
	}
	if err := t.readGPRs(h); err != nil {
		return spec.ArchState{}, err
	}
	if err := t.readMode(h); err != nil {
		return spec.ArchState{}, err
	}
	s := spec.ArchState{Hart: h.id, PC: h.pc, Mode: h.mode, X: h.x, CSRs: map[uint16]uint64{}}
	for _, row := range spec.CSRs {
		v, ok, err := t.readCSR(row.Addr)
		if err != nil {
			return spec.ArchState{}, err
		}
		if ok {
			s.CSRs[row.Addr] = v
		}
	}
	return s, nil
}

// SetState writes a state into the stub: pc, mode, the integer registers
// and the CSRs of want that differ from the stub's and that it shows. It
// is how a comparison moves past a documented departure: the stub is put
// where the specification says it should be. CSRs the stub refuses or
// legalizes differently are returned in the error.
func (t *Target) SetState(want spec.ArchState) error {
	if want.Hart < 0 || want.Hart >= len(t.harts) {
		return fmt.Errorf("gdb %s: no hart %d", t.c.Addr, want.Hart)
	}
	h := t.harts[want.Hart]
	// L bits a pmpcfg write held back (pmplock.go): the loop below
	// writes the reference's pmpcfg, locked, into the entry still open;
	// when it has no reason to, the bits are set after it.
	var pending *pmpLock
	if t.lock != nil && t.lock.h == h {
		pending, t.lock = t.lock, nil
	} else if err := t.settle(); err != nil {
		return err
	}
	have, err := t.state(h)
	if err != nil {
		return err
	}
	var bad []string
	var written []spec.CSR
	for _, row := range spec.CSRs {
		v, ok := want.CSRs[row.Addr]
		old, has := have.CSRs[row.Addr]
		if !ok || !has || v == old || row.ReadOnly {
			continue
		}
		reg := t.regNum[row.Addr]
		if err := t.c.WriteRegister(reg.Num, reg.Bits, v); err != nil {
			if t.c.closed != nil {
				return err
			}
			bad = append(bad, row.Name)
			continue
		}
		written = append(written, row)
		if pending != nil && row.Addr == pending.csr {
			pending = nil
		}
	}
	if pending != nil {
		t.lock = pending
		if err := t.settle(); err != nil {
			return err
		}
	}
	// A stub may accept a write and keep another value: QEMU 7.2 ignores
	// any write to a locked PMP entry's pmpcfg byte, the debugger's too
	// (target/riscv/pmp.c, pmp_write_cfg), and legalizes some CSRs its own
	// way. Read each written CSR back, after all the writes (views such as
	// sstatus share bits with others): a state that did not take is an
	// error, never a silent difference that shows records later.
	for _, row := range written {
		got, ok, err := t.readCSR(row.Addr)
		if err != nil {
			return err
		}
		if v := want.CSRs[row.Addr]; !ok || got != v {
			bad = append(bad, fmt.Sprintf("%s (wrote %#x, reads %#x)", row.Name, v, got))
		}
	}
	for i := 1; i < 32; i++ {
		if want.X[i] != have.X[i] {
			if err := t.c.WriteRegister(i, 64, want.X[i]); err != nil {
				return err
			}
		}
	}
	if want.PC != have.PC {
		pc, _ := t.c.Regs.Lookup("pc")
		if err := t.c.WriteRegister(pc.Num, pc.Bits, want.PC); err != nil {
			return err
		}
	}
	if want.Mode != have.Mode && t.priv != nil {
		if err := t.c.WriteRegister(t.priv.Num, t.priv.Bits, uint64(want.Mode)); err != nil {
			return err
		}
	}
	clear(t.tlb)
	clear(t.icache)
	if err := t.refresh(h); err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("gdb %s: the stub did not take %v", t.c.Addr, bad)
	}
	return nil
}

// HasCSR reports whether the stub shows a CSR.
func (t *Target) HasCSR(addr uint16) bool {
	_, ok := t.regNum[addr]
	return ok
}

// Registers returns a hart's pc, mode and integer registers as the client
// last read them (after the last step): the cheap part of State.
func (t *Target) Registers(hart int) (spec.ArchState, bool) {
	if hart < 0 || hart >= len(t.harts) || !t.harts[hart].fresh {
		return spec.ArchState{Hart: -1}, false
	}
	h := t.harts[hart]
	return spec.ArchState{Hart: hart, PC: h.pc, Mode: h.mode, X: h.x}, true
}

// RunTo runs the stub at full speed until hart 0 is about to execute pc
// for the hits-th time (a software breakpoint and continue; a stop that
// is not the breakpoint is an error), within timeout. The client's view
// is read afresh afterwards.
func (t *Target) RunTo(pc uint64, hits int, timeout time.Duration) error {
	if len(t.harts) != 1 {
		return fmt.Errorf("gdb %s: running to a breakpoint needs one hart", t.c.Addr)
	}
	h := t.harts[0]
	if err := t.settle(); err != nil {
		return err
	}
	if err := t.c.Breakpoint(pc, true); err != nil {
		return err
	}
	remaining := hits
	if h.pc == pc {
		remaining-- // already there: that is the first hit
	}
	for ; remaining > 0; remaining-- {
		if h.pc == pc {
			// Leave the breakpoint's address first: a continue from it
			// would stop there at once.
			if _, err := t.c.Step(h.tid); err != nil {
				return err
			}
		}
		s, err := t.c.Continue(timeout)
		if err != nil {
			return fmt.Errorf("gdb %s: running to %#x (%d hits to go): %w", t.c.Addr, pc, remaining, err)
		}
		if s.Exited() {
			return fmt.Errorf("gdb %s: the target exited before reaching %#x", t.c.Addr, pc)
		}
		if err := t.readGPRs(h); err != nil {
			return err
		}
		if h.pc != pc {
			return fmt.Errorf("gdb %s: running to %#x, the target stopped at %#x (signal %d)", t.c.Addr, pc, h.pc, s.Signal)
		}
	}
	if err := t.c.Breakpoint(pc, false); err != nil {
		return err
	}
	clear(t.icache)
	clear(t.tlb)
	clear(t.ptPage)
	return t.refresh(h)
}
