package rvfi

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// ResetPC is where RVFI-DII implementations start after EndOfTrace
// (RVFI-DII.md: "memory, and PC (to 0x80000000)"). A comparison with one
// runs from a config whose ResetPC is this, so that the reference skips
// the boot ROM too.
const ResetPC = spec.RAMBase

// Target is a diff.Target that drives an RVFI-DII implementation: each
// Step injects the instruction at the implementation's pc, taken from the
// program (the client keeps its own copy of memory, updated by the
// stores the implementation reports), and turns the execution packet
// into a retire record.
//
// Before the first step the program's memory is loaded into the
// implementation: with vcheck's memory-load commands when it is a vcheck
// server, or else by injecting stores (which leaves the counters and
// time past zero: docs/rvfi.md).
//
// What the negotiated version cannot carry is listed by Ignored: v1 has
// no mode, and neither v1 nor base v2 has trap causes or CSR writes;
// vcheck's extension blocks carry all of it. Instructions are fetched
// from the copy through the page tables in it, with satp as the CSR
// writes showed it (without the CSR block, as the instruction wrote it).
type Target struct {
	c       *Conn
	cfg     spec.Config
	toHost  uint64
	mem     *diff.MemoryCopy
	x       [32]uint64
	pc      uint64
	mode    spec.Mode
	exit    spec.Exit
	pending *Execution
	satp    uint64 // tracked from the CSR writes the implementation reports (or, without them, the instructions)
	mstatus uint64 // likewise, for MPP and SPP: the mode an xRET returns to
	ignored []string
	unobs   []string
	steps   uint64
}

// NewTarget resets the implementation behind c and loads img into it.
func NewTarget(c *Conn, cfg spec.Config, img *boot.Image) (*Target, error) {
	if cfg.Harts > 1 {
		return nil, fmt.Errorf("rvfi %s: RVFI-DII has one hart; the config has %d", c.Addr, cfg.Harts)
	}
	if img == nil {
		return nil, fmt.Errorf("rvfi %s: no program", c.Addr)
	}
	if img.ResetPC != ResetPC {
		return nil, fmt.Errorf("rvfi %s: RVFI-DII implementations start at %#x, the program at %#x: run with a config whose ResetPC is %#x (vcheck does for rvfi: targets)", c.Addr, uint64(ResetPC), img.ResetPC, uint64(ResetPC))
	}
	t := &Target{c: c, cfg: cfg, toHost: img.ToHost, mem: diff.NewMemoryCopy(), pc: ResetPC, mode: spec.ModeM}
	switch {
	case c.Version < 2:
		t.ignored = []string{"Mode", "NextMode", "Trap.Cause", "Trap.Interrupt", "Trap.Target", "Trap.Tval", "CSR"}
	default:
		if c.Ext&FieldTrap == 0 {
			t.ignored = append(t.ignored, "Trap.Cause", "Trap.Interrupt", "Trap.Tval")
		}
		if c.Ext&FieldCSR == 0 {
			t.ignored = append(t.ignored, "CSR")
		}
	}
	for _, s := range img.Segments {
		t.mem.Write(s.Addr, s.Data)
	}
	if err := c.Reset(); err != nil {
		return nil, err
	}
	if err := t.preload(img); err != nil {
		return nil, err
	}
	return t, nil
}

// Conn returns the connection.
func (t *Target) Conn() *Conn { return t.c }

// Ignored lists the record fields the negotiated protocol cannot carry.
func (t *Target) Ignored() []string { return append([]string(nil), t.ignored...) }

// Unobserved lists fields of the last record that were not observed.
func (t *Target) Unobserved() []string { return t.unobs }

// Exit implements diff.Target.
func (t *Target) Exit() spec.Exit { return t.exit }

// State implements diff.Target: RVFI-DII shows no architectural state
// beyond each instruction's effects, so there is none (Hart -1, the
// diff.Target answer for "no such hart").
func (t *Target) State(int) spec.ArchState { return spec.ArchState{Hart: -1} }

// preload writes the image's RAM into the implementation (its memory is
// zero at reset, so only nonzero words are sent).
func (t *Target) preload(img *boot.Image) error {
	type run struct {
		addr  uint64
		words []uint32
	}
	var runs []run
	for _, s := range img.Segments {
		if s.Addr < spec.RAMBase {
			continue // the boot ROM is not the implementation's
		}
		start := s.Addr &^ 3
		for a := start; a < s.Addr+uint64(len(s.Data)); a += 4 {
			var w [4]byte
			for i := range w {
				t.mem.Read(a+uint64(i), w[i:i+1])
			}
			v := binary.LittleEndian.Uint32(w[:])
			if v == 0 {
				continue
			}
			if n := len(runs); n > 0 && runs[n-1].addr+4*uint64(len(runs[n-1].words)) == a {
				runs[n-1].words = append(runs[n-1].words, v)
			} else {
				runs = append(runs, run{a, []uint32{v}})
			}
		}
	}
	if t.c.Ext&LoadCapability != 0 {
		for _, r := range runs {
			if err := t.c.Load(r.addr, r.words); err != nil {
				return err
			}
		}
		return nil
	}
	var prog []uint32
	for _, r := range runs {
		for i, w := range r.words {
			a := r.addr + 4*uint64(i)
			prog = append(prog, li(5, int64(a))...)
			prog = append(prog, li(6, int64(int32(w)))...)
			prog = append(prog, sw(6, 5, 0))
		}
	}
	return t.injectPreload(prog)
}

// injectPreload runs a preload program of stores, then clears the two
// registers it used, sets minstret and mcycle so that they read zero at
// the program's first instruction, and jumps back to the reset pc.
func (t *Target) injectPreload(prog []uint32) error {
	n := len(prog)
	prog = append(prog,
		addi(5, 0, -5), csrrw(0, spec.CSRMinstret, 5), // minstret := -5; five more retire
		addi(5, 0, -3), csrrw(0, spec.CSRMcycle, 5), // mcycle := -3; three more
		addi(5, 0, 0), addi(6, 0, 0))
	back := -int64(4 * len(prog))
	if back < -(1 << 20) {
		return fmt.Errorf("rvfi %s: the program is too large to load by injected stores (%d instructions)", t.c.Addr, n)
	}
	prog = append(prog, jal(0, back))
	for i := 0; i < len(prog); i += 256 {
		chunk := prog[i:min(i+256, len(prog))]
		var ps []InstructionPacket
		for _, w := range chunk {
			ps = append(ps, InstructionPacket{Cmd: CmdInstruction, Insn: w, Time: 1})
		}
		if err := t.c.Send(ps...); err != nil {
			return err
		}
		for range chunk {
			e, err := t.c.Receive()
			if err != nil {
				return err
			}
			if e.Trap != 0 || e.Halt != 0 {
				return fmt.Errorf("rvfi %s: loading the program: the injected store at pc %#x trapped (memory at 0x80000000 smaller than the program?)", t.c.Addr, e.PCRData)
			}
		}
	}
	return nil
}

// Step implements diff.Target.
func (t *Target) Step() spec.Retire {
	r, err := t.step()
	if err != nil {
		panic(fmt.Errorf("%w: %v", diff.ErrTargetFailed, err))
	}
	t.steps++
	return r
}

// inject sends the instruction at pc from the copy of memory.
func (t *Target) inject(pc uint64, mode spec.Mode) (Execution, error) {
	insn, _ := t.mem.Fetch(pc, t.satp, mode) // not in the copy: 0, an illegal instruction
	if err := t.c.Send(InstructionPacket{Cmd: CmdInstruction, Insn: insn, Time: 1}); err != nil {
		return Execution{}, err
	}
	return t.c.Receive()
}

func (t *Target) step() (spec.Retire, error) {
	t.unobs = nil
	if t.exit.Reason != spec.Running {
		return spec.Retire{}, fmt.Errorf("rvfi %s: stepped after the exit", t.c.Addr)
	}
	var e Execution
	if t.pending != nil {
		e, t.pending = *t.pending, nil
	} else {
		var err error
		if e, err = t.inject(t.pc, t.mode); err != nil {
			return spec.Retire{}, err
		}
	}
	if e.Valid == 0 && e.Halt != 0 {
		return spec.Retire{}, fmt.Errorf("rvfi %s: the implementation has halted (pc %#x)", t.c.Addr, t.pc)
	}
	if e.PCRData != t.pc {
		return spec.Retire{}, fmt.Errorf("rvfi %s: the packet is for pc %#x, the instruction was injected at %#x", t.c.Addr, e.PCRData, t.pc)
	}
	r := spec.Retire{PC: e.PCRData, NextPC: e.PCWData, Insn: uint32(e.Insn), Mode: t.mode, NextMode: t.mode}
	if t.c.Version >= 2 {
		if !spec.Mode(e.Mode).Valid() {
			return r, fmt.Errorf("rvfi %s: mode %d in the packet for pc %#x", t.c.Addr, e.Mode, e.PCRData)
		}
		r.Mode = spec.Mode(e.Mode)
	}
	if r.Insn&3 != 3 {
		r.Insn &= 0xffff
	}
	if e.Trap != 0 {
		r.Trap.Valid = true
		if ti := e.TrapInfo; ti != nil {
			r.Trap.Interrupt = ti.Cause>>63 != 0
			r.Trap.Cause = ti.Cause &^ (1 << 63)
			r.Trap.Tval = ti.Tval
			r.Trap.Target = spec.Mode(ti.Target)
		}
	} else {
		if i := e.Int; i != nil && i.RdAddr != 0 {
			if i.RdAddr > 31 {
				return r, fmt.Errorf("rvfi %s: rd x%d in the packet for pc %#x", t.c.Addr, i.RdAddr, e.PCRData)
			}
			r.Rd = spec.RegWrite{Valid: true, Reg: i.RdAddr, Value: i.RdWData}
		}
		if err := t.memory(&r, &e); err != nil {
			return r, err
		}
		if c := e.CSR; c != nil && c.Valid != 0 {
			r.CSR = spec.CSRWrite{Valid: true, Addr: c.Addr, Value: c.Value}
		}
	}
	t.detectExit(&r, &e)
	guess := t.nextModeGuess(&r)
	switch {
	case e.Priv != nil:
		r.NextMode = spec.Mode(e.Priv.NextMode)
	case t.c.Version >= 2 && t.exit.Reason == spec.Running:
		// The next packet's mode is this step's next mode.
		next, err := t.inject(r.NextPC, guess)
		if err != nil {
			return r, err
		}
		t.pending = &next
		if next.Valid != 0 {
			r.NextMode = spec.Mode(next.Mode)
			if r.NextMode != guess {
				pa1, _ := t.mem.Translate(r.NextPC, t.satp, guess)
				if pa2, _ := t.mem.Translate(r.NextPC, t.satp, r.NextMode); pa1 != pa2 {
					return r, fmt.Errorf("rvfi %s: after pc %#x the implementation went to mode %s, not %s as mstatus suggested, and the instruction injected at %#x was the wrong one", t.c.Addr, r.PC, r.NextMode, guess, r.NextPC)
				}
			}
		}
	default:
		r.NextMode = guess // v1: the mode as the client tracks it
	}
	t.track(&r, &e, r.NextMode)
	if r.Trap.Valid && e.TrapInfo == nil && t.c.Version >= 2 {
		r.Trap.Target = r.NextMode
	}
	if !r.NextMode.Valid() {
		return r, fmt.Errorf("rvfi %s: next mode %d after pc %#x", t.c.Addr, r.NextMode, e.PCRData)
	}
	if r.Rd.Valid {
		t.x[r.Rd.Reg] = r.Rd.Value
	}
	t.pc, t.mode = r.NextPC, r.NextMode
	return r, nil
}

// memory fills the record's memory access from the memory block and
// keeps the copy of memory up to date with what was written.
func (t *Target) memory(r *spec.Retire, e *Execution) error {
	ops, ok := spec.DecodeOperands(r.Insn)
	if !ok {
		return nil
	}
	name := ops.Base.Name
	var size uint64
	switch {
	case strings.HasPrefix(name, "amo"), strings.HasPrefix(name, "lr."), strings.HasPrefix(name, "sc."):
		size = 4
		if strings.HasSuffix(name, ".d") {
			size = 8
		}
	case ops.Base.Match&0x7f == 0x03 && ops.Base.Format == spec.FmtI, ops.Base.Match&0x7f == 0x23 && ops.Base.Format == spec.FmtS:
		size = 1 << (ops.Base.Match >> 12 & 3)
	default:
		return nil
	}
	m := e.Mem
	if m == nil {
		t.unobs = append(t.unobs, "Mem")
		return nil
	}
	if m.RMask > 0xff || m.WMask > 0xff {
		return fmt.Errorf("rvfi %s: a memory access of more than 8 bytes at pc %#x", t.c.Addr, e.PCRData)
	}
	mask := ^uint64(0)
	if size < 8 {
		mask = 1<<(8*size) - 1
	}
	r.Mem = spec.MemAccess{Valid: true, Addr: m.Addr, Size: uint8(size), Read: m.RMask != 0, Write: m.WMask != 0}
	if r.Mem.Read {
		r.Mem.RData = m.RData[0] & mask
	}
	if r.Mem.Write {
		r.Mem.WData = m.WData[0] & mask
		for i := uint64(0); i < size; i++ {
			if pa, ok := t.mem.Translate(m.Addr+i, t.satp, r.Mode); ok && (t.mem.Known(pa) || pa >= spec.RAMBase) {
				t.mem.Write(pa, []byte{byte(r.Mem.WData >> (8 * i))})
			}
		}
	}
	if !r.Mem.Read && !r.Mem.Write && ops.Rs1 >= 0 {
		r.Mem.Addr = t.x[ops.Rs1] // a failed SC: no access, the address is rs1
	}
	return nil
}

// nextModeGuess is the mode the next instruction runs in, for fetching it
// before its packet (if any) says: the trap's target (M when unknown),
// mstatus.MPP after mret, SPP after sret, else the current mode.
func (t *Target) nextModeGuess(r *spec.Retire) spec.Mode {
	if r.Trap.Valid {
		if r.Trap.Target.Valid() && r.Trap.Target != 0 {
			return r.Trap.Target
		}
		return spec.ModeM
	}
	switch r.Insn {
	case 0x30200073: // mret
		return spec.Mode(t.mstatus >> 11 & 3)
	case 0x10200073: // sret
		return spec.Mode(t.mstatus >> 8 & 1)
	}
	return r.Mode
}

// track follows satp and mstatus's MPP/SPP through a step: from the CSR
// block when there is one, else from the instruction and the registers
// before it; traps and xRETs move MPP and SPP as the specification says
// (Priv. 1.12 §3.1.6.1, §3.3.2).
func (t *Target) track(r *spec.Retire, e *Execution, next spec.Mode) {
	const mpp, spp = 3 << 11, 1 << 8
	switch {
	case r.Trap.Valid:
		if next == spec.ModeS {
			t.mstatus = t.mstatus&^spp | uint64(r.Mode&1)<<8
		} else {
			t.mstatus = t.mstatus&^mpp | uint64(r.Mode)<<11
		}
		return
	case r.Insn == 0x30200073:
		t.mstatus &^= mpp
		return
	case r.Insn == 0x10200073:
		t.mstatus &^= spp
		return
	}
	if e.CSR != nil {
		if c := e.CSR; c.Valid != 0 {
			switch c.Addr {
			case spec.CSRSatp:
				t.satp = c.Value
			case spec.CSRMstatus:
				t.mstatus = c.Value
			case spec.CSRSstatus:
				t.mstatus = t.mstatus&^spec.SstatusMask | c.Value&spec.SstatusMask
			}
		}
		return
	}
	ops, ok := spec.DecodeOperands(r.Insn)
	if !ok || !ops.HasCSR {
		return
	}
	var reg *uint64
	switch ops.CSR {
	case spec.CSRSatp:
		reg = &t.satp
	case spec.CSRMstatus, spec.CSRSstatus:
		reg = &t.mstatus
	default:
		return
	}
	src := uint64(ops.Imm)
	if ops.Rs1 >= 0 {
		src = t.x[ops.Rs1]
	}
	if ops.CSR == spec.CSRSstatus {
		src = src&spec.SstatusMask | *reg&^spec.SstatusMask
	}
	switch strings.TrimSuffix(ops.Base.Name, "i") {
	case "csrrw":
		*reg = src
	case "csrrs":
		*reg |= src
	case "csrrc":
		*reg &^= src
	}
}

// detectExit ends the run at a finisher command or an HTIF exit, as the
// models' devices do (docs/retire.md), whether or not the implementation
// has those devices.
func (t *Target) detectExit(r *spec.Retire, e *Execution) {
	if r.Mem.Write && r.Mem.Addr == spec.TestBase {
		if ex, ok := spec.FinisherExit(r.Mem.WData, int(r.Mem.Size)); ok {
			t.exit = ex
		}
	}
	if t.toHost != 0 && r.Mem.Write && r.Mem.Addr <= t.toHost && r.Mem.Addr+uint64(r.Mem.Size) > t.toHost {
		var b [8]byte
		t.mem.Read(t.toHost, b[:])
		if ex, ok := spec.HTIFExit(binary.LittleEndian.Uint64(b[:])); ok {
			t.exit = ex
		}
	}
	if e.Halt != 0 && t.exit.Reason == spec.Running {
		t.exit = spec.Exit{Reason: spec.HaltFinisher, Code: -1, Detail: fmt.Sprintf("the implementation halted after pc %#x", r.PC)}
	}
}

// The few encodings the injected preload needs (Unpriv. §2.4, §2.5, §9.1).
func addi(rd, rs1 uint32, imm int64) uint32 {
	return uint32(imm&0xfff)<<20 | rs1<<15 | rd<<7 | 0x13
}
func sw(rs2, rs1 uint32, imm int64) uint32 {
	return uint32(imm>>5&0x7f)<<25 | rs2<<20 | rs1<<15 | 2<<12 | uint32(imm&0x1f)<<7 | 0x23
}
func csrrw(rd uint32, csr uint16, rs1 uint32) uint32 {
	return uint32(csr)<<20 | rs1<<15 | 1<<12 | rd<<7 | 0x73
}
func jal(rd uint32, off int64) uint32 {
	o := uint32(off)
	return (o>>20&1)<<31 | (o>>1&0x3ff)<<21 | (o>>11&1)<<20 | (o>>12&0xff)<<12 | rd<<7 | 0x6f
}
func lui(rd uint32, imm int64) uint32 { return uint32(imm)&0xfffff000 | rd<<7 | 0x37 }
func addiw(rd, rs1 uint32, imm int64) uint32 {
	return uint32(imm&0xfff)<<20 | rs1<<15 | rd<<7 | 0x1b
}
func slli(rd, rs1 uint32, sh uint32) uint32 { return sh<<20 | rs1<<15 | 1<<12 | rd<<7 | 0x13 }

// li loads a 64-bit constant into rd (the usual lui/addiw, then shifts
// and adds of 12-bit chunks).
func li(rd uint32, v int64) []uint32 {
	if v >= -2048 && v < 2048 {
		return []uint32{addi(rd, 0, v)}
	}
	if v == int64(int32(v)) {
		hi := (v + 0x800) &^ 0xfff
		out := []uint32{lui(rd, hi)}
		if lo := v - hi; lo != 0 {
			out = append(out, addiw(rd, rd, lo))
		}
		return out
	}
	lo := v << 52 >> 52
	hi := (v - lo) >> 12
	shift := uint32(12)
	for hi&1 == 0 && shift < 40 {
		hi >>= 1
		shift++
	}
	out := append(li(rd, hi), slli(rd, rd, shift))
	if lo != 0 {
		out = append(out, addi(rd, rd, lo))
	}
	return out
}
