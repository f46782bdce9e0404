package engine

import "github.com/vcheck-dev/vcheck/spec"

// The trigger module (Sdtrig, RISC-V Debug spec 1.0 ch. 5): two address
// match triggers of type 2 (mcontrol) or 6 (mcontrol6) that raise a
// breakpoint on execute, load or store, as docs/engine.md describes.
//
// None of the fast paths looks at triggers. Instead, while a trigger is
// armed, they cannot skip one:
//   - load/store triggers: no load or store TLB entry is filled (fillTLB)
//     and the TLBs are flushed when one is armed, so every load, store and
//     AMO, interpreted or compiled, misses the TLB and reaches slow, which
//     checks it first;
//   - execute triggers: loop checks the pc before each fetch, and on a
//     page that holds an armed execute address runs one instruction per
//     call of fast; fast never leaves the page it started on, so on other
//     pages it runs at full speed.
// With nothing armed, each costs a test of a bool outside the hot loop.

// trigState is a hart's trigger module.
type trigState struct {
	sel uint64                // tselect
	t1  [spec.Triggers]uint64 // tdata1; 0 stands for the reset value, spec.Tdata1Reset
	t2  [spec.Triggers]uint64 // tdata2
	// Derived by arm: some trigger can fire on execution, or on a load
	// or store, in some mode; pages holds the pages of the execute ones.
	exec, data bool
	pages      [spec.Triggers]uint64
}

// trigger modes (tdata1 bits) by spec.Mode.
var trigModeBit = [4]uint64{spec.McontrolU, spec.McontrolS, 0, spec.McontrolM}

const (
	trigKinds = spec.McontrolExecute | spec.McontrolStore | spec.McontrolLoad
	trigModes = spec.McontrolM | spec.McontrolS | spec.McontrolU
	trigData  = spec.McontrolStore | spec.McontrolLoad
)

// tdata1 is trigger i's tdata1.
func (t *trigState) tdata1(i int) uint64 {
	if t.t1[i] == 0 {
		return spec.Tdata1Reset
	}
	return t.t1[i]
}

// trigRead reads tselect, tdata1-3 or tinfo.
func (h *Hart) trigRead(addr uint16) uint64 {
	t := &h.trig
	switch addr {
	case spec.CSRTselect:
		return t.sel
	case spec.CSRTdata1:
		return t.tdata1(int(t.sel))
	case spec.CSRTdata2:
		return t.t2[t.sel]
	case spec.CSRTinfo:
		return spec.TinfoValue
	}
	return 0 // tdata3: no textra
}

// trigWrite writes tselect, tdata1 or tdata2 with their WARL rules
// (tdata3 and tinfo ignore writes):
//   - tselect keeps only the index of a trigger (QEMU 7.2);
//   - tdata1 of type 0 disables the trigger (Debug spec: "Writing 0 to
//     this register must result in a trigger that is disabled"), keeping
//     its type; of type 2 or 6 it keeps the mode, execute, store and load
//     bits and a size of 8, 16, 32 or 64 bits unless execute is set;
//     of any other type it is ignored (QEMU 7.2);
//   - tdata2 holds any address.
func (h *Hart) trigWrite(addr uint16, v uint64) {
	t := &h.trig
	switch addr {
	case spec.CSRTselect:
		if v < spec.Triggers {
			t.sel = v
		}
		return
	case spec.CSRTdata2:
		t.t2[t.sel] = v
	case spec.CSRTdata1:
		typ := v >> spec.TriggerTypeShift
		switch typ {
		case 0:
			t.t1[t.sel] = t.tdata1(int(t.sel)) >> spec.TriggerTypeShift << spec.TriggerTypeShift
		case spec.TriggerTypeMcontrol, spec.TriggerTypeMcontrol6:
			t.t1[t.sel] = typ<<spec.TriggerTypeShift | v&(trigModes|trigKinds) | trigSize(typ, v)
		default:
			return
		}
	default:
		return
	}
	h.trigArm()
}

// trigSize is the size field a tdata1 write of v keeps for type typ: the
// encodings 1, 2, 3 and 5 (8 to 64 bits), in mcontrol's sizehi:sizelo or
// mcontrol6's size, and only without execute.
func trigSize(typ, v uint64) uint64 {
	if v&spec.McontrolExecute != 0 {
		return 0
	}
	var enc uint64
	if typ == spec.TriggerTypeMcontrol {
		enc = v>>19&0xc | v>>16&3
	} else {
		enc = v >> 16 & 0xf
	}
	switch enc {
	case 1, 2, 3: // sizelo, or size with its top bits clear
		return enc << 16
	case 5:
		if typ == spec.TriggerTypeMcontrol {
			return 1<<21 | 1<<16
		}
		return 5 << 16
	}
	return 0
}

// trigBytes is the access size a tdata1 matches, in bytes; 0 for any.
func trigBytes(c uint64) uint64 {
	var enc uint64
	if c>>spec.TriggerTypeShift == spec.TriggerTypeMcontrol {
		enc = c>>19&0xc | c>>16&3
	} else {
		enc = c >> 16 & 0xf
	}
	return [6]uint64{0, 1, 2, 4, 0, 8}[enc]
}

// trigArm recomputes what the triggers can fire on. Arming a load/store
// trigger flushes the TLBs, so no fast load or store bypasses it.
func (h *Hart) trigArm() {
	t := &h.trig
	wasData := t.data
	t.exec, t.data = false, false
	for i := range t.t1 {
		c := t.t1[i]
		if c&trigModes == 0 {
			continue
		}
		if c&spec.McontrolExecute != 0 {
			t.exec = true
		}
		if c&trigData != 0 {
			t.data = true
		}
		t.pages[i] = t.t2[i] >> 12
	}
	if t.data && !wasData {
		h.flushTLB()
	}
	h.exitLoop = true
}

// trigFires reports whether a trigger of kind (execute, or load and/or
// store) matches, in the current mode, size bytes at addr: an execution
// at tdata2, or an access of the trigger's size (any, if 0) that includes
// the byte at tdata2.
func (h *Hart) trigFires(kind, addr, size uint64) bool {
	t := &h.trig
	m := trigModeBit[h.mode]
	for i := range t.t1 {
		c := t.t1[i]
		if c&kind == 0 || c&m == 0 {
			continue
		}
		if kind == spec.McontrolExecute {
			if addr == t.t2[i] {
				return true
			}
			continue
		}
		if n := trigBytes(c); (n == 0 || n == size) && t.t2[i]-addr < size {
			return true
		}
	}
	return false
}

// trigExecute raises the breakpoint of an execute trigger on the
// instruction at pc, before it is fetched. loop calls it while t.exec.
func (h *Hart) trigExecute() bool {
	if !h.trigFires(spec.McontrolExecute, h.pc, 0) {
		return false
	}
	h.fail(spec.CauseBreakpoint, 0)
	h.raise()
	return true
}

// trigBudget is how many instructions fast may run from pc: one on a page
// that holds an armed execute trigger's address, so loop checks each.
func (h *Hart) trigBudget(left uint64) uint64 {
	t := &h.trig
	if t.exec {
		for i := range t.t1 {
			if c := t.t1[i]; c&spec.McontrolExecute != 0 && c&trigModes != 0 && t.pages[i] == h.pc>>12 {
				return 1
			}
		}
	}
	return left
}

// scWillStore reports whether an SC at addr will store, by
// the rule execSlow applies: the reservation (which other harts' stores
// break, storeObserved) is for addr.
func (h *Hart) scWillStore(addr uint64) bool {
	return h.resValid && h.resAddr == addr
}

// trigData checks the load, store or AMO d is about to make against the
// triggers (slow calls it while t.data, before the access does anything),
// and records the breakpoint if one fires. An AMO is a load and a store;
// LR a load; an SC a store when it will store (it holds the reservation
// for its address): a failing SC makes no access.
func (h *Hart) trigData(d *inst) bool {
	x := &h.x
	var kind, addr uint64
	size := uint64(ops[d.op].size)
	switch ops[d.op].mem {
	case memLoad:
		kind, addr = spec.McontrolLoad, x[d.rs1]+uint64(d.imm)
	case memStore:
		kind, addr = spec.McontrolStore, x[d.rs1]+uint64(d.imm)
	case memLR:
		kind, addr = spec.McontrolLoad, x[d.rs1]
	case memSC:
		kind, addr = spec.McontrolStore, x[d.rs1]
		if !h.scWillStore(addr) {
			return false
		}
	case memAMO:
		kind, addr = trigData, x[d.rs1]
	default:
		return false
	}
	if !h.trigFires(kind, addr, size) {
		return false
	}
	h.fail(spec.CauseBreakpoint, 0)
	return true
}
