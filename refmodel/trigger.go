package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// The trigger module (Sdtrig: RISC-V Debug Specification 1.0, chapter 5).
//
// rv64pg has the trigger module of QEMU 7.2 (target/riscv/debug.c): two
// triggers (tselect 0 and 1), each an address match trigger of type 2
// (mcontrol) or type 6 (mcontrol6), registers of §5.7. A trigger
// fires in the modes its m, s and u bits name, on the execution of the
// instruction at tdata2 (execute), or on a load or store that accesses the
// byte at tdata2 (load, store). Firing always raises a breakpoint
// exception (action 0): rv64pg has no Debug Mode.
//
// Where the specification leaves a choice the model takes QEMU 7.2's;
// where QEMU 7.2 departs from it the model follows the specification
// (docs/refmodel.md lists both).

// trigger is one trigger's state: tdata1 (its type and mcontrol or
// mcontrol6 fields) and tdata2 (the address it compares). tdata3 (textra)
// is not implemented and reads zero.
type trigger struct {
	tdata1, tdata2 uint64
}

// selected is the trigger tselect names. tselect never holds an index of
// a trigger that does not exist (writeTselect).
func (h *Hart) selected() *trigger { return &h.triggers[h.csr[spec.CSRTselect]] }

// writeTselect is tselect's WARL rule (§5.7, tselect): a write of an index with
// no trigger may leave another value; as QEMU 7.2 does, it is ignored.
func (h *Hart) writeTselect(v uint64) {
	if v < spec.Triggers {
		h.csr[spec.CSRTselect] = v
	}
}

// triggerType is the type field of a tdata1 value (§5.7, tdata1).
func triggerType(tdata1 uint64) uint64 { return tdata1 >> spec.TriggerTypeShift }

// writeTdata1 applies tdata1's WARL rules (§5.7, tdata1; "All tdata registers
// follow write-any-read-legal semantics") to a write of v:
//
//   - type 0 ("no trigger"): "Writing 0 to this register must result in a
//     trigger that is disabled." The trigger keeps its type and every other
//     field is cleared. (The spec suggests type 15 for a trigger of several
//     types; keeping the type is also disabled, and is what the trigger
//     reads after reset. QEMU 7.2 ignores the write and leaves the trigger
//     armed: a departure.)
//   - type 2 or 6: the trigger becomes that type, keeping m, s, u,
//     execute, store, load and a supported size (legalSize).
//   - any other type (1, 3, 4, 5, 7, 8-15): not supported here (tinfo
//     lists 2 and 6), so the write is ignored, as QEMU 7.2 does.
//
// Fields the model does not implement read zero, which is legal for each:
// dmode (writable only from Debug Mode), maskmax (no NAPOT match), hit,
// select (address compare only), timing (before: the breakpoint is taken
// at the instruction, which does not retire), action (0: breakpoint),
// chain, match (0: equal), and mcontrol6's vs and vu (hard-wired to 0
// without the hypervisor extension; QEMU 7.2 keeps them, a departure).
func (h *Hart) writeTdata1(v uint64) {
	t := h.selected()
	switch typ := triggerType(v); typ {
	case 0:
		t.tdata1 = triggerType(t.tdata1) << spec.TriggerTypeShift
	case spec.TriggerTypeMcontrol, spec.TriggerTypeMcontrol6:
		keep := v & (spec.McontrolM | spec.McontrolS | spec.McontrolU |
			spec.McontrolExecute | spec.McontrolStore | spec.McontrolLoad)
		t.tdata1 = typ<<spec.TriggerTypeShift | keep | legalSize(typ, v)
	}
}

// sizeEncoding is a tdata1 value's access size field: sizehi:sizelo for
// mcontrol, size for mcontrol6 (§5.7). Encodings: 0 any size,
// 1 8-bit, 2 16-bit, 3 32-bit, 4 48-bit, 5 64-bit, 6 and up wider.
func sizeEncoding(tdata1 uint64) uint64 {
	if triggerType(tdata1) == spec.TriggerTypeMcontrol {
		return tdata1>>21&3<<2 | tdata1>>16&3
	}
	return tdata1 >> 16 & 0xf
}

// accessBytes is the access size, in bytes, a size encoding matches; 0
// stands for any size.
var accessBytes = map[uint64]int{0: 0, 1: 1, 2: 2, 3: 4, 5: 8}

// legalSize is the size field a write of v to a trigger of type typ
// keeps. "An implementation must support the value of 0, but all other
// values are optional" (mcontrol's sizelo, §5.7). rv64pg keeps the sizes of its
// loads and stores (8, 16, 32 and 64 bits), as QEMU 7.2 does, and 0
// otherwise. With execute set it keeps 0: a sized execute trigger matches
// only instructions of that length, which is not known before the
// instruction is fetched, and an execute address trigger fires before
// the fetch (the priority table of §5.3). QEMU 7.2 keeps the size and
// ignores it for execution: a departure in the value read back only.
func legalSize(typ, v uint64) uint64 {
	enc := sizeEncoding(v)
	if _, ok := accessBytes[enc]; !ok || enc == 0 || v&spec.McontrolExecute != 0 {
		return 0
	}
	if typ == spec.TriggerTypeMcontrol {
		return enc>>2<<21 | (enc&3)<<16
	}
	return enc << 16
}

// modeBit is the tdata1 bit that enables a trigger in a mode: u, s or m
// (mcontrol bits 3, 4 and 6).
func modeBit(m spec.Mode) uint64 {
	switch m {
	case spec.ModeU:
		return spec.McontrolU
	case spec.ModeS:
		return spec.McontrolS
	}
	return spec.McontrolM
}

// matches reports whether trigger t matches, in mode, an access of kind
// (McontrolExecute, McontrolLoad, McontrolStore, or load|store for an
// AMO) of size bytes at addr (§5.7, mcontrol, with select = 0 and match = 0).
//
//   - The trigger must be an address match trigger (type 2 or 6), enabled
//     for the kind and for the current mode (the hart's mode, not the one
//     MPRV gives loads and stores).
//   - A sized trigger "will only match against" accesses of its size.
//   - select = 0: "There is at least one compare value and it contains the
//     lowest virtual address of the access. It is recommended that there
//     are additional compare values for the other accessed virtual
//     addresses." For loads and stores the model takes the recommendation:
//     the trigger matches when any accessed byte is the byte at tdata2.
//     An execution's only compare value is the instruction's address, as
//     in QEMU 7.2, whose breakpoints compare the pc.
func (t *trigger) matches(mode spec.Mode, kind, addr uint64, size int) bool {
	typ := triggerType(t.tdata1)
	if typ != spec.TriggerTypeMcontrol && typ != spec.TriggerTypeMcontrol6 {
		return false
	}
	if t.tdata1&kind == 0 || t.tdata1&modeBit(mode) == 0 {
		return false
	}
	if kind == spec.McontrolExecute {
		return addr == t.tdata2
	}
	if want := accessBytes[sizeEncoding(t.tdata1)]; want != 0 && want != size {
		return false
	}
	return t.tdata2-addr < uint64(size) // addr <= tdata2 < addr+size, modulo 2^64
}

// triggerFires reports whether any trigger matches the access.
func (h *Hart) triggerFires(kind, addr uint64, size int) bool {
	for i := range h.triggers {
		if h.triggers[i].matches(h.mode, kind, addr, size) {
			return true
		}
	}
	return false
}

// breakpoint is the exception a trigger raises (action 0, §5.2): cause 3,
// with tval 0. The Privileged spec lets tval be zero or the faulting
// virtual address for a breakpoint; QEMU 7.2 leaves it 0. epc is the
// instruction's address (timing = before).
func breakpoint() *exception { return raise(spec.CauseBreakpoint, 0) }

// executeTrigger checks the instruction at pc against execute triggers,
// before it is fetched: an instruction address breakpoint comes before
// every fault of the fetch (the priority table of §5.3, and the Priv.
// spec's Table 3.7).
func (h *Hart) executeTrigger() *exception {
	if h.triggerFires(spec.McontrolExecute, h.pc, 0) {
		return breakpoint()
	}
	return nil
}

// dataTrigger checks a load, store or AMO of size bytes at va against the
// triggers, before anything else the access checks: a load/store/AMO
// address breakpoint comes before address-misaligned, page and access
// faults (§5.3). Its kind is McontrolLoad, McontrolStore, or both for an
// AMO, which "is a load for the read portion of the operation" and "a
// store for the write portion" (§5.5.1). LR is a load; a successful SC is
// a store, and a failing SC, which "is UNSPECIFIED", is neither, as in
// QEMU 7.2, where it makes no access (the callers decide which SC
// succeeds).
func (h *Hart) dataTrigger(kind, va uint64, size int) *exception {
	if h.triggerFires(kind, va, size) {
		return breakpoint()
	}
	return nil
}
